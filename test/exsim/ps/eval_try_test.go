package ps

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestTryCatchFinally(t *testing.T) {
	cases := []struct {
		name, reason, version, script string
		stdout                        []string
		errors                        []string // first line of each error written
		code                          int
	}{
		{"finally after throw", "finally runs, then the error ends the script", "5.1",
			"try { throw 'boom' } finally { 'cleanup' }; 'not reached'", []string{"cleanup"}, []string{"boom"}, 1},
		{"catch sees the record", "$_ is the ErrorRecord, $_.Exception.Message its message", "5.1",
			"try { throw 'boom' } catch { 'caught: ' + $_.Exception.Message + ' ' + $_.FullyQualifiedErrorId }; 'next'", []string{"caught: boom boom", "next"}, nil, 0},
		{"statement-terminating caught", "a method exception goes to catch even with Continue", "5.1",
			"try { [Convert]::FromBase64String('***'); 'no' } catch { $_.FullyQualifiedErrorId; $_.Exception.GetType().FullName }",
			[]string{"FormatException", "System.Management.Automation.MethodInvocationException"}, nil, 0},
		{"non-terminating not caught", "Write-Error without Stop is written and the try block goes on", "5.1",
			"try { Write-Error 'soft'; 'after' } catch { 'caught' }", []string{"after"}, []string{"try { Write-Error 'soft'; 'after' } catch { 'caught' } : soft"}, 0},
		{"error action stop", "-ErrorAction Stop makes the error terminating: caught, original record in 3.0+", "5.1",
			"try { Write-Error 'soft' -ErrorAction Stop; 'after' } catch { 'caught ' + $_.Exception.Message + ' ' + $_.Exception.GetType().FullName }",
			[]string{"caught soft Microsoft.PowerShell.Commands.WriteErrorException"}, nil, 0},
		{"error action stop 2.0", "2.0 catches the ActionPreferenceStopException", "2.0",
			"try { Write-Error 'soft' -ErrorAction Stop } catch { $_.Exception.GetType().FullName; $_.Exception.Message }",
			[]string{"System.Management.Automation.ActionPreferenceStopException", `Command execution stopped because the preference variable "ErrorActionPreference" or common parameter is set to Stop: soft`}, nil, 0},
		{"preference stop", "$ErrorActionPreference = 'Stop' makes cmdlet errors terminating", "5.1",
			"$ErrorActionPreference = 'Stop'; try { Write-Error 'soft'; 'after' } catch { 'caught' }; 'next'", []string{"caught", "next"}, nil, 0},
		{"error in catch", "propagates after finally; throw ends the script", "5.1",
			"try { throw 'a' } catch { throw 'b' } finally { 'f' }; 'next'", []string{"f"}, []string{"b"}, 1},
		{"error in finally", "replaces the pending one", "5.1",
			"try { throw 'a' } finally { throw 'c' }", nil, []string{"c"}, 1},
		{"bare throw rethrows", "throw without a value in catch rethrows $_", "5.1",
			"try { throw 'a' } catch { 'x'; throw }", []string{"x"}, []string{"a"}, 1},
		{"throw the record", "throw $_ rethrows it too", "5.1",
			"try { throw 'a' } catch { throw $_ }", nil, []string{"a"}, 1},
		{"finally after exit", "exit runs the finally block", "5.1",
			"try { exit 3 } finally { 'f' }", []string{"f"}, nil, 3},
		{"nested block", "an error inside a script block called in try is caught", "5.1",
			"try { & ([ScriptBlock]::Create(\"[Convert]::FromBase64String('*')\")); 'no' } catch { 'caught' }", []string{"caught"}, nil, 0},
		{"finally only, statement error", "without catch a statement-terminating error is written after finally and the script goes on", "5.1",
			"try { [Convert]::FromBase64String('***') } finally { 'f' }; 'next'", []string{"f", "next"}, []string{`Exception calling "FromBase64String" with "1" argument(s): "The input is not a valid Base-64 string as it contains a non-base 64 character, more than two padding characters, or an illegal character among the padding characters. "`}, 0},
		{"dollar underscore restored", "$_ is gone after the catch block", "5.1",
			"try { throw 'a' } catch { } ; [string]::Join(',', @($_))", []string{""}, nil, 0},
		{"multi-line with comments", "as an administrator writes it", "5.1",
			"# clean up whatever happens\r\n\r\ntry {\r\n    # the work\r\n    throw 'x'\r\n}\r\ncatch {\r\n    'caught ' + $_\r\n}\r\nfinally {\r\n    'done'\r\n}\r\n", []string{"caught x", "done"}, nil, 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, testHost(tc.version, 1000), tc.script)
			out := strings.Split(strings.TrimSuffix(decodeOEM([]byte(r.stdout)), "\r\n"), "\r\n")
			if r.stdout == "" {
				out = nil
			}
			if diff := cmp.Diff(tc.stdout, out); diff != "" {
				t.Errorf("%s: stdout (-want +got):\n%s\nstderr: %s", tc.reason, diff, r.stderr)
			}
			var firsts []string
			for _, l := range clixmlErrorLines(r.stderr) {
				if !strings.HasPrefix(l, "At line") && !strings.HasPrefix(l, "+ ") && !strings.HasPrefix(l, "    +") && l != " " && !strings.HasPrefix(l, "+") {
					firsts = append(firsts, l)
				}
			}
			if diff := cmp.Diff(tc.errors, firsts); diff != "" {
				t.Errorf("%s: errors (-want +got):\n%s\nstderr: %s", tc.reason, diff, r.stderr)
			}
			if r.code != tc.code {
				t.Errorf("%s: exit code %d, want %d", tc.reason, r.code, tc.code)
			}
		})
	}
}

func TestStringMethods(t *testing.T) {
	cases := []struct{ name, reason, script, want string }{
		{"split", "a string argument is a char[]: empty entries kept", "'a,b,,c'.Split(',').Count", "4"},
		{"split several separators", "every character of the argument separates (.NET Framework)", "'a;b,c'.Split(',;')[2]", "c"},
		{"split whitespace", "no argument splits at white space", "'a b\tc'.Split().Count", "3"},
		{"split then skip", "the bootstrap's secrets frame", "@('secrets,QQ==,Qg=='.Split(',') | Select-Object -Skip 1)[1]", "Qg=="},
		{"split no secrets", "a frame with no secrets gives an empty array", "@('secrets'.Split(',') | Select-Object -Skip 1).Count", "0"},
		{"trim", "white space both ends", "'  x \t'.Trim() + '|'", "x|"},
		{"trim chars", "the characters given", "'--x-'.Trim('-') + '|' + 'ab'.TrimStart('a') + 'ab'.TrimEnd('b')", "x|ba"},
		{"case", "ToUpper and ToLower", "'aB'.ToUpper() + 'aB'.ToLower()", "ABab"},
		{"starts", "StartsWith, EndsWith, Contains", "[string]::Join(',', @('abc'.StartsWith('a'), 'abc'.EndsWith('b'), 'abc'.Contains('bc')))", "True,False,True"},
		{"replace", "Replace(string, string)", "'a-b-c'.Replace('-', '+')", "a+b+c"},
		{"array length", "Count and Length of an array", "$a = 'x','y'; '' + $a.Count + $a.Length", "22"},
		{"get type", "GetType().FullName", "'x'.GetType().FullName", "System.String"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r := runEncoded(t, testHost("5.1", 120), tc.script)
			if diff := cmp.Diff(tc.want+"\r\n", decodeOEM([]byte(r.stdout))); diff != "" {
				t.Errorf("%s (-want +got):\n%s\nstderr: %s", tc.reason, diff, r.stderr)
			}
		})
	}
}

// dataBootstrap is the bootstrap of issue 12: stdin carries the script and
// then a frame of secrets, never part of any script text.
const dataBootstrap = `$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';$f=@($input);$secrets=@($f[1].Split(',')|Select-Object -Skip 1);$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($f[0]));& ([ScriptBlock]::Create($s))`

// dataStdin is what the client sends on stdin for dataBootstrap.
func dataStdin(script string, secrets ...string) string {
	b64 := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	frame := "secrets"
	for _, s := range secrets {
		frame += "," + b64(s)
	}
	return b64(script) + "\r\n" + frame + "\r\n"
}

func TestDataBootstrap(t *testing.T) {
	canary := "pa'ss\u2019$(x)`\"w"
	script := "# the real script\r\n\r\n$p = [Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($secrets[0]))\r\n" +
		"$ss = ConvertTo-SecureString -String $p -AsPlainText -Force\r\n" +
		"try {\r\n  'len ' + $ss.Length\r\n  'count ' + $secrets.Count\r\n} finally {\r\n  'done'\r\n}\r\n"
	for _, version := range []string{"2.0", "5.1"} {
		t.Run(version, func(t *testing.T) {
			h := testHost(version, 120)
			r := run(t, h, "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "+encodeCommand(dataBootstrap), dataStdin(script, canary, "second"))
			want := "len 13\r\ncount 2\r\ndone\r\n"
			if diff := cmp.Diff(want, decodeOEM([]byte(r.stdout))); diff != "" || r.code != 0 {
				t.Fatalf("(-want +got):\n%s\nstderr: %s code %d", diff, r.stderr, r.code)
			}
			if diff := cmp.Diff([]string{dataBootstrap, script}, r.scripts); diff != "" {
				t.Errorf("compiled blocks (-want +got):\n%s", diff)
			}
			for _, s := range r.scripts {
				if strings.Contains(s, canary) {
					t.Errorf("the secret is in a script block: %q", s)
				}
			}
			if !cmp.Equal(r.secrets, []string{canary}) {
				t.Errorf("secrets reported %q", r.secrets)
			}
		})
	}
}
