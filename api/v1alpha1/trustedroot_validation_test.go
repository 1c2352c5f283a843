package v1alpha1

import "testing"

func root(name, spec string) string { return doc(KindTrustedRootCertificate, name, spec) }

var trustedRootCases = map[string]ruleCase{
	"Valid": {
		reason: "Seed 000 §6: the partner's root CA on every server.",
		docs:   []string{root("ssha-root", `{file: certs/ssha-root.cer}`)},
	},
	"ValidAbsent": {
		reason: "A root no longer trusted is removed from the listed servers.",
		docs:   []string{root("old-root", `{file: certs/old-root.pem, servers: [WIN20081], ensure: Absent}`)},
	},
	"PFX": {
		reason: "A root is the CA's public certificate, never a file with a private key.",
		docs:   []string{root("r", `{file: certs/ca.pfx}`)},
		want:   []string{"error TrustedRootFile spec.file"},
	},
	"ServersEmpty": {
		reason: "A root on no server manages nothing.",
		docs:   []string{root("r", `{file: ca.cer, servers: []}`)},
		want:   []string{"error TrustedRootServers spec.servers"},
	},
	"ServerUndeclared": {
		reason: "exreconcile can only reach declared servers.",
		docs:   []string{root("r", `{file: ca.cer, servers: [WIN20089]}`)},
		want:   []string{"error TrustedRootServers spec.servers[0]"},
	},
	"ServerTwice": {
		reason: "A set lists each server once.",
		docs:   []string{root("r", `{file: ca.cer, servers: [EDGE1, edge1]}`)},
		want:   []string{"error TrustedRootServers spec.servers[1]"},
	},
}

func init() { allRuleCases["trustedroot"] = trustedRootCases }

func TestTrustedRootRules(t *testing.T) { runRuleCases(t, "trustedroot", trustedRootCases) }

// Left out, servers are every server of the organisation, the Edge included.
func TestTrustedRootDefaultServers(t *testing.T) {
	site, diags := Parse("site.yaml", []byte(testOrg+"---\n"+root("r", `{file: ca.cer}`)))
	if diags.HasErrors() {
		t.Fatal(diags)
	}
	roots := site.TrustedRootCertificates()
	if len(roots) != 1 || len(roots[0].Spec.Servers) != 3 || roots[0].Spec.Ensure != EnsurePresent {
		t.Fatalf("defaults: %+v", roots)
	}
}
