package kube

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"sigs.k8s.io/yaml"

	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
)

// rbacObjects reads deploy/rbac.yaml.
func rbacObjects(t *testing.T) (roles map[string]rbacv1.ClusterRole, bindings []rbacv1.ClusterRoleBinding) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "..", filepath.FromSlash(RBACFile)))
	if err != nil {
		t.Fatal(err)
	}
	roles = map[string]rbacv1.ClusterRole{}
	for i, doc := range bytes.Split(data, []byte("\n---\n")) {
		var tm metav1.TypeMeta
		if err := yaml.Unmarshal(doc, &tm); err != nil {
			t.Fatalf("document %d: %v", i, err)
		}
		switch tm.Kind {
		case "ClusterRole":
			var r rbacv1.ClusterRole
			if err := yaml.UnmarshalStrict(doc, &r); err != nil {
				t.Fatalf("document %d: %v", i, err)
			}
			roles[r.Name] = r
		case "ClusterRoleBinding":
			var b rbacv1.ClusterRoleBinding
			if err := yaml.UnmarshalStrict(doc, &b); err != nil {
				t.Fatalf("document %d: %v", i, err)
			}
			bindings = append(bindings, b)
		default:
			t.Fatalf("document %d is a %q, want ClusterRole or ClusterRoleBinding", i, tm.Kind)
		}
	}
	return roles, bindings
}

// grants expands a role's rules into "verb group/resource" and "verb URL".
func grants(rules []rbacv1.PolicyRule) []string {
	set := map[string]bool{}
	for _, r := range rules {
		for _, v := range r.Verbs {
			for _, g := range r.APIGroups {
				for _, res := range r.Resources {
					set[v+" "+g+"/"+res] = true
				}
			}
			for _, u := range r.NonResourceURLs {
				set[v+" "+u] = true
			}
		}
	}
	out := make([]string, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestRBACMatchesCollector: the reader role grants exactly what a full
// collection calls, over every path of the collector (every namespace
// listed, and the Get of each namespace when the List is refused):
// nothing it lacks, nothing more, nothing on Secrets.
func TestRBACMatchesCollector(t *testing.T) {
	used := map[string]bool{}
	record := func(cs *pagingClientset, opts Options) {
		t.Helper()
		if _, err := Collect(context.Background(), clientset.Wrap(cs), opts); err != nil {
			t.Fatal(err)
		}
		for _, a := range cs.Actions() {
			res := a.GetResource()
			if a.GetVerb() == "get" && res.Group == "" && res.Resource == "version" {
				// The fake discovery records GET /version as a
				// resource named "version"; RBAC knows it as a
				// non-resource URL.
				used["get /version"] = true
				continue
			}
			used[a.GetVerb()+" "+res.Group+"/"+res.Resource] = true
		}
	}
	record(&pagingClientset{Clientset: newClientset(paymentsObjects()...)}, Options{AllNamespaces: true})
	refused := &pagingClientset{Clientset: newClientset(paymentsObjects()...)}
	deny(refused.Clientset, "list", "namespaces", "", "")
	record(refused, Options{Namespaces: []string{"payments"}})
	var want []string
	for k := range used {
		want = append(want, k)
	}
	sort.Strings(want)

	roles, bindings := rbacObjects(t)
	reader, ok := roles["irsa-doctor-reader"]
	if !ok {
		t.Fatalf("%s has no ClusterRole irsa-doctor-reader", RBACFile)
	}
	if diff := cmp.Diff(want, grants(reader.Rules)); diff != "" {
		t.Errorf("irsa-doctor-reader grants (-used by the collector +granted):\n%s", diff)
	}
	probe, ok := roles["irsa-doctor-probe"]
	if !ok {
		t.Fatalf("%s has no ClusterRole irsa-doctor-probe", RBACFile)
	}
	// The probe: a TokenRequest for the service account and a
	// server-side dry-run create of the pod (issue 4, item 4).
	if diff := cmp.Diff([]string{"create /pods", "create /serviceaccounts/token"}, grants(probe.Rules)); diff != "" {
		t.Errorf("irsa-doctor-probe grants (-want +got):\n%s", diff)
	}
	logs, ok := roles[LogsRole]
	if !ok {
		t.Fatalf("%s has no ClusterRole %s", RBACFile, LogsRole)
	}
	// --logs: kubectl logs of the target pods' containers (issue 12,
	// item 4).
	if diff := cmp.Diff([]string{"get /pods/log"}, grants(logs.Rules)); diff != "" {
		t.Errorf("%s grants (-want +got):\n%s", LogsRole, diff)
	}
	configMaps, ok := roles["irsa-doctor-configmaps"]
	if !ok {
		t.Fatalf("%s has no ClusterRole irsa-doctor-configmaps", RBACFile)
	}
	// IRSA604: get (never list) of the ConfigMaps a container mounts as
	// its AWS config file (issue 13, item 3).
	if diff := cmp.Diff([]string{"get /configmaps"}, grants(configMaps.Rules)); diff != "" {
		t.Errorf("irsa-doctor-configmaps grants (-want +got):\n%s", diff)
	}
	if len(roles) != 4 {
		t.Errorf("%s holds %d ClusterRoles, want the reader, the probe, the logs and the configmaps", RBACFile, len(roles))
	}
	var bound []string
	for _, b := range bindings {
		if b.RoleRef.Kind != "ClusterRole" || b.RoleRef.APIGroup != rbacv1.GroupName {
			t.Errorf("binding %s refers to a %s of %q", b.Name, b.RoleRef.Kind, b.RoleRef.APIGroup)
		}
		if _, ok := roles[b.RoleRef.Name]; !ok {
			t.Errorf("binding %s refers to the unknown role %s", b.Name, b.RoleRef.Name)
		}
		want := []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "irsa-doctor"}}
		if diff := cmp.Diff(want, b.Subjects); diff != "" {
			t.Errorf("binding %s subjects (-want +got):\n%s", b.Name, diff)
		}
		bound = append(bound, b.RoleRef.Name)
	}
	sort.Strings(bound)
	if diff := cmp.Diff([]string{"irsa-doctor-configmaps", "irsa-doctor-logs", "irsa-doctor-probe", "irsa-doctor-reader"}, bound); diff != "" {
		t.Errorf("bound roles (-want +got):\n%s", diff)
	}
}
