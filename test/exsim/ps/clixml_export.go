package ps

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode/utf16"
)

// The CLIXML that Export-Clixml writes, as PowerShell's serializer
// (System.Management.Automation InternalSerializer, serialization.cs)
// writes it through an XmlWriter with Indent = true and
// OmitXmlDeclaration = true (ExportClixmlCommand.CreateFileStream):
//
//   - root <Objs Version="1.1.0.1" xmlns="http://schemas.microsoft.com/powershell/2004/04">,
//     one element per pipeline object, two-space indentation, CRLF, no
//     trailing newline, <Objs ... /> when there was no input;
//   - primitives: <S> string, <B> true/false, <I32>, <I64>, <Db>, <BA>
//     base64, <DT> (XmlConvert RoundtripKind), <TS> (xs:duration), <G>,
//     <Nil /> for $null; N="name" when the value is a property;
//   - every other object is an <Obj RefId="n"> (n counts from 0 per file)
//     with <TN RefId="m"> and one <T> per type name, or <TNRef RefId="m" />
//     when the same list was written before;
//   - collections (known container types) as <LST> of their items, written
//     at the same depth (containers do not use up depth);
//   - property bags (Select-Object output) as <MS> of their note
//     properties, at the same depth (instance members keep the depth);
//   - deserialized objects with <ToString>, <Props> (their properties, at
//     depth - 1) and <MS> (RunspaceId, the notes remoting adds);
//   - a complex object at depth 0 as <S> of its ToString();
//   - strings (and names) through EncodeString: characters 0x00-0x1F and
//     0x7F-0x9F, UTF-16 surrogates (also valid pairs), and '_' before 'x'
//     or 'X' become _xHHHH_ (upper-case hex), then XML escaping of & < >
//     (and " in attributes).
//
// What a remote Exchange object's values are on the client: the server
// serialized the object at depth 1, so its properties at depth 0: known
// primitives stay (String, Boolean, Int32, DateTime, Guid ...), collections
// stay collections of strings, every other value (enums, sizes,
// Unlimited, Fqdn, SmtpX509Identifier, EnhancedTimeSpan, ...) became its
// ToString() string. exsim's Deserialized scalars are therefore written as
// <S>.

const clixmlNamespace = "http://schemas.microsoft.com/powershell/2004/04"

// clixmlEncodeString is InternalSerializer.EncodeString.
func clixmlEncodeString(s string) string {
	u := utf16.Encode([]rune(s))
	need := false
	for i, c := range u {
		if encodable(u, i, c) {
			need = true
			break
		}
	}
	if !need {
		return s
	}
	var b strings.Builder
	for i, c := range u {
		switch {
		case c == '_' && encodable(u, i, c):
			b.WriteString("_x005F_")
		case encodable(u, i, c):
			fmt.Fprintf(&b, "_x%04X_", c)
		default:
			b.WriteRune(rune(c))
		}
	}
	return b.String()
}

func encodable(u []uint16, i int, c uint16) bool {
	return c <= 0x1F || (c >= 0x7F && c <= 0x9F) || (c >= 0xD800 && c <= 0xDFFF) ||
		(c == '_' && i+1 < len(u) && (u[i+1] == 'x' || u[i+1] == 'X'))
}

// clixmlEscape is what XmlWriter.WriteString escapes (attr adds the quote).
func clixmlEscape(s string, attr bool) string {
	r := strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")
	if attr {
		r = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;")
	}
	return r.Replace(s)
}

// clixmlSerializer writes one Export-Clixml document.
type clixmlSerializer struct {
	b      strings.Builder
	level  int
	refs   int
	tnRefs map[string]int
	seen   map[any]int
	psv2   bool
}

// notSerializable reports a value exsim does not know how to serialize.
type notSerializable struct{ what string }

func (e *notSerializable) Error() string { return e.what }

func newClixmlSerializer(psv2 bool) *clixmlSerializer {
	return &clixmlSerializer{tnRefs: map[string]int{}, seen: map[any]int{}, psv2: psv2}
}

func (w *clixmlSerializer) line(s string) {
	if w.b.Len() > 0 {
		w.b.WriteString("\r\n")
	}
	w.b.WriteString(strings.Repeat("  ", w.level) + s)
}

func nameAttr(prop string) string {
	if prop == "" {
		return ""
	}
	return ` N="` + clixmlEscape(clixmlEncodeString(prop), true) + `"`
}

// document serializes items (each a top-level object) at depth.
func (w *clixmlSerializer) document(items []any, depth int) (string, error) {
	if len(items) == 0 {
		return `<Objs Version="1.1.0.1" xmlns="` + clixmlNamespace + `" />`, nil
	}
	w.line(`<Objs Version="1.1.0.1" xmlns="` + clixmlNamespace + `">`)
	w.level++
	for _, it := range items {
		if err := w.value(it, "", depth); err != nil {
			return "", err
		}
	}
	w.level--
	w.line("</Objs>")
	return w.b.String(), nil
}

func (w *clixmlSerializer) prim(tag, prop, text string) {
	w.line("<" + tag + nameAttr(prop) + ">" + clixmlEscape(text, false) + "</" + tag + ">")
}

// value writes one object, as property prop when prop is not "".
func (w *clixmlSerializer) value(v any, prop string, depth int) error {
	switch x := v.(type) {
	case nil:
		w.line("<Nil" + nameAttr(prop) + " />")
		return nil
	case string:
		w.prim("S", prop, clixmlEncodeString(x))
		return nil
	case bool:
		w.prim("B", prop, strconv.FormatBool(x))
		return nil
	case int:
		w.prim("I32", prop, strconv.Itoa(x))
		return nil
	case int64:
		w.prim("I64", prop, strconv.FormatInt(x, 10))
		return nil
	case float64:
		w.prim("Db", prop, strings.Replace(strconv.FormatFloat(x, 'G', -1, 64), "E+0", "E+", 1))
		return nil
	case []byte:
		w.prim("BA", prop, base64.StdEncoding.EncodeToString(x))
		return nil
	case DateTime:
		w.prim("DT", prop, roundTripDate(x))
		return nil
	case *ErrorRecord, *SecureString, *Credential, *ScriptBlock, *RemoteSession:
		return &notSerializable{what: "a " + typeName(v) + " value"}
	case []any:
		return w.list(x, []string{"System.Object[]", "System.Array", "System.Object"}, prop, depth)
	case *Collection:
		return w.list(x.Items, w.collectionTypeNames(x.TypeName), prop, depth)
	case *Hashtable:
		return w.hashtable(x, prop, depth)
	case *Object:
		return w.object(x, prop, depth)
	case Scalar:
		return w.scalar(x, prop)
	}
	return &notSerializable{what: "a " + typeName(v) + " value"}
}

// scalar writes the text-valued .NET values of the Exchange model.
func (w *clixmlSerializer) scalar(s Scalar, prop string) error {
	t := s.TypeName()
	switch {
	case strings.HasPrefix(t, "Deserialized."), t == "System.String":
		w.prim("S", prop, clixmlEncodeString(s.String()))
	case t == "System.Guid":
		w.prim("G", prop, s.String())
	case t == "System.UInt32":
		// WMI's uint32 properties (ProcessId, ExitCode).
		w.prim("U32", prop, s.String())
	case t == "System.TimeSpan":
		d, ok := parseTimeSpanText(s.String())
		if !ok {
			return &notSerializable{what: "the System.TimeSpan value '" + s.String() + "'"}
		}
		w.prim("TS", prop, xmlDuration(d))
	default:
		// A live .NET object (an enum, an Exchange value type) would be
		// written with its members; exsim does not model them.
		return &notSerializable{what: "a live " + t + " value (select deserialized objects' properties or primitives)"}
	}
	return nil
}

// typeNames writes <TN> or <TNRef> for names.
func (w *clixmlSerializer) typeNames(names []string) {
	key := strings.Join(names, "\x00")
	if id, ok := w.tnRefs[key]; ok {
		w.line(fmt.Sprintf(`<TNRef RefId="%d" />`, id))
		return
	}
	id := len(w.tnRefs)
	w.tnRefs[key] = id
	w.line(fmt.Sprintf(`<TN RefId="%d">`, id))
	w.level++
	for _, n := range names {
		w.line("<T>" + clixmlEscape(clixmlEncodeString(n), false) + "</T>")
	}
	w.level--
	w.line("</TN>")
}

// start opens an <Obj>, or writes a <Ref> when ref was written before.
func (w *clixmlSerializer) start(ref any, prop string) bool {
	if ref != nil {
		if id, ok := w.seen[ref]; ok {
			w.line(fmt.Sprintf(`<Ref%s RefId="%d" />`, nameAttr(prop), id))
			return false
		}
		w.seen[ref] = w.refs
	}
	w.line(fmt.Sprintf(`<Obj%s RefId="%d">`, nameAttr(prop), w.refs))
	w.refs++
	w.level++
	return true
}

func (w *clixmlSerializer) end() {
	w.level--
	w.line("</Obj>")
}

func (w *clixmlSerializer) list(items []any, names []string, prop string, depth int) error {
	w.line(fmt.Sprintf(`<Obj%s RefId="%d">`, nameAttr(prop), w.refs))
	w.refs++
	w.level++
	w.typeNames(names)
	if len(items) == 0 {
		w.line("<LST />")
	} else {
		w.line("<LST>")
		w.level++
		for _, it := range items {
			if err := w.value(it, "", depth); err != nil {
				return err
			}
		}
		w.level--
		w.line("</LST>")
	}
	w.end()
	return nil
}

func (w *clixmlSerializer) hashtable(h *Hashtable, prop string, depth int) error {
	if !w.start(h, prop) {
		return nil
	}
	w.typeNames([]string{"System.Collections.Hashtable", "System.Object"})
	if len(h.Keys) == 0 {
		w.line("<DCT />")
	} else {
		w.line("<DCT>")
		w.level++
		for _, k := range h.Keys {
			v, _ := h.Lookup(k)
			w.line("<En>")
			w.level++
			w.prim("S", "Key", clixmlEncodeString(k))
			if err := w.value(v, "Value", depth); err != nil {
				return err
			}
			w.level--
			w.line("</En>")
		}
		w.level--
		w.line("</DCT>")
	}
	w.end()
	return nil
}

// remotingNotes are the properties implicit remoting adds to deserialized
// objects as notes (instance members), serialized in <MS>.
var remotingNotes = map[string]bool{"runspaceid": true, "pscomputername": true, "psshowcomputername": true}

func (w *clixmlSerializer) object(o *Object, prop string, depth int) error {
	if depth <= 0 {
		w.prim("S", prop, clixmlEncodeString(objectText(o)))
		return nil
	}
	deserialized := len(o.TypeNames) > 0 && strings.HasPrefix(o.TypeNames[0], "Deserialized.")
	bag := objectBaseType(o) == psCustomObject && !deserialized
	if !bag && !deserialized {
		return &notSerializable{what: "a live " + typeName(o) + " object (select its properties first)"}
	}
	if !w.start(o, prop) {
		return nil
	}
	names := o.TypeNames
	if len(names) == 0 {
		names = []string{psCustomObject, "System.Object"}
	}
	w.typeNames(names)
	if deserialized {
		if o.Text != "" {
			w.line("<ToString>" + clixmlEscape(clixmlEncodeString(o.Text), false) + "</ToString>")
		}
		var props, notes []*Property
		for _, p := range o.Props {
			if remotingNotes[strings.ToLower(p.Name)] {
				notes = append(notes, p)
			} else {
				props = append(props, p)
			}
		}
		if err := w.members("Props", props, depth-1); err != nil {
			return err
		}
		if err := w.members("MS", notes, depth); err != nil {
			return err
		}
	} else if err := w.members("MS", o.Props, depth); err != nil {
		return err
	}
	w.end()
	return nil
}

func (w *clixmlSerializer) members(tag string, props []*Property, depth int) error {
	if len(props) == 0 {
		return nil
	}
	w.line("<" + tag + ">")
	w.level++
	for _, p := range props {
		if err := w.value(p.Value, p.Name, depth); err != nil {
			return err
		}
	}
	w.level--
	w.line("</" + tag + ">")
	return nil
}

// collectionTypeNames is the type-name hierarchy of a collection whose
// GetType().ToString() is typ: generic arguments assembly-qualified as in
// Type.FullName, then the base types; "Deserialized." stays on every name.
func (w *clixmlSerializer) collectionTypeNames(typ string) []string {
	prefix := ""
	if strings.HasPrefix(typ, "Deserialized.") {
		prefix, typ = "Deserialized.", strings.TrimPrefix(typ, "Deserialized.")
	}
	full := typ
	var bases []string
	if open := strings.IndexByte(typ, '['); open > 0 && strings.HasSuffix(typ, "]") && strings.Contains(typ[:open], "`") {
		args := strings.Split(typ[open+1:len(typ)-1], ",")
		for i, a := range args {
			args[i] = "[" + strings.TrimSpace(a) + ", " + w.assemblyOf(strings.TrimSpace(a)) + "]"
		}
		full = typ[:open] + "[" + strings.Join(args, ",") + "]"
	}
	switch {
	case strings.HasPrefix(typ, "Microsoft.Exchange.Data.Directory.ADMultiValuedProperty`1"):
		bases = []string{"Microsoft.Exchange.Data.MultiValuedProperty`1" + full[strings.IndexByte(full, '['):], "Microsoft.Exchange.Data.MultiValuedPropertyBase"}
	case strings.HasPrefix(typ, "Microsoft.Exchange.Data.MultiValuedProperty`1"):
		bases = []string{"Microsoft.Exchange.Data.MultiValuedPropertyBase"}
	case strings.HasSuffix(typ, "[]"):
		bases = []string{"System.Array"}
	}
	out := []string{prefix + full}
	for _, b := range append(bases, "System.Object") {
		out = append(out, prefix+b)
	}
	return out
}

// assemblyOf names the assembly of a type for assembly-qualified names:
// the .NET Framework's (2.0 with Exchange 2010 and PowerShell 2.0, 4.0
// from 2013) and Exchange's (14.0.0.0 on 2010, 15.0.0.0 from 2013) [INFER:
// assembly versions from the product versions].
func (w *clixmlSerializer) assemblyOf(t string) string {
	fw, ex := "4.0.0.0", "15.0.0.0"
	if w.psv2 {
		fw, ex = "2.0.0.0", "14.0.0.0"
	}
	switch {
	case strings.HasPrefix(t, "Microsoft.Exchange.Data.Directory."):
		return "Microsoft.Exchange.Data.Directory, Version=" + ex + ", Culture=neutral, PublicKeyToken=31bf3856ad364e35"
	case strings.HasPrefix(t, "Microsoft.Exchange."):
		return "Microsoft.Exchange.Data, Version=" + ex + ", Culture=neutral, PublicKeyToken=31bf3856ad364e35"
	case strings.HasPrefix(t, "System.Security.Cryptography.X509Certificates."), strings.HasPrefix(t, "System.Net."):
		return "System, Version=" + fw + ", Culture=neutral, PublicKeyToken=b77a5c561934e089"
	}
	return "mscorlib, Version=" + fw + ", Culture=neutral, PublicKeyToken=b77a5c561934e089"
}

// roundTripDate is XmlConvert.ToString(dt, XmlDateTimeSerializationMode.RoundtripKind):
// yyyy-MM-ddTHH:mm:ss.FFFFFFF then Z (Utc) or the offset (Local).
func roundTripDate(d DateTime) string {
	t := d.Time
	s := t.Format("2006-01-02T15:04:05")
	if frac := t.Nanosecond() / 100; frac != 0 {
		s += strings.TrimRight(fmt.Sprintf(".%07d", frac), "0")
	}
	if d.UTC {
		return s + "Z"
	}
	return s + t.Format("-07:00")
}

// parseTimeSpanText reads TimeSpan.ToString() text: [-][d.]hh:mm:ss[.fffffff].
func parseTimeSpanText(s string) (time.Duration, bool) {
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	days := 0
	if i := strings.IndexByte(s, '.'); i >= 0 && i < strings.IndexByte(s+":", ':') {
		n, err := strconv.Atoi(s[:i])
		if err != nil {
			return 0, false
		}
		days, s = n, s[i+1:]
	}
	frac := ""
	if i := strings.IndexByte(s, '.'); i >= 0 {
		s, frac = s[:i], s[i+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) != 3 {
		return 0, false
	}
	var hms [3]int
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil {
			return 0, false
		}
		hms[i] = n
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(hms[0])*time.Hour + time.Duration(hms[1])*time.Minute + time.Duration(hms[2])*time.Second
	if frac != "" {
		f, err := strconv.Atoi((frac + "0000000")[:7])
		if err != nil {
			return 0, false
		}
		d += time.Duration(f) * 100
	}
	if neg {
		d = -d
	}
	return d, true
}

// xmlDuration is XmlConvert.ToString(TimeSpan): P[nD][T[nH][nM][n[.f]S]], PT0S for zero.
func xmlDuration(d time.Duration) string {
	var b strings.Builder
	if d < 0 {
		b.WriteByte('-')
		d = -d
	}
	b.WriteByte('P')
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	if days > 0 {
		fmt.Fprintf(&b, "%dD", days)
	}
	h, m := d/time.Hour, (d%time.Hour)/time.Minute
	sec := d % time.Minute
	if h > 0 || m > 0 || sec > 0 || days == 0 {
		b.WriteByte('T')
		if h > 0 {
			fmt.Fprintf(&b, "%dH", h)
		}
		if m > 0 {
			fmt.Fprintf(&b, "%dM", m)
		}
		if sec > 0 || (h == 0 && m == 0 && days == 0) {
			whole := sec / time.Second
			ticks := (sec % time.Second) / 100
			if ticks > 0 {
				fmt.Fprintf(&b, "%d%sS", whole, strings.TrimRight(fmt.Sprintf(".%07d", ticks), "0"))
			} else {
				fmt.Fprintf(&b, "%dS", whole)
			}
		}
	}
	return b.String()
}
