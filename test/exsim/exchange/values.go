package exchange

import (
	"fmt"
	"math"
	"math/big"
	"strconv"
	"strings"
	"time"
)

// Version is an Exchange Server major version.
type Version int

// The versions exsim simulates, oldest first.
const (
	V2010 Version = iota + 1
	V2013
	V2016
	V2019
	VSE
)

// ParseVersion reads "2010", "2013", "2016", "2019" or "SE" (case-insensitive).
func ParseVersion(s string) (Version, error) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "2010":
		return V2010, nil
	case "2013":
		return V2013, nil
	case "2016":
		return V2016, nil
	case "2019":
		return V2019, nil
	case "SE":
		return VSE, nil
	}
	return 0, fmt.Errorf("unknown Exchange version %q (want 2010, 2013, 2016, 2019 or SE)", s)
}

func (v Version) String() string {
	switch v {
	case V2010:
		return "2010"
	case V2013:
		return "2013"
	case V2016:
		return "2016"
	case V2019:
		return "2019"
	case VSE:
		return "SE"
	}
	return fmt.Sprintf("Version(%d)", int(v))
}

// Role is the server role: Mailbox (2010: Hub Transport with the other
// roles) or Edge Transport.
type Role int

// The roles.
const (
	Mailbox Role = iota
	Edge
)

// ParseRole reads "Mailbox" or "Edge" (case-insensitive).
func ParseRole(s string) (Role, error) {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "", "mailbox":
		return Mailbox, nil
	case "edge":
		return Edge, nil
	}
	return 0, fmt.Errorf("unknown server role %q (want Mailbox or Edge)", s)
}

func (r Role) String() string {
	if r == Edge {
		return "Edge"
	}
	return "Mailbox"
}

// scalar is a .NET value that prints as text: an enum, a size, a time span,
// a date. typ is GetType().ToString() (prefixed "Deserialized." when the
// object came through a remote session).
type scalar struct {
	typ  string
	text string
}

func (s scalar) TypeName() string { return s.typ }
func (s scalar) String() string   { return s.text }

// enumDef describes a .NET enum: names and values in declaration order.
type enumDef struct {
	typ    string
	flags  bool
	names  []string
	values []uint64
}

func newEnum(typ string, flags bool, pairs ...any) *enumDef {
	e := &enumDef{typ: typ, flags: flags}
	for i := 0; i < len(pairs); i += 2 {
		e.names = append(e.names, pairs[i].(string))
		e.values = append(e.values, uint64(pairs[i+1].(int)))
	}
	return e
}

// The Exchange enums exsim knows. Numeric values are from the [HC] CLIXML
// where seen (docs/exchange.md "Flag enums"); the others keep the documented order [INFER].
var (
	authMechanisms = newEnum("Microsoft.Exchange.Data.Directory.SystemConfiguration.AuthMechanisms", true,
		"None", 0, "Tls", 1, "Integrated", 2, "BasicAuth", 4, "BasicAuthRequireTLS", 8, "ExchangeServer", 16, "ExternalAuthoritative", 32)
	permissionGroups = newEnum("Microsoft.Exchange.Data.PermissionGroups", true,
		"None", 0, "AnonymousUsers", 1, "ExchangeUsers", 2, "ExchangeServers", 4, "ExchangeLegacyServers", 8, "Partners", 16, "Custom", 32)
	allowedServices = newEnum("Microsoft.Exchange.Management.SystemConfigurationTasks.AllowedServices", true,
		"None", 0, "IMAP", 1, "POP", 2, "UM", 4, "IIS", 8, "SMTP", 16, "Federation", 32, "UMCallRouter", 64)
	smartHostAuth = newEnum("Microsoft.Exchange.Data.Directory.SystemConfiguration.SmtpSendConnectorConfig+AuthMechanisms", false,
		"None", 0, "BasicAuth", 1, "BasicAuthRequireTLS", 2, "ExchangeServer", 3, "ExternalAuthoritative", 4)
	tlsAuthLevels = newEnum("Microsoft.Exchange.Data.TlsAuthLevel", false,
		"EncryptionOnly", 1, "CertificateValidation", 2, "DomainValidation", 4)
	protocolLogging = newEnum("Microsoft.Exchange.Data.ProtocolLoggingLevel", false, "None", 0, "Verbose", 1)
	errorPolicies   = newEnum("Microsoft.Exchange.Data.ErrorPolicies", true,
		"Default", 0, "DowngradeDnsFailures", 1, "DowngradeCustomFailures", 2, "UpgradeCustomFailures", 4)
	connectorTypes = newEnum("Microsoft.Exchange.Data.SendConnectorType", false, "Default", 0, "XPremises", 1)
	transportRoles = newEnum("Microsoft.Exchange.Data.Directory.SystemConfiguration.ServerRole", true,
		"HubTransport", 32, "FrontendTransport", 16384)
	sizeModes      = newEnum("Microsoft.Exchange.Data.SizeMode", false, "Disabled", 0, "Enabled", 1, "EnabledWithoutValue", 2)
	rateSources    = newEnum("Microsoft.Exchange.Data.MessageRateSourceFlags", true, "None", 0, "IPAddress", 1, "User", 2, "All", 3)
	extProtections = newEnum("Microsoft.Exchange.Data.Directory.SystemConfiguration.ExtendedProtectionPolicySetting", false,
		"None", 0, "Allow", 1, "Require", 2)
	receiveUsages = newEnum("Microsoft.Exchange.Management.SystemConfigurationTasks.NewReceiveConnector+UsageType", false,
		"Custom", 0, "Internet", 1, "Internal", 2, "Client", 3, "Partner", 4)
	sendUsages = newEnum("Microsoft.Exchange.Management.SystemConfigurationTasks.NewSendConnector+UsageType", false,
		"Custom", 0, "Internal", 1, "Internet", 2, "Partner", 3)
)

// value returns the numeric value of name (case-insensitive).
func (e *enumDef) value(name string) (uint64, bool) {
	for i, n := range e.names {
		if strings.EqualFold(n, name) {
			return e.values[i], true
		}
	}
	return 0, false
}

// must returns the value of a name known to exist.
func (e *enumDef) must(names ...string) uint64 {
	var v uint64
	for _, n := range names {
		x, ok := e.value(n)
		if !ok {
			panic("enum " + e.typ + " has no " + n)
		}
		v |= x
	}
	return v
}

// parse converts a PowerShell argument to the enum the way
// LanguagePrimitives does: a name, "a, b" for flags, an array of names for
// flags, or a number.
func (e *enumDef) parse(v any) (uint64, error) {
	var parts []string
	switch x := v.(type) {
	case string:
		if e.flags {
			parts = strings.Split(x, ",")
		} else {
			parts = []string{x}
		}
	case []any:
		if !e.flags && len(x) != 1 {
			return 0, e.convErr(v)
		}
		var out uint64
		for _, item := range x {
			n, err := e.parse(item)
			if err != nil {
				return 0, err
			}
			out |= n
		}
		return out, nil
	case []string:
		items := make([]any, len(x))
		for i := range x {
			items[i] = x[i]
		}
		return e.parse(items)
	case int, int64, float64:
		n, _ := toInt64(x)
		return uint64(n), nil
	case fmt.Stringer:
		return e.parse(x.String())
	default:
		return 0, e.convErr(v)
	}
	var out uint64
	for _, p := range parts {
		p = strings.TrimSpace(p)
		if n, err := strconv.ParseUint(p, 10, 64); err == nil {
			out |= n
			continue
		}
		n, ok := e.value(p)
		if !ok {
			return 0, &convError{value: fmt.Sprint(v), typ: e.typ, detail: fmt.Sprintf(
				"Unable to match the identifier name %s to a valid enumerator name.  Specify one of the following enumerator names and try again: %s",
				p, strings.Join(e.names, ", ")), enum: true}
		}
		out |= n
	}
	return out, nil
}

func (e *enumDef) convErr(v any) error {
	return &convError{value: fmt.Sprint(v), typ: e.typ, enum: true, detail: fmt.Sprintf(
		"Specify one of the following enumerator names and try again: %s", strings.Join(e.names, ", "))}
}

// format prints v as .NET Enum.ToString does: an exact name if one matches,
// otherwise (flags) the set bits' names in ascending numeric order.
func (e *enumDef) format(v uint64) string {
	for i, x := range e.values {
		if x == v {
			return e.names[i]
		}
	}
	if !e.flags {
		return strconv.FormatUint(v, 10)
	}
	var names []string
	rest := v
	for i, x := range e.values {
		if x != 0 && x&(x-1) == 0 && v&x == x {
			names = append(names, e.names[i])
			rest &^= x
		}
	}
	if rest != 0 {
		return strconv.FormatUint(v, 10)
	}
	return strings.Join(names, ", ")
}

// convError is a value that could not be converted to a parameter's type.
// The cmdlet turns it into PowerShell's binding error for the parameter.
type convError struct {
	value  string
	typ    string
	detail string
	enum   bool // enum conversions are CannotConvertArgument, others transformation errors
}

func (e *convError) Error() string {
	return fmt.Sprintf("Cannot convert value %q to type %q. Error: %q", e.value, e.typ, e.detail)
}

func badValue(v any, typ, format string, args ...any) error {
	return &convError{value: fmt.Sprint(v), typ: typ, detail: fmt.Sprintf(format, args...)}
}

// toInt64 converts the numeric forms an argument can take.
func toInt64(v any) (int64, bool) {
	switch x := v.(type) {
	case int:
		return int64(x), true
	case int64:
		return x, true
	case int32:
		return int64(x), true
	case uint64:
		return int64(x), true
	case float64:
		if x == math.Trunc(x) {
			return int64(x), true
		}
	case string:
		n, err := strconv.ParseInt(strings.TrimSpace(x), 10, 64)
		return n, err == nil
	}
	return 0, false
}

// byteSize is a ByteQuantifiedSize or Unlimited<ByteQuantifiedSize>.
type byteSize struct {
	Bytes     uint64
	Unlimited bool
}

var sizeUnits = []struct {
	name string
	mult uint64
}{{"TB", 1 << 40}, {"GB", 1 << 30}, {"MB", 1 << 20}, {"KB", 1 << 10}, {"B", 1}}

// parseSize reads 10MB, 10 MB, 1.5GB, 65536, unlimited (when allowed) and
// the output form "10 MB (10,485,760 bytes)".
func parseSize(v any, allowUnlimited bool, typ string) (byteSize, error) {
	if n, ok := toInt64(v); ok && !isString(v) {
		if n < 0 {
			return byteSize{}, badValue(v, typ, "The value %d is negative.", n)
		}
		return byteSize{Bytes: uint64(n)}, nil
	}
	s := strings.TrimSpace(fmt.Sprint(v))
	if strings.EqualFold(s, "unlimited") {
		if !allowUnlimited {
			return byteSize{}, badValue(v, typ, "Unlimited is not a valid value for this parameter.")
		}
		return byteSize{Unlimited: true}, nil
	}
	if i := strings.Index(s, "("); i > 0 && strings.HasSuffix(s, "bytes)") {
		digits := strings.NewReplacer(",", "", " ", "", "bytes)", "").Replace(s[i+1:])
		n, err := strconv.ParseUint(digits, 10, 64)
		if err == nil {
			return byteSize{Bytes: n}, nil
		}
	}
	upper := strings.ToUpper(strings.ReplaceAll(s, " ", ""))
	mult := uint64(1)
	for _, u := range sizeUnits {
		if strings.HasSuffix(upper, u.name) {
			upper, mult = strings.TrimSuffix(upper, u.name), u.mult
			break
		}
	}
	f, ok := new(big.Float).SetString(upper)
	if !ok || f.Sign() < 0 {
		return byteSize{}, badValue(v, typ, "The value %q isn't a valid size. Valid units are B, KB, MB, GB and TB.", s)
	}
	f.Mul(f, new(big.Float).SetUint64(mult))
	n, _ := f.Uint64()
	return byteSize{Bytes: n}, nil
}

func isString(v any) bool { _, ok := v.(string); return ok }

// String prints as ByteQuantifiedSize.ToString: "36 MB (37,748,736 bytes)".
func (b byteSize) String() string {
	if b.Unlimited {
		return "Unlimited"
	}
	unit := sizeUnits[len(sizeUnits)-1]
	for _, u := range sizeUnits {
		if b.Bytes >= u.mult {
			unit = u
			break
		}
	}
	q := strconv.FormatFloat(math.Round(float64(b.Bytes)/float64(unit.mult)*1000)/1000, 'f', -1, 64)
	return fmt.Sprintf("%s %s (%s bytes)", q, unit.name, groupDigits(b.Bytes))
}

// encode is the state-file form: "36MB" when whole, else bytes.
func (b byteSize) encode() string {
	if b.Unlimited {
		return "unlimited"
	}
	for _, u := range sizeUnits[:4] {
		if b.Bytes != 0 && b.Bytes%u.mult == 0 {
			return fmt.Sprintf("%d%s", b.Bytes/u.mult, u.name)
		}
	}
	return strconv.FormatUint(b.Bytes, 10)
}

func groupDigits(n uint64) string {
	s := strconv.FormatUint(n, 10)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

// unlimitedInt is an Unlimited<Int32>.
type unlimitedInt struct {
	N         int64
	Unlimited bool
}

func (u unlimitedInt) String() string {
	if u.Unlimited {
		return "Unlimited"
	}
	return strconv.FormatInt(u.N, 10)
}

func parseUnlimitedInt(v any, typ string) (unlimitedInt, error) {
	if s, ok := v.(string); ok && strings.EqualFold(strings.TrimSpace(s), "unlimited") {
		return unlimitedInt{Unlimited: true}, nil
	}
	n, ok := toInt64(v)
	if !ok {
		return unlimitedInt{}, badValue(v, typ, "The value %q isn't a number or 'unlimited'.", fmt.Sprint(v))
	}
	return unlimitedInt{N: n}, nil
}

// parseTimeSpan reads .NET TimeSpan text: [d.]hh:mm[:ss[.fff]] or a whole
// number of days.
func parseTimeSpan(v any, typ string) (time.Duration, error) {
	s := strings.TrimSpace(fmt.Sprint(v))
	bad := badValue(v, typ, "The value %q isn't a valid time span. Use the format dd.hh:mm:ss.", s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	var days int64
	if !strings.Contains(s, ":") {
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return 0, bad
		}
		d := time.Duration(n) * 24 * time.Hour
		if neg {
			d = -d
		}
		return d, nil
	}
	if i := strings.Index(s, "."); i >= 0 && i < strings.Index(s, ":") {
		n, err := strconv.ParseInt(s[:i], 10, 64)
		if err != nil {
			return 0, bad
		}
		days, s = n, s[i+1:]
	}
	parts := strings.Split(s, ":")
	if len(parts) < 2 || len(parts) > 3 {
		return 0, bad
	}
	var fields [3]float64
	for i, p := range parts {
		f, err := strconv.ParseFloat(p, 64)
		if err != nil || f < 0 || (i < 2 && strings.Contains(p, ".")) {
			return 0, bad
		}
		fields[i] = f
	}
	if fields[0] > 23 || fields[1] > 59 || fields[2] >= 60 {
		return 0, bad
	}
	d := time.Duration(days)*24*time.Hour + time.Duration(fields[0])*time.Hour +
		time.Duration(fields[1])*time.Minute + time.Duration(fields[2]*float64(time.Second))
	if neg {
		d = -d
	}
	return d, nil
}

// formatTimeSpan prints as TimeSpan.ToString(): "00:10:00", "7.00:00:00".
func formatTimeSpan(d time.Duration) string {
	sign := ""
	if d < 0 {
		sign, d = "-", -d
	}
	days := d / (24 * time.Hour)
	d -= days * 24 * time.Hour
	h, m, s := d/time.Hour, (d%time.Hour)/time.Minute, (d%time.Minute)/time.Second
	frac := d % time.Second
	out := fmt.Sprintf("%02d:%02d:%02d", h, m, s)
	if days > 0 {
		out = fmt.Sprintf("%d.%s", days, out)
	}
	if frac > 0 {
		out += fmt.Sprintf(".%07d", frac/100)
	}
	return sign + out
}

// formatDate prints a DateTime as the en-US host does ("8/21/2021 10:43:54 AM").
func formatDate(t time.Time) string {
	return t.Format("1/2/2006 3:04:05 PM")
}
