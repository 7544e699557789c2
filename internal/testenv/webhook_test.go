package testenv

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes/fake"

	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// TestWebhookAdmission drives the webhook's HTTP handler directly (no
// apiserver needed): the exact AdmissionReview answer and JSON patch.
func TestWebhookAdmission(t *testing.T) {
	sa := &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{
		Name: "s3-reader", Namespace: "payments",
		Annotations: map[string]string{
			webhook.AnnotationRoleARN:     testRole,
			webhook.AnnotationSTSRegional: "true",
		},
	}}
	exp := int64(86400)
	vol := map[string]any{"name": "aws-iam-token", "projected": map[string]any{"sources": []any{
		map[string]any{"serviceAccountToken": map[string]any{"audience": "sts.amazonaws.com", "expirationSeconds": exp, "path": "token"}},
	}}}
	mount := map[string]any{"name": "aws-iam-token", "mountPath": webhook.MountPath, "readOnly": true}
	env := []any{
		map[string]any{"name": "AWS_STS_REGIONAL_ENDPOINTS", "value": "regional"},
		map[string]any{"name": "AWS_ROLE_ARN", "value": testRole},
		map[string]any{"name": "AWS_WEB_IDENTITY_TOKEN_FILE", "value": webhook.TokenPath},
	}
	tests := []struct {
		name       string
		apiVersion string
		kind       string
		pod        string
		wantPatch  []any // nil: allowed without a patch
		wantCall   WebhookCall
	}{
		{
			name:       "v1beta1 review with init container and a volume",
			apiVersion: "admission.k8s.io/v1beta1",
			kind:       "Pod",
			pod: `{"metadata":{"name":"app","namespace":"payments"},"spec":{"serviceAccountName":"s3-reader",
				"volumes":[{"name":"data","emptyDir":{}}],
				"initContainers":[{"name":"init","image":"busybox","command":["true"]}],
				"containers":[{"name":"app","image":"app:1","ports":[{"containerPort":8080}]}]}}`,
			wantPatch: []any{
				map[string]any{"op": "add", "path": "/spec/volumes/0", "value": vol},
				map[string]any{"op": "add", "path": "/spec/initContainers", "value": []any{map[string]any{
					"name": "init", "image": "busybox", "command": []any{"true"}, "env": env,
					"volumeMounts": []any{mount}, "resources": map[string]any{},
				}}},
				map[string]any{"op": "add", "path": "/spec/containers", "value": []any{map[string]any{
					"name": "app", "image": "app:1", "ports": []any{map[string]any{"containerPort": float64(8080)}}, "env": env,
					"volumeMounts": []any{mount}, "resources": map[string]any{},
				}}},
			},
			wantCall: WebhookCall{Namespace: "payments", Name: "app", ServiceAccount: "s3-reader", Mutated: true},
		},
		{
			name:       "v1 review of a pod without volumes",
			apiVersion: "admission.k8s.io/v1",
			kind:       "Pod",
			pod: `{"metadata":{"name":"app","namespace":"payments"},"spec":{"serviceAccountName":"s3-reader",
				"containers":[{"name":"app","image":"app:1"}]}}`,
			wantPatch: []any{
				map[string]any{"op": "add", "path": "/spec/volumes", "value": []any{vol}},
				map[string]any{"op": "add", "path": "/spec/containers", "value": []any{map[string]any{
					"name": "app", "image": "app:1", "env": env, "volumeMounts": []any{mount}, "resources": map[string]any{},
				}}},
			},
			wantCall: WebhookCall{Namespace: "payments", Name: "app", ServiceAccount: "s3-reader", Mutated: true},
		},
		{
			name:       "service account not found is a cache miss",
			apiVersion: "admission.k8s.io/v1",
			kind:       "Pod",
			pod:        `{"metadata":{"name":"app"},"spec":{"serviceAccountName":"ghost","containers":[{"name":"app"}]}}`,
			wantCall: WebhookCall{Namespace: "payments", Name: "app", ServiceAccount: "ghost",
				Reason: "ServiceAccount payments/ghost is not in the webhook's cache (it does not exist, or the webhook had not seen it yet)"},
		},
		{
			name:       "not a pod",
			apiVersion: "admission.k8s.io/v1",
			kind:       "ConfigMap",
			pod:        `{"metadata":{"name":"cm"}}`,
			wantCall:   WebhookCall{Namespace: "payments", Name: "app", Reason: "not a pod CREATE (CREATE ConfigMap)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := &Webhook{client: fake.NewClientset(sa), cfg: webhook.Config{IgnoreSkipLabel: true}}
			review := `{"apiVersion":"` + tt.apiVersion + `","kind":"AdmissionReview","request":{"uid":"abc-123",
				"kind":{"group":"","version":"v1","kind":"` + tt.kind + `"},"resource":{"group":"","version":"v1","resource":"pods"},
				"name":"app","namespace":"payments","operation":"CREATE","object":` + tt.pod + `}}`
			req := httptest.NewRequest(http.MethodPost, WebhookPath, strings.NewReader(review))
			req.Header.Set("Content-Type", "application/json")
			rec := httptest.NewRecorder()
			w.serveAdmission(rec, req)
			if rec.Code != http.StatusOK {
				t.Fatalf("status %d: %s", rec.Code, rec.Body)
			}
			var got struct {
				APIVersion string `json:"apiVersion"`
				Kind       string `json:"kind"`
				Response   struct {
					UID       string `json:"uid"`
					Allowed   bool   `json:"allowed"`
					PatchType string `json:"patchType"`
					Patch     []byte `json:"patch"`
				} `json:"response"`
			}
			if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
				t.Fatalf("decode response %s: %v", rec.Body, err)
			}
			if got.APIVersion != tt.apiVersion || got.Kind != "AdmissionReview" || got.Response.UID != "abc-123" || !got.Response.Allowed {
				t.Errorf("response %s %s uid %q allowed %v, want %s AdmissionReview uid abc-123 allowed",
					got.APIVersion, got.Kind, got.Response.UID, got.Response.Allowed, tt.apiVersion)
			}
			var patch []any
			if got.Response.Patch != nil {
				if got.Response.PatchType != "JSONPatch" {
					t.Errorf("patchType %q, want JSONPatch", got.Response.PatchType)
				}
				if err := json.Unmarshal(got.Response.Patch, &patch); err != nil {
					t.Fatalf("decode patch %s: %v", got.Response.Patch, err)
				}
			}
			if diff := cmp.Diff(normalize(t, tt.wantPatch), patch); diff != "" {
				t.Errorf("patch (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]WebhookCall{tt.wantCall}, w.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
		})
	}
}

// normalize gives v the types encoding/json decodes to (float64 numbers).
func normalize(t *testing.T, v []any) []any {
	t.Helper()
	if v == nil {
		return nil
	}
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out []any
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out
}
