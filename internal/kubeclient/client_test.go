package kubeclient_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	authenticationv1 "k8s.io/api/authentication/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"

	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
)

// request is what the API server sees of one call.
type request struct {
	Method, Path, Query, Accept, ContentType, UserAgent, Body string
}

// recorder is an API server that records every request and answers
// each with a NotFound Status (the calls' results do not matter here).
type recorder struct {
	mu   sync.Mutex
	reqs []request
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	r.mu.Lock()
	r.reqs = append(r.reqs, request{req.Method, req.URL.Path, req.URL.RawQuery, req.Header.Get("Accept"),
		req.Header.Get("Content-Type"), req.Header.Get("User-Agent"), string(body)})
	r.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusNotFound)
	io.WriteString(w, `{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"NotFound","code":404,"message":"not found"}`)
}

// calls makes every call irsa-doctor makes, once.
func calls(ctx context.Context, k kubeclient.Interface) {
	lo := metav1.ListOptions{Limit: 500, Continue: "abc", ResourceVersion: "0"}
	now := metav1.NewMicroTime(time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC))
	holder := "first"
	_, _ = k.ServerVersion(ctx)
	_, _ = k.Pods("payments").List(ctx, lo)
	_, _ = k.Pods("").List(ctx, lo)
	_, _ = k.ServiceAccounts("payments").List(ctx, lo)
	_, _ = k.Deployments("payments").List(ctx, lo)
	_, _ = k.StatefulSets("payments").List(ctx, lo)
	_, _ = k.DaemonSets("kube-system").List(ctx, lo)
	_, _ = k.ReplicaSets("payments").List(ctx, lo)
	_, _ = k.Jobs("payments").List(ctx, lo)
	_, _ = k.CronJobs("payments").List(ctx, lo)
	_, _ = k.Namespaces().List(ctx, lo)
	_, _ = k.Namespaces().Get(ctx, "payments", metav1.GetOptions{})
	_, _ = k.Nodes().List(ctx, lo)
	_, _ = k.MutatingWebhookConfigurations().List(ctx, lo)
	_, _ = k.ConfigMaps("payments").Get(ctx, "aws-config", metav1.GetOptions{})
	if w, err := k.Pods("").Watch(ctx, metav1.ListOptions{ResourceVersion: "42", AllowWatchBookmarks: true}); err == nil {
		w.Stop()
	}
	tail, since := int64(200), int64(3600)
	if rc, err := k.Pods("payments").GetLogs("api-0", &corev1.PodLogOptions{Container: "app", TailLines: &tail, SinceSeconds: &since, Previous: true}).Stream(ctx); err == nil {
		rc.Close()
	}
	exp := int64(600)
	_, _ = k.ServiceAccounts("payments").CreateToken(ctx, "s3-reader", &authenticationv1.TokenRequest{
		Spec: authenticationv1.TokenRequestSpec{Audiences: []string{"sts.amazonaws.com"}, ExpirationSeconds: &exp}}, metav1.CreateOptions{})
	_, _ = k.Pods("payments").Create(ctx, &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-", Namespace: "payments"},
		Spec: corev1.PodSpec{ServiceAccountName: "s3-reader", Containers: []corev1.Container{{Name: "app", Image: "app:1"}}}},
		metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	lease := &coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "irsa-doctor-serve", Namespace: "irsa-doctor", ResourceVersion: "7"},
		Spec: coordinationv1.LeaseSpec{HolderIdentity: &holder, AcquireTime: &now, RenewTime: &now}}
	_, _ = k.Leases("irsa-doctor").Get(ctx, "irsa-doctor-serve", metav1.GetOptions{})
	_, _ = k.Leases("irsa-doctor").Create(ctx, lease, metav1.CreateOptions{})
	_, _ = k.Leases("irsa-doctor").Update(ctx, lease, metav1.UpdateOptions{})
	ev := &eventsv1.Event{ObjectMeta: metav1.ObjectMeta{Name: "api.1", Namespace: "payments"}, EventTime: now, Type: "Warning",
		Reason: "TrustSubjectMismatch", Action: "Diagnose", ReportingController: "irsa-doctor.io/serve", ReportingInstance: "irsa-doctor.io/serve-host",
		Regarding: corev1.ObjectReference{Kind: "Deployment", APIVersion: "apps/v1", Namespace: "payments", Name: "api"}, Note: "note"}
	_, _ = k.Events("payments").Create(ctx, ev, metav1.CreateOptions{})
	_, _ = k.Events("payments").Patch(ctx, "api.1", types.StrategicMergePatchType, []byte(`{"series":{"count":2}}`), metav1.PatchOptions{})
}

// TestRequestsAsClientset: the hand-built client sends every request
// byte for byte as client-go's clientset does (method, path, query,
// content negotiation, User-Agent, body), for the same rest.Config.
func TestRequestsAsClientset(t *testing.T) {
	record := func(t *testing.T, mk func(*rest.Config) (kubeclient.Interface, error), ua string) []request {
		t.Helper()
		rec := &recorder{}
		srv := httptest.NewServer(rec)
		defer srv.Close()
		k, err := mk(&rest.Config{Host: srv.URL, UserAgent: ua, QPS: 100, Burst: 200})
		if err != nil {
			t.Fatal(err)
		}
		if got, want := k.Endpoint(), srv.URL; got != want {
			t.Errorf("endpoint %q, want %q", got, want)
		}
		calls(context.Background(), k)
		return rec.reqs
	}
	clientsetOf := func(c *rest.Config) (kubeclient.Interface, error) {
		cs, err := kubernetes.NewForConfig(c)
		if err != nil {
			return nil, err
		}
		return clientset.Wrap(cs), nil
	}
	ownOf := func(c *rest.Config) (kubeclient.Interface, error) { return kubeclient.NewClient(c) }
	for _, ua := range []string{"", "irsa-doctor/v0.1.0"} {
		t.Run("user-agent "+ua, func(t *testing.T) {
			want := record(t, clientsetOf, ua)
			got := record(t, ownOf, ua)
			if len(want) != 24 {
				t.Fatalf("the clientset made %d requests, want every call's: %v", len(want), want)
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("requests (-clientset +kubeclient):\n%s", diff)
			}
			for _, r := range got {
				if strings.Contains(r.Path, "/pods") && r.Method == "GET" && !strings.HasSuffix(r.Path, "/log") && !strings.Contains(r.Accept, "protobuf") {
					t.Errorf("%s %s: Accept %q, want protobuf preferred", r.Method, r.Path, r.Accept)
				}
			}
		})
	}
}

// TestBinaryLinksNoClientset: nothing in the binary imports client-go's
// clientset or a package that links its scheme (kubeclient's reason to
// exist: docs/performance.md, "Binary size"), nor gentype (typed.go).
func TestBinaryLinksNoClientset(t *testing.T) {
	// go test puts its own GOROOT/bin first on the PATH.
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the binary's packages")
	}
	out, err := exec.Command(gobin, "list", "-deps", "github.com/irsa-doctor/irsa-doctor/cmd/irsa-doctor").Output()
	if err != nil {
		t.Fatalf("go list -deps: %v", err)
	}
	forbidden := []string{"k8s.io/client-go/kubernetes", "k8s.io/client-go/informers", "k8s.io/client-go/discovery",
		"k8s.io/client-go/gentype", "k8s.io/client-go/tools/leaderelection", "k8s.io/client-go/tools/events", "k8s.io/client-go/testing"}
	for _, pkg := range strings.Fields(string(out)) {
		for _, f := range forbidden {
			if pkg == f || strings.HasPrefix(pkg, f+"/") {
				t.Errorf("cmd/irsa-doctor links %s", pkg)
			}
		}
	}
}
