package deploy

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// dockerfile is the repository's Dockerfile, whose binary path and user the pods rely on.
const dockerfile = "../../Dockerfile"

// TestCronJobs checks the scheduling and failure semantics the README promises.
func TestCronJobs(t *testing.T) {
	b := load(t)
	modes := map[string]string{} // subcommand -> CronJob name
	for _, name := range sortedKeys(b.cronJobs) {
		cj := b.cronJobs[name]
		s := cj.Spec
		if s.ConcurrencyPolicy != batchv1.ForbidConcurrent {
			t.Errorf("CronJob/%s: concurrencyPolicy %q, want Forbid", name, s.ConcurrencyPolicy)
		}
		if s.SuccessfulJobsHistoryLimit == nil || s.FailedJobsHistoryLimit == nil || *s.FailedJobsHistoryLimit == 0 {
			t.Errorf("CronJob/%s: set successfulJobsHistoryLimit and a non-zero failedJobsHistoryLimit", name)
		}
		j := s.JobTemplate.Spec
		if j.BackoffLimit == nil || *j.BackoffLimit != 0 {
			t.Errorf("CronJob/%s: backoffLimit must be 0 (a failed run is a result, not a flake to retry)", name)
		}
		if j.ActiveDeadlineSeconds == nil || *j.ActiveDeadlineSeconds <= 0 {
			t.Errorf("CronJob/%s: activeDeadlineSeconds must be set", name)
		}
		if p := j.Template.Spec.RestartPolicy; p != corev1.RestartPolicyNever {
			t.Errorf("CronJob/%s: restartPolicy %q, want Never", name, p)
		}
		if len(j.Template.Spec.Containers) != 1 {
			t.Fatalf("CronJob/%s: %d containers, want 1", name, len(j.Template.Spec.Containers))
		}
		args := j.Template.Spec.Containers[0].Args
		if len(args) == 0 {
			t.Fatalf("CronJob/%s: no args", name)
		}
		modes[args[0]] = name
		switch args[0] {
		case "diff":
			if !slices.Contains(args, "--exit-code") {
				t.Errorf("CronJob/%s: diff without --exit-code always succeeds", name)
			}
			if s.Schedule != "*/15 * * * *" {
				t.Errorf("CronJob/%s: schedule %q, want every 15 minutes", name, s.Schedule)
			}
			if s.Suspend != nil && *s.Suspend {
				t.Errorf("CronJob/%s: the drift check must not be suspended", name)
			}
		case "apply":
			if s.Suspend == nil || !*s.Suspend {
				t.Errorf("CronJob/%s: apply must be suspended by default", name)
			}
		default:
			t.Errorf("CronJob/%s: unexpected subcommand %q", name, args[0])
		}
	}
	if modes["diff"] == "" || modes["apply"] == "" {
		t.Errorf("want one diff and one apply CronJob, got %v", modes)
	}
}

// TestDeploymentAndService checks the reconciler's rollout, probes, metrics port and Service.
func TestDeploymentAndService(t *testing.T) {
	b := load(t)
	if len(b.deployments) != 1 || len(b.services) != 1 {
		t.Fatalf("%d Deployments and %d Services, want 1 and 1", len(b.deployments), len(b.services))
	}
	d, svc := b.deployments[0], b.services[0]
	if d.Spec.Replicas == nil || *d.Spec.Replicas != 1 {
		t.Error("Deployment: replicas must be 1: two reconcilers must not run at once")
	}
	if d.Spec.Strategy.Type != appsv1.RecreateDeploymentStrategyType {
		t.Errorf("Deployment: strategy %q, want Recreate", d.Spec.Strategy.Type)
	}
	sel := d.Spec.Selector
	labels := d.Spec.Template.Labels
	if sel == nil || len(sel.MatchLabels) == 0 {
		t.Fatal("Deployment: empty selector")
	}
	for k, v := range sel.MatchLabels {
		if labels[k] != v {
			t.Errorf("Deployment: selector %s=%s does not match the pod labels %v", k, v, labels)
		}
	}
	c := d.Spec.Template.Spec.Containers[0]
	if len(c.Args) == 0 || c.Args[0] != "run" {
		t.Fatalf("Deployment: args %q, want run ...", c.Args)
	}
	var port *corev1.ContainerPort
	for i := range c.Ports {
		if c.Ports[i].Name == "metrics" {
			port = &c.Ports[i]
		}
	}
	if port == nil || port.ContainerPort != 8080 {
		t.Fatalf("Deployment: want containerPort 8080 named metrics, got %+v", c.Ports)
	}
	addr := ""
	for i, a := range c.Args {
		if a == "--metrics-addr" && i+1 < len(c.Args) {
			addr = c.Args[i+1]
		} else if v, ok := strings.CutPrefix(a, "--metrics-addr="); ok {
			addr = v
		}
	}
	if !strings.HasSuffix(addr, fmt.Sprintf(":%d", port.ContainerPort)) {
		t.Errorf("Deployment: --metrics-addr %q does not listen on containerPort %d", addr, port.ContainerPort)
	}
	if i := slices.Index(c.Args, "--interval"); i < 0 || i+1 >= len(c.Args) {
		t.Error("Deployment: run needs --interval")
	}
	for name, p := range map[string]*corev1.Probe{"livenessProbe": c.LivenessProbe, "readinessProbe": c.ReadinessProbe} {
		if p == nil || p.HTTPGet == nil {
			t.Errorf("Deployment: %s must be an httpGet", name)
			continue
		}
		if p.HTTPGet.Path != "/healthz" {
			t.Errorf("Deployment: %s path %q, want /healthz", name, p.HTTPGet.Path)
		}
		if pp := p.HTTPGet.Port; pp.String() != port.Name && pp.IntValue() != int(port.ContainerPort) {
			t.Errorf("Deployment: %s port %s is not the metrics port", name, pp.String())
		}
	}
	ann := d.Spec.Template.Annotations
	if ann["prometheus.io/scrape"] != "true" || ann["prometheus.io/port"] != fmt.Sprint(port.ContainerPort) || ann["prometheus.io/path"] != "/metrics" {
		t.Errorf("Deployment: pod annotations %v, want prometheus.io/scrape, port and path", ann)
	}
	for k, v := range svc.Spec.Selector {
		if labels[k] != v {
			t.Errorf("Service/%s: selector %s=%s does not match the Deployment's pods", svc.Name, k, v)
		}
	}
	if len(svc.Spec.Ports) != 1 {
		t.Fatalf("Service/%s: %d ports, want 1", svc.Name, len(svc.Spec.Ports))
	}
	sp := svc.Spec.Ports[0]
	if sp.Name != "metrics" || (sp.TargetPort.String() != port.Name && sp.TargetPort.IntValue() != int(port.ContainerPort)) {
		t.Errorf("Service/%s: port %+v does not target the metrics port", svc.Name, sp)
	}
}

// TestImageMatchesDockerfile: the pods run the binary where the Dockerfile puts it, as the
// user it declares.
func TestImageMatchesDockerfile(t *testing.T) {
	data, err := os.ReadFile(dockerfile)
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	var entrypoint []string
	user := ""
	stages := 0
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "FROM "):
			stages++
		case strings.HasPrefix(l, "ENTRYPOINT "):
			if err := json.Unmarshal([]byte(strings.TrimPrefix(l, "ENTRYPOINT ")), &entrypoint); err != nil {
				t.Errorf("ENTRYPOINT must use the exec (JSON) form: %v", err)
			}
		case strings.HasPrefix(l, "USER "):
			user = strings.TrimSpace(strings.TrimPrefix(l, "USER "))
		}
	}
	if stages < 2 {
		t.Errorf("want a multi-stage build, found %d FROM lines", stages)
	}
	for _, want := range []string{"CGO_ENABLED=0", "-trimpath", "-X main.version=", "./cmd/exreconcile", "distroless/static"} {
		if !strings.Contains(text, want) {
			t.Errorf("Dockerfile does not contain %q", want)
		}
	}
	if _, err := os.Stat("../../cmd/exreconcile"); err != nil {
		t.Errorf("the Dockerfile builds ./cmd/exreconcile: %v", err)
	}
	if len(entrypoint) != 1 {
		t.Fatalf("ENTRYPOINT %q, want the binary alone", entrypoint)
	}
	uid := strings.SplitN(user, ":", 2)[0]
	if !regexp.MustCompile(`^[1-9][0-9]*$`).MatchString(uid) {
		t.Errorf("USER %q: use a numeric non-root uid so the kubelet can verify runAsNonRoot", user)
	}
	b := load(t)
	for _, w := range b.workloads() {
		for _, c := range w.pod.Spec.Containers {
			if len(c.Command) > 0 && c.Command[0] != entrypoint[0] {
				t.Errorf("%s container %s: command %q, the image's binary is %s", w.name, c.Name, c.Command, entrypoint[0])
			}
		}
		if sc := w.pod.Spec.SecurityContext; sc != nil && sc.RunAsUser != nil && fmt.Sprint(*sc.RunAsUser) != uid {
			t.Errorf("%s: runAsUser %d differs from the image's USER %s", w.name, *sc.RunAsUser, uid)
		}
	}
}
