package exchange

import (
	"encoding/base64"
	"unicode/utf16"
)

// bootstrap is the whole command that goes on the WinRS command line. It
// reads the real script from stdin as base64 of UTF-8 ($input enumerates the
// stdin lines; Join drops the line ends), decodes it and runs it as a script
// block. So the command line is always the same ~600 characters, far under
// cmd.exe's 8191 (masterzen runs every command through cmd.exe), and no
// script or secret ever shows in a process listing or an audit log; base64
// keeps stdin ASCII whatever the console code page. $ProgressPreference stops
// the progress records that otherwise fill stderr when modules load. It uses
// only what PowerShell 2.0 and exsim's subset both have (docs/winrm.md "The bootstrap").
const bootstrap = "$ErrorActionPreference='Stop';$ProgressPreference='SilentlyContinue';" +
	"$b=[string]::Join('',@($input));" +
	"$s=[Text.Encoding]::UTF8.GetString([Convert]::FromBase64String($b));" +
	"& ([ScriptBlock]::Create($s))"

// powershellPrefix starts the command line: no profile (a profile could
// print or prompt), never prompt (a prompt would hang the WinRS command until
// its timeout), and no execution policy in the way of a script block.
const powershellPrefix = "powershell.exe -NoProfile -NonInteractive -ExecutionPolicy Bypass -EncodedCommand "

// CommandLine returns the fixed command line that runs every script:
// powershell.exe with the bootstrap as -EncodedCommand (base64 of UTF-16LE,
// which is what -EncodedCommand takes).
func CommandLine() string { return powershellPrefix + EncodeCommand(bootstrap) }

// EncodeCommand returns base64(UTF-16LE(script)), the -EncodedCommand form.
func EncodeCommand(script string) string {
	units := utf16.Encode([]rune(script))
	b := make([]byte, 2*len(units))
	for i, u := range units {
		b[2*i] = byte(u)
		b[2*i+1] = byte(u >> 8)
	}
	return base64.StdEncoding.EncodeToString(b)
}

// DecodeCommand undoes EncodeCommand (for tests and fakes that read what a
// client sent).
func DecodeCommand(b64 string) (string, error) {
	b, err := base64.StdEncoding.DecodeString(b64)
	if err != nil {
		return "", err
	}
	units := make([]uint16, len(b)/2)
	for i := range units {
		units[i] = uint16(b[2*i]) | uint16(b[2*i+1])<<8
	}
	return string(utf16.Decode(units)), nil
}

// Stdin returns what the bootstrap reads: base64 of the script's UTF-8 text
// with secrets, ended by CRLF so $input sees one complete line.
func Stdin(s *Script) []byte {
	return []byte(base64.StdEncoding.EncodeToString([]byte(s.Plaintext())) + "\r\n")
}
