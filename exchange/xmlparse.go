package exchange

import (
	"encoding/base64"
	"encoding/xml"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/exreconcile/exreconcile/exchange/value"
)

// Marker lines on stdout. Everything between a BEGIN and its END is base64
// of UTF-8, so stdout stays ASCII whatever the console code page, and names
// and comments in any script round-trip. PowerShell 2.0 over WinRS breaks
// long output lines every 80 characters, so a frame body may span lines.
const (
	markerPrefix = "<<EXR-"
	markerSuffix = ">>"
	markerDone   = "<<EXR-DONE>>"
)

func beginMarker(name string) string { return markerPrefix + "BEGIN " + name + markerSuffix }
func endMarker(name string) string   { return markerPrefix + "END " + name + markerSuffix }

// stdoutScan is stdout split into frames, marker lines and the rest.
type stdoutScan struct {
	frames  map[string]string // frame name -> decoded payload
	markers []string          // marker lines outside frames, in order
	done    bool              // the script's last line ran
	noise   []string          // other lines, for the log
}

// scanStdout reads the frames and markers. A frame that does not end, or
// whose body is not base64 of UTF-8, is an error: the script was cut short
// or something else wrote to stdout, and a partial frame must not be read as
// "no objects".
func scanStdout(stdout string) (*stdoutScan, error) {
	out := &stdoutScan{frames: map[string]string{}}
	var cur string
	var body strings.Builder
	inFrame := false
	for _, line := range strings.Split(stdout, "\n") {
		l := strings.TrimSpace(line)
		switch {
		case inFrame && l == endMarker(cur):
			b, err := base64.StdEncoding.DecodeString(body.String())
			if err != nil {
				return out, fmt.Errorf("%w: frame %s is not base64: %v", ErrUnreadable, cur, err)
			}
			out.frames[cur] = string(b)
			inFrame = false
		case inFrame && strings.HasPrefix(l, markerPrefix):
			return out, fmt.Errorf("%w: frame %s ends without its end marker (output cut short)", ErrUnreadable, cur)
		case inFrame:
			body.WriteString(l)
		case strings.HasPrefix(l, markerPrefix+"BEGIN ") && strings.HasSuffix(l, markerSuffix):
			cur = strings.TrimSuffix(strings.TrimPrefix(l, markerPrefix+"BEGIN "), markerSuffix)
			body.Reset()
			inFrame = true
		case l == markerDone:
			out.done = true
		case strings.HasPrefix(l, markerPrefix) && strings.HasSuffix(l, markerSuffix):
			out.markers = append(out.markers, l)
		case l != "":
			out.noise = append(out.noise, l)
		}
	}
	if inFrame {
		return out, fmt.Errorf("%w: frame %s has no end marker (output cut short)", ErrUnreadable, cur)
	}
	return out, nil
}

// xmlNode is one <Object> or <Property> of ConvertTo-Xml output
// (docs/exchange.md "ConvertTo-Xml"): an optional Name, text, and nested
// <Property> elements (collection items have no Name).
type xmlNode struct {
	Attrs []xml.Attr `xml:",any,attr"`
	Text  string     `xml:",chardata"`
	Kids  []xmlNode  `xml:"Property"`
}

type xmlObjects struct {
	XMLName xml.Name  `xml:"Objects"`
	Objects []xmlNode `xml:"Object"`
}

func (n *xmlNode) name() (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == "Name" {
			return a.Value, true
		}
	}
	return "", false
}

// parseConvertToXML reads `ConvertTo-Xml -As String` output. Empty output
// (no input objects on some versions) is zero objects.
func parseConvertToXML(doc string) ([]xmlNode, error) {
	if strings.TrimSpace(doc) == "" {
		return nil, nil
	}
	var objs xmlObjects
	if err := xml.Unmarshal([]byte(doc), &objs); err != nil {
		return nil, fmt.Errorf("%w: not ConvertTo-Xml output: %v", ErrUnreadable, err)
	}
	return objs.Objects, nil
}

// PropertyError says which property of which object could not be read.
type PropertyError struct {
	Kind     string `json:"kind"`
	Object   string `json:"object"`
	Property string `json:"property"`
	Value    string `json:"value"`
	Reason   string `json:"reason"`
}

func (e *PropertyError) Error() string {
	return fmt.Sprintf("%s %q: cannot read %s %q: %s", e.Kind, e.Object, e.Property, e.Value, e.Reason)
}

// Is makes errors.Is(err, ErrUnreadable) true.
func (e *PropertyError) Is(target error) bool { return target == ErrUnreadable }

// record reads the properties of one serialised object, collecting what it
// cannot read instead of guessing.
type record struct {
	kind     string
	name     string
	props    map[string]*xmlNode
	problems []*PropertyError
}

func newRecord(kind string, obj *xmlNode, nameProp string) *record {
	r := &record{kind: kind, props: map[string]*xmlNode{}}
	for i := range obj.Kids {
		if n, ok := obj.Kids[i].name(); ok {
			r.props[strings.ToLower(n)] = &obj.Kids[i]
		}
	}
	r.name = r.str(nameProp)
	return r
}

func (r *record) fail(prop, val string, err error) {
	r.problems = append(r.problems, &PropertyError{Kind: r.kind, Object: r.name, Property: prop, Value: val, Reason: err.Error()})
}

// scalar returns the text of a single value. A value may be plain text, or a
// wrapper whose first unnamed child is the text (an object serialised "as
// string with notes", as deserialised values can be).
func scalar(n *xmlNode) (string, error) {
	var items []*xmlNode
	for i := range n.Kids {
		if _, named := n.Kids[i].name(); !named {
			items = append(items, &n.Kids[i])
		}
	}
	switch {
	case len(items) == 1:
		return scalar(items[0])
	case len(items) > 1:
		return "", fmt.Errorf("%d values where one was expected", len(items))
	case len(n.Kids) > 0:
		return "", errors.New("an object where a value was expected")
	}
	return n.Text, nil
}

// str returns a string property; absent and null read as "".
func (r *record) str(prop string) string {
	n := r.props[strings.ToLower(prop)]
	if n == nil {
		return ""
	}
	s, err := scalar(n)
	if err != nil {
		r.fail(prop, "", err)
	}
	return s
}

// has reports whether the property carries a value (not null, not empty).
func (r *record) has(prop string) bool {
	n := r.props[strings.ToLower(prop)]
	return n != nil && (strings.TrimSpace(n.Text) != "" || len(n.Kids) > 0)
}

// list returns a multi-valued property in either shape it arrives in: one
// nested unnamed <Property> per item, or one `{a, b}` text.
func (r *record) list(prop string) []string {
	n := r.props[strings.ToLower(prop)]
	if n == nil {
		return nil
	}
	var items []string
	for i := range n.Kids {
		if _, named := n.Kids[i].name(); named {
			continue // a note property of a deserialised collection
		}
		s, err := scalar(&n.Kids[i])
		if err != nil {
			r.fail(prop, "", err)
			continue
		}
		items = append(items, s)
	}
	if len(items) == 1 && strings.HasPrefix(strings.TrimSpace(items[0]), "{") {
		return value.SplitMultiValued(items[0])
	}
	if len(items) == 0 && len(n.Kids) == 0 {
		return value.SplitMultiValued(n.Text)
	}
	return items
}

// boolean reads True/False; a null is a problem, not false.
func (r *record) boolean(prop string) bool {
	s := strings.TrimSpace(r.str(prop))
	switch {
	case strings.EqualFold(s, "True"):
		return true
	case strings.EqualFold(s, "False"):
		return false
	}
	r.fail(prop, s, errors.New("want True or False"))
	return false
}

// integer reads a whole number.
func (r *record) integer(prop string) int {
	s := strings.TrimSpace(r.str(prop))
	n, err := strconv.Atoi(s)
	if err != nil {
		r.fail(prop, s, errors.New("want a whole number"))
	}
	return n
}

// parsed runs parse on a non-empty scalar property and records its error.
func parsed[T any](r *record, prop string, parse func(string) (T, error)) T {
	var zero T
	s := r.str(prop)
	if strings.TrimSpace(s) == "" {
		return zero
	}
	v, err := parse(s)
	if err != nil {
		r.fail(prop, s, err)
		return zero
	}
	return v
}

// parsedList runs parse on every item of a multi-valued property.
func parsedList[T any](r *record, prop string, parse func(string) (T, error)) []T {
	var out []T
	for _, s := range r.list(prop) {
		v, err := parse(s)
		if err != nil {
			r.fail(prop, s, err)
			continue
		}
		out = append(out, v)
	}
	return out
}

// enum reads a plain enumeration in its canonical spelling. Deserialised
// enums may arrive as their number; numbers is the enum's value table for
// those, nil when the numbers are not known (then a number is a problem).
func enum(r *record, prop string, spec value.EnumSpec, numbers map[int]string) string {
	s := strings.TrimSpace(r.str(prop))
	if s == "" {
		return ""
	}
	if n, err := strconv.Atoi(s); err == nil {
		if name, ok := numbers[n]; ok {
			return name
		}
		r.fail(prop, s, fmt.Errorf("a number where a %s name was expected", spec.Name))
		return ""
	}
	v, err := spec.Parse(s)
	if err != nil {
		r.fail(prop, s, err)
		return ""
	}
	return v
}

// ParseErrors is every property an observation could not read.
type ParseErrors []*PropertyError

func (e ParseErrors) Error() string {
	msgs := make([]string, len(e))
	for i, p := range e {
		msgs[i] = p.Error()
	}
	return strings.Join(msgs, "; ")
}

// Is makes errors.Is(err, ErrUnreadable) true.
func (e ParseErrors) Is(target error) bool { return target == ErrUnreadable }

// frameRecords decodes one frame into records of kind.
func frameRecords(scan *stdoutScan, frame, kind, nameProp string) ([]*record, error) {
	doc, ok := scan.frames[frame]
	if !ok {
		return nil, fmt.Errorf("%w: no %s frame in the output", ErrUnreadable, frame)
	}
	objs, err := parseConvertToXML(doc)
	if err != nil {
		return nil, fmt.Errorf(msgRead+": %w", kind, err)
	}
	recs := make([]*record, len(objs))
	for i := range objs {
		recs[i] = newRecord(kind, &objs[i], nameProp)
	}
	return recs, nil
}
