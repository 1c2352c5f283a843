package framework

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// The MIT Kerberos programs the KDC harness runs (Debian krb5-kdc,
// krb5-admin-server and krb5-user). Only krb5kdc keeps running; kadmind is
// never started, kadmin.local edits the database directly.
var kdcPrograms = []string{"krb5kdc", "kdb5_util", "kadmin.local", "kinit"}

// KDCMissing says which MIT Kerberos programs are not installed, or "" when
// a KDC can run. Specs skip with this message; CI installs the packages.
func KDCMissing() string {
	var missing []string
	for _, p := range kdcPrograms {
		if _, err := lookKerberos(p); err != nil {
			missing = append(missing, p)
		}
	}
	if len(missing) == 0 {
		return ""
	}
	return "MIT Kerberos programs missing (" + strings.Join(missing, ", ") +
		"): apt-get install -y krb5-kdc krb5-admin-server krb5-user"
}

// lookKerberos finds a program on PATH or in /usr/sbin, where Debian puts
// the KDC's programs and which a non-root PATH may lack.
func lookKerberos(name string) (string, error) {
	if p, err := exec.LookPath(name); err == nil {
		return p, nil
	}
	p := filepath.Join("/usr/sbin", name)
	if _, err := os.Stat(p); err != nil {
		return "", fmt.Errorf("%s is not installed: %w", name, err)
	}
	return p, nil
}

// KDCOptions configure one realm.
type KDCOptions struct {
	// Realm, e.g. WORK.COM (required).
	Realm string
	// Users are client principals (bare names, e.g. admin) and their passwords.
	Users map[string]string
	// Services are service principals (e.g. HTTP/win20081.work.com) with
	// random keys, all written to the keytab.
	Services []string
	// Dir receives the database, the configuration, the keytab, the log and
	// the credential caches; a temp dir when empty.
	Dir string
}

// KDC is a running MIT krb5kdc on a loopback port, with its own database
// and configuration.
type KDC struct {
	Realm string
	Dir   string
	// Addr is host:port of the KDC (UDP and TCP).
	Addr string
	// Krb5Conf is a client krb5.conf naming this KDC (for KRB5_CONFIG, and
	// for gokrb5 clients such as masterzen's ClientKerberos).
	Krb5Conf string
	// KDCConf is the KDC profile (KRB5_KDC_PROFILE).
	KDCConf string
	// Keytab holds the keys of Options.Services.
	Keytab string
	// Log is the KDC's log file.
	Log string

	cmd  *exec.Cmd
	done chan struct{}
	err  error
	mu   sync.Mutex
	n    int // credential caches handed out
}

// StartKDC creates a realm database with the principals of opts, writes the
// keytab, starts krb5kdc on a free loopback port and waits until it answers.
// The database's master password is random and never reused.
func StartKDC(ctx context.Context, opts KDCOptions) (*KDC, error) {
	if why := KDCMissing(); why != "" {
		return nil, errors.New(why)
	}
	if opts.Realm == "" {
		return nil, errors.New("kdc: no realm")
	}
	if opts.Dir == "" {
		d, err := os.MkdirTemp("", "kdc-")
		if err != nil {
			return nil, err
		}
		opts.Dir = d
	}
	if err := os.MkdirAll(opts.Dir, 0o700); err != nil {
		return nil, err
	}
	var lastErr error
	for range 3 { // the free port may be taken between probe and bind
		k, err := startKDC(ctx, opts)
		if err == nil {
			return k, nil
		}
		lastErr = err
	}
	return nil, lastErr
}

func startKDC(ctx context.Context, opts KDCOptions) (*KDC, error) {
	port, err := freePort()
	if err != nil {
		return nil, err
	}
	k := &KDC{Realm: opts.Realm, Dir: opts.Dir, Addr: net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
		Krb5Conf: filepath.Join(opts.Dir, "krb5.conf"), KDCConf: filepath.Join(opts.Dir, "kdc.conf"),
		Keytab: filepath.Join(opts.Dir, "services.keytab"), Log: filepath.Join(opts.Dir, "kdc.log"), done: make(chan struct{})}
	for _, f := range []string{"principal", "principal.ok", "principal.kadm5", "principal.kadm5.lock", "stash", k.Keytab} {
		_ = os.Remove(filepath.Join(opts.Dir, filepath.Base(f)))
	}
	if err := k.writeConfig(); err != nil {
		return nil, err
	}
	master, err := randomSecret()
	if err != nil {
		return nil, err
	}
	// The master password is random and only protects this throwaway
	// database; kdb5_util has no other non-interactive way to take it.
	if out, err := k.run(ctx, nil, "kdb5_util", "create", "-s", "-r", k.Realm, "-P", master); err != nil {
		return nil, fmt.Errorf("kdc: kdb5_util create: %w: %s", err, out)
	}
	// Principals and passwords go to kadmin.local on stdin, never in argv.
	var script bytes.Buffer
	var want []string
	for user, pw := range opts.Users {
		fmt.Fprintf(&script, "addprinc -pw %s %s\n", kadminQuote(pw), kadminQuote(user))
		want = append(want, user)
	}
	for _, svc := range opts.Services {
		fmt.Fprintf(&script, "addprinc -randkey %s\n", kadminQuote(svc))
		want = append(want, svc)
	}
	if len(opts.Services) > 0 {
		fmt.Fprintf(&script, "ktadd -k %s", kadminQuote(k.Keytab))
		for _, svc := range opts.Services {
			fmt.Fprintf(&script, " %s", kadminQuote(svc))
		}
		script.WriteString("\n")
	}
	out, err := k.run(ctx, &script, "kadmin.local", "-r", k.Realm)
	if err != nil {
		return nil, fmt.Errorf("kdc: kadmin.local: %w: %s", err, redactOut(out, opts.Users))
	}
	for _, p := range want {
		if !strings.Contains(string(out), fmt.Sprintf("Principal %q created.", p+"@"+k.Realm)) {
			return nil, fmt.Errorf("kdc: kadmin.local did not create %s: %s", p, redactOut(out, opts.Users))
		}
	}
	bin, _ := lookKerberos("krb5kdc")
	k.cmd = exec.Command(bin, "-n", "-r", k.Realm, "-P", filepath.Join(opts.Dir, "kdc.pid"))
	k.cmd.Env = k.Env()
	var stderr bytes.Buffer
	k.cmd.Stdout, k.cmd.Stderr = &stderr, &stderr
	if err := k.cmd.Start(); err != nil {
		return nil, fmt.Errorf("kdc: starting krb5kdc: %w", err)
	}
	go func() { k.err = k.cmd.Wait(); close(k.done) }()
	deadline := time.Now().Add(15 * time.Second)
	for {
		select {
		case <-k.done:
			log, _ := os.ReadFile(k.Log)
			return nil, fmt.Errorf("kdc: krb5kdc exited: %v: %s%s", k.err, stderr.String(), log)
		default:
		}
		if c, err := net.DialTimeout("tcp", k.Addr, 200*time.Millisecond); err == nil {
			_ = c.Close()
			return k, nil
		}
		if time.Now().After(deadline) || ctx.Err() != nil {
			_ = k.Stop()
			return nil, fmt.Errorf("kdc: krb5kdc does not answer on %s", k.Addr)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// writeConfig writes kdc.conf and krb5.conf for the realm and port.
func (k *KDC) writeConfig() error {
	kdcConf := fmt.Sprintf(`[kdcdefaults]
 kdc_listen = %[2]s
 kdc_tcp_listen = %[2]s

[realms]
 %[1]s = {
  database_name = %[3]s
  key_stash_file = %[4]s
  acl_file = %[5]s
  max_life = 10h
  max_renewable_life = 1d
  supported_enctypes = aes256-cts-hmac-sha1-96:normal aes128-cts-hmac-sha1-96:normal
 }

[logging]
 kdc = FILE:%[6]s
`, k.Realm, k.Addr, filepath.Join(k.Dir, "principal"), filepath.Join(k.Dir, "stash"),
		filepath.Join(k.Dir, "kadm5.acl"), k.Log)
	lower := strings.ToLower(k.Realm)
	krb5Conf := fmt.Sprintf(`[libdefaults]
 default_realm = %[1]s
 dns_lookup_realm = false
 dns_lookup_kdc = false
 rdns = false
 ticket_lifetime = 10h
 udp_preference_limit = 1

[realms]
 %[1]s = {
  kdc = %[2]s
 }

[domain_realm]
 .%[3]s = %[1]s
 %[3]s = %[1]s
`, k.Realm, k.Addr, lower)
	if err := os.WriteFile(k.KDCConf, []byte(kdcConf), 0o600); err != nil {
		return err
	}
	return os.WriteFile(k.Krb5Conf, []byte(krb5Conf), 0o644)
}

// Env is the environment that points MIT programs (and libraries such as
// pywinrm's pykerberos) at this realm.
func (k *KDC) Env() []string {
	return append(os.Environ(), "KRB5_CONFIG="+k.Krb5Conf, "KRB5_KDC_PROFILE="+k.KDCConf)
}

// Kinit gets a TGT for user (a bare name, in the KDC's realm) with kinit
// and returns the path of the new credential cache, for KRB5CCNAME (as
// FILE:path). The password goes on kinit's stdin.
func (k *KDC) Kinit(ctx context.Context, user, password string) (string, error) {
	k.mu.Lock()
	k.n++
	ccache := filepath.Join(k.Dir, fmt.Sprintf("ccache-%d", k.n))
	k.mu.Unlock()
	out, err := k.run(ctx, strings.NewReader(password+"\n"), "kinit", "-c", "FILE:"+ccache, user+"@"+k.Realm)
	if err != nil {
		return "", fmt.Errorf("kinit %s@%s: %w: %s", user, k.Realm, err, strings.ReplaceAll(string(out), password, "<redacted>"))
	}
	return ccache, nil
}

// Stop ends krb5kdc and waits for it.
func (k *KDC) Stop() error {
	if k.cmd == nil || k.cmd.Process == nil {
		return nil
	}
	select {
	case <-k.done:
		return nil
	default:
	}
	_ = k.cmd.Process.Signal(os.Interrupt)
	select {
	case <-k.done:
	case <-time.After(5 * time.Second):
		_ = k.cmd.Process.Kill()
		<-k.done
	}
	return nil
}

// run runs one MIT program with this realm's environment.
func (k *KDC) run(ctx context.Context, stdin io.Reader, name string, args ...string) ([]byte, error) {
	bin, err := lookKerberos(name)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Env = k.Env()
	if stdin != nil {
		cmd.Stdin = stdin
	}
	return cmd.CombinedOutput()
}

// kadminQuote quotes an argument for kadmin's command parser: inside double
// quotes a doubled quote stands for one.
func kadminQuote(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// redactOut removes the users' passwords from kadmin.local's echo.
func redactOut(out []byte, users map[string]string) string {
	s := string(out)
	for _, pw := range users {
		s = strings.ReplaceAll(s, kadminQuote(pw), "<redacted>")
		s = strings.ReplaceAll(s, pw, "<redacted>")
	}
	return s
}

func randomSecret() (string, error) {
	b := make([]byte, 18)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// freePort returns a loopback port that is free for TCP and UDP right now.
func freePort() (int, error) {
	for range 20 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		_ = l.Close()
		u, err := net.ListenPacket("udp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue
		}
		_ = u.Close()
		return port, nil
	}
	return 0, errors.New("kdc: no free loopback port")
}
