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
		if c, ok := obj.(*TrustedRootCertificate); ok {
			c.defaultServers(org)
		}
	}
	st.duplicates()
}

// identityKey is one key two objects may not share: the object's Identity, and for a
// certificate also its thumbprint (one certificate declared under two names would be imported
// and enabled twice). label names it in a message, path is the field the message points at.
type identityKey struct{ key, label, path string }

// identityKeys returns the keys of obj. Names of connectors, servers and thumbprints compare
// case-insensitively, as Exchange compares them.
func (s *Site) identityKeys(obj Object) []identityKey {
	o, ok := obj.(Identified)
	if !ok {
		return nil
	}
	id := s.IdentityOf(o)
	k := identityKey{key: id.Key(), label: id.String(), path: "metadata.name"}
	switch c := obj.(type) {
	case *TransportConfig:
		k.label, k.path = "", ""
	case *HybridConfiguration:
		k.label = "the organisation's one HybridConfiguration"
	case *ExchangeCertificate:
		keys := []identityKey{k}
		if c.Spec.Thumbprint != "" {
			keys = append(keys, identityKey{key: "thumbprint/" + id.Organization + "/" + strings.ToLower(c.Spec.Thumbprint),
				label: fmt.Sprintf("ExchangeCertificate with thumbprint %s", c.NormalizedThumbprint()), path: "spec.thumbprint"})
		}
		return keys
	}
	return []identityKey{k}
}

// duplicates reports objects that share an identity. Each occurrence gets its own error listing
// the other places, so that whichever file the author opens shows the clash.
func (st *loadState) duplicates() {
	s := st.site
	groups := map[string][]Object{}
	keys := map[string]identityKey{}
	var order []string
	for _, obj := range s.Objects {
		if obj.GetName() == "" {
			continue // already reported as missing
		}
		if _, isOrg := obj.(*ExchangeOrganization); !isOrg && s.Organization(obj) == nil {
			continue // its identity is not known
		}
		for _, k := range s.identityKeys(obj) {
			if _, seen := groups[k.key]; !seen {
				order = append(order, k.key)
				keys[k.key] = k
			}
			groups[k.key] = append(groups[k.key], obj)
		}
	}
	for _, key := range order {
		objs := groups[key]
		if len(objs) < 2 {
			continue
		}
		k := keys[key]
		for i, obj := range objs {
			var others []string
			for j, other := range objs {
				if i != j {
					others = append(others, s.where(other, k.path))
				}
			}
			label := k.label
			for _, own := range s.identityKeys(obj) {
				if own.key == key {
					label = own.label // as this object writes its name
				}
			}
			msg := fmt.Sprintf(msgDuplicate, label, strings.Join(others, ", "))
			if _, ok := obj.(*TransportConfig); ok {
				msg = fmt.Sprintf(msgDuplicateTransCfg, s.Organization(obj).Name, strings.Join(others, ", "))
			}
			st.objectError(obj, RuleDuplicate, k.path, msg)
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
