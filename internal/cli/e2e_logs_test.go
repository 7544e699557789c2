package cli

import (
	"bytes"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/symptom"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// End-to-end tests of scan --logs and dump --logs (issue 12, item 4). The
// double: a fake kubelet endpoint behind the real kube-apiserver's
// pods/log proxy (testenv.StartKubelet registers a Node whose status
// points at it); the pods are scheduled on that node and their status
// (Running, restartCount) is written through the status subresource, as a
// kubelet would.

const (
	// e2eAudienceErr is what the Go SDK logs when STS refuses the token's
	// audience.
	e2eAudienceErr = "operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, RequestID: 0b7a2f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b, InvalidIdentityToken: Incorrect token audience"
	e2eJWT         = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOlsic3RzIl19.c2lnbmF0dXJl"
	e2eSecretKey   = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
)

// logsWorld is a pod api of ServiceAccount s3-reader (annotated with a
// role that trusts it) on the fake kubelet's node, in a cluster whose
// OIDC provider lacks sts.amazonaws.com in its ClientIDList: IRSA303
// fails, and the app's log says "Incorrect token audience" twice; its
// previous instance (the container restarted once) said it once, two
// hours before.
type logsWorld struct {
	*e2e
	kubelet *testenv.Kubelet
	// at is the time of the log's first line (whole seconds, UTC).
	at time.Time
}

func newLogsWorld(t *testing.T, ns string) *logsWorld {
	t.Helper()
	c := sharedCluster(t)
	role := e2eRoleARN(ns + "-reader")
	provider := e2eGoodProvider(c)
	provider.ClientIDs = []string{"irsa-doctor.example"}
	e := newE2E(t, ns, awsfake.State{
		Roles:     []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{provider},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	applyRBAC(t, c)
	node := ns + "-node"
	w := &logsWorld{e2e: e, kubelet: c.StartKubelet(t, node), at: time.Now().UTC().Truncate(time.Second).Add(-10 * time.Minute)}
	e.serviceAccount("s3-reader", role, nil)
	p := e2ePod("api", "s3-reader")
	p.Spec.NodeName = node
	created := e.pod(p)
	created.Status = corev1.PodStatus{
		Phase: corev1.PodRunning,
		ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Image: "registry.example/app:1", Ready: true, RestartCount: 1,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(w.at)}}}},
	}
	if _, err := c.Admin.Client.CoreV1().Pods(ns).UpdateStatus(e.ctx(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update status of pod %s/api: %v", ns, err)
	}
	// A pod that uses no role: its log is never asked for.
	other := e2ePod("plain", "default")
	other.Spec.NodeName = node
	e.pod(other)

	sec := func(n int) time.Time { return w.at.Add(time.Duration(n) * time.Second) }
	var lines []testenv.LogLine
	for i := range 8 {
		lines = append(lines, testenv.LogLine{Time: sec(i), Text: "starting worker " + string(rune('a'+i))})
	}
	lines = append(lines,
		testenv.LogLine{Time: sec(10), Text: "using token " + e2eJWT + " with key AKIAIOSFODNN7EXAMPLE and secret " + e2eSecretKey},
		testenv.LogLine{Time: sec(11), Text: e2eAudienceErr},
		testenv.LogLine{Time: sec(12), Text: "retrying in 5s"},
		testenv.LogLine{Time: sec(13), Text: "retrying in 10s"},
		testenv.LogLine{Time: sec(14), Text: "still waiting"},
		testenv.LogLine{Time: sec(15), Text: "still waiting"},
		testenv.LogLine{Time: sec(16), Text: "still waiting"},
		testenv.LogLine{Time: sec(20), Text: e2eAudienceErr},
		testenv.LogLine{Time: sec(21), Text: "giving up"})
	w.kubelet.SetLog(ns, "api", "app", false, lines...)
	w.kubelet.SetLog(ns, "api", "app", true,
		testenv.LogLine{Time: sec(-7200), Text: "starting"},
		testenv.LogLine{Time: sec(-7199), Text: e2eAudienceErr})
	w.kubelet.SetLog(ns, "plain", "app", false, testenv.LogLine{Time: sec(0), Text: e2eAudienceErr})
	return w
}

// kubeletTime is a time as the kubelet prefixes a line with it.
func kubeletTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000000Z07:00") }

// wantLogSymptoms are the pod api's symptoms: the current log's two
// lines, then the previous instance's one, each explained by IRSA303.
func (w *logsWorld) wantLogSymptoms() []finding.Symptom {
	at := func(n int) string { return w.at.Add(time.Duration(n) * time.Second).Format(time.RFC3339) }
	sy := func(count int, first, last string) finding.Symptom {
		return finding.Symptom{Source: "log", Container: "app", Signature: "sts-incorrect-token-audience",
			Title: "InvalidIdentityToken: Incorrect token audience", Count: count, First: first, Last: last,
			Sample: e2eAudienceErr, ExplainedBy: []string{"IRSA303"}}
	}
	return []finding.Symptom{sy(2, at(11), at(20)), sy(1, at(-7199), at(-7199))}
}

func sorted(ss []string) []string {
	slices.Sort(ss)
	return ss
}

// podSymptoms are the symptoms of target Pod NAME.
func podSymptoms(t *testing.T, res finding.Result, name string) []finding.Symptom {
	t.Helper()
	for _, tg := range res.Targets {
		if tg.Kind == "Pod" && tg.Name == name {
			return tg.Symptoms
		}
	}
	t.Fatalf("no target Pod %s in %+v", name, res.Targets)
	return nil
}

// TestE2ELogsScan: scan --logs reads the app's log and its previous
// instance's (restartCount 1) through the API server, with kubectl's
// --tail 200 --timestamps and a 1 MiB limit, and only for the pod that
// uses a role (not the pod plain on the same node); the log lines become
// the target's symptoms and IRSA303's evidence, which explains them (no
// IRSA501). --log-lines and --log-since reach the kubelet as tailLines
// and sinceSeconds; without --logs no log is asked for.
func TestE2ELogsScan(t *testing.T) {
	const ns = "e2e-logs-scan"
	w := newLogsWorld(t, ns)
	provider := e2eProviderARN(w.c)
	wantFailing := []failing{{"IRSA303", "error", "OIDCProvider " + provider,
		`provider's ClientIDList ["irsa-doctor.example"] lacks the token's audience "sts.amazonaws.com": STS answers "Incorrect token audience"`}}

	r, res := w.scan()
	wantFailures(t, r, res, wantFailing)
	if got := w.kubelet.Requests(); len(got) != 0 {
		t.Errorf("without --logs, the kubelet was asked %q", got)
	}
	if got := podSymptoms(t, res, "api"); len(got) != 0 {
		t.Errorf("without --logs, symptoms %+v", got)
	}

	r, res = w.scan("--logs")
	wantFailures(t, r, res, wantFailing)
	if diff := cmp.Diff(w.wantLogSymptoms(), podSymptoms(t, res, "api")); diff != "" {
		t.Errorf("symptoms (-want +got):\n%s", diff)
	}
	var f303 *finding.Finding
	for i, f := range res.Findings {
		if f.CheckID == "IRSA501" {
			t.Errorf("IRSA501 %s: %s; IRSA303 explains the log", f.Status, f.Message)
		}
		if f.CheckID == "IRSA303" && f.Status == finding.StatusFail {
			f303 = &res.Findings[i]
		}
	}
	if f303 == nil {
		t.Fatal("no failing IRSA303")
	}
	var logEvidence []finding.Evidence
	for _, ev := range f303.Evidence {
		if strings.HasPrefix(ev.Ref, "logs ") {
			logEvidence = append(logEvidence, ev)
		}
	}
	wantEvidence := []finding.Evidence{
		{Source: "kube", Ref: "logs api -n " + ns + " -c app", Value: "observed: sts-incorrect-token-audience in container app, 2 times: " + e2eAudienceErr},
		{Source: "kube", Ref: "logs api -n " + ns + " -c app --previous", Value: "observed: sts-incorrect-token-audience in container app, once: " + e2eAudienceErr},
	}
	if diff := cmp.Diff(wantEvidence, logEvidence); diff != "" {
		t.Errorf("IRSA303's log evidence (-want +got):\n%s", diff)
	}
	base := "/containerLogs/" + ns + "/api/app?limitBytes=1048576&"
	// Read in parallel: in any order.
	if diff := cmp.Diff([]string{base + "previous=true&tailLines=200&timestamps=true", base + "tailLines=200&timestamps=true"}, sorted(w.kubelet.Requests())); diff != "" {
		t.Errorf("kubelet requests (-want +got):\n%s", diff)
	}

	// Both bounds, as kubectl sends them: the last 5 lines hold one of
	// the two errors, and the previous instance's is older than an hour.
	r, res = w.scan("--logs", "--log-lines", "5", "--log-since", "1h")
	wantFailures(t, r, res, wantFailing)
	want := w.wantLogSymptoms()[:1]
	want[0].Count, want[0].First = 1, want[0].Last
	if diff := cmp.Diff(want, podSymptoms(t, res, "api")); diff != "" {
		t.Errorf("symptoms with --log-lines 5 --log-since 1h (-want +got):\n%s", diff)
	}
	if got := sorted(w.kubelet.Requests()[2:]); !slices.Equal(got, []string{base + "previous=true&sinceSeconds=3600&tailLines=5&timestamps=true",
		base + "sinceSeconds=3600&tailLines=5&timestamps=true"}) {
		t.Errorf("kubelet requests %q", got)
	}

	// No previous instance's log (the kubelet answers 400 "previous
	// terminated container ... not found"): nothing to read, no gap.
	w.kubelet.DeleteLog(ns, "api", "app", true)
	r, res = w.scan("--logs")
	wantFailures(t, r, res, wantFailing)
	if diff := cmp.Diff(w.wantLogSymptoms()[:1], podSymptoms(t, res, "api")); diff != "" {
		t.Errorf("symptoms without a previous log (-want +got):\n%s", diff)
	}

	// A kubelet that fails: a gap for that log, the scan goes on.
	w.kubelet.FailLog(ns, "api", "app", false, 500)
	r, res = w.scan("--logs")
	if r.code != ExitFindings {
		t.Errorf("exit %d, want 1; stderr %q", r.code, r.stderr)
	}
	wantGaps := []finding.Gap{{Source: "kube", Operation: "get pods/log", Resource: "pod " + ns + "/api container app",
		Reason: "kubectl logs api -n " + ns + " -c app: Internal error occurred: fake kubelet: failing as told"}}
	if diff := cmp.Diff(wantGaps, res.Gaps); diff != "" {
		t.Errorf("gaps with a failing kubelet (-want +got):\n%s", diff)
	}
	if got := podSymptoms(t, res, "api"); len(got) != 0 {
		t.Errorf("symptoms %+v, want none", got)
	}
}

// TestE2ELogsRefused: a user whom RBAC refuses pods/log (bound to
// irsa-doctor-reader only) still gets the scan: one gap names get
// pods/log in the namespace and the ClusterRole that grants it, the
// findings are those without logs, and no log request reaches the
// kubelet. A user of the group irsa-doctor (deploy/rbac.yaml's bindings)
// reads the logs.
func TestE2ELogsRefused(t *testing.T) {
	const ns = "e2e-logs-rbac"
	w := newLogsWorld(t, ns)
	c := w.c
	if _, err := c.Admin.Client.RbacV1().RoleBindings(ns).Create(w.ctx(), &rbacv1.RoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "irsa-doctor-reader"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "irsa-doctor-reader"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.UserKind, Name: "lena"}},
	}, metav1.CreateOptions{}); err != nil {
		t.Fatal(err)
	}
	w.kubeconfig = c.CreateUser(t, "lena").KubeconfigIn(t, ns)
	r, res := w.scan("--logs")
	if r.code != ExitFindings {
		t.Errorf("exit %d, want 1 (IRSA303); stderr %q", r.code, r.stderr)
	}
	var logGaps []finding.Gap
	for _, g := range res.Gaps {
		if strings.Contains(g.Operation, "log") {
			logGaps = append(logGaps, g)
		}
	}
	wantGap := finding.Gap{Source: "kube", Operation: "get pods/log", Resource: "namespace " + ns,
		Reason: `Forbidden: pods "api" is forbidden: User "lena" cannot get resource "pods/log" in API group "" in the namespace "` + ns +
			`" (grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-logs)`}
	if diff := cmp.Diff([]finding.Gap{wantGap}, logGaps); diff != "" {
		t.Errorf("log gaps (-want +got):\n%s", diff)
	}
	if got := podSymptoms(t, res, "api"); len(got) != 0 {
		t.Errorf("symptoms %+v, want none: no log was read", got)
	}
	if got := w.kubelet.Requests(); len(got) != 0 {
		t.Errorf("the kubelet was asked %q", got)
	}
	// dump --logs records the same gap in its manifest.
	dir := t.TempDir() + "/bundle"
	if d := w.main("dump", dir, "--cluster", e2eCluster, "--logs"); d.code != ExitOK {
		t.Fatalf("dump: exit %d, stderr %q", d.code, d.stderr)
	}
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.json"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(manifest), `"operation": "get pods/log",`) || !strings.Contains(string(manifest), "(grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-logs)") {
		t.Errorf("manifest lacks the pods/log gap:\n%s", manifest)
	}
	if _, err := os.Stat(filepath.Join(dir, "logs")); !os.IsNotExist(err) {
		t.Errorf("dump wrote logs: %v", err)
	}

	w.kubeconfig = c.CreateUser(t, "lars", "irsa-doctor").KubeconfigIn(t, ns)
	r, res = w.scan("--logs")
	wantFailures(t, r, res, []failing{{"IRSA303", "error", "OIDCProvider " + e2eProviderARN(c),
		`provider's ClientIDList ["irsa-doctor.example"] lacks the token's audience "sts.amazonaws.com": STS answers "Incorrect token audience"`}})
	if diff := cmp.Diff(w.wantLogSymptoms(), podSymptoms(t, res, "api")); diff != "" {
		t.Errorf("symptoms of the irsa-doctor group's user (-want +got):\n%s", diff)
	}
}

// TestE2ELogsDump: dump --logs writes each log that holds a known error
// as logs/NS/POD/CONTAINER.log (CONTAINER.previous.log for the previous
// instance), holding only the matched lines and two lines around them,
// with the JWT, the access key ID and the secret key redacted; analyze of
// the dump gives the symptoms and findings scan --logs gives.
func TestE2ELogsDump(t *testing.T) {
	const ns = "e2e-logs-dump"
	w := newLogsWorld(t, ns)
	_, scanned := w.scan("--logs")
	dir := t.TempDir() + "/bundle"
	if d := w.main("dump", dir, "--cluster", e2eCluster, "--logs"); d.code != ExitOK {
		t.Fatalf("dump: exit %d, stderr %q", d.code, d.stderr)
	}
	sec := func(n int) string { return kubeletTime(w.at.Add(time.Duration(n) * time.Second)) }
	wantFiles := map[string]string{
		"logs/" + ns + "/api/app.log": sec(7) + " starting worker h\n" +
			sec(10) + " using token eyJ…(token redacted) with key AKIA…(redacted) and secret " + symptom.SecretRedacted + "\n" +
			sec(11) + " " + e2eAudienceErr + "\n" +
			sec(12) + " retrying in 5s\n" +
			sec(13) + " retrying in 10s\n" +
			"--\n" +
			sec(15) + " still waiting\n" +
			sec(16) + " still waiting\n" +
			sec(20) + " " + e2eAudienceErr + "\n" +
			sec(21) + " giving up\n",
		"logs/" + ns + "/api/app.previous.log": sec(-7200) + " starting\n" + sec(-7199) + " " + e2eAudienceErr + "\n",
	}
	gotFiles := map[string]string{}
	err := filepath.WalkDir(filepath.Join(dir, "logs"), func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		gotFiles[filepath.ToSlash(rel)] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(wantFiles, gotFiles); diff != "" {
		t.Errorf("dumped logs (-want +got):\n%s", diff)
	}
	for _, secret := range []string{"eyJhdWQ", "IOSFODNN7", "wJalrXUtnFEMI"} {
		if strings.Contains(gotFiles["logs/"+ns+"/api/app.log"], secret) {
			t.Errorf("dumped log holds %q", secret)
		}
	}

	var out, errOut bytes.Buffer
	deps := w.deps(&out, &errOut)
	deps.Live = LiveDeps{}
	if code := Main([]string{"analyze", dir, "-o", "json"}, deps); code != ExitFindings {
		t.Fatalf("analyze: exit %d, stderr %q", code, errOut.String())
	}
	analyzed := decode(t, out.String())
	if diff := cmp.Diff(w.wantLogSymptoms(), podSymptoms(t, analyzed, "api")); diff != "" {
		t.Errorf("analyze's symptoms (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(failures(scanned), failures(analyzed)); diff != "" {
		t.Errorf("analyze's failing findings differ from scan's (-scan +analyze):\n%s", diff)
	}
	for _, f := range analyzed.Input.Files {
		if strings.HasPrefix(f.Path, "logs/") || strings.Contains(f.Path, "/logs/") {
			if f.RecognisedAs != "kubectl:Logs" || f.Error != "" {
				t.Errorf("dumped log %s: recognised as %q, error %q", f.Path, f.RecognisedAs, f.Error)
			}
		}
	}
}
