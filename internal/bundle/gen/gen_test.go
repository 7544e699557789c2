package gen_test

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestWriteReadsBack: every generated file is recognised, and the facts are
// consistent (each annotated SA's pods carry its role, each role trusts its
// SAs), so the benchmark measures a bundle the checks would pass through.
func TestWriteReadsBack(t *testing.T) {
	dir := t.TempDir()
	cfg := gen.Config{Pods: 300, ServiceAccounts: 60, Roles: 10, Namespaces: 5}
	if err := gen.Write(dir, cfg); err != nil {
		t.Fatal(err)
	}
	s, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	base := filepath.Base(dir) + "/"
	wantFiles := []snapshot.File{
		{Path: base + gen.ClusterFile, RecognisedAs: "aws:DescribeCluster"},
		{Path: base + gen.CallerFile, RecognisedAs: "aws:GetCallerIdentity"},
		{Path: base + gen.ProviderFile, RecognisedAs: "aws:GetOpenIDConnectProvider"},
		{Path: base + gen.RolesFile, RecognisedAs: "aws:GetRole"},
		{Path: base + gen.ProvidersFile, RecognisedAs: "aws:ListOpenIDConnectProviders"},
		{Path: base + gen.WebhooksFile, RecognisedAs: "kubectl:MutatingWebhookConfigurationList"},
		{Path: base + gen.NamespacesFile, RecognisedAs: "kubectl:NamespaceList"},
		{Path: base + gen.PodsFile, RecognisedAs: "kubectl:PodList"},
		{Path: base + gen.ServiceAccountsFile, RecognisedAs: "kubectl:ServiceAccountList"},
		{Path: base + gen.VersionFile, RecognisedAs: "kubectl:Version"},
	}
	// Lines (each file's line count) depends on the generator's layout,
	// not on what is read back.
	if d := cmp.Diff(wantFiles, s.Files, cmpopts.IgnoreFields(snapshot.File{}, "Lines")); d != "" {
		t.Errorf("Files (-want +got):\n%s", d)
	}
	if len(s.Pods) != 300 || len(s.ServiceAccounts) != 60 || len(s.Namespaces) != 5 || len(s.Roles) != 10 ||
		len(s.Clusters) != 1 || s.Caller == nil || len(s.OIDCProviders) != 2 || len(s.Webhooks) != 1 || s.ServerVersion == nil {
		t.Fatalf("read %d pods, %d SAs, %d namespaces, %d roles, %d clusters, %d providers, %d webhooks",
			len(s.Pods), len(s.ServiceAccounts), len(s.Namespaces), len(s.Roles), len(s.Clusters), len(s.OIDCProviders), len(s.Webhooks))
	}
	if p := s.OIDCProviders[0]; !p.Detailed || "https://"+p.URL != s.Clusters[0].Issuer {
		t.Errorf("provider %+v does not match the cluster issuer %s", p, s.Clusters[0].Issuer)
	}
	if len(s.Listings) != 4 {
		t.Errorf("Listings = %+v, want pods, SAs (-A), namespaces and webhooks", s.Listings)
	}
	injected := 0
	for _, p := range s.Pods {
		sa := s.ServiceAccount(p.Namespace, p.Spec.ServiceAccount())
		if sa == nil {
			t.Fatalf("pod %s/%s: SA %s missing", p.Namespace, p.Name, p.Spec.ServiceAccount())
		}
		arn := sa.Annotations["eks.amazonaws.com/role-arn"]
		var env string
		for _, e := range p.Spec.Containers[0].Env {
			if e.Name == "AWS_ROLE_ARN" {
				env = e.Value
			}
		}
		if env != arn {
			t.Fatalf("pod %s/%s: AWS_ROLE_ARN %q, SA annotation %q", p.Namespace, p.Name, env, arn)
		}
		if arn == "" {
			continue
		}
		injected++
		role := s.Roles[arn]
		if role == nil || !strings.Contains(role.TrustPolicy, `system:serviceaccount:`+p.Namespace+`:`+sa.Name+`"`) {
			t.Fatalf("role %s does not trust %s/%s: %+v", arn, p.Namespace, sa.Name, role)
		}
	}
	if injected == 0 || injected == len(s.Pods) {
		t.Errorf("%d of %d pods use IRSA; want some with and some without", injected, len(s.Pods))
	}

	// Each pod is printed at the size of a real one (STYLE: nothing trimmed).
	st, err := os.Stat(filepath.Join(dir, gen.PodsFile))
	if err != nil {
		t.Fatal(err)
	}
	if per := st.Size() / 300; per < 8<<10 || per > 14<<10 {
		t.Errorf("%d bytes per pod in the List, want 8-14 KB (7-10 KB printed alone)", per)
	}
}

func TestWriteIsDeterministic(t *testing.T) {
	a, b := t.TempDir(), t.TempDir()
	cfg := gen.Config{Pods: 20, ServiceAccounts: 10, Roles: 3, Namespaces: 2, Seed: 7}
	for _, d := range []string{a, b} {
		if err := gen.Write(d, cfg); err != nil {
			t.Fatal(err)
		}
	}
	for _, f := range []string{gen.PodsFile, gen.RolesFile, gen.ProviderFile} {
		x, err := os.ReadFile(filepath.Join(a, f))
		if err != nil {
			t.Fatal(err)
		}
		y, err := os.ReadFile(filepath.Join(b, f))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s differs between two runs with the same config", f)
		}
	}
}

func TestWriteRejectsBadConfig(t *testing.T) {
	err := gen.Write(t.TempDir(), gen.Config{ServiceAccounts: 3, Namespaces: 5})
	if err == nil || !strings.Contains(err.Error(), "service accounts >= namespaces") {
		t.Errorf("err = %v, want the config rejected", err)
	}
}
