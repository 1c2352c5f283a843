package v1alpha1

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

// Rule names of the loading checks; validation rules are listed in validate.go.
const (
	RuleRead          = "Read"
	RuleSyntax        = "Syntax"
	RuleDocument      = "Document"
	RuleAPIVersion    = "APIVersion"
	RuleKind          = "Kind"
	RuleField         = "Field"
	RuleNoObjects     = "NoObjects"
	RuleDuplicate     = "DuplicateIdentity"
	RuleOrganizations = "OrganizationRef"
)

// Error strings for loading.
const (
	msgCannotRead      = "cannot read: %v"
	msgSyntax          = "invalid YAML: "
	msgStdinTwice      = "stdin (-) is given more than once"
	msgNoManifests     = "no *.yaml or *.yml files in this folder"
	msgNoObjects       = "no objects found in %s"
	msgNotMapping      = "a document must be a mapping with apiVersion, kind, metadata and spec; got %s"
	msgAPIVersion      = "unsupported apiVersion %q; use " + APIVersion
	msgAPIVersionMiss  = "required field is missing; use " + APIVersion
	msgKindMissing     = "required field is missing; allowed kinds: %s"
	msgUnknownKind     = "unknown kind %q; allowed kinds: %s"
	msgUnknownKindCase = "unknown kind %q; did you mean %q?"
	msgKindNotString   = "expected a string, got %s; allowed kinds: %s"
)

// A Loader reads manifests. The zero value reads stdin from os.Stdin.
type Loader struct {
	// Stdin is read for the path "-"; nil means os.Stdin.
	Stdin io.Reader
}

// Load reads the manifests at paths with os.Stdin as "-"; see Loader.Load.
func Load(paths ...string) (*Site, Diagnostics) { return Loader{}.Load(paths...) }

// Load reads every manifest at paths: files (any name), folders (every *.yaml and *.yml below
// them, recursively, sorted; folders starting with "." are skipped) and "-" (stdin). It decodes
// every document strictly, applies defaults, resolves organizationRef and finds duplicate
// identities. It never reads passwords and never contacts a server. The Diagnostics hold every
// problem found, sorted; the Site holds whatever could be decoded.
func (l Loader) Load(paths ...string) (*Site, Diagnostics) {
	st := &loadState{site: newSite()}
	seen := map[string]bool{}
	stdinRead := false
	for _, p := range paths {
		if p == "-" {
			if stdinRead {
				st.diags = append(st.diags, Diagnostic{Severity: SeverityError, File: "-", Rule: RuleRead, Message: msgStdinTwice})
				continue
			}
			stdinRead = true
			in := l.Stdin
			if in == nil {
				in = os.Stdin
			}
			data, err := readCapped(in)
			if err != nil {
				st.readError("-", err)
				continue
			}
			st.parse("-", data)
			continue
		}
		files, err := manifestFiles(p)
		if err != nil {
			st.readError(p, err)
			continue
		}
		if len(files) == 0 {
			st.diags = append(st.diags, Diagnostic{Severity: SeverityWarning, File: p, Rule: RuleRead, Message: msgNoManifests})
		}
		for _, f := range files {
			// The same file reached twice (-f a.yaml -f .) would otherwise duplicate every object.
			key, err := filepath.Abs(f)
			if err != nil {
				key = filepath.Clean(f)
			}
			if seen[key] {
				continue
			}
			seen[key] = true
			data, err := readManifest(f)
			if err != nil {
				st.readError(f, err)
				continue
			}
			st.parse(f, data)
		}
	}
	if len(st.site.Objects) == 0 && !st.diags.HasErrors() {
		st.diags = append(st.diags, Diagnostic{Severity: SeverityError, Rule: RuleNoObjects,
			Message: fmt.Sprintf(msgNoObjects, strings.Join(paths, ", "))})
	}
	st.link()
	return st.site, st.diags.Sort()
}

// Parse decodes manifests held in memory as if read from a file called name, with the same
// checks as Load; tests and the fuzzer use it.
func Parse(name string, data []byte) (*Site, Diagnostics) {
	st := &loadState{site: newSite()}
	st.parse(name, data)
	st.link()
	return st.site, st.diags.Sort()
}

// MaxManifestBytes caps what one manifest file (or stdin) may hold: a site's
// manifests are kilobytes; -f /dev/zero must not grow until the kernel
// stops it.
const MaxManifestBytes = 8 << 20

// readManifest reads a regular file of at most MaxManifestBytes. A FIFO,
// device or socket is refused before it is opened (reading a FIFO nobody
// writes to would hang).
func readManifest(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if !info.Mode().IsRegular() {
		return nil, fmt.Errorf("%s is not a regular file (%s); -f reads manifest files and folders only", path, info.Mode().Type())
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return readCapped(f)
}

// readCapped reads r up to MaxManifestBytes and fails beyond.
func readCapped(r io.Reader) ([]byte, error) {
	data, err := io.ReadAll(io.LimitReader(r, MaxManifestBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxManifestBytes {
		return nil, fmt.Errorf("larger than %d MiB; a manifest is a few kilobytes", MaxManifestBytes>>20)
	}
	return data, nil
}

// manifestFiles lists the manifest files at p: p itself when it is a file, or every *.yaml and
// *.yml file below it in lexical order when it is a folder.
func manifestFiles(p string) ([]string, error) {
	info, err := os.Stat(p)
	if err != nil {
		return nil, err
	}
	if !info.IsDir() {
		return []string{p}, nil
	}
	var files []string
	err = filepath.WalkDir(p, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if path != p && strings.HasPrefix(d.Name(), ".") {
				return filepath.SkipDir // .git and the like
			}
			return nil
		}
		switch strings.ToLower(filepath.Ext(path)) {
		case ".yaml", ".yml":
			// A FIFO or device named *.yaml in the folder is reported
			// by readManifest, never opened.
			files = append(files, path)
		}
		return nil
	})
	slices.Sort(files)
	return files, err
}

// loadState collects objects and Diagnostics across files.
type loadState struct {
	site  *Site
	diags Diagnostics
}

func (st *loadState) readError(file string, err error) {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		err = pe.Err // the file name is already in the Diagnostic
	}
	st.diags = append(st.diags, Diagnostic{Severity: SeverityError, File: file, Rule: RuleRead, Message: fmt.Sprintf(msgCannotRead, err)})
}

var yamlLineError = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// syntaxHint finds the column of the two mistakes YAML's messages do not
// explain, and explains them: a tab (YAML indents with spaces only) and a
// backslash in a double-quoted string (an escape there: "WORK\svc" is
// not WORK\svc).
func syntaxHint(data []byte, line int, msg string) (int, string) {
	lines := strings.Split(string(data), "\n")
	if line < 1 || line > len(lines) {
		return 0, ""
	}
	text := lines[line-1]
	switch {
	case strings.Contains(msg, "tab") || strings.HasPrefix(strings.TrimLeft(text, " "), "\t"):
		if i := strings.IndexByte(text, '\t'); i >= 0 {
			return i + 1, "; YAML indents with spaces only: replace the tab with spaces"
		}
	case strings.Contains(msg, "escape"):
		if i := strings.IndexByte(text, '\\'); i >= 0 {
			return i + 1, "; a backslash in a double-quoted string starts an escape: use single quotes for DOMAIN\\user ('WORK\\svc') or write \\\\"
		}
	}
	return 0, ""
}

// parse decodes every document of one file. A syntax error ends the file: the YAML parser
// cannot resynchronise, but the documents before it are kept.
func (st *loadState) parse(file string, data []byte) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	for {
		var doc yaml.Node
		err := dec.Decode(&doc)
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			d := Diagnostic{Severity: SeverityError, File: file, Rule: RuleSyntax, Message: msgSyntax + strings.TrimPrefix(err.Error(), "yaml: ")}
			if m := yamlLineError.FindStringSubmatch(err.Error()); m != nil {
				d.Line, _ = strconv.Atoi(m[1])
				d.Message = msgSyntax + m[2]
				col, hint := syntaxHint(data, d.Line, m[2])
				d.Column, d.Message = col, d.Message+hint
			}
			st.diags = append(st.diags, d)
			return
		}
		st.document(file, &doc)
	}
}

// document decodes one YAML document into the object its kind names.
func (st *loadState) document(file string, doc *yaml.Node) {
	if doc.Kind != yaml.DocumentNode || len(doc.Content) == 0 {
		return
	}
	root := doc.Content[0]
	if isNull(root) {
		return // an empty document, such as a trailing "---"
	}
	org := newOrigin(file, nodePos(root))
	if root.Kind != yaml.MappingNode {
		st.diags = append(st.diags, Diagnostic{Severity: SeverityError, File: file, Line: root.Line, Column: root.Column,
			Rule: RuleDocument, Message: fmt.Sprintf(msgNotMapping, describe(root))})
		return
	}
	kindNode, apiNode, name := scanHeader(root)
	report := func(rule, kind string) func(string, Position, string) {
		return func(path string, pos Position, msg string) {
			st.diags = append(st.diags, Diagnostic{Severity: SeverityError, File: file, Line: pos.Line, Column: pos.Column,
				Kind: kind, Name: name, Path: path, Rule: rule, Message: msg})
		}
	}
	allowed := strings.Join(Kinds, ", ")
	var obj Object
	switch {
	case kindNode == nil:
		report(RuleKind, "")("kind", org.root, fmt.Sprintf(msgKindMissing, allowed))
	case kindNode.Kind != yaml.ScalarNode || kindNode.ShortTag() != "!!str":
		report(RuleKind, "")("kind", nodePos(kindNode), fmt.Sprintf(msgKindNotString, describe(kindNode), allowed))
	default:
		if obj = newObject(kindNode.Value); obj == nil {
			msg := fmt.Sprintf(msgUnknownKind, kindNode.Value, allowed)
			if i := slices.IndexFunc(Kinds, func(k string) bool { return strings.EqualFold(k, kindNode.Value) }); i >= 0 {
				msg = fmt.Sprintf(msgUnknownKindCase, kindNode.Value, Kinds[i])
			}
			report(RuleKind, "")("kind", nodePos(kindNode), msg)
		}
	}
	kind := ""
	if obj != nil {
		kind = kindNode.Value
	}
	switch {
	case apiNode == nil:
		report(RuleAPIVersion, kind)("apiVersion", org.root, msgAPIVersionMiss)
	case apiNode.Kind == yaml.ScalarNode && apiNode.ShortTag() == "!!str" && apiNode.Value != APIVersion:
		report(RuleAPIVersion, kind)("apiVersion", nodePos(apiNode), fmt.Sprintf(msgAPIVersion, apiNode.Value))
	}
	if obj == nil {
		return
	}
	// apiVersion and kind were checked above; the struct walk would only repeat "missing".
	d := &decoder{origin: org, report: report(RuleField, kind), checked: map[string]bool{"apiVersion": true, "kind": true}}
	d.decode(root, reflect.ValueOf(obj).Elem(), "", nil, 0)
	obj.Default()
	st.site.add(obj, org)
}

// scanHeader finds kind, apiVersion and metadata.name in a document before it is decoded, so
// that every Diagnostic of the document can name its object.
func scanHeader(root *yaml.Node) (kind, apiVersion *yaml.Node, name string) {
	for i := 0; i+1 < len(root.Content); i += 2 {
		k, v := root.Content[i], root.Content[i+1]
		switch k.Value {
		case "kind":
			kind = v
		case "apiVersion":
			apiVersion = v
		case "metadata":
			if v.Kind != yaml.MappingNode {
				continue
			}
			for j := 0; j+1 < len(v.Content); j += 2 {
				if v.Content[j].Value == "name" && v.Content[j+1].Kind == yaml.ScalarNode {
					name = v.Content[j+1].Value
				}
			}
		}
	}
	return kind, apiVersion, name
}
