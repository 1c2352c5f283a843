package wsman

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/jcmturner/gofork/encoding/asn1"
	"github.com/jcmturner/gokrb5/v8/asn1tools"
	"github.com/jcmturner/gokrb5/v8/crypto"
	"github.com/jcmturner/gokrb5/v8/gssapi"
	"github.com/jcmturner/gokrb5/v8/iana"
	"github.com/jcmturner/gokrb5/v8/iana/asnAppTag"
	"github.com/jcmturner/gokrb5/v8/iana/keyusage"
	"github.com/jcmturner/gokrb5/v8/iana/msgtype"
	"github.com/jcmturner/gokrb5/v8/keytab"
	"github.com/jcmturner/gokrb5/v8/messages"
	"github.com/jcmturner/gokrb5/v8/service"
	"github.com/jcmturner/gokrb5/v8/spnego"
	"github.com/jcmturner/gokrb5/v8/types"
)

// errKerberos is wrapped by every Kerberos acceptor failure.
var errKerberos = errors.New("kerberos")

// krbTokenAPRep is the TOK_ID of a GSS-API Kerberos AP-REP token (RFC 4121
// section 4.1).
var krbTokenAPRep = []byte{0x02, 0x00}

// kerberosLogon is a verified Kerberos client.
type kerberosLogon struct {
	// Name and Realm are the client principal, e.g. admin and WORK.COM.
	Name, Realm string
	// Service is the ticket's service principal, e.g. HTTP/win20081.work.com.
	Service string
	// Reply is the token for "WWW-Authenticate: <scheme> <base64>": the
	// AP-REP for mutual authentication, SPNEGO-wrapped when the request was.
	Reply []byte
}

// acceptKerberos verifies the GSS-API token of an "Authorization: Negotiate"
// or "Kerberos" header (RFC 4559 section 4): a SPNEGO NegTokenInit (RFC 4178)
// whose preferred mechanism is Kerberos, or a bare Kerberos initial context
// token (RFC 4121 section 4.1, which MIT's GSS-API sends when asked for the
// krb5 mechanism itself). The AP-REQ is checked with gokrb5's service side
// against the keytab; PAC decoding is off, since MIT's KDC puts a PAC that
// gokrb5 cannot validate in its tickets. The reply carries an AP-REP (RFC
// 4120 section 5.5.2) so that clients requiring mutual authentication
// (requests-kerberos, hence pywinrm) accept the answer.
func acceptKerberos(kt *keytab.Keytab, token []byte, clientAddr string) (*kerberosLogon, error) {
	var (
		krb5    spnego.KRB5Token
		mech    asn1.ObjectIdentifier
		wrapped bool
	)
	var st spnego.SPNEGOToken
	if err := st.Unmarshal(token); err == nil {
		if !st.Init || len(st.NegTokenInit.MechTypes) == 0 {
			return nil, fmt.Errorf("%w: the SPNEGO token is not a NegTokenInit with mechanisms", errKerberos)
		}
		mech = st.NegTokenInit.MechTypes[0]
		if !mech.Equal(gssapi.OIDKRB5.OID()) && !mech.Equal(gssapi.OIDMSLegacyKRB5.OID()) {
			return nil, fmt.Errorf("%w: SPNEGO prefers mechanism %s; exsim accepts Kerberos (and NTLM only unwrapped)", errKerberos, mech)
		}
		if err := krb5.Unmarshal(st.NegTokenInit.MechTokenBytes); err != nil {
			return nil, fmt.Errorf("%w: SPNEGO mechToken: %w", errKerberos, err)
		}
		wrapped = true
	} else if err := krb5.Unmarshal(token); err != nil {
		return nil, fmt.Errorf("%w: neither a SPNEGO nor a Kerberos token: %w", errKerberos, err)
	} else {
		mech = krb5.OID
	}
	if !krb5.IsAPReq() {
		return nil, fmt.Errorf("%w: the token carries no AP-REQ", errKerberos)
	}
	opts := []func(*service.Settings){service.DecodePAC(false)}
	if addr, err := types.GetHostAddress(clientAddr); err == nil {
		opts = append(opts, service.ClientAddress(addr))
	}
	apreq := krb5.APReq
	ok, creds, err := service.VerifyAPREQ(&apreq, service.NewSettings(kt, opts...))
	if err != nil || !ok {
		if err == nil {
			err = errors.New("AP-REQ not valid")
		}
		return nil, fmt.Errorf("%w: %w", errKerberos, err)
	}
	rep, err := buildAPRep(&apreq)
	if err != nil {
		return nil, err
	}
	reply, err := gssKerberosToken(krbTokenAPRep, rep)
	if err != nil {
		return nil, err
	}
	if wrapped {
		resp := spnego.NegTokenResp{NegState: asn1.Enumerated(spnego.NegStateAcceptCompleted), SupportedMech: mech, ResponseToken: reply}
		if reply, err = resp.Marshal(); err != nil {
			return nil, fmt.Errorf("%w: marshalling the NegTokenResp: %w", errKerberos, err)
		}
	}
	return &kerberosLogon{
		Name:    creds.UserName(),
		Realm:   creds.Domain(),
		Service: apreq.Ticket.SName.PrincipalNameString(),
		Reply:   reply,
	}, nil
}

// buildAPRep answers a verified AP-REQ (RFC 4120 section 3.2.4, 5.5.2):
// EncAPRepPart {ctime, cusec of the authenticator, seq-number}, encrypted
// with the ticket's session key under key usage 12, in APPLICATION 15. No
// subkey is sent, so the initiator's (or the ticket's) key stays in force.
func buildAPRep(a *messages.APReq) ([]byte, error) {
	var seq [4]byte
	if _, err := rand.Read(seq[:]); err != nil {
		return nil, fmt.Errorf("%w: drawing a sequence number: %w", errKerberos, err)
	}
	part := messages.EncAPRepPart{
		CTime:          a.Authenticator.CTime,
		Cusec:          a.Authenticator.Cusec,
		SequenceNumber: int64(binary.BigEndian.Uint32(seq[:])&0x3fffffff) + 1,
	}
	b, err := asn1.Marshal(part)
	if err != nil {
		return nil, fmt.Errorf("%w: marshalling EncAPRepPart: %w", errKerberos, err)
	}
	b = asn1tools.AddASNAppTag(b, asnAppTag.EncAPRepPart)
	enc, err := crypto.GetEncryptedData(b, a.Ticket.DecryptedEncPart.Key, keyusage.AP_REP_ENCPART, 0)
	if err != nil {
		return nil, fmt.Errorf("%w: encrypting EncAPRepPart: %w", errKerberos, err)
	}
	b, err = asn1.Marshal(messages.APRep{PVNO: iana.PVNO, MsgType: msgtype.KRB_AP_REP, EncPart: enc})
	if err != nil {
		return nil, fmt.Errorf("%w: marshalling AP-REP: %w", errKerberos, err)
	}
	return asn1tools.AddASNAppTag(b, asnAppTag.APREP), nil
}

// gssKerberosToken frames a Kerberos message as a GSS-API token: [APPLICATION
// 0] { krb5 OID, TOK_ID, message } (RFC 2743 section 3.1, RFC 4121 4.1).
func gssKerberosToken(tokID, msg []byte) ([]byte, error) {
	b, err := asn1.Marshal(gssapi.OIDKRB5.OID())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", errKerberos, err)
	}
	b = append(b, tokID...)
	b = append(b, msg...)
	return asn1tools.AddASNAppTag(b, 0), nil
}

// servesPrincipal reports whether a ticket for the service principal spn
// (class/host, e.g. HTTP/win20081.work.com) is meant for this endpoint: the
// classes WinRM listens under (HTTP; WSMAN and HOST, which Windows
// registers for a computer account) on the server's FQDN or NetBIOS name.
// A keytab shared by several simulated servers must not let one accept
// tickets made out to another.
func (s *Server) servesPrincipal(spn string) bool {
	class, host, ok := strings.Cut(spn, "/")
	if !ok {
		return false
	}
	switch strings.ToUpper(class) {
	case "HTTP", "WSMAN", "HOST":
	default:
		return false
	}
	host, _, _ = strings.Cut(host, ":")
	return strings.EqualFold(host, s.cfg.FQDN) || strings.EqualFold(host, s.cfg.Name)
}
