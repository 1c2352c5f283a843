package controller

import (
	"fmt"
	"net/url"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// Dial is the ConnectFunc of a real run: an Exchange server driven over a
// WinRM client for the server's endpoint with the organisation's
// authentication and TLS settings. It does not connect; the first command
// does.
func Dial(org *v1alpha1.ExchangeOrganization, srv v1alpha1.Server, password exchange.Secret) (exchange.Remote, error) {
	if _, err := url.Parse(srv.Endpoint); err != nil {
		return nil, fmt.Errorf("endpoint %q: %w", srv.Endpoint, err)
	}
	cfg := exchange.ConnectionConfig{
		Endpoint:         srv.Endpoint,
		Auth:             exchange.Auth(org.Spec.Auth.Method),
		Username:         org.Spec.Auth.Username,
		Password:         password,
		AllowUnencrypted: org.Spec.AllowUnencrypted,
		// Basic cannot seal messages: the separate opt-in permits both the
		// scheme and the unsealed messages it implies.
		AllowBasicOverHTTP: org.Spec.AllowBasicOverHTTP,
	}
	if k := org.Spec.Auth.Kerberos; k != nil {
		cfg.Kerberos = exchange.KerberosConfig{Realm: k.Realm, Krb5Conf: k.Krb5Conf, CCache: k.CCache, SPN: k.SPN}
	}
	if t := org.Spec.TLS; t != nil {
		cfg.CAFile = t.CAFile
		cfg.InsecureSkipVerify = t.InsecureSkipVerify
	}
	client, err := exchange.NewClient(cfg)
	if err != nil {
		return nil, err
	}
	t := exchange.Target{Name: srv.Name, FQDN: srv.FQDN, Role: exchange.Role(srv.Role),
		Session: exchange.SessionMode(org.Spec.Session), Username: org.Spec.Auth.Username, Password: password}
	return exchange.NewServer(t, client), nil
}
