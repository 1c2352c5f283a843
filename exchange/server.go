package exchange

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// ObservedServer is what Get-ExchangeServer says about the server a script
// ran on: enough to learn its version and check its role.
type ObservedServer struct {
	Name string `json:"name"`
	Fqdn string `json:"fqdn"`
	// AdminDisplayVersion as printed: "Version 15.2 (Build 986.5)".
	AdminDisplayVersion string `json:"adminDisplayVersion"`
	// Version is read from AdminDisplayVersion.
	Version      Version          `json:"version"`
	ServerRole   string           `json:"serverRole"`
	IsEdgeServer bool             `json:"isEdgeServer"`
	Problems     []*PropertyError `json:"problems,omitempty"`
}

// serverProperties are the properties observe selects.
var serverProperties = []string{"Name", "Fqdn", "AdminDisplayVersion", "ServerRole", "IsEdgeServer"}

const serverFrame = "server"

// serverPart reads the server itself. Get-ExchangeServer -Identity fails when
// the name is not an Exchange server of the organisation, which is the right
// outcome: the declaration names a server that does not exist.
func serverPart(name string) observePart {
	get := newCall("Get-ExchangeServer").Arg("Identity", lit(name))
	return observePart{frame: serverFrame, get: *get, props: serverProperties}
}

func parseServer(scan *stdoutScan, name string) (ObservedServer, error) {
	recs, err := frameRecords(scan, serverFrame, "Exchange server", "Name")
	if err != nil {
		return ObservedServer{}, err
	}
	if len(recs) != 1 {
		return ObservedServer{}, fmt.Errorf("%w: Get-ExchangeServer %s returned %d objects, want 1", ErrUnreadable, name, len(recs))
	}
	r := recs[0]
	s := ObservedServer{
		Name:                r.str("Name"),
		Fqdn:                r.str("Fqdn"),
		AdminDisplayVersion: r.str("AdminDisplayVersion"),
		ServerRole:          r.str("ServerRole"),
		IsEdgeServer:        r.boolean("IsEdgeServer"),
	}
	v, err := ParseAdminDisplayVersion(s.AdminDisplayVersion)
	if err != nil {
		r.fail("AdminDisplayVersion", s.AdminDisplayVersion, err)
	}
	s.Version = v
	s.Problems = r.problems
	return s, nil
}

// seFirstBuild is the build of Exchange SE RTM (15.2.2562.17); SE keeps the
// 15.2 major.minor of 2019, so only the build tells them apart.
const seFirstBuild = 2562

var adminVersionPattern = regexp.MustCompile(`(\d+)\.(\d+)(?:\s*\(Build\s*|\.)?(\d+)?`)

// ParseAdminDisplayVersion reads AdminDisplayVersion ("Version 14.3 (Build
// 123.4)", or a bare "15.2.986.5"): 14.x is 2010, 15.0 2013, 15.1 2016, 15.2
// 2019 below build 2562 and SE from it.
func ParseAdminDisplayVersion(s string) (Version, error) {
	m := adminVersionPattern.FindStringSubmatch(s)
	if m == nil {
		return VersionUnknown, fmt.Errorf("%w: %q is not an Exchange version", ErrUnknownVersion, s)
	}
	major, _ := strconv.Atoi(m[1])
	minor, _ := strconv.Atoi(m[2])
	build := -1
	if m[3] != "" {
		build, _ = strconv.Atoi(m[3])
	}
	switch {
	case major == 14:
		return Exchange2010, nil
	case major == 15 && minor == 0:
		return Exchange2013, nil
	case major == 15 && minor == 1:
		return Exchange2016, nil
	case major == 15 && minor == 2 && build >= seFirstBuild:
		return ExchangeSE, nil
	case major == 15 && minor == 2 && build >= 0:
		return Exchange2019, nil
	}
	return VersionUnknown, fmt.Errorf("%w: %q (exreconcile knows 14.x = 2010 to 15.2 = 2019/SE)", ErrUnknownVersion, strings.TrimSpace(s))
}
