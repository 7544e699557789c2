package kube

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestCollectLogs: past MaxPods, one gap says how many pods' logs were not
// read and how to narrow; each container's log (and the previous
// instance's of one that restarted) is one capture named as bundle
// attributes it; a log the filter empties gives none. (client-go's fake
// answers every log "fake logs"; the API server's answers, errors
// included, are tested end to end in internal/cli/e2e_logs_test.go.)
func TestCollectLogs(t *testing.T) {
	cs := newClientset()
	pods := []LogPod{
		{Namespace: "payments", Name: "web", Containers: []LogContainer{{Name: "app"}}},
		{Namespace: "payments", Name: "api", Containers: []LogContainer{{Name: "app", Restarted: true}, {Name: "proxy"}}},
		{Namespace: "orders", Name: "sync", Containers: []LogContainer{{Name: "app"}}},
	}
	res := CollectLogs(context.Background(), clientset.Wrap(cs), pods, LogOptions{MaxPods: 2, TailLines: 200})
	var got []bundle.Capture
	got = append(got, res.Captures...)
	want := []bundle.Capture{
		{Path: "logs/orders/sync/app.log", Data: []byte("fake logs"), Source: snapshot.Source{Kind: "kube", Ref: "logs sync -n orders -c app"}},
		{Path: "logs/payments/api/app.log", Data: []byte("fake logs"), Source: snapshot.Source{Kind: "kube", Ref: "logs api -n payments -c app"}},
		{Path: "logs/payments/api/app.previous.log", Data: []byte("fake logs"), Source: snapshot.Source{Kind: "kube", Ref: "logs api -n payments -c app --previous"}},
		{Path: "logs/payments/api/proxy.log", Data: []byte("fake logs"), Source: snapshot.Source{Kind: "kube", Ref: "logs api -n payments -c proxy"}},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("captures (-want +got):\n%s", diff)
	}
	wantGaps := []snapshot.Gap{{Source: "kube", Operation: "get pods/log", Resource: "1 pod",
		Reason: "--logs reads the logs of at most 2 pods: those of 1 pod more (payments/web and after, by namespace and name) were not read; name the pods to read, e.g. irsa-doctor scan POD --logs"}}
	if diff := cmp.Diff(wantGaps, res.Gaps); diff != "" {
		t.Errorf("gaps (-want +got):\n%s", diff)
	}

	res = CollectLogs(context.Background(), clientset.Wrap(cs), pods, LogOptions{Filter: func([]byte) []byte { return nil }})
	if len(res.Captures) != 0 || len(res.Gaps) != 0 {
		t.Errorf("filtered to nothing: captures %+v, gaps %+v", res.Captures, res.Gaps)
	}
}
