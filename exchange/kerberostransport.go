package exchange

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"

	"github.com/jcmturner/gokrb5/v8/client"
	"github.com/jcmturner/gokrb5/v8/config"
	"github.com/jcmturner/gokrb5/v8/credentials"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/masterzen/winrm"
	"github.com/masterzen/winrm/soap"
)

// kerberosTransport authenticates every request with a SPNEGO Negotiate
// header carrying a Kerberos AP-REQ for the service principal (gokrb5's
// client: the password or a ccache, the krb5.conf loaded once). It does not
// seal messages: validate allows it on http:// only with AllowUnencrypted.
type kerberosTransport struct {
	*httpConn
	principal string // the bare user name; the realm is separate
	realm     string
	password  Secret
	ccache    string
	spn       string
	conf      *config.Config

	cl *client.Client // guarded by the gate
}

var _ soapTransport = (*kerberosTransport)(nil)

// kerberosUser is the principal's name part: DOMAIN\user and user@REALM
// name the same account, user@REALM, as on Windows.
func kerberosUser(name string) string {
	if _, u, ok := strings.Cut(name, `\`); ok {
		return u
	}
	if u, _, ok := strings.Cut(name, "@"); ok {
		return u
	}
	return name
}

func newKerberosTransport(h *httpConn, cfg ConnectionConfig, ep endpointParts) (*kerberosTransport, error) {
	conf, err := config.Load(cfg.Kerberos.Krb5Conf)
	var unsupported config.UnsupportedDirective
	if errors.As(err, &unsupported) && conf != nil {
		// gokrb5 reports directives it does not implement (v4 settings)
		// beside a usable configuration.
		err = nil
	}
	if err != nil {
		return nil, fmt.Errorf("cannot load kerberos.krb5Conf %s: %w", cfg.Kerberos.Krb5Conf, err)
	}
	spn := cfg.Kerberos.SPN
	if spn == "" {
		spn = "HTTP/" + ep.host
	}
	return &kerberosTransport{httpConn: h, principal: kerberosUser(cfg.Username), realm: cfg.Kerberos.Realm,
		password: cfg.Password, ccache: cfg.Kerberos.CCache, spn: spn, conf: conf}, nil
}

// Transport implements winrm.Transporter.
func (t *kerberosTransport) Transport(*winrm.Endpoint) error { return nil }

// Post implements winrm.Transporter.
func (t *kerberosTransport) Post(_ *winrm.Client, msg *soap.SoapMessage) (string, error) {
	return postMessage(t, msg)
}

// login makes the gokrb5 client once: from the ccache, read when first
// needed (kinit may have renewed it), or with the password.
func (t *kerberosTransport) login() (*client.Client, error) {
	if t.cl != nil {
		return t.cl, nil
	}
	if t.ccache != "" {
		b, err := os.ReadFile(strings.TrimPrefix(t.ccache, "FILE:"))
		if err != nil {
			return nil, fmt.Errorf("cannot read kerberos.ccache: %w", err)
		}
		cc := new(credentials.CCache)
		if err := cc.Unmarshal(b); err != nil {
			return nil, fmt.Errorf("cannot parse kerberos.ccache %s: %w", t.ccache, err)
		}
		cl, err := client.NewFromCCache(cc, t.conf, client.DisablePAFXFAST(true))
		if err != nil {
			return nil, fmt.Errorf("kerberos.ccache %s: %w", t.ccache, err)
		}
		t.cl = cl
		return cl, nil
	}
	t.cl = client.NewWithPassword(t.principal, t.realm, t.password.Reveal(), t.conf, client.DisablePAFXFAST(true))
	return t.cl, nil
}

func (t *kerberosTransport) roundTrip(ctx context.Context, msg []byte) ([]byte, error) {
	release, err := t.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	cl, err := t.login()
	if err != nil {
		return nil, &kerberosError{principal: t.principal + "@" + t.realm, spn: t.spn, err: err}
	}
	// SetSPNEGOHeader logs in and gets the service ticket when it has none
	// (both cached in cl), then builds a fresh AP-REQ.
	req, _ := http.NewRequest(http.MethodPost, t.url, nil)
	if err := spnego.SetSPNEGOHeader(cl, req, t.spn); err != nil {
		t.cl = nil // a failed login is not cached
		return nil, &kerberosError{principal: t.principal + "@" + t.realm, spn: t.spn, err: err}
	}
	h := soapHeader()
	h.Set("Authorization", req.Header.Get("Authorization"))
	r, err := t.do(ctx, h, msg)
	if err != nil {
		return nil, err
	}
	if r.status == http.StatusUnauthorized {
		if offered := r.header.Values("WWW-Authenticate"); !offersScheme(offered, "Negotiate", "Kerberos") {
			return nil, &schemeError{want: AuthKerberos, offered: offered}
		}
	}
	return soapReply(r)
}

func offersScheme(offered []string, schemes ...string) bool {
	for _, v := range offered {
		for _, part := range strings.Split(v, ",") {
			name, _, _ := strings.Cut(strings.TrimSpace(part), " ")
			for _, s := range schemes {
				if strings.EqualFold(name, s) {
					return true
				}
			}
		}
	}
	return false
}

// kerberosError is a failure to get or use a Kerberos ticket.
type kerberosError struct {
	principal, spn string
	err            error
}

func (e *kerberosError) Error() string { return "kerberos: " + e.err.Error() }
func (e *kerberosError) Unwrap() error { return e.err }

// refused reports whether the KDC refused the login (as opposed to being
// unreachable or misconfigured), and says why in a sentence.
func (e *kerberosError) refused() (string, bool) {
	msg := e.err.Error()
	switch {
	case strings.Contains(msg, "PREAUTH_FAILED"), strings.Contains(msg, "password/keytab incorrect"):
		return fmt.Sprintf("the KDC did not accept the password of %s", e.principal), true
	case strings.Contains(msg, "C_PRINCIPAL_UNKNOWN"):
		return fmt.Sprintf("the KDC does not know the principal %s", e.principal), true
	case strings.Contains(msg, "S_PRINCIPAL_UNKNOWN"):
		return fmt.Sprintf("the KDC knows no service principal %s: set kerberos.spn to the server's HTTP/<fqdn>", e.spn), true
	case strings.Contains(msg, "KDC_ERR"), strings.Contains(msg, "KRB_AP_ERR"):
		return "the KDC refused the login: " + msg, true
	}
	return "", false
}
