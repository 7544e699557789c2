package probe

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/client-go/kubernetes/fake"
	k8stesting "k8s.io/client-go/testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

const (
	acct     = "111122223333"
	issuer   = "https://oidc.eks.us-west-2.amazonaws.com/id/5B3F9E2A8C1D4E6F7A9B0C2D3E4F5A6B"
	hostPath = "oidc.eks.us-west-2.amazonaws.com/id/5B3F9E2A8C1D4E6F7A9B0C2D3E4F5A6B"
	provider = "arn:aws:iam::" + acct + ":oidc-provider/" + hostPath
	roleARN  = "arn:aws:iam::" + acct + ":role/payments-s3-reader"
	sub      = "system:serviceaccount:payments:s3-reader"
)

var signingKey = func() *rsa.PrivateKey {
	k, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		panic(err)
	}
	return k
}()

// jwtFor signs a token as the API server issues it for a TokenRequest.
func jwtFor(t *testing.T, iss, subject string, aud []string, exp time.Time) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: signingKey}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(jwt.Claims{Issuer: iss, Subject: subject, Audience: aud, Expiry: jwt.NewNumericDate(exp),
		IssuedAt: jwt.NewNumericDate(exp.Add(-TokenSeconds * time.Second))}).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func trustPolicy(subject, aud string) string {
	return fmt.Sprintf(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{%q:%q,%q:%q}}}]}`,
		provider, hostPath+":sub", subject, hostPath+":aud", aud)
}

// kubeFake is a clientset whose TokenRequests return tokens signed for
// issuer, and whose dry-run pod creates pass through answer.
type kubeFake struct {
	*fake.Clientset
	tokenRequests []*authenticationv1.TokenRequest
	podCreates    []k8stesting.CreateActionImpl
}

func newKube(t *testing.T, iss string, answer func(pod *corev1.Pod) (*corev1.Pod, error)) *kubeFake {
	t.Helper()
	k := &kubeFake{Clientset: fake.NewClientset()}
	k.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ca := a.(k8stesting.CreateActionImpl)
		if a.GetSubresource() != "token" {
			return false, nil, nil
		}
		req := ca.Object.(*authenticationv1.TokenRequest)
		k.tokenRequests = append(k.tokenRequests, req.DeepCopy())
		aud := req.Spec.Audiences
		if len(aud) == 0 {
			aud = []string{iss}
		}
		res := req.DeepCopy()
		res.Status.Token = jwtFor(t, iss, "system:serviceaccount:"+a.GetNamespace()+":"+ca.Name, aud, time.Now().Add(time.Duration(*req.Spec.ExpirationSeconds)*time.Second))
		return true, res, nil
	})
	k.PrependReactor("create", "pods", func(a k8stesting.Action) (bool, runtime.Object, error) {
		ca := a.(k8stesting.CreateActionImpl)
		k.podCreates = append(k.podCreates, ca)
		if answer == nil {
			return true, nil, fmt.Errorf("no pod answer configured")
		}
		got, err := answer(ca.Object.(*corev1.Pod).DeepCopy())
		return true, got, err
	})
	return k
}

// mutate does what the pod identity webhook does to an IRSA pod
// (docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions), and names the pod as the API server does.
func mutate(pod *corev1.Pod) (*corev1.Pod, error) {
	pod.Name = pod.GenerateName + "x7q2m"
	pod.UID = "3f6b2c1e-9d4a-4f7b-8e2d-5a1c0b9e7d64"
	pod.CreationTimestamp = metav1.Date(2026, 11, 26, 11, 58, 9, 0, time.UTC)
	pod.ManagedFields = []metav1.ManagedFieldsEntry{{Manager: "irsa-doctor", Operation: metav1.ManagedFieldsOperationUpdate}}
	exp := int64(86400)
	pod.Spec.Volumes = append([]corev1.Volume{{Name: "aws-iam-token", VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Audience: "sts.amazonaws.com", ExpirationSeconds: &exp, Path: "token"}}}}}}},
		pod.Spec.Volumes...)
	for i := range pod.Spec.Containers {
		c := &pod.Spec.Containers[i]
		c.Env = append(c.Env, corev1.EnvVar{Name: "AWS_ROLE_ARN", Value: roleARN},
			corev1.EnvVar{Name: "AWS_WEB_IDENTITY_TOKEN_FILE", Value: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"})
		c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: "aws-iam-token", MountPath: "/var/run/secrets/eks.amazonaws.com/serviceaccount", ReadOnly: true})
	}
	pod.Status.Phase = corev1.PodPending
	return pod, nil
}

const apiTemplate = `{"metadata": {"creationTimestamp": null, "labels": {"app": "api"}, "annotations": {"eks.amazonaws.com/skip-containers": "proxy"}},
 "spec": {"serviceAccountName": "s3-reader", "containers": [{"name": "api", "image": "registry.example/api:1.4.2"}]}}`

func awsState() awsfake.State {
	return awsfake.State{
		Roles:     []awsfake.Role{{ARN: roleARN, TrustPolicy: trustPolicy(sub, "sts.amazonaws.com")}},
		Providers: []awsfake.OIDCProvider{{ARN: provider, ClientIDs: []string{"sts.amazonaws.com"}}},
	}
}

// decodeCaptures reads the captures back as the bundle reader does.
func decodeCaptures(t *testing.T, res Result) *snapshot.Snapshot {
	t.Helper()
	s, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files {
		if f.Error != "" || f.RecognisedAs == "" {
			t.Errorf("capture %s: recognised as %q, error %q", f.Path, f.RecognisedAs, f.Error)
		}
	}
	return s
}

var target = Target{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: roleARN, Audience: "sts.amazonaws.com"}

func TestCollectAssume(t *testing.T) {
	tests := []struct {
		name   string
		state  func(*awsfake.State)
		fault  *awsfake.Fault
		target Target
		iss    string
		// want is the probe result (Source aside), or nil with wantGap.
		want    *snapshot.ProbeResult
		wantGap *snapshot.Gap
	}{
		{
			name: "accepted", target: target, iss: issuer,
			want: &snapshot.ProbeResult{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: roleARN, Audience: "sts.amazonaws.com",
				Issuer: issuer, Subject: sub, OK: true, AssumedRoleARN: "arn:aws:sts::" + acct + ":assumed-role/payments-s3-reader/irsa-doctor-probe", HTTPStatus: 200},
		},
		{
			name: "no provider for the issuer", target: target, iss: "https://oidc.eks.us-west-2.amazonaws.com/id/0000RECREATED0000",
			want: &snapshot.ProbeResult{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: roleARN, Audience: "sts.amazonaws.com",
				Issuer: "https://oidc.eks.us-west-2.amazonaws.com/id/0000RECREATED0000", Subject: sub,
				ErrorCode: "InvalidIdentityToken", ErrorMessage: "No OpenIDConnect provider found in your account for https://oidc.eks.us-west-2.amazonaws.com/id/0000RECREATED0000", HTTPStatus: 400},
		},
		{
			name: "audience not in the provider", iss: issuer,
			target: Target{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: roleARN, Audience: "sts.amazonaws.com.cn"},
			want: &snapshot.ProbeResult{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: roleARN, Audience: "sts.amazonaws.com.cn",
				Issuer: issuer, Subject: sub, ErrorCode: "InvalidIdentityToken", ErrorMessage: "Incorrect token audience", HTTPStatus: 400},
		},
		{
			name: "trust policy for another namespace", target: target, iss: issuer,
			state: func(s *awsfake.State) {
				s.Roles[0].TrustPolicy = trustPolicy("system:serviceaccount:payment:s3-reader", "sts.amazonaws.com")
			},
			want: &snapshot.ProbeResult{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: roleARN, Audience: "sts.amazonaws.com",
				Issuer: issuer, Subject: sub, ErrorCode: "AccessDenied", ErrorMessage: "Not authorized to perform sts:AssumeRoleWithWebIdentity", HTTPStatus: 403},
		},
		{
			name: "verification key", target: target, iss: issuer, fault: &awsfake.FaultVerificationKey,
			want: &snapshot.ProbeResult{Namespace: "payments", ServiceAccount: "s3-reader", RoleARN: roleARN, Audience: "sts.amazonaws.com",
				Issuer: issuer, Subject: sub, ErrorCode: "InvalidIdentityToken", ErrorMessage: awsfake.MsgVerificationKey, HTTPStatus: 400},
		},
		{
			name: "throttled to the end", target: target, iss: issuer,
			fault: &awsfake.Fault{Action: "sts:AssumeRoleWithWebIdentity", Code: "Throttling", Message: "Rate exceeded"},
			wantGap: &snapshot.Gap{Source: "aws", Operation: "sts:AssumeRoleWithWebIdentity", Resource: roleARN,
				Reason: "Throttling: Rate exceeded (probe of serviceaccount payments/s3-reader; still failing after 3 attempts; run the probe again later)"},
		},
		{
			name: "STS server error", target: target, iss: issuer,
			fault: &awsfake.Fault{Action: "sts:AssumeRoleWithWebIdentity", Code: "InternalFailure", Message: "An internal error occurred.", Status: 500},
			wantGap: &snapshot.Gap{Source: "aws", Operation: "sts:AssumeRoleWithWebIdentity", Resource: roleARN,
				Reason: "InternalFailure: An internal error occurred. (probe of serviceaccount payments/s3-reader; still failing after 3 attempts; run the probe again later)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := awsState()
			if tt.state != nil {
				tt.state(&st)
			}
			f := awsfake.New(t, st)
			if tt.fault != nil {
				f.Inject(*tt.fault)
			}
			k := newKube(t, tt.iss, nil)
			res := Collect(context.Background(), clientset.Wrap(k), f.Config(), []Target{tt.target, tt.target}, nil)

			// One TokenRequest per ServiceAccount, for its audience, 600 s.
			if len(k.tokenRequests) != 1 {
				t.Fatalf("%d TokenRequests, want 1", len(k.tokenRequests))
			}
			wantSpec := authenticationv1.TokenRequestSpec{Audiences: []string{tt.target.Audience}, ExpirationSeconds: ptr(int64(600))}
			if diff := cmp.Diff(wantSpec, k.tokenRequests[0].Spec); diff != "" {
				t.Errorf("TokenRequest spec (-want +got):\n%s", diff)
			}
			// STS is called without the caller's credentials.
			for _, c := range f.Log() {
				if c.Action != "sts:AssumeRoleWithWebIdentity" || c.Account != "" || c.Resource != roleARN {
					t.Errorf("AWS call %+v: want only unsigned sts:AssumeRoleWithWebIdentity for %s", c, roleARN)
				}
			}
			var wantGaps []snapshot.Gap
			if tt.wantGap != nil {
				wantGaps = []snapshot.Gap{*tt.wantGap}
			}
			if diff := cmp.Diff(wantGaps, res.Gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			s := decodeCaptures(t, res)
			var got *snapshot.ProbeResult
			if len(s.Probes) == 1 {
				got = s.Probes[0]
				wantSrc := snapshot.Source{Kind: "aws", Ref: "sts:AssumeRoleWithWebIdentity payments-s3-reader as serviceaccount payments/s3-reader"}
				if got.Source != wantSrc {
					t.Errorf("source %+v, want %+v", got.Source, wantSrc)
				}
				got.Source = snapshot.Source{}
			} else if len(s.Probes) > 1 {
				t.Fatalf("%d probe results, want at most 1", len(s.Probes))
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("probe result (-want +got):\n%s", diff)
			}
			for _, c := range res.Captures {
				if c.Path != "probe/assume-payments-s3-reader.json" {
					t.Errorf("capture path %s", c.Path)
				}
				// Neither the token nor any credential is ever written.
				if strings.Contains(string(c.Data), "eyJ") || strings.Contains(string(c.Data), "ASIA") || strings.Contains(string(c.Data), "fake-temporary-secret") {
					t.Errorf("capture %s holds a token or credentials:\n%s", c.Path, c.Data)
				}
			}
		})
	}
}

func TestCollectTokenRequestRefused(t *testing.T) {
	f := awsfake.New(t, awsState())
	k := newKube(t, issuer, nil)
	k.PrependReactor("create", "serviceaccounts", func(a k8stesting.Action) (bool, runtime.Object, error) {
		return true, nil, apierrors.NewForbidden(schema.GroupResource{Resource: "serviceaccounts"}, "s3-reader",
			fmt.Errorf(`User "alice" cannot create resource "serviceaccounts/token" in API group "" in the namespace "payments"`))
	})
	res := Collect(context.Background(), clientset.Wrap(k), f.Config(), []Target{target}, nil)
	want := Result{Gaps: []snapshot.Gap{{Source: "kube", Operation: "create serviceaccounts/token", Resource: "serviceaccount payments/s3-reader",
		Reason: `Forbidden: serviceaccounts "s3-reader" is forbidden: User "alice" cannot create resource "serviceaccounts/token" in API group "" in the namespace "payments" (grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-probe)`}}}
	if diff := cmp.Diff(want, res); diff != "" {
		t.Errorf("result (-want +got):\n%s", diff)
	}
	if n := len(f.Log()); n != 0 {
		t.Errorf("%d calls to AWS without a token, want 0", n)
	}
}

func TestCollectDryRun(t *testing.T) {
	forbidden := apierrors.NewForbidden(schema.GroupResource{Resource: "pods"}, "",
		fmt.Errorf(`User "alice" cannot create resource "pods" in API group "" in the namespace "payments"`))
	webhookDown := apierrors.NewInternalError(fmt.Errorf(`failed calling webhook "iam-for-pods.amazonaws.com": failed to call webhook: Post "https://127.0.0.1:4443/mutate?timeout=10s": dial tcp 127.0.0.1:4443: connect: connection refused`))
	api := Workload{Kind: "Deployment", Namespace: "payments", Name: "api", Template: json.RawMessage(apiTemplate)}
	worker := Workload{Kind: "CronJob", Namespace: "payments", Name: "report", Template: json.RawMessage(`{"spec": {"serviceAccountName": "s3-reader", "restartPolicy": "OnFailure", "containers": [{"name": "report", "image": "r:1"}]}}`)}
	tests := []struct {
		name      string
		answer    func(*corev1.Pod) (*corev1.Pod, error)
		workloads []Workload
		// creates is how many dry-run creates were sent.
		creates  int
		want     []string // capture paths
		wantDry  []*snapshot.DryRunResult
		wantGaps []snapshot.Gap
	}{
		{
			name: "mutated", answer: mutate, workloads: []Workload{api}, creates: 1,
			want: []string{"probe/dry-run-deployment-payments-api.json"},
			wantDry: []*snapshot.DryRunResult{{Kind: "Deployment", Namespace: "payments", Name: "api", Mutated: true,
				Containers: []snapshot.DryRunContainer{{Name: "api", Env: []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"}, Mounts: []string{"aws-iam-token"}}},
				Volumes:    []string{"aws-iam-token"}}},
		},
		{
			name: "not mutated", workloads: []Workload{api}, creates: 1,
			answer: func(p *corev1.Pod) (*corev1.Pod, error) { p.Name = "api-x7q2m"; return p, nil },
			want:   []string{"probe/dry-run-deployment-payments-api.json"},
			wantDry: []*snapshot.DryRunResult{{Kind: "Deployment", Namespace: "payments", Name: "api",
				Containers: []snapshot.DryRunContainer{{Name: "api"}}}},
		},
		{
			name: "refused by the webhook under failurePolicy Fail", workloads: []Workload{api}, creates: 1,
			answer: func(*corev1.Pod) (*corev1.Pod, error) { return nil, webhookDown },
			want:   []string{"probe/dry-run-deployment-payments-api.json"},
			wantDry: []*snapshot.DryRunResult{{Kind: "Deployment", Namespace: "payments", Name: "api",
				Error: `Internal error occurred: failed calling webhook "iam-for-pods.amazonaws.com": failed to call webhook: Post "https://127.0.0.1:4443/mutate?timeout=10s": dial tcp 127.0.0.1:4443: connect: connection refused`}},
		},
		{
			// RBAC refuses the namespace once: the second workload is not tried.
			name: "refused by RBAC", workloads: []Workload{api, worker}, creates: 1,
			answer: func(*corev1.Pod) (*corev1.Pod, error) { return nil, forbidden },
			wantGaps: []snapshot.Gap{{Source: "kube", Operation: "create pods (dry run)", Resource: "namespace payments",
				Reason: `Forbidden: pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "payments" (grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-probe)`}},
		},
		{
			name: "template that does not decode", workloads: []Workload{{Kind: "Deployment", Namespace: "payments", Name: "bad", Template: json.RawMessage(`{"spec": {"containers": "api"}}`)}, worker},
			answer: mutate, creates: 1,
			want: []string{"probe/dry-run-cronjob-payments-report.json"},
			wantDry: []*snapshot.DryRunResult{{Kind: "CronJob", Namespace: "payments", Name: "report", Mutated: true,
				Containers: []snapshot.DryRunContainer{{Name: "report", Env: []string{"AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE"}, Mounts: []string{"aws-iam-token"}}},
				Volumes:    []string{"aws-iam-token"}}},
			wantGaps: []snapshot.Gap{{Source: "kube", Operation: "create pods (dry run)", Resource: "Deployment payments/bad",
				Reason: "the pod template does not decode: json: cannot unmarshal string into Go struct field PodSpec.spec.containers of type []v1.Container"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := awsfake.New(t, awsState())
			k := newKube(t, issuer, tt.answer)
			res := Collect(context.Background(), clientset.Wrap(k), f.Config(), nil, tt.workloads)
			if len(k.podCreates) != tt.creates {
				t.Fatalf("%d pod creates, want %d", len(k.podCreates), tt.creates)
			}
			first := k.podCreates[0]
			if diff := cmp.Diff([]string{"All"}, first.CreateOptions.DryRun); diff != "" {
				t.Errorf("dryRun (-want +got):\n%s", diff)
			}
			if tt.workloads[0].Name == "api" {
				sent := first.Object.(*corev1.Pod)
				want := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{GenerateName: "api-", Namespace: "payments", Labels: map[string]string{"app": "api"},
					Annotations: map[string]string{"eks.amazonaws.com/skip-containers": "proxy"}},
					Spec: corev1.PodSpec{ServiceAccountName: "s3-reader", Containers: []corev1.Container{{Name: "api", Image: "registry.example/api:1.4.2"}}}}
				if diff := cmp.Diff(want, sent); diff != "" {
					t.Errorf("dry-run pod sent (-want +got):\n%s", diff)
				}
			}
			var paths []string
			for _, c := range res.Captures {
				paths = append(paths, c.Path)
			}
			if diff := cmp.Diff(tt.want, paths); diff != "" {
				t.Errorf("capture paths (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantGaps, res.Gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			s := decodeCaptures(t, res)
			for _, d := range s.DryRuns {
				d.Source = snapshot.Source{}
			}
			if diff := cmp.Diff(tt.wantDry, s.DryRuns); diff != "" {
				t.Errorf("dry runs read back (-want +got):\n%s", diff)
			}
			if len(s.Pods) != 0 {
				t.Errorf("a dry-run pod became a snapshot Pod")
			}
			for _, c := range res.Captures {
				if strings.Contains(string(c.Data), "managedFields") {
					t.Errorf("capture %s keeps managedFields, which kubectl does not print", c.Path)
				}
			}
		})
	}
}

// TestCapturePaths: names joined with "-" can meet; the second capture
// gets its own path, so that a dump never loses one.
func TestCapturePaths(t *testing.T) {
	f := awsfake.New(t, awsState())
	k := newKube(t, issuer, nil)
	res := Collect(context.Background(), clientset.Wrap(k), f.Config(), []Target{
		{Namespace: "a-b", ServiceAccount: "c", RoleARN: roleARN, Audience: "sts.amazonaws.com"},
		{Namespace: "a", ServiceAccount: "b-c", RoleARN: roleARN, Audience: "sts.amazonaws.com"},
	}, nil)
	got := map[string]string{}
	for _, c := range res.Captures {
		var d struct{ Namespace string }
		if err := json.Unmarshal(c.Data, &d); err != nil {
			t.Fatal(err)
		}
		got[c.Path] = d.Namespace
	}
	// In the order of NAMESPACE/NAME: "a-b/c" before "a/b-c".
	if diff := cmp.Diff(map[string]string{"probe/assume-a-b-c.json": "a-b", "probe/assume-a-b-c-2.json": "a"}, got); diff != "" {
		t.Errorf("paths (-want +got):\n%s", diff)
	}
	if s := decodeCaptures(t, res); len(s.Probes) != 2 {
		t.Errorf("%d probe results read back, want 2", len(s.Probes))
	}
}

func TestClaims(t *testing.T) {
	tests := []struct {
		name, token, iss, sub string
	}{
		{"token", jwtFor(t, issuer, sub, []string{"sts.amazonaws.com"}, time.Now().Add(time.Hour)), issuer, sub},
		{"not a JWT", "opaque", "", ""},
		{"bad payload", "a.!!!.c", "", ""},
		{"payload not JSON", "a.bm90LWpzb24.c", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			iss, s := claims(tt.token)
			if iss != tt.iss || s != tt.sub {
				t.Errorf("claims = %q, %q; want %q, %q", iss, s, tt.iss, tt.sub)
			}
		})
	}
}

func TestTemplates(t *testing.T) {
	deployments := `{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
 {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "api", "namespace": "payments"},
  "spec": {"replicas": 2, "template": {"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api", "image": "i"}]}}}},
 {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "other", "namespace": "payments"},
  "spec": {"template": {"spec": {"containers": [{"name": "o", "image": "o"}]}}}}]}`
	cronjobs := `{"apiVersion": "v1", "kind": "List", "metadata": {"resourceVersion": ""}, "items": [
 {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "report", "namespace": "payments"},
  "spec": {"schedule": "0 * * * *", "jobTemplate": {"spec": {"template": {"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "r", "image": "r"}]}}}}}}]}`
	caps := []bundle.Capture{
		{Path: "kube/version.json", Data: []byte(`{"serverVersion": {"major": "1", "minor": "31"}}`)},
		{Path: "kube/deployments-payments.json", Data: []byte(deployments)},
		{Path: "kube/cronjobs-payments.json", Data: []byte(cronjobs)},
		{Path: "111122223333/get-role-x.json", Data: []byte(`{"Role": {}}`)},
	}
	got, err := Templates(caps, []Ref{{"CronJob", "payments", "report"}, {"Deployment", "payments", "api"}, {"Deployment", "payments", "gone"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []Workload{
		{Kind: "CronJob", Namespace: "payments", Name: "report", Template: json.RawMessage(`{"spec": {"restartPolicy": "OnFailure", "containers": [{"name": "r", "image": "r"}]}}`)},
		{Kind: "Deployment", Namespace: "payments", Name: "api", Template: json.RawMessage(`{"metadata": {"labels": {"app": "api"}}, "spec": {"containers": [{"name": "api", "image": "i"}]}}`)},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("Templates (-want +got):\n%s", diff)
	}
	if _, err := Templates([]bundle.Capture{{Path: "kube/pods.json", Data: []byte("{")}}, nil); err == nil || err.Error() != "read capture kube/pods.json: unexpected end of JSON input" {
		t.Errorf("Templates of a broken capture: err = %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
