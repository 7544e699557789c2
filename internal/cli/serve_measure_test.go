//go:build unix

package cli

import (
	"errors"
	"os"
	"regexp"
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

// TestServeMeasureLive measures serve against the live benchmark's cluster
// (10,000 pods through admission, 2,000 ServiceAccounts, 500 roles: see
// BenchmarkLiveScan): the time to the first full diagnosis, the
// re-diagnosis after one ServiceAccount edit, and this process's heap and
// RSS once settled (the AWS fake and the webhook run in it too). One run,
// not a benchmark loop: set IRSA_DOCTOR_SERVE_MEASURE=1
// (docs/performance.md, "serve").
func TestServeMeasureLive(t *testing.T) {
	c, fake := measureCluster(t, "measure serve on 10,000 pods")
	e := &e2e{t: t, c: c, aws: fake, kubeconfig: c.Admin.KubeconfigIn(t, "")}

	start := time.Now()
	s := e.startServe("--resync", "1h", "--aws-refresh", "1h", "--debounce", "10ms", "--events=false")
	ready := time.Since(start)
	full := regexp.MustCompile(`msg="diagnosed every target" why=start targets=(\d+) duration=(\S+)`).FindStringSubmatch(s.logs.String())
	if full == nil {
		t.Fatalf("no full diagnosis in the logs:\n%s", s.logs)
	}
	time.Sleep(5 * time.Second)
	runtime.GC()
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	status, _ := os.ReadFile("/proc/self/status")
	var rss []string
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
			rss = append(rss, strings.Join(strings.Fields(l), " "))
		}
	}

	before := s.value("irsa_doctor_rediagnosed_targets_total")
	sa, err := c.Admin.Client.CoreV1().ServiceAccounts("bench-07").Get(e.ctx(), "sa-03", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sa.Labels = map[string]string{"edited": "yes"}
	sa.Annotations["example.com/edited"] = "yes"
	edit := time.Now()
	if _, err := c.Admin.Client.CoreV1().ServiceAccounts("bench-07").Update(e.ctx(), sa, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	s.waitFor("re-diagnosed", func() bool { return s.value("irsa_doctor_rediagnosed_targets_total") > before })
	seen := time.Since(edit)
	one := regexp.MustCompile(`msg="re-diagnosed the targets an event touched" targets=(\d+) duration=(\S+)`).FindStringSubmatch(s.logs.String())
	if one == nil {
		t.Fatalf("no re-diagnosis in the logs:\n%s", s.logs)
	}
	t.Logf("ready (watch, list, AWS, first full diagnosis) in %s; full diagnosis of %s targets %s; heap in use %.0f MiB, %s after GC; "+
		"one ServiceAccount edit: %s targets re-diagnosed in %s (edit to metric: %s, with --debounce 10ms)",
		ready.Round(time.Millisecond), full[1], full[2], float64(ms.HeapInuse)/(1<<20), strings.Join(rss, ", "), one[1], one[2], seen.Round(time.Millisecond))
	if one[1] != "5" {
		t.Errorf("re-diagnosed %s targets, want 5 (the pods of bench-07/sa-03)", one[1])
	}
}

// measureCluster starts the test kube-apiserver and loads the live
// benchmark's cluster into it, for the serve measurements; it skips unless
// IRSA_DOCTOR_SERVE_MEASURE is set (what says what it would measure).
func measureCluster(t *testing.T, what string) (*testenv.Cluster, *awsfake.Fake) {
	t.Helper()
	if os.Getenv("IRSA_DOCTOR_SERVE_MEASURE") == "" {
		t.Skip("set IRSA_DOCTOR_SERVE_MEASURE=1 to " + what)
	}
	bins, err := testenv.FindBinaries()
	if errors.Is(err, testenv.ErrNoBinaries) {
		t.Skipf("skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	c, err := testenv.Start(bins, testenv.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(c.Stop)
	start := time.Now()
	fake := loadBenchCluster(t, c)
	t.Logf("loaded 10,000 pods in %s", time.Since(start).Round(time.Millisecond))
	return c, fake
}
