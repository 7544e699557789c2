package deploytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	authorizationv1 "k8s.io/api/authorization/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"

	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
)

// manifests is deploy/manifests/, which `make manifests` (hack/helm)
// renders from the chart; hack/helm's TestManifestsFresh keeps it in step.
const manifests = "../../deploy/manifests"

// namespace is the one deploy/manifests/00-namespace.yaml makes.
const namespace = "irsa-doctor"

// readObjects decodes every object of a multi-document YAML file.
func readObjects(t *testing.T, name string) []*unstructured.Unstructured {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(manifests, name))
	if err != nil {
		t.Fatal(err)
	}
	return decodeAll(t, data)
}

// find returns the one object of that kind.
func find(t *testing.T, objs []*unstructured.Unstructured, kind string, into any) {
	t.Helper()
	var found []*unstructured.Unstructured
	for _, o := range objs {
		if o.GetKind() == kind {
			found = append(found, o)
		}
	}
	if len(found) != 1 {
		t.Fatalf("%d objects of kind %s in the manifests, want 1", len(found), kind)
	}
	if err := runtime.DefaultUnstructuredConverter.FromUnstructuredWithValidation(found[0].Object, into, true); err != nil {
		t.Fatalf("convert %s: %v", kind, err)
	}
}

// warnings records the warnings the API server returns (the Warning
// headers: deprecations, Pod Security's warn mode) request by request.
type warnings struct {
	mu   sync.Mutex
	seen []string
}

func (w *warnings) HandleWarningHeader(code int, _ string, text string) {
	if code != 299 || text == "" {
		return
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	w.seen = append(w.seen, text)
}

// take returns the warnings since the last take.
func (w *warnings) take() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	seen := w.seen
	w.seen = nil
	return seen
}

// client is a dynamic client of the test cluster whose warnings are
// recorded.
type client struct {
	dyn      dynamic.Interface
	typed    kubernetes.Interface
	mapper   *restmapper.DeferredDiscoveryRESTMapper
	warnings *warnings
}

func newClient(t *testing.T, c *testenv.Cluster) *client {
	t.Helper()
	w := &warnings{}
	cfg := rest.CopyConfig(c.Admin.Config)
	cfg.WarningHandler = w
	dc, err := discovery.NewDiscoveryClientForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	dyn, err := dynamic.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	typed, err := kubernetes.NewForConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &client{dyn: dyn, typed: typed, mapper: restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc)), warnings: w}
}

// create creates obj, for real or with dryRun=All, with strict field
// validation (an unknown field is an error, not a warning), and returns the
// warnings of that request.
func (cl *client) create(ctx context.Context, obj *unstructured.Unstructured, dryRun bool) ([]string, error) {
	gvk := obj.GroupVersionKind()
	m, err := cl.mapper.RESTMapping(gvk.GroupKind(), gvk.Version)
	if err != nil {
		return nil, fmt.Errorf("map %s: %w", gvk, err)
	}
	var ri dynamic.ResourceInterface = cl.dyn.Resource(m.Resource)
	if m.Scope.Name() == meta.RESTScopeNameNamespace {
		ri = cl.dyn.Resource(m.Resource).Namespace(obj.GetNamespace())
	}
	opts := metav1.CreateOptions{FieldValidation: metav1.FieldValidationStrict}
	if dryRun {
		opts.DryRun = []string{metav1.DryRunAll}
	}
	cl.warnings.take()
	_, err = ri.Create(ctx, obj, opts)
	return cl.warnings.take(), err
}

// requireBinaries fails, rather than skips, when CI is set and the test
// binaries are missing: CI must run this test.
func requireBinaries(t *testing.T) {
	t.Helper()
	if _, err := testenv.FindBinaries(); errors.Is(err, testenv.ErrNoBinaries) && os.Getenv("CI") != "" {
		t.Fatalf("CI is set: %v", err)
	}
}

// TestManifestsPassRestrictedPodSecurity applies deploy/manifests/ to a real
// kube-apiserver (issue 15's precision on Pod Security): the Namespace for
// real, labelled to enforce the restricted profile, every other object with
// server-side dry-run and no warning, and a Pod made of the Deployment's
// template, which PodSecurity admission admits. Controls with one setting of
// the profile undone show that admission and the warning capture work.
func TestManifestsPassRestrictedPodSecurity(t *testing.T) {
	requireBinaries(t)
	c := testenv.StartCluster(t, testenv.Options{})
	cl := newClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	nsObjs := readObjects(t, "00-namespace.yaml")
	if len(nsObjs) != 1 || nsObjs[0].GetKind() != "Namespace" || nsObjs[0].GetName() != namespace {
		t.Fatalf("00-namespace.yaml holds %v, want the Namespace %s", nsObjs, namespace)
	}
	if w, err := cl.create(ctx, nsObjs[0], false); err != nil || len(w) != 0 {
		t.Fatalf("create Namespace: %v (warnings %q)", err, w)
	}
	ns, err := cl.typed.CoreV1().Namespaces().Get(ctx, namespace, metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if got := ns.Labels["pod-security.kubernetes.io/enforce"]; got != "restricted" {
		t.Fatalf("namespace label pod-security.kubernetes.io/enforce = %q, want restricted", got)
	}

	objs := readObjects(t, "irsa-doctor.yaml")
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
		w, err := cl.create(ctx, o, true)
		if err != nil {
			t.Errorf("dry-run create %s %s: %v", o.GetKind(), o.GetName(), err)
		}
		if len(w) != 0 {
			t.Errorf("dry-run create %s %s: warnings %q, want none", o.GetKind(), o.GetName(), w)
		}
	}
	wantKinds := []string{"ClusterRole", "ClusterRoleBinding", "Deployment", "NetworkPolicy", "Role", "RoleBinding", "Service", "ServiceAccount"}
	slices.Sort(kinds)
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("kinds in irsa-doctor.yaml (-want +got):\n%s", diff)
	}

	// The Pod needs its ServiceAccount (the ServiceAccount admission plugin
	// rejects a pod whose account does not exist): that one is created.
	var sa corev1.ServiceAccount
	find(t, objs, "ServiceAccount", &sa)
	if _, err := cl.typed.CoreV1().ServiceAccounts(namespace).Create(ctx, &sa, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	var d appsv1.Deployment
	find(t, objs, "Deployment", &d)
	pod := func(name string, edit func(*corev1.PodSpec)) *corev1.Pod {
		p := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: namespace, Labels: d.Spec.Template.Labels},
			Spec:       *d.Spec.Template.Spec.DeepCopy(),
		}
		if edit != nil {
			edit(&p.Spec)
		}
		return p
	}
	dryRun := metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}, FieldValidation: metav1.FieldValidationStrict}
	cl.warnings.take()
	got, err := cl.typed.CoreV1().Pods(namespace).Create(ctx, pod("irsa-doctor-psa", nil), dryRun)
	if err != nil {
		t.Fatalf("dry-run create of a Pod from the Deployment's template in a restricted namespace: %v", err)
	}
	if w := cl.warnings.take(); len(w) != 0 {
		t.Errorf("dry-run create Pod: warnings %q, want none", w)
	}
	if got.Spec.ServiceAccountName != "irsa-doctor" || got.Spec.Containers[0].Image != "irsa-doctor:v0.1.0" {
		t.Errorf("dry-run Pod: serviceAccountName %q, image %q", got.Spec.ServiceAccountName, got.Spec.Containers[0].Image)
	}

	// Controls: the template with privilege escalation allowed is refused
	// as a Pod and warned about as a Deployment. Without them a namespace
	// that enforced nothing, or a warning handler never called, would pass.
	escalate := func(s *corev1.PodSpec) { s.Containers[0].SecurityContext.AllowPrivilegeEscalation = new(true) }
	_, err = cl.typed.CoreV1().Pods(namespace).Create(ctx, pod("irsa-doctor-psa-control", escalate), dryRun)
	if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `violates PodSecurity "restricted:latest": allowPrivilegeEscalation != false`) {
		t.Errorf("control: a Pod allowing privilege escalation: error %v, want Forbidden by PodSecurity restricted", err)
	}
	bad := d.DeepCopy()
	bad.Name = "irsa-doctor-psa-control"
	escalate(&bad.Spec.Template.Spec)
	cl.warnings.take()
	if _, err := cl.typed.AppsV1().Deployments(namespace).Create(ctx, bad, dryRun); err != nil {
		t.Fatalf("control: dry-run create Deployment: %v", err)
	}
	w := cl.warnings.take()
	if len(w) != 1 || !strings.Contains(w[0], `would violate PodSecurity "restricted:latest": allowPrivilegeEscalation != false`) {
		t.Errorf("control: Deployment allowing privilege escalation: warnings %q, want one PodSecurity warning", w)
	}
}

// TestServiceAccountMayDoExactlyThis creates the RBAC objects of
// deploy/manifests/ for real and asks the API server (SubjectAccessReview)
// what the ServiceAccount may do: what serve needs is allowed where it needs
// it, and a sample of what it must not do is denied. The exact rules are
// hack/helm's assertion; this one shows that the bindings reach the
// ServiceAccount and that the Role stays in its namespace.
func TestServiceAccountMayDoExactlyThis(t *testing.T) {
	requireBinaries(t)
	c := testenv.StartCluster(t, testenv.Options{})
	cl := newClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	c.CreateNamespace(t, namespace, nil)
	for _, o := range readObjects(t, "irsa-doctor.yaml") {
		switch o.GetKind() {
		case "ClusterRole", "ClusterRoleBinding", "Role", "RoleBinding", "ServiceAccount":
			if _, err := cl.create(ctx, o, false); err != nil {
				t.Fatalf("create %s %s: %v", o.GetKind(), o.GetName(), err)
			}
		}
	}
	user := "system:serviceaccount:" + namespace + ":irsa-doctor"
	tests := []struct {
		verb, group, resource, ns string
		allowed                   bool
	}{
		{"list", "", "pods", "", true},
		{"watch", "", "pods", "payments", true},
		{"watch", "", "serviceaccounts", "", true},
		{"watch", "", "namespaces", "", true},
		{"get", "", "namespaces", "", true},
		{"watch", "", "nodes", "", true},
		{"watch", "apps", "deployments", "", true},
		{"watch", "apps", "daemonsets", "kube-system", true},
		{"watch", "batch", "cronjobs", "", true},
		{"watch", "admissionregistration.k8s.io", "mutatingwebhookconfigurations", "", true},
		{"create", "events.k8s.io", "events", "payments", true},
		{"patch", "", "events", "payments", true},
		{"create", "coordination.k8s.io", "leases", namespace, true},
		{"update", "coordination.k8s.io", "leases", namespace, true},
		{"get", "", "pods", namespace, true},
		// Denied: Secrets, writes, other namespaces' leases and pods.
		{"get", "", "secrets", namespace, false},
		{"list", "", "secrets", "", false},
		{"get", "", "configmaps", namespace, false},
		{"get", "", "pods", "payments", false},
		{"create", "", "pods", namespace, false},
		{"update", "", "serviceaccounts", "payments", false},
		{"delete", "events.k8s.io", "events", "payments", false},
		{"update", "coordination.k8s.io", "leases", "kube-system", false},
		{"delete", "coordination.k8s.io", "leases", namespace, false},
		{"create", "", "serviceaccounts/token", namespace, false},
	}
	for _, tt := range tests {
		sar := &authorizationv1.SubjectAccessReview{Spec: authorizationv1.SubjectAccessReviewSpec{
			User:   user,
			Groups: []string{"system:serviceaccounts", "system:serviceaccounts:" + namespace, "system:authenticated"},
			ResourceAttributes: &authorizationv1.ResourceAttributes{
				Verb: tt.verb, Group: tt.group, Resource: tt.resource, Namespace: tt.ns,
			},
		}}
		got, err := cl.typed.AuthorizationV1().SubjectAccessReviews().Create(ctx, sar, metav1.CreateOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if got.Status.Allowed != tt.allowed {
			t.Errorf("%s %s %q in namespace %q: allowed %v, want %v (%s)", tt.verb, tt.resource, tt.group, tt.ns, got.Status.Allowed, tt.allowed, got.Status.Reason)
		}
	}
}

// TestMonitoringManifests dry-runs deploy/manifests/prometheus-operator/
// against minimal stand-ins of prometheus-operator's CRDs (group, version,
// kinds and scope; no schema): it shows the objects' API names and
// namespaces are right, not that prometheus-operator accepts their specs,
// which hack/helm's tests assert field by field.
func TestMonitoringManifests(t *testing.T) {
	requireBinaries(t)
	c := testenv.StartCluster(t, testenv.Options{})
	cl := newClient(t, c)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	crdGVR := schema.GroupVersionResource{Group: "apiextensions.k8s.io", Version: "v1", Resource: "customresourcedefinitions"}
	for _, kind := range []string{"ServiceMonitor", "PrometheusRule"} {
		plural := strings.ToLower(kind) + "s"
		crd := &unstructured.Unstructured{Object: map[string]any{
			"apiVersion": "apiextensions.k8s.io/v1", "kind": "CustomResourceDefinition",
			"metadata": map[string]any{"name": plural + ".monitoring.coreos.com"},
			"spec": map[string]any{
				"group": "monitoring.coreos.com", "scope": "Namespaced",
				"names": map[string]any{"kind": kind, "plural": plural, "singular": strings.ToLower(kind), "listKind": kind + "List"},
				"versions": []any{map[string]any{
					"name": "v1", "served": true, "storage": true,
					"schema": map[string]any{"openAPIV3Schema": map[string]any{"type": "object", "x-kubernetes-preserve-unknown-fields": true}},
				}},
			},
		}}
		if _, err := cl.dyn.Resource(crdGVR).Create(ctx, crd, metav1.CreateOptions{}); err != nil {
			t.Fatal(err)
		}
		waitEstablished(ctx, t, cl, crdGVR, crd.GetName())
	}
	cl.mapper.Reset()
	c.CreateNamespace(t, namespace, nil)

	objs := readObjects(t, "prometheus-operator/monitoring.yaml")
	var kinds []string
	for _, o := range objs {
		kinds = append(kinds, o.GetKind())
		if o.GetNamespace() != namespace {
			t.Errorf("%s %s: namespace %q, want %s", o.GetKind(), o.GetName(), o.GetNamespace(), namespace)
		}
		w, err := cl.create(ctx, o, true)
		if err != nil || len(w) != 0 {
			t.Errorf("dry-run create %s %s: %v (warnings %q)", o.GetKind(), o.GetName(), err, w)
		}
	}
	if diff := cmp.Diff([]string{"PrometheusRule", "ServiceMonitor"}, kinds); diff != "" {
		t.Errorf("kinds (-want +got):\n%s", diff)
	}
}

func waitEstablished(ctx context.Context, t *testing.T, cl *client, gvr schema.GroupVersionResource, name string) {
	t.Helper()
	for {
		crd, err := cl.dyn.Resource(gvr).Get(ctx, name, metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		conds, _, _ := unstructured.NestedSlice(crd.Object, "status", "conditions")
		for _, c := range conds {
			if m, ok := c.(map[string]any); ok && m["type"] == "Established" && m["status"] == "True" {
				return
			}
		}
		select {
		case <-ctx.Done():
			t.Fatalf("CRD %s not established: %v", name, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// TestClusterRoleIsReaderPlusWatch holds the chart's ClusterRole to issue
// 15's precision, computed from deploy/rbac.yaml: the rules of
// irsa-doctor-reader (the role of scan and dump) with watch added to every
// resource rule, and create/patch on events in both Event APIs. A kind added
// to the reader role must be added to the chart, and nothing else may be.
func TestClusterRoleIsReaderPlusWatch(t *testing.T) {
	data, err := os.ReadFile("../../deploy/rbac.yaml")
	if err != nil {
		t.Fatal(err)
	}
	var reader *rbacv1.ClusterRole
	for _, o := range decodeAll(t, data) {
		if o.GetKind() == "ClusterRole" && o.GetName() == "irsa-doctor-reader" {
			reader = new(rbacv1.ClusterRole)
			if err := runtime.DefaultUnstructuredConverter.FromUnstructured(o.Object, reader); err != nil {
				t.Fatal(err)
			}
		}
	}
	if reader == nil {
		t.Fatal("no ClusterRole irsa-doctor-reader in deploy/rbac.yaml")
	}
	var want []rbacv1.PolicyRule
	for _, r := range reader.Rules {
		r = *r.DeepCopy()
		if len(r.Resources) > 0 {
			if slices.Contains(r.Verbs, "watch") {
				t.Errorf("deploy/rbac.yaml's reader already grants watch on %v: update this test", r.Resources)
			}
			r.Verbs = append(r.Verbs, "watch")
		}
		want = append(want, r)
	}
	want = append(want, rbacv1.PolicyRule{APIGroups: []string{"", "events.k8s.io"}, Resources: []string{"events"}, Verbs: []string{"create", "patch"}})

	var got rbacv1.ClusterRole
	find(t, readObjects(t, "irsa-doctor.yaml"), "ClusterRole", &got)
	if diff := cmp.Diff(want, got.Rules); diff != "" {
		t.Errorf("the chart's ClusterRole (-reader plus watch and events +deploy/manifests):\n%s", diff)
	}
	for _, r := range got.Rules {
		if slices.Contains(r.Resources, "secrets") || slices.Contains(r.Resources, "*") || slices.Contains(r.Verbs, "*") {
			t.Errorf("rule %v grants Secrets or a wildcard", r)
		}
	}
}

func decodeAll(t *testing.T, data []byte) []*unstructured.Unstructured {
	t.Helper()
	var objs []*unstructured.Unstructured
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(data), 4096)
	for {
		obj := &unstructured.Unstructured{}
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return objs
			}
			t.Fatal(err)
		}
		if len(obj.Object) > 0 {
			objs = append(objs, obj)
		}
	}
}
