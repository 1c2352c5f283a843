package deploy

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	kjson "sigs.k8s.io/json"
	"sigs.k8s.io/yaml"
)

// ciDir holds CI pipeline examples: YAML, but not Kubernetes objects.
const ciDir = "ci"

// kustomization is the part of kustomize's Kustomization (kustomize.config.k8s.io/v1beta1) that
// these manifests use. It is decoded as strictly as the Kubernetes objects, so a field added to
// kustomization.yaml must be added here too.
type kustomization struct {
	APIVersion string           `json:"apiVersion"`
	Kind       string           `json:"kind"`
	Namespace  string           `json:"namespace,omitempty"`
	Resources  []string         `json:"resources"`
	Images     []kustomizeImage `json:"images,omitempty"`
}

// kustomizeImage is one entry of a Kustomization's images.
type kustomizeImage struct {
	Name    string `json:"name"`
	NewName string `json:"newName,omitempty"`
	NewTag  string `json:"newTag,omitempty"`
	Digest  string `json:"digest,omitempty"`
}

// kindType is the apiVersion a kind must be written with and the Go type it decodes into.
type kindType struct {
	apiVersion string
	new        func() any
}

// kinds is every kind allowed under manifests/deploy; any other kind fails the tests.
var kinds = map[string]kindType{
	"ServiceAccount": {"v1", func() any { return &corev1.ServiceAccount{} }},
	"Secret":         {"v1", func() any { return &corev1.Secret{} }},
	"ConfigMap":      {"v1", func() any { return &corev1.ConfigMap{} }},
	"Service":        {"v1", func() any { return &corev1.Service{} }},
	"Deployment":     {"apps/v1", func() any { return &appsv1.Deployment{} }},
	"CronJob":        {"batch/v1", func() any { return &batchv1.CronJob{} }},
	"Kustomization":  {"kustomize.config.k8s.io/v1beta1", func() any { return &kustomization{} }},
}

// decodeStrict decodes one YAML document into the Go type of its kind. It fails on an unknown
// kind, a wrong apiVersion, a field the type does not have (field names are case-sensitive, as
// in the API server), a duplicated field and a value of the wrong type.
func decodeStrict(data []byte) (kind string, obj any, err error) {
	j, err := yaml.YAMLToJSONStrict(data) // rejects duplicate keys
	if err != nil {
		return "", nil, err
	}
	var tm metav1.TypeMeta
	if err := json.Unmarshal(j, &tm); err != nil {
		return "", nil, fmt.Errorf("not a Kubernetes object: %w", err)
	}
	kt, ok := kinds[tm.Kind]
	if !ok {
		known := make([]string, 0, len(kinds))
		for k := range kinds {
			known = append(known, k)
		}
		sort.Strings(known)
		return tm.Kind, nil, fmt.Errorf("unknown kind %q (apiVersion %q); allowed: %s", tm.Kind, tm.APIVersion, strings.Join(known, ", "))
	}
	if tm.APIVersion != kt.apiVersion {
		return tm.Kind, nil, fmt.Errorf("kind %s needs apiVersion %q, got %q", tm.Kind, kt.apiVersion, tm.APIVersion)
	}
	obj = kt.new()
	strict, err := kjson.UnmarshalStrict(j, obj, kjson.DisallowDuplicateFields, kjson.DisallowUnknownFields)
	if err != nil {
		return tm.Kind, nil, err
	}
	if len(strict) > 0 {
		return tm.Kind, nil, errors.Join(strict...)
	}
	return tm.Kind, obj, nil
}

// A yamlDoc is one document of a multi-document YAML file.
type yamlDoc struct {
	line int // first line, from 1
	data []byte
}

var docSeparator = regexp.MustCompile(`^---(\s.*)?$`)

// splitDocuments splits a YAML stream at "---" lines (at column 0, so the indented separators
// inside a ConfigMap's block scalars stay put) and drops documents that hold only comments.
func splitDocuments(data []byte) ([]yamlDoc, error) {
	var docs []yamlDoc
	var cur []string
	start := 1
	flush := func() error {
		d := []byte(strings.Join(cur, "\n") + "\n")
		j, err := yaml.YAMLToJSON(d)
		if err != nil {
			return fmt.Errorf("line %d: %w", start, err)
		}
		if s := strings.TrimSpace(string(j)); s != "null" && s != "" {
			docs = append(docs, yamlDoc{line: start, data: d})
		}
		return nil
	}
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		if docSeparator.MatchString(strings.TrimRight(l, "\r")) {
			if err := flush(); err != nil {
				return nil, err
			}
			cur, start = nil, i+2
			continue
		}
		cur = append(cur, l)
	}
	if err := flush(); err != nil {
		return nil, err
	}
	return docs, nil
}

// An object is one decoded Kubernetes (or kustomize) object and where it was read.
type object struct {
	file string
	line int
	kind string
	obj  any
}

func (o object) String() string { return fmt.Sprintf("%s:%d (%s)", o.file, o.line, o.kind) }

// manifestFiles lists the YAML files under the package folder, ci/ excluded, sorted.
func manifestFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if p == ciDir || (p != "." && strings.HasPrefix(d.Name(), ".")) {
				return filepath.SkipDir
			}
			return nil
		}
		if ext := filepath.Ext(p); ext == ".yaml" || ext == ".yml" {
			files = append(files, filepath.ToSlash(p))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(files)
	return files
}

// loadObjects decodes every document of every manifest file strictly; any error fails the test.
func loadObjects(t *testing.T) []object {
	t.Helper()
	var out []object
	for _, f := range manifestFiles(t) {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		docs, err := splitDocuments(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		if len(docs) == 0 {
			t.Errorf("%s: no documents", f)
		}
		for _, d := range docs {
			kind, obj, err := decodeStrict(d.data)
			if err != nil {
				t.Errorf("%s:%d: %v", f, d.line, err)
				continue
			}
			out = append(out, object{file: f, line: d.line, kind: kind, obj: obj})
		}
	}
	if t.Failed() {
		t.FailNow()
	}
	return out
}

// bundle indexes the decoded objects by kind and name.
type bundle struct {
	objects         []object
	configMaps      map[string]*corev1.ConfigMap
	secrets         map[string]*corev1.Secret
	serviceAccounts map[string]*corev1.ServiceAccount
	services        []*corev1.Service
	deployments     []*appsv1.Deployment
	cronJobs        map[string]*batchv1.CronJob
	kustomizations  []*kustomization
}

func load(t *testing.T) *bundle {
	t.Helper()
	b := &bundle{
		objects:         loadObjects(t),
		configMaps:      map[string]*corev1.ConfigMap{},
		secrets:         map[string]*corev1.Secret{},
		serviceAccounts: map[string]*corev1.ServiceAccount{},
		cronJobs:        map[string]*batchv1.CronJob{},
	}
	seen := map[string]object{}
	for _, o := range b.objects {
		var name string
		switch v := o.obj.(type) {
		case *corev1.ConfigMap:
			name, b.configMaps[v.Name] = v.Name, v
		case *corev1.Secret:
			name, b.secrets[v.Name] = v.Name, v
		case *corev1.ServiceAccount:
			name, b.serviceAccounts[v.Name] = v.Name, v
		case *corev1.Service:
			name, b.services = v.Name, append(b.services, v)
		case *appsv1.Deployment:
			name, b.deployments = v.Name, append(b.deployments, v)
		case *batchv1.CronJob:
			name, b.cronJobs[v.Name] = v.Name, v
		case *kustomization:
			b.kustomizations = append(b.kustomizations, v)
			continue
		}
		if name == "" {
			t.Errorf("%s: metadata.name is empty", o)
		}
		if m := objectMeta(o.obj); m != nil && m.Namespace != "" {
			t.Errorf("%s: metadata.namespace %q: the manifests are namespace-agnostic (kubectl apply -k . -n NS)", o, m.Namespace)
		}
		key := o.kind + "/" + name
		if prev, dup := seen[key]; dup {
			t.Errorf("%s: %s is also declared at %s", o, key, prev)
		}
		seen[key] = o
	}
	return b
}

func objectMeta(obj any) *metav1.ObjectMeta {
	if m, ok := obj.(metav1.ObjectMetaAccessor); ok {
		return m.GetObjectMeta().(*metav1.ObjectMeta)
	}
	return nil
}

// A workload is a pod template: a CronJob's or a Deployment's.
type workload struct {
	name string
	pod  *corev1.PodTemplateSpec
}

func (b *bundle) workloads() []workload {
	var ws []workload
	for _, name := range sortedKeys(b.cronJobs) {
		ws = append(ws, workload{"CronJob/" + name, &b.cronJobs[name].Spec.JobTemplate.Spec.Template})
	}
	for _, d := range b.deployments {
		ws = append(ws, workload{"Deployment/" + d.Name, &d.Spec.Template})
	}
	return ws
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func allContainers(p *corev1.PodSpec) []corev1.Container {
	return append(slices.Clone(p.InitContainers), p.Containers...)
}

// TestManifestsDecodeStrictly reads every YAML file under manifests/deploy except ci/, decodes
// each document with the Kubernetes API types, and checks that the expected objects are there.
func TestManifestsDecodeStrictly(t *testing.T) {
	b := load(t)
	count := map[string]int{}
	for _, o := range b.objects {
		count[o.kind]++
	}
	want := map[string]int{"ServiceAccount": 1, "Secret": 1, "ConfigMap": 2, "Service": 1, "Deployment": 1, "CronJob": 2, "Kustomization": 1}
	for k, n := range want {
		if count[k] != n {
			t.Errorf("%d %s objects, want %d", count[k], k, n)
		}
	}
	t.Logf("decoded %d objects from %d files: %v", len(b.objects), len(manifestFiles(t)), count)
}

// TestStrictDecodeRejectsMistakes proves the decoder catches what a lenient one would let
// through to the cluster (where the API server would drop or refuse it).
func TestStrictDecodeRejectsMistakes(t *testing.T) {
	const deployment = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: x
spec:
  selector:
    matchLabels: {app: x}
  template:
    metadata:
      labels: {app: x}
    spec:
      %s:
        - name: x
          image: x
`
	if _, _, err := decodeStrict(fmt.Appendf(nil, deployment, "containers")); err != nil {
		t.Fatalf("the well-formed Deployment must decode: %v", err)
	}
	tests := []struct {
		name, manifest, want string
	}{
		{"misspelled field", fmt.Sprintf(deployment, "contianers"), `unknown field "spec.template.spec.contianers"`},
		{"field in the wrong case", fmt.Sprintf(deployment, "Containers"), `unknown field "spec.template.spec.Containers"`},
		{"misspelled nested field", "apiVersion: batch/v1\nkind: CronJob\nmetadata: {name: x}\nspec:\n  schedule: '* * * * *'\n  concurencyPolicy: Forbid\n  jobTemplate: {}\n", `unknown field "spec.concurencyPolicy"`},
		{"duplicate field", "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\ndata: {a: '1'}\ndata: {b: '2'}\n", `key "data" already set`},
		{"wrong value type", "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: x}\nspec: {replicas: one}\n", `replicas`},
		{"unknown kind", "apiVersion: v1\nkind: Pod\nmetadata: {name: x}\n", `unknown kind "Pod"`},
		{"wrong apiVersion", "apiVersion: batch/v1beta1\nkind: CronJob\nmetadata: {name: x}\n", `needs apiVersion "batch/v1"`},
		{"unknown kustomization field", "apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresource: [a.yaml]\n", `unknown field "resource"`},
		{"not a mapping", "- a\n- b\n", "not a Kubernetes object"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := decodeStrict([]byte(tc.manifest))
			if err == nil {
				t.Fatalf("decoded without error:\n%s", tc.manifest)
			}
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not mention %q", err, tc.want)
			}
		})
	}
}

func TestSplitDocuments(t *testing.T) {
	in := "# only a comment\n---\na: 1\n---   # trailing comment\n\n---\nb: |\n  ---\n  c: 2\n"
	docs, err := splitDocuments([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	if len(docs) != 2 || docs[0].line != 3 || docs[1].line != 7 || !strings.Contains(string(docs[1].data), "  ---\n") {
		t.Errorf("got %+v", docs)
	}
}

// TestKustomizationListsEveryManifest keeps kustomization.yaml and the folder in step, and its
// images entry in step with the workloads' images.
func TestKustomizationListsEveryManifest(t *testing.T) {
	b := load(t)
	if len(b.kustomizations) != 1 {
		t.Fatalf("%d Kustomizations, want 1", len(b.kustomizations))
	}
	k := b.kustomizations[0]
	if k.Namespace != "" {
		t.Errorf("kustomization sets namespace %q; leave it to kubectl apply -k . -n NS", k.Namespace)
	}
	var files []string
	for _, f := range manifestFiles(t) {
		if f != "kustomization.yaml" {
			files = append(files, f)
		}
	}
	resources := slices.Sorted(slices.Values(k.Resources))
	if !slices.Equal(resources, files) {
		t.Errorf("kustomization resources %v, manifest files %v", resources, files)
	}
	for _, w := range b.workloads() {
		for _, c := range allContainers(&w.pod.Spec) {
			ok := false
			for _, img := range k.Images {
				ok = ok || c.Image == img.Name || strings.HasPrefix(c.Image, img.Name+":") || strings.HasPrefix(c.Image, img.Name+"@")
			}
			if !ok {
				t.Errorf("%s container %s: image %q is not named in the kustomization's images", w.name, c.Name, c.Image)
			}
		}
	}
}
