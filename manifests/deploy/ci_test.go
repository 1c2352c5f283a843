package deploy

import (
	"encoding/json"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"sigs.k8s.io/yaml"
)

// TestCIPipelines: the CI examples are YAML (not Kubernetes objects): they must parse, run
// validate and plan on merge/pull requests and apply on main, and take passwords only from the
// CI's secret store.
func TestCIPipelines(t *testing.T) {
	entries, err := os.ReadDir(ciDir)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range entries {
		ext := filepath.Ext(e.Name())
		if e.IsDir() || (ext != ".yml" && ext != ".yaml") {
			continue
		}
		f := filepath.Join(ciDir, e.Name())
		seen[e.Name()] = true
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		j, err := yaml.YAMLToJSONStrict(data)
		if err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		var doc map[string]any
		if err := json.Unmarshal(j, &doc); err != nil {
			t.Errorf("%s: not a mapping: %v", f, err)
			continue
		}
		if strings.Contains(string(data), "CHANGE-ME") {
			t.Errorf("%s: holds the placeholder password", f)
		}
		switch e.Name() {
		case "gitlab-ci.yml":
			checkGitLab(t, f, doc)
		case "github-actions.yml":
			checkGitHub(t, f, doc)
		default:
			t.Errorf("%s: unexpected CI file", f)
		}
	}
	for _, want := range []string{"gitlab-ci.yml", "github-actions.yml"} {
		if !seen[want] {
			t.Errorf("%s/%s is missing", ciDir, want)
		}
	}
}

// scriptText joins the shell lines of a CI job (GitLab script/before_script, GitHub steps' run).
func scriptText(job map[string]any) string {
	var sb strings.Builder
	add := func(v any) {
		switch v := v.(type) {
		case string:
			sb.WriteString(v + "\n")
		case []any:
			for _, x := range v {
				if s, ok := x.(string); ok {
					sb.WriteString(s + "\n")
				}
			}
		}
	}
	add(job["before_script"])
	add(job["script"])
	if steps, ok := job["steps"].([]any); ok {
		for _, s := range steps {
			if m, ok := s.(map[string]any); ok {
				add(m["run"])
			}
		}
	}
	return sb.String()
}

// jobsRunning returns the names of the jobs whose scripts run `exreconcile <sub>`.
func jobsRunning(jobs map[string]any, sub string) []string {
	re := regexp.MustCompile(`\bexreconcile ` + sub + `\b`)
	var out []string
	for _, name := range sortedKeys(jobs) {
		if m, ok := jobs[name].(map[string]any); ok && re.MatchString(scriptText(m)) {
			out = append(out, name)
		}
	}
	return out
}

func jsonText(v any) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func checkGitLab(t *testing.T, f string, doc map[string]any) {
	for _, sub := range []string{"validate", "plan", "apply"} {
		jobs := jobsRunning(doc, sub)
		if len(jobs) == 0 {
			t.Errorf("%s: no job runs exreconcile %s", f, sub)
		}
		for _, name := range jobs {
			job := doc[name].(map[string]any)
			rules := jsonText(job["rules"])
			switch sub {
			case "plan":
				if !strings.Contains(rules, "merge_request_event") {
					t.Errorf("%s: job %s must run on merge requests", f, name)
				}
				if !strings.Contains(jsonText(job["artifacts"]), "plan") {
					t.Errorf("%s: job %s must keep the plan as an artifact", f, name)
				}
			case "apply":
				if !strings.Contains(rules, "CI_DEFAULT_BRANCH") && !strings.Contains(rules, "main") {
					t.Errorf("%s: job %s must run on the default branch only", f, name)
				}
				if strings.Contains(rules, "merge_request_event") {
					t.Errorf("%s: job %s must not run on merge requests", f, name)
				}
			}
		}
	}
	// Passwords come from the project's CI/CD variables (masked, protected), never from the file.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if vars, ok := v["variables"].(map[string]any); ok {
				for k := range vars {
					if strings.Contains(strings.ToUpper(k), "PASSWORD") {
						t.Errorf("%s: variables sets %s in the file; define it as a masked CI/CD variable", f, k)
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}

func checkGitHub(t *testing.T, f string, doc map[string]any) {
	on, ok := doc["on"]
	if !ok {
		on = doc["true"] // YAML 1.1 reads the bare key on as a boolean
	}
	triggers := jsonText(on)
	for _, want := range []string{"pull_request", "push"} {
		if !strings.Contains(triggers, want) {
			t.Errorf("%s: on: has no %s trigger", f, want)
		}
	}
	jobs, ok := doc["jobs"].(map[string]any)
	if !ok {
		t.Fatalf("%s: no jobs", f)
	}
	for _, sub := range []string{"validate", "plan", "apply"} {
		names := jobsRunning(jobs, sub)
		if len(names) == 0 {
			t.Errorf("%s: no job runs exreconcile %s", f, sub)
		}
		for _, name := range names {
			job := jobs[name].(map[string]any)
			cond := jsonText(job["if"])
			switch sub {
			case "plan":
				if !strings.Contains(cond, "pull_request") {
					t.Errorf("%s: job %s must run on pull requests only (if:)", f, name)
				}
				if !strings.Contains(jsonText(job["steps"]), "upload-artifact") {
					t.Errorf("%s: job %s must upload the plan as an artifact", f, name)
				}
			case "apply":
				if !strings.Contains(cond, "refs/heads/main") {
					t.Errorf("%s: job %s must run on main only (if:)", f, name)
				}
			}
		}
	}
	// Every PASSWORD variable is taken from the secret store.
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if env, ok := v["env"].(map[string]any); ok {
				for k, x := range env {
					s, _ := x.(string)
					if strings.Contains(strings.ToUpper(k), "PASSWORD") && !strings.HasPrefix(s, "${{ secrets.") {
						t.Errorf("%s: env %s = %q; take it from ${{ secrets.* }}", f, k, s)
					}
				}
			}
			for _, x := range v {
				walk(x)
			}
		case []any:
			for _, x := range v {
				walk(x)
			}
		}
	}
	walk(doc)
}
