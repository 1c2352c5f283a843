package controller

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
	"github.com/exreconcile/exreconcile/exchange"
)

// The certificate request flow (seed 000 §4 to §7): New-ExchangeCertificate
// -GenerateRequest makes the key pair on the one server of the request and
// keeps the private key there with a pending request (Get-ExchangeCertificate
// Status PendingRequest); the CSR goes to the CA; the certificate the CA
// issues is then declared as source.certFile, and Import-ExchangeCertificate
// pairs it with the pending key (HasPrivateKey True) before the declared
// services are enabled.

// Reasons of certificate request notes.
const (
	// ReasonAwaitingIssuedCertificate: the request is pending on the
	// server; the CA must issue the certificate.
	ReasonAwaitingIssuedCertificate Reason = "AwaitingIssuedCertificate"
	// ReasonRequestFileConflict: requestFile holds another request, which
	// exreconcile never overwrites.
	ReasonRequestFileConflict Reason = "RequestFileConflict"
	// ReasonAmbiguousPendingRequest: several pending requests have the
	// declared subject and none is the one requestFile holds.
	ReasonAmbiguousPendingRequest Reason = "AmbiguousPendingRequest"
)

// newCertRequest returns the request resource of c on b's server, or nil
// when c's certificate is not in its request phase: c declares a request
// and no source, and its thumbprint (when declared) is not on the server.
func newCertRequest(b *binding, c *v1alpha1.ExchangeCertificate) resource {
	req := c.Spec.Request
	if req == nil || c.Spec.Source != nil {
		return nil
	}
	if c.Spec.Thumbprint != "" && b.obs != nil && findCertificate(b.obs.Certificates, c.Spec.Thumbprint) != nil {
		return nil
	}
	res := &certRequest{id: b.identity(c), decl: c, obs: b.obs, r: b.r, shown: req.RequestFile, path: b.r.site.Path(c, req.RequestFile)}
	res.local, res.localErr = readRequestFile(res.path)
	if b.obs != nil {
		res.match()
	}
	return res
}

// certRequest is the resource of an ExchangeCertificate in its request
// phase on the server of its request.
type certRequest struct {
	id   v1alpha1.Identity
	decl *v1alpha1.ExchangeCertificate
	obs  *exchange.Observation
	r    *runner
	// shown is requestFile as written, path as resolved.
	shown, path string
	// local is the request in requestFile: nil when the file does not
	// exist; localErr when it exists but holds no readable request.
	local    *x509.CertificateRequest
	localErr error
	// pending is the server's pending request this declaration is bound to.
	pending *exchange.ObservedCertificate
	// pendingCSR is pending's request, parsed (nil when unreadable).
	pendingCSR *x509.CertificateRequest
	// ambiguous: several requests are pending for the subject and none is
	// requestFile's; nothing is written until a person picks one.
	ambiguous bool
	extra     []Note
}

// match binds the pending request: one with the declared subject, the one
// requestFile holds when there are several.
func (q *certRequest) match() {
	var cands []int
	for i, c := range q.obs.Certificates {
		if strings.EqualFold(c.Status, "PendingRequest") && sameDN(c.Subject, q.decl.Spec.Request.SubjectName) {
			cands = append(cands, i)
		}
	}
	for _, i := range cands {
		csr, _ := parseRequestText(q.obs.Certificates[i].CertificateRequest)
		if q.local != nil && csr != nil && samePublicKey(csr.PublicKey, q.local.PublicKey) {
			q.pending, q.pendingCSR = &q.obs.Certificates[i], csr
			return
		}
	}
	switch len(cands) {
	case 0:
		return
	case 1:
	default:
		var thumbs []string
		for _, i := range cands {
			thumbs = append(thumbs, q.obs.Certificates[i].Thumbprint)
		}
		q.note(errorNote(ReasonAmbiguousPendingRequest,
			"%s holds %d pending requests for %s (%s) and %s holds none of them, so none is written there: keep the one you sent to the CA "+
				"and remove the others (Remove-ExchangeCertificate -Server %s -Thumbprint <thumbprint>)",
			q.id.Server, len(cands), q.decl.Spec.Request.SubjectName, strings.Join(thumbs, ", "), q.shown, q.id.Server))
		q.ambiguous = true
	}
	q.pending = &q.obs.Certificates[cands[0]]
	q.pendingCSR, _ = parseRequestText(q.pending.CertificateRequest)
}

func (q *certRequest) note(n Note) { q.extra = append(q.extra, n) }

func (q *certRequest) identity() v1alpha1.Identity { return q.id }
func (q *certRequest) absent() bool                { return false }
func (q *certRequest) exists() bool                { return q.pending != nil }
func (q *certRequest) protected() string           { return "" }
func (q *certRequest) diff() []FieldDiff           { return nil }
func (q *certRequest) replacement() (Note, bool)   { return Note{}, false }
func (q *certRequest) change() ([]exchange.Call, error) {
	return nil, nil
}
func (q *certRequest) remove() []exchange.Call { return nil }

func (q *certRequest) created() []FieldDiff {
	return []FieldDiff{{Field: "request", Desired: q.decl.Spec.Request.SubjectName, Actual: "(no pending request)"}}
}

// waiting is the note of a request the CA has to issue.
func (q *certRequest) waiting(made string) Note {
	return warningNote(ReasonAwaitingIssuedCertificate,
		"waiting for the issued certificate: send %s to your CA (%s); then set spec.source.certFile to the certificate it issues and apply again",
		q.shown, made)
}

// create plans the request, unless requestFile already holds one: that
// file may be what was sent to the CA, and a new request would have another
// key.
func (q *certRequest) create() ([]exchange.Call, error) {
	if q.local != nil || q.localErr != nil {
		q.note(errorNote(ReasonRequestFileConflict,
			"%s already exists but %s has no pending request for it; exreconcile never overwrites a request file (its CSR may be at the CA, "+
				"and a new request has a new key): if the CA issued it, set spec.source.certFile; otherwise move %s away and apply again",
			q.shown, q.id.Server, q.shown))
		return nil, nil
	}
	req := q.decl.Spec.Request
	opts := exchange.RequestOptions{SubjectName: req.SubjectName, DomainNames: req.DomainNames, KeySize: v1alpha1.DefaultKeySize,
		FriendlyName: req.FriendlyName, PrivateKeyExportable: req.PrivateKeyExportable}
	if req.KeySize != nil {
		opts.KeySize = int(*req.KeySize)
	}
	call, err := exchange.NewCertificateRequest(q.obs.Server.Version, q.id.Server, opts)
	if err != nil {
		return nil, err
	}
	q.note(q.waiting(fmt.Sprintf("apply makes the request on %s, which keeps the private key, and writes its CSR to that file", q.id.Server)))
	return []exchange.Call{call}, nil
}

// notes of a pending request: keep requestFile equal to it (apply writes a
// missing file), and say what the CA has to do.
func (q *certRequest) notes() []Note {
	if q.pending == nil || q.ambiguous {
		return q.extra
	}
	switch {
	case q.local != nil && q.pendingCSR != nil && samePublicKey(q.local.PublicKey, q.pendingCSR.PublicKey):
		q.note(q.waiting(fmt.Sprintf("the request is pending on %s as %s; %s keeps the private key", q.id.Server, q.pending.Thumbprint, q.id.Server)))
	case q.local != nil || q.localErr != nil:
		q.note(errorNote(ReasonRequestFileConflict,
			"%s does not hold the request pending on %s (%s); exreconcile never overwrites a request file: move it away to have the pending request written there, "+
				"or, if the CA issued the certificate for it, set spec.source.certFile", q.shown, q.id.Server, q.pending.Thumbprint))
	case q.pendingCSR == nil:
		q.note(errorNote(ReasonAwaitingIssuedCertificate,
			"the request pending on %s (%s) could not be read from its CertificateRequest property, so %s cannot be written; "+
				"on %s run: Get-ExchangeCertificate -Thumbprint %s | Select-Object -ExpandProperty CertificateRequest", q.id.Server, q.pending.Thumbprint, q.shown, q.id.Server, q.pending.Thumbprint))
	case q.r.opts.Mode != ModeApply:
		q.note(q.waiting(fmt.Sprintf("the request is pending on %s as %s; apply writes its CSR to that file", q.id.Server, q.pending.Thumbprint)))
	default:
		if err := writeRequestFile(q.path, q.pending.CertificateRequest); err != nil {
			msg := fmt.Sprintf("cannot write the request pending on %s to %s: %v", q.id.Server, q.shown, err)
			q.note(errorNote(ReasonRequestFileConflict, "%s", msg))
			q.r.mu.Lock()
			q.r.fileErrors = append(q.r.fileErrors, newRunError(q.id.Server, q.id.String(), "", err, "%s", msg))
			q.r.mu.Unlock()
			break
		}
		q.local = q.pendingCSR
		q.note(q.waiting(fmt.Sprintf("the request is pending on %s as %s; its CSR was written to that file", q.id.Server, q.pending.Thumbprint)))
	}
	return q.extra
}

func (q *certRequest) observed() map[string]string {
	if q.pending == nil {
		return nil
	}
	m := observedCertificate(q.pending)
	m["requestFile"] = q.shown
	return m
}

// readRequestFile reads a CSR file: (nil, nil) when there is none.
func readRequestFile(path string) (*x509.CertificateRequest, error) {
	data, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) || errors.Is(err, syscall.ENOTDIR) {
		// No such file (a parent that is no folder holds none either).
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	csr, err := parseRequestText(string(data))
	if err != nil {
		return nil, fmt.Errorf("%s holds no certificate request: %w", path, err)
	}
	return csr, nil
}

// parseRequestText reads a PKCS #10 request as Exchange prints it (Base64
// under -----BEGIN NEW CERTIFICATE REQUEST-----), as openssl writes it
// (CERTIFICATE REQUEST), or as bare Base64.
func parseRequestText(text string) (*x509.CertificateRequest, error) {
	data := []byte(strings.TrimSpace(text))
	if len(data) == 0 {
		return nil, errors.New("empty")
	}
	der := data
	if b, _ := pem.Decode(data); b != nil {
		der = b.Bytes
	} else if raw, err := base64.StdEncoding.DecodeString(strings.Join(strings.Fields(text), "")); err == nil {
		der = raw
	}
	return x509.ParseCertificateRequest(der)
}

// writeRequestFile writes the request text (as Exchange printed it, with
// LF line ends) to path atomically and without replacing a file that
// appeared meanwhile: a temporary file in the same folder, then a hard
// link to path, which fails when path exists (a rename where the file
// system has no hard links).
func writeRequestFile(path, text string) error {
	if _, err := parseRequestText(text); err != nil {
		return fmt.Errorf("the server's request is not readable: %w", err)
	}
	body := strings.TrimSpace(strings.ReplaceAll(text, "\r\n", "\n")) + "\n"
	if !strings.HasPrefix(body, "-----BEGIN") {
		body = "-----BEGIN NEW CERTIFICATE REQUEST-----\n" + body + "-----END NEW CERTIFICATE REQUEST-----\n"
	}
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if _, err := tmp.WriteString(body); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Sync(); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil {
		return err
	}
	err = os.Link(tmp.Name(), path)
	if errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("%s appeared meanwhile; it is not replaced", path)
	}
	if err != nil {
		// A file system without hard links: rename, after checking again
		// that nothing is there (a narrow race instead of none).
		if _, statErr := os.Lstat(path); statErr == nil {
			return fmt.Errorf("%s appeared meanwhile; it is not replaced", path)
		}
		return os.Rename(tmp.Name(), path)
	}
	return nil
}

// samePublicKey compares two public keys (every crypto public key type
// has Equal).
func samePublicKey(a, b any) bool {
	e, ok := a.(interface{ Equal(crypto.PublicKey) bool })
	return ok && e.Equal(b)
}

// pendingCompletes reports whether a request pending on the server holds
// the key of cert, which Import-ExchangeCertificate then pairs with it.
// A pending request whose request text cannot be read counts, as does any
// pending request when cert is not known.
func pendingCompletes(obs *exchange.Observation, cert *x509.Certificate) bool {
	for _, c := range obs.Certificates {
		if !strings.EqualFold(c.Status, "PendingRequest") {
			continue
		}
		csr, err := parseRequestText(c.CertificateRequest)
		if cert == nil || err != nil || samePublicKey(csr.PublicKey, cert.PublicKey) {
			return true
		}
	}
	return false
}

// awaitingNote is the note of an entry whose certificate the CA has yet to
// issue.
func awaitingNote(e *Entry) (Note, bool) {
	for _, n := range e.Notes {
		if n.Reason == ReasonAwaitingIssuedCertificate && n.Severity == SeverityWarning {
			return n, true
		}
	}
	return Note{}, false
}

// unreportedFileErrors are the request files apply could not write that no
// entry's note reports already (those found while verifying).
func (r *runner) unreportedFileErrors(cs *ChangeSet) []RunError {
	var out []RunError
	for _, fe := range r.fileErrors {
		reported := false
		for _, e := range cs.Entries {
			for _, n := range e.Notes {
				if n.Severity == SeverityError && strings.Contains(fe.Error(), n.Message) {
					reported = true
				}
			}
		}
		if !reported {
			out = append(out, fe)
		}
	}
	return out
}

// awaitingCount counts the unchanged entries waiting for an issued
// certificate: nothing to apply, but not in sync either.
func awaitingCount(cs *ChangeSet) int {
	n := 0
	for _, e := range cs.Entries {
		if _, ok := awaitingNote(e); ok && e.Action == ActionUnchanged {
			n++
		}
	}
	return n
}
