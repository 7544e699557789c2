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

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
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
	stop    func()
}

// startServe runs serve with args against the test's cluster and fake AWS
// until the test ends, and waits until /readyz answers 200.
func (e *e2e) startServe(args ...string) *serving {
	e.t.Helper()
	return e.startServeWith(nil, args...)
}

// startServeWith is startServe with opts changed by set before it runs.
func (e *e2e) startServeWith(set func(*ServeOptions), args ...string) *serving {
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
	if set != nil {
		set(opts)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { s.done <- serveRun(ctx, opts) }()
	var once sync.Once
	s.stop = func() {
		once.Do(func() {
			cancel()
			if err := <-s.done; err != nil {
				e.t.Errorf("serve ended with %v; logs:\n%s", err, s.logs)
			}
		})
	}
	e.t.Cleanup(s.stop)
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
	if !strings.Contains(s.logs.String(), `msg="not running in a pod (POD_NAME and POD_NAMESPACE are not set): no self-diagnosis"`) {
		t.Errorf("no line saying serve is not in a pod; logs:\n%s", s.logs)
	}
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

// eventLine is one Event of serve, as the tests state them.
func eventLines(t *testing.T, c *testenv.Cluster, ns string) []string {
	t.Helper()
	l, err := c.Admin.Client.EventsV1().Events(ns).List(context.Background(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range l.Items {
		if ev.ReportingController != "irsa-doctor.io/serve" {
			continue
		}
		n := int32(1)
		if ev.Series != nil {
			n = ev.Series.Count
		}
		out = append(out, fmt.Sprintf("%s %s %s/%s x%d: %s", ev.Type, ev.Reason, ev.Regarding.Kind, ev.Regarding.Name, n, ev.Note))
	}
	slices.Sort(out)
	return out
}

// TestE2EServeEvents: two replicas with leader election; a trust policy
// broken in the fake gives one Warning on the Deployment (not one per
// pod), one on the bare pod and one on the ServiceAccount, from the
// leader alone; fixed, one Normal ...Resolved on each. Once the leader
// stops, the other replica takes the Lease and emits.
func TestE2EServeEvents(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-serve-events"
	role := e2eRoleARN("e2e-serve-events")
	good := e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)
	bad := e2eTrustPolicy(c, ns, "someone-else", webhook.DefaultAudience)
	e := newE2E(t, ns, awsfake.State{Roles: []awsfake.Role{{ARN: role, TrustPolicy: good}}, Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)}})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("s3-reader", role, nil)
	e.deployment("api", "s3-reader")
	d, err := c.Admin.Client.AppsV1().Deployments(ns).Get(e.ctx(), "api", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	yes := true
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: "api-7d9f", Labels: map[string]string{"app": "api", "pod-template-hash": "7d9f"},
			OwnerReferences: []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "Deployment", Name: "api", UID: d.UID, Controller: &yes}}},
		Spec: appsv1.ReplicaSetSpec{Selector: d.Spec.Selector, Template: d.Spec.Template},
	}
	rs.Spec.Template.Labels = map[string]string{"app": "api", "pod-template-hash": "7d9f"}
	rs.Spec.Selector = &metav1.LabelSelector{MatchLabels: rs.Spec.Template.Labels}
	if rs, err = c.Admin.Client.AppsV1().ReplicaSets(ns).Create(e.ctx(), rs, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"api-7d9f-a", "api-7d9f-b"} {
		p := e2ePod(name, "s3-reader")
		p.Labels = map[string]string{"app": "api", "pod-template-hash": "7d9f"}
		p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: rs.Name, UID: rs.UID, Controller: &yes}}
		e.pod(p)
	}
	e.pod(e2ePod("debug", "s3-reader"))

	lease := func(o *ServeOptions) {
		o.lease.LeaseDuration, o.lease.RenewDeadline, o.lease.RetryPeriod = 3*time.Second, 2*time.Second, 200*time.Millisecond
	}
	args := []string{"--resync", "1h", "--aws-refresh", "1s", "--lease-namespace", ns}
	first := e.startServeWith(func(o *ServeOptions) { lease(o); o.lease.Identity = "first" }, args...)
	first.waitFor("leading", func() bool { return first.value("irsa_doctor_leader") == 1 })
	second := e.startServeWith(func(o *ServeOptions) { lease(o); o.lease.Identity = "second" }, args...)
	if v := second.value("irsa_doctor_leader"); v != 0 {
		t.Fatalf("the second replica leads (%v) while the first holds the Lease", v)
	}
	if got := eventLines(t, c, ns); len(got) != 0 {
		t.Fatalf("events before any change (the state found at start is not announced): %q", got)
	}

	setTrust := func(doc string) {
		e.aws.Update(func(st *awsfake.State) { st.Roles[0].TrustPolicy = doc })
	}
	waitEvents := func(want []string) {
		t.Helper()
		deadline := time.Now().Add(30 * time.Second)
		for {
			got := eventLines(t, c, ns)
			if slices.Equal(got, want) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("events:\n%s\nwant:\n%s\nfirst's logs:\n%s\nsecond's logs:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"), first.logs, second.logs)
			}
			time.Sleep(200 * time.Millisecond)
		}
		time.Sleep(time.Second) // and no more come
		if got := eventLines(t, c, ns); !slices.Equal(got, want) {
			t.Fatalf("events after a second:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
	warn := func(kind, name string) string {
		return "Warning TrustSubjectMismatch " + kind + "/" + name + " x1: Statement[0] requires " + e2eIssuerHostPath(c) +
			`:sub StringEquals "system:serviceaccount:e2e-serve-events:someone-else"; the token has "system:serviceaccount:e2e-serve-events:s3-reader":` +
			` the service account name differs: "someone-else" in the policy, "s3-reader" in the token (IRSA205)`
	}
	setTrust(bad)
	warnings := []string{warn("Deployment", "api"), warn("Pod", "debug"), warn("ServiceAccount", "s3-reader")}
	waitEvents(warnings)
	setTrust(good)
	var resolved []string
	for _, w := range warnings {
		resolved = append(resolved, strings.Replace(strings.Replace(w, "Warning TrustSubjectMismatch", "Normal TrustSubjectMismatchResolved", 1), "x1: ", "x1: resolved: ", 1))
	}
	waitEvents(append(slices.Clone(resolved), warnings...))
	if got := first.lines("irsa_doctor_events_emitted_total"); !slices.Equal(got, []string{
		`irsa_doctor_events_emitted_total{type="Normal"} 3`, `irsa_doctor_events_emitted_total{type="Warning"} 3`}) {
		t.Errorf("first replica's events: %q", got)
	}
	if got := second.lines("irsa_doctor_events_emitted_total"); len(got) != 0 {
		t.Errorf("the second replica emitted events while the first held the Lease: %q", got)
	}

	// The first replica stops and releases the Lease: the second leads.
	first.stop()
	second.waitFor("leading", func() bool { return second.value("irsa_doctor_leader") == 1 })
	setTrust(bad)
	second.waitFor("emitting", func() bool {
		return slices.Equal(second.lines("irsa_doctor_events_emitted_total"), []string{`irsa_doctor_events_emitted_total{type="Warning"} 3`})
	})
}

// TestE2EServeRefusedList: a kind serve may not list (here nodes) does not
// keep it from serving: after the wait for the first Lists it is ready,
// diagnoses without that kind, and /report says so in a gap.
func TestE2EServeRefusedList(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-serve-refused"
	role := e2eRoleARN("e2e-serve-refused")
	e := newE2E(t, ns, awsfake.State{Roles: []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)}})
	e.serviceAccount("s3-reader", role, nil)
	e.pod(e2ePod("api", "s3-reader"))
	if _, err := c.Admin.Client.RbacV1().ClusterRoles().Create(e.ctx(), &rbacv1.ClusterRole{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-serve-no-nodes"},
		Rules: []rbacv1.PolicyRule{
			{APIGroups: []string{""}, Resources: []string{"pods", "serviceaccounts", "namespaces"}, Verbs: []string{"list", "watch"}},
			{APIGroups: []string{"apps"}, Resources: []string{"daemonsets", "deployments", "replicasets", "statefulsets"}, Verbs: []string{"list", "watch"}},
			{APIGroups: []string{"batch"}, Resources: []string{"cronjobs", "jobs"}, Verbs: []string{"list", "watch"}},
			{APIGroups: []string{"admissionregistration.k8s.io"}, Resources: []string{"mutatingwebhookconfigurations"}, Verbs: []string{"list", "watch"}},
			{NonResourceURLs: []string{"/version"}, Verbs: []string{"get"}},
		},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := c.Admin.Client.RbacV1().ClusterRoleBindings().Create(e.ctx(), &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "e2e-serve-no-nodes"},
		RoleRef:    rbacv1.RoleRef{APIGroup: "rbac.authorization.k8s.io", Kind: "ClusterRole", Name: "e2e-serve-no-nodes"},
		Subjects:   []rbacv1.Subject{{APIGroup: "rbac.authorization.k8s.io", Kind: "User", Name: "nodeless"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = c.Admin.Client.RbacV1().ClusterRoleBindings().Delete(context.Background(), "e2e-serve-no-nodes", metav1.DeleteOptions{})
		_ = c.Admin.Client.RbacV1().ClusterRoles().Delete(context.Background(), "e2e-serve-no-nodes", metav1.DeleteOptions{})
	})
	e.kubeconfig = c.CreateUser(t, "nodeless").KubeconfigIn(t, ns)
	// It runs as the pod api, as the downward API would say; no webhook
	// runs: the pod was not mutated (IRSA107).
	env := map[string]string{"POD_NAMESPACE": ns, "POD_NAME": "api"}
	s := e.startServeWith(func(o *ServeOptions) {
		o.syncTimeout = 2 * time.Second
		o.Deps.Getenv = func(k string) string { return env[k] }
	}, "--events=false", "--report", "--report-listen", "127.0.0.1:0")
	if want := `msg=self-diagnosis pod=e2e-serve-refused/api mechanism=irsa state=failing role=` + role + " failing=IRSA107\n"; !strings.Contains(s.logs.String(), want) {
		t.Errorf("no self-diagnosis %q; logs:\n%s", want, s.logs)
	}
	if !strings.Contains(s.logs.String(), `msg="a watched kind could not be listed; diagnosing without it until it can" resource=nodes`) {
		t.Errorf("no warning about nodes; logs:\n%s", s.logs)
	}
	_, body := httpGet(t, "http://"+s.report+"/report")
	res := decode(t, body)
	var gap bool
	for _, g := range res.Gaps {
		gap = gap || g.Source == "kube" && g.Operation == "watch nodes"
		if g.Operation == "watch pods" {
			t.Errorf("a gap about pods, which it may list: %+v", g)
		}
	}
	if !gap {
		t.Errorf("no gap about nodes: %+v", res.Gaps)
	}
	var pod bool
	for _, tg := range res.Targets {
		pod = pod || tg.Namespace == ns && tg.Name == "api"
	}
	if !pod {
		t.Errorf("the pod was not diagnosed: %+v", res.Targets)
	}
}

// TestE2EServeAWS: a role a ServiceAccount names for the first time is
// read at once (one iam:GetRole, though --aws-refresh is an hour away);
// a refresh AWS throttles keeps the cached facts, and the next, after a
// backoff, takes the change.
func TestE2EServeAWS(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-serve-aws"
	first, second := e2eRoleARN("e2e-serve-aws-first"), e2eRoleARN("e2e-serve-aws-second")
	e := newE2E(t, ns, awsfake.State{Roles: []awsfake.Role{{ARN: first, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)}})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("s3-reader", first, nil)
	e.deployment("api", "s3-reader")
	inNS := `namespace="` + ns + `"`
	const brokenLine = `irsa_doctor_findings{check="IRSA205",kind="IAMRole",namespace="e2e-serve-aws",severity="error",slug="trust-subject-mismatch"} 1`

	s := e.startServe("--resync", "1h", "--aws-refresh", "1h", "--events=false")
	if got := s.lines("irsa_doctor_findings{", inNS); len(got) != 0 {
		t.Fatalf("findings of the healthy setup: %q", got)
	}
	e.aws.Update(func(st *awsfake.State) {
		st.Roles = append(st.Roles, awsfake.Role{ARN: second, TrustPolicy: e2eTrustPolicy(c, ns, "someone-else", webhook.DefaultAudience)})
	})
	reads := e.aws.Count("iam:GetRole")
	sa, err := c.Admin.Client.CoreV1().ServiceAccounts(ns).Get(e.ctx(), "s3-reader", metav1.GetOptions{})
	if err != nil {
		t.Fatal(err)
	}
	sa.Annotations[webhook.AnnotationRoleARN] = second
	if _, err := c.Admin.Client.CoreV1().ServiceAccounts(ns).Update(e.ctx(), sa, metav1.UpdateOptions{}); err != nil {
		t.Fatal(err)
	}
	s.waitFor("the new role read and judged", func() bool { return slices.Equal(s.lines("irsa_doctor_findings{", inNS), []string{brokenLine}) })
	if got := e.aws.Count("iam:GetRole") - reads; got != 1 {
		t.Errorf("iam:GetRole called %d times after the edit, want once (the new role)", got)
	}
	// The irsa-doctor.io/ignore annotation suppresses it, as in scan;
	// taken off, it fails again.
	annotate := func(v string) {
		t.Helper()
		sa, err := c.Admin.Client.CoreV1().ServiceAccounts(ns).Get(e.ctx(), "s3-reader", metav1.GetOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if v == "" {
			delete(sa.Annotations, "irsa-doctor.io/ignore")
		} else {
			sa.Annotations["irsa-doctor.io/ignore"] = v
		}
		if _, err := c.Admin.Client.CoreV1().ServiceAccounts(ns).Update(e.ctx(), sa, metav1.UpdateOptions{}); err != nil {
			t.Fatal(err)
		}
	}
	annotate("IRSA205")
	s.waitFor("ignored", func() bool { return len(s.lines("irsa_doctor_findings{", inNS)) == 0 })
	annotate("")
	s.waitFor("failing again", func() bool { return slices.Equal(s.lines("irsa_doctor_findings{", inNS), []string{brokenLine}) })
	s.stop()

	// A refresh every 4 s; the next one is throttled (the SDK's three
	// attempts), while the trust policy is fixed.
	s = e.startServe("--resync", "1h", "--aws-refresh", "4s", "--events=false")
	if got := s.lines("irsa_doctor_findings{", inNS); !slices.Equal(got, []string{brokenLine}) {
		t.Fatalf("findings at start: %q", got)
	}
	e.aws.Inject(awsfake.Fault{Action: "iam:GetRole", Resource: second, Code: "Throttling", Times: 3})
	e.aws.Update(func(st *awsfake.State) {
		for i := range st.Roles {
			if st.Roles[i].ARN == second {
				st.Roles[i].TrustPolicy = e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)
			}
		}
	})
	s.waitFor("throttled", func() bool {
		return strings.Contains(s.logs.String(), `msg="AWS throttled the refresh; the cached facts stay"`)
	})
	if got := s.lines("irsa_doctor_findings{", inNS); !slices.Equal(got, []string{brokenLine}) {
		t.Errorf("findings right after the throttled refresh: %q, want the cached facts' %q", got, brokenLine)
	}
	if got := s.lines(`irsa_doctor_aws_calls_total{operation="iam:GetRole",outcome="throttled"}`); !slices.Equal(got, []string{`irsa_doctor_aws_calls_total{operation="iam:GetRole",outcome="throttled"} 1`}) {
		t.Errorf("throttled calls: %q", got)
	}
	s.waitFor("the fix taken after the backoff", func() bool { return len(s.lines("irsa_doctor_findings{", inNS)) == 0 })
}
