package testenv

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	admissionv1 "k8s.io/api/admission/v1"
	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// WebhookPath is where the test webhook serves admission reviews (the OSS
// webhook's path, deploy/mutatingwebhook.yaml; docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache).
const WebhookPath = "/mutate"

// WebhookOptions configure StartWebhook; the zero value is EKS's webhook.
type WebhookOptions struct {
	// Config is the webhook's flags (the zero value: upstream defaults).
	Config webhook.Config
	// AdmissionReviewVersions of the registration; nil means ["v1beta1"],
	// what the shipped configuration lists (docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions, docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache). The
	// server answers in the version it is asked in (v1 or v1beta1, whose
	// JSON is the same).
	AdmissionReviewVersions []string
	// FailurePolicy; "" means Ignore, as shipped (§1.5).
	FailurePolicy admissionregistrationv1.FailurePolicyType
	// NoRegister starts the server without creating the
	// MutatingWebhookConfiguration (a test registering its own, or testing
	// a cluster where it is missing, IRSA107).
	NoRegister bool
}

// Webhook is a running test pod identity webhook: an HTTPS admission/v1
// server that mutates pods as amazon-eks-pod-identity-webhook does, through
// the project's model of it (webhook.Mutate), with the ServiceAccount read
// live at admission.
type Webhook struct {
	// URL is the admission endpoint, https://127.0.0.1:<port>/mutate.
	URL string
	// Configuration is the MutatingWebhookConfiguration as the apiserver
	// stored it (nil with NoRegister).
	Configuration *admissionregistrationv1.MutatingWebhookConfiguration

	cfg    webhook.Config
	client kubernetes.Interface
	srv    *http.Server

	mu    sync.Mutex
	calls []WebhookCall
}

// WebhookCall records one admission request the webhook answered.
type WebhookCall struct {
	Namespace string
	// Name is the pod's name ("" for a pod created with generateName only).
	Name           string
	ServiceAccount string
	DryRun         bool
	Mutated        bool
	// Reason is webhook.Result.Reason: why the pod was not mutated.
	Reason string
}

// MutatingWebhookConfiguration returns the configuration EKS ships for the
// pod identity webhook (docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache): configuration
// "pod-identity-webhook", webhook "iam-for-pods.amazonaws.com", CREATE of
// v1 pods only, failurePolicy Ignore, sideEffects None (which lets the
// apiserver call it for dry-run requests too), no namespaceSelector, and an
// objectSelector skipping pods labelled eks.amazonaws.com/skip-pod-identity-webhook.
// url and caBundle say where the webhook is; opts may change the versions
// and failure policy.
func MutatingWebhookConfiguration(url string, caBundle []byte, opts WebhookOptions) *admissionregistrationv1.MutatingWebhookConfiguration {
	versions := opts.AdmissionReviewVersions
	if versions == nil {
		versions = []string{"v1beta1"}
	}
	policy := opts.FailurePolicy
	if policy == "" {
		policy = admissionregistrationv1.Ignore
	}
	sideEffects := admissionregistrationv1.SideEffectClassNone
	return &admissionregistrationv1.MutatingWebhookConfiguration{
		ObjectMeta: metav1.ObjectMeta{Name: webhook.ConfigurationName},
		Webhooks: []admissionregistrationv1.MutatingWebhook{{
			Name:         webhook.EKSWebhookName,
			ClientConfig: admissionregistrationv1.WebhookClientConfig{URL: &url, CABundle: caBundle},
			Rules: []admissionregistrationv1.RuleWithOperations{{
				Operations: []admissionregistrationv1.OperationType{admissionregistrationv1.Create},
				Rule: admissionregistrationv1.Rule{
					APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"},
				},
			}},
			FailurePolicy: &policy,
			ObjectSelector: &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{
				Key: webhook.LabelSkip, Operator: metav1.LabelSelectorOpDoesNotExist,
			}}},
			SideEffects:             &sideEffects,
			AdmissionReviewVersions: versions,
		}},
	}
}

// StartWebhook starts the test webhook with a serving certificate of the
// harness CA and, unless opts.NoRegister, registers it through a
// MutatingWebhookConfiguration (see MutatingWebhookConfiguration). The
// server stops and the configuration is deleted in t.Cleanup.
func (c *Cluster) StartWebhook(t testing.TB, opts WebhookOptions) *Webhook {
	t.Helper()
	w, err := c.startWebhook(opts)
	if err != nil {
		t.Fatalf("start test webhook: %v", err)
	}
	t.Cleanup(func() {
		w.Close()
		if w.Configuration != nil {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			err := c.Admin.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Delete(ctx, w.Configuration.Name, metav1.DeleteOptions{})
			if err != nil && !apierrors.IsNotFound(err) {
				t.Errorf("delete MutatingWebhookConfiguration %s: %v", w.Configuration.Name, err)
			}
		}
	})
	return w
}

func (c *Cluster) startWebhook(opts WebhookOptions) (*Webhook, error) {
	kp, err := c.CA.serving("pod-identity-webhook")
	if err != nil {
		return nil, err
	}
	cert, err := kp.TLSCertificate(c.CA)
	if err != nil {
		return nil, err
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	cfg := opts.Config
	// The skip label acts through the configuration's objectSelector, not
	// through the webhook's code (§1.1): leave it to the apiserver, so a
	// test of the selector tests the real thing.
	cfg.IgnoreSkipLabel = true
	w := &Webhook{URL: "https://" + l.Addr().String() + WebhookPath, cfg: cfg, client: c.Admin.Client}
	mux := http.NewServeMux()
	mux.HandleFunc(WebhookPath, w.serveAdmission)
	w.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = w.srv.Serve(l) }()
	if opts.NoRegister {
		return w, nil
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	w.Configuration, err = c.Admin.Client.AdmissionregistrationV1().MutatingWebhookConfigurations().Create(ctx,
		MutatingWebhookConfiguration(w.URL, c.CA.CertPEM, opts), metav1.CreateOptions{})
	if err != nil {
		w.Close()
		return nil, fmt.Errorf("create MutatingWebhookConfiguration: %w", err)
	}
	if err := w.awaitCalled(ctx); err != nil {
		w.Close()
		return nil, err
	}
	return w, nil
}

// awaitCalled waits until the apiserver calls the webhook: it reads
// webhook configurations through an informer, so a pod created right
// after the configuration may be admitted without it (a test then sees
// IRSA104 now and then). It dry-run creates a probe pod until the webhook
// records it, then forgets the probe's calls.
func (w *Webhook) awaitCalled(ctx context.Context) error {
	const probe = "irsa-doctor-webhook-ready"
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: probe, Namespace: metav1.NamespaceDefault},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "busybox"}}}}
	for {
		_, err := w.client.CoreV1().Pods(metav1.NamespaceDefault).Create(ctx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
		if err != nil && ctx.Err() == nil && !apierrors.IsForbidden(err) {
			return fmt.Errorf("dry-run create the webhook's probe pod: %w", err)
		}
		w.mu.Lock()
		called := false
		for _, c := range w.calls {
			called = called || c.Name == probe
		}
		if called {
			w.calls = nil
		}
		w.mu.Unlock()
		if called {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("the apiserver did not call the webhook within 10s of its configuration")
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// Close stops the server. The configuration stays: with failurePolicy
// Ignore the apiserver then admits pods unmutated, the silent outage of
// docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache.
func (w *Webhook) Close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = w.srv.Shutdown(ctx)
}

// Calls returns the admission requests answered so far, in order.
func (w *Webhook) Calls() []WebhookCall {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]WebhookCall(nil), w.calls...)
}

// serveAdmission answers one AdmissionReview. Every failure to mutate is an
// allowed, unpatched response, as the real webhook admits what it cannot
// handle.
func (w *Webhook) serveAdmission(rw http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		http.Error(rw, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		http.Error(rw, fmt.Sprintf("content type %q, want application/json", ct), http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 8<<20))
	if err != nil {
		http.Error(rw, fmt.Sprintf("read admission review: %v", err), http.StatusBadRequest)
		return
	}
	var review admissionv1.AdmissionReview
	if err := json.Unmarshal(body, &review); err != nil || review.Request == nil {
		http.Error(rw, fmt.Sprintf("decode admission review: %v", err), http.StatusBadRequest)
		return
	}
	resp, call := w.admit(r.Context(), review.Request)
	w.mu.Lock()
	w.calls = append(w.calls, call)
	w.mu.Unlock()
	resp.UID = review.Request.UID
	// Answer in the request's version: admission.k8s.io/v1 and v1beta1
	// share the JSON shape, and the apiserver insists on its own version.
	out := admissionv1.AdmissionReview{TypeMeta: review.TypeMeta, Response: resp}
	data, err := json.Marshal(out)
	if err != nil {
		http.Error(rw, fmt.Sprintf("encode admission review: %v", err), http.StatusInternalServerError)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	_, _ = rw.Write(data)
}

// admit computes the response for one request.
func (w *Webhook) admit(ctx context.Context, req *admissionv1.AdmissionRequest) (*admissionv1.AdmissionResponse, WebhookCall) {
	allow := &admissionv1.AdmissionResponse{Allowed: true}
	call := WebhookCall{Namespace: req.Namespace, Name: req.Name, DryRun: req.DryRun != nil && *req.DryRun}
	if req.Kind.Kind != "Pod" || req.Operation != admissionv1.Create {
		call.Reason = fmt.Sprintf("not a pod CREATE (%s %s)", req.Operation, req.Kind.Kind)
		return allow, call
	}
	var pod corev1.Pod
	if err := json.Unmarshal(req.Object.Raw, &pod); err != nil {
		call.Reason = fmt.Sprintf("decode pod: %v", err)
		return allow, call
	}
	var spod snapshot.Pod
	if err := json.Unmarshal(req.Object.Raw, &spod); err != nil {
		call.Reason = fmt.Sprintf("decode pod: %v", err)
		return allow, call
	}
	if call.Name == "" {
		call.Name = pod.Name
	}
	// The ServiceAccount admission plugin has already defaulted the name.
	call.ServiceAccount = pod.Spec.ServiceAccountName

	// The real webhook reads an informer cache; a live GET is that cache
	// kept perfectly in sync, and NotFound is its cache miss: not mutated
	// (docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache, "Service account ... not found in the cache").
	var sa *snapshot.ServiceAccount
	got, err := w.client.CoreV1().ServiceAccounts(req.Namespace).Get(ctx, pod.Spec.ServiceAccountName, metav1.GetOptions{})
	switch {
	case err == nil:
		sa = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{
			Name: got.Name, Namespace: got.Namespace, Labels: got.Labels, Annotations: got.Annotations,
		}}
	case apierrors.IsNotFound(err):
	default:
		call.Reason = fmt.Sprintf("get serviceaccount %s/%s: %v", req.Namespace, pod.Spec.ServiceAccountName, err)
		return allow, call
	}

	res := webhook.Mutate(req.Namespace, &spod.ObjectMeta, &spod.Spec, sa, w.cfg)
	call.Mutated, call.Reason = res.Mutated, res.Reason
	if !res.Mutated {
		return allow, call
	}
	patch, err := jsonPatch(&pod, res)
	if err != nil {
		call.Mutated, call.Reason = false, err.Error()
		return allow, call
	}
	pt := admissionv1.PatchTypeJSONPatch
	allow.Patch, allow.PatchType = patch, &pt
	return allow, call
}

type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path"`
	Value any    `json:"value,omitempty"`
}

// jsonPatch turns webhook.Mutate's result into the webhook's JSON patch
// (handler.go getPodSpecPatch; docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions): "add /spec/volumes/0"
// (or /spec/volumes when the pod has none) and a full replacement of
// /spec/initContainers and /spec/containers. The result is applied to the
// typed pod so that fields the snapshot model does not carry are kept:
// Mutate only appends env vars and mounts to containers and prepends the
// volume, so the new items are the tails of the mutated spec's lists.
func jsonPatch(pod *corev1.Pod, res webhook.Result) ([]byte, error) {
	var ops []patchOp
	if res.VolumeAdded && res.Volume != nil {
		var vol corev1.Volume
		if err := convert(res.Volume, &vol); err != nil {
			return nil, fmt.Errorf("convert volume: %w", err)
		}
		// The real patch leaves defaultMode to the apiserver's defaulting
		// (§1.2); Mutate fills in the value that defaulting gives.
		if vol.Projected != nil {
			vol.Projected.DefaultMode = nil
		}
		if len(pod.Spec.Volumes) == 0 {
			ops = append(ops, patchOp{Op: "add", Path: "/spec/volumes", Value: []corev1.Volume{vol}})
		} else {
			ops = append(ops, patchOp{Op: "add", Path: "/spec/volumes/0", Value: vol})
		}
	}
	if len(pod.Spec.InitContainers) > 0 {
		init, err := appendTails(pod.Spec.InitContainers, res.Spec.InitContainers)
		if err != nil {
			return nil, err
		}
		ops = append(ops, patchOp{Op: "add", Path: "/spec/initContainers", Value: init})
	}
	containers, err := appendTails(pod.Spec.Containers, res.Spec.Containers)
	if err != nil {
		return nil, err
	}
	ops = append(ops, patchOp{Op: "add", Path: "/spec/containers", Value: containers})
	// Pod Identity mode labels the pod (§1.4).
	for k, v := range res.AddedLabels {
		if pod.Labels == nil {
			ops = append(ops, patchOp{Op: "add", Path: "/metadata/labels", Value: map[string]string{k: v}})
			pod.Labels = map[string]string{k: v}
			continue
		}
		ops = append(ops, patchOp{Op: "add", Path: "/metadata/labels/" + escapePointer(k), Value: v})
	}
	return json.Marshal(ops)
}

// appendTails copies the containers with the env vars and mounts that the
// mutated snapshot containers have beyond the originals.
func appendTails(orig []corev1.Container, mutated []snapshot.Container) ([]corev1.Container, error) {
	if len(orig) != len(mutated) {
		return nil, fmt.Errorf("mutated spec has %d containers, the pod %d", len(mutated), len(orig))
	}
	out := make([]corev1.Container, len(orig))
	for i := range orig {
		c := *orig[i].DeepCopy()
		m := mutated[i]
		if len(m.Env) < len(c.Env) || len(m.VolumeMounts) < len(c.VolumeMounts) {
			return nil, fmt.Errorf("container %s lost env vars or mounts in mutation", c.Name)
		}
		for _, e := range m.Env[len(c.Env):] {
			c.Env = append(c.Env, corev1.EnvVar{Name: e.Name, Value: e.Value})
		}
		for _, vm := range m.VolumeMounts[len(c.VolumeMounts):] {
			c.VolumeMounts = append(c.VolumeMounts, corev1.VolumeMount{Name: vm.Name, MountPath: vm.MountPath, ReadOnly: vm.ReadOnly})
		}
		out[i] = c
	}
	return out, nil
}

// convert moves a snapshot value to its core/v1 twin: the snapshot types
// are the kubectl JSON shape.
func convert(from, to any) error {
	data, err := json.Marshal(from)
	if err != nil {
		return err
	}
	return json.Unmarshal(data, to)
}

// escapePointer escapes a JSON Pointer token (RFC 6901).
func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}
