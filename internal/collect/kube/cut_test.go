package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"
	corev1client "k8s.io/client-go/kubernetes/typed/core/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// stallingClientset is an API server that does not answer some requests
// before the caller gives up: the ServiceAccount Lists, and the pod
// pages after the first, answer only when their context ends, with its
// error. The other calls are pagingClientset's.
type stallingClientset struct {
	*pagingClientset
	mu      sync.Mutex
	stalled int // requests waiting for their context to end
}

func (c *stallingClientset) CoreV1() corev1client.CoreV1Interface {
	return stallingCore{c.pagingClientset.CoreV1(), c}
}

func (c *stallingClientset) stall(ctx context.Context) error {
	c.mu.Lock()
	c.stalled++
	c.mu.Unlock()
	<-ctx.Done()
	return ctx.Err()
}

func (c *stallingClientset) stalledNow() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.stalled
}

type stallingCore struct {
	corev1client.CoreV1Interface
	c *stallingClientset
}

func (s stallingCore) ServiceAccounts(ns string) corev1client.ServiceAccountInterface {
	return stallingSAs{s.CoreV1Interface.ServiceAccounts(ns), s.c}
}

func (s stallingCore) Pods(ns string) corev1client.PodInterface {
	return stallingPods{s.CoreV1Interface.Pods(ns), s.c}
}

type stallingSAs struct {
	corev1client.ServiceAccountInterface
	c *stallingClientset
}

func (s stallingSAs) List(ctx context.Context, _ metav1.ListOptions) (*corev1.ServiceAccountList, error) {
	return nil, s.c.stall(ctx)
}

type stallingPods struct {
	corev1client.PodInterface
	c *stallingClientset
}

func (s stallingPods) List(ctx context.Context, o metav1.ListOptions) (*corev1.PodList, error) {
	if o.Continue != "" {
		return nil, s.c.stall(ctx)
	}
	return s.PodInterface.List(ctx, o)
}

// TestCollectCutShort: a collection whose context ends while Lists are
// still running returns the Lists that finished, with their manifest
// entries, and a gap for each one that did not: the ServiceAccount List
// never answered, the pod List was cut after its first page (500 of 1,234
// pods, which must not read as all of them), and the agent's Lists in
// kube-system were never made. The error holds ErrCutShort and the
// context's error (issue 10, item 9).
func TestCollectCutShort(t *testing.T) {
	objs := paymentsObjects()
	for i := range 1233 {
		objs = append(objs, pod("payments", fmt.Sprintf("worker-%04d", i), "s3-reader", roleARN))
	}
	for _, tt := range []struct {
		name    string
		timeout time.Duration // 0: Ctrl-C once the other Lists are made
		wantErr error
	}{
		{name: "interrupted", wantErr: context.Canceled},
		// The fake answers the other Lists in well under a second.
		{name: "timed out", timeout: 2 * time.Second, wantErr: context.DeadlineExceeded},
	} {
		t.Run(tt.name, func(t *testing.T) {
			cs := &stallingClientset{pagingClientset: &pagingClientset{Clientset: newClientset(objs...)}}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			if tt.timeout > 0 {
				ctx, cancel = context.WithTimeout(context.Background(), tt.timeout)
				defer cancel()
			} else {
				// The version, the first pod page and the nine other
				// Lists are made, and the two stalled requests wait:
				// then the stop.
				go func() {
					for len(cs.Actions()) < 11 || cs.stalledNow() < 2 {
						time.Sleep(time.Millisecond)
					}
					cancel()
				}()
			}
			res, err := Collect(ctx, clientset.Wrap(cs), Options{Namespaces: []string{"payments"}})
			if !errors.Is(err, ErrCutShort) || !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v: want ErrCutShort and %v", err, tt.wantErr)
			}
			if got, want := err.Error(), "collection from the Kubernetes API server stopped: "+tt.wantErr.Error(); got != want {
				t.Errorf("error %q, want %q", got, want)
			}
			cutListed := "not listed: the collection was cut short"
			wantGaps := []snapshot.Gap{
				{Source: "kube", Operation: "list daemonsets", Resource: "namespace kube-system", Reason: cutListed},
				{Source: "kube", Operation: "list pods", Resource: "namespace kube-system", Reason: cutListed},
				{Source: "kube", Operation: "list pods", Resource: "namespace payments", Reason: cutListed},
				{Source: "kube", Operation: "list serviceaccounts", Resource: "namespace payments", Reason: cutListed},
			}
			if diff := cmp.Diff(wantGaps, res.Gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			wantListed := []bundle.ManifestEntry{
				{Kind: snapshot.KindWebhookConfiguration, File: "kube/mutatingwebhookconfigurations.json"},
				{Kind: snapshot.KindNamespace, File: "kube/namespaces.json"},
				{Kind: snapshot.KindNode, File: "kube/nodes.json"},
				{Kind: snapshot.KindWorkload, Namespace: "payments"},
			}
			if diff := cmp.Diff(wantListed, res.Listed); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			var paths []string
			for _, c := range res.Captures {
				paths = append(paths, c.Path)
			}
			wantPaths := []string{
				"kube/cronjobs-payments.json", "kube/daemonsets-payments.json", "kube/deployments-payments.json", "kube/jobs-payments.json",
				"kube/mutatingwebhookconfigurations.json", "kube/namespaces.json", "kube/nodes.json",
				"kube/replicasets-payments.json", "kube/statefulsets-payments.json", "kube/version.json",
			}
			if diff := cmp.Diff(wantPaths, paths); diff != "" {
				t.Errorf("captures (-want +got):\n%s", diff)
			}
			if got := calls(cs.Actions()); got["list daemonsets.apps -n kube-system"] != 0 || got["list pods -n payments"] != 1 {
				t.Errorf("calls %v: want one pod page and no agent List", got)
			}

			// Read back, nothing claims the pods or ServiceAccounts
			// complete: their absence proves nothing.
			snap, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Listed: res.Listed, Gaps: res.Gaps})
			if err != nil {
				t.Fatal(err)
			}
			v := viewOf(snap)
			wantListings := []string{"DaemonSet payments", "MutatingWebhookConfiguration *", "Namespace *", "Node *", "Workload payments"}
			sort.Strings(wantListings)
			if diff := cmp.Diff(wantListings, v.Listings); diff != "" {
				t.Errorf("listings (-want +got):\n%s", diff)
			}
			if len(snap.Pods) != 0 || len(snap.ServiceAccounts) != 0 || v.ServerVersion != "v1.31.4-eks-2d5f260" {
				t.Errorf("read back %d pods, %d ServiceAccounts, version %q: want none, none, the server's", len(snap.Pods), len(snap.ServiceAccounts), v.ServerVersion)
			}
		})
	}
}

// stallingGets is an API server that does not answer a Get of a
// namespace before the caller gives up.
type stallingGets struct{ *fake.Clientset }

func (c stallingGets) CoreV1() corev1client.CoreV1Interface {
	return stallingGetsCore{c.Clientset.CoreV1()}
}

type stallingGetsCore struct{ corev1client.CoreV1Interface }

func (s stallingGetsCore) Namespaces() corev1client.NamespaceInterface {
	return stallingNamespaces{s.CoreV1Interface.Namespaces()}
}

type stallingNamespaces struct {
	corev1client.NamespaceInterface
}

func (stallingNamespaces) Get(ctx context.Context, _ string, _ metav1.GetOptions) (*corev1.Namespace, error) {
	<-ctx.Done()
	return nil, ctx.Err()
}

// TestCollectCutShortNamespaceGets: with the namespace List refused, the
// namespaces are read one by one; a Get the --timeout cut is a gap, and
// every List made before is kept.
func TestCollectCutShortNamespaceGets(t *testing.T) {
	cs := newClientset(paymentsObjects()...)
	deny(cs, "list", "namespaces", "", "")
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	res, err := Collect(ctx, clientset.Wrap(stallingGets{cs}), Options{Namespaces: []string{"payments"}})
	if !errors.Is(err, ErrCutShort) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("error %v: want ErrCutShort and the deadline", err)
	}
	want := []snapshot.Gap{
		{Source: "kube", Operation: "get namespaces", Resource: "namespace payments", Reason: "not read: the collection was cut short"},
		{Source: "kube", Operation: "list namespaces", Resource: "cluster", Reason: "Forbidden: " + forbidden("namespaces", "", "list", "").Error() + " (see deploy/rbac.yaml)"},
	}
	if diff := cmp.Diff(want, res.Gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}
	var kinds []string
	for _, l := range res.Listed {
		kinds = append(kinds, string(l.Kind)+" "+l.Namespace)
	}
	wantKinds := []string{"DaemonSet kube-system", "MutatingWebhookConfiguration ", "Node ", "Pod payments", "ServiceAccount payments", "Workload payments"}
	if diff := cmp.Diff(wantKinds, kinds); diff != "" {
		t.Errorf("listed (-want +got):\n%s", diff)
	}
}
