package ps

import (
	"encoding/binary"
	"fmt"
	"strings"
	"unicode/utf16"
)

// clixmlEncodings is Export-Clixml's -Encoding ValidateSet in Windows
// PowerShell 2.0 to 5.1 (default Unicode: UTF-16LE with a BOM).
var clixmlEncodings = []string{"Unicode", "UTF7", "UTF8", "ASCII", "UTF32", "BigEndianUnicode", "Default", "OEM"}

func exportClixmlBuiltin() *builtin {
	return &builtin{name: "Export-Clixml", defaultSet: "ByPath", params: []ParamSpec{
		param("Depth", "Int32"),
		param("Path", "String").at(0).in("ByPath").mandatory(),
		param("LiteralPath", "String").in("ByLiteralPath").mandatory().alias("PSPath"),
		param("InputObject", "PSObject").pipe().mandatory().allowNull(),
		param("Force", "SwitchParameter"),
		param("NoClobber", "SwitchParameter").alias("NoOverwrite"),
		param("Encoding", "String"),
		param("WhatIf", "SwitchParameter"),
		param("Confirm", "SwitchParameter"),
	}, run: runExportClixml}
}

func removeItemBuiltin() *builtin {
	return &builtin{name: "Remove-Item", defaultSet: "Path", params: []ParamSpec{
		param("Path", "String[]").at(0).in("Path").mandatory().pipe(),
		param("LiteralPath", "String[]").in("LiteralPath").mandatory().alias("PSPath"),
		param("Filter", "String"),
		param("Include", "String[]"),
		param("Exclude", "String[]"),
		param("Recurse", "SwitchParameter"),
		param("Force", "SwitchParameter"),
		param("Credential", "PSCredential"),
		param("WhatIf", "SwitchParameter"),
		param("Confirm", "SwitchParameter"),
	}, run: runRemoveItem}
}

// runExportClixml serializes the input as ExportClixmlCommand does (see
// clixml_export.go) and writes the file in -Encoding.
func runExportClixml(in *interp, c *Call) ([]any, error) {
	const class = "Microsoft.PowerShell.Commands.ExportClixmlCommand"
	depth := 2 // Serializer's default depth
	if c.Has("Depth") {
		d, _ := c.Args["Depth"].(int)
		if d < 1 {
			return nil, validationError(class, "Depth", fmt.Sprintf("The %d argument is less than the minimum allowed range of 1. Supply an argument that is greater than or equal to 1 and then try the command again.", d))
		}
		depth = d
	}
	enc := "Unicode"
	if c.Has("Encoding") {
		enc = ""
		for _, e := range clixmlEncodings {
			if strings.EqualFold(e, stringArg(c, "Encoding")) {
				enc = e
			}
		}
		if enc == "" {
			return nil, validationError(class, "Encoding", fmt.Sprintf(`The argument "%s" does not belong to the set "%s" specified by the ValidateSet attribute. Supply an argument that is in the set and then try the command again.`,
				stringArg(c, "Encoding"), strings.Join(clixmlEncodings, ",")))
		}
		if enc == "UTF7" || enc == "Default" {
			return nil, &ErrorRecord{Message: notSupportedMsg("Export-Clixml -Encoding " + enc), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
		}
	}
	path := stringArg(c, "LiteralPath")
	if !c.Has("LiteralPath") {
		path = stringArg(c, "Path")
		if strings.ContainsAny(path, "*?[") {
			return nil, &ErrorRecord{Message: notSupportedMsg("Export-Clixml with a wildcard path"), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
		}
	}
	full := in.fs.full(path)
	if boolArg(c, "WhatIf") {
		in.stdout.line(fmt.Sprintf(`What if: Performing the operation "Export-Clixml" on target "%s".`, full))
		return nil, nil
	}
	if !in.fs.dirExists(dirOf(full)) {
		return nil, &ErrorRecord{Message: msgPathPartNotFound(full), Category: "OpenError", Reason: "DirectoryNotFoundException",
			ExceptionType: "System.IO.DirectoryNotFoundException", TargetName: full, TargetType: "String",
			FullyQualifiedErrorId: "FileOpenFailure," + class, Terminating: true}
	}
	if boolArg(c, "NoClobber") && in.fs.exists(full) {
		return nil, &ErrorRecord{Message: fmt.Sprintf("The file '%s' already exists.", full), Category: "ResourceExists", Reason: "IOException",
			ExceptionType: "System.IO.IOException", TargetName: full, TargetType: "String",
			FullyQualifiedErrorId: "NoClobber," + class, Terminating: true}
	}
	text, err := newClixmlSerializer(in.psv2).document(inputObjects(c), depth)
	if err != nil {
		return nil, &ErrorRecord{Message: notSupportedMsg("Export-Clixml of " + err.Error()), Category: "NotImplemented", Reason: "NotSupportedException", FullyQualifiedErrorId: errNotSupported, Terminating: true}
	}
	in.fs.write(full, encodeText(text, enc))
	return nil, nil
}

// encodeText encodes s as a StreamWriter with the named encoding writes a
// new file: with the encoding's preamble (BOM) where it has one.
func encodeText(s, enc string) []byte {
	switch enc {
	case "Unicode", "BigEndianUnicode":
		u := utf16.Encode([]rune(s))
		out := make([]byte, 2+2*len(u))
		order := binary.ByteOrder(binary.LittleEndian)
		if enc == "BigEndianUnicode" {
			order = binary.BigEndian
		}
		order.PutUint16(out, 0xFEFF)
		for i, c := range u {
			order.PutUint16(out[2+2*i:], c)
		}
		return out
	case "UTF8":
		return append([]byte{0xEF, 0xBB, 0xBF}, s...)
	case "UTF32":
		r := []rune(s)
		out := make([]byte, 4+4*len(r))
		binary.LittleEndian.PutUint32(out, 0xFEFF)
		for i, c := range r {
			binary.LittleEndian.PutUint32(out[4+4*i:], uint32(c))
		}
		return out
	case "ASCII":
		b := make([]byte, 0, len(s))
		for _, c := range s {
			if c > 127 {
				c = '?'
			}
			b = append(b, byte(c))
		}
		return b
	case "OEM":
		return encodeOEM(s)
	}
	return []byte(s)
}
