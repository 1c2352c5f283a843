package framework

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	yaml "go.yaml.in/yaml/v3"
)

// PointAt copies the manifests of srcDir into dstDir with every
// ExchangeOrganization's server endpoints and tls.caFile pointed at the exsim
// that serves it (found by server name), so that example manifests run
// unchanged against the simulator. Comments and the rest of each document are kept.
func PointAt(srcDir, dstDir string, sims ...*Exsim) error {
	return filepath.WalkDir(srcDir, func(path string, d os.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(srcDir, path)
		dst := filepath.Join(dstDir, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		if ext := filepath.Ext(path); ext == ".yaml" || ext == ".yml" {
			if data, err = rewrite(data, sims); err != nil {
				return fmt.Errorf("%s: %w", path, err)
			}
		}
		return os.WriteFile(dst, data, 0o644)
	})
}

func rewrite(data []byte, sims []*Exsim) ([]byte, error) {
	dec := yaml.NewDecoder(bytes.NewReader(data))
	var out bytes.Buffer
	enc := yaml.NewEncoder(&out)
	enc.SetIndent(2)
	for {
		var doc yaml.Node
		if err := dec.Decode(&doc); err == io.EOF {
			break
		} else if err != nil {
			return nil, err
		}
		root := doc.Content[0]
		if value(root, "kind") != nil && value(root, "kind").Value == "ExchangeOrganization" {
			spec := value(root, "spec")
			var ca string
			for _, srv := range value(spec, "servers").Content {
				name := value(srv, "name").Value
				for _, s := range sims {
					if ep := s.Endpoint(strings.ToUpper(name)); ep != "" {
						value(srv, "endpoint").Value = ep
						ca = s.CAFile
					}
				}
			}
			if tls := value(spec, "tls"); tls != nil && ca != "" {
				if f := value(tls, "caFile"); f != nil {
					f.Value = ca
				}
			}
		}
		if err := enc.Encode(&doc); err != nil {
			return nil, err
		}
	}
	enc.Close()
	return out.Bytes(), nil
}

func value(m *yaml.Node, key string) *yaml.Node {
	if m == nil || m.Kind != yaml.MappingNode {
		return nil
	}
	for i := 0; i+1 < len(m.Content); i += 2 {
		if m.Content[i].Value == key {
			return m.Content[i+1]
		}
	}
	return nil
}
