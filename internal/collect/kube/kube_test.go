package kube

import (
	"context"
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/rest"
	k8stesting "k8s.io/client-go/testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// view is what a test asserts of the snapshot the bundle reader builds from
// the captures: the facts and proofs, without the bulk of each object.
type view struct {
	Pods            []string
	ServiceAccounts []string
	Workloads       []string
	Namespaces      []string
	Webhooks        []string
	ServerVersion   string
	Listings        []string
	NotFounds       []string
	Gaps            []snapshot.Gap
	Files           []string
}

func viewOf(s *snapshot.Snapshot) view {
	var v view
	for _, p := range s.Pods {
		v.Pods = append(v.Pods, fmt.Sprintf("%s/%s sa=%s (%s)", p.Namespace, p.Name, p.Spec.ServiceAccount(), p.Source))
	}
	for k, sa := range s.ServiceAccounts {
		v.ServiceAccounts = append(v.ServiceAccounts, fmt.Sprintf("%s role=%q", k, sa.Annotations["eks.amazonaws.com/role-arn"]))
	}
	for _, w := range s.Workloads {
		v.Workloads = append(v.Workloads, fmt.Sprintf("%s %s %s/%s sa=%s", w.APIVersion, w.Kind, w.Namespace, w.Name, w.Template.Spec.ServiceAccount()))
	}
	for k := range s.Namespaces {
		v.Namespaces = append(v.Namespaces, k)
	}
	for _, w := range s.Webhooks {
		var names []string
		for _, h := range w.Webhooks {
			names = append(names, h.Name)
		}
		v.Webhooks = append(v.Webhooks, w.Name+": "+strings.Join(names, ","))
	}
	if s.ServerVersion != nil {
		v.ServerVersion = s.ServerVersion.GitVersion
	}
	for _, l := range s.Listings {
		scope := l.Namespace
		if l.AllNamespaces {
			scope = "*"
		}
		v.Listings = append(v.Listings, string(l.Kind)+" "+scope)
	}
	for _, nf := range s.NotFounds {
		v.NotFounds = append(v.NotFounds, fmt.Sprintf("%s %q: %s", nf.Kind, nf.Name, nf.Message))
	}
	v.Gaps = s.Gaps
	for _, f := range s.Files {
		v.Files = append(v.Files, strings.TrimSpace(f.Path+" "+f.RecognisedAs+" "+f.Error))
	}
	sort.Strings(v.ServiceAccounts)
	sort.Strings(v.Workloads)
	sort.Strings(v.Namespaces)
	sort.Strings(v.Listings)
	sort.Strings(v.NotFounds)
	sort.Strings(v.Files)
	return v
}

func TestCollect(t *testing.T) {
	paymentsWorkloads := []string{
		"apps/v1 DaemonSet payments/log-shipper sa=s3-reader",
		"apps/v1 Deployment payments/api sa=s3-reader",
		"apps/v1 ReplicaSet payments/api-7d9f8b6c5 sa=s3-reader",
		"apps/v1 StatefulSet payments/ledger sa=s3-reader",
		"batch/v1 CronJob payments/report sa=report",
		"batch/v1 Job payments/report-29000000 sa=report",
	}
	webhooks := bundle.ManifestEntry{Kind: snapshot.KindWebhookConfiguration, File: "kube/mutatingwebhookconfigurations.json"}
	tests := []struct {
		name       string
		opts       Options
		wantCalls  map[string]int
		wantListed []bundle.ManifestEntry
		want       view
	}{{
		name: "one namespace",
		opts: Options{Namespaces: []string{"payments"}},
		wantCalls: map[string]int{
			"get version": 1, "list namespaces": 1, "list mutatingwebhookconfigurations.admissionregistration.k8s.io": 1, "list nodes": 1,
			"list pods -n payments": 1, "list serviceaccounts -n payments": 1,
			"list deployments.apps -n payments": 1, "list statefulsets.apps -n payments": 1, "list daemonsets.apps -n payments": 1,
			"list replicasets.apps -n payments": 1, "list jobs.batch -n payments": 1, "list cronjobs.batch -n payments": 1,
			// The EKS Pod Identity Agent's DaemonSets (podidentity.go):
			// kube-system has none here, so no agent pods are listed.
			"list daemonsets.apps -n kube-system": 1,
		},
		wantListed: append([]bundle.ManifestEntry{{Kind: snapshot.KindDaemonSet, Namespace: "kube-system", File: "kube/daemonsets-kube-system.json"}, webhooks},
			bundle.ManifestEntry{Kind: snapshot.KindNamespace, File: "kube/namespaces.json"},
			bundle.ManifestEntry{Kind: snapshot.KindNode, File: "kube/nodes.json"},
			bundle.ManifestEntry{Kind: snapshot.KindPod, Namespace: "payments", File: "kube/pods-payments.json"},
			bundle.ManifestEntry{Kind: snapshot.KindServiceAccount, Namespace: "payments", File: "kube/serviceaccounts-payments.json"},
			bundle.ManifestEntry{Kind: snapshot.KindWorkload, Namespace: "payments"},
		),
		want: view{
			Pods:            []string{"payments/api-7d9f8b6c5-x2k4p sa=s3-reader (kube:list pods -n payments)"},
			ServiceAccounts: []string{`payments/default role=""`, `payments/s3-reader role="` + roleARN + `"`},
			Workloads:       paymentsWorkloads,
			Namespaces:      []string{"kube-system", "payments"},
			Webhooks:        []string{"pod-identity-webhook: iam-for-pods.amazonaws.com"},
			ServerVersion:   "v1.31.4-eks-2d5f260",
			Listings: []string{"DaemonSet kube-system", "DaemonSet payments", "MutatingWebhookConfiguration *", "Namespace *", "Node *", "Pod payments",
				"ServiceAccount payments", "Workload payments"},
			Files: []string{
				"kube/cronjobs-payments.json kubectl:CronJobList",
				"kube/daemonsets-kube-system.json kubectl:List",
				"kube/daemonsets-payments.json kubectl:DaemonSetList",
				"kube/deployments-payments.json kubectl:DeploymentList",
				"kube/jobs-payments.json kubectl:JobList",
				"kube/mutatingwebhookconfigurations.json kubectl:MutatingWebhookConfigurationList",
				"kube/namespaces.json kubectl:NamespaceList",
				"kube/nodes.json kubectl:List",
				"kube/pods-payments.json kubectl:PodList",
				"kube/replicasets-payments.json kubectl:ReplicaSetList",
				"kube/serviceaccounts-payments.json kubectl:ServiceAccountList",
				"kube/statefulsets-payments.json kubectl:StatefulSetList",
				"kube/version.json kubectl:Version",
				"manifest.json irsa-doctor:Manifest",
			},
		},
	}, {
		name: "all namespaces",
		opts: Options{AllNamespaces: true, Namespaces: []string{"ignored-with-A"}},
		wantCalls: map[string]int{
			"get version": 1, "list namespaces": 1, "list mutatingwebhookconfigurations.admissionregistration.k8s.io": 1, "list nodes": 1,
			"list pods": 1, "list serviceaccounts": 1,
			"list deployments.apps": 1, "list statefulsets.apps": 1, "list daemonsets.apps": 1,
			"list replicasets.apps": 1, "list jobs.batch": 1, "list cronjobs.batch": 1,
		},
		wantListed: append([]bundle.ManifestEntry{webhooks},
			bundle.ManifestEntry{Kind: snapshot.KindNamespace, File: "kube/namespaces.json"},
			bundle.ManifestEntry{Kind: snapshot.KindNode, File: "kube/nodes.json"},
			bundle.ManifestEntry{Kind: snapshot.KindPod, AllNamespaces: true, File: "kube/pods.json"},
			bundle.ManifestEntry{Kind: snapshot.KindServiceAccount, AllNamespaces: true, File: "kube/serviceaccounts.json"},
			bundle.ManifestEntry{Kind: snapshot.KindWorkload, AllNamespaces: true},
		),
		want: view{
			Pods: []string{
				"kube-system/coredns-5d78c9869d-abcde sa=coredns (kube:list pods -A)",
				"payments/api-7d9f8b6c5-x2k4p sa=s3-reader (kube:list pods -A)",
			},
			ServiceAccounts: []string{`kube-system/default role=""`, `payments/default role=""`, `payments/s3-reader role="` + roleARN + `"`},
			Workloads:       paymentsWorkloads,
			Namespaces:      []string{"kube-system", "payments"},
			Webhooks:        []string{"pod-identity-webhook: iam-for-pods.amazonaws.com"},
			ServerVersion:   "v1.31.4-eks-2d5f260",
			Listings:        []string{"DaemonSet payments", "MutatingWebhookConfiguration *", "Namespace *", "Node *", "Pod *", "ServiceAccount *", "Workload *"},
			Files: []string{
				"kube/cronjobs.json kubectl:CronJobList",
				"kube/daemonsets.json kubectl:DaemonSetList",
				"kube/deployments.json kubectl:DeploymentList",
				"kube/jobs.json kubectl:JobList",
				"kube/mutatingwebhookconfigurations.json kubectl:MutatingWebhookConfigurationList",
				"kube/namespaces.json kubectl:NamespaceList",
				"kube/nodes.json kubectl:List",
				"kube/pods.json kubectl:PodList",
				"kube/replicasets.json kubectl:ReplicaSetList",
				"kube/serviceaccounts.json kubectl:ServiceAccountList",
				"kube/statefulsets.json kubectl:StatefulSetList",
				"kube/version.json kubectl:Version",
				"manifest.json irsa-doctor:Manifest",
			},
		},
	}, {
		// --pod and --service-account in another namespace than the
		// context's: both namespaces are listed, once per kind.
		name: "named objects",
		opts: Options{Namespaces: []string{"kube-system"}, NamedObjects: []Object{
			{Kind: "Pod", Namespace: "payments", Name: "api-7d9f8b6c5-x2k4p"},
			{Kind: "ServiceAccount", Namespace: "payments", Name: "s3-reader"},
		}},
		wantCalls: map[string]int{
			"get version": 1, "list namespaces": 1, "list mutatingwebhookconfigurations.admissionregistration.k8s.io": 1, "list nodes": 1,
			"list pods -n payments": 1, "list serviceaccounts -n payments": 1,
			"list deployments.apps -n payments": 1, "list statefulsets.apps -n payments": 1, "list daemonsets.apps -n payments": 1,
			"list replicasets.apps -n payments": 1, "list jobs.batch -n payments": 1, "list cronjobs.batch -n payments": 1,
			"list pods -n kube-system": 1, "list serviceaccounts -n kube-system": 1,
			"list deployments.apps -n kube-system": 1, "list statefulsets.apps -n kube-system": 1, "list daemonsets.apps -n kube-system": 1,
			"list replicasets.apps -n kube-system": 1, "list jobs.batch -n kube-system": 1, "list cronjobs.batch -n kube-system": 1,
		},
		wantListed: append([]bundle.ManifestEntry{webhooks},
			bundle.ManifestEntry{Kind: snapshot.KindNamespace, File: "kube/namespaces.json"},
			bundle.ManifestEntry{Kind: snapshot.KindNode, File: "kube/nodes.json"},
			bundle.ManifestEntry{Kind: snapshot.KindPod, Namespace: "kube-system", File: "kube/pods-kube-system.json"},
			bundle.ManifestEntry{Kind: snapshot.KindPod, Namespace: "payments", File: "kube/pods-payments.json"},
			bundle.ManifestEntry{Kind: snapshot.KindServiceAccount, Namespace: "kube-system", File: "kube/serviceaccounts-kube-system.json"},
			bundle.ManifestEntry{Kind: snapshot.KindServiceAccount, Namespace: "payments", File: "kube/serviceaccounts-payments.json"},
			bundle.ManifestEntry{Kind: snapshot.KindWorkload, Namespace: "kube-system"},
			bundle.ManifestEntry{Kind: snapshot.KindWorkload, Namespace: "payments"},
		),
		want: view{
			Pods: []string{
				"kube-system/coredns-5d78c9869d-abcde sa=coredns (kube:list pods -n kube-system)",
				"payments/api-7d9f8b6c5-x2k4p sa=s3-reader (kube:list pods -n payments)",
			},
			ServiceAccounts: []string{`kube-system/default role=""`, `payments/default role=""`, `payments/s3-reader role="` + roleARN + `"`},
			Workloads:       paymentsWorkloads,
			Namespaces:      []string{"kube-system", "payments"},
			Webhooks:        []string{"pod-identity-webhook: iam-for-pods.amazonaws.com"},
			ServerVersion:   "v1.31.4-eks-2d5f260",
			Listings: []string{"DaemonSet payments", "MutatingWebhookConfiguration *", "Namespace *", "Node *", "Pod kube-system", "Pod payments",
				"ServiceAccount kube-system", "ServiceAccount payments", "Workload kube-system", "Workload payments"},
			Files: []string{
				"kube/cronjobs-kube-system.json kubectl:List",
				"kube/cronjobs-payments.json kubectl:CronJobList",
				"kube/daemonsets-kube-system.json kubectl:List",
				"kube/daemonsets-payments.json kubectl:DaemonSetList",
				"kube/deployments-kube-system.json kubectl:List",
				"kube/deployments-payments.json kubectl:DeploymentList",
				"kube/jobs-kube-system.json kubectl:List",
				"kube/jobs-payments.json kubectl:JobList",
				"kube/mutatingwebhookconfigurations.json kubectl:MutatingWebhookConfigurationList",
				"kube/namespaces.json kubectl:NamespaceList",
				"kube/nodes.json kubectl:List",
				"kube/pods-kube-system.json kubectl:PodList",
				"kube/pods-payments.json kubectl:PodList",
				"kube/replicasets-kube-system.json kubectl:List",
				"kube/replicasets-payments.json kubectl:ReplicaSetList",
				"kube/serviceaccounts-kube-system.json kubectl:ServiceAccountList",
				"kube/serviceaccounts-payments.json kubectl:ServiceAccountList",
				"kube/statefulsets-kube-system.json kubectl:List",
				"kube/statefulsets-payments.json kubectl:StatefulSetList",
				"kube/version.json kubectl:Version",
				"manifest.json irsa-doctor:Manifest",
			},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := newClientset(paymentsObjects()...)
			res, err := Collect(context.Background(), clientset.Wrap(cs), tt.opts)
			if err != nil {
				t.Fatalf("Collect: %v", err)
			}
			checkGolden(t, strings.ReplaceAll(tt.name, " ", "-"), res.Captures)
			if diff := cmp.Diff(tt.wantCalls, calls(cs.Actions())); diff != "" {
				t.Errorf("API calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantListed, res.Listed); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			if len(res.Gaps) != 0 {
				t.Errorf("gaps: %+v", res.Gaps)
			}
			snap, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Listed: res.Listed, Gaps: res.Gaps})
			if err != nil {
				t.Fatalf("ReadCaptures: %v", err)
			}
			if diff := cmp.Diff(tt.want, viewOf(snap)); diff != "" {
				t.Errorf("snapshot read back from the captures (-want +got):\n%s", diff)
			}
		})
	}
}

// TestCollectPages: a namespace of 1,234 pods is one List in three pages of
// 500 (Limit and Continue as the API server expects), merged into one
// capture; the other kinds, smaller than a page, take one request each.
func TestCollectPages(t *testing.T) {
	const n = 1234
	objs := paymentsObjects()
	for i := range n - 1 {
		objs = append(objs, pod("payments", fmt.Sprintf("worker-%04d", i), "s3-reader", roleARN))
	}
	tests := []struct {
		name     string
		expireAt string
		wantOpts []metav1.ListOptions
	}{{
		name: "three pages",
		wantOpts: []metav1.ListOptions{
			{Limit: 500}, {Limit: 500, Continue: "offset-500"}, {Limit: 500, Continue: "offset-1000"},
		},
	}, {
		// The second page's token expired: the List starts over,
		// unpaginated, rather than mixing two moments.
		name:     "expired continue token",
		expireAt: "offset-500",
		wantOpts: []metav1.ListOptions{{Limit: 500}, {Limit: 500, Continue: "offset-500"}, {}},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := &pagingClientset{Clientset: newClientset(objs...), expireAt: tt.expireAt}
			res, err := Collect(context.Background(), clientset.Wrap(cs), Options{Namespaces: []string{"payments"}})
			if err != nil {
				t.Fatalf("Collect: %v", err)
			}
			if diff := cmp.Diff(tt.wantOpts, cs.opts); diff != "" {
				t.Errorf("pod List requests (-want +got):\n%s", diff)
			}
			got := calls(cs.Actions())
			if got["list pods -n payments"] != len(tt.wantOpts) || got["list serviceaccounts -n payments"] != 1 || got["list deployments.apps -n payments"] != 1 {
				t.Errorf("calls: %v", got)
			}
			snap, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Listed: res.Listed})
			if err != nil {
				t.Fatal(err)
			}
			if len(snap.Pods) != n {
				t.Fatalf("pods read back: %d, want %d", len(snap.Pods), n)
			}
			var names []string
			for _, c := range res.Captures {
				if c.Path == "kube/pods-payments.json" {
					names = itemNames(t, c.Data)
				}
			}
			if len(names) != n || !sort.StringsAreSorted(names) || names[0] != "api-7d9f8b6c5-x2k4p" || names[n-1] != "worker-1232" {
				t.Errorf("pod capture holds %d items, sorted %t, first %q", len(names), sort.StringsAreSorted(names), names[0])
			}
		})
	}
}

func itemNames(t *testing.T, data []byte) []string {
	t.Helper()
	var l corev1.PodList
	if err := json.Unmarshal(data, &l); err != nil {
		t.Fatalf("decode capture: %v", err)
	}
	var out []string
	for _, p := range l.Items {
		out = append(out, p.Name)
	}
	return out
}

// TestCollectDenied: a caller with less than deploy/rbac.yaml gets gaps
// naming the verb, resource and scope, never an error, and nothing is
// claimed complete that was not listed.
func TestCollectDenied(t *testing.T) {
	rbac := " (see deploy/rbac.yaml)"
	tests := []struct {
		name       string
		opts       Options
		deny       func(cs *pagingClientset)
		wantCalls  map[string]int
		wantListed []bundle.ManifestEntry
		wantGaps   []snapshot.Gap
		want       view
	}{{
		// Bound with a RoleBinding in payments only: the cluster-scoped
		// Lists are refused; the namespaces the run needs are fetched
		// one by one, a missing one captured as kubectl's NotFound text.
		name: "namespace-scoped binding",
		opts: Options{Namespaces: []string{"payments"}, NamedObjects: []Object{{Kind: "Pod", Namespace: "ghost", Name: "x"}}},
		deny: func(cs *pagingClientset) {
			deny(cs.Clientset, "list", "namespaces", "", "")
			deny(cs.Clientset, "list", "mutatingwebhookconfigurations", "admissionregistration.k8s.io", "")
			deny(cs.Clientset, "list", "pods", "", "ghost")
			deny(cs.Clientset, "list", "daemonsets", "apps", "kube-system")
			deny(cs.Clientset, "list", "nodes", "", "")
		},
		wantCalls: map[string]int{
			"get version": 1, "list namespaces": 1, "list mutatingwebhookconfigurations.admissionregistration.k8s.io": 1, "list nodes": 1,
			"get namespaces":        2,
			"list pods -n payments": 1, "list serviceaccounts -n payments": 1,
			"list deployments.apps -n payments": 1, "list statefulsets.apps -n payments": 1, "list daemonsets.apps -n payments": 1,
			"list replicasets.apps -n payments": 1, "list jobs.batch -n payments": 1, "list cronjobs.batch -n payments": 1,
			"list pods -n ghost": 1, "list serviceaccounts -n ghost": 1,
			"list deployments.apps -n ghost": 1, "list statefulsets.apps -n ghost": 1, "list daemonsets.apps -n ghost": 1,
			"list replicasets.apps -n ghost": 1, "list jobs.batch -n ghost": 1, "list cronjobs.batch -n ghost": 1,
			"list daemonsets.apps -n kube-system": 1,
		},
		wantListed: []bundle.ManifestEntry{
			{Kind: snapshot.KindPod, Namespace: "payments", File: "kube/pods-payments.json"},
			{Kind: snapshot.KindServiceAccount, Namespace: "ghost", File: "kube/serviceaccounts-ghost.json"},
			{Kind: snapshot.KindServiceAccount, Namespace: "payments", File: "kube/serviceaccounts-payments.json"},
			{Kind: snapshot.KindWorkload, Namespace: "ghost"},
			{Kind: snapshot.KindWorkload, Namespace: "payments"},
		},
		wantGaps: []snapshot.Gap{
			{Source: "kube", Operation: "list daemonsets", Resource: "namespace kube-system",
				Reason: `Forbidden: daemonsets.apps is forbidden: User "alice" cannot list resource "daemonsets" in API group "apps" in the namespace "kube-system"` + rbac},
			{Source: "kube", Operation: "list mutatingwebhookconfigurations", Resource: "cluster",
				Reason: `Forbidden: mutatingwebhookconfigurations.admissionregistration.k8s.io is forbidden: User "alice" cannot list resource "mutatingwebhookconfigurations" in API group "admissionregistration.k8s.io" at the cluster scope` + rbac},
			{Source: "kube", Operation: "list namespaces", Resource: "cluster",
				Reason: `Forbidden: namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope` + rbac},
			{Source: "kube", Operation: "list nodes", Resource: "cluster",
				Reason: `Forbidden: nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope` + rbac},
			{Source: "kube", Operation: "list pods", Resource: "namespace ghost",
				Reason: `Forbidden: pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "ghost"` + rbac},
		},
		want: view{
			Pods:            []string{"payments/api-7d9f8b6c5-x2k4p sa=s3-reader (kube:list pods -n payments)"},
			ServiceAccounts: []string{`payments/default role=""`, `payments/s3-reader role="` + roleARN + `"`},
			Workloads: []string{
				"apps/v1 DaemonSet payments/log-shipper sa=s3-reader",
				"apps/v1 Deployment payments/api sa=s3-reader",
				"apps/v1 ReplicaSet payments/api-7d9f8b6c5 sa=s3-reader",
				"apps/v1 StatefulSet payments/ledger sa=s3-reader",
				"batch/v1 CronJob payments/report sa=report",
				"batch/v1 Job payments/report-29000000 sa=report",
			},
			Namespaces:    []string{"payments"},
			ServerVersion: "v1.31.4-eks-2d5f260",
			Listings:      []string{"DaemonSet payments", "Pod payments", "ServiceAccount ghost", "ServiceAccount payments", "Workload ghost", "Workload payments"},
			NotFounds:     []string{`Namespace "ghost": Error from server (NotFound): namespaces "ghost" not found`},
			Gaps: []snapshot.Gap{
				{Source: "kube", Operation: "list daemonsets", Resource: "namespace kube-system",
					Reason: `Forbidden: daemonsets.apps is forbidden: User "alice" cannot list resource "daemonsets" in API group "apps" in the namespace "kube-system"` + rbac},
				{Source: "kube", Operation: "list mutatingwebhookconfigurations", Resource: "cluster",
					Reason: `Forbidden: mutatingwebhookconfigurations.admissionregistration.k8s.io is forbidden: User "alice" cannot list resource "mutatingwebhookconfigurations" in API group "admissionregistration.k8s.io" at the cluster scope` + rbac},
				{Source: "kube", Operation: "list namespaces", Resource: "cluster",
					Reason: `Forbidden: namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope` + rbac},
				{Source: "kube", Operation: "list nodes", Resource: "cluster",
					Reason: `Forbidden: nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope` + rbac},
				{Source: "kube", Operation: "list pods", Resource: "namespace ghost",
					Reason: `Forbidden: pods is forbidden: User "alice" cannot list resource "pods" in API group "" in the namespace "ghost"` + rbac},
			},
			Files: []string{
				"kube/cronjobs-ghost.json kubectl:List",
				"kube/cronjobs-payments.json kubectl:CronJobList",
				"kube/daemonsets-ghost.json kubectl:List",
				"kube/daemonsets-payments.json kubectl:DaemonSetList",
				"kube/deployments-ghost.json kubectl:List",
				"kube/deployments-payments.json kubectl:DeploymentList",
				"kube/jobs-ghost.json kubectl:List",
				"kube/jobs-payments.json kubectl:JobList",
				"kube/namespaces-ghost.txt kubectl:Error",
				"kube/namespaces-payments.json kubectl:Namespace",
				"kube/pods-payments.json kubectl:PodList",
				"kube/replicasets-ghost.json kubectl:List",
				"kube/replicasets-payments.json kubectl:ReplicaSetList",
				"kube/serviceaccounts-ghost.json kubectl:List",
				"kube/serviceaccounts-payments.json kubectl:ServiceAccountList",
				"kube/statefulsets-ghost.json kubectl:List",
				"kube/statefulsets-payments.json kubectl:StatefulSetList",
				"kube/version.json kubectl:Version",
				"manifest.json irsa-doctor:Manifest",
			},
		},
	}, {
		// One workload List refused: the other five are captured, but
		// no Workload listing claims the namespace complete. A Get of a
		// namespace refused too is a gap of its own.
		name: "one workload kind and namespace get refused",
		opts: Options{AllNamespaces: true},
		deny: func(cs *pagingClientset) {
			deny(cs.Clientset, "list", "cronjobs", "batch", "")
			deny(cs.Clientset, "list", "namespaces", "", "")
			deny(cs.Clientset, "get", "namespaces", "", "")
		},
		wantCalls: map[string]int{
			"get version": 1, "list namespaces": 1, "list mutatingwebhookconfigurations.admissionregistration.k8s.io": 1, "list nodes": 1,
			"get namespaces": 2,
			"list pods":      1, "list serviceaccounts": 1,
			"list deployments.apps": 1, "list statefulsets.apps": 1, "list daemonsets.apps": 1,
			"list replicasets.apps": 1, "list jobs.batch": 1, "list cronjobs.batch": 1,
		},
		wantListed: []bundle.ManifestEntry{
			{Kind: snapshot.KindWebhookConfiguration, File: "kube/mutatingwebhookconfigurations.json"},
			{Kind: snapshot.KindNode, File: "kube/nodes.json"},
			{Kind: snapshot.KindPod, AllNamespaces: true, File: "kube/pods.json"},
			{Kind: snapshot.KindServiceAccount, AllNamespaces: true, File: "kube/serviceaccounts.json"},
		},
		wantGaps: []snapshot.Gap{
			{Source: "kube", Operation: "get namespaces", Resource: "namespace kube-system",
				Reason: `Forbidden: namespaces is forbidden: User "alice" cannot get resource "namespaces" in API group "" at the cluster scope` + rbac},
			{Source: "kube", Operation: "get namespaces", Resource: "namespace payments",
				Reason: `Forbidden: namespaces is forbidden: User "alice" cannot get resource "namespaces" in API group "" at the cluster scope` + rbac},
			{Source: "kube", Operation: "list cronjobs", Resource: "all namespaces",
				Reason: `Forbidden: cronjobs.batch is forbidden: User "alice" cannot list resource "cronjobs" in API group "batch" at the cluster scope` + rbac},
			{Source: "kube", Operation: "list namespaces", Resource: "cluster",
				Reason: `Forbidden: namespaces is forbidden: User "alice" cannot list resource "namespaces" in API group "" at the cluster scope` + rbac},
		},
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := &pagingClientset{Clientset: newClientset(paymentsObjects()...)}
			tt.deny(cs)
			res, err := Collect(context.Background(), clientset.Wrap(cs), tt.opts)
			if err != nil {
				t.Fatalf("Collect: %v", err)
			}
			if diff := cmp.Diff(tt.wantCalls, calls(cs.Actions())); diff != "" {
				t.Errorf("API calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantListed, res.Listed); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantGaps, res.Gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			for _, g := range res.Gaps {
				for _, c := range res.Captures {
					if c.Path == refusedPath(g) {
						t.Errorf("the refused %s of %s was captured as %s", g.Operation, g.Resource, c.Path)
					}
				}
			}
			snap, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Listed: res.Listed, Gaps: res.Gaps})
			if err != nil {
				t.Fatalf("ReadCaptures: %v", err)
			}
			if tt.want.Files == nil {
				return
			}
			if diff := cmp.Diff(tt.want, viewOf(snap)); diff != "" {
				t.Errorf("snapshot read back from the captures (-want +got):\n%s", diff)
			}
		})
	}
}

// refusedPath is where a List refused with gap g would have been captured.
func refusedPath(g snapshot.Gap) string {
	res, ok := strings.CutPrefix(g.Operation, "list ")
	if !ok {
		return ""
	}
	if ns, ok := strings.CutPrefix(g.Resource, "namespace "); ok {
		return "kube/" + res + "-" + ns + ".json"
	}
	return "kube/" + res + ".json"
}

// TestCollectErrors: what stops a collection is an error that names the
// API server and what to do; what the run can do without is a gap.
func TestCollectErrors(t *testing.T) {
	unauthorized := func(cs *pagingClientset) {
		cs.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
			return true, nil, apierrors.NewUnauthorized("Unauthorized")
		})
	}
	tests := []struct {
		name    string
		opts    Options
		setup   func(cs *pagingClientset)
		wantErr string
	}{
		{name: "no namespace", opts: Options{}, wantErr: "no namespace to collect: pass -n NAMESPACE or -A (the CLI passes the kubeconfig context's namespace)"},
		{name: "empty namespace", opts: Options{Namespaces: []string{""}}, wantErr: "an empty namespace name: pass -n NAMESPACE or -A"},
		{name: "named object without namespace", opts: Options{NamedObjects: []Object{{Kind: "Pod", Name: "api"}}}, wantErr: `the Pod "api" names no namespace: name it as NAMESPACE/NAME`},
		{name: "negative page size", opts: Options{Namespaces: []string{"payments"}, PageSize: -1}, wantErr: "page size -1: want 0 (the default, 500) or more"},
		{
			name: "credentials rejected", opts: Options{Namespaces: []string{"payments"}}, setup: unauthorized,
			wantErr: "list pods -n payments: the Kubernetes API server rejected the kubeconfig credentials (Unauthorized): refresh them (for EKS, `aws eks get-token` must work with the current AWS credentials): Unauthorized",
		},
		{
			name: "server error", opts: Options{Namespaces: []string{"payments"}},
			setup: func(cs *pagingClientset) {
				cs.PrependReactor("list", "serviceaccounts", func(k8stesting.Action) (bool, runtime.Object, error) {
					return true, nil, apierrors.NewInternalError(fmt.Errorf("etcdserver: request timed out"))
				})
			},
			wantErr: "list serviceaccounts -n payments: the Kubernetes API server: Internal error occurred: etcdserver: request timed out",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := &pagingClientset{Clientset: newClientset(paymentsObjects()...)}
			if tt.setup != nil {
				tt.setup(cs)
			}
			_, err := Collect(context.Background(), clientset.Wrap(cs), tt.opts)
			if err == nil || err.Error() != tt.wantErr {
				t.Fatalf("error:\n got %v\nwant %s", err, tt.wantErr)
			}
		})
	}
}

// TestCollectResourceNotServed: a List the server answers 404 (a kind it
// does not serve at that version) is a gap, and the namespace's workloads
// are not claimed complete.
func TestCollectResourceNotServed(t *testing.T) {
	cs := newClientset(paymentsObjects()...)
	cs.PrependReactor("list", "cronjobs", func(k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewNotFound(schema.GroupResource{Group: "batch", Resource: "cronjobs"}, "")
	})
	res, err := Collect(context.Background(), clientset.Wrap(cs), Options{Namespaces: []string{"payments"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []snapshot.Gap{{Source: "kube", Operation: "list cronjobs", Resource: "namespace payments",
		Reason: `NotFound: the API server does not serve this resource: cronjobs.batch "" not found`}}
	if diff := cmp.Diff(want, res.Gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	for _, l := range res.Listed {
		if l.Kind == snapshot.KindWorkload {
			t.Errorf("workloads claimed complete without the CronJob List: %+v", l)
		}
	}
}

// TestCollectUnreachable uses the real client: a server nobody listens on
// is an error naming it, from the first call, without a List.
func TestCollectUnreachable(t *testing.T) {
	cs, err := kubeclient.NewClient(&rest.Config{Host: "https://127.0.0.1:1"})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err = Collect(context.Background(), cs, Options{Namespaces: []string{"payments"}, PerCallTimeout: 5 * time.Second})
	if err == nil {
		t.Fatal("no error")
	}
	const prefix = "get version: the Kubernetes API server https://127.0.0.1:1: "
	if !strings.HasPrefix(err.Error(), prefix) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("error %q: want it to start %q and say connection refused", err, prefix)
	}
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("took %s to fail on a refused connection", d)
	}
}

// TestCollectCancelled: Ctrl-C stops the collection with an error that
// says so, not a gap.
func TestCollectCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cs := newClientset(paymentsObjects()...)
	cs.PrependReactor("list", "pods", func(k8stesting.Action) (bool, runtime.Object, error) {
		cancel()
		return true, nil, context.Canceled
	})
	_, err := Collect(ctx, clientset.Wrap(cs), Options{Namespaces: []string{"payments"}})
	if err == nil || err.Error() != "collection from the Kubernetes API server stopped: context canceled" {
		t.Fatalf("error: %v", err)
	}
}
