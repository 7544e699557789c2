//go:build linux

package cli

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
)

// TestServeMeasureProcess measures the irsa-doctor binary's serve as a
// process of its own (TestServeMeasureLive runs serve inside the test
// process, with the AWS fake and the webhook, so its RSS is theirs too):
// against the live benchmark's cluster (10,000 pods, 2,000
// ServiceAccounts, 500 roles), the time from start to /readyz, the first
// full diagnosis (its log line and the duration histogram), and the
// process's resident memory (VmRSS, and its peak VmHWM, from
// /proc/PID/status) once settled, after one ServiceAccount edit, and a
// minute after ready. The binary reaches the AWS fake through
// AWS_ENDPOINT_URL and the issuer (oidc.irsa-doctor.test, which no DNS
// resolves) through a CONNECT proxy of this test. One run, not a
// benchmark loop: set IRSA_DOCTOR_SERVE_MEASURE=1 (docs/performance.md,
// "serve").
func TestServeMeasureProcess(t *testing.T) {
	c, fake := measureCluster(t, "measure the serve process on 10,000 pods")
	dir := t.TempDir()
	bin := filepath.Join(dir, "irsa-doctor")
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("building the binary to measure: %v (put the go command on PATH)", err)
	}
	build := exec.Command(goTool, "build", "-o", bin, "github.com/irsa-doctor/irsa-doctor/cmd/irsa-doctor")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}

	kubeconfig := c.Admin.KubeconfigIn(t, "")
	ctx := context.Background()
	cfg := fake.Config()
	creds, err := cfg.Credentials.Retrieve(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, c.CA.CertPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	proxy := issuerProxy(t, c)
	freePort := func() string {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		return l.Addr().String()
	}
	listen, reportListen := freePort(), freePort()

	cmd := exec.Command(bin, "serve", "--kubeconfig", kubeconfig, "--context", testenv.ContextName, "--cluster", e2eCluster,
		"--listen", listen, "--report", "--report-listen", reportListen,
		"--resync", "1h", "--aws-refresh", "1h", "--debounce", "10ms", "--events=false")
	// Only what the binary needs: the SDK's credential chain and endpoint
	// from the environment (static keys first, no IMDS), the harness CA
	// for the issuer, and the proxy to reach it. Go never proxies loopback
	// addresses, so the API server and the AWS fake are dialled directly.
	cmd.Env = []string{
		"PATH=/usr/bin:/bin", "HOME=" + dir,
		"AWS_ACCESS_KEY_ID=" + creds.AccessKeyID, "AWS_SECRET_ACCESS_KEY=" + creds.SecretAccessKey,
		"AWS_REGION=" + cfg.Region, "AWS_ENDPOINT_URL=" + fake.URL, "AWS_EC2_METADATA_DISABLED=true",
		"AWS_CONFIG_FILE=" + filepath.Join(dir, "none"), "AWS_SHARED_CREDENTIALS_FILE=" + filepath.Join(dir, "none"),
		"SSL_CERT_FILE=" + ca, "HTTPS_PROXY=http://" + proxy,
	}
	var logs syncBuffer
	cmd.Stderr = &logs
	start := time.Now()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	go func() { exited <- cmd.Wait() }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case err := <-exited:
			if err != nil {
				t.Errorf("serve ended with %v after SIGTERM; logs:\n%s", err, logs.String())
			}
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-exited
			t.Errorf("serve did not end within 30s of SIGTERM")
		}
	}
	t.Cleanup(stop)
	get := func(path string) (int, string) {
		addr := listen
		if strings.HasPrefix(path, "/report") {
			addr = reportListen
		}
		resp, err := http.Get("http://" + addr + path)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	for deadline := time.Now().Add(3 * time.Minute); ; time.Sleep(50 * time.Millisecond) {
		if code, _ := get("/readyz"); code == http.StatusOK {
			break
		}
		select {
		case err := <-exited:
			t.Fatalf("serve ended before ready: %v; logs:\n%s", err, logs.String())
		default:
		}
		if time.Now().After(deadline) {
			t.Fatalf("serve not ready within 3 minutes; logs:\n%s", logs.String())
		}
	}
	ready := time.Since(start)
	full := regexp.MustCompile(`msg="diagnosed every target" why=start targets=(\d+) duration=(\S+)`).FindStringSubmatch(logs.String())
	if full == nil {
		t.Fatalf("no full diagnosis in the logs:\n%s", logs.String())
	}
	if full[1] != "10000" {
		t.Errorf("the full diagnosis judged %s targets, want 10000 (the pods)", full[1])
	}
	_, m := get("/metrics")
	if n := metricValue(m, "irsa_doctor_diagnosis_duration_seconds_count"); n != 1 {
		t.Errorf("diagnosis_duration_seconds_count %v at ready, want 1 (the first full diagnosis)", n)
	}
	histSum := metricValue(m, "irsa_doctor_diagnosis_duration_seconds_sum")

	// Settled: the informers' first Lists and the first diagnosis are
	// behind; nothing changes in the cluster.
	time.Sleep(10 * time.Second)
	settled := procStatus(t, cmd.Process.Pid)
	_, m = get("/metrics")
	heap := metricValue(m, "go_memstats_heap_inuse_bytes")

	before := metricValue(m, "irsa_doctor_rediagnosed_targets_total")
	sumBefore, countBefore := metricValue(m, "irsa_doctor_diagnosis_duration_seconds_sum"), metricValue(m, "irsa_doctor_diagnosis_duration_seconds_count")
	sa, err := c.Admin.Client.CoreV1().ServiceAccounts("bench-07").Get(ctx, "sa-03", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sa.Annotations["example.com/edited"] = "yes"
	edit := time.Now()
	if _, err := c.Admin.Client.CoreV1().ServiceAccounts("bench-07").Update(ctx, sa, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	var after float64
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		_, m = get("/metrics")
		if after = metricValue(m, "irsa_doctor_rediagnosed_targets_total"); after > before {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no re-diagnosis within 30s of the edit; logs:\n%s", logs.String())
		}
	}
	seen := time.Since(edit)
	// The counter rises by exactly the targets that use bench-07/sa-03:
	// its 5 pods. Wait a moment for a second re-diagnosis that should
	// not come.
	time.Sleep(time.Second)
	_, m = get("/metrics")
	if got := metricValue(m, "irsa_doctor_rediagnosed_targets_total") - before; got != 5 {
		t.Errorf("re-diagnosed %v targets after one edit, want 5 (the pods of bench-07/sa-03)", got)
	}
	// One diagnosis for the edit: the histogram's sum grew by its time.
	if n := metricValue(m, "irsa_doctor_diagnosis_duration_seconds_count") - countBefore; n != 1 {
		t.Errorf("%v diagnoses after one edit, want 1", n)
	}
	oneEdit := time.Duration((metricValue(m, "irsa_doctor_diagnosis_duration_seconds_sum") - sumBefore) * float64(time.Second))
	edited := procStatus(t, cmd.Process.Pid)
	// A minute after ready, the runtime's scavenger has had time to
	// return pages the heap no longer uses.
	time.Sleep(time.Until(start.Add(ready + time.Minute)))
	minute := procStatus(t, cmd.Process.Pid)
	// The diagnosis measured is a whole one: the binary reached AWS and
	// the issuer (a gap would say it did not), as in-process serve does.
	code, body := get("/report?format=json")
	var rep struct {
		Gaps []struct{ Source, Operation, Resource, Reason string }
	}
	if err := json.Unmarshal([]byte(body), &rep); code != http.StatusOK || err != nil {
		t.Fatalf("/report: %d, %v", code, err)
	}
	for _, g := range rep.Gaps {
		t.Errorf("gap in the diagnosis: %+v", g)
	}
	states := map[string]float64{}
	for _, l := range strings.Split(m, "\n") {
		if strings.HasPrefix(l, "irsa_doctor_targets{") {
			st := regexp.MustCompile(`state="([a-z]+)"`).FindStringSubmatch(l)
			f := strings.Fields(l)
			v, _ := strconv.ParseFloat(f[len(f)-1], 64)
			if st != nil {
				states[st[1]] += v
			}
		}
	}
	stop()
	t.Logf("serve process: ready (watch, List, AWS, first full diagnosis) in %s; full diagnosis of %s targets %s (histogram sum %.3fs); "+
		"settled 10s after ready: %s, Go heap in use %.0f MiB; one ServiceAccount edit re-diagnosed in %s (histogram), seen in the counter after %s: %s; a minute after ready: %s; targets by state %v",
		ready.Round(time.Millisecond), full[1], full[2], histSum, settled, heap/(1<<20), oneEdit.Round(10*time.Microsecond), seen.Round(time.Millisecond), edited, minute, states)
}

// procStatus returns the VmRSS and VmHWM lines of /proc/PID/status.
func procStatus(t *testing.T, pid int) string {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, l := range strings.Split(string(b), "\n") {
		if strings.HasPrefix(l, "VmRSS:") || strings.HasPrefix(l, "VmHWM:") {
			out = append(out, strings.Join(strings.Fields(l), " "))
		}
	}
	return strings.Join(out, ", ")
}

// metricValue is the value of the unlabelled sample name in a /metrics
// body, or -1.
func metricValue(body, name string) float64 {
	sc := bufio.NewScanner(strings.NewReader(body))
	sc.Buffer(make([]byte, 0, 64*1024), 1<<20)
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), name+" ")
		if !ok {
			continue
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err == nil {
			return v
		}
	}
	return -1
}

// issuerProxy serves HTTP CONNECT to the issuer's host only, dialled as the
// harness dials it (the host resolves nowhere else), and returns its
// address.
func issuerProxy(t *testing.T, c *testenv.Cluster) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	issuerHost := strings.TrimPrefix(c.Issuer, "https://")
	issuerHost, _, _ = strings.Cut(issuerHost, "/")
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodConnect || r.Host != issuerHost+":443" {
			http.Error(w, "this proxy reaches "+issuerHost+":443 only", http.StatusForbidden)
			return
		}
		up, err := c.DialContext(r.Context(), "tcp", r.Host)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		hj, ok := w.(http.Hijacker)
		if !ok {
			up.Close()
			http.Error(w, "no hijacking", http.StatusInternalServerError)
			return
		}
		down, buf, err := hj.Hijack()
		if err != nil {
			up.Close()
			return
		}
		if _, err := down.Write([]byte("HTTP/1.1 200 Connection established\r\n\r\n")); err != nil {
			up.Close()
			down.Close()
			return
		}
		go func() {
			defer up.Close()
			defer down.Close()
			if n := buf.Reader.Buffered(); n > 0 {
				b, _ := buf.Reader.Peek(n)
				if _, err := up.Write(bytes.Clone(b)); err != nil {
					return
				}
			}
			go func() { _, _ = io.Copy(down, up); down.Close() }()
			_, _ = io.Copy(up, down)
		}()
	})}
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { srv.Close() })
	return l.Addr().String()
}
