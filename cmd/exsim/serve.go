package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jcmturner/gokrb5/v8/keytab"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

// shutdownGrace bounds how long a signal waits for terminated commands to
// return and connections to close.
const shutdownGrace = 15 * time.Second

// serve starts one endpoint per server, prints a ready line for each, and
// runs until ctx is cancelled (SIGINT, SIGTERM); it then stops the
// endpoints, saves the state and closes the log.
func serve(ctx context.Context, o *options, stdout, stderr io.Writer) (err error) {
	diag := &lineWriter{w: stderr}
	org, err := newOrg(o)
	if err != nil {
		return err
	}
	var cmdLog *wsman.CommandLog
	if o.LogFile != "" {
		if cmdLog, err = wsman.OpenCommandLog(o.LogFile, o.Password); err != nil {
			return err
		}
		defer func() {
			if cerr := cmdLog.Close(); err == nil {
				err = cerr
			}
		}()
	}
	var ca *wsman.CA
	if o.HTTPS {
		if ca, err = wsman.LoadOrCreateCA(o.CertDir); err != nil {
			return err
		}
		fmt.Fprintf(stdout, "exsim: CA certificate at %s\n", filepath.Join(o.CertDir, "ca.pem"))
	}

	var kt *keytab.Keytab
	if o.Keytab != "" {
		if kt, err = keytab.Load(o.Keytab); err != nil {
			return fmt.Errorf("--keytab %s: %w", o.Keytab, err)
		}
	}

	var servers []*wsman.Server
	defer func() {
		if serr := shutdown(servers); err == nil {
			err = serr
		}
		if serr := saveState(org, o); err == nil {
			err = serr
		}
	}()
	for _, so := range o.Servers {
		xs, ok := org.Server(so.Name)
		if !ok {
			return fmt.Errorf("server %s is not in the organisation model", so.Name)
		}
		cfg := wsman.Config{
			Name: xs.Name(), FQDN: xs.FQDN(), NetBIOSDomain: o.NetBIOSDomain(), DNSDomain: org.Domain(),
			Addr: so.Addr, AllowUnencrypted: o.AllowUnencrypted, Auth: o.Auth, Keytab: kt, Realm: o.Realm,
			Accounts:         []wsman.Account{{Name: o.User, Password: o.Password}},
			MaxShellsPerUser: o.MaxShellsPerUser, Latency: o.Latency, Faults: o.Faults,
			Launcher: newLauncher(org, xs, o), Log: cmdLog, Logf: diag.printf,
		}
		if ca != nil {
			cert, err := ca.ServerCertificate(xs.Name(), xs.FQDN(), so.Addr)
			if err != nil {
				return err
			}
			cfg.TLS = &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
		}
		srv, err := wsman.NewServer(cfg)
		if err != nil {
			return err
		}
		if err := srv.Start(); err != nil {
			return err
		}
		servers = append(servers, srv)
		fmt.Fprintf(stdout, "exsim: %s ready at %s (fqdn %s, version %s, role %s)\n",
			xs.Name(), srv.URL(), xs.FQDN(), xs.Version(), xs.Role())
	}
	if o.SMTP {
		front, err := startSMTP(org, stdout, diag)
		if err != nil {
			return err
		}
		defer front.Close()
	}
	if !o.AllowUnencrypted && !o.HTTPS {
		diag.printf("exsim: plain HTTP without --allow-unencrypted: only NTLM-sealed messages are served, unencrypted ones get 401, as Windows does")
	}
	<-ctx.Done()
	diag.printf("exsim: shutting down")
	return nil
}

// shutdown stops the endpoints in parallel. Running commands are terminated
// (as when Windows stops), then waited for, so their log lines are written.
func shutdown(servers []*wsman.Server) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownGrace)
	defer cancel()
	errs := make([]error, len(servers))
	var wg sync.WaitGroup
	for i, s := range servers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.Shutdown(ctx)
		}()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// serverSpecs turns the --server options into the model's server list.
func serverSpecs(o *options) []exchange.ServerSpec {
	specs := make([]exchange.ServerSpec, 0, len(o.Servers))
	for _, s := range o.Servers {
		specs = append(specs, exchange.ServerSpec{Name: s.Name, Version: s.Version, Role: s.Role})
	}
	return specs
}

// cmdletFaults turns the cmdlet faults of --fault into the model's map.
func cmdletFaults(f wsman.Faults) map[string]string {
	m := map[string]string{}
	for _, c := range f.Cmdlets {
		m[c.Cmdlet] = c.Kind
	}
	return m
}

// lineWriter serialises diagnostics from all endpoints, one line each.
type lineWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lineWriter) printf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	fmt.Fprintln(l.w, strings.TrimRight(fmt.Sprintf(format, args...), "\n"))
}
