package wsman_test

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"

	"github.com/exreconcile/exreconcile/test/exsim/wsman"
)

// readLog returns the raw lines and the decoded entries of a command log.
func readLog(path string) ([]string, []map[string]any) {
	GinkgoHelper()
	data, err := os.ReadFile(path)
	Expect(err).NotTo(HaveOccurred())
	var lines []string
	var entries []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(nil, 16<<20)
	for sc.Scan() {
		var e map[string]any
		Expect(json.Unmarshal(sc.Bytes(), &e)).To(Succeed(), sc.Text())
		lines = append(lines, sc.Text())
		entries = append(entries, e)
	}
	return lines, entries
}

var _ = Describe("the command log", func() {
	var (
		launcher *fakeLauncher
		srv      *wsman.Server
		logPath  string
	)
	BeforeEach(func() {
		launcher = newFakeLauncher()
		logPath = filepath.Join(GinkgoT().TempDir(), "commands.jsonl")
		log, err := wsman.OpenCommandLog(logPath)
		Expect(err).NotTo(HaveOccurred())
		DeferCleanup(log.Close)
		srv = startServer(launcher, func(c *wsman.Config) { c.Log = log })
	})

	It("writes one line per command, not per request, with every field", func() {
		client := newClient(srv, clientOptions{ntlm: true})
		_, _, code, err := client.RunCmdWithContext(testContext(), "fail 4 no luck")
		Expect(err).NotTo(HaveOccurred())
		Expect(code).To(Equal(4))
		_, entries := readLog(logPath)
		Expect(entries).To(HaveLen(1))
		e := entries[0]
		Expect(e).To(HaveKeyWithValue("server", "WIN20081"))
		Expect(e).To(HaveKeyWithValue("user", testUser))
		Expect(e).To(HaveKeyWithValue("commandLine", "fail 4 no luck"))
		Expect(e).To(HaveKeyWithValue("script", ""))
		Expect(e).To(HaveKeyWithValue("cmdlets", BeEmpty()))
		Expect(e).To(HaveKeyWithValue("exitCode", BeNumerically("==", 4)))
		Expect(e).To(HaveKey("durationMs"))
		ts, err := time.Parse(time.RFC3339Nano, e["time"].(string))
		Expect(err).NotTo(HaveOccurred())
		Expect(ts).To(BeTemporally("~", time.Now(), time.Minute))
	})

	It("records the script and cmdlets the interpreter reports, and redacts secrets", func() {
		client := newClient(srv, clientOptions{})
		stdout, _, _, err := client.RunPSWithContext(testContext(), "Write-Output '"+testPassword+"'")
		Expect(err).NotTo(HaveOccurred())
		Expect(stdout).To(ContainSubstring(testPassword), "the command itself sees the secret")
		_, _, _, err = client.RunCmdWithContext(testContext(), "echo "+testPassword)
		Expect(err).NotTo(HaveOccurred())

		lines, entries := readLog(logPath)
		Expect(entries).To(HaveLen(2))
		for _, l := range lines {
			Expect(l).NotTo(ContainSubstring(testPassword))
		}
		Expect(entries[0]["script"]).To(Equal("$ProgressPreference = 'SilentlyContinue';Write-Output '<redacted>'"))
		Expect(entries[0]["cmdlets"]).To(Equal([]any{map[string]any{"name": "Write-Output", "parameters": []any{"InputObject"}}}))
		Expect(entries[1]["commandLine"]).To(Equal("echo <redacted>"))
	})

	It("redacts the secrets the interpreter reports while the command runs", func() {
		client := newClient(srv, clientOptions{})
		stdout, _, _, err := client.RunCmdWithContext(testContext(), "secret pfx-Passw0rd")
		Expect(err).NotTo(HaveOccurred())
		Expect(stdout).To(Equal("pfx-Passw0rd\r\n"))
		lines, entries := readLog(logPath)
		Expect(lines).To(HaveLen(1))
		Expect(lines[0]).NotTo(ContainSubstring("pfx-Passw0rd"))
		Expect(entries[0]["commandLine"]).To(Equal("secret <redacted>"))
	})

	It("takes the script from a base64 stdin payload when the launcher reports none", func() {
		script := "Get-SendConnector | ConvertTo-Xml -As String"
		payload := base64.StdEncoding.EncodeToString([]byte(script))
		client := newClient(srv, clientOptions{})
		stdout, _, _, err := client.RunWithContextWithString(testContext(), "cat", payload)
		Expect(err).NotTo(HaveOccurred())
		Expect(stdout).To(Equal(payload))
		_, entries := readLog(logPath)
		Expect(entries).To(HaveLen(1))
		Expect(entries[0]["script"]).To(Equal(script))
	})
})

var _ = Describe("GuessScript", func() {
	It("prefers the stdin payload, then -EncodedCommand", func() {
		boot := "$b=[string]::Join('',@($input))"
		enc := base64.StdEncoding.EncodeToString(utf16le(boot))
		line := "powershell.exe -NoProfile -EncodedCommand " + enc
		Expect(wsman.GuessScript(line, nil)).To(Equal(boot))
		Expect(wsman.GuessScript(line, []byte(base64.StdEncoding.EncodeToString([]byte("Get-X"))+"\r\n"))).To(Equal("Get-X"))
		Expect(wsman.GuessScript("cmd /c dir", []byte("not base64!"))).To(Equal(""))
	})
})

func utf16le(s string) []byte {
	var b []byte
	for _, r := range s {
		b = append(b, byte(r), byte(r>>8))
	}
	return b
}

var _ = Describe("CommandLog", func() {
	It("redacts longer secrets first and secrets given per line", func() {
		path := filepath.Join(GinkgoT().TempDir(), "log.jsonl")
		log, err := wsman.OpenCommandLog(path, "abc")
		Expect(err).NotTo(HaveOccurred())
		Expect(log.Write(wsman.LogEntry{CommandLine: "x abcdef y abc", Script: "pfx-pass"}, "abcdef", "pfx-pass")).To(Succeed())
		Expect(log.Close()).To(Succeed())
		lines, _ := readLog(path)
		Expect(lines).To(HaveLen(1))
		Expect(lines[0]).To(ContainSubstring(`"commandLine":"x <redacted> y <redacted>"`))
		Expect(strings.Count(lines[0], "abc")).To(BeZero())
		Expect(lines[0]).NotTo(ContainSubstring("pfx-pass"))
	})
})

var _ = Describe("CommandLog redaction of quoted secrets", func() {
	// The canary has both single quotes PowerShell knows, $() and a backtick.
	const canary = "Pa'ss\u2019w$(rd)`x"
	write := func(e wsman.LogEntry, secrets ...string) (string, map[string]any) {
		path := filepath.Join(GinkgoT().TempDir(), "log.jsonl")
		log, err := wsman.OpenCommandLog(path, canary)
		Expect(err).NotTo(HaveOccurred())
		Expect(log.Write(e, secrets...)).To(Succeed())
		Expect(log.Close()).To(Succeed())
		lines, entries := readLog(path)
		Expect(lines).To(HaveLen(1))
		return lines[0], entries[0]
	}
	DescribeTable("redacts every quoted and encoded form in script, scriptBlocks and commandLine",
		func(form string) {
			script := "$p = ConvertTo-SecureString -String " + form + " -AsPlainText -Force"
			line, e := write(wsman.LogEntry{CommandLine: "powershell -c " + form, Script: script, ScriptBlocks: []string{"boot", script}})
			for _, piece := range []string{"ss\u2019", "w$(rd)", "Pa'", "Pa''", "rd)`"} {
				Expect(line).NotTo(ContainSubstring(piece))
			}
			Expect(e["scriptBlocks"]).To(Equal([]any{"boot", "$p = ConvertTo-SecureString -String " + strings.Replace(form, form[1:len(form)-1], "<redacted>", 1) + " -AsPlainText -Force"}))
		},
		Entry("single quotes doubled with themselves", "'Pa''ss\u2019\u2019w$(rd)`x'"),
		Entry("single quotes doubled with an ASCII quote", "'Pa''ss'\u2019w$(rd)`x'"),
		Entry("double quotes with backtick escapes", "\"Pa'ss\u2019w`$(rd)``x\""),
		Entry("raw", "'"+canary+"'"),
	)
	It("redacts base64 forms (UTF-8 and the UTF-16LE of -EncodedCommand)", func() {
		b8 := base64.StdEncoding.EncodeToString([]byte(canary))
		b16 := base64.StdEncoding.EncodeToString(utf16le(canary))
		line, _ := write(wsman.LogEntry{Script: b8 + " " + b16})
		Expect(line).NotTo(ContainSubstring(b8))
		Expect(line).NotTo(ContainSubstring(b16))
	})
})

var _ = Describe("Script Block Logging fields", func() {
	It("counts the literals that are known secrets and redacts every reported literal", func() {
		path := filepath.Join(GinkgoT().TempDir(), "log.jsonl")
		log, err := wsman.OpenCommandLog(path, "account-pw")
		Expect(err).NotTo(HaveOccurred())
		tr := &wsman.Trace{}
		tr.AddScript("boot")
		tr.AddScript("ConvertTo-SecureString 'account-pw' -AsPlainText -Force; ConvertTo-SecureString 'pfx''pw' -AsPlainText -Force; ConvertTo-SecureString 'dead-branch' -AsPlainText -Force")
		tr.SecretLiteral("account-pw", "'account-pw'")
		tr.SecretLiteral("pfx'pw", "'pfx''pw'")
		tr.SecretLiteral("dead-branch", "'dead-branch'")
		tr.Secret("pfx'pw") // ConvertTo-SecureString ran with it
		Expect(wsman.WriteTraceForTest(log, tr, wsman.LogEntry{StdinBytes: 42})).To(Succeed())
		Expect(log.Close()).To(Succeed())
		lines, entries := readLog(path)
		Expect(lines[0]).NotTo(ContainSubstring("account-pw"))
		Expect(lines[0]).NotTo(ContainSubstring("pfx"))
		Expect(lines[0]).NotTo(ContainSubstring("dead-branch"))
		Expect(entries[0]["redactedSecretLiterals"]).To(BeNumerically("==", 2), "dead-branch is no known secret")
		Expect(entries[0]["stdinBytes"]).To(BeNumerically("==", 42))
		Expect(entries[0]["scriptBlocks"]).To(HaveLen(2))
	})
})
