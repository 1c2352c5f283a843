package exchange

import (
	"context"
	"crypto/tls"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/exreconcile/exreconcile/test/exsim/wsman"
	"github.com/exreconcile/exreconcile/test/framework"
)

// TestKerberosTransport logs on with Kerberos against a real MIT KDC and
// exsim's endpoint over HTTPS: with the password (the account written
// DOMAIN\user or user@REALM), with a ccache from kinit, and refused with a
// wrong password or a ticket for another server.
func TestKerberosTransport(t *testing.T) {
	if why := framework.KDCMissing(); why != "" {
		t.Skip("Kerberos test skipped: " + why)
	}
	const realm, spn, password = "WORK.COM", "HTTP/win20081.work.com", "Krb-Pa'ss ’ $()"
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	kdc, err := framework.StartKDC(ctx, framework.KDCOptions{Realm: realm, Users: map[string]string{"svc": password},
		Services: []string{spn, "HTTP/win20082.work.com"}, Dir: filepath.Join(t.TempDir(), "kdc")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = kdc.Stop() })
	kt, err := keytab.Load(kdc.Keytab)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := wsman.LoadOrCreateCA(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cert, err := ca.ServerCertificate("WIN20081", "win20081.work.com")
	if err != nil {
		t.Fatal(err)
	}
	srv := startWSMan(t, false, 0, func(c *wsman.Config) {
		c.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		c.Auth = []wsman.AuthScheme{wsman.AuthKerberos}
		c.Keytab, c.Realm = kt, realm
	})
	plain := startWSMan(t, true, 0, func(c *wsman.Config) {
		c.Auth = []wsman.AuthScheme{wsman.AuthKerberos}
		c.Keytab, c.Realm = kt, realm
	})
	ccache, err := kdc.Kinit(ctx, "svc", password)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, user string
		password   Secret
		ccache     string
		spn        string
		http       bool
		wantErr    string
	}{
		{name: "http with allowUnencrypted (a lab listener)", user: `WORK\svc`, password: password, spn: spn, http: true},
		{name: "password, DOMAIN\\user", user: `WORK\svc`, password: password, spn: spn},
		{name: "password, user@REALM", user: "svc@WORK.COM", password: password, spn: spn},
		{name: "ccache only", ccache: ccache, spn: spn},
		{name: "wrong password", user: `WORK\svc`, password: "wrong ’ $()", spn: spn, wantErr: "the KDC did not accept the password of svc@WORK.COM"},
		{name: "ticket for another server", user: `WORK\svc`, password: password, spn: "HTTP/win20082.work.com",
			wantErr: "the server refused the Kerberos ticket for HTTP/win20082.work.com: check kerberos.spn"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			endpoint := srv.URL()
			if tt.http {
				endpoint = plain.URL()
			}
			c, err := NewClient(ConnectionConfig{Endpoint: endpoint, Auth: AuthKerberos, Username: tt.user, Password: tt.password,
				Kerberos: KerberosConfig{Realm: realm, Krb5Conf: kdc.Krb5Conf, CCache: tt.ccache, SPN: tt.spn}, CAPEM: ca.CertPEM,
				AllowUnencrypted: tt.http})
			if err != nil {
				t.Fatal(err)
			}
			res, err := c.Run(ctx, testScript("'kerberos'"))
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !errors.Is(err, ErrAccessDenied) {
					t.Fatalf("err = %v, want %q (access denied)", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "wrong ’") || strings.Contains(err.Error(), password) {
					t.Errorf("the password leaks into the error: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasPrefix(res.Stdout, "read ") {
				t.Errorf("stdout %q", res.Stdout)
			}
			if err := c.Close(ctx); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestKerberosUser(t *testing.T) {
	for in, want := range map[string]string{`WORK\svc`: "svc", "svc@WORK.COM": "svc", "svc": "svc"} {
		if got := kerberosUser(in); got != want {
			t.Errorf("kerberosUser(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestTargetNeedsPasswordForRemoteSession: a ccache alone (no password)
// cannot open the Exchange remote session on a Mailbox server; the snap-in
// of an Edge server needs none.
func TestTargetNeedsPasswordForRemoteSession(t *testing.T) {
	tests := []struct {
		name    string
		target  Target
		wantErr bool
	}{
		{name: "Mailbox without password", target: Target{Name: "WIN20081", FQDN: "win20081.work.com", Role: RoleMailbox, Username: `WORK\svc`}, wantErr: true},
		{name: "Mailbox with password", target: Target{Name: "WIN20081", FQDN: "win20081.work.com", Role: RoleMailbox, Username: `WORK\svc`, Password: "p"}},
		{name: "Edge without password", target: Target{Name: "WIN20083", FQDN: "win20083.work.com", Role: RoleEdge}},
		{name: "Mailbox with the snap-in", target: Target{Name: "WIN20081", Role: RoleMailbox, Session: SessionSnapIn}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.target.check()
			if (err != nil) != tt.wantErr {
				t.Fatalf("check() = %v, want error %v", err, tt.wantErr)
			}
			if err != nil && (!errors.Is(err, ErrInvalidRequest) || !strings.Contains(err.Error(), "no double hop")) {
				t.Errorf("err = %v, want ErrInvalidRequest naming the double hop", err)
			}
		})
	}
}

// TestKerberosConfWithUnsupportedDirective: gokrb5 reports directives it
// does not implement (v4 settings) as an error beside a usable
// configuration; such a krb5.conf, common on long-lived hosts, loads.
func TestKerberosConfWithUnsupportedDirective(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "krb5.conf")
	if err := os.WriteFile(conf, []byte("[libdefaults]\n default_realm = WORK.COM\n[realms]\n WORK.COM = {\n  kdc = 127.0.0.1:88\n  v4_instance_convert = {\n   x = y\n  }\n }\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := NewClient(ConnectionConfig{Endpoint: "https://win20081.work.com/wsman", Auth: AuthKerberos, Username: `WORK\svc`,
		Password: "p", Kerberos: KerberosConfig{Realm: "WORK.COM", Krb5Conf: conf}}); err != nil {
		t.Fatal(err)
	}
	if _, err := NewClient(ConnectionConfig{Endpoint: "https://win20081.work.com/wsman", Auth: AuthKerberos, Username: `WORK\svc`,
		Password: "p", Kerberos: KerberosConfig{Realm: "WORK.COM", Krb5Conf: filepath.Join(t.TempDir(), "missing.conf")}}); err == nil ||
		!strings.Contains(err.Error(), "cannot load kerberos.krb5Conf") {
		t.Errorf("a missing krb5.conf: err = %v", err)
	}
}
