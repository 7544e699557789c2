package cli

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// syncBuffer is a bytes.Buffer for serve's logs, written by its
// goroutines while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// serving is one `irsa-doctor serve` run in-process by a test.
type serving struct {
	t       *testing.T
	metrics string // host:port
	report  string // host:port, "" without --report
	logs    *syncBuffer
	done    chan error
}

// startServe runs serve with args against the test's cluster and fake AWS
// until the test ends, and waits until /readyz answers 200.
func (e *e2e) startServe(args ...string) *serving {
	e.t.Helper()
	s := &serving{t: e.t, logs: &syncBuffer{}, done: make(chan error, 1)}
	var out bytes.Buffer
	deps := e.deps(&out, nil)
	deps.ErrOut = s.logs
	addrs := make(chan [2]net.Addr, 1)
	var opts *ServeOptions
	cmd := NewCmdServe(deps, func(_ context.Context, o *ServeOptions) error { opts = o; return nil })
	cmd.SetArgs(append([]string{"--kubeconfig", e.kubeconfig, "--context", testenv.ContextName, "--cluster", e2eCluster,
		"--listen", "127.0.0.1:0", "--log-level", "debug"}, args...))
	if err := cmd.Execute(); err != nil {
		e.t.Fatalf("serve flags: %v", err)
	}
	opts.listening = func(m, r net.Addr) { addrs <- [2]net.Addr{m, r} }
	ctx, cancel := context.WithCancel(context.Background())
	go func() { s.done <- serveRun(ctx, opts) }()
	e.t.Cleanup(func() {
		cancel()
		if err := <-s.done; err != nil {
			e.t.Errorf("serve ended with %v; logs:\n%s", err, s.logs)
		}
	})
	select {
	case a := <-addrs:
		s.metrics = a[0].String()
		if a[1] != nil {
			s.report = a[1].String()
		}
	case err := <-s.done:
		e.t.Fatalf("serve ended before listening: %v; logs:\n%s", err, s.logs)
	case <-time.After(30 * time.Second):
		e.t.Fatalf("serve did not listen within 30s; logs:\n%s", s.logs)
	}
	s.waitFor("ready", func() bool { code, _ := s.get("/readyz"); return code == http.StatusOK })
	return s
}

func (s *serving) get(path string) (int, string) {
	return httpGet(s.t, "http://"+s.metrics+path)
}

func httpGet(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	return resp.StatusCode, string(b)
}

// waitFor polls cond for up to 30 s.
func (s *serving) waitFor(what string, cond func() bool) {
	s.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			_, m := s.get("/metrics")
			s.t.Fatalf("not %s within 30s; metrics:\n%s\nlogs:\n%s", what, grepLines(m, "irsa_doctor_"), s.logs)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// lines returns the metric lines of /metrics that start with prefix and
// hold every one of the label pairs in has.
func (s *serving) lines(prefix string, has ...string) []string {
	_, body := s.get("/metrics")
	var out []string
	sc := bufio.NewScanner(strings.NewReader(body))
	for sc.Scan() {
		l := sc.Text()
		if !strings.HasPrefix(l, prefix) {
			continue
		}
		ok := true
		for _, h := range has {
			ok = ok && strings.Contains(l, h)
		}
		if ok {
			out = append(out, l)
		}
	}
	slices.Sort(out)
	return out
}

// value is the value of the one metric line named name (no labels).
func (s *serving) value(name string) float64 {
	s.t.Helper()
	ls := s.lines(name + " ")
	if len(ls) != 1 {
		s.t.Fatalf("metric %s: %q, want one line", name, ls)
	}
	v, err := strconv.ParseFloat(strings.TrimPrefix(ls[0], name+" "), 64)
	if err != nil {
		s.t.Fatalf("metric %q: %v", ls[0], err)
	}
	return v
}

func grepLines(s, prefix string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.HasPrefix(l, prefix) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestE2EServe: serve against the real kube-apiserver and the AWS fakes.
// A ServiceAccount whose role trusts another ServiceAccount shows in
// irsa_doctor_findings; pointing it at a new role (read at once) clears
// the gauge and re-diagnoses exactly the three targets that use it, of
// the 50 in the namespace; breaking that role's trust policy in the fake
// shows again within --aws-refresh, and fixing it clears it.
func TestE2EServe(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-serve"
	broken := e2eRoleARN("e2e-serve-broken")
	fixed := e2eRoleARN("e2e-serve-fixed")
	roles := []awsfake.Role{{ARN: broken, TrustPolicy: e2eTrustPolicy(c, ns, "someone-else", webhook.DefaultAudience)}}
	const workers, podsPerWorker = 9, 5
	for i := range workers {
		sa := fmt.Sprintf("worker-%d", i)
		roles = append(roles, awsfake.Role{ARN: e2eRoleARN("e2e-serve-" + sa), TrustPolicy: e2eTrustPolicy(c, ns, sa, webhook.DefaultAudience)})
	}
	e := newE2E(t, ns, awsfake.State{Roles: roles, Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)}})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("s3-reader", broken, nil)
	e.pod(e2ePod("api-0", "s3-reader"))
	e.pod(e2ePod("api-1", "s3-reader"))
	e.deployment("api", "s3-reader")
	for i := range workers {
		sa := fmt.Sprintf("worker-%d", i)
		e.serviceAccount(sa, e2eRoleARN("e2e-serve-"+sa), nil)
	}
	createPods(t, c, func(yield func(string, *corev1.Pod) bool) {
		for i := range workers {
			for j := range podsPerWorker {
				if !yield(ns, e2ePod(fmt.Sprintf("worker-%d-%d", i, j), fmt.Sprintf("worker-%d", i))) {
					return
				}
			}
		}
	})

	s := e.startServe("--resync", "1h", "--aws-refresh", "2s", "--debounce", "100ms", "--report", "--report-listen", "127.0.0.1:0")
	inNS := `namespace="` + ns + `"`
	const brokenLine = `irsa_doctor_findings{check="IRSA205",kind="IAMRole",namespace="e2e-serve",severity="error",slug="trust-subject-mismatch"} 1`
	if got := s.lines("irsa_doctor_findings{", inNS); !slices.Equal(got, []string{brokenLine}) {
		t.Fatalf("findings of %s:\n%s\nwant exactly:\n%s\nall findings:\n%s\nlogs:\n%s", ns, strings.Join(got, "\n"), brokenLine,
			strings.Join(s.lines("irsa_doctor_findings{"), "\n"), s.logs)
	}
	wantTargets := []string{
		`irsa_doctor_targets{mechanism="irsa",namespace="e2e-serve",state="failing"} 3`,
		`irsa_doctor_targets{mechanism="irsa",namespace="e2e-serve",state="healthy"} 45`,
	}
	if got := s.lines("irsa_doctor_targets{", inNS); !slices.Equal(got, wantTargets) {
		t.Errorf("targets of %s:\n%s\nwant:\n%s", ns, strings.Join(got, "\n"), strings.Join(wantTargets, "\n"))
	}
	if got := s.lines("irsa_doctor_info{"); len(got) != 1 || got[0] != `irsa_doctor_info{version="v0.0.0-test"} 1` {
		t.Errorf("info: %q", got)
	}
	code, body := httpGet(t, "http://"+s.report+"/report")
	if code != http.StatusOK {
		t.Fatalf("/report: %d %s", code, body)
	}
	res := decode(t, body)
	var nsTargets, ownFindings int
	for _, tg := range res.Targets {
		if tg.Namespace == ns {
			nsTargets++
		}
	}
	for _, f := range res.Findings {
		if f.CheckID == "IRSA205" && f.Subject.Kind == "IAMRole" && f.Subject.ARN == broken && f.Status == "fail" {
			ownFindings++
			if len(f.Affects) != 3 {
				t.Errorf("/report: IRSA205 affects %+v, want the 3 targets of s3-reader", f.Affects)
			}
		}
	}
	if nsTargets != 48 || ownFindings != 1 || res.Input.Mode != "live" || res.Input.Cluster != e2eCluster || res.Input.AccountID != e2eAccount {
		t.Errorf("/report: %d targets in %s (want 48), %d IRSA205 findings on %s (want 1), input %+v", nsTargets, ns, ownFindings, broken, res.Input)
	}
	if code, body := httpGet(t, "http://"+s.report+"/report?format=markdown"); code != http.StatusOK || !strings.Contains(body, "IRSA205") {
		t.Errorf("/report?format=markdown: %d %.200s", code, body)
	}
	if code, body := httpGet(t, "http://"+s.report+"/report?format=pdf"); code != http.StatusBadRequest || !strings.Contains(body, `unknown output format "pdf"`) {
		t.Errorf("/report?format=pdf: %d %s", code, body)
	}
	for _, l := range s.lines("irsa_doctor_") {
		if strings.Contains(l, "worker-0-0") || strings.Contains(l, "api-0") {
			t.Errorf("a pod name in a metric: %s", l)
		}
	}

	// The ServiceAccount is pointed at a role named for the first time.
	e.aws.Update(func(st *awsfake.State) {
		st.Roles = append(st.Roles, awsfake.Role{ARN: fixed, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)})
	})
	before := s.value("irsa_doctor_rediagnosed_targets_total")
	sa, err := c.Admin.Client.CoreV1().ServiceAccounts(ns).Get(e.ctx(), "s3-reader", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sa.Annotations[webhook.AnnotationRoleARN] = fixed
	if _, err := c.Admin.Client.CoreV1().ServiceAccounts(ns).Update(e.ctx(), sa, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	// The running pods keep the old role (the webhook wrote it into their
	// env): IRSA105 until they are recreated; the Deployment's template
	// takes the new one.
	const staleLine = `irsa_doctor_findings{check="IRSA105",kind="Pod",namespace="e2e-serve",severity="error",slug="pod-role-stale"} 2`
	s.waitFor("re-diagnosed after the ServiceAccount edit", func() bool {
		return slices.Equal(s.lines("irsa_doctor_findings{", inNS), []string{staleLine}) && s.value("irsa_doctor_rediagnosed_targets_total") > before
	})
	time.Sleep(500 * time.Millisecond) // nothing else is re-diagnosed
	if got := s.value("irsa_doctor_rediagnosed_targets_total") - before; got != 3 {
		t.Errorf("re-diagnosed %v targets after the ServiceAccount edit, want 3 (pods api-0, api-1, Deployment api); logs:\n%s", got, s.logs)
	}
	if !strings.Contains(s.logs.String(), `msg="re-diagnosed the targets an event touched" targets=3 `) {
		t.Errorf("no debug line naming 3 re-diagnosed targets; logs:\n%s", s.logs)
	}
	for _, name := range []string{"api-0", "api-1"} {
		if err := c.Admin.Client.CoreV1().Pods(ns).Delete(e.ctx(), name, metav1.DeleteOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	s.waitFor("clear once the stale pods are gone", func() bool {
		return len(s.lines("irsa_doctor_findings{", inNS)) == 0
	})
	if got := s.lines("irsa_doctor_targets{", inNS); !slices.Equal(got, []string{`irsa_doctor_targets{mechanism="irsa",namespace="e2e-serve",state="healthy"} 46`}) {
		t.Errorf("targets of %s once fixed:\n%s", ns, strings.Join(got, "\n"))
	}

	// The role's trust policy is broken, then fixed, in the fake: seen
	// within --aws-refresh.
	e.aws.Update(func(st *awsfake.State) {
		for i := range st.Roles {
			if st.Roles[i].ARN == fixed {
				st.Roles[i].TrustPolicy = e2eTrustPolicy(c, ns, "someone-else", webhook.DefaultAudience)
			}
		}
	})
	s.waitFor("failing after the trust policy broke", func() bool {
		return slices.Equal(s.lines("irsa_doctor_findings{", inNS), []string{brokenLine})
	})
	e.aws.Update(func(st *awsfake.State) {
		for i := range st.Roles {
			if st.Roles[i].ARN == fixed {
				st.Roles[i].TrustPolicy = e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)
			}
		}
	})
	s.waitFor("clear after the trust policy was fixed", func() bool {
		return len(s.lines("irsa_doctor_findings{", inNS)) == 0
	})
	if got := s.lines(`irsa_doctor_aws_calls_total{operation="iam:GetRole",outcome="success"}`); len(got) != 1 {
		t.Errorf("aws calls: %q", got)
	}
	if got := s.lines(`irsa_doctor_kube_events_total{kind="ServiceAccount"}`); len(got) != 1 {
		t.Errorf("kube events: %q", got)
	}
	if code, _ := s.get("/report"); code != http.StatusNotFound {
		t.Errorf("/report on the metrics port answered %d without --report, want 404", code)
	}
}
