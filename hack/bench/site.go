package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
)

// The generated site: one organisation of n servers EX001..EXnnn, per server
// two receive connectors, five organisation-wide send connectors and the
// TransportConfig. Every value is a function of the server index, so the
// baseline knows what it should find without reading the manifests.

const (
	orgName     = "bench.example"
	orgUser     = `BENCH\svc-exreconcile`
	passwordEnv = "BENCH_PASSWORD"
	// connectorA carries the change of the apply scenario (its Banner).
	connectorA = "Bench Partner A"
	connectorB = "Bench Relay B"
	connectorC = "Bench Client C"
	// driftBanner is the out-of-band value the apply scenario repairs.
	driftBanner = "220 changed by hand"
)

func serverName(i int) string { return fmt.Sprintf("EX%03d", i) }

func serverFQDN(i int) string { return strings.ToLower(serverName(i)) + "." + orgName }

// desiredBanner is connector A's declared Banner on server i.
func desiredBanner(i int) string { return fmt.Sprintf("220 %s ESMTP bench", serverFQDN(i)) }

// sendConnectors are the organisation-wide send connectors' names.
var sendConnectors = []string{"To Partner1", "To Partner2", "To Partner3", "To Relay", "To Internet"}

// writeSite writes the manifests of an n-server organisation into dir.
// endpoint(i) is server i's WinRM URL, caFile the CA of its listener.
func writeSite(dir string, n int, endpoint func(int) string, caFile string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var all []string
	for i := 1; i <= n; i++ {
		all = append(all, serverName(i))
	}
	quoted := "[" + strings.Join(all, ", ") + "]"

	var org strings.Builder
	fmt.Fprintf(&org, `apiVersion: exreconcile.io/v1alpha1
kind: ExchangeOrganization
metadata:
  name: bench
spec:
  servers:
`)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&org, "    - name: %s\n      fqdn: %s\n      endpoint: %s\n", serverName(i), serverFQDN(i), endpoint(i))
	}
	fmt.Fprintf(&org, `  auth:
    method: ntlm
    username: '%s'
    passwordFrom: {env: %s}
  tls:
    caFile: %s
`, orgUser, passwordEnv, caFile)

	var rc strings.Builder
	for i := 1; i <= n; i++ {
		if i > 1 {
			rc.WriteString("---\n")
		}
		fmt.Fprintf(&rc, `apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata:
  name: %[2]s
spec:
  server: %[1]s
  usage: Custom
  transportRole: FrontendTransport
  bindings: ["10.0.%[4]d.1:25"]
  remoteIPRanges: ["192.168.%[4]d.0/24", "172.16.%[4]d.10-172.16.%[4]d.20"]
  fqdn: %[5]s
  authMechanism: [Tls]
  permissionGroups: [AnonymousUsers, Partners]
  requireTLS: true
  domainSecureEnabled: true
  banner: '%[6]s'
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata:
  name: %[3]s
spec:
  server: %[1]s
  usage: Custom
  bindings: ["10.0.%[4]d.2:2526"]
  remoteIPRanges: ["10.20.%[4]d.0/24", "10.30.%[4]d.1"]
  fqdn: %[5]s
  authMechanism: [Tls, BasicAuth, BasicAuthRequireTLS]
  permissionGroups: [ExchangeUsers]
  maxMessageSize: 25MB
  protocolLoggingLevel: Verbose
---
apiVersion: exreconcile.io/v1alpha1
kind: ReceiveConnector
metadata:
  name: %[7]s
spec:
  server: %[1]s
  usage: Custom
  bindings: ["10.0.%[4]d.3:2587"]
  remoteIPRanges: ["10.40.%[4]d.0/24"]
  fqdn: %[5]s
  authMechanism: [Tls, Integrated, BasicAuth, BasicAuthRequireTLS]
  permissionGroups: [ExchangeUsers]
`, serverName(i), connectorA, connectorB, i, serverFQDN(i), desiredBanner(i), connectorC)
	}

	first := serverName(1)
	sc := fmt.Sprintf(`apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata:
  name: %[1]s
spec:
  usage: Partner
  addressSpaces: ["SMTP:partner1.example;1"]
  dnsRoutingEnabled: true
  sourceTransportServers: %[6]s
  domainSecureEnabled: true
---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata:
  name: %[2]s
spec:
  usage: Custom
  addressSpaces: ["SMTP:partner2.example;1", "SMTP:*.partner2.example;2"]
  dnsRoutingEnabled: true
  sourceTransportServers: %[6]s
  requireTLS: true
  tlsAuthLevel: DomainValidation
  tlsDomain: mail.partner2.example
---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata:
  name: %[3]s
spec:
  usage: Custom
  addressSpaces: ["SMTP:partner3.example;5"]
  dnsRoutingEnabled: true
  sourceTransportServers: [%[7]s]
  domainSecureEnabled: true
  maxMessageSize: 20MB
---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata:
  name: %[4]s
spec:
  usage: Custom
  addressSpaces: ["SMTP:relay.example;10"]
  dnsRoutingEnabled: false
  smartHosts: [smtp.relay.example]
  smartHostAuthMechanism: None
  sourceTransportServers: [%[7]s]
  port: 587
  requireTLS: true
---
apiVersion: exreconcile.io/v1alpha1
kind: SendConnector
metadata:
  name: %[5]s
spec:
  usage: Internet
  addressSpaces: ["SMTP:*;100"]
  dnsRoutingEnabled: true
  sourceTransportServers: %[6]s
  ignoreSTARTTLS: false
  protocolLoggingLevel: Verbose
`, sendConnectors[0], sendConnectors[1], sendConnectors[2], sendConnectors[3], sendConnectors[4], quoted, first)

	tc := `apiVersion: exreconcile.io/v1alpha1
kind: TransportConfig
metadata:
  name: bench
spec:
  tlsSendDomainSecureList: [partner1.example, partner3.example]
  tlsReceiveDomainSecureList: [partner1.example, partner3.example, partner4.example]
`
	for name, text := range map[string]string{
		"organization.yaml":       org.String(),
		"receive-connectors.yaml": rc.String(),
		"send-connectors.yaml":    sc,
		"transport-config.yaml":   tc,
	} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	return nil
}
