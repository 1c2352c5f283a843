package wsman

import (
	"crypto/rand"
	"encoding/xml"
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// Namespaces of the WS-Management (MS-WSMV) messages exsim reads and writes.
const (
	nsSoap      = "http://www.w3.org/2003/05/soap-envelope"
	nsAddress   = "http://schemas.xmlsoap.org/ws/2004/08/addressing"
	nsTransfer  = "http://schemas.xmlsoap.org/ws/2004/09/transfer"
	nsWSMan     = "http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd"
	nsMSWSMan   = "http://schemas.microsoft.com/wbem/wsman/1/wsman.xsd"
	nsShell     = "http://schemas.microsoft.com/wbem/wsman/1/windows/shell"
	nsFault     = "http://schemas.microsoft.com/wbem/wsman/1/wsmanfault"
	nsEventing  = "http://schemas.xmlsoap.org/ws/2004/08/eventing"
	nsEnumerate = "http://schemas.xmlsoap.org/ws/2004/09/enumeration"
)

// Actions and URIs of the WinRS shell protocol.
const (
	actionCreate   = nsTransfer + "/Create"
	actionDelete   = nsTransfer + "/Delete"
	actionCommand  = nsShell + "/Command"
	actionSend     = nsShell + "/Send"
	actionReceive  = nsShell + "/Receive"
	actionSignal   = nsShell + "/Signal"
	actionFault    = "http://schemas.dmtf.org/wbem/wsman/1/wsman/fault"
	resourceCmd    = nsShell + "/cmd"
	stateRunning   = nsShell + "/CommandState/Running"
	stateDone      = nsShell + "/CommandState/Done"
	signalTerm     = nsShell + "/signal/terminate"
	anonymousReply = "http://schemas.xmlsoap.org/ws/2004/08/addressing/role/anonymous"
)

// request is a parsed WS-Management request envelope. Only the parts the
// shell protocol uses are read; everything else is ignored as Windows does
// for elements without mustUnderstand.
type request struct {
	Header struct {
		Action           string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing Action"`
		MessageID        string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing MessageID"`
		To               string `xml:"http://schemas.xmlsoap.org/ws/2004/08/addressing To"`
		ResourceURI      string `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd ResourceURI"`
		OperationTimeout string `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OperationTimeout"`
		MaxEnvelopeSize  string `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd MaxEnvelopeSize"`
		SelectorSet      struct {
			Selectors []nameValue `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd Selector"`
		} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd SelectorSet"`
		OptionSet struct {
			Options []nameValue `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd Option"`
		} `xml:"http://schemas.dmtf.org/wbem/wsman/1/wsman.xsd OptionSet"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Header"`
	Body struct {
		Shell *struct {
			InputStreams  string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell InputStreams"`
			OutputStreams string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell OutputStreams"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Shell"`
		CommandLine *struct {
			Command   string   `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Command"`
			Arguments []string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Arguments"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell CommandLine"`
		Send *struct {
			Streams []streamElem `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Stream"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Send"`
		Receive *struct {
			DesiredStream streamElem `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell DesiredStream"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Receive"`
		Signal *struct {
			CommandID string `xml:"CommandId,attr"`
			Code      string `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Code"`
		} `xml:"http://schemas.microsoft.com/wbem/wsman/1/windows/shell Signal"`
	} `xml:"http://www.w3.org/2003/05/soap-envelope Body"`
}

// nameValue is a w:Selector or w:Option.
type nameValue struct {
	Name  string `xml:"Name,attr"`
	Value string `xml:",chardata"`
}

// streamElem is an rsp:Stream (Send) or rsp:DesiredStream (Receive).
type streamElem struct {
	Name      string `xml:"Name,attr"`
	CommandID string `xml:"CommandId,attr"`
	End       string `xml:"End,attr"`
	Data      string `xml:",chardata"`
}

// parseRequest decodes a request envelope.
func parseRequest(body []byte) (*request, error) {
	var env struct {
		XMLName xml.Name `xml:"http://www.w3.org/2003/05/soap-envelope Envelope"`
		request
	}
	if err := xml.Unmarshal(body, &env); err != nil {
		return nil, fmt.Errorf("cannot parse the SOAP envelope: %w", err)
	}
	req := &env.request
	req.Header.Action = strings.TrimSpace(req.Header.Action)
	req.Header.MessageID = strings.TrimSpace(req.Header.MessageID)
	req.Header.ResourceURI = strings.TrimSpace(req.Header.ResourceURI)
	if req.Header.Action == "" {
		return nil, errors.New("the SOAP envelope has no a:Action header")
	}
	return req, nil
}

// selector returns the value of the named w:Selector.
func (r *request) selector(name string) string {
	for _, s := range r.Header.SelectorSet.Selectors {
		if strings.EqualFold(s.Name, name) {
			return strings.TrimSpace(s.Value)
		}
	}
	return ""
}

// option returns the value of the named w:Option.
func (r *request) option(name string) (string, bool) {
	for _, o := range r.Header.OptionSet.Options {
		if strings.EqualFold(o.Name, name) {
			return strings.TrimSpace(o.Value), true
		}
	}
	return "", false
}

// commandLine joins rsp:Command and each rsp:Arguments with spaces, which is
// the line cmd.exe receives (WINRS_SKIP_CMD_SHELL=FALSE).
func (r *request) commandLine() string {
	cl := r.Body.CommandLine
	if cl == nil {
		return ""
	}
	parts := []string{cl.Command}
	for _, a := range cl.Arguments {
		if a != "" {
			parts = append(parts, a)
		}
	}
	return strings.Join(parts, " ")
}

// operationTimeout reads w:OperationTimeout, falling back to def when the
// header is absent or unreadable. Windows caps it at MaxTimeoutms; exsim caps
// at an hour so that a typo cannot park a request forever.
func (r *request) operationTimeout(def time.Duration) time.Duration {
	d, err := parseDuration(r.Header.OperationTimeout)
	if err != nil || d <= 0 {
		return def
	}
	return min(d, time.Hour)
}

// maxEnvelopeSize reads w:MaxEnvelopeSize (bytes), 153600 when absent as in
// the Windows client default.
func (r *request) maxEnvelopeSize() int {
	n, err := strconv.Atoi(strings.TrimSpace(r.Header.MaxEnvelopeSize))
	if err != nil || n < 8192 {
		return 153600
	}
	return n
}

// parseDuration reads an xs:duration such as PT60S, PT60.000S, PT1M30S or
// P0DT0H1M0S. Years and months are refused: they have no fixed length.
func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	rest, ok := strings.CutPrefix(s, "P")
	if !ok || rest == "" {
		return 0, fmt.Errorf("duration %q does not start with P", s)
	}
	var total float64
	inTime, parts := false, 0
	for rest != "" {
		if rest[0] == 'T' {
			inTime, rest = true, rest[1:]
			continue
		}
		i := strings.IndexAny(rest, "YMWDHS")
		if i <= 0 {
			return 0, fmt.Errorf("duration %q is malformed", s)
		}
		v, err := strconv.ParseFloat(rest[:i], 64)
		if err != nil || v < 0 {
			return 0, fmt.Errorf("duration %q has a bad number %q", s, rest[:i])
		}
		var unit float64
		switch u := rest[i]; {
		case u == 'W' && !inTime:
			unit = 7 * 24 * 3600
		case u == 'D' && !inTime:
			unit = 24 * 3600
		case u == 'H' && inTime:
			unit = 3600
		case u == 'M' && inTime:
			unit = 60
		case u == 'S' && inTime:
			unit = 1
		default:
			return 0, fmt.Errorf("duration %q uses an unsupported unit %q", s, string(u))
		}
		total += v * unit
		rest = rest[i+1:]
		parts++
	}
	if parts == 0 {
		return 0, fmt.Errorf("duration %q has no component", s)
	}
	if total*float64(time.Second) > math.MaxInt64 {
		return 0, fmt.Errorf("duration %q is too long", s)
	}
	return time.Duration(total * float64(time.Second)), nil
}

// formatDuration writes d as Windows does in rsp:Shell (P0DT0H1M0S).
func formatDuration(d time.Duration) string {
	secs := int64(d / time.Second)
	return fmt.Sprintf("P%dDT%dH%dM%dS", secs/86400, secs%86400/3600, secs%3600/60, secs%60)
}

// newUUID returns a random (version 4) UUID in the upper case Windows uses
// for ShellId, CommandId and MessageID.
func newUUID() string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(fmt.Sprintf("wsman: crypto/rand failed: %v", err))
	}
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return strings.ToUpper(fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:]))
}

// xmlText escapes s for element content and attribute values.
func xmlText(s string) string {
	var b strings.Builder
	_ = xml.EscapeText(&b, []byte(s))
	return b.String()
}

// envelope writes a reply envelope: the header every reply carries (Action,
// MessageID, To, RelatesTo) around body.
func envelope(action, relatesTo, body string) []byte {
	var b strings.Builder
	b.WriteString(`<s:Envelope xml:lang="en-US" xmlns:s="` + nsSoap + `" xmlns:a="` + nsAddress +
		`" xmlns:x="` + nsTransfer + `" xmlns:w="` + nsWSMan + `" xmlns:rsp="` + nsShell +
		`" xmlns:p="` + nsMSWSMan + `">`)
	writeHeader(&b, action, relatesTo)
	b.WriteString(`<s:Body>`)
	b.WriteString(body)
	b.WriteString(`</s:Body></s:Envelope>`)
	return []byte(b.String())
}

func writeHeader(b *strings.Builder, action, relatesTo string) {
	b.WriteString(`<s:Header><a:Action>` + xmlText(action) + `</a:Action>`)
	b.WriteString(`<a:MessageID>uuid:` + newUUID() + `</a:MessageID>`)
	b.WriteString(`<a:To>` + anonymousReply + `</a:To>`)
	if relatesTo != "" {
		b.WriteString(`<a:RelatesTo>` + xmlText(relatesTo) + `</a:RelatesTo>`)
	}
	b.WriteString(`</s:Header>`)
}
