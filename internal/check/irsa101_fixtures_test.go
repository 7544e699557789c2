package check

// Fixtures shared by the unit tests of IRSA101, 102, 103, 106, 110 and 112:
// a small payments namespace built in Go, and a renderer that turns findings
// into lines to compare exactly.

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

const (
	fxNS   = "payments"
	fxRole = "arn:aws:iam::111122223333:role/payments-api"
	fxPod  = "api-7d9f8b6c5-x2k4p"
)

var fxNow = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)

func fxSrc(file string) snapshot.Source { return snapshot.Source{Kind: "bundle", Ref: file} }

// fxSA is ServiceAccount payments/NAME with annotations (key, value pairs).
func fxSA(name string, kv ...string) *snapshot.ServiceAccount {
	sa := &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{Name: name, Namespace: fxNS, UID: "sa-" + name,
		CreationTimestamp: "2026-01-10T09:00:00Z"}, Source: fxSrc("serviceaccounts.json")}
	if len(kv) > 0 {
		sa.Annotations = map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			sa.Annotations[kv[i]] = kv[i+1]
		}
	}
	return sa
}

// fxSnapshot: namespace payments, whose ServiceAccount List (api annotated
// with fxRole, and default) is in the input.
func fxSnapshot(mods ...func(*snapshot.Snapshot)) *snapshot.Snapshot {
	s := snapshot.New("offline")
	for _, sa := range []*snapshot.ServiceAccount{fxSA("default"), fxSA("api", webhook.AnnotationRoleARN, fxRole)} {
		s.ServiceAccounts[snapshot.Key(sa.Namespace, sa.Name)] = sa
	}
	s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindServiceAccount, Namespace: fxNS, Source: fxSrc("serviceaccounts.json")})
	for _, m := range mods {
		m(s)
	}
	return s
}

// fxSpec is a pod spec running as ServiceAccount api with one container app.
func fxSpec() snapshot.PodSpec {
	return snapshot.PodSpec{ServiceAccountName: "api", Containers: []snapshot.Container{{Name: "app", Image: "ghcr.io/example/payments-api:1.4.2"}}}
}

// fxDeployment is Deployment payments/api; mods change it.
func fxDeployment(mods ...func(*snapshot.Workload)) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		w := &snapshot.Workload{Kind: "Deployment", APIVersion: "apps/v1",
			ObjectMeta: snapshot.ObjectMeta{Name: "api", Namespace: fxNS, UID: "dep-api"},
			Template:   snapshot.PodTemplate{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"app": "api"}}, Spec: fxSpec()},
			Source:     fxSrc("deployments.json")}
		for _, m := range mods {
			m(w)
		}
		s.Workloads = append(s.Workloads, w)
	}
}

// fxBarePod is pod payments/NAME without an owner; mods change it.
func fxBarePod(name string, mods ...func(*snapshot.Pod)) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		p := &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Name: name, Namespace: fxNS, UID: "pod-" + name, CreationTimestamp: "2026-11-20T08:00:00Z"},
			Spec: fxSpec(), Status: snapshot.PodStatus{Phase: "Running"}, Source: fxSrc("pods.json")}
		for _, m := range mods {
			m(p)
		}
		s.Pods = append(s.Pods, p)
	}
}

// fxOwnedPod is a pod of Deployment api (through ReplicaSet api-7d9f8b6c5).
func fxOwnedPod(mods ...func(*snapshot.Pod)) func(*snapshot.Snapshot) {
	yes := true
	return fxBarePod(fxPod, append([]func(*snapshot.Pod){func(p *snapshot.Pod) {
		p.Labels = map[string]string{"app": "api", "pod-template-hash": "7d9f8b6c5"}
		p.OwnerReferences = []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7d9f8b6c5", UID: "rs-api", Controller: &yes}}
	}}, mods...)...)
}

// fxMutated gives the pod what the webhook injects for fxRole.
func fxMutated(p *snapshot.Pod) {
	exp := webhook.DefaultExpiration
	mode := int32(420)
	p.Spec.Volumes = append([]snapshot.Volume{{Name: webhook.VolumeName, Projected: &snapshot.ProjectedVolume{DefaultMode: &mode,
		Sources: []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: webhook.DefaultAudience, ExpirationSeconds: &exp, Path: "token"}}}}}},
		p.Spec.Volumes...)
	for i := range p.Spec.Containers {
		c := &p.Spec.Containers[i]
		c.Env = append(c.Env, snapshot.EnvVar{Name: webhook.EnvRoleARN, Value: fxRole}, snapshot.EnvVar{Name: webhook.EnvTokenFile, Value: webhook.TokenPath})
		c.VolumeMounts = append(c.VolumeMounts, snapshot.VolumeMount{Name: webhook.VolumeName, MountPath: webhook.MountPath, ReadOnly: true})
	}
}

func fxI64(v int64) *int64 { return &v }

// fxRun runs the checks and renders every finding as one line per finding
// ("ID status subject: message"), with severity, evidence and fix lines
// when details is set; sorted.
func fxRun(t *testing.T, s *snapshot.Snapshot, sel Selector, details bool, checks ...*Check) []string {
	t.Helper()
	out := Run(s, Options{Checks: checks, Selector: sel, Now: fxNow})
	var lines []string
	for _, f := range out.Findings {
		line := fmt.Sprintf("%s %s %s: %s", f.CheckID, f.Status, f.Subject, f.Message)
		if details {
			if c := ByIDOrSlug(f.CheckID); f.Status == finding.StatusFail && c != nil && c.Severity != f.Severity {
				line += "\n  severity: " + string(f.Severity)
			}
			for _, e := range f.Evidence {
				line += fmt.Sprintf("\n  evidence: %s %s: %s", e.Source, e.Ref, e.Value)
			}
			if f.Fix != nil {
				for _, c := range f.Fix.Commands {
					line += "\n  fix: " + c
				}
			}
		}
		lines = append(lines, line)
	}
	sort.Strings(lines)
	return lines
}

// fxOnly keeps the lines of one check.
func fxOnly(lines []string, id string) []string {
	var out []string
	for _, l := range lines {
		if strings.HasPrefix(l, id+" ") {
			out = append(out, l)
		}
	}
	return out
}

func fxAssert(t *testing.T, got, want []string) {
	t.Helper()
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("findings mismatch (-want +got):\n%s", diff)
	}
}
