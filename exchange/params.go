package exchange

import (
	_ "embed"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// paramsTSV is every parameter of the Exchange cmdlets exreconcile uses, from
// Microsoft's reference, with the Exchange versions each exists in (columns:
// cmdlet, parameter, type, required, parameter_set, applicable). exsim refuses
// the same parameters with PowerShell's own error, so checking here turns a
// failed apply into a plan-time message.
//
//go:embed params.tsv
var paramsTSV string

// Version is an Exchange Server major version.
type Version int

// Versions exreconcile supports. VersionUnknown is a server not observed yet.
const (
	VersionUnknown Version = iota
	Exchange2010
	Exchange2013
	Exchange2016
	Exchange2019
	ExchangeSE
)

var versionNames = map[Version]string{
	Exchange2010: "2010", Exchange2013: "2013", Exchange2016: "2016", Exchange2019: "2019", ExchangeSE: "SE",
}

// String returns 2010, 2013, 2016, 2019, SE or unknown.
func (v Version) String() string {
	if n, ok := versionNames[v]; ok {
		return n
	}
	return "unknown"
}

// MarshalText prints a Version as 2010 ... SE in JSON and YAML.
func (v Version) MarshalText() ([]byte, error) { return []byte(v.String()), nil }

// Known reports whether v is a real version.
func (v Version) Known() bool { _, ok := versionNames[v]; return ok }

// ParseVersion reads 2010, 2013, 2016, 2019 or SE (case-insensitive, with or
// without an "Exchange " prefix), as configuration and exsim name versions.
func ParseVersion(s string) (Version, error) {
	t := strings.TrimSpace(s)
	t = strings.TrimPrefix(strings.TrimPrefix(t, "Exchange "), "Exchange Server ")
	for v, n := range versionNames {
		if strings.EqualFold(t, n) {
			return v, nil
		}
	}
	return VersionUnknown, fmt.Errorf("%w: %q (want 2010, 2013, 2016, 2019 or SE)", ErrUnknownVersion, s)
}

// commonParameters are PowerShell's common parameters: every cmdlet has
// them, so params.tsv does not list them.
var commonParameters = []string{"ErrorAction", "WarningAction", "Verbose", "Debug",
	"ErrorVariable", "WarningVariable", "OutVariable", "OutBuffer"}

// paramIndex maps lower(cmdlet) -> lower(param) -> versions.
type paramIndex map[string]map[string]map[Version]bool

var (
	loadParamsOnce sync.Once
	params         paramIndex
	paramsErr      error
)

func paramTable() (paramIndex, error) {
	loadParamsOnce.Do(func() { params, paramsErr = parseParamsTSV(paramsTSV) })
	return params, paramsErr
}

// parseParamsTSV reads the table; the applicable column lists versions as
// "Exchange Server 2010, ..., Exchange Online".
func parseParamsTSV(text string) (paramIndex, error) {
	idx := paramIndex{}
	for i, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		if i == 0 {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			return nil, fmt.Errorf("params.tsv line %d: %d columns, want 6", i+1, len(f))
		}
		cmdlet, param := strings.ToLower(f[0]), strings.ToLower(f[1])
		if idx[cmdlet] == nil {
			idx[cmdlet] = map[string]map[Version]bool{}
		}
		if idx[cmdlet][param] == nil {
			idx[cmdlet][param] = map[Version]bool{}
		}
		for _, a := range strings.Split(f[5], ",") {
			a = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(a), "Exchange Server "))
			if v, err := ParseVersion(a); err == nil {
				idx[cmdlet][param][v] = true
			}
		}
	}
	return idx, nil
}

// IsExchangeCmdlet reports whether cmdlet is one of the Exchange cmdlets in
// params.tsv (and so must be imported from the Exchange session).
func IsExchangeCmdlet(cmdlet string) bool {
	idx, err := paramTable()
	return err == nil && idx[strings.ToLower(cmdlet)] != nil
}

// ParamSupported reports whether Exchange version v has parameter param on
// cmdlet, per params.tsv. Common parameters are always supported. An unknown
// version supports only what every version has, so a script built before the
// version is known cannot use a parameter some server lacks.
func ParamSupported(v Version, cmdlet, param string) bool {
	for _, c := range commonParameters {
		if strings.EqualFold(c, param) {
			return true
		}
	}
	idx, err := paramTable()
	if err != nil {
		return false
	}
	versions := idx[strings.ToLower(cmdlet)][strings.ToLower(param)]
	if v.Known() {
		return versions[v]
	}
	for known := range versionNames {
		if !versions[known] {
			return false
		}
	}
	return true
}

// CheckCall returns an *UnsupportedParameterError naming every parameter of
// an Exchange cmdlet call that version v does not have; nil when all exist.
// Calls of other cmdlets (Restart-Service) are not checked.
func CheckCall(v Version, c Call) error {
	if !IsExchangeCmdlet(c.Cmdlet) {
		return nil
	}
	var missing []string
	for _, p := range c.Params {
		if !ParamSupported(v, c.Cmdlet, p.Name) {
			missing = append(missing, p.Name)
		}
	}
	if len(missing) == 0 {
		return nil
	}
	return &UnsupportedParameterError{Version: v, Cmdlet: c.Cmdlet, Params: missing}
}

// FilterCall returns c without the parameters version v lacks, and their
// names. Use it only for parameters the builder added on its own; a declared
// field that the server cannot take must be refused with CheckCall instead,
// or it would be reported as drift forever.
func FilterCall(v Version, c Call) (Call, []string) {
	var dropped []string
	for _, p := range c.Params {
		if IsExchangeCmdlet(c.Cmdlet) && !ParamSupported(v, c.Cmdlet, p.Name) {
			dropped = append(dropped, p.Name)
		}
	}
	return c.Without(dropped...), dropped
}

// UnsupportedParameterError says which parameters an Exchange version lacks.
// It is terminal: the declaration asks for something the server cannot do.
type UnsupportedParameterError struct {
	Version Version
	Cmdlet  string
	Params  []string
}

func (e *UnsupportedParameterError) Error() string {
	p := append([]string(nil), e.Params...)
	sort.Strings(p)
	return fmt.Sprintf("%s on Exchange %s has no parameter %s", e.Cmdlet, e.Version, strings.Join(p, ", "))
}

// Is makes errors.Is(err, ErrUnsupported) true.
func (e *UnsupportedParameterError) Is(target error) bool { return target == ErrUnsupported }
