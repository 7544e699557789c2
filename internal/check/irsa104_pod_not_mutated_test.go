package check

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"fmt"
	"math/big"
	"sort"
	"strings"
	"testing"
	"time"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// Fixtures shared by the tests of the webhook checks (IRSA104-111).

const (
	whRole    = "arn:aws:iam::111122223333:role/s3-reader"
	whOldRole = "arn:aws:iam::111122223333:role/s3-reader-old"
)

var (
	whNow  = time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	whPods = snapshot.Source{Kind: "bundle", Ref: "pods.json"}
	whSAs  = snapshot.Source{Kind: "bundle", Ref: "serviceaccounts.json"}
	whWHs  = snapshot.Source{Kind: "bundle", Ref: "mutatingwebhookconfigurations.json"}
	whWLs  = snapshot.Source{Kind: "bundle", Ref: "deployments.json"}
	whNSs  = snapshot.Source{Kind: "bundle", Ref: "namespaces.json"}
	whTrue = true
)

// whSnapshot: namespace payments with ServiceAccount s3-reader annotated
// with whRole (created 2026-11-01), the complete SA list, and the EKS
// pod-identity-webhook configuration, listed.
func whSnapshot(mods ...func(*snapshot.Snapshot)) *snapshot.Snapshot {
	s := snapshot.New("offline")
	s.ServiceAccounts["payments/s3-reader"] = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{
		Namespace: "payments", Name: "s3-reader", CreationTimestamp: "2026-11-01T09:00:00Z",
		Annotations: map[string]string{webhook.AnnotationRoleARN: whRole}}, Source: whSAs}
	s.ServiceAccounts["payments/default"] = &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{
		Namespace: "payments", Name: "default", CreationTimestamp: "2026-10-01T09:00:00Z"}, Source: whSAs}
	s.Listings = append(s.Listings,
		snapshot.Listing{Kind: snapshot.KindServiceAccount, Namespace: "payments", Source: whSAs},
		snapshot.Listing{Kind: snapshot.KindWebhookConfiguration, AllNamespaces: true, Source: whWHs})
	s.Webhooks = []*snapshot.WebhookConfiguration{whEKSConfig(), {ObjectMeta: snapshot.ObjectMeta{Name: "vpc-resource-mutating-webhook"},
		Webhooks: []snapshot.MutatingWebhook{{Name: "mpod.vpc.k8s.aws"}}, Source: whWHs}}
	for _, m := range mods {
		m(s)
	}
	s.Sort()
	return s
}

// whCABundle is a caBundle valid at whNow.
var whCABundle = whCert(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2036, 1, 1, 0, 0, 0, 0, time.UTC))

// whCert returns a self-signed CA certificate valid from notBefore to
// notAfter, base64-encoded PEM as a caBundle is written.
func whCert(notBefore, notAfter time.Time) string {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return "generate key: " + err.Error()
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pod-identity-webhook-ca"},
		NotBefore: notBefore, NotAfter: notAfter, IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return "create certificate: " + err.Error()
	}
	return base64.StdEncoding.EncodeToString(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}))
}

// whEKSConfig is the pod-identity-webhook configuration as EKS installs it.
func whEKSConfig() *snapshot.WebhookConfiguration {
	url := "https://127.0.0.1:23443/mutate"
	return &snapshot.WebhookConfiguration{ObjectMeta: snapshot.ObjectMeta{Name: "pod-identity-webhook"}, Source: whWHs,
		Webhooks: []snapshot.MutatingWebhook{{
			Name:          "iam-for-pods.amazonaws.com",
			ClientConfig:  snapshot.WebhookClientConfig{URL: &url, CABundle: whCABundle},
			Rules:         []snapshot.RuleWithOperations{{Operations: []string{"CREATE"}, APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}}},
			FailurePolicy: "Ignore", MatchPolicy: "Equivalent", SideEffects: "None",
			NamespaceSelector: &snapshot.LabelSelector{}, ObjectSelector: &snapshot.LabelSelector{},
			AdmissionReviewVersions: []string{"v1beta1"},
		}}}
}

// whPod returns a running pod of Deployment api (ReplicaSet api-7d9f8b6c5)
// in payments, running as s3-reader, created 2026-11-20, unmutated.
func whPod(name string, mods ...func(*snapshot.Pod)) *snapshot.Pod {
	p := &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: name, CreationTimestamp: "2026-11-20T10:00:00Z",
		Labels:          map[string]string{"app": "api", "pod-template-hash": "7d9f8b6c5"},
		OwnerReferences: []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "api-7d9f8b6c5", Controller: &whTrue}}},
		Spec:   snapshot.PodSpec{ServiceAccountName: "s3-reader", Containers: []snapshot.Container{{Name: "app", Image: "example/api:1.4"}}},
		Status: snapshot.PodStatus{Phase: "Running"}, Source: whPods}
	for _, m := range mods {
		m(p)
	}
	return p
}

// whMutated applies what the webhook injects with the default config.
func whMutated(p *snapshot.Pod) {
	res := webhook.Mutate(p.Namespace, &p.ObjectMeta, &p.Spec, &snapshot.ServiceAccount{ObjectMeta: snapshot.ObjectMeta{
		Annotations: map[string]string{webhook.AnnotationRoleARN: whRole}}}, webhook.Config{IgnoreSkipLabel: true})
	p.Spec = *res.Spec
}

func whDeployment(mods ...func(*snapshot.Workload)) *snapshot.Workload {
	w := &snapshot.Workload{Kind: "Deployment", APIVersion: "apps/v1", Source: whWLs,
		ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "api", CreationTimestamp: "2026-11-02T10:00:00Z"},
		Template: snapshot.PodTemplate{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"app": "api"}},
			Spec: snapshot.PodSpec{ServiceAccountName: "s3-reader", Containers: []snapshot.Container{{Name: "app", Image: "example/api:1.4"}}}}}
	for _, m := range mods {
		m(w)
	}
	return w
}

// whRender runs the checks and renders every finding as the scenario
// runner does (want.txt blocks), sorted.
func whRender(t *testing.T, s *snapshot.Snapshot, sel model.Selector, checks ...*Check) []string {
	t.Helper()
	out := Run(s, Options{Checks: checks, Selector: sel, Now: whNow})
	var blocks []string
	for _, f := range out.Findings {
		var b strings.Builder
		fmt.Fprintf(&b, "%s %s %s: %s", f.CheckID, f.Status, f.Subject, f.Message)
		if f.Status == finding.StatusFail {
			for _, c := range checks {
				if c.ID == f.CheckID && c.Severity != f.Severity {
					fmt.Fprintf(&b, "\n  severity: %s", f.Severity)
				}
			}
		}
		for _, e := range f.Evidence {
			fmt.Fprintf(&b, "\n  evidence: %s %s: %s", e.Source, e.Ref, e.Value)
		}
		if f.Fix != nil {
			for _, c := range f.Fix.Commands {
				fmt.Fprintf(&b, "\n  fix: %s", c)
			}
		}
		blocks = append(blocks, b.String())
	}
	sort.Strings(blocks)
	return blocks
}

func TestIRSA104(t *testing.T) {
	job := func(p *snapshot.Pod) {
		p.Labels = map[string]string{"batch.kubernetes.io/job-name": "report-29123456"}
		p.OwnerReferences = []snapshot.OwnerReference{{APIVersion: "batch/v1", Kind: "Job", Name: "report-29123456", Controller: &whTrue}}
	}
	tests := []struct {
		name   string
		snap   func(*snapshot.Snapshot)
		sel    model.Selector
		checks []*Check
		heads  bool // compare first lines only
		want   []string
	}{
		{
			name: "unmutated pod of a Deployment",
			want: []string{
				"IRSA104 fail Pod payments/api-7d9f8b6c5-x2k4p: ServiceAccount \"s3-reader\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\", but container \"app\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE and the pod has no aws-iam-token volume: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader (created 2026-11-01T09:00:00Z): eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p (created 2026-11-20T10:00:00Z): containers without AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE: app\n  evidence: bundle pods.json: the webhook would now inject: container app: AWS_ROLE_ARN=arn:aws:iam::111122223333:role/s3-reader, AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token, mount aws-iam-token at /var/run/secrets/eks.amazonaws.com/serviceaccount; volume aws-iam-token (serviceAccountToken audience \"sts.amazonaws.com\", expirationSeconds 86400)\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  fix: kubectl rollout restart deployment/api -n payments",
			},
			snap: func(s *snapshot.Snapshot) { s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")} },
		},
		{
			name: "mutated pod",
			want: []string{
				"IRSA104 pass Pod payments/api-7d9f8b6c5-x2k4p: the pod was mutated: it has the aws-iam-token volume, and container \"app\" has the web identity variables",
			},
			snap:  func(s *snapshot.Snapshot) { s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated)} },
			heads: true,
		},
		{
			name: "service account not in the input",
			want: []string{
				"IRSA104 skipped Pod payments/api-7d9f8b6c5-x2k4p: ServiceAccount payments/ghost is not in the input (capture: kubectl get serviceaccount ghost -n payments -o json)",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) { p.Spec.ServiceAccountName = "ghost" })}
				s.Listings = nil
			},
			sel: model.Selector{Pods: []model.NamespacedName{{Namespace: "payments", Name: "api-7d9f8b6c5-x2k4p"}}},
		},
		{
			name: "service account without a role: nothing to judge",
			want: nil,
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) {
					p.Spec.ServiceAccountName = "default"
					p.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: whRole}}
				})}
			},
		},
		{
			name: "skip label: not expected to be mutated",
			want: []string{
				"IRSA104 pass Pod payments/api-7d9f8b6c5-x2k4p: the pod carries the label eks.amazonaws.com/skip-pod-identity-webhook, so the webhook is not expected to mutate it (IRSA111 judges the opt-out)",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) { p.Labels[webhook.LabelSkip] = "true" })}
				s.Webhooks[0].Webhooks[0].ObjectSelector = &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{
					{Key: webhook.LabelSkip, Operator: "DoesNotExist"}}}
			},
			heads: true,
		},
		{
			name: "skip label without a selector on it is inert",
			want: []string{
				"IRSA104 fail Pod payments/api-7d9f8b6c5-x2k4p: ServiceAccount \"s3-reader\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\", but container \"app\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE and the pod has no aws-iam-token volume: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) { p.Labels[webhook.LabelSkip] = "true" })}
			},
			heads: true,
		},
		{
			name: "every container skipped by annotation",
			want: []string{
				"IRSA104 pass Pod payments/api-7d9f8b6c5-x2k4p: every container is named in eks.amazonaws.com/skip-containers, so the webhook injects no variables (IRSA111 judges the skip)",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) {
					p.Annotations = map[string]string{webhook.AnnotationSkipContainers: "app"}
				})}
			},
			heads: true,
		},
		{
			name: "hand-written variables: nothing for the webhook to add",
			want: []string{
				"IRSA104 pass Pod payments/api-7d9f8b6c5-x2k4p: container \"app\" sets AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE itself, so the webhook has no credential variables to add (IRSA109 judges them)",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) {
					p.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: whRole}}
				})}
			},
			heads: true,
		},
		{
			name: "sidecar skipped, app not mutated",
			want: []string{
				"IRSA104 fail Pod payments/api-7d9f8b6c5-x2k4p: ServiceAccount \"s3-reader\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\", but container \"app\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE and the pod has no aws-iam-token volume: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) {
					p.Annotations = map[string]string{webhook.AnnotationSkipContainers: "istio-proxy"}
					p.Spec.Containers = append(p.Spec.Containers, snapshot.Container{Name: "istio-proxy"})
				})}
			},
			heads: true,
		},
		{
			name: "blocked by IRSA107 when the webhook is missing",
			want: []string{
				"IRSA104 skipped Pod payments/api-7d9f8b6c5-x2k4p: blocked by IRSA107",
				"IRSA107 fail MutatingWebhookConfiguration pod-identity-webhook: no MutatingWebhookConfiguration is named pod-identity-webhook or has a webhook named iam-for-pods.amazonaws.com or pod-identity-webhook.amazonaws.com: the API server calls no webhook to inject IRSA credentials into new pods",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
				s.Webhooks = s.Webhooks[1:]
			},
			checks: []*Check{irsa104, irsa107},
			heads:  true,
		},
		{
			name: "service account re-created after the pod; bare pod",
			want: []string{
				"IRSA104 fail Pod payments/debug: ServiceAccount \"s3-reader\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\", but container \"app\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE and the pod has no aws-iam-token volume: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader (created 2026-11-21T08:00:00Z): eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle pods.json: pod payments/debug (created 2026-11-20T10:00:00Z): containers without AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE: app\n  evidence: bundle serviceaccounts.json: the ServiceAccount was created 22h0m0s after the pod: it was re-created since, so its annotation cannot have applied when the pod was created\n  evidence: bundle pods.json: the webhook would now inject: container app: AWS_ROLE_ARN=arn:aws:iam::111122223333:role/s3-reader, AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token, mount aws-iam-token at /var/run/secrets/eks.amazonaws.com/serviceaccount; volume aws-iam-token (serviceAccountToken audience \"sts.amazonaws.com\", expirationSeconds 86400)\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  fix: kubectl delete pod debug -n payments",
			},
			snap: func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/s3-reader"].CreationTimestamp = "2026-11-21T08:00:00Z"
				s.Pods = []*snapshot.Pod{whPod("debug", func(p *snapshot.Pod) { p.OwnerReferences = nil; p.Labels = nil })}
			},
		},
		{
			name: "cache race; StatefulSet pod",
			want: []string{
				"IRSA104 fail Pod payments/db-0: ServiceAccount \"s3-reader\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\", but container \"app\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE and the pod has no aws-iam-token volume: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader (created 2026-11-20T09:59:57Z): eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle pods.json: pod payments/db-0 (created 2026-11-20T10:00:00Z): containers without AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE: app\n  evidence: bundle serviceaccounts.json: the ServiceAccount was created 3s before the pod: the webhook's ServiceAccount cache may not have held it yet when the pod was admitted (a known race when both are applied together)\n  evidence: bundle pods.json: the webhook would now inject: container app: AWS_ROLE_ARN=arn:aws:iam::111122223333:role/s3-reader, AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token, mount aws-iam-token at /var/run/secrets/eks.amazonaws.com/serviceaccount; volume aws-iam-token (serviceAccountToken audience \"sts.amazonaws.com\", expirationSeconds 86400)\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  fix: kubectl rollout restart statefulset/db -n payments",
			},
			snap: func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/s3-reader"].CreationTimestamp = "2026-11-20T09:59:57Z"
				s.Pods = []*snapshot.Pod{whPod("db-0", func(p *snapshot.Pod) {
					p.Labels = map[string]string{"controller-revision-hash": "db-5c9d8f7b6"}
					p.OwnerReferences = []snapshot.OwnerReference{{APIVersion: "apps/v1", Kind: "StatefulSet", Name: "db", Controller: &whTrue}}
				})}
			},
		},
		{
			name: "Job pod; a later pod of the same owner was mutated",
			want: []string{
				"IRSA104 fail Pod payments/report-29123456-abcde: ServiceAccount \"s3-reader\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\", but container \"app\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE and the pod has no aws-iam-token volume: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader (created 2026-11-01T09:00:00Z): eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle pods.json: pod payments/report-29123456-abcde (created 2026-11-20T10:00:00Z): containers without AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE: app\n  evidence: bundle pods.json: pod payments/report-29123456-fghij of the same owner, created 2026-11-21T10:00:00Z, was mutated: the webhook works now, and this pod predates the fix or the annotation\n  evidence: bundle pods.json: the webhook would now inject: container app: AWS_ROLE_ARN=arn:aws:iam::111122223333:role/s3-reader, AWS_WEB_IDENTITY_TOKEN_FILE=/var/run/secrets/eks.amazonaws.com/serviceaccount/token, mount aws-iam-token at /var/run/secrets/eks.amazonaws.com/serviceaccount; volume aws-iam-token (serviceAccountToken audience \"sts.amazonaws.com\", expirationSeconds 86400)\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  fix: kubectl delete pod report-29123456-abcde -n payments",
				"IRSA104 pass Pod payments/report-29123456-fghij: the pod was mutated: it has the aws-iam-token volume, and container \"app\" has the web identity variables",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("report-29123456-abcde", job),
					whPod("report-29123456-fghij", job, whMutated, func(p *snapshot.Pod) { p.CreationTimestamp = "2026-11-21T10:00:00Z" })}
			},
		},
		{
			name: "unmutated pod whose ServiceAccount now has a Pod Identity association: re-created, it gets Pod Identity",
			want: []string{
				"IRSA104 fail Pod payments/api-7d9f8b6c5-x2k4p: ServiceAccount \"s3-reader\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\", but container \"app\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE and the pod has no aws-iam-token volume: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader (created 2026-11-01T09:00:00Z): eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p (created 2026-11-20T10:00:00Z): containers without AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE: app\n  evidence: bundle pod-identity-associations.json: EKS Pod Identity association a-paymentss3-reader of cluster prod for ServiceAccount payments/s3-reader: the webhook would now inject Pod Identity (AWS_CONTAINER_CREDENTIALS_FULL_URI), not IRSA\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  fix: kubectl rollout restart deployment/api -n payments",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
				fx.Association("prod", "111122223333", "eu-west-1", "payments", "s3-reader")(s)
			},
		},
		{
			// 37-later-injected-sidecar: Vault's injector, called after the
			// pod identity webhook, adds vault-agent to a mutated pod.
			name: "sidecar added after the webhook ran: a warning naming it, no restart",
			want: []string{
				"IRSA104 fail Pod payments/api-7d9f8b6c5-x2k4p: the webhook mutated the pod (it has the aws-iam-token volume, and container \"app\" has the web identity variables), but container \"vault-agent\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE: it was added to the pod after the webhook ran, so it has no IRSA credentials and an AWS call from it falls back to the node's role (IMDS)\n  severity: warning\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p: volume aws-iam-token present; containers without AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE: vault-agent\n  evidence: bundle pods.json: the pod template of ReplicaSet api-7d9f8b6c5 has no container \"vault-agent\": a mutating webhook added it at admission\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has reinvocationPolicy Never\n  evidence: bundle mutatingwebhookconfigurations.json: MutatingWebhookConfigurations called after pod-identity-webhook (the API server calls them in name order): vault-agent-injector-cfg, vpc-resource-mutating-webhook",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated, func(p *snapshot.Pod) {
					p.Spec.Containers = append(p.Spec.Containers, snapshot.Container{Name: "vault-agent", Image: "hashicorp/vault:1.18.1"})
				})}
				s.Workloads = []*snapshot.Workload{whDeployment(func(w *snapshot.Workload) {
					w.Kind, w.Name = "ReplicaSet", "api-7d9f8b6c5"
				})}
				s.Webhooks = append(s.Webhooks, &snapshot.WebhookConfiguration{ObjectMeta: snapshot.ObjectMeta{Name: "vault-agent-injector-cfg"},
					Webhooks: []snapshot.MutatingWebhook{{Name: "vault.hashicorp.com"}}, Source: whWHs})
				s.Sort()
			},
		},
		{
			name: "no template in the input, every container lacks the variables, the volume is there: the webhook ran",
			want: []string{
				"IRSA104 fail Pod payments/api-7d9f8b6c5-x2k4p: the webhook mutated the pod (it has the aws-iam-token volume), but containers \"app\", \"sidecar\" have neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE: they were added to the pod after the webhook ran, so they have no IRSA credentials and an AWS call from them falls back to the node's role (IMDS)",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated, func(p *snapshot.Pod) {
					p.Spec.Containers = []snapshot.Container{{Name: "app"}, {Name: "sidecar"}}
				})}
			},
			heads: true,
		},
		{
			name: "the template declares the volume and no container was mutated: not mutated",
			want: []string{
				"IRSA104 fail Pod payments/api-7d9f8b6c5-x2k4p: ServiceAccount \"s3-reader\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\", but container \"app\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials",
			},
			snap: func(s *snapshot.Snapshot) {
				vol := snapshot.Volume{Name: webhook.VolumeName, Projected: &snapshot.ProjectedVolume{Sources: []snapshot.VolumeProjection{
					{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: webhook.DefaultAudience, Path: "token"}}}}}
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) { p.Spec.Volumes = []snapshot.Volume{vol} })}
				s.Workloads = []*snapshot.Workload{whDeployment(func(w *snapshot.Workload) { w.Template.Spec.Volumes = []snapshot.Volume{vol} })}
			},
			heads: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := tt.checks
			if checks == nil {
				checks = []*Check{irsa104}
			}
			got := whRender(t, whSnapshot(tt.snap), tt.sel, checks...)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

// Without the webhook's configuration in the input, IRSA108 is skipped and
// cannot rule out a webhook whose every call fails (webhook issue #225:
// admissionReviewVersions [v1]), so the restart IRSA104 advises comes with
// those causes and the capture that lets IRSA108 judge them.
func TestIRSA104RemedyWithoutConfiguration(t *testing.T) {
	s := whSnapshot(func(s *snapshot.Snapshot) {
		s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
		s.Webhooks = nil
		s.Listings = s.Listings[:1]
	})
	out := Run(s, Options{Checks: []*Check{irsa104, irsa108}, Now: whNow})
	want := "The webhook acts only when a pod is created. Restart Deployment api so that its pods are re-created and mutated:\n\n" +
		"    kubectl rollout restart deployment/api -n payments\n\n" +
		"If the new pods are not mutated either, the API server does not call the webhook for them or its calls fail, which a restart cannot fix: " +
		"a configuration whose `admissionReviewVersions` lists `v1` first makes the API server send AdmissionReview v1, which webhook releases up to v0.6.17 answer in a form it rejects " +
		"(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=`); " +
		"an invalid `caBundle` fails every call too, and a `namespaceSelector` or `objectSelector` can exclude the pod. " +
		"The input has no MutatingWebhookConfiguration: capture `kubectl get mutatingwebhookconfigurations -o json`, and for a self-managed webhook its image " +
		"(`kubectl get deployments,daemonsets -A -o json`), and run again so that IRSA108 judges them."
	var got []string
	for _, f := range out.Findings {
		got = append(got, fmt.Sprintf("%s %s %s: %s", f.CheckID, f.Status, f.Subject, f.Message))
		if f.CheckID == "IRSA104" && f.Remediation != want {
			t.Errorf("IRSA104 remediation:\n got %q\nwant %q", f.Remediation, want)
		}
	}
	wantHeads := []string{
		"IRSA104 fail Pod payments/api-7d9f8b6c5-x2k4p: ServiceAccount \"s3-reader\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\", but container \"app\" has neither AWS_ROLE_ARN nor AWS_WEB_IDENTITY_TOKEN_FILE and the pod has no aws-iam-token volume: the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials",
		"IRSA108 skipped MutatingWebhookConfiguration pod-identity-webhook: the input has no MutatingWebhookConfigurations (capture: kubectl get mutatingwebhookconfigurations -o json)",
	}
	sort.Strings(got)
	assertBlocks(t, got, wantHeads)
}

// A configuration listing only v1 (webhook issue #225) fails every call:
// IRSA108 reports it and IRSA104 names it as the cause instead of advising
// a restart.
func TestIRSA104BlockedByReviewVersion(t *testing.T) {
	s := whSnapshot(func(s *snapshot.Snapshot) {
		s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
		s.Webhooks[0].Webhooks[0].AdmissionReviewVersions = []string{"v1"}
	})
	got := headsOf(whRender(t, s, model.Selector{}, irsa104, irsa108))
	assertBlocks(t, got, []string{
		"IRSA104 skipped Pod payments/api-7d9f8b6c5-x2k4p: blocked by IRSA108",
		"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com lists admissionReviewVersions [v1], so the API server sends it AdmissionReview v1; the webhook's releases up to v0.6.17 answer only v1beta1, without apiVersion and kind, and the API server rejects every answer (expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=)",
		"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
	})
}
