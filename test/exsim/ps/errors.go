package ps

import (
	"fmt"
	"strings"
)

// invocation is the part of an ErrorRecord's InvocationInfo that the
// error view prints: the "Name : " prefix and the "At line:" position.
type invocation struct {
	// name is the InvocationName: "Get-SendConnector : " in front of the message.
	name string
	// scriptText is set when MyCommand is a script block (Write-Error at
	// script level): the prefix is the whole script text.
	scriptText string
	hasScript  bool
	// src and pos locate the error; src nil means no position.
	src []rune
	pos extent
}

// Error messages worded as PowerShell words them (PS-2016 resources).
const (
	msgCommandNotFound   = "The term '%s' is not recognized as the name of a cmdlet, function, script file, or operable program. Check the spelling of the name, or if a path was included, verify that the path is correct and try again."
	msgNamedParamMissing = "A parameter cannot be found that matches parameter name '%s'."
	msgAmbiguousParam    = "Parameter cannot be processed because the parameter name '%s' is ambiguous. Possible matches include:%s."
	msgPositional        = "A positional parameter cannot be found that accepts argument '%s'."
	msgMissingMandatory  = "Cannot process command because of one or more missing mandatory parameters:%s."
	msgMissingArgument   = "Missing an argument for parameter '%s'. Specify a parameter of type '%s' and try again."
	msgAlreadyBound      = "Cannot bind parameter because parameter '%s' is specified more than once. To provide multiple values to parameters that can accept multiple values, use the array syntax. For example, \"-parameter value1,value2,value3\"."
	msgSetNotResolved    = "Parameter set cannot be resolved using the specified named parameters."
	msgNullArg           = "Cannot bind argument to parameter '%s' because it is null."
	msgEmptyStringArg    = "Cannot bind argument to parameter '%s' because it is an empty string."
	msgEmptyArrayArg     = "Cannot bind argument to parameter '%s' because it is an empty array."
	msgInputNotBound     = "The input object cannot be bound to any parameters for the command either because the command does not take pipeline input or the input and its properties do not match any of the parameters that take pipeline input."
	msgNonInteractive    = "Windows PowerShell is in NonInteractive mode. Read and Prompt functionality is not available."
)

// categoryInfo formats ErrorCategoryInfo.GetMessage():
// "{Category}: ({TargetName}:{TargetType}) [{Activity}], {Reason}".
func categoryInfo(rec *ErrorRecord, activity string) string {
	cat := rec.Category
	if cat == "" {
		cat = "NotSpecified"
	}
	reason := rec.Reason
	if reason == "" && rec.ExceptionType != "" {
		reason = rec.ExceptionType[strings.LastIndexByte(rec.ExceptionType, '.')+1:]
	}
	return fmt.Sprintf("%s: (%s:%s) [%s], %s", cat, ellipsize(rec.TargetName), ellipsize(rec.TargetType), ellipsize(activity), reason)
}

// ellipsize shortens texts over 40 characters to the first 15, "..." and
// the last 15 (ErrorCategoryInfo.Ellipsize).
func ellipsize(s string) string {
	r := []rune(s)
	if len(r) <= 40 {
		return s
	}
	return string(r[:15]) + "..." + string(r[len(r)-15:])
}

// errorText builds the one string the ErrorInstance view produces for rec
// (Appendix A), before it is split into lines and wrapped.
func errorText(rec *ErrorRecord, bufferWidth int, psv2 bool) string {
	inv := rec.inv
	var b strings.Builder
	// Parse errors carry their position in the message (5.1); 2.0 printed
	// it as for any error.
	parserNoCommand := !psv2 && rec.Category == "ParserError" && (inv == nil || inv.name == "")
	if !rec.Remote && inv != nil && !parserNoCommand {
		switch {
		case inv.hasScript:
			b.WriteString(inv.scriptText + " : ")
		case inv.name != "" && !(psv2 && rec.Reason == "CommandNotFoundException"):
			b.WriteString(inv.name + " : ")
		}
	}
	msg := rec.Message
	if psv2 && rec.stopped {
		msg = `Command execution stopped because the preference variable "ErrorActionPreference" or common parameter is set to Stop: ` + msg
	}
	b.WriteString(msg)
	if !rec.Remote && inv != nil && inv.src != nil && !parserNoCommand {
		if pm := positionMessage(inv.src, inv.pos, psv2); pm != "" {
			b.WriteString("\n" + pm)
		}
	}
	b.WriteString("\n" + chunkLine("+ CategoryInfo          : "+categoryInfo(rec, rec.activity), bufferWidth))
	b.WriteString("\n" + chunkLine("+ FullyQualifiedErrorId : "+rec.FullyQualifiedErrorId, bufferWidth))
	if rec.Remote && rec.PSComputerName != "" {
		b.WriteString("\n" + chunkLine("+ PSComputerName        : "+rec.PSComputerName, bufferWidth))
	}
	b.WriteString("\n ")
	return b.String()
}

// chunkLine is the view's foreach($line in @($s -split "(.{$width})")) loop:
// 4 spaces before every chunk of width-6 characters, joined without newlines.
func chunkLine(s string, bufferWidth int) string {
	w := bufferWidth - 6
	if w < 1 {
		w = 1
	}
	r := []rune(s)
	var b strings.Builder
	for len(r) > 0 {
		n := min(w, len(r))
		b.WriteString("    " + string(r[:n]))
		r = r[n:]
	}
	return b.String()
}

// renderError returns the lines that WriteErrorLine receives for rec: the
// view's text split at newlines, wrapped to BufferWidth-1 (word wrap in 5.1,
// character wrap in 2.0), empty lines dropped.
func renderError(rec *ErrorRecord, bufferWidth int, psv2 bool) []string {
	text := errorText(rec, bufferWidth, psv2)
	var out []string
	for _, piece := range strings.Split(strings.ReplaceAll(text, "\r", ""), "\n") {
		for _, l := range generateLines(piece, bufferWidth-1, bufferWidth-1, !psv2) {
			if l != "" {
				out = append(out, l)
			}
		}
	}
	return out
}

// positionMessage is InvocationInfo.PositionMessage for the extent pos of src.
func positionMessage(src []rune, pos extent, psv2 bool) string {
	if pos.start < 0 || pos.start > len(src) {
		return ""
	}
	line, col, lineText := lineCol(src, pos.start)
	if psv2 {
		// Windows PowerShell 2.0 points after the token: "+ fake <<<<  cmdlet".
		eline, ecol, eText := lineCol(src, pos.end)
		if eline != line {
			eText, ecol = lineText, len([]rune(lineText))+1
		}
		r := []rune(eText)
		at := min(max(ecol-1, 0), len(r))
		return fmt.Sprintf("At line:%d char:%d\n+ %s <<<< %s", eline, ecol, string(r[:at]), string(r[at:]))
	}
	return verboseMessage(lineText, line, col, pos, src)
}

// lineCol returns the 1-based line and column of offset off and the text of its line.
func lineCol(src []rune, off int) (line, col int, text string) {
	line, ls := 1, 0
	for i := 0; i < off && i < len(src); i++ {
		if src[i] == '\n' {
			line++
			ls = i + 1
		} else if src[i] == '\r' && (i+1 >= len(src) || src[i+1] != '\n') {
			line++
			ls = i + 1
		}
	}
	le := ls
	for le < len(src) && src[le] != '\n' && src[le] != '\r' {
		le++
	}
	return line, off - ls + 1, string(src[ls:le])
}

// verboseMessage ports PositionUtilities.VerboseMessage (5.1): the source line
// cut to 69 characters around the error with "... " / " ...", and a ~~~ marker.
func verboseMessage(sourceLine string, line, col int, pos extent, src []rune) string {
	sl := []rune(strings.TrimRight(sourceLine, " \t\r\n\v\f"))
	head := fmt.Sprintf("At line:%d char:%d\n+ ", line, col)
	if len(sl) == 0 {
		return head
	}
	spaces := col - 1
	eline, ecol, _ := lineCol(src, pos.end)
	length := 0
	if eline == line && ecol <= len(sl)+1 {
		length = ecol - col
	} else {
		length = len(sl) - col + 1
	}
	if strings.ContainsRune(string(sl), '\t') {
		before := strings.ReplaceAll(string(sl[:min(spaces, len(sl))]), "\t", "    ")
		mid := strings.ReplaceAll(string(sl[min(spaces, len(sl)):min(spaces+max(length, 0), len(sl))]), "\t", "    ")
		rest := strings.ReplaceAll(string(sl[min(spaces+max(length, 0), len(sl)):]), "\t", "    ")
		sl = []rune(before + mid + rest)
		spaces, length = len([]rune(before)), len([]rune(mid))
	}
	const maxLine = 69
	leading, trailing := false, false
	if n := len(sl); n > maxLine {
		leftCtx := spaces
		left := min(leftCtx, 12)
		rightCtx := n - length - spaces
		right := min(rightCtx, 8)
		total := left + length + right
		if total >= maxLine {
			if left+length >= maxLine {
				length = maxLine - left
			}
			trailing = true
		} else {
			extra := leftCtx - left
			if extra > 0 {
				left += min(extra, maxLine-total)
				total = left + length + right
			}
			if total < maxLine && rightCtx > 0 {
				right += min(rightCtx, maxLine-total)
			}
			trailing = right < rightCtx
		}
		leading = left < leftCtx
		startIdx := max(spaces-left, 0)
		sl = sl[startIdx:min(startIdx+maxLine, len(sl))]
		spaces = min(spaces, left)
		length = min(length, maxLine-spaces)
	}
	var b strings.Builder
	b.WriteString(head)
	if leading {
		b.WriteString("... ")
	}
	b.WriteString(string(sl))
	if trailing {
		b.WriteString(" ...")
	}
	b.WriteString("\n+ ")
	pad := spaces
	if leading {
		pad += 4
	}
	b.WriteString(strings.Repeat(" ", pad))
	b.WriteString(strings.Repeat("~", max(length, 1)))
	return b.String()
}

// clixmlEncode is EncodeString of the serializer: control characters and
// surrogates become _xHHHH_, a '_' before 'x' becomes _x005F_, then XML escaping.
func clixmlEncode(s string) string {
	var b strings.Builder
	u := []rune(s)
	for i, c := range u {
		switch {
		case c == '_' && i+1 < len(u) && (u[i+1] == 'x' || u[i+1] == 'X'):
			b.WriteString("_x005F_")
		case c <= 0x1f || c >= 0x7f && c <= 0x9f || c >= 0xd800 && c <= 0xdfff:
			b.WriteString("_x" + strings.ToUpper(fmt.Sprintf("%04x", c)) + "_")
		case c > 0xffff:
			// .NET strings hold a surrogate pair, and each half is escaped.
			hi, lo := utf16Pair(c)
			fmt.Fprintf(&b, "_x%04X__x%04X_", hi, lo)
		case c == '&':
			b.WriteString("&amp;")
		case c == '<':
			b.WriteString("&lt;")
		case c == '>':
			b.WriteString("&gt;")
		default:
			b.WriteRune(c)
		}
	}
	return b.String()
}

func utf16Pair(c rune) (uint16, uint16) {
	c -= 0x10000
	return uint16(0xd800 + (c >> 10)), uint16(0xdc00 + (c & 0x3ff))
}

// newError builds an ErrorRecord raised by the interpreter itself.
func newError(msg, category, reason, fqid string, inv *invocation) *ErrorRecord {
	return &ErrorRecord{Message: msg, Category: category, Reason: reason, FullyQualifiedErrorId: fqid, inv: inv}
}
