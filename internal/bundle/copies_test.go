package bundle

import (
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestCopiesThatDiffer (issue 10): several copies of one object with
// different content are not merged silently, first file wins. The newest
// copy is used where its time is known (the dump manifest's collectedAt,
// then creationTimestamp), with a warning naming every file; else a role or
// ServiceAccount is left out with a gap that makes its checks skip.
func TestCopiesThatDiffer(t *testing.T) {
	sa := func(role, created string) string {
		ts := ""
		if created != "" {
			ts = fmt.Sprintf(`, "creationTimestamp": %q`, created)
		}
		return fmt.Sprintf(`{"apiVersion": "v1", "kind": "ServiceAccount", "metadata": {"name": "app", "namespace": "payments", "resourceVersion": "%d"%s,
			"annotations": {"eks.amazonaws.com/role-arn": "arn:aws:iam::111122223333:role/%s"}}}`, len(role), ts, role)
	}
	role := func(sub string, created ...string) string {
		date := ""
		if len(created) > 0 {
			date = fmt.Sprintf(`"CreateDate": %q, `, created[0])
		}
		return fmt.Sprintf(`{"Role": {"Path": "/", "RoleName": "app", "RoleId": "AROAEXAMPLE", "Arn": "arn:aws:iam::111122223333:role/app", `+date+`
			"AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "sts:AssumeRoleWithWebIdentity",
			"Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.example/id/X"},
			"Condition": {"StringEquals": {"oidc.example/id/X:sub": %q}}}]}}}`, sub)
	}
	manifest := func(at string) string {
		return fmt.Sprintf(`{"kind": "IrsaDoctorBundleManifest", "collectedAt": %q}`, at)
	}
	const roleARN = "arn:aws:iam::111122223333:role/app"
	tests := []struct {
		name  string
		files map[string]string
		// role is the role-arn annotation of the ServiceAccount kept, ""
		// for none kept.
		role string
		gaps []snapshot.Gap
		// roleKept: whether s.Roles holds the role (for the role cases).
		roleKept bool
	}{
		{
			name:  "no time known: the ServiceAccount is left out, its absence proves nothing",
			files: map[string]string{"a/sa.json": sa("one", ""), "b/sa.json": sa("two", "")},
			gaps: []snapshot.Gap{{Source: "bundle", Operation: snapshot.GapServiceAccountCopies, Resource: "payments/app",
				Reason: "2 copies that differ: a/sa.json, b/sa.json; keep one copy in the input (move the others out) and run again"}},
		},
		{
			name:  "the same creationTimestamp: still undecided",
			files: map[string]string{"a/sa.json": sa("one", "2026-01-01T00:00:00Z"), "b/sa.json": sa("two", "2026-01-01T00:00:00Z")},
			gaps: []snapshot.Gap{{Source: "bundle", Operation: snapshot.GapServiceAccountCopies, Resource: "payments/app",
				Reason: "2 copies that differ: a/sa.json, b/sa.json; keep one copy in the input (move the others out) and run again"}},
		},
		{
			name:  "the newest by creationTimestamp is used, though it is the later file",
			files: map[string]string{"a/sa.json": sa("old", "2026-01-01T00:00:00Z"), "b/sa.json": sa("new", "2026-02-01T00:00:00Z")},
			role:  "new",
			gaps: []snapshot.Gap{{Source: "bundle", Operation: "copies", Resource: "ServiceAccount payments/app",
				Reason: "2 copies that differ: a/sa.json, b/sa.json; used b/sa.json, the newest by creationTimestamp (2026-02-01T00:00:00Z)"}},
		},
		{
			name:  "only one copy has a creationTimestamp: undecided",
			files: map[string]string{"a/sa.json": sa("one", ""), "b/sa.json": sa("two", "2026-02-01T00:00:00Z")},
			gaps: []snapshot.Gap{{Source: "bundle", Operation: snapshot.GapServiceAccountCopies, Resource: "payments/app",
				Reason: "2 copies that differ: a/sa.json, b/sa.json; keep one copy in the input (move the others out) and run again"}},
		},
		{
			name: "the dump manifest's collectedAt comes before creationTimestamp, and dates the sub-folders of its folder",
			files: map[string]string{
				"a/manifest.json": manifest("2026-03-01T00:00:00Z"), "a/kube/sa.json": sa("collected-later", "2026-01-01T00:00:00Z"),
				"b/manifest.json": manifest("2026-02-01T00:00:00Z"), "b/kube/sa.json": sa("created-later", "2026-02-01T00:00:00Z"),
			},
			role: "collected-later",
			gaps: []snapshot.Gap{{Source: "bundle", Operation: "copies", Resource: "ServiceAccount payments/app",
				Reason: "2 copies that differ: a/kube/sa.json, b/kube/sa.json; used a/kube/sa.json, the newest by collectedAt of its dump manifest (2026-03-01T00:00:00Z)"}},
		},
		{
			name: "identical copies stay silent: a List and a single capture, another folder; resourceVersion is not compared",
			files: map[string]string{
				"a/sa.json":   sa("same", "2026-01-01T00:00:00Z"),
				"b/list.json": `{"apiVersion": "v1", "kind": "List", "items": [` + sa("same", "2026-01-01T00:00:00Z") + `]}`,
				"c/sa.yaml": `apiVersion: v1
kind: ServiceAccount
metadata:
  name: app
  namespace: payments
  resourceVersion: "99"
  creationTimestamp: "2026-01-01T00:00:00Z"
  annotations:
    eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/same
`,
			},
			role: "same",
		},
		{
			name:  "a role captured twice with different trust policies is left out, its checks skip",
			files: map[string]string{"a/role.json": role("system:serviceaccount:payments:app"), "b/role.json": role("system:serviceaccount:default:app")},
			gaps: []snapshot.Gap{{Source: "bundle", Operation: "iam:GetRole", Resource: roleARN,
				Reason: "2 copies that differ: a/role.json, b/role.json; keep one copy in the input (move the others out) and run again"}},
		},
		{
			name: "a role: the newest by collectedAt",
			files: map[string]string{
				"a/manifest.json": manifest("2026-02-01T00:00:00Z"), "a/role.json": role("system:serviceaccount:payments:app"),
				"b/manifest.json": manifest("2026-03-01T00:00:00Z"), "b/role.json": role("system:serviceaccount:default:app"),
			},
			roleKept: true,
			gaps: []snapshot.Gap{{Source: "bundle", Operation: "copies", Resource: "role " + roleARN,
				Reason: "2 copies that differ: a/role.json, b/role.json; used b/role.json, the newest by collectedAt of its dump manifest (2026-03-01T00:00:00Z)"}},
		},
		{
			name: "a role: the newest by CreateDate (deleted and created again)",
			files: map[string]string{
				"a/role.json": role("system:serviceaccount:payments:app", "2026-02-11T10:42:19+00:00"),
				"b/role.json": role("system:serviceaccount:default:app", "2026-03-11T10:42:19+00:00"),
			},
			roleKept: true,
			gaps: []snapshot.Gap{{Source: "bundle", Operation: "copies", Resource: "role " + roleARN,
				Reason: "2 copies that differ: a/role.json, b/role.json; used b/role.json, the newest by CreateDate (2026-03-11T10:42:19+00:00)"}},
		},
		{
			name: "a role: the same CreateDate is undecided",
			files: map[string]string{
				"a/role.json": role("system:serviceaccount:payments:app", "2026-02-11T10:42:19+00:00"),
				"b/role.json": role("system:serviceaccount:default:app", "2026-02-11T10:42:19+00:00"),
			},
			gaps: []snapshot.Gap{{Source: "bundle", Operation: "iam:GetRole", Resource: roleARN,
				Reason: "2 copies that differ: a/role.json, b/role.json; keep one copy in the input (move the others out) and run again"}},
		},
		{
			name:     "the same role twice, identical: silent",
			files:    map[string]string{"a/role.json": role("system:serviceaccount:payments:app"), "b/role.json": role("system:serviceaccount:payments:app")},
			roleKept: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeTree(t, tt.files)
			s := readPaths(t, ".")
			var gaps []snapshot.Gap
			for _, g := range s.Gaps {
				if g.Source == "bundle" {
					gaps = append(gaps, g)
				}
			}
			if diff := cmp.Diff(tt.gaps, gaps); diff != "" {
				t.Errorf("bundle gaps (-want +got):\n%s", diff)
			}
			got := ""
			if kept := s.ServiceAccounts["payments/app"]; kept != nil {
				got = kept.Annotations["eks.amazonaws.com/role-arn"]
			}
			if want := "arn:aws:iam::111122223333:role/" + tt.role; tt.role == "" && got != "" || tt.role != "" && got != want {
				t.Errorf("ServiceAccount kept with role-arn %q, want role %q", got, tt.role)
			}
			if r := s.Roles[roleARN]; (r != nil) != tt.roleKept {
				t.Errorf("role kept: %v, want %v", r != nil, tt.roleKept)
			} else if r != nil && tt.gaps != nil && r.Source.Ref != "b/role.json" {
				t.Errorf("role kept from %s, want b/role.json", r.Source.Ref)
			}
		})
	}
}

// TestClusterCopiesThatDiffer: the same cluster described in two sub-folders
// is one bundle; its describe-cluster outputs that differ (an upgrade in
// between) are settled by the dump manifests' collectedAt, else the first
// is kept with a warning (a cluster is never left out).
func TestClusterCopiesThatDiffer(t *testing.T) {
	cluster := func(version string) string {
		return `{"cluster": {"name": "prod", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/prod", "version": "` + version + `",
			"identity": {"oidc": {"issuer": "https://oidc.eks.eu-west-1.amazonaws.com/id/ABC"}}}}`
	}
	for _, tt := range []struct {
		name    string
		files   map[string]string
		version string
		reason  string
	}{
		{
			name:    "undated: the first, with a warning",
			files:   map[string]string{"a/cluster.json": cluster("1.30"), "b/cluster.json": cluster("1.31")},
			version: "1.30",
			reason:  "2 copies that differ: a/cluster.json, b/cluster.json, and none is known to be newer; used the first, a/cluster.json; keep one copy in the input (move the others out) and run again",
		},
		{
			name: "dated by the manifests",
			files: map[string]string{
				"a/manifest.json": `{"kind": "IrsaDoctorBundleManifest", "collectedAt": "2026-03-01T00:00:00Z"}`, "a/cluster.json": cluster("1.30"),
				"b/manifest.json": `{"kind": "IrsaDoctorBundleManifest", "collectedAt": "2026-04-01T00:00:00Z"}`, "b/cluster.json": cluster("1.31"),
			},
			version: "1.31",
			reason:  "2 copies that differ: a/cluster.json, b/cluster.json; used b/cluster.json, the newest by collectedAt of its dump manifest (2026-04-01T00:00:00Z)",
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			writeTree(t, tt.files)
			s := readPaths(t, ".")
			if len(s.Clusters) != 1 || s.Clusters[0].Version != tt.version {
				t.Fatalf("clusters %+v, want one of version %s", s.Clusters, tt.version)
			}
			want := []snapshot.Gap{{Source: "bundle", Operation: "copies", Resource: "EKS cluster prod", Reason: tt.reason}}
			if diff := cmp.Diff(want, s.Gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
		})
	}
}
