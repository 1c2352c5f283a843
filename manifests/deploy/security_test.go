package deploy

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

// TestPodSecurity checks the hardening every pod and container must have.
func TestPodSecurity(t *testing.T) {
	b := load(t)
	ws := b.workloads()
	if len(ws) != 3 {
		t.Errorf("%d workloads, want 3 (two CronJobs, one Deployment)", len(ws))
	}
	for _, sa := range b.serviceAccounts {
		if sa.AutomountServiceAccountToken == nil || *sa.AutomountServiceAccountToken {
			t.Errorf("ServiceAccount/%s: automountServiceAccountToken must be false", sa.Name)
		}
	}
	for _, w := range ws {
		p := &w.pod.Spec
		if p.ServiceAccountName == "" || b.serviceAccounts[p.ServiceAccountName] == nil {
			t.Errorf("%s: serviceAccountName %q is not a ServiceAccount declared here", w.name, p.ServiceAccountName)
		}
		if p.AutomountServiceAccountToken == nil || *p.AutomountServiceAccountToken {
			t.Errorf("%s: automountServiceAccountToken must be false", w.name)
		}
		if p.HostNetwork || p.HostPID || p.HostIPC {
			t.Errorf("%s: host namespaces are not needed", w.name)
		}
		psc := p.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			t.Errorf("%s: pod securityContext.runAsNonRoot must be true", w.name)
		}
		if psc == nil || psc.RunAsUser == nil || *psc.RunAsUser == 0 {
			// A numeric, non-zero uid lets the kubelet enforce runAsNonRoot whatever USER the
			// image names.
			t.Errorf("%s: pod securityContext.runAsUser must be a non-zero uid", w.name)
		}
		podSeccomp := psc != nil && psc.SeccompProfile != nil && psc.SeccompProfile.Type == corev1.SeccompProfileTypeRuntimeDefault
		if !podSeccomp {
			t.Errorf("%s: pod securityContext.seccompProfile must be RuntimeDefault", w.name)
		}
		for _, v := range p.Volumes {
			if v.HostPath != nil {
				t.Errorf("%s: volume %s is a hostPath", w.name, v.Name)
			}
		}
		for _, c := range allContainers(p) {
			where := w.name + " container " + c.Name
			if c.Image == "" {
				t.Errorf("%s: no image", where)
			}
			sc := c.SecurityContext
			if sc == nil {
				t.Errorf("%s: no securityContext", where)
				continue
			}
			if sc.RunAsNonRoot == nil || !*sc.RunAsNonRoot {
				t.Errorf("%s: securityContext.runAsNonRoot must be true", where)
			}
			if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
				t.Errorf("%s: securityContext.runAsUser 0", where)
			}
			if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
				t.Errorf("%s: securityContext.readOnlyRootFilesystem must be true", where)
			}
			if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
				t.Errorf("%s: securityContext.allowPrivilegeEscalation must be false", where)
			}
			if sc.Privileged != nil && *sc.Privileged {
				t.Errorf("%s: privileged", where)
			}
			if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
				t.Errorf("%s: capabilities must drop ALL and add none", where)
			}
			if sc.SeccompProfile == nil || sc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
				t.Errorf("%s: securityContext.seccompProfile must be RuntimeDefault", where)
			}
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				req, okReq := c.Resources.Requests[r]
				lim, okLim := c.Resources.Limits[r]
				if !okReq || !okLim {
					t.Errorf("%s: resources.requests and resources.limits must both set %s", where, r)
				} else if req.Cmp(lim) > 0 {
					t.Errorf("%s: %s request %s exceeds its limit %s", where, r, req.String(), lim.String())
				}
			}
		}
	}
}

// secretHas reports whether the Secret declared here has key.
func (b *bundle) secretHas(name, key string) bool {
	s := b.secrets[name]
	if s == nil {
		return false
	}
	_, inData := s.Data[key]
	_, inString := s.StringData[key]
	return inData || inString
}

// TestNoPasswordInArguments: passwords reach the process only through the environment (or files)
// from the Secret, never through the command line, which shows in process listings and events.
func TestNoPasswordInArguments(t *testing.T) {
	b := load(t)
	var secretValues []string
	for _, s := range b.secrets {
		for _, v := range s.StringData {
			secretValues = append(secretValues, v)
		}
		for _, v := range s.Data {
			secretValues = append(secretValues, string(v))
		}
	}
	for _, w := range b.workloads() {
		for _, c := range allContainers(&w.pod.Spec) {
			where := w.name + " container " + c.Name
			for _, a := range append(slices.Clone(c.Command), c.Args...) {
				if strings.Contains(strings.ToLower(a), "password") {
					t.Errorf("%s: argument %q mentions a password; pass it as an environment variable from the Secret", where, a)
				}
				for _, v := range secretValues {
					if v != "" && strings.Contains(a, v) {
						t.Errorf("%s: argument %q holds a Secret value", where, a)
					}
				}
			}
			for _, e := range c.Env {
				secretish := regexp.MustCompile(`(?i)password|secret|token|credential`).MatchString(e.Name)
				if secretish && e.Value != "" {
					t.Errorf("%s: env %s has a literal value; use valueFrom.secretKeyRef", where, e.Name)
				}
				if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
					r := e.ValueFrom.SecretKeyRef
					if !b.secretHas(r.Name, r.Key) && (r.Optional == nil || !*r.Optional) {
						t.Errorf("%s: env %s reads key %q of Secret %q, which is not declared here", where, e.Name, r.Key, r.Name)
					}
				}
			}
		}
	}
	for _, w := range b.workloads() {
		for _, c := range w.pod.Spec.Containers {
			if ok, _ := envFromSecret(c, "EXRECONCILE_PASSWORD"); !ok {
				t.Errorf("%s container %s: EXRECONCILE_PASSWORD must come from a Secret", w.name, c.Name)
			}
		}
	}
}

// envFromSecret reports whether container c gets env var name from a Secret, and which.
func envFromSecret(c corev1.Container, name string) (bool, string) {
	for _, e := range c.Env {
		if e.Name == name {
			if e.ValueFrom != nil && e.ValueFrom.SecretKeyRef != nil {
				return true, e.ValueFrom.SecretKeyRef.Name + "/" + e.ValueFrom.SecretKeyRef.Key
			}
			return false, ""
		}
	}
	for _, ef := range c.EnvFrom {
		if ef.SecretRef != nil && strings.HasPrefix(name, ef.Prefix) {
			return true, ef.SecretRef.Name + "/" + strings.TrimPrefix(name, ef.Prefix)
		}
	}
	return false, ""
}
