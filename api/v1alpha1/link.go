package v1alpha1

import (
	"fmt"
	"slices"
	"strings"
)

// Error strings for linking objects to their organisation and to each other.
const (
	msgNoOrganization    = "no ExchangeOrganization is declared; every %s belongs to one"
	msgRefRequired       = "required when several ExchangeOrganizations are declared; declared: %s"
	msgUnknownRef        = "unknown ExchangeOrganization %q; declared: %s"
	msgUnknownRefCase    = "unknown ExchangeOrganization %q; did you mean %q?"
	msgDuplicate         = "%s is declared more than once: also at %s"
	msgDuplicateTransCfg = "organization %q has more than one TransportConfig: also at %s"
)

// link resolves every organizationRef, applies the defaults that need the organisation, and
// reports objects declared twice, pointing at every place.
func (st *loadState) link() {
	s := st.site
	orgs := s.Organizations()
	var names []string
	byName := map[string]*ExchangeOrganization{}
	for _, o := range orgs {
		names = append(names, o.Name)
		if _, dup := byName[o.Name]; !dup {
			byName[o.Name] = o
		}
	}
	declared := strings.Join(names, ", ")
	for _, obj := range s.Objects {
		if _, isOrg := obj.(*ExchangeOrganization); isOrg {
			continue
		}
		ref := obj.GetOrganizationRef()
		var org *ExchangeOrganization
		switch {
		case ref == "" && len(orgs) == 1:
			org = orgs[0]
		case ref == "" && len(orgs) == 0:
			st.objectError(obj, RuleOrganizations, "spec.organizationRef", fmt.Sprintf(msgNoOrganization, obj.GetKind()))
		case ref == "":
			st.objectError(obj, RuleOrganizations, "spec.organizationRef", fmt.Sprintf(msgRefRequired, declared))
		default:
			org = byName[ref]
			if org == nil {
				msg := fmt.Sprintf(msgUnknownRef, ref, declared)
				if len(orgs) == 0 {
					msg = fmt.Sprintf(msgNoOrganization, obj.GetKind())
				} else if i := slices.IndexFunc(names, func(n string) bool { return strings.EqualFold(n, ref) }); i >= 0 {
					msg = fmt.Sprintf(msgUnknownRefCase, ref, names[i])
				}
				st.objectError(obj, RuleOrganizations, "spec.organizationRef", msg)
			}
		}
		if org == nil {
			continue
		}
		s.orgOf[obj] = org
		if c, ok := obj.(*ExchangeCertificate); ok {
			c.defaultServers(org)
		}
	}
	st.duplicates()
}

// identity returns the key two objects may not share, and how to name it in a message. Names
// of connectors, servers and thumbprints compare case-insensitively, as Exchange compares them.
func (s *Site) identity(obj Object) (key, label string) {
	orgName := ""
	if org := s.Organization(obj); org != nil {
		orgName = org.Name
	}
	switch o := obj.(type) {
	case *ExchangeOrganization:
		return "org/" + o.Name, fmt.Sprintf("ExchangeOrganization %q", o.Name)
	case *SendConnector:
		return "send/" + orgName + "/" + strings.ToLower(o.Name), fmt.Sprintf("SendConnector %q", o.Name)
	case *ReceiveConnector:
		return "receive/" + orgName + "/" + strings.ToLower(o.Spec.Server) + `\` + strings.ToLower(o.Name),
			"ReceiveConnector " + quote(o.Identity())
	case *TransportConfig:
		return "transportconfig/" + orgName, ""
	case *ExchangeCertificate:
		return "cert/" + orgName + "/" + strings.ToLower(o.Spec.Thumbprint),
			fmt.Sprintf("ExchangeCertificate with thumbprint %s", o.NormalizedThumbprint())
	}
	return "", ""
}

// duplicates reports objects that share an identity. Each occurrence gets its own error listing
// the other places, so that whichever file the author opens shows the clash.
func (st *loadState) duplicates() {
	s := st.site
	groups := map[string][]Object{}
	var order []string
	for _, obj := range s.Objects {
		if obj.GetName() == "" {
			continue // already reported as missing
		}
		if _, isOrg := obj.(*ExchangeOrganization); !isOrg && s.Organization(obj) == nil {
			continue // its identity is not known
		}
		key, _ := s.identity(obj)
		if c, ok := obj.(*ExchangeCertificate); ok && c.Spec.Thumbprint == "" {
			continue
		}
		if _, seen := groups[key]; !seen {
			order = append(order, key)
		}
		groups[key] = append(groups[key], obj)
	}
	for _, key := range order {
		objs := groups[key]
		if len(objs) < 2 {
			continue
		}
		path := "metadata.name"
		switch objs[0].(type) {
		case *TransportConfig:
			path = ""
		case *ExchangeCertificate:
			path = "spec.thumbprint"
		}
		for i, obj := range objs {
			var others []string
			for j, other := range objs {
				if i != j {
					others = append(others, s.where(other, path))
				}
			}
			_, label := s.identity(obj)
			msg := fmt.Sprintf(msgDuplicate, label, strings.Join(others, ", "))
			if _, ok := obj.(*TransportConfig); ok {
				msg = fmt.Sprintf(msgDuplicateTransCfg, s.Organization(obj).Name, strings.Join(others, ", "))
			}
			st.objectError(obj, RuleDuplicate, path, msg)
		}
	}
}

// where names the place of an object's field for messages that point elsewhere
// ("site/a.yaml:12:5").
func (s *Site) where(obj Object, path string) string {
	org := s.origins[obj]
	if org == nil {
		return fmt.Sprintf("%s %q", obj.GetKind(), obj.GetName())
	}
	pos := org.position(path)
	return fmt.Sprintf("%s:%d:%d", org.file, pos.Line, pos.Column)
}

// objectError records an error about obj at a field path, positioned from obj's origin.
func (st *loadState) objectError(obj Object, rule, path, msg string) {
	st.diags = append(st.diags, st.site.diagnostic(obj, SeverityError, rule, path, msg))
}

// diagnostic builds a Diagnostic about obj, positioned at path (or the nearest enclosing field
// that is written down).
func (s *Site) diagnostic(obj Object, sev Severity, rule, path, msg string) Diagnostic {
	d := Diagnostic{Severity: sev, Kind: obj.GetKind(), Name: obj.GetName(), Path: path, Rule: rule, Message: msg}
	if org := s.origins[obj]; org != nil {
		pos := org.position(path)
		d.File, d.Line, d.Column = org.file, pos.Line, pos.Column
	}
	return d
}
