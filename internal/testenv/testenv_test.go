package testenv

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/tools/clientcmd"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

const (
	testNS   = "payments"
	testRole = "arn:aws:iam::111122223333:role/payments-s3-reader"
)

// TestCluster is the harness's smoke test: one real cluster, exercised as
// the integration tests will use it.
func TestCluster(t *testing.T) {
	c := StartCluster(t, Options{Namespace: testNS})
	wh := c.StartWebhook(t, WebhookOptions{})
	c.CreateNamespace(t, testNS, nil)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	admin := c.Admin.Client
	for _, sa := range []*corev1.ServiceAccount{
		{ObjectMeta: metav1.ObjectMeta{Name: "s3-reader", Annotations: map[string]string{webhook.AnnotationRoleARN: testRole}}},
		{ObjectMeta: metav1.ObjectMeta{Name: "plain"}},
	} {
		if _, err := admin.CoreV1().ServiceAccounts(testNS).Create(ctx, sa, metav1.CreateOptions{}); err != nil {
			t.Fatalf("create serviceaccount %s: %v", sa.Name, err)
		}
	}

	t.Run("kubeconfig namespace", func(t *testing.T) {
		cfg, err := clientcmd.LoadFromFile(c.Admin.Kubeconfig)
		if err != nil {
			t.Fatal(err)
		}
		if got := cfg.Contexts[cfg.CurrentContext].Namespace; got != testNS {
			t.Errorf("admin kubeconfig context namespace = %q, want %q", got, testNS)
		}
		other, err := clientcmd.LoadFromFile(c.Admin.KubeconfigIn(t, "other"))
		if err != nil {
			t.Fatal(err)
		}
		if got := other.Contexts[other.CurrentContext].Namespace; got != "other" {
			t.Errorf("KubeconfigIn(other) context namespace = %q, want other", got)
		}
	})

	// Each case creates one pod (or dry-runs it) and states what the
	// webhook must have done to it, through the real admission chain.
	exp := int64(86400)
	mode := int32(420)
	tokenVolume := corev1.Volume{Name: webhook.VolumeName, VolumeSource: corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{
		Sources: []corev1.VolumeProjection{{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{
			Audience: webhook.DefaultAudience, ExpirationSeconds: &exp, Path: "token",
		}}},
		// Not in the webhook's patch: the apiserver's defaulting (§1.2).
		DefaultMode: &mode,
	}}}
	irsaEnv := []corev1.EnvVar{
		{Name: webhook.EnvRoleARN, Value: testRole},
		{Name: webhook.EnvTokenFile, Value: webhook.TokenPath},
	}
	tokenMount := corev1.VolumeMount{Name: webhook.VolumeName, MountPath: webhook.MountPath, ReadOnly: true}
	tests := []struct {
		name   string
		pod    *corev1.Pod
		dryRun bool
		// wantCall is the webhook's record; nil: the webhook is not called.
		wantCall *WebhookCall
		// wantEnv, wantMount, wantVolume describe container "app" and the
		// token volume (nil: absent).
		wantEnv    []corev1.EnvVar
		wantMount  *corev1.VolumeMount
		wantVolume *corev1.Volume
	}{
		{
			name:       "annotated service account",
			pod:        testPod("app", "s3-reader", nil),
			wantCall:   &WebhookCall{Namespace: testNS, Name: "app", ServiceAccount: "s3-reader", Mutated: true},
			wantEnv:    append([]corev1.EnvVar{{Name: "KEEP", Value: "1"}}, irsaEnv...),
			wantMount:  &tokenMount,
			wantVolume: &tokenVolume,
		},
		{
			name:     "service account without role annotation",
			pod:      testPod("plain", "plain", nil),
			wantCall: &WebhookCall{Namespace: testNS, Name: "plain", ServiceAccount: "plain", Reason: "ServiceAccount payments/plain has no eks.amazonaws.com/role-arn annotation"},
			wantEnv:  []corev1.EnvVar{{Name: "KEEP", Value: "1"}},
		},
		{
			// The objectSelector keeps the apiserver from calling the webhook.
			name:    "skip label",
			pod:     testPod("skipped", "s3-reader", map[string]string{webhook.LabelSkip: "true"}),
			wantEnv: []corev1.EnvVar{{Name: "KEEP", Value: "1"}},
		},
		{
			// sideEffects None: the webhook is called for dry-run creates, which
			// the --probe uses, and nothing is stored.
			name:       "server-side dry run",
			pod:        testPod("dry", "s3-reader", nil),
			dryRun:     true,
			wantCall:   &WebhookCall{Namespace: testNS, Name: "dry", ServiceAccount: "s3-reader", DryRun: true, Mutated: true},
			wantEnv:    append([]corev1.EnvVar{{Name: "KEEP", Value: "1"}}, irsaEnv...),
			wantMount:  &tokenMount,
			wantVolume: &tokenVolume,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(wh.Calls())
			opts := metav1.CreateOptions{}
			if tt.dryRun {
				opts.DryRun = []string{metav1.DryRunAll}
			}
			got, err := admin.CoreV1().Pods(testNS).Create(ctx, tt.pod, opts)
			if err != nil {
				t.Fatalf("create pod: %v", err)
			}
			calls := wh.Calls()[before:]
			var wantCalls []WebhookCall
			if tt.wantCall != nil {
				wantCalls = []WebhookCall{*tt.wantCall}
			}
			if diff := cmp.Diff(wantCalls, calls, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("webhook calls (-want +got):\n%s", diff)
			}
			app := got.Spec.Containers[0]
			if diff := cmp.Diff(tt.wantEnv, app.Env); diff != "" {
				t.Errorf("container env (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantMount, findMount(app.VolumeMounts, webhook.VolumeName)); diff != "" {
				t.Errorf("token mount (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.wantVolume, findVolume(got.Spec.Volumes, webhook.VolumeName)); diff != "" {
				t.Errorf("token volume (-want +got):\n%s", diff)
			}
			if tt.wantVolume != nil && got.Spec.Volumes[0].Name != webhook.VolumeName {
				t.Errorf("first volume is %s, want %s (the patch adds /spec/volumes/0)", got.Spec.Volumes[0].Name, webhook.VolumeName)
			}
			_, err = admin.CoreV1().Pods(testNS).Get(ctx, tt.pod.Name, metav1.GetOptions{})
			if stored := err == nil; stored == tt.dryRun {
				t.Errorf("pod stored = %v after a create with dry run %v (get: %v)", stored, tt.dryRun, err)
			}
		})
	}

	t.Run("pod with missing service account is rejected", func(t *testing.T) {
		// The ServiceAccount admission plugin, as on EKS: a pod that runs with
		// a missing SA exists only when the SA was deleted after the pod.
		_, err := admin.CoreV1().Pods(testNS).Create(ctx, testPod("orphan", "missing", nil), metav1.CreateOptions{})
		if !apierrors.IsForbidden(err) || !strings.Contains(err.Error(), `serviceaccount "missing" not found`) {
			t.Errorf("create pod with a missing serviceaccount: got %v, want Forbidden: ...serviceaccount \"missing\" not found", err)
		}
	})

	hc := c.HTTPClient()
	var discovery struct {
		Issuer  string   `json:"issuer"`
		JWKSURI string   `json:"jwks_uri"`
		Algs    []string `json:"id_token_signing_alg_values_supported"`
	}
	getJSON(t, hc, c.Issuer+DiscoveryPath, &discovery)
	t.Run("discovery through the proxy", func(t *testing.T) {
		want := struct {
			Issuer  string   `json:"issuer"`
			JWKSURI string   `json:"jwks_uri"`
			Algs    []string `json:"id_token_signing_alg_values_supported"`
		}{Issuer: c.Issuer, JWKSURI: c.Issuer + JWKSPath, Algs: []string{"RS256"}}
		if diff := cmp.Diff(want, discovery); diff != "" {
			t.Errorf("discovery document (-want +got):\n%s", diff)
		}
		if want := "https://" + IssuerHost + "/id/" + c.IssuerID; c.Issuer != want || len(c.IssuerID) != 32 {
			t.Errorf("issuer %s (ID %q): want %s with 32 hex digits", c.Issuer, c.IssuerID, want)
		}
		// The EKS shape: no port, so IAM would take it as a provider URL.
		if hp, err := arn.IssuerHostPath(c.Issuer); err != nil || hp != IssuerHost+"/id/"+c.IssuerID {
			t.Errorf("arn.IssuerHostPath(%s) = %q, %v; want %s/id/%s", c.Issuer, hp, err, IssuerHost, c.IssuerID)
		}
		// The issuer has a path: nothing is served at the proxy's root.
		resp, err := hc.Get(c.OIDC.URL + DiscoveryPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("GET %s%s: %s, want 404", c.OIDC.URL, DiscoveryPath, resp.Status)
		}
	})

	t.Run("proxy certificate names the issuer host", func(t *testing.T) {
		resp, err := hc.Get(c.Issuer + JWKSPath)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		chain := resp.TLS.PeerCertificates
		if len(chain) != 2 || chain[1].Subject.CommonName != "irsa-doctor-testenv-ca" {
			t.Fatalf("chain served: %d certificates, want the leaf and the harness CA", len(chain))
		}
		if err := chain[0].VerifyHostname(IssuerHost); err != nil {
			t.Errorf("leaf does not name %s: %v (DNS names %v)", IssuerHost, err, chain[0].DNSNames)
		}
		if got := resp.Request.URL.Host; got != IssuerHost {
			t.Errorf("request host %q, want %q (no port)", got, IssuerHost)
		}
	})

	var jwks jose.JSONWebKeySet
	getJSON(t, hc, discovery.JWKSURI, &jwks)
	t.Run("token request", func(t *testing.T) {
		if len(jwks.Keys) != 1 || jwks.Keys[0].Algorithm != "RS256" || jwks.Keys[0].Use != "sig" {
			t.Fatalf("JWKS: want one RS256 signing key, got %+v", jwks.Keys)
		}
		seconds := int64(3600)
		tr, err := admin.CoreV1().ServiceAccounts(testNS).CreateToken(ctx, "s3-reader", &authenticationv1.TokenRequest{
			Spec: authenticationv1.TokenRequestSpec{Audiences: []string{webhook.DefaultAudience}, ExpirationSeconds: &seconds},
		}, metav1.CreateOptions{})
		if err != nil {
			t.Fatalf("TokenRequest: %v", err)
		}
		sig, err := jose.ParseSignedCompact(tr.Status.Token, []jose.SignatureAlgorithm{jose.RS256})
		if err != nil {
			t.Fatalf("parse token: %v", err)
		}
		// Verified with the key published through the proxy, as STS does.
		payload, err := sig.Verify(jwks.Keys[0].Key)
		if err != nil {
			t.Fatalf("verify token with the published JWKS: %v", err)
		}
		var claims struct {
			Iss string   `json:"iss"`
			Sub string   `json:"sub"`
			Aud []string `json:"aud"`
		}
		if err := json.Unmarshal(payload, &claims); err != nil {
			t.Fatal(err)
		}
		want := claims
		want.Iss, want.Sub, want.Aud = c.Issuer, "system:serviceaccount:payments:s3-reader", []string{webhook.DefaultAudience}
		if diff := cmp.Diff(want, claims); diff != "" {
			t.Errorf("token claims (-want +got):\n%s", diff)
		}
	})

	t.Run("user bound to nothing is forbidden", func(t *testing.T) {
		u := c.CreateUser(t, "nobody", "testers")
		_, err := u.Client.CoreV1().Pods(testNS).List(ctx, metav1.ListOptions{})
		want := `pods is forbidden: User "nobody" cannot list resource "pods" in API group "" in the namespace "payments"`
		if !apierrors.IsForbidden(err) || err.Error() != want {
			t.Errorf("list pods as nobody: got %v, want Forbidden %q", err, want)
		}
	})

	t.Run("apply binds a user", func(t *testing.T) {
		u := c.CreateUser(t, "reader")
		c.Apply(t, []byte(`apiVersion: rbac.authorization.k8s.io/v1
kind: Role
metadata: {name: pod-reader, namespace: payments}
rules:
- {apiGroups: [""], resources: [pods], verbs: [list]}
---
apiVersion: rbac.authorization.k8s.io/v1
kind: RoleBinding
metadata: {name: reader, namespace: payments}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: Role, name: pod-reader}
subjects:
- {apiGroup: rbac.authorization.k8s.io, kind: User, name: reader}
`))
		pods, err := u.Client.CoreV1().Pods(testNS).List(ctx, metav1.ListOptions{})
		if err != nil {
			t.Fatalf("list pods as reader: %v", err)
		}
		var names []string
		for _, p := range pods.Items {
			names = append(names, p.Name)
		}
		if diff := cmp.Diff([]string{"app", "plain", "skipped"}, names); diff != "" {
			t.Errorf("pods (-want +got):\n%s", diff)
		}
	})
}

func testPod(name, sa string, labels map[string]string) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
		Spec: corev1.PodSpec{
			ServiceAccountName: sa,
			Containers: []corev1.Container{{
				Name: "app", Image: "registry.example/app:1",
				Env: []corev1.EnvVar{{Name: "KEEP", Value: "1"}},
			}},
		},
	}
}

func findMount(ms []corev1.VolumeMount, name string) *corev1.VolumeMount {
	for i := range ms {
		if ms[i].Name == name {
			return &ms[i]
		}
	}
	return nil
}

func findVolume(vs []corev1.Volume, name string) *corev1.Volume {
	for i := range vs {
		if vs[i].Name == name {
			return &vs[i]
		}
	}
	return nil
}

func getJSON(t *testing.T, hc *http.Client, url string, into any) {
	t.Helper()
	resp, err := hc.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s: %s", url, resp.Status, body)
	}
	if err := json.Unmarshal(body, into); err != nil {
		t.Fatalf("GET %s: decode: %v", url, err)
	}
}
