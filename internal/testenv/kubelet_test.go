package testenv

import (
	"context"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestKubeletLogs: the real kube-apiserver proxies pods/log to the fake
// kubelet endpoint of the pod's node, which answers tailLines,
// sinceSeconds, timestamps, limitBytes and previous as the kubelet does.
func TestKubeletLogs(t *testing.T) {
	c := StartCluster(t, Options{})
	c.CreateNamespace(t, testNS, nil)
	k := c.StartKubelet(t, "node-logs")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	if _, err := c.Admin.Client.CoreV1().Pods(testNS).Create(ctx, &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "api"},
		Spec:       corev1.PodSpec{NodeName: "node-logs", Containers: []corev1.Container{{Name: "app", Image: "app:1"}}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC().Truncate(time.Second)
	k.SetLog(testNS, "api", "app", false,
		LogLine{now.Add(-3 * time.Hour), "old"},
		LogLine{now.Add(-30 * time.Minute), "recent"},
		LogLine{now.Add(-time.Minute), "latest"})
	k.SetLog(testNS, "api", "app", true, LogLine{now.Add(-4 * time.Hour), "crashed"})

	get := func(o corev1.PodLogOptions) (string, error) {
		t.Helper()
		o.Container = "app"
		b, err := c.Admin.Client.CoreV1().Pods(testNS).GetLogs("api", &o).DoRaw(ctx)
		return string(b), err
	}
	i64 := func(n int64) *int64 { return &n }
	ts := func(d time.Duration) string { return now.Add(d).Format(kubeletTimeFormat) }
	for _, tc := range []struct {
		name string
		opts corev1.PodLogOptions
		want string
	}{
		{"whole", corev1.PodLogOptions{}, "old\nrecent\nlatest\n"},
		{"tail", corev1.PodLogOptions{TailLines: i64(2)}, "recent\nlatest\n"},
		{"since", corev1.PodLogOptions{SinceSeconds: i64(3600)}, "recent\nlatest\n"},
		{"tail and since", corev1.PodLogOptions{TailLines: i64(1), SinceSeconds: i64(3600)}, "latest\n"},
		{"timestamps", corev1.PodLogOptions{TailLines: i64(1), Timestamps: true}, ts(-time.Minute) + " latest\n"},
		{"limitBytes", corev1.PodLogOptions{LimitBytes: i64(5)}, "old\nr"},
		{"previous", corev1.PodLogOptions{Previous: true, Timestamps: true}, ts(-4*time.Hour) + " crashed\n"},
	} {
		got, err := get(tc.opts)
		if err != nil || got != tc.want {
			t.Errorf("%s: %q, %v; want %q", tc.name, got, err, tc.want)
		}
	}
	k.DeleteLog(testNS, "api", "app", true)
	if _, err := get(corev1.PodLogOptions{Previous: true}); !apierrors.IsBadRequest(err) {
		t.Errorf("previous without one: %v, want 400", err)
	}
	if got := k.Requests(); len(got) != 8 || got[1] != "/containerLogs/"+testNS+"/api/app?tailLines=2" {
		t.Errorf("requests %q", got)
	}
	if diff := cmp.Diff("/containerLogs/"+testNS+"/api/app?limitBytes=5", k.Requests()[5]); diff != "" {
		t.Errorf("request (-want +got):\n%s", diff)
	}
}
