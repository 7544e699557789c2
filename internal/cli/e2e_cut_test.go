package cli

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// stallPaths makes the scan's Kubernetes client wait, for the GETs of a
// path that starts with one of prefixes, until the request's context
// ends: an API server that does not answer them before the --timeout.
func stallPaths(prefixes ...string) func(http.RoundTripper) http.RoundTripper {
	return func(next http.RoundTripper) http.RoundTripper {
		return e2eRoundTrip(func(req *http.Request) (*http.Response, error) {
			for _, p := range prefixes {
				if req.Method == http.MethodGet && strings.HasPrefix(req.URL.Path, p) {
					<-req.Context().Done()
					return nil, req.Context().Err()
				}
			}
			return next.RoundTrip(req)
		})
	}
}

// TestE2ELiveKubeCutShort: a --timeout that expires while the Kubernetes
// objects are being listed still diagnoses the Lists that finished: the
// pod is read, its ServiceAccount List never answered, so the pod's
// ServiceAccount is unknown (IRSA101 skips, never fails), the List is a
// gap, AWS is not called, and the pod is marked not diagnosed (issue 10,
// item 9). A --timeout that expires before the server version answered
// leaves nothing usable: exit 3, no report.
func TestE2ELiveKubeCutShort(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-kubecut"
	role := e2eRoleARN("e2e-kubecut-reader")
	e := newE2E(t, ns, awsfake.State{
		Roles:     []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	// The webhook injects the pod's IRSA variables and token volume: its
	// intent shows on the pod itself, so it is a target even with its
	// ServiceAccount unknown.
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("s3-reader", role, nil)
	e.pod(e2ePod("api", "s3-reader"))
	defer func() { e.wrap = nil }()

	const why = "incomplete: timed out after 3s"
	check := func(t *testing.T, r run) {
		t.Helper()
		if r.code != ExitFindings {
			t.Fatalf("exit %d, want 1 (a target not diagnosed); stderr %q\n%s", r.code, r.stderr, r.stdout)
		}
		if want := "irsa-doctor: " + why + "; 1 of 1 targets not diagnosed (see gaps)\n"; r.stderr != want {
			t.Errorf("stderr %q\nwant   %q", r.stderr, want)
		}
		res := decode(t, r.stdout)
		if res.Summary.Incomplete != why {
			t.Errorf("summary.incomplete %q, want %q", res.Summary.Incomplete, why)
		}
		const cut = "not listed: the collection was cut short"
		wantGaps := []finding.Gap{
			{Source: "kube", Operation: "list daemonsets", Resource: "namespace kube-system", Reason: cut},
			{Source: "kube", Operation: "list pods", Resource: "namespace kube-system", Reason: cut},
			{Source: "kube", Operation: "list serviceaccounts", Resource: "namespace " + ns, Reason: cut},
			{Source: "live", Operation: "collect", Resource: why, Reason: "the Kubernetes objects not listed by then, and every AWS fact, were not collected"},
		}
		if diff := cmp.Diff(wantGaps, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
		if len(res.Targets) != 1 || res.Targets[0].Name != "api" || res.Targets[0].Incomplete != "not diagnosed: "+why {
			t.Errorf("targets %+v, want the pod api, not diagnosed", res.Targets)
		}
		for _, l := range res.Targets[0].Links {
			if l.Link == finding.LinkServiceAccount && l.Status != finding.LinkUnknown {
				t.Errorf("service-account link %+v, want unknown", l)
			}
		}
		var irsa101 []string
		for _, f := range res.Findings {
			if f.CheckID == "IRSA101" {
				irsa101 = append(irsa101, string(f.Status))
			}
		}
		if diff := cmp.Diff([]string{string(finding.StatusSkipped)}, irsa101); diff != "" {
			t.Errorf("IRSA101 (-want +got):\n%s", diff)
		}
		if fails := failures(res); len(fails) != 0 {
			t.Errorf("failing findings %+v, want none: nothing collected proves a fault", fails)
		}
	}

	t.Run("ServiceAccount List unanswered", func(t *testing.T) {
		e.wrap = stallPaths("/api/v1/namespaces/" + ns + "/serviceaccounts")
		e.aws.Reset()
		start := time.Now()
		r := e.main("scan", "-o", "json", "--cluster", e2eCluster, "--timeout", "3s")
		if d := time.Since(start); d > 15*time.Second {
			t.Errorf("scan took %s with --timeout 3s", d)
		}
		check(t, r)
		if calls := e.aws.Calls(); len(calls) != 0 {
			t.Errorf("AWS calls %v after the --timeout, want none", calls)
		}
	})
	t.Run("dump cut short, analyze reads it back incomplete", func(t *testing.T) {
		e.wrap = stallPaths("/api/v1/namespaces/" + ns + "/serviceaccounts")
		dir := t.TempDir() + "/bundle"
		d := e.main("dump", dir, "--cluster", e2eCluster, "--timeout", "3s")
		if d.code != ExitOK || !strings.Contains(d.stderr, why+": the bundle holds what was collected until then") {
			t.Fatalf("dump: exit %d, stderr %q", d.code, d.stderr)
		}
		var out, errOut bytes.Buffer
		code := Main([]string{"analyze", dir, "-o", "json"}, e.deps(&out, &errOut))
		check(t, run{code: code, stdout: out.String(), stderr: errOut.String()})
	})
	t.Run("no target read, the ServiceAccount List unanswered", func(t *testing.T) {
		// A pod with no IRSA intent of its own: its ServiceAccount, which
		// would show the intent, is unknown. No target, yet never 0.
		const plainNS = "e2e-kubecut-plain"
		p := newE2E(t, plainNS, awsfake.State{})
		p.serviceAccount("reader", "", nil)
		p.pod(e2ePod("plain", "reader"))
		p.wrap = stallPaths("/api/v1/namespaces/" + plainNS + "/serviceaccounts")
		r := p.main("scan", "-o", "json", "--cluster", e2eCluster, "--timeout", "3s")
		if r.code != ExitFindings {
			t.Fatalf("exit %d, want 1 (a List of targets did not finish); stderr %q", r.code, r.stderr)
		}
		const want = "irsa-doctor: " + why + "; list serviceaccounts (namespace " + plainNS + ") did not finish: the objects not listed were not diagnosed (see gaps)\n"
		if r.stderr != want {
			t.Errorf("stderr %q\nwant   %q", r.stderr, want)
		}
		res := decode(t, r.stdout)
		if res.Summary.Incomplete != why || len(res.Targets) != 0 || len(res.Findings) != 0 {
			t.Errorf("summary.incomplete %q, targets %+v, findings %+v: want %q, none, none", res.Summary.Incomplete, res.Targets, res.Findings, why)
		}
	})
	t.Run("named pod, its List unanswered", func(t *testing.T) {
		// Not "no such pod in the input" (exit 2): the pod is unknown.
		e.wrap = stallPaths("/api/v1/namespaces/" + ns + "/pods")
		r := e.main("scan", "-o", "json", "--cluster", e2eCluster, "--timeout", "3s", "--pod", ns+"/api")
		if r.code != ExitFindings {
			t.Fatalf("exit %d, want 1 (a List of targets did not finish); stderr %q", r.code, r.stderr)
		}
		const want = "irsa-doctor: " + why + "; list daemonsets (namespace kube-system), list pods (namespace " + ns + "), list pods (namespace kube-system)" +
			" did not finish: the objects not listed were not diagnosed (see gaps)\n"
		if r.stderr != want {
			t.Errorf("stderr %q\nwant   %q", r.stderr, want)
		}
		if res := decode(t, r.stdout); res.Summary.Incomplete != why || len(res.Targets) != 0 || len(failures(res)) != 0 {
			t.Errorf("summary.incomplete %q, targets %+v, failures %+v: want %q, none, none", res.Summary.Incomplete, res.Targets, failures(res), why)
		}
	})
	t.Run("no pod, ServiceAccount or workload List answered", func(t *testing.T) {
		e.wrap = stallPaths("/api/v1/namespaces/"+ns+"/", "/apis/apps/v1/namespaces/"+ns+"/", "/apis/batch/v1/namespaces/"+ns+"/")
		r := e.main("scan", "-o", "json", "--cluster", e2eCluster, "--timeout", "2s")
		if r.code != ExitError || r.stdout != "" {
			t.Errorf("exit %d, stdout %q; want 3 and no report", r.code, r.stdout)
		}
		const want = "irsa-doctor: stopped: the --timeout of 2s expired before the collection finished (raise it with --timeout)\n"
		if r.stderr != want {
			t.Errorf("stderr %q\nwant   %q", r.stderr, want)
		}
	})

	t.Run("server version unanswered", func(t *testing.T) {
		e.wrap = stallPaths("/version")
		r := e.main("scan", "-o", "json", "--cluster", e2eCluster, "--timeout", "2s")
		if r.code != ExitError || r.stdout != "" {
			t.Errorf("exit %d, stdout %q; want 3 and no report", r.code, r.stdout)
		}
		const want = "irsa-doctor: stopped: the --timeout of 2s expired before the collection finished (raise it with --timeout)\n"
		if r.stderr != want {
			t.Errorf("stderr %q\nwant   %q", r.stderr, want)
		}
	})
}
