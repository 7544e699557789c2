package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
)

// embedInCluster writes a bundle of a 300-pod cluster (irsa-bundlegen's,
// all healthy) with the example's files added: the example's cluster,
// issuer, OIDC provider and webhook stand for the generated cluster's, so
// the example's failure is the only one among 300 healthy pods.
func embedInCluster(t *testing.T, example string) string {
	t.Helper()
	src := filepath.Join("../../examples", example)
	cfg := gen.Config{Pods: 300, ServiceAccounts: 60, Roles: 20, Namespaces: 5, Cluster: "prod-eu", Region: "eu-west-1", Account: "111122223333"}
	if b, err := os.ReadFile(filepath.Join(src, "describe-cluster.json")); err == nil {
		var dc struct {
			Cluster struct {
				Identity struct{ OIDC struct{ Issuer string } }
			}
		}
		if err := json.Unmarshal(b, &dc); err != nil {
			t.Fatal(err)
		}
		cfg.Issuer = strings.TrimPrefix(dc.Cluster.Identity.OIDC.Issuer, "https://")
	} else {
		cfg.Issuer = "oidc.eks.eu-west-1.amazonaws.com/id/5C8D2E7A9B41F3D6E0A1B2C3D4E5F607"
	}
	dir := t.TempDir()
	if err := gen.Write(dir, cfg); err != nil {
		t.Fatal(err)
	}
	// The example's copies of the cluster-wide objects replace the
	// generated ones (two copies that differ would be reported as such).
	ents, err := os.ReadDir(src)
	if err != nil {
		t.Fatal(err)
	}
	has := map[string]bool{}
	for _, e := range ents {
		has[e.Name()] = true
	}
	replaced := map[string]string{ // the generated file, and the example's that stands for it
		gen.ClusterFile: "describe-cluster.json", gen.CallerFile: "caller-identity.json",
		gen.ProvidersFile: "oidc-providers.json", gen.ProviderFile: "oidc-provider.json",
		gen.WebhooksFile: "mutatingwebhookconfigurations.json", gen.VersionFile: "kubectl-version.json",
	}
	for f, by := range replaced {
		// An example without the provider (EKS Pod Identity does not use
		// one; oidc-provider-missing has the list only) keeps the
		// generated cluster's, or the generated pods would break too.
		if f == gen.ProviderFile && !has[by] && !has["oidc-providers.json"] || f == gen.ProvidersFile && !has[by] {
			continue
		}
		if err := os.Remove(filepath.Join(dir, filepath.FromSlash(f))); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "example"), 0o755); err != nil {
		t.Fatal(err)
	}
	for _, e := range ents {
		b, err := os.ReadFile(filepath.Join(src, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, "example", e.Name()), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if has["kube-system.json"] {
		// The generated ServiceAccount list covers every namespace, so
		// the agent's ServiceAccount must be in it, or the agent itself
		// would be the failure.
		sa := `{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "default", "namespace": "kube-system"}}`
		if err := os.WriteFile(filepath.Join(dir, "example", "kube-system-sa.json"), []byte(sa), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// TestReportSizeInCluster is the whole-cluster report's budget: each
// bundled example embedded in a 300-pod cluster shows its failing row
// within the first 15 lines, its fix (every line of it) within the first
// 60, and takes at most 80 lines; with no failure, at most 15.
func TestReportSizeInCluster(t *testing.T) {
	examples, err := os.ReadDir("../../examples")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range examples {
		t.Run(e.Name(), func(t *testing.T) {
			t.Parallel()
			dir := embedInCluster(t, e.Name())
			r := runCLIWith(t, Deps{Getenv: func(string) string { return "" }}, "analyze", dir)
			lines := strings.Split(strings.TrimSuffix(r.stdout, "\n"), "\n")
			if r.code == ExitOK {
				if len(lines) > 15 {
					t.Errorf("%d lines with no failure, want at most 15:\n%s", len(lines), r.stdout)
				}
				return
			}
			if len(lines) > 80 {
				t.Errorf("%d lines, want at most 80:\n%s", len(lines), r.stdout)
			}
			// The example's targets are in namespace payments (the
			// generated ones in team-NNN).
			row := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, " payments/") && strings.Contains(l, "IRSA") })
			if row < 0 || row >= 15 {
				t.Errorf("the failing row is at line %d, want within the first 15:\n%s", row+1, r.stdout)
			}
			res := decode(t, runCLI(t, "", "analyze", dir, "-o", "json").stdout)
			var fix *finding.Fix
			for _, f := range res.Findings {
				if f.Status == finding.StatusFail && !f.Fix.Empty() {
					fix = f.Fix
					break
				}
			}
			if fix == nil {
				return
			}
			// Every line of the fix, as it pastes (the lines of fix.sh,
			// in a subshell when it guards a trust policy), in order,
			// within the first 60 lines.
			at := 0
			for _, l := range report.Pasteable(fix) {
				i := slices.IndexFunc(lines[at:], func(s string) bool { return strings.TrimSpace(s) == strings.TrimSpace(l) })
				if i < 0 {
					t.Fatalf("the fix line %q is not in the report after line %d:\n%s", l, at, r.stdout)
				}
				at += i + 1
			}
			if at > 60 {
				t.Errorf("the fix ends at line %d, want within the first 60:\n%s", at, r.stdout)
			}
		})
	}
}
