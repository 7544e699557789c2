package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA105(t *testing.T) {
	// injectedOld is a pod the webhook mutated while the SA named whOldRole.
	injectedOld := func(p *snapshot.Pod) {
		whMutated(p)
		for i := range p.Spec.Containers[0].Env {
			if p.Spec.Containers[0].Env[i].Name == webhook.EnvRoleARN {
				p.Spec.Containers[0].Env[i].Value = whOldRole
			}
		}
	}
	bare := func(p *snapshot.Pod) { p.OwnerReferences = nil; p.Labels = nil }
	tests := []struct {
		name  string
		snap  func(*snapshot.Snapshot)
		sel   model.Selector
		heads bool
		want  []string
	}{
		{
			name: "injected role matches the annotation",
			want: []string{
				"IRSA105 pass Pod payments/api-7d9f8b6c5-x2k4p: the injected AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader\" matches the eks.amazonaws.com/role-arn of ServiceAccount \"s3-reader\"",
			},
			snap:  func(s *snapshot.Snapshot) { s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated)} },
			heads: true,
		},
		{
			name: "annotation changed since the pod was created; template in the input",
			want: []string{
				"IRSA105 fail Pod payments/api-7d9f8b6c5-x2k4p: the injected AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader-old\" differs from the eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\" of ServiceAccount \"s3-reader\": the webhook sets the role only when a pod is created, so the pod still assumes the old role until it is re-created\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader (created 2026-11-01T09:00:00Z): eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\"\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p (created 2026-11-20T10:00:00Z) container app: AWS_ROLE_ARN=arn:aws:iam::111122223333:role/s3-reader-old (injected: the pod template of Deployment api does not set it)\n  fix: kubectl rollout restart deployment/api -n payments",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", injectedOld)}
				s.Workloads = []*snapshot.Workload{whDeployment()}
			},
		},
		{
			name: "no template in the input: the webhook's shape counts as injected",
			want: []string{
				"IRSA105 fail Pod payments/debug: the injected AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader-old\" differs from the eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\" of ServiceAccount \"s3-reader\": the webhook sets the role only when a pod is created, so the pod still assumes the old role until it is re-created\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader (created 2026-11-01T09:00:00Z): eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\"\n  evidence: bundle pods.json: pod payments/debug (created 2026-11-20T10:00:00Z) container app: AWS_ROLE_ARN=arn:aws:iam::111122223333:role/s3-reader-old (injected: no pod template in the input; it has the shape the webhook writes)\n  fix: kubectl delete pod debug -n payments",
			},
			snap: func(s *snapshot.Snapshot) { s.Pods = []*snapshot.Pod{whPod("debug", bare, injectedOld)} },
		},
		{
			name: "hand-written in the template: IRSA109's business",
			want: nil,
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", injectedOld)}
				s.Workloads = []*snapshot.Workload{whDeployment(func(w *snapshot.Workload) {
					w.Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: whOldRole}}
				})}
			},
		},
		{
			name: "no template and not the webhook's shape: hand-written",
			want: nil,
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("debug", bare, func(p *snapshot.Pod) {
					p.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: whOldRole}}
				})}
			},
		},
		{
			name: "annotation removed: warning",
			want: []string{
				"IRSA105 fail Pod payments/api-7d9f8b6c5-x2k4p: AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader\" was injected when the pod was created, but ServiceAccount \"s3-reader\" no longer has eks.amazonaws.com/role-arn: the pod keeps that role until it is re-created, and a re-created pod gets no IRSA credentials\n  severity: warning\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader (created 2026-11-01T09:00:00Z): no eks.amazonaws.com/role-arn\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p (created 2026-11-20T10:00:00Z) container app: AWS_ROLE_ARN=arn:aws:iam::111122223333:role/s3-reader (injected: no pod template in the input; it has the shape the webhook writes)\n  fix: kubectl rollout restart deployment/api -n payments",
			},
			snap: func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/s3-reader"].Annotations = nil
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated)}
			},
		},
		{
			name: "annotation emptied",
			want: []string{
				"IRSA105 fail Pod payments/api-7d9f8b6c5-x2k4p: AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader\" was injected when the pod was created, but ServiceAccount \"s3-reader\" now has an empty eks.amazonaws.com/role-arn: the pod keeps that role until it is re-created, and a re-created pod gets no IRSA credentials",
			},
			snap: func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/s3-reader"].Annotations[webhook.AnnotationRoleARN] = ""
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated)}
			},
			heads: true,
		},
		{
			name: "service account not in the input",
			want: []string{
				"IRSA105 skipped Pod payments/api-7d9f8b6c5-x2k4p: ServiceAccount payments/s3-reader is not in the input (capture: kubectl get serviceaccount s3-reader -n payments -o json)",
			},
			snap: func(s *snapshot.Snapshot) {
				delete(s.ServiceAccounts, "payments/s3-reader")
				s.Listings = nil
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated)}
			},
			sel: model.Selector{Pods: []model.NamespacedName{{Namespace: "payments", Name: "api-7d9f8b6c5-x2k4p"}}},
		},
		{
			name: "unmutated pod: IRSA104's business",
			want: nil,
			snap: func(s *snapshot.Snapshot) { s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p")} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := whRender(t, whSnapshot(tt.snap), tt.sel, irsa105)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
