package cli

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/awscollect"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// End-to-end tests of `scan` against a real kube-apiserver (with the test
// pod identity webhook behind a real MutatingWebhookConfiguration) and the
// AWS wire-protocol fakes: one per failure family of issue 4, each stating
// the exact failing findings and the exit code. The harness is in
// e2e_env_test.go.

// TestE2EHealthy: a correct IRSA setup has no failure at all, and every
// link of the pod's chain passes.
func TestE2EHealthy(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-healthy"
	role := e2eRoleARN("e2e-healthy-reader")
	e := newE2E(t, ns, awsfake.State{
		Roles:     []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("s3-reader", role, nil)
	e.pod(e2ePod("api", "s3-reader"))
	e.deployment("worker", "s3-reader")

	r, res := e.scan()
	wantFailures(t, r, res, nil)
	var pod *finding.Target
	for i, tg := range res.Targets {
		if tg.Kind == "Pod" && tg.Name == "api" {
			pod = &res.Targets[i]
		}
	}
	if pod == nil {
		t.Fatalf("no target Pod %s/api in %+v", ns, res.Targets)
	}
	for _, l := range pod.Links {
		if l.Status != finding.LinkPass {
			t.Errorf("pod link %s is %s (%s), want pass", l.Link, l.Status, l.Detail)
		}
	}
	if pod.Mechanism != "irsa" || pod.RoleARN != role {
		t.Errorf("pod mechanism %q role %q, want irsa %s", pod.Mechanism, pod.RoleARN, role)
	}
}

// deployment creates a Deployment whose pods run as sa. No
// controller-manager runs: it makes no ReplicaSet, and the template is
// judged as a workload.
func (e *e2e) deployment(name, sa string) {
	e.t.Helper()
	replicas := int32(2)
	d := &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": name}},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": name}},
				Spec:       e2ePod(name, sa).Spec,
			},
		},
	}
	if _, err := e.c.Admin.Client.AppsV1().Deployments(e.ns).Create(e.ctx(), d, metav1.CreateOptions{}); err != nil {
		e.t.Fatalf("create deployment %s/%s: %v", e.ns, name, err)
	}
}

// Webhook states of a family's cluster.
const (
	webhookUp   = iota // running and registered
	webhookDown        // down while the pod is created, then restored
	webhookNone        // no MutatingWebhookConfiguration at all
)

// TestE2EFamilies: one case per failure family of issue 4 ("What it must
// show"), each a small variation of the healthy setup of TestE2EHealthy:
// ServiceAccount s3-reader annotated with role NS-reader, which trusts it,
// the pod api, and the provider of the harness issuer.
func TestE2EFamilies(t *testing.T) {
	c := sharedCluster(t)
	hp := e2eIssuerHostPath(c)
	provider := e2eProviderARN(c)
	leafThumb := sha1Hex(c.OIDC.Chain[0].Raw)
	tokenMsg := func(uid int) string {
		return fmt.Sprintf("container runs as UID %d and cannot read the token: no fsGroup is set and the containers run as different UIDs (1000, 2000), "+
			"so the token takes the volume's defaultMode (0400), owned by root (Kubernetes 1.32: 1.19+ rules); "+
			`the SDK fails with "open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied"`, uid)
	}
	tests := []struct {
		name, ns string
		// trustNS is the namespace the trust policy's sub names ("": ns).
		trustNS string
		// noProvider leaves IAM without the issuer's provider; thumbprints,
		// when set, replace the provider's.
		noProvider  bool
		thumbprints []string
		// annotations are added to the ServiceAccount's.
		annotations map[string]string
		// pod is the pod to create (nil: a plain one).
		pod     func(role string) *corev1.Pod
		webhook int
		// deleteSA deletes the ServiceAccount after the pod is created.
		deleteSA bool
		want     []failing
		// skipped maps "CHECK SUBJECT" to the reason it must be skipped
		// for: the root cause is reported, what it blocks is skipped
		// (docs/contract.md#cascades-report-the-root-cause).
		skipped map[string]string
	}{
		{
			name: "oidc provider missing", ns: "e2e-provider", noProvider: true,
			want: []failing{{"IRSA302", "error", "OIDCProvider " + provider,
				"account 111122223333 has no IAM OIDC provider for the issuer " + hp}},
			skipped: map[string]string{
				"IRSA303 OIDCProvider " + provider: "blocked by IRSA302",
				"IRSA304 OIDCProvider " + provider: "blocked by IRSA302",
			},
		},
		{
			name: "trust subject mismatch", ns: "e2e-trust", trustNS: "e2e-trst",
			want: []failing{{"IRSA205", "error", "IAMRole e2e-trust-reader",
				"Statement[0] requires " + hp + `:sub StringEquals "system:serviceaccount:e2e-trst:s3-reader"; the token has "system:serviceaccount:e2e-trust:s3-reader": ` +
					`the namespace differs: "e2e-trst" in the policy, "e2e-trust" in the token`}},
		},
		{
			// The ServiceAccount admission plugin refuses a pod whose SA is
			// missing: the SA is deleted after the pod (testenv doc.go).
			name: "service account missing", ns: "e2e-sa", deleteSA: true,
			want: []failing{{"IRSA101", "error", "Pod e2e-sa/api",
				`ServiceAccount "s3-reader" does not exist in namespace "e2e-sa": the API server rejects every new pod that names it, and running pods lose their tokens once the current ones expire`}},
			skipped: map[string]string{
				"IRSA104 Pod e2e-sa/api":                  "blocked by IRSA101",
				"IRSA205 ServiceAccount e2e-sa/s3-reader": "blocked by IRSA101",
			},
		},
		{
			name: "token not readable", ns: "e2e-token",
			pod: func(role string) *corev1.Pod { return tokenPod("api", "s3-reader", role) },
			want: []failing{
				{"IRSA106", "error", "Pod e2e-token/api container app", tokenMsg(1000)},
				{"IRSA106", "error", "Pod e2e-token/api container log-shipper", tokenMsg(2000)},
			},
		},
		{
			// The webhook projects the token with the SA's audience; the
			// provider and the trust policy expect sts.amazonaws.com.
			name: "custom audience", ns: "e2e-audience",
			annotations: map[string]string{webhook.AnnotationAudience: "irsa-doctor.example"},
			want: []failing{
				{"IRSA206", "error", "IAMRole e2e-audience-reader",
					"Statement[0] requires " + hp + `:aud StringEquals "sts.amazonaws.com"; the token has "irsa-doctor.example"`},
				{"IRSA303", "error", "OIDCProvider " + provider,
					`provider's ClientIDList ["sts.amazonaws.com"] lacks the token's audience "irsa-doctor.example": STS answers "Incorrect token audience"`},
			},
		},
		{
			// The leaf's thumbprint instead of the CA's, the classic mistake
			// of taking the first certificate of the chain; the harness CA
			// is private, so IAM would compare thumbprints: an error.
			name: "thumbprint mismatch", ns: "e2e-thumbprint", thumbprints: []string{leafThumb},
			want: []failing{{"IRSA304", "error", "OIDCProvider " + provider,
				"the provider's ThumbprintList [" + leafThumb + "] lacks " + e2eCAThumbprint(c) + ", the SHA-1 of the last certificate oidc.irsa-doctor.test serves (CN=irsa-doctor-testenv-ca); " +
					"it holds the SHA-1 of certificate 0 of the chain (CN=oidc-proxy) instead: the chain does not verify to a public root CA (its root CN=irsa-doctor-testenv-ca is not a public root CA), " +
					`so IAM checks the thumbprint and STS answers "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"`}},
		},
		{
			// failurePolicy Ignore admits the pod unmutated while the webhook
			// is down (docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache); at scan time the configuration
			// and the server are fine again, the pod is not.
			name: "webhook down at admission", ns: "e2e-webhook-down", webhook: webhookDown,
			want: []failing{{"IRSA104", "error", "Pod e2e-webhook-down/api",
				`ServiceAccount "s3-reader" has eks.amazonaws.com/role-arn "arn:aws:iam::111122223333:role/e2e-webhook-down-reader", but container "app" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE ` +
					"and the pod has no aws-iam-token volume: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials"}},
			// The consequence (IRSA407, the node role through IMDS) is
			// blocked by its cause.
			skipped: map[string]string{"IRSA407 Pod e2e-webhook-down/api container app": "blocked by IRSA104"},
		},
		{
			name: "webhook configuration missing", ns: "e2e-no-webhook", webhook: webhookNone,
			want: []failing{{"IRSA107", "error", "MutatingWebhookConfiguration pod-identity-webhook",
				"no MutatingWebhookConfiguration is named pod-identity-webhook or has a webhook named iam-for-pods.amazonaws.com or pod-identity-webhook.amazonaws.com: " +
					"the API server calls no webhook to inject IRSA credentials into new pods"}},
			skipped: map[string]string{
				"IRSA104 Pod e2e-no-webhook/api":                            "blocked by IRSA107",
				"IRSA407 Pod e2e-no-webhook/api container app":              "blocked by IRSA107",
				"IRSA108 MutatingWebhookConfiguration pod-identity-webhook": "blocked by IRSA107",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			role := e2eRoleARN(tt.ns + "-reader")
			trustNS := tt.trustNS
			if trustNS == "" {
				trustNS = tt.ns
			}
			st := awsfake.State{Roles: []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, trustNS, "s3-reader", webhook.DefaultAudience)}}}
			if !tt.noProvider {
				p := e2eGoodProvider(c)
				if tt.thumbprints != nil {
					p.Thumbprints = tt.thumbprints
				}
				st.Providers = []awsfake.OIDCProvider{p}
			}
			e := newE2E(t, tt.ns, st)
			var down *testenv.Webhook
			switch tt.webhook {
			case webhookUp:
				c.StartWebhook(t, testenv.WebhookOptions{})
			case webhookDown:
				down = c.StartWebhook(t, testenv.WebhookOptions{})
				down.Close()
			}
			e.serviceAccount("s3-reader", role, tt.annotations)
			pod := e2ePod("api", "s3-reader")
			if tt.pod != nil {
				pod = tt.pod(role)
			}
			e.pod(pod)
			if down != nil {
				e.restoreWebhook(down)
			}
			if tt.deleteSA {
				if err := c.Admin.Client.CoreV1().ServiceAccounts(tt.ns).Delete(e.ctx(), "s3-reader", metav1.DeleteOptions{}); err != nil {
					t.Fatalf("delete serviceaccount: %v", err)
				}
			}

			r, res := e.scan()
			wantFailures(t, r, res, tt.want)
			got := map[string]string{}
			for _, f := range res.Findings {
				key := f.CheckID + " " + f.Subject.String()
				if _, ok := tt.skipped[key]; ok && f.Status == finding.StatusSkipped {
					got[key] = f.Message
				}
			}
			if diff := cmp.Diff(tt.skipped, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("skipped findings (-want +got):\n%s", diff)
			}
		})
	}
}

// tokenPod is a pod whose two containers run as different non-root users
// and that carries a hand-written aws-iam-token volume with defaultMode
// 0400. Since Kubernetes 1.19 the kubelet then writes the token owned by
// root with that mode (the containers' users differ and no fsGroup is
// set), so neither container can read it (IRSA106's doc; kubernetes#89193).
func tokenPod(name, sa, role string) *corev1.Pod {
	mode := int32(0o400)
	exp := webhook.DefaultExpiration
	container := func(cname string, uid int64) corev1.Container {
		return corev1.Container{
			Name: cname, Image: "registry.example/" + cname + ":1",
			SecurityContext: &corev1.SecurityContext{RunAsUser: &uid},
			Env: []corev1.EnvVar{
				{Name: webhook.EnvRoleARN, Value: role},
				{Name: webhook.EnvTokenFile, Value: webhook.TokenPath},
			},
			VolumeMounts: []corev1.VolumeMount{{Name: webhook.VolumeName, MountPath: webhook.MountPath, ReadOnly: true}},
		}
	}
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{
			ServiceAccountName: sa,
			Containers:         []corev1.Container{container("app", 1000), container("log-shipper", 2000)},
			Volumes: []corev1.Volume{{Name: webhook.VolumeName, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
				DefaultMode: &mode,
				Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
					Audience: webhook.DefaultAudience, ExpirationSeconds: &exp, Path: "token",
				}}},
			}}}},
		},
	}
}

// restoreWebhook brings a closed webhook back: a new server, and the
// configuration pointed at it, as a restarted webhook Deployment would be.
func (e *e2e) restoreWebhook(down *testenv.Webhook) {
	e.t.Helper()
	up := e.c.StartWebhook(e.t, testenv.WebhookOptions{NoRegister: true})
	mwcs := e.c.Admin.Client.AdmissionregistrationV1().MutatingWebhookConfigurations()
	cfg, err := mwcs.Get(e.ctx(), down.Configuration.Name, metav1.GetOptions{})
	if err != nil {
		e.t.Fatalf("get webhook configuration: %v", err)
	}
	for i := range cfg.Webhooks {
		cfg.Webhooks[i].ClientConfig.URL = &up.URL
	}
	if _, err := mwcs.Update(e.ctx(), cfg, metav1.UpdateOptions{}); err != nil {
		e.t.Fatalf("point the webhook configuration at the restored server: %v", err)
	}
}

// TestE2EScanEqualsDumpAnalyze: `dump` then `analyze` of the folder gives
// the findings `scan` gives (issue 4, "What to build" 5), evidence sources
// aside: live evidence names API calls, offline evidence the files.
func TestE2EScanEqualsDumpAnalyze(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-dump"
	reader, writer, audience, token := e2eRoleARN("e2e-dump-reader"), e2eRoleARN("e2e-dump-writer"), e2eRoleARN("e2e-dump-audience"), e2eRoleARN("e2e-dump-token")
	p := e2eGoodProvider(c)
	p.Thumbprints = []string{sha1Hex(c.OIDC.Chain[0].Raw)}
	e := newE2E(t, ns, awsfake.State{
		Roles: []awsfake.Role{
			{ARN: reader, TrustPolicy: e2eTrustPolicy(c, ns, "reader", webhook.DefaultAudience)},
			// writer trusts another ServiceAccount; "missing" has no role.
			{ARN: writer, TrustPolicy: e2eTrustPolicy(c, ns, "writer-sa", webhook.DefaultAudience)},
			{ARN: audience, TrustPolicy: e2eTrustPolicy(c, ns, "audience", webhook.DefaultAudience)},
			{ARN: token, TrustPolicy: e2eTrustPolicy(c, ns, "token", webhook.DefaultAudience)},
		},
		Providers: []awsfake.OIDCProvider{p},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("reader", reader, nil)
	e.serviceAccount("writer", writer, nil)
	e.serviceAccount("missing", e2eRoleARN("e2e-dump-missing"), nil)
	e.serviceAccount("audience", audience, map[string]string{webhook.AnnotationAudience: "irsa-doctor.example"})
	e.serviceAccount("token", token, nil)
	e.serviceAccount("gone", reader, nil)
	e.pod(e2ePod("reader", "reader"))
	e.pod(e2ePod("writer", "writer"))
	e.pod(e2ePod("missing", "missing"))
	e.pod(e2ePod("audience", "audience"))
	e.pod(tokenPod("token", "token", token))
	e.pod(e2ePod("gone", "gone"))
	// Static keys and other secrets in clear (issue 9): the dump redacts
	// them, and the findings stay those of the scan (IRSA110 by name).
	keys := e2ePod("keys", "reader")
	keys.Annotations = map[string]string{bundle.AnnotationLastApplied: `{"spec":{"containers":[{"env":[{"name":"DB_PASSWORD","value":"e2e-hunter2"}]}]}}`}
	keys.Spec.Containers[0].Env = []corev1.EnvVar{
		{Name: webhook.EnvAccessKeyID, Value: "AKIAE2EEXAMPLEKEYID1"},
		{Name: webhook.EnvSecretAccessKey, Value: "e2e-secret-access-key-value"},
		{Name: "DB_PASSWORD", Value: "e2e-hunter2"},
	}
	keys.Spec.Containers[0].Args = []string{"--password=e2e-hunter2"}
	e.pod(keys)
	e.deployment("worker", "writer")
	if err := c.Admin.Client.CoreV1().ServiceAccounts(ns).Delete(e.ctx(), "gone", metav1.DeleteOptions{}); err != nil {
		t.Fatalf("delete serviceaccount: %v", err)
	}

	scanRun, scanned := e.scan()
	if scanRun.code != ExitFindings {
		t.Fatalf("scan: exit %d, want 1 (stderr %q)", scanRun.code, scanRun.stderr)
	}
	dir := t.TempDir() + "/bundle"
	dumpRun := e.main("dump", dir, "--cluster", e2eCluster)
	if dumpRun.code != ExitOK || dumpRun.stdout != "" {
		t.Fatalf("dump: exit %d, stdout %q, stderr %q", dumpRun.code, dumpRun.stdout, dumpRun.stderr)
	}
	// What dump wrote holds none of the secrets, in private files.
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		if want := map[bool]fs.FileMode{true: 0o700 | fs.ModeDir, false: 0o600}[d.IsDir()]; fi.Mode() != want {
			t.Errorf("dump %s: mode %v, want %v", p, fi.Mode(), want)
		}
		if d.IsDir() || d.Name() == bundle.ManifestFile {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, secret := range []string{"AKIAE2EEXAMPLEKEYID1", "e2e-secret-access-key-value", "e2e-hunter2", bundle.AnnotationLastApplied} {
			if strings.Contains(string(data), secret) {
				t.Errorf("dump %s holds %q", p, secret)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	var out, errOut bytes.Buffer
	deps := e.deps(&out, &errOut)
	deps.Live = LiveDeps{} // analyze must not need them
	analyzeRun := run{code: Main([]string{"analyze", dir, "-o", "json"}, deps), stdout: out.String(), stderr: errOut.String()}
	if analyzeRun.code != ExitFindings {
		t.Fatalf("analyze: exit %d, want 1 (stderr %q)", analyzeRun.code, analyzeRun.stderr)
	}
	analyzed := decode(t, analyzeRun.stdout)
	for _, f := range analyzed.Input.Files {
		if f.Error != "" || f.RecognisedAs == "" {
			t.Errorf("dumped file %s: recognised as %q, error %q", f.Path, f.RecognisedAs, f.Error)
		}
	}

	// Every family of the setup is there, so the comparison means something.
	var ids []string
	for _, f := range failures(scanned) {
		ids = append(ids, f.Check+" "+f.Subject)
	}
	wantIDs := []string{
		"IRSA101 Pod e2e-dump/gone",
		"IRSA106 Pod e2e-dump/token container app",
		"IRSA106 Pod e2e-dump/token container log-shipper",
		"IRSA110 Pod e2e-dump/keys container app",
		"IRSA201 IAMRole e2e-dump-missing",
		"IRSA205 IAMRole e2e-dump-writer",
		"IRSA206 IAMRole e2e-dump-audience",
		"IRSA303 OIDCProvider " + e2eProviderARN(c),
		"IRSA304 OIDCProvider " + e2eProviderARN(c),
	}
	if diff := cmp.Diff(wantIDs, ids); diff != "" {
		t.Errorf("scan's failing findings (-want +got):\n%s", diff)
	}

	// Live and offline differ only in where evidence came from (the API
	// call or the file, also named in some texts) and in the input's mode
	// and files.
	strip := func(r finding.Result) finding.Result {
		var refs []string
		for _, f := range r.Findings {
			for _, ev := range f.Evidence {
				if ev.Ref != "" {
					refs = append(refs, ev.Ref)
				}
			}
		}
		// Longest first, so that a ref that extends another is replaced whole.
		sort.Slice(refs, func(i, j int) bool { return len(refs[i]) > len(refs[j]) })
		unsource := func(s string) string {
			for _, ref := range refs {
				s = strings.ReplaceAll(s, ref, "SOURCE")
			}
			return s
		}
		r.Input.Mode, r.Input.Files = "", nil
		fs := make([]finding.Finding, len(r.Findings))
		for i, f := range r.Findings {
			f.Evidence = append([]finding.Evidence(nil), f.Evidence...)
			for j := range f.Evidence {
				f.Evidence[j].Source, f.Evidence[j].Ref = "", ""
				f.Evidence[j].Value = unsource(f.Evidence[j].Value)
			}
			f.Message, f.Remediation = unsource(f.Message), unsource(f.Remediation)
			fs[i] = f
		}
		r.Findings = fs
		return r
	}
	if diff := cmp.Diff(strip(scanned), strip(analyzed), cmpopts.EquateEmpty()); diff != "" {
		t.Errorf("analyze of the dump differs from scan (-scan +analyze):\n%s", diff)
	}
	if scanned.Input.Mode != "live" || analyzed.Input.Mode != "offline" {
		t.Errorf("modes %q and %q, want live and offline", scanned.Input.Mode, analyzed.Input.Mode)
	}
}

// TestE2ELeastPrivilege: deploy/rbac.yaml and deploy/iam-policy.json grant
// what a scan needs, for real (issue 4, "What to build" 6).
func TestE2ELeastPrivilege(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-rbac"
	role := e2eRoleARN("e2e-rbac-reader")
	e := newE2E(t, ns, awsfake.State{
		Clusters: []awsfake.Cluster{
			{Name: "staging", Endpoint: "https://8A1F0C3E5B7D9E2F4A6C8B0D1E3F5A7C.gr7.us-west-2.eks.amazonaws.com", Issuer: "https://oidc.eks.us-west-2.amazonaws.com/id/8A1F0C3E5B7D9E2F4A6C8B0D1E3F5A7C"},
			{Name: e2eCluster, Endpoint: c.Host, Issuer: c.Issuer},
		},
		Roles:     []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
		// The EC2 instance of the pod's node (ec2:DescribeInstances).
		Instances: []awsfake.Instance{{ID: e2eInstance, PrivateDNSName: e2eNode}},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("s3-reader", role, nil)
	e2eEC2Node(t, c)
	p := e2ePod("api", "s3-reader")
	p.Spec.NodeName = e2eNode
	e.pod(p)
	e.deployment("worker", "s3-reader")
	applyRBAC(t, c)

	t.Run("user in the irsa-doctor group", func(t *testing.T) {
		u := c.CreateUser(t, "alice", "irsa-doctor")
		e.kubeconfig = u.KubeconfigIn(t, ns)
		r, res := e.scan()
		wantFailures(t, r, res, nil)
		if len(res.Targets) != 2 {
			t.Errorf("%d targets, want the pod and the deployment: %+v", len(res.Targets), res.Targets)
		}
	})

	t.Run("user bound to nothing", func(t *testing.T) {
		u := c.CreateUser(t, "nobody", "testers")
		e.kubeconfig = u.KubeconfigIn(t, ns)
		r := e.main("scan", "-o", "json", "--cluster", e2eCluster)
		// Nothing the checks judge could be listed: an empty report would
		// read as healthy, so the scan stops with exit 3 and one line that
		// names what was refused and what grants it.
		if r.code != ExitError || r.stdout != "" {
			t.Errorf("exit %d, stdout %q; want 3 and no report", r.code, r.stdout)
		}
		oneLineErr(t, r, "could not read the cluster: get namespaces (namespace "+ns+"), list cronjobs (namespace "+ns+")")
		for _, want := range []string{"list pods (namespace " + ns + ")", "list serviceaccounts (namespace " + ns + ")",
			"list mutatingwebhookconfigurations (cluster)", "refused; grant the ClusterRole irsa-doctor-reader of deploy/rbac.yaml",
			`(first: Forbidden: namespaces "` + ns + `" is forbidden: User "nobody" cannot get resource "namespaces" in API group "" in the namespace "` + ns + `" (see deploy/rbac.yaml))`} {
			if !strings.Contains(r.stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, r.stderr)
			}
		}
	})

	// The API server endpoint finds the cluster among the region's
	// (eks:ListClusters, eks:DescribeCluster of each): this scan calls
	// every action the tool ever calls without --probe.
	t.Run("aws actions equal the policy", func(t *testing.T) {
		e.kubeconfig = c.Admin.KubeconfigIn(t, ns)
		// A Pod Identity association in the namespace, so that the scan
		// also describes it and reads its role; and a pod using it on the
		// EC2 node, so that the scan reads the node role's policies
		// (IRSA411).
		piRole := "arn:aws:iam::" + awsfake.DefaultAccount + ":role/pod-identity-reader"
		nodeRole := "arn:aws:iam::" + awsfake.DefaultAccount + ":role/e2e-node"
		nodeProfile := "arn:aws:iam::" + awsfake.DefaultAccount + ":instance-profile/e2e-node"
		nodePolicy := "arn:aws:iam::" + awsfake.DefaultAccount + ":policy/e2e-node-base"
		e.aws.Update(func(st *awsfake.State) {
			st.Roles = append(st.Roles, awsfake.Role{ARN: piRole,
				TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`},
				awsfake.Role{ARN: nodeRole, TrustPolicy: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`,
					AttachedPolicies: []string{"arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", nodePolicy},
					InlinePolicies:   map[string]string{"ssm": `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}`}})
			st.InstanceProfiles = append(st.InstanceProfiles, awsfake.InstanceProfile{ARN: nodeProfile, RoleARN: nodeRole})
			st.ManagedPolicies = append(st.ManagedPolicies, awsfake.ManagedPolicy{ARN: nodePolicy,
				Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ec2:DescribeInstances","Resource":"*"}]}`})
			st.Instances[0].InstanceProfileARN = nodeProfile
			st.PodIdentityAssociations = append(st.PodIdentityAssociations, awsfake.PodIdentityAssociation{
				Cluster: e2eCluster, ID: "a-0123456789abcdefg", Namespace: ns, ServiceAccount: "default", RoleARN: piRole})
		})
		pi := e2ePod("pi", "default")
		pi.Spec.NodeName = e2eNode
		pi.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "AWS_CONTAINER_CREDENTIALS_FULL_URI", Value: "http://169.254.170.23/v1/credentials"},
			{Name: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", Value: "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token"}}
		e.pod(pi)
		e.aws.Reset()
		r := e.main("scan", "-o", "json")
		if r.code != ExitOK && r.code != ExitFindings {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		decode(t, r.stdout)
		policy := policyActions(t)
		if diff := cmp.Diff(policy, e.aws.Actions()); diff != "" {
			t.Errorf("actions called (-deploy/iam-policy.json +fake):\n%s", diff)
		}
		want := map[string]int{
			"sts:GetCallerIdentity": 1, "eks:ListClusters": 1, "eks:DescribeCluster": 2,
			"iam:ListOpenIDConnectProviders": 1, "iam:GetOpenIDConnectProvider": 1, "iam:GetRole": 2,
			"ec2:DescribeInstances": 1, "eks:ListPodIdentityAssociations": 1, "eks:DescribePodIdentityAssociation": 1,
			"iam:GetInstanceProfile": 1, "iam:ListAttachedRolePolicies": 1, "iam:ListRolePolicies": 1, "iam:GetRolePolicy": 1,
			"iam:GetPolicy": 1, "iam:GetPolicyVersion": 1,
		}
		if diff := cmp.Diff(want, e.aws.Calls()); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
	})
}

// policyActions reads the actions deploy/iam-policy.json allows without
// its optional statement, sorted.
func policyActions(t *testing.T) []string {
	t.Helper()
	data, err := os.ReadFile("../../deploy/iam-policy.json")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Statement []struct {
			Sid    string
			Effect string
			Action []string
		}
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		t.Fatalf("deploy/iam-policy.json: %v", err)
	}
	var out []string
	for _, st := range doc.Statement {
		// The optional statements grant what --cloudtrail adds
		// (TestE2ECloudTrail) and what --simulate adds.
		if st.Effect == "Allow" && st.Sid != awscollect.TrailPolicySid && st.Sid != awscollect.SimulatePolicySid {
			out = append(out, st.Action...)
		}
	}
	sort.Strings(out)
	return out
}

// TestE2ECallCounts: the call-count claim of issue 4 ("What to build" 2)
// for a scan of 1,000 pods over 50 roles: one List per Kubernetes kind and
// namespace scope (counted at the client's transport, so every request to
// the apiserver is seen), DescribeCluster once, the providers once, GetRole
// once per distinct role, never a call per pod. The cluster is its own, so
// that -A lists nothing but this test's objects.
func TestE2ECallCounts(t *testing.T) {
	c := testenv.StartCluster(t, testenv.Options{})
	namespaces := []struct {
		name      string
		pods, sas int
	}{{"e2e-scale-a", 600, 30}, {"e2e-scale-b", 250, 12}, {"e2e-scale-c", 150, 8}}
	var roles []awsfake.Role
	for _, n := range namespaces {
		for i := range n.sas {
			sa := fmt.Sprintf("sa-%d", i)
			roles = append(roles, awsfake.Role{ARN: e2eRoleARN(n.name + "-" + sa), TrustPolicy: e2eTrustPolicy(c, n.name, sa, webhook.DefaultAudience)})
		}
	}
	e := newE2EIn(t, c, namespaces[0].name, awsfake.State{Roles: roles, Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)}})
	c.StartWebhook(t, testenv.WebhookOptions{})

	start := time.Now()
	for i, n := range namespaces {
		if i > 0 {
			c.CreateNamespace(t, n.name, nil)
		}
		for j := range n.sas {
			sa := fmt.Sprintf("sa-%d", j)
			_, err := c.Admin.Client.CoreV1().ServiceAccounts(n.name).Create(e.ctx(), &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
				Name: sa, Annotations: map[string]string{webhook.AnnotationRoleARN: e2eRoleARN(n.name + "-" + sa)},
			}}, metav1.CreateOptions{})
			if err != nil {
				t.Fatalf("create serviceaccount %s/%s: %v", n.name, sa, err)
			}
		}
	}
	createPods(t, c, func(yield func(ns string, p *corev1.Pod) bool) {
		for _, n := range namespaces {
			for j := range n.pods {
				if !yield(n.name, e2ePod(fmt.Sprintf("pod-%04d", j), fmt.Sprintf("sa-%d", j%n.sas))) {
					return
				}
			}
		}
	})
	t.Logf("created 1,000 pods and 50 service accounts in %s", time.Since(start).Round(time.Millisecond))

	var kube requestCounter
	e.wrap = kube.wrap
	e.aws.Reset()
	start = time.Now()
	r, res := e.scan("-A")
	t.Logf("scan of 1,000 pods: %s", time.Since(start).Round(time.Millisecond))
	wantFailures(t, r, res, nil)
	if res.Summary.Targets != 1000 {
		t.Errorf("%d targets, want the 1,000 pods", res.Summary.Targets)
	}

	// One List per kind, cluster-wide with -A; the pods come in two pages
	// of 500 (kubectl's --chunk-size, internal/collect/kube).
	want := map[string]int{
		"GET /version":                   1,
		"GET /api/v1/pods":               1,
		"GET /api/v1/pods (next page)":   1,
		"GET /api/v1/serviceaccounts":    1,
		"GET /api/v1/namespaces":         1,
		"GET /api/v1/nodes":              1,
		"GET /apis/apps/v1/deployments":  1,
		"GET /apis/apps/v1/statefulsets": 1,
		"GET /apis/apps/v1/daemonsets":   1,
		"GET /apis/apps/v1/replicasets":  1,
		"GET /apis/batch/v1/jobs":        1,
		"GET /apis/batch/v1/cronjobs":    1,
		"GET /apis/admissionregistration.k8s.io/v1/mutatingwebhookconfigurations": 1,
	}
	if diff := cmp.Diff(want, kube.snapshot()); diff != "" {
		t.Errorf("requests to the apiserver (-want +got):\n%s", diff)
	}
	wantAWS := map[string]int{
		"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "eks:ListPodIdentityAssociations": 1,
		"iam:ListOpenIDConnectProviders": 1, "iam:GetOpenIDConnectProvider": 1, "iam:GetRole": 50,
	}
	if diff := cmp.Diff(wantAWS, e.aws.Calls()); diff != "" {
		t.Errorf("AWS calls (-want +got):\n%s", diff)
	}
	if peak := e.aws.Peak(); peak > awscollect.DefaultConcurrency {
		t.Errorf("%d AWS calls at once, want at most %d", peak, awscollect.DefaultConcurrency)
	}
}

// createPods creates pods through a bounded pool of workers: pods need
// no scheduling here, only admission and storage.
func createPods(t *testing.T, c *testenv.Cluster, pods func(yield func(ns string, p *corev1.Pod) bool)) {
	t.Helper()
	type item struct {
		ns  string
		pod *corev1.Pod
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	work := make(chan item)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for range 16 {
		wg.Go(func() {
			for it := range work {
				if _, err := c.Admin.Client.CoreV1().Pods(it.ns).Create(ctx, it.pod, metav1.CreateOptions{}); err != nil {
					mu.Lock()
					if first == nil {
						first = fmt.Errorf("create pod %s/%s: %w", it.ns, it.pod.Name, err)
					}
					mu.Unlock()
					cancel()
				}
			}
		})
	}
	pods(func(ns string, p *corev1.Pod) bool {
		select {
		case work <- item{ns, p}:
			return true
		case <-ctx.Done():
			return false
		}
	})
	close(work)
	wg.Wait()
	if first != nil {
		t.Fatal(first)
	}
}

// TestE2ERobustness: what cannot be reached is said plainly, naming it
// (issue 4, "What to build" 7).
func TestE2ERobustness(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-robust"
	role := e2eRoleARN("e2e-robust-reader")
	e := newE2E(t, ns, awsfake.State{
		Roles:     []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("s3-reader", role, nil)
	e.pod(e2ePod("api", "s3-reader"))

	t.Run("api server unreachable", func(t *testing.T) {
		endpoint := "https://" + closedPort(t)
		saved := e.kubeconfig
		defer func() { e.kubeconfig = saved }()
		e.kubeconfig = writeKubeconfig(t, endpoint, c.CA.CertPEM)
		r := e.main("scan", "--cluster", e2eCluster)
		if r.code != ExitError || r.stdout != "" {
			t.Errorf("exit %d, stdout %q; want 3 and no report", r.code, r.stdout)
		}
		// The first call, GET /version, names the endpoint once.
		want := "irsa-doctor: get version: the Kubernetes API server " + endpoint + `: Get "` + endpoint + `/version?timeout=30s": dial tcp ` +
			strings.TrimPrefix(endpoint, "https://") + ": connect: connection refused\n"
		if r.stderr != want {
			t.Errorf("stderr %q\nwant   %q", r.stderr, want)
		}
	})

	t.Run("timeout", func(t *testing.T) {
		e.aws.Update(func(st *awsfake.State) { st.Delays = map[string]time.Duration{"iam:GetRole": 10 * time.Second} })
		defer e.aws.Update(func(st *awsfake.State) { st.Delays = nil })
		start := time.Now()
		r := e.main("scan", "--cluster", e2eCluster, "--timeout", "500ms")
		took := time.Since(start)
		// What was collected is diagnosed; the target the timeout left
		// undiagnosed keeps the exit from 0 (issue 10, item 9).
		if r.code != ExitFindings || !strings.Contains(r.stdout, "incomplete: timed out after 500ms") {
			t.Errorf("exit %d, stdout %q; want 1 and the report of what was collected", r.code, r.stdout)
		}
		want := "irsa-doctor: incomplete: timed out after 500ms; 1 of 1 targets not diagnosed (see gaps)\n"
		if r.stderr != want {
			t.Errorf("stderr %q\nwant   %q", r.stderr, want)
		}
		if took > 5*time.Second {
			t.Errorf("scan took %s with --timeout 500ms and a GetRole that answers after 10 s", took)
		}
	})

	t.Run("issuer unreachable", func(t *testing.T) {
		refused := closedPort(t)
		saved := e.oidcClient
		defer func() { e.oidcClient = saved }()
		e.oidcClient = &http.Client{Transport: &http.Transport{
			DialContext: func(ctx context.Context, network, _ string) (net.Conn, error) {
				var d net.Dialer
				return d.DialContext(ctx, network, refused)
			},
		}}
		r, res := e.scan()
		if r.code != ExitOK || r.stderr != "" {
			t.Errorf("exit %d, stderr %q; want 0 and nothing: an unreachable issuer is a gap, not an abort", r.code, r.stderr)
		}
		want := []finding.Gap{{Source: "oidc", Operation: "get discovery document", Resource: c.Issuer + "/.well-known/openid-configuration",
			Reason: "cannot connect to " + testenv.IssuerHost + ": connection refused"}}
		if diff := cmp.Diff(want, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
		// The checks that need the issuer's documents say why they could
		// not run.
		skipped := map[string]string{}
		for _, f := range res.Findings {
			if f.Status == finding.StatusSkipped && (f.CheckID == "IRSA304" || f.CheckID == "IRSA305") {
				skipped[f.CheckID] = f.Message
			}
		}
		wantSkipped := map[string]string{
			"IRSA304": "the input has no TLS certificate chain served by oidc.irsa-doctor.test " +
				"(capture: openssl s_client -servername oidc.irsa-doctor.test -showcerts -connect oidc.irsa-doctor.test:443 </dev/null > issuer-chain.pem)",
			// A fetch that failed is never a pass (issue 10, item 11).
			"IRSA305": "the issuer's documents could not all be fetched, so they were not checked: get discovery document " + c.Issuer +
				"/.well-known/openid-configuration failed: cannot connect to " + testenv.IssuerHost + ": connection refused; " +
				"the input has no discovery document (capture: curl -s " + c.Issuer + "/.well-known/openid-configuration > openid-configuration.json); " +
				"the input has no JWKS (capture: curl -s " + c.Issuer + "/keys > keys.json)",
		}
		if diff := cmp.Diff(wantSkipped, skipped); diff != "" {
			t.Errorf("skipped issuer checks (-want +got):\n%s", diff)
		}
		if len(failures(res)) != 0 {
			t.Errorf("failures %+v, want none", failures(res))
		}
	})
}

// closedPort returns a loopback host:port nothing listens on.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// writeKubeconfig writes a kubeconfig whose context testenv.ContextName
// points at server.
func writeKubeconfig(t *testing.T, server string, ca []byte) string {
	t.Helper()
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["c"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: ca}
	cfg.AuthInfos["u"] = &clientcmdapi.AuthInfo{Token: "not-a-real-token"}
	cfg.Contexts[testenv.ContextName] = &clientcmdapi.Context{Cluster: "c", AuthInfo: "u", Namespace: "default"}
	cfg.CurrentContext = testenv.ContextName
	path := t.TempDir() + "/kubeconfig"
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		t.Fatal(err)
	}
	return path
}

// The EC2 node of TestE2ELeastPrivilege's pod: the kube-apiserver has no
// kubelet, so the Node is created as the AWS cloud provider registers one
// (its providerID names the instance).
const (
	e2eNode     = "ip-10-0-21-87.us-west-2.compute.internal"
	e2eInstance = "i-0e2e0e2e0e2e0e2e0"
)

func e2eEC2Node(t *testing.T, c *testenv.Cluster) {
	t.Helper()
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: e2eNode, Labels: map[string]string{"kubernetes.io/os": "linux"}},
		Spec: corev1.NodeSpec{ProviderID: "aws:///us-west-2a/" + e2eInstance}}
	if _, err := c.Admin.Client.CoreV1().Nodes().Create(context.Background(), n, metav1.CreateOptions{}); err != nil && !apierrors.IsAlreadyExists(err) {
		t.Fatalf("create node %s: %v", e2eNode, err)
	}
}
