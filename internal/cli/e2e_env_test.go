package cli

// The end-to-end harness: `scan` and `dump` through Main against a real
// kube-apiserver (internal/testenv) and the AWS fakes (testenv/awsfake).
// One cluster serves the whole test binary (started on first use, stopped
// in TestMain); each test works in namespaces of its own and runs
// sequentially, since the webhook configuration is cluster-wide.

import (
	"bytes"
	"context"
	"crypto/sha1"
	"encoding/hex"
	"errors"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// The AWS side every end-to-end test shares: one account, one region, the
// EKS cluster "prod" whose endpoint is the real apiserver and whose issuer
// is the harness's.
const (
	e2eAccount = awsfake.DefaultAccount
	e2eCluster = "prod"
)

var shared struct {
	once sync.Once
	c    *testenv.Cluster
	err  error
	// skip is set when the binaries are missing: every end-to-end test
	// skips with testenv's message.
	skip error
	rbac sync.Once
}

func TestMain(m *testing.M) {
	code := m.Run()
	if shared.c != nil {
		shared.c.Stop()
	}
	os.Exit(code)
}

// sharedCluster starts the binary's one cluster on first use (about 4 s),
// or skips the test as testenv.StartCluster does without the binaries.
func sharedCluster(t *testing.T) *testenv.Cluster {
	t.Helper()
	shared.once.Do(func() {
		bins, err := testenv.FindBinaries()
		if errors.Is(err, testenv.ErrNoBinaries) {
			shared.skip = err
			return
		}
		if err != nil {
			shared.err = err
			return
		}
		start := time.Now()
		shared.c, shared.err = testenv.Start(bins, testenv.Options{})
		if shared.err == nil {
			t.Logf("shared kube-apiserver %s at %s ready in %s (issuer %s)", testenv.KubeVersion, shared.c.Host,
				time.Since(start).Round(time.Millisecond), shared.c.Issuer)
		}
	})
	if shared.skip != nil {
		t.Skipf("integration test skipped: %v", shared.skip)
	}
	if shared.err != nil {
		t.Fatalf("start the shared cluster: %v", shared.err)
	}
	return shared.c
}

// applyRBAC applies deploy/rbac.yaml to the shared cluster once (Apply
// creates, and a second create would be refused).
func applyRBAC(t *testing.T, c *testenv.Cluster) {
	t.Helper()
	shared.rbac.Do(func() { c.ApplyFile(t, "../../deploy/rbac.yaml") })
}

// e2e is one test's world: its namespace in the shared cluster, a
// kubeconfig whose context namespace is that namespace (so a scan without
// -n takes it, as kubectl does), and a fake AWS.
type e2e struct {
	t          *testing.T
	c          *testenv.Cluster
	ns         string
	kubeconfig string
	aws        *awsfake.Fake
	// oidcClient reaches the issuer; nil is the harness's client.
	oidcClient *http.Client
	// wrap, when set, wraps the transport of the scan's Kubernetes client.
	wrap func(http.RoundTripper) http.RoundTripper
}

// newE2E creates namespace ns and a fake AWS holding st, completed with
// the cluster "prod" (endpoint: the apiserver; issuer: the harness's) when
// st names no cluster.
func newE2E(t *testing.T, ns string, st awsfake.State) *e2e {
	t.Helper()
	return newE2EIn(t, sharedCluster(t), ns, st)
}

// newE2EIn is newE2E in cluster c (a test that needs a cluster of its
// own).
func newE2EIn(t *testing.T, c *testenv.Cluster, ns string, st awsfake.State) *e2e {
	t.Helper()
	c.CreateNamespace(t, ns, nil)
	if st.Clusters == nil {
		st.Clusters = []awsfake.Cluster{{Name: e2eCluster, Endpoint: c.Host, Issuer: c.Issuer}}
	}
	return &e2e{t: t, c: c, ns: ns, kubeconfig: c.Admin.KubeconfigIn(t, ns), aws: awsfake.New(t, st)}
}

// e2eIssuerHostPath is the issuer without https://, as IAM names providers
// and condition keys (docs/reference/trust-policy.md#principal).
func e2eIssuerHostPath(c *testenv.Cluster) string {
	return strings.TrimPrefix(c.Issuer, "https://")
}

func e2eProviderARN(c *testenv.Cluster) string {
	return "arn:aws:iam::" + e2eAccount + ":oidc-provider/" + e2eIssuerHostPath(c)
}

// e2eCAThumbprint is what IAM compares for the harness issuer: the SHA-1 of
// the last certificate the OIDC proxy serves, the harness CA
// (docs/reference/thumbprint.md).
func e2eCAThumbprint(c *testenv.Cluster) string {
	return sha1Hex(c.CA.Cert.Raw)
}

// sha1Hex is a certificate's thumbprint as IAM stores it: lower-case hex.
func sha1Hex(der []byte) string {
	sum := sha1.Sum(der)
	return hex.EncodeToString(sum[:])
}

// e2eGoodProvider is the provider `eksctl utils associate-iam-oidc-provider`
// makes for the harness issuer.
func e2eGoodProvider(c *testenv.Cluster) awsfake.OIDCProvider {
	return awsfake.OIDCProvider{ARN: e2eProviderARN(c), ClientIDs: []string{webhook.DefaultAudience}, Thumbprints: []string{e2eCAThumbprint(c)}}
}

func e2eRoleARN(name string) string { return "arn:aws:iam::" + e2eAccount + ":role/" + name }

// e2eTrustPolicy is the trust policy `eksctl create iamserviceaccount` writes
// for ns/sa, with the aud condition for audience.
func e2eTrustPolicy(c *testenv.Cluster, ns, sa, audience string) string {
	hp := e2eIssuerHostPath(c)
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + e2eProviderARN(c) + `"},` +
		`"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + hp + `:sub":"system:serviceaccount:` + ns + `:` + sa + `","` +
		hp + `:aud":"` + audience + `"}}}]}`
}

func (e *e2e) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	e.t.Cleanup(cancel)
	return ctx
}

// serviceAccount creates a ServiceAccount in the test's namespace with the
// role annotation (when role is not "") and any other annotations.
func (e *e2e) serviceAccount(name, role string, annotations map[string]string) {
	e.t.Helper()
	a := map[string]string{}
	for k, v := range annotations {
		a[k] = v
	}
	if role != "" {
		a[webhook.AnnotationRoleARN] = role
	}
	_, err := e.c.Admin.Client.CoreV1().ServiceAccounts(e.ns).Create(e.ctx(), &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: name, Annotations: a},
	}, metav1.CreateOptions{})
	if err != nil {
		e.t.Fatalf("create serviceaccount %s/%s: %v", e.ns, name, err)
	}
}

// pod creates a pod through real admission (and so the webhook, when one
// is registered) and returns it as stored.
func (e *e2e) pod(p *corev1.Pod) *corev1.Pod {
	e.t.Helper()
	got, err := e.c.Admin.Client.CoreV1().Pods(e.ns).Create(e.ctx(), p, metav1.CreateOptions{})
	if err != nil {
		e.t.Fatalf("create pod %s/%s: %v", e.ns, p.Name, err)
	}
	return got
}

// e2ePod is a pod of one container running as the image's user.
func e2ePod(name, sa string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"app": name}},
		Spec: corev1.PodSpec{
			ServiceAccountName: sa,
			Containers:         []corev1.Container{{Name: "app", Image: "registry.example/app:1"}},
		},
	}
}

// liveDeps points scan and dump at the harness: the kubeconfig loader of
// the real program (wrapped when e.wrap is set), the fake AWS whatever the
// profile, and a client that reaches the harness issuer.
func (e *e2e) deps(out, errOut *bytes.Buffer) Deps {
	sys := systemLiveDeps()
	oidcClient := e.oidcClient
	if oidcClient == nil {
		oidcClient = e.c.HTTPClient()
	}
	return Deps{
		In: strings.NewReader(""), Out: out, ErrOut: errOut,
		Live: LiveDeps{
			KubeConfig: func(path, ctxName string) (clientcmd.ClientConfig, error) {
				cc, err := sys.KubeConfig(path, ctxName)
				if err != nil || e.wrap == nil {
					return cc, err
				}
				return wrappedConfig{cc, e.wrap}, nil
			},
			AWSConfig: func(context.Context, string, string) (aws.Config, error) {
				return e.aws.Config(), nil
			},
			OIDCClient: oidcClient,
		},
		Getenv: func(string) string { return "" },
		// The real clock: the checks judge the harness's certificates,
		// made a moment ago, against it.
		Now:     time.Now,
		Version: "v0.0.0-test",
	}
}

// wrappedConfig wraps the transport of the rest.Config a kubeconfig gives.
type wrappedConfig struct {
	cc   clientcmd.ClientConfig
	wrap func(http.RoundTripper) http.RoundTripper
}

func (w wrappedConfig) RawConfig() (clientcmdapi.Config, error) { return w.cc.RawConfig() }
func (w wrappedConfig) Namespace() (string, bool, error)        { return w.cc.Namespace() }
func (w wrappedConfig) ConfigAccess() clientcmd.ConfigAccess    { return w.cc.ConfigAccess() }
func (w wrappedConfig) ClientConfig() (*rest.Config, error) {
	cfg, err := w.cc.ClientConfig()
	if err != nil {
		return nil, err
	}
	cfg.Wrap(w.wrap)
	return cfg, nil
}

// main runs the program with args, the test's kubeconfig and context
// added, and fails the test on a stack trace.
func (e *e2e) main(args ...string) run {
	e.t.Helper()
	var out, errOut bytes.Buffer
	args = append(args, "--kubeconfig", e.kubeconfig, "--context", testenv.ContextName)
	code := Main(args, e.deps(&out, &errOut))
	r := run{code: code, stdout: out.String(), stderr: errOut.String()}
	if strings.Contains(r.stderr, "goroutine ") || strings.Contains(r.stderr, "panic") {
		e.t.Fatalf("stack trace on stderr:\n%s", r.stderr)
	}
	return r
}

// scan runs `scan -o json --cluster prod` with args and decodes the result.
func (e *e2e) scan(args ...string) (run, finding.Result) {
	e.t.Helper()
	r := e.main(append([]string{"scan", "-o", "json", "--cluster", e2eCluster}, args...)...)
	if r.code != ExitOK && r.code != ExitFindings {
		e.t.Fatalf("scan: exit %d, stderr %q", r.code, r.stderr)
	}
	return r, decode(e.t, r.stdout)
}

// failing is a failing finding as the tests state them.
type failing struct {
	Check, Severity, Subject, Message string
}

func failures(res finding.Result) []failing {
	var out []failing
	for _, f := range res.Findings {
		if f.Status == finding.StatusFail {
			out = append(out, failing{f.CheckID, string(f.Severity), f.Subject.String(), f.Message})
		}
	}
	return out
}

// wantFailures asserts the exit code and the exact failing findings, in
// the document's order, and that nothing was left uncollected.
func wantFailures(t *testing.T, r run, res finding.Result, want []failing) {
	t.Helper()
	wantCode := ExitOK
	if len(want) > 0 {
		wantCode = ExitFindings
	}
	if r.code != wantCode {
		t.Errorf("exit %d, want %d (stderr %q)", r.code, wantCode, r.stderr)
	}
	if diff := cmp.Diff(want, failures(res)); diff != "" {
		t.Errorf("failing findings (-want +got):\n%s", diff)
		for _, f := range failures(res) {
			t.Logf("got %#v", f)
		}
	}
	if len(res.Gaps) > 0 {
		t.Errorf("gaps %+v, want none: the harness grants everything", res.Gaps)
	}
	if res.Input.Mode != "live" || res.Input.Cluster != e2eCluster || res.Input.AccountID != e2eAccount || res.Input.Region != awsfake.DefaultRegion {
		t.Errorf("input %+v, want live, cluster %s, account %s, region %s", res.Input, e2eCluster, e2eAccount, awsfake.DefaultRegion)
	}
}

// requestCounter counts the requests a Kubernetes client sends, by method
// and path, telling first pages of Lists from continued ones.
type requestCounter struct {
	mu    sync.Mutex
	calls map[string]int
}

func (rc *requestCounter) wrap(next http.RoundTripper) http.RoundTripper {
	return e2eRoundTrip(func(req *http.Request) (*http.Response, error) {
		key := req.Method + " " + req.URL.Path
		if req.URL.Query().Get("continue") != "" {
			key += " (next page)"
		}
		rc.mu.Lock()
		if rc.calls == nil {
			rc.calls = map[string]int{}
		}
		rc.calls[key]++
		rc.mu.Unlock()
		return next.RoundTrip(req)
	})
}

func (rc *requestCounter) snapshot() map[string]int {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	out := map[string]int{}
	for k, v := range rc.calls {
		out[k] = v
	}
	return out
}

type e2eRoundTrip func(*http.Request) (*http.Response, error)

func (f e2eRoundTrip) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
