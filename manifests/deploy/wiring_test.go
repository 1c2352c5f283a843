package deploy

import (
	"crypto/x509"
	"encoding/pem"
	"fmt"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"

	"github.com/exreconcile/exreconcile/api/v1alpha1"
)

// fileArgs returns the values of -f / --filename in args.
func fileArgs(args []string) []string {
	var out []string
	for i := 0; i < len(args); i++ {
		a := args[i]
		switch {
		case a == "-f" || a == "--filename":
			if i+1 < len(args) {
				out = append(out, args[i+1])
				i++
			}
		case strings.HasPrefix(a, "-f="):
			out = append(out, strings.TrimPrefix(a, "-f="))
		case strings.HasPrefix(a, "--filename="):
			out = append(out, strings.TrimPrefix(a, "--filename="))
		}
	}
	return out
}

// mountedFiles returns the files that the volume mounted in c at the longest mountPath holding
// p shows, by path relative to that mountPath, and that mountPath. ok is false when p is on no
// mount of a ConfigMap or Secret declared here.
func (b *bundle) mountedFiles(pod *corev1.PodSpec, c corev1.Container, p string) (files map[string]string, mountPath string, err error) {
	var best *corev1.VolumeMount
	for i, m := range c.VolumeMounts {
		mp := strings.TrimSuffix(m.MountPath, "/")
		if (p == mp || strings.HasPrefix(p, mp+"/")) && (best == nil || len(mp) > len(strings.TrimSuffix(best.MountPath, "/"))) {
			best = &c.VolumeMounts[i]
		}
	}
	if best == nil {
		return nil, "", fmt.Errorf("%s is on no volumeMount", p)
	}
	var vol *corev1.Volume
	for i := range pod.Volumes {
		if pod.Volumes[i].Name == best.Name {
			vol = &pod.Volumes[i]
		}
	}
	if vol == nil {
		return nil, "", fmt.Errorf("volumeMount %s names no volume", best.Name)
	}
	if !best.ReadOnly {
		return nil, "", fmt.Errorf("volumeMount %s of %s is not readOnly", best.Name, p)
	}
	var data map[string]string
	var items []corev1.KeyToPath
	switch {
	case vol.ConfigMap != nil:
		cm := b.configMaps[vol.ConfigMap.Name]
		if cm == nil {
			return nil, "", fmt.Errorf("volume %s: ConfigMap %q is not declared here", vol.Name, vol.ConfigMap.Name)
		}
		data, items = map[string]string{}, vol.ConfigMap.Items
		for k, v := range cm.Data {
			data[k] = v
		}
		for k, v := range cm.BinaryData {
			data[k] = string(v)
		}
	case vol.Secret != nil:
		s := b.secrets[vol.Secret.SecretName]
		if s == nil {
			return nil, "", fmt.Errorf("volume %s: Secret %q is not declared here", vol.Name, vol.Secret.SecretName)
		}
		data, items = map[string]string{}, vol.Secret.Items
		for k, v := range s.StringData {
			data[k] = v
		}
		for k, v := range s.Data {
			data[k] = string(v)
		}
	default:
		return nil, "", fmt.Errorf("volume %s holding %s is neither a ConfigMap nor a Secret", vol.Name, p)
	}
	files = map[string]string{}
	if best.SubPath != "" {
		return nil, "", fmt.Errorf("volumeMount %s uses subPath, which never updates", best.Name)
	}
	if len(items) == 0 {
		for k, v := range data {
			files[k] = v
		}
	} else {
		for _, it := range items {
			v, ok := data[it.Key]
			if !ok {
				return nil, "", fmt.Errorf("volume %s: items names missing key %q", vol.Name, it.Key)
			}
			files[it.Path] = v
		}
	}
	return files, strings.TrimSuffix(best.MountPath, "/"), nil
}

// TestCommandsReferenceMountedFiles: every -f of every container names a ConfigMap mount (or a
// file in one) whose ConfigMap is declared here and holds manifests.
func TestCommandsReferenceMountedFiles(t *testing.T) {
	b := load(t)
	for _, w := range b.workloads() {
		for _, c := range w.pod.Spec.Containers {
			where := w.name + " container " + c.Name
			paths := fileArgs(c.Args)
			if len(paths) == 0 {
				t.Errorf("%s: no -f in args %q", where, c.Args)
			}
			for _, f := range paths {
				files, mp, err := b.mountedFiles(&w.pod.Spec, c, f)
				if err != nil {
					t.Errorf("%s: -f %s: %v", where, f, err)
					continue
				}
				rel := strings.TrimPrefix(strings.TrimPrefix(f, mp), "/")
				n := 0
				for name := range files {
					if (rel == "" || name == rel || strings.HasPrefix(name, rel+"/")) && (path.Ext(name) == ".yaml" || path.Ext(name) == ".yml") {
						n++
					}
				}
				if n == 0 {
					t.Errorf("%s: -f %s: the mount holds no *.yaml or *.yml file there", where, f)
				}
			}
		}
	}
}

// TestSiteManifestsAreValidAndWired loads the site the workloads read with exreconcile's own
// loader, then checks that every file a manifest names (caFile, pfxFile, certFile,
// passwordFrom.file) is mounted and every passwordFrom.env variable comes from the Secret.
func TestSiteManifestsAreValidAndWired(t *testing.T) {
	b := load(t)
	checked := 0
	for _, w := range b.workloads() {
		for _, c := range w.pod.Spec.Containers {
			where := w.name + " container " + c.Name
			for _, f := range fileArgs(c.Args) {
				files, mp, err := b.mountedFiles(&w.pod.Spec, c, f)
				if err != nil {
					continue // TestCommandsReferenceMountedFiles reports it
				}
				dir := t.TempDir()
				var manifests []string
				for name, content := range files {
					if ext := path.Ext(name); ext != ".yaml" && ext != ".yml" {
						continue
					}
					p := filepath.Join(dir, filepath.FromSlash(name))
					if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
						t.Fatal(err)
					}
					if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
						t.Fatal(err)
					}
					manifests = append(manifests, name)
				}
				sort.Strings(manifests)
				rel := strings.TrimPrefix(strings.TrimPrefix(f, mp), "/")
				_, diags := v1alpha1.Loader{}.LoadAndValidate(filepath.Join(dir, filepath.FromSlash(rel)))
				for _, d := range diags {
					// Name the files as the pod sees them, not by the temporary folder.
					msg := strings.ReplaceAll(d.String(), dir, mp)
					if d.Severity == v1alpha1.SeverityError {
						t.Errorf("%s: -f %s: %s", where, f, msg)
					} else {
						t.Logf("%s: -f %s: %s", where, f, msg)
					}
				}
				for _, name := range manifests {
					checkSiteReferences(t, b, w, c, path.Join(mp, name), files[name])
				}
				checked++
			}
		}
	}
	if checked == 0 {
		t.Fatal("no site manifests found to check")
	}
}

// fileFields are the manifest fields that name a file exreconcile opens.
var fileFields = map[string]bool{"caFile": true, "pfxFile": true, "certFile": true}

// checkSiteReferences checks the files and environment variables that one site manifest,
// mounted at manifestPath in container c, refers to.
func checkSiteReferences(t *testing.T, b *bundle, w workload, c corev1.Container, manifestPath, content string) {
	t.Helper()
	where := fmt.Sprintf("%s container %s: %s", w.name, c.Name, manifestPath)
	docs, err := splitDocuments([]byte(content))
	if err != nil {
		t.Errorf("%s: %v", where, err)
		return
	}
	resolve := func(p string) string {
		if path.IsAbs(p) {
			return path.Clean(p)
		}
		return path.Join(path.Dir(manifestPath), p)
	}
	checkFile := func(field, p string) {
		abs := resolve(p)
		files, mp, err := b.mountedFiles(&w.pod.Spec, c, abs)
		if err != nil {
			t.Errorf("%s: %s %s: %v", where, field, p, err)
			return
		}
		data, ok := files[strings.TrimPrefix(strings.TrimPrefix(abs, mp), "/")]
		if !ok {
			t.Errorf("%s: %s %s: the volume at %s has no such file", where, field, p, mp)
			return
		}
		if field == "caFile" {
			checkCABundle(t, where+": "+abs, data)
		}
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			if key == "passwordFrom" {
				if env, ok := v["env"].(string); ok {
					if ok, _ := envFromSecret(c, env); !ok {
						t.Errorf("%s: passwordFrom.env %s is not set from a Secret in the container", where, env)
					}
				}
				if f, ok := v["file"].(string); ok {
					checkFile("passwordFrom.file", f)
				}
			}
			for k, x := range v {
				walk(k, x)
			}
		case []any:
			for _, x := range v {
				walk(key, x)
			}
		case string:
			if fileFields[key] {
				checkFile(key, v)
			}
		}
	}
	for _, d := range docs {
		var m map[string]any
		if err := yaml.Unmarshal(d.data, &m); err != nil {
			t.Errorf("%s:%d: %v", where, d.line, err)
			continue
		}
		walk("", m)
	}
}

// checkCABundle checks that data is one or more PEM certificates that parse.
func checkCABundle(t *testing.T, where, data string) {
	t.Helper()
	rest := []byte(data)
	n := 0
	for {
		var blk *pem.Block
		blk, rest = pem.Decode(rest)
		if blk == nil {
			break
		}
		if blk.Type != "CERTIFICATE" {
			t.Errorf("%s: PEM block %q, want CERTIFICATE", where, blk.Type)
			continue
		}
		cert, err := x509.ParseCertificate(blk.Bytes)
		if err != nil {
			t.Errorf("%s: %v", where, err)
			continue
		}
		if !cert.IsCA {
			t.Errorf("%s: %s is not a CA certificate", where, cert.Subject)
		}
		n++
	}
	if n == 0 || strings.TrimSpace(string(rest)) != "" {
		t.Errorf("%s: want only PEM certificates, found %d and %d stray bytes", where, n, len(strings.TrimSpace(string(rest))))
	}
}
