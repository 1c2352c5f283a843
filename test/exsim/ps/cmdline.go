package ps

import (
	"encoding/base64"
	"strings"
	"unicode/utf16"
)

// exitBadCommandLine is ConsoleHost.ExitCodeBadCommandLineParameter (0xFFFD0000).
const exitBadCommandLine = 0xFFFD0000

// splitCommandLine splits a Windows command line into arguments as the C
// runtime does (CommandLineToArgvW): blanks separate, double quotes group,
// 2n backslashes before a quote give n and a quote toggle, 2n+1 give n and
// a literal quote. The program name ends at the first blank outside quotes.
func splitCommandLine(line string) []string {
	r := []rune(line)
	var args []string
	i := 0
	for i < len(r) && (r[i] == ' ' || r[i] == '\t') {
		i++
	}
	if i >= len(r) {
		return nil
	}
	// The program name: quotes group, backslashes are literal.
	var b strings.Builder
	inQ := false
	for ; i < len(r); i++ {
		c := r[i]
		if c == '"' {
			inQ = !inQ
			continue
		}
		if !inQ && (c == ' ' || c == '\t') {
			break
		}
		b.WriteRune(c)
	}
	args = append(args, b.String())
	for {
		for i < len(r) && (r[i] == ' ' || r[i] == '\t') {
			i++
		}
		if i >= len(r) {
			return args
		}
		b.Reset()
		inQ = false
		for i < len(r) {
			c := r[i]
			if !inQ && (c == ' ' || c == '\t') {
				break
			}
			if c == '\\' {
				n := 0
				for i < len(r) && r[i] == '\\' {
					n++
					i++
				}
				if i < len(r) && r[i] == '"' {
					b.WriteString(strings.Repeat(`\`, n/2))
					if n%2 == 1 {
						b.WriteRune('"')
						i++
					}
				} else {
					b.WriteString(strings.Repeat(`\`, n))
				}
				continue
			}
			if c == '"' {
				if inQ && i+1 < len(r) && r[i+1] == '"' {
					b.WriteRune('"')
					i += 2
					continue
				}
				inQ = !inQ
				i++
				continue
			}
			b.WriteRune(c)
			i++
		}
		args = append(args, b.String())
	}
}

// firstWord is the program as cmd.exe names it in its error message.
func firstWord(line string) string {
	line = strings.TrimLeft(line, " \t")
	inQ := false
	for i, c := range line {
		if c == '"' {
			inQ = !inQ
		}
		if !inQ && (c == ' ' || c == '\t') {
			return line[:i]
		}
	}
	return line
}

// isPowerShell reports whether the program is Windows PowerShell.
func isPowerShell(prog string) bool {
	base := prog[strings.LastIndexAny(prog, `\/`)+1:]
	base = strings.ToLower(base)
	return base == "powershell" || base == "powershell.exe"
}

// psOptions is what powershell.exe's command line asks for.
type psOptions struct {
	command        string
	hasCommand     bool
	encoded        bool
	fromStdin      bool // -Command -
	nonInteractive bool
	noExit         bool
	noLogo         bool
}

// matchSwitch is CommandLineParameterParser.MatchSwitch: key must be a prefix
// of the switch and at least as long as its shortest unambiguous form.
func matchSwitch(key, full, shortest string) bool {
	return strings.HasPrefix(full, key) && len(key) >= len(shortest)
}

// parseArgs parses powershell.exe's arguments as the Windows PowerShell 5.1
// console host does. On failure it returns the message for stderr, whether
// the banner is shown, and the exit code.
func parseArgs(args []string) (psOptions, string, bool, int) {
	var o psOptions
	fail := func(msg string, banner bool) (psOptions, string, bool, int) {
		return o, msg, banner, exitBadCommandLine
	}
	for i := 0; i < len(args); i++ {
		key := strings.ToLower(strings.TrimSpace(args[i]))
		if key == "" {
			continue
		}
		first := []rune(key)[0]
		if !isDash(first) && first != '/' {
			return o.rest(args[i:])
		}
		key = string([]rune(key)[1:])
		if key != "" && isDash([]rune(key)[0]) {
			key = string([]rune(key)[1:])
		}
		switch {
		case key == "version" || key == "v" || key == "ve" || key == "ver" || key == "vers" || key == "versi" || key == "versio":
			i++ // the native launcher picks the engine; exsim's Host decides it
		case matchSwitch(key, "psconsolefile", "psc"):
			return fail(notSupportedMsg("-PSConsoleFile"), false)
		case matchSwitch(key, "help", "h") || key == "?":
			return fail(notSupportedMsg("powershell.exe -Help"), false)
		case matchSwitch(key, "noexit", "noe"):
			o.noExit = true
		case matchSwitch(key, "importsystemmodules", "imp"), matchSwitch(key, "noprofile", "nop"):
		case matchSwitch(key, "nologo", "nol"):
			o.noLogo = true
		case matchSwitch(key, "noninteractive", "noni"):
			o.nonInteractive = true
		case matchSwitch(key, "socketservermode", "so"), matchSwitch(key, "servermode", "s"), matchSwitch(key, "namedpipeservermode", "nam"):
			return fail(notSupportedMsg("powershell.exe -"+key), false)
		case matchSwitch(key, "configurationname", "config"):
			if i+1 >= len(args) {
				return fail("Cannot process the command because -Configuration requires an argument that is a remote endpoint configuration name. Specify this argument and try again.", false)
			}
			return fail(notSupportedMsg("-ConfigurationName"), false)
		case matchSwitch(key, "command", "c"):
			if o.hasCommand {
				return fail("Cannot process command because a command is already specified with -Command or -EncodedCommand.", false)
			}
			if i+1 >= len(args) {
				return fail("Cannot process the command because of a missing parameter. A command must follow -Command.", false)
			}
			if args[i+1] == "-" {
				if i+2 != len(args) {
					return fail("'-' was specified with the -Command parameter; no other arguments to -Command are permitted.", false)
				}
				o.fromStdin, o.hasCommand = true, true
				return o, "", false, 0
			}
			return o.rest(args[i+1:])
		case matchSwitch(key, "windowstyle", "w"):
			if i+1 >= len(args) {
				return fail("Cannot process the command because -WindowStyle requires an argument that is normal, hidden, minimized or maximized. Specify one of these argument values and try again.", false)
			}
			i++
			if !contains([]string{"Normal", "Hidden", "Minimized", "Maximized"}, strings.TrimSpace(args[i])) {
				return fail("Processing -WindowStyle '"+args[i]+"' failed: Cannot convert value \""+args[i]+"\" to type \"System.Diagnostics.ProcessWindowStyle\". Error: \"Unable to match the identifier name "+args[i]+" to a valid enumerator name.  Specify one of the following enumerator names and try again: Normal, Hidden, Minimized, Maximized\".", false)
			}
		case matchSwitch(key, "file", "f"):
			if i+1 >= len(args) {
				return fail("The command cannot be run because the File parameter requires a file path. Supply a path for the File parameter and then try the command again.", true)
			}
			f := args[i+1]
			if !strings.HasSuffix(strings.ToLower(f), ".ps1") {
				return fail("Processing -File '"+f+"' failed because the file does not have a '.ps1' extension. Specify a valid Windows PowerShell script file name, and then try again.", true)
			}
			// exsim has no file system, so no script file exists.
			return fail("The argument '"+f+"' to the -File parameter does not exist. Provide the path to an existing '.ps1' file as an argument to the -File parameter.", true)
		case matchSwitch(key, "outputformat", "o") || matchSwitch(key, "of", "o"),
			matchSwitch(key, "inputformat", "i") || matchSwitch(key, "if", "i"):
			name := "OutputFormat"
			missing := "The command cannot be run because no argument has been supplied for the OutputFormat parameter. Specify one of the following formats for this parameter.\n"
			if strings.HasPrefix(key, "i") {
				name = "InputFormat"
				missing = "Cannot process the command because the -InputFormat parameter requires an argument. Specify a valid format argument for this parameter.  Valid formats are:\n"
			}
			formats := "Text\r\nXML\r\nNone\r\n"
			if i+1 >= len(args) {
				return fail(missing+formats, false)
			}
			i++
			switch strings.ToLower(strings.TrimSpace(args[i])) {
			case "text", "0":
			case "xml", "1", "none", "2":
				return fail(notSupportedMsg("-"+name+" "+args[i]), false)
			default:
				return fail("Cannot process the command because of an incorrect parameter value. \""+args[i]+"\" is not a valid format.  Valid formats are:\n"+formats, false)
			}
		case matchSwitch(key, "executionpolicy", "ex") || matchSwitch(key, "ep", "ep"):
			if i+1 >= len(args) {
				return fail("Cannot process the execution policy because of a missing policy name. A policy name must follow -ExecutionPolicy.", false)
			}
			i++
		case matchSwitch(key, "encodedcommand", "e") || matchSwitch(key, "ec", "e"):
			if o.hasCommand {
				return fail("Cannot process command because a command is already specified with -Command or -EncodedCommand.", false)
			}
			if i+1 >= len(args) {
				return fail("Cannot process the command because of a missing parameter. A command must follow -Command.", false)
			}
			i++
			text, ok := decodeEncodedCommand(args[i])
			if !ok {
				return fail("Cannot process the command because the value specified with -EncodedCommand is not properly encoded. The value must be Base64 encoded.", false)
			}
			o.command, o.hasCommand, o.encoded = text, true, true
		case matchSwitch(key, "encodedarguments", "encodeda") || matchSwitch(key, "ea", "ea"):
			return fail(notSupportedMsg("-EncodedArguments"), false)
		case matchSwitch(key, "sta", "s"), matchSwitch(key, "mta", "mta"):
			// -s itself is -ServerMode (matched above), as in PowerShell's switch chain.
		default:
			// The first argument not recognised starts the command.
			return o.rest(args[i:])
		}
	}
	return o, "", false, 0
}

// rest makes the remaining arguments the command, joined by blanks.
func (o psOptions) rest(args []string) (psOptions, string, bool, int) {
	if o.hasCommand {
		return o, "Cannot process command because a command is already specified with -Command or -EncodedCommand.", false, exitBadCommandLine
	}
	o.command, o.hasCommand = strings.Join(args, " "), true
	return o, "", false, 0
}

// decodeEncodedCommand decodes base64 of UTF-16LE text.
func decodeEncodedCommand(s string) (string, bool) {
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		b, msg := fromBase64(s)
		if msg != "" {
			return "", false
		}
		raw = b
	}
	u := make([]uint16, len(raw)/2)
	for i := range u {
		u[i] = uint16(raw[2*i]) | uint16(raw[2*i+1])<<8
	}
	text := string(utf16.Decode(u))
	if len(raw)%2 == 1 {
		text += "\uFFFD"
	}
	return text, true
}
