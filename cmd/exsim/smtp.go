package main

import (
	"io"

	"github.com/exreconcile/exreconcile/test/exsim/exchange"
	"github.com/exreconcile/exreconcile/test/exsim/smtp"
)

// startSMTP starts the SMTP front end of --smtp: one loopback listener per
// distinct binding of each server's Receive connectors, announced on stdout
// as "exsim: SMTP <server> <binding> at 127.0.0.1:<port>", also for
// connectors created later.
func startSMTP(org *exchange.Org, stdout io.Writer, diag *lineWriter) (*smtp.Server, error) {
	out := &lineWriter{w: stdout}
	s := smtp.New(smtp.Options{
		Model: org,
		Announce: func(server, binding, addr string) {
			out.printf("exsim: SMTP %s %s at %s", server, binding, addr)
		},
		Logf: diag.printf,
	})
	if err := s.Start(); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}
