package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA111(t *testing.T) {
	// withSidecar deploys api with app and istio-proxy containers and an
	// istio-init init container, and the pod template annotations given.
	withSidecar := func(annotations map[string]string, labels map[string]string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.Workloads = []*snapshot.Workload{whDeployment(func(w *snapshot.Workload) {
				w.Template.Annotations = annotations
				for k, v := range labels {
					w.Template.Labels[k] = v
				}
				w.Template.Spec.InitContainers = []snapshot.Container{{Name: "istio-init"}}
				w.Template.Spec.Containers = append(w.Template.Spec.Containers, snapshot.Container{Name: "istio-proxy"})
			})}
		}
	}
	upstreamSelector := func(s *snapshot.Snapshot) {
		s.Webhooks[0].Webhooks[0].ObjectSelector = &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{
			{Key: webhook.LabelSkip, Operator: "DoesNotExist"}}}
	}
	skip := func(v string) map[string]string { return map[string]string{webhook.AnnotationSkipContainers: v} }
	label := map[string]string{webhook.LabelSkip: "true"}
	all := func(mods ...func(*snapshot.Snapshot)) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			for _, m := range mods {
				m(s)
			}
		}
	}
	tests := []struct {
		name  string
		snap  func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "sidecar skipped on purpose",
			want: []string{
				"IRSA111 pass Deployment payments/api container istio-init: skipped by eks.amazonaws.com/skip-containers: gets no IRSA credentials and uses the node's role, while container \"app\" gets them\n  evidence: bundle deployments.json: Deployment payments/api annotation eks.amazonaws.com/skip-containers: \"istio-init,istio-proxy\"",
				"IRSA111 pass Deployment payments/api container istio-proxy: skipped by eks.amazonaws.com/skip-containers: gets no IRSA credentials and uses the node's role, while container \"app\" gets them\n  evidence: bundle deployments.json: Deployment payments/api annotation eks.amazonaws.com/skip-containers: \"istio-init,istio-proxy\"",
			}, snap: withSidecar(skip("istio-init,istio-proxy"), nil)},
		{name: "every regular container skipped",
			want: []string{
				"IRSA111 fail Deployment payments/api: eks.amazonaws.com/skip-containers skips every regular container: containers \"istio-init\", \"app\", \"istio-proxy\" get no IRSA credentials although ServiceAccount \"s3-reader\" names role \"arn:aws:iam::111122223333:role/s3-reader\"\n  evidence: bundle deployments.json: Deployment payments/api annotation eks.amazonaws.com/skip-containers: \"istio-init,app,istio-proxy\"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  fix: kubectl patch deployment api -n payments --type merge -p '{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"eks.amazonaws.com/skip-containers\":\"istio-init\"}}}}}'",
			}, snap: withSidecar(skip("istio-init,app,istio-proxy"), nil)},
		{name: "names compared exactly: nothing skipped",
			want: []string{
				"IRSA111 pass Deployment payments/api: eks.amazonaws.com/skip-containers names no container of the pod (\" istio-proxy\"), so the webhook skips none\n  evidence: bundle deployments.json: Deployment payments/api annotation eks.amazonaws.com/skip-containers: \" istio-proxy\"",
			}, snap: withSidecar(skip(" istio-proxy"), nil)},
		{name: "unparsable annotation skips nothing",
			want: []string{
				"IRSA111 pass Deployment payments/api: eks.amazonaws.com/skip-containers does not parse as a CSV record, so the webhook skips no container (parse eks.amazonaws.com/skip-containers \"istio-proxy\\\"\": parse error on line 1, column 12: bare \" in non-quoted-field)",
			}, snap: withSidecar(skip(`istio-proxy"`), nil), heads: true},
		{name: "skip label excluded by the objectSelector",
			want: []string{
				"IRSA111 fail Deployment payments/api: the pod carries the label eks.amazonaws.com/skip-pod-identity-webhook, so the webhook never sees it: containers \"istio-init\", \"app\", \"istio-proxy\" get no IRSA credentials although ServiceAccount \"s3-reader\" names role \"arn:aws:iam::111122223333:role/s3-reader\"\n  evidence: bundle deployments.json: Deployment payments/api label eks.amazonaws.com/skip-pod-identity-webhook=\"true\"\n  evidence: bundle deployments.json: the objectSelector of webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook excludes pods carrying the label\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  fix: kubectl patch deployment api -n payments --type merge -p '{\"spec\":{\"template\":{\"metadata\":{\"labels\":{\"eks.amazonaws.com/skip-pod-identity-webhook\":null}}}}}'",
			}, snap: all(upstreamSelector, withSidecar(nil, label))},
		{name: "skip label, configuration not in the input",
			want: []string{
				"IRSA111 fail Deployment payments/api: the pod carries the label eks.amazonaws.com/skip-pod-identity-webhook, so the webhook never sees it: containers \"istio-init\", \"app\", \"istio-proxy\" get no IRSA credentials although ServiceAccount \"s3-reader\" names role \"arn:aws:iam::111122223333:role/s3-reader\"",
			}, snap: all(func(s *snapshot.Snapshot) { s.Webhooks = s.Webhooks[1:] }, withSidecar(nil, label)), heads: true},
		{name: "skip label without a selector on it",
			want: []string{
				"IRSA111 pass Deployment payments/api: the pod carries the label eks.amazonaws.com/skip-pod-identity-webhook, but the objectSelector of webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook (empty) does not exclude it, so the label has no effect\n  evidence: bundle deployments.json: Deployment payments/api label eks.amazonaws.com/skip-pod-identity-webhook=\"true\"",
			}, snap: withSidecar(nil, label)},
		{
			name: "skipped container with its own setup",
			want: []string{
				"IRSA111 pass Deployment payments/api container app: skipped by eks.amazonaws.com/skip-containers, and sets its own web identity variables (IRSA109 judges them)",
				"IRSA111 pass Deployment payments/api container istio-proxy: skipped by eks.amazonaws.com/skip-containers: gets no IRSA credentials and uses the node's role, while container \"app\" gets them",
			},
			snap: func(s *snapshot.Snapshot) {
				withSidecar(skip("app,istio-proxy"), nil)(s)
				s.Workloads[0].Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: whRole},
					{Name: webhook.EnvTokenFile, Value: "/var/run/secrets/custom/token"}}
			},
			heads: true,
		},
		{
			name: "service account without a role: the webhook does nothing anyway",
			want: nil,
			snap: func(s *snapshot.Snapshot) {
				withSidecar(skip("app"), nil)(s)
				s.Workloads[0].Template.Spec.ServiceAccountName = "default"
				s.Workloads[0].Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: whRole}}
			},
		},
		{
			name: "no opt-out: nothing to report",
			want: nil,
			snap: withSidecar(nil, nil),
		},
		{
			name: "service account not in the input",
			want: []string{
				"IRSA111 skipped Deployment payments/api: ServiceAccount payments/ghost is not in the input (capture: kubectl get serviceaccount ghost -n payments -o json)",
			},
			snap: func(s *snapshot.Snapshot) {
				withSidecar(skip("app"), nil)(s)
				s.Workloads[0].Template.Spec.ServiceAccountName = "ghost"
				s.Workloads[0].Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: whRole}}
				s.Listings = s.Listings[1:]
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := whRender(t, whSnapshot(tt.snap), model.Selector{}, irsa111)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
