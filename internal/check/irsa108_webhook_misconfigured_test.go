package check

import (
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA108(t *testing.T) {
	hook := func(s *snapshot.Snapshot) *snapshot.MutatingWebhook { return &s.Webhooks[0].Webhooks[0] }
	ns := func(labels map[string]string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.Namespaces["payments"] = &snapshot.Namespace{ObjectMeta: snapshot.ObjectMeta{Name: "payments", Labels: labels}, Source: whNSs}
		}
	}
	pod := func(s *snapshot.Snapshot) { s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")} }
	deploy := func(s *snapshot.Snapshot) { s.Workloads = []*snapshot.Workload{whDeployment()} }
	all := func(mods ...func(*snapshot.Snapshot)) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			for _, m := range mods {
				m(s)
			}
		}
	}
	svc := &snapshot.ServiceReference{Namespace: "default", Name: "pod-identity-webhook"}
	// selfManaged: the upstream configuration calling service
	// default/pod-identity-webhook, run by a Deployment with image (none
	// when "").
	selfManaged := func(image string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			hook(s).ClientConfig = snapshot.WebhookClientConfig{Service: svc, CABundle: whCABundle}
			if image != "" {
				s.Workloads = append(s.Workloads, &snapshot.Workload{Kind: "Deployment", APIVersion: "apps/v1", Source: whWLs,
					ObjectMeta: snapshot.ObjectMeta{Namespace: "default", Name: "pod-identity-webhook"},
					Template:   snapshot.PodTemplate{Spec: snapshot.PodSpec{Containers: []snapshot.Container{{Name: "pod-identity-webhook", Image: image}}}}})
			}
		}
	}
	tests := []struct {
		name  string
		snap  func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "EKS configuration: pod and template pass, pod folded",
			want: []string{
				"IRSA108 pass Deployment payments/api: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p has the same finding",
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
			}, snap: all(pod, deploy)},
		{
			name: "no CREATE rule for pods",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com has no rule for CREATE of v1 pods in the core group, so the API server never calls it when a pod is created\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook: rules [UPDATE \"\" v1 pods] [CREATE \"\" v1 pods/ephemeralcontainers]; clientConfig url https://127.0.0.1:23443/mutate, caBundle set\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).Rules = []snapshot.RuleWithOperations{{Operations: []string{"UPDATE"}, APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods"}},
					{Operations: []string{"CREATE"}, APIGroups: []string{""}, APIVersions: []string{"v1"}, Resources: []string{"pods/ephemeralcontainers"}}}
			}),
		},
		{
			name: "wildcard rule matches",
			want: []string{
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).Rules = []snapshot.RuleWithOperations{{Operations: []string{"*"}, APIGroups: []string{"*"}, APIVersions: []string{"*"}, Resources: []string{"*/*"}}}
			}),
			heads: true,
		},
		{
			name: "cluster scope excludes pods",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com has no rule for CREATE of v1 pods in the core group, so the API server never calls it when a pod is created",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				scope := "Cluster"
				hook(s).Rules[0].Scope = &scope
			}),
			heads: true,
		},
		{
			name: "service reference without caBundle",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com calls service default/pod-identity-webhook without a caBundle: the API server then verifies the serving certificate against its system roots, which an in-cluster certificate never chains to, so every call fails (x509: certificate signed by unknown authority)\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook: rules [CREATE \"\" v1 pods]; clientConfig service default/pod-identity-webhook, no caBundle\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).ClientConfig = snapshot.WebhookClientConfig{Service: svc}
			}),
		},
		{
			name: "URL without caBundle: warning",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com calls https://127.0.0.1:23443/mutate with an empty caBundle: calls succeed only if the endpoint's certificate chains to the API server's system roots\n  severity: warning\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook: rules [CREATE \"\" v1 pods]; clientConfig url https://127.0.0.1:23443/mutate, no caBundle\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, func(s *snapshot.Snapshot) { hook(s).ClientConfig.CABundle = "" }),
		},
		{
			name: "expired caBundle, failurePolicy Fail",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com: every certificate in its caBundle has expired (the last on 2025-01-01T00:00:00Z), so the API server cannot verify the webhook's certificate and every call fails\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Fail: while calls fail, pod creation is rejected with \"failed calling webhook\"\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook: rules [CREATE \"\" v1 pods]; clientConfig service default/pod-identity-webhook, caBundle set\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).ClientConfig = snapshot.WebhookClientConfig{Service: svc,
					CABundle: whCert(time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))}
				hook(s).FailurePolicy = "Fail"
			}),
		},
		{
			name: "caBundle that is not base64",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com: its caBundle is not valid base64, so the API server cannot verify the webhook's certificate and every call fails",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap:  all(pod, func(s *snapshot.Snapshot) { hook(s).ClientConfig.CABundle = "-----BEGIN CERTIFICATE-----" }),
			heads: true,
		},
		{
			name: "caBundle without a certificate",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com: its caBundle holds no PEM certificate, so the API server cannot verify the webhook's certificate and every call fails",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap:  all(pod, func(s *snapshot.Snapshot) { hook(s).ClientConfig.CABundle = "aGVsbG8=" }),
			heads: true,
		},
		{
			name: "configuration with no webhooks",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: the configuration has no webhooks, so nothing is called\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
			},
			snap: all(pod, func(s *snapshot.Snapshot) { s.Webhooks[0].Webhooks = nil }),
		},
		{
			name: "namespaceSelector excludes the namespace",
			want: []string{
				"IRSA108 fail Deployment payments/api: the namespaceSelector \"irsa=enabled\" of webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook does not select Namespace payments (irsa=enabled fails: label irsa is absent): the API server never sends the pod to the webhook, so it gets no IRSA credentials\n  evidence: bundle namespaces.json: Namespace payments labels: kubernetes.io/metadata.name=payments\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook namespaceSelector: irsa=enabled\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p has the same finding\n  fix: kubectl label namespace payments irsa=enabled --overwrite\n  fix: kubectl rollout restart deployment/api -n payments",
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
			},
			snap: all(pod, deploy, ns(map[string]string{"kubernetes.io/metadata.name": "payments"}), func(s *snapshot.Snapshot) {
				hook(s).NamespaceSelector = &snapshot.LabelSelector{MatchLabels: map[string]string{"irsa": "enabled"}}
			}),
		},
		{
			name: "namespaceSelector: Namespace not in the input",
			want: []string{
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
				"IRSA108 skipped Pod payments/api-7d9f8b6c5-x2k4p: the namespaceSelector \"irsa=enabled\" of webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook needs the labels of Namespace payments, which is not in the input (capture: kubectl get namespace payments -o json)",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).NamespaceSelector = &snapshot.LabelSelector{MatchLabels: map[string]string{"irsa": "enabled"}}
			}),
		},
		{
			name: "namespaceSelector on the name label needs no Namespace",
			want: []string{
				"IRSA108 fail Pod payments/api-7d9f8b6c5-x2k4p: the namespaceSelector \"kubernetes.io/metadata.name notin (kube-system,payments)\" of webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook does not select Namespace payments (kubernetes.io/metadata.name notin (kube-system,payments) fails: label kubernetes.io/metadata.name=\"payments\"): the API server never sends the pod to the webhook, so it gets no IRSA credentials\n  evidence: bundle pods.json: Namespace payments is not in the input; its kubernetes.io/metadata.name label is its name\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook namespaceSelector: kubernetes.io/metadata.name notin (kube-system,payments)",
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).NamespaceSelector = &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{
					{Key: "kubernetes.io/metadata.name", Operator: "NotIn", Values: []string{"kube-system", "payments"}}}}
			}),
		},
		{
			name: "namespaceSelector selects the namespace",
			want: []string{
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, ns(map[string]string{"irsa": "enabled"}), func(s *snapshot.Snapshot) {
				hook(s).NamespaceSelector = &snapshot.LabelSelector{MatchLabels: map[string]string{"irsa": "enabled"}}
			}),
			heads: true,
		},
		{
			name: "objectSelector excludes the pods",
			want: []string{
				"IRSA108 fail Deployment payments/api: the objectSelector \"!eks.amazonaws.com/skip-pod-identity-webhook,aws-irsa=enabled\" of webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook does not select the pod's labels (aws-irsa=enabled fails: label aws-irsa is absent): the API server never sends the pod to the webhook, so it gets no IRSA credentials\n  evidence: bundle deployments.json: Deployment payments/api labels: app=api\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook objectSelector: !eks.amazonaws.com/skip-pod-identity-webhook,aws-irsa=enabled\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p has the same finding\n  fix: kubectl patch deployment api -n payments --type merge -p '{\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"aws-irsa\":\"enabled\"}}}}}'",
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
			},
			snap: all(pod, deploy, func(s *snapshot.Snapshot) {
				hook(s).ObjectSelector = &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{
					{Key: webhook.LabelSkip, Operator: "DoesNotExist"}, {Key: "aws-irsa", Operator: "In", Values: []string{"enabled"}}}}
			}),
		},
		{
			name: "upstream objectSelector on the skip label is left to IRSA111",
			want: []string{
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).ObjectSelector = &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{{Key: webhook.LabelSkip, Operator: "DoesNotExist"}}}
			}),
			heads: true,
		},
		{
			name: "matchConditions cannot be evaluated",
			want: []string{
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
				"IRSA108 skipped Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has matchConditions (exclude-leases) whose CEL expressions this tool does not evaluate: they may exclude the pod\n  evidence: bundle mutatingwebhookconfigurations.json: matchCondition exclude-leases: !(request.resource.group == \"coordination.k8s.io\")",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).MatchConditions = []snapshot.MatchCondition{{Name: "exclude-leases", Expression: `!(request.resource.group == "coordination.k8s.io")`}}
			}),
		},
		{
			name: "invalid objectSelector is not guessed at",
			want: []string{
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
				"IRSA108 skipped Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has an invalid objectSelector: matchExpressions[0] \"app\": unknown operator \"in\"",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).ObjectSelector = &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{{Key: "app", Operator: "in", Values: []string{"api"}}}}
			}),
			heads: true,
		},
		{
			name: "configuration not in the input",
			want: []string{
				"IRSA108 skipped MutatingWebhookConfiguration pod-identity-webhook: the pod identity webhook's MutatingWebhookConfiguration is not in the input (capture: kubectl get mutatingwebhookconfigurations -o json)\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				s.Webhooks = s.Webhooks[1:]
				s.Listings = s.Listings[:1]
			}),
		},
		{
			name: "EKS configuration listing only v1 (webhook issue #225): image unknown",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com lists admissionReviewVersions [v1], so the API server sends it AdmissionReview v1; the webhook's releases up to v0.6.17 answer only v1beta1, without apiVersion and kind, and the API server rejects every answer (expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=)\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Fail: while calls fail, pod creation is rejected with \"failed calling webhook\"\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook: rules [CREATE \"\" v1 pods]; clientConfig url https://127.0.0.1:23443/mutate, caBundle set\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook calls https://127.0.0.1:23443/mutate: the EKS-managed webhook runs on the control plane, so its image and version are not in the input\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				hook(s).AdmissionReviewVersions = []string{"v1"}
				hook(s).FailurePolicy = "Fail"
			}),
		},
		{
			name: "webhook called by a URL outside the node: image cannot be tied to it",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com lists admissionReviewVersions [v1], so the API server sends it AdmissionReview v1; the webhook's releases up to v0.6.17 answer only v1beta1, without apiVersion and kind, and the API server rejects every answer (expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=)\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook: rules [CREATE \"\" v1 pods]; clientConfig url https://webhook.example.com/mutate, caBundle set\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook calls https://webhook.example.com/mutate, not a Service: the workload behind that URL, and so the webhook's image and version, cannot be told from the input\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, func(s *snapshot.Snapshot) {
				u := "https://webhook.example.com/mutate"
				hook(s).ClientConfig.URL = &u
				hook(s).AdmissionReviewVersions = []string{"v1"}
			}),
		},
		{
			name: "self-managed webhook v0.5.0 sent v1 first",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com lists admissionReviewVersions [v1, v1beta1], so the API server sends it AdmissionReview v1; the webhook runs image amazon/amazon-eks-pod-identity-webhook:v0.5.0, a release up to v0.6.17, which answers only v1beta1, without apiVersion and kind, and the API server rejects every answer (expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=)\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook: rules [CREATE \"\" v1 pods]; clientConfig service default/pod-identity-webhook, caBundle set\n  evidence: bundle deployments.json: Deployment default/pod-identity-webhook runs image amazon/amazon-eks-pod-identity-webhook:v0.5.0\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, selfManaged("amazon/amazon-eks-pod-identity-webhook:v0.5.0"), func(s *snapshot.Snapshot) {
				hook(s).AdmissionReviewVersions = []string{"v1", "v1beta1"}
			}),
		},
		{
			name: "self-managed webhook, image not in the input",
			want: []string{
				"IRSA108 fail MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com lists admissionReviewVersions [v1], so the API server sends it AdmissionReview v1; the webhook's releases up to v0.6.17 answer only v1beta1, without apiVersion and kind, and the API server rejects every answer (expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=)\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing\n  evidence: bundle mutatingwebhookconfigurations.json: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook: rules [CREATE \"\" v1 pods]; clientConfig service default/pod-identity-webhook, caBundle set\n  evidence: bundle mutatingwebhookconfigurations.json: the webhook's image is not in the input (capture: kubectl get deployments,daemonsets -n default -o json)\n  evidence: bundle pods.json: affects Pod payments/api-7d9f8b6c5-x2k4p",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, selfManaged(""), func(s *snapshot.Snapshot) { hook(s).AdmissionReviewVersions = []string{"v1"} }),
		},
		{
			name: "self-managed webhook of a later release is not judged",
			want: []string{
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap:  all(pod, selfManaged("amazon/amazon-eks-pod-identity-webhook:v0.7.0"), func(s *snapshot.Snapshot) { hook(s).AdmissionReviewVersions = []string{"v1"} }),
			heads: true,
		},
		{
			name: "v1beta1 listed first is what the webhook answers",
			want: []string{
				"IRSA108 pass MutatingWebhookConfiguration pod-identity-webhook: webhook iam-for-pods.amazonaws.com is called on CREATE of pods and its client configuration is complete",
				"IRSA108 pass Pod payments/api-7d9f8b6c5-x2k4p: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook selects the pod's namespace and labels",
			},
			snap: all(pod, selfManaged("amazon/amazon-eks-pod-identity-webhook:v0.5.0"), func(s *snapshot.Snapshot) {
				hook(s).AdmissionReviewVersions = []string{"v1beta1", "v1"}
			}),
			heads: true,
		},
		{
			name: "mutated pod is not judged",
			want: nil,
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated)}
				hook(s).ClientConfig.CABundle = ""
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := whRender(t, whSnapshot(tt.snap), model.Selector{}, irsa108)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

// The admissionReviewVersions fault names the change that fixes it: list
// v1beta1 first (webhook issue #225), not a restart.
func TestIRSA108ReviewVersionRemedy(t *testing.T) {
	s := whSnapshot(func(s *snapshot.Snapshot) {
		s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")}
		s.Webhooks[0].Webhooks[0].AdmissionReviewVersions = []string{"v1"}
	})
	out := Run(s, Options{Checks: []*Check{irsa108}, Now: whNow})
	want := "List `v1beta1` before `v1` in the webhook's admissionReviewVersions so that the API server sends the version the webhook answers (on a self-managed installation, " +
		"`kubectl patch mutatingwebhookconfiguration pod-identity-webhook --type=json -p '[{\"op\":\"replace\",\"path\":\"/webhooks/0/admissionReviewVersions\",\"value\":[\"v1beta1\",\"v1\"]}]'`), " +
		"then re-create the pods that were admitted unmutated. On EKS the configuration belongs to the managed control plane: open a case with AWS Support rather than editing it."
	for _, f := range out.Findings {
		if f.Subject.Kind == "MutatingWebhookConfiguration" {
			if f.Remediation != want {
				t.Errorf("remediation:\n got %s\nwant %s", f.Remediation, want)
			}
			return
		}
	}
	t.Fatalf("no finding on the configuration: %+v", out.Findings)
}
