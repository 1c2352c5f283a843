package main

import (
	"context"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/exreconcile/exreconcile/test/framework"
)

// The baseline is how a per-resource tool (a Terraform provider for
// Exchange, a DSC resource per connector) reads the same site: for each
// object its own WinRM client, its own shell and one command that opens the
// Exchange remote session and gets just that object. It runs in a child
// process of the benchmark (the same binary with -baseline-job), so that its
// peak memory and CPU time are measured as exreconcile's are.
//
// The client is framework.Admin: masterzen/winrm directly, sharing no code
// with exreconcile's client; Run creates a shell, runs one command
// (powershell.exe -EncodedCommand) and deletes the shell.

// endSession removes the Exchange remote session each baseline command opens,
// as a careful per-resource tool does: Exchange counts open sessions against
// the account's PowerShellMaxConcurrency (18), and the baseline reads every
// organisation-wide object through the same server.
const endSession = "Remove-PSSession $s"

// baselineJob is what the child reads from the -baseline-job file.
type baselineJob struct {
	Servers  map[string]baselineServer `json:"servers"`
	CAFile   string                    `json:"caFile"`
	User     string                    `json:"user"`
	Parallel int                       `json:"parallel"`
	Objects  []baselineObject          `json:"objects"`
	// Apply also sets what differs: after reading every object, one command
	// per object whose Banner differs from the declared one.
	Apply bool `json:"apply"`
}

type baselineServer struct {
	Endpoint string `json:"endpoint"`
	FQDN     string `json:"fqdn"`
}

// baselineObject is one declared object and the server it is read through.
type baselineObject struct {
	Server string `json:"server"`
	Kind   string `json:"kind"`
	// Get is the PowerShell that reads it; Set, with "%s" for the value,
	// changes its Banner (receive connectors that declare one).
	Get    string `json:"get"`
	Set    string `json:"set,omitempty"`
	Banner string `json:"banner,omitempty"`
}

// baselineResult is what the child prints as JSON on stdout.
type baselineResult struct {
	Reads    int      `json:"reads"`
	Sets     int      `json:"sets"`
	Failures []string `json:"failures,omitempty"`
}

// baselineObjects lists every object of the n-server site, in the order a
// per-resource tool would walk the configuration. Organisation-wide objects
// are read through the first server, as exreconcile does.
func baselineObjects(n int) []baselineObject {
	var objs []baselineObject
	for i := 1; i <= n; i++ {
		s := serverName(i)
		a := s + `\` + connectorA
		objs = append(objs,
			baselineObject{Server: s, Kind: "ReceiveConnector",
				Get:    "Get-ReceiveConnector -Identity " + psQuote(a) + " | ConvertTo-Xml -As String",
				Set:    "Set-ReceiveConnector -Identity " + psQuote(a) + " -Banner %s",
				Banner: desiredBanner(i)},
			baselineObject{Server: s, Kind: "ReceiveConnector",
				Get: "Get-ReceiveConnector -Identity " + psQuote(s+`\`+connectorB) + " | ConvertTo-Xml -As String"},
			baselineObject{Server: s, Kind: "ReceiveConnector",
				Get: "Get-ReceiveConnector -Identity " + psQuote(s+`\`+connectorC) + " | ConvertTo-Xml -As String"},
		)
	}
	for _, name := range sendConnectors {
		objs = append(objs, baselineObject{Server: serverName(1), Kind: "SendConnector",
			Get: "Get-SendConnector -Identity " + psQuote(name) + " | ConvertTo-Xml -As String"})
	}
	objs = append(objs, baselineObject{Server: serverName(1), Kind: "TransportConfig",
		Get: "Get-TransportConfig | ConvertTo-Xml -As String"})
	return objs
}

func psQuote(s string) string { return "'" + strings.ReplaceAll(s, "'", "''") + "'" }

// runBaselineJob is the child's main: read the job, run it, print the result.
func runBaselineJob(path string) error {
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	var job baselineJob
	if err := json.Unmarshal(data, &job); err != nil {
		return err
	}
	password := os.Getenv(passwordEnv)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	res := baselineResult{}
	var mu sync.Mutex
	fail := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		res.Failures = append(res.Failures, fmt.Sprintf(format, args...))
	}
	admin := func(server string) framework.Admin {
		s := job.Servers[server]
		return framework.Admin{Endpoint: s.Endpoint, CAFile: job.CAFile, User: job.User, Password: password, FQDN: s.FQDN}
	}

	// Refresh: read every object, job.Parallel at a time.
	banners := make([]string, len(job.Objects))
	pool(len(job.Objects), job.Parallel, func(i int) {
		o := job.Objects[i]
		stdout, stderr, code, err := admin(o.Server).Run(ctx, "$x = "+o.Get, endSession, "$x")
		mu.Lock()
		res.Reads++
		mu.Unlock()
		if err != nil || code != 0 || strings.TrimSpace(stderr) != "" {
			fail("%s on %s: exit %d, %v, %s", o.Get, o.Server, code, err, firstLine(stderr))
			return
		}
		props, err := xmlProperties(stdout)
		if err != nil {
			fail("%s on %s: %v", o.Get, o.Server, err)
			return
		}
		banners[i] = props["Banner"]
	})
	if !job.Apply {
		return json.NewEncoder(os.Stdout).Encode(res)
	}

	// Apply: one command per object whose declared Banner differs.
	var todo []int
	for i, o := range job.Objects {
		if o.Set != "" && banners[i] != o.Banner {
			todo = append(todo, i)
		}
	}
	pool(len(todo), job.Parallel, func(k int) {
		o := job.Objects[todo[k]]
		line := fmt.Sprintf(o.Set, psQuote(o.Banner))
		_, stderr, code, err := admin(o.Server).Run(ctx, line, endSession)
		mu.Lock()
		res.Sets++
		mu.Unlock()
		if err != nil || code != 0 || strings.TrimSpace(stderr) != "" {
			fail("%s on %s: exit %d, %v, %s", line, o.Server, code, err, firstLine(stderr))
		}
	})
	return json.NewEncoder(os.Stdout).Encode(res)
}

// xmlProperties reads the first object of a ConvertTo-Xml -As String
// document into name -> text (what a provider would map onto its state).
func xmlProperties(doc string) (map[string]string, error) {
	start := strings.Index(doc, "<?xml")
	if start < 0 {
		start = strings.Index(doc, "<Objects")
	}
	if start < 0 {
		return nil, fmt.Errorf("no ConvertTo-Xml document in the output: %q", firstLine(doc))
	}
	var objs struct {
		Objects []struct {
			Properties []struct {
				Name string `xml:"Name,attr"`
				Text string `xml:",chardata"`
			} `xml:"Property"`
		} `xml:"Object"`
	}
	if err := xml.Unmarshal([]byte(doc[start:]), &objs); err != nil {
		return nil, fmt.Errorf("ConvertTo-Xml output: %w", err)
	}
	if len(objs.Objects) != 1 {
		return nil, fmt.Errorf("ConvertTo-Xml output has %d objects, want 1", len(objs.Objects))
	}
	props := map[string]string{}
	for _, p := range objs.Objects[0].Properties {
		props[p.Name] = p.Text
	}
	return props, nil
}

// pool runs f(0..n-1), at most parallel at once.
func pool(n, parallel int, f func(int)) {
	if parallel < 1 {
		parallel = 1
	}
	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	for i := 0; i < n; i++ {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			f(i)
		}()
	}
	wg.Wait()
}

func firstLine(s string) string {
	s = strings.TrimSpace(s)
	if i := strings.IndexByte(s, '\n'); i >= 0 {
		return s[:i] + " ..."
	}
	return s
}
