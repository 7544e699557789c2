package check

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// A log that names no pod belongs to the input's only target; with two
// targets it belongs to none, and the run says which file (a gap).
func TestObservationAttribution(t *testing.T) {
	src := filepath.Join(ScenarioDir, "irsa303-observed-audience-error")
	pod, err := os.ReadFile(filepath.Join(src, "pod.json"))
	if err != nil {
		t.Fatal(err)
	}
	logText, err := os.ReadFile(filepath.Join(src, "logs/orders/order-sync-b99e9fdf57-a2b0b/order-sync.log"))
	if err != nil {
		t.Fatal(err)
	}
	other := []byte(`{"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "other", "namespace": "orders"},
		"spec": {"serviceAccountName": "order-sync", "containers": [{"name": "c", "image": "x"}]}}`)
	for _, tc := range []struct {
		name      string
		files     map[string][]byte
		symptoms  int // of the first target
		wantGaps  int
		explained []string
	}{
		{"one target", map[string][]byte{"pod.json": pod, "app.log": logText}, 1, 0, []string{"IRSA303"}},
		{"two targets", map[string][]byte{"pod.json": pod, "other.json": other, "app.log": logText}, 0, 1, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, name := range []string{"describe-cluster.json", "get-role-orders-order-sync.json", "oidc-provider.json", "oidc-providers.json", "serviceaccount.json"} {
				b, err := os.ReadFile(filepath.Join(src, name))
				if err != nil {
					t.Fatal(err)
				}
				tc.files[name] = b
			}
			for name, b := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out := Run(s, Options{Now: ScenarioNow})
			var first finding.Target
			for _, tg := range out.Targets {
				if tg.Name == "order-sync-b99e9fdf57-a2b0b" {
					first = tg
				}
			}
			if len(first.Symptoms) != tc.symptoms || len(out.Gaps) != tc.wantGaps {
				t.Fatalf("symptoms %+v, gaps %+v", first.Symptoms, out.Gaps)
			}
			if tc.symptoms > 0 {
				sy := first.Symptoms[0]
				if sy.Count != 2 || sy.Last != "2026-11-26T11:59:03.602910338Z" || len(sy.ExplainedBy) != 1 || sy.ExplainedBy[0] != tc.explained[0] {
					t.Errorf("symptom %+v", sy)
				}
			}
			if tc.wantGaps > 0 && (out.Gaps[0].Operation != GapUnattributed || filepath.Base(out.Gaps[0].Resource) != "app.log") {
				t.Errorf("gap %+v", out.Gaps[0])
			}
		})
	}
}

// CloudTrail events of a ServiceAccount no target uses are kept out of
// every target's symptoms, and the gap names the ServiceAccount.
func TestCloudTrailUnattributed(t *testing.T) {
	src := filepath.Join(ScenarioDir, "irsa303-cloudtrail-audience-error")
	events, err := os.ReadFile(filepath.Join(src, "cloudtrail", "lookup-events-us-west-2.json"))
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for _, name := range []string{"describe-cluster.json", "get-role-orders-order-sync.json", "oidc-provider.json", "oidc-providers.json", "serviceaccount.json", "pod.json"} {
		b, err := os.ReadFile(filepath.Join(src, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	other := strings.ReplaceAll(string(events), "system:serviceaccount:orders:order-sync", "system:serviceaccount:orders:reporter")
	if err := os.WriteFile(filepath.Join(dir, "trail.json"), []byte(other), 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out := Run(s, Options{Now: ScenarioNow})
	for _, tg := range out.Targets {
		if len(tg.Symptoms) > 0 {
			t.Errorf("target %s has symptoms %+v", tg.Name, tg.Symptoms)
		}
	}
	for i := range out.Gaps {
		out.Gaps[i].Resource = filepath.Base(out.Gaps[i].Resource)
	}
	want := []finding.Gap{{Source: "bundle", Operation: GapUnattributed, Resource: "trail.json",
		Reason: "its CloudTrail events name ServiceAccount orders/reporter, which no target of this run uses"}}
	if diff := cmp.Diff(want, out.Gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
}
