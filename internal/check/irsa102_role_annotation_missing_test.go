package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA102(t *testing.T) {
	// withSA replaces ServiceAccount payments/api.
	withSA := func(kv ...string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) { s.ServiceAccounts[snapshot.Key(fx.NS, "api")] = fx.SA("api", kv...) }
	}
	named := model.Selector{Workloads: []model.WorkloadRef{{Kind: "Deployment", Namespace: fx.NS, Name: "api"}}}
	handMade := func(w *snapshot.Workload) {
		mode := int32(420)
		exp := int64(3600)
		w.Template.Spec.Volumes = []snapshot.Volume{{Name: "aws-token", Projected: &snapshot.ProjectedVolume{DefaultMode: &mode,
			Sources: []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: "sts.amazonaws.com", ExpirationSeconds: &exp, Path: "token"}}}}}}
		w.Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: fx.Role}, {Name: webhook.EnvTokenFile, Value: "/var/run/secrets/aws/token"}}
		w.Template.Spec.Containers[0].VolumeMounts = []snapshot.VolumeMount{{Name: "aws-token", MountPath: "/var/run/secrets/aws", ReadOnly: true}}
		// A sidecar that asks for no AWS credentials does not count.
		w.Template.Spec.Containers = append(w.Template.Spec.Containers, snapshot.Container{Name: "envoy", Image: "envoyproxy/envoy:v1.31.0"})
	}
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		sel     model.Selector
		details bool
		want    []string
	}{
		{
			name: "annotated",
			snap: fx.Snapshot(fx.Deployment()),
			want: []string{`IRSA102 pass ServiceAccount payments/api: ServiceAccount has eks.amazonaws.com/role-arn "arn:aws:iam::111122223333:role/payments-api"`},
		},
		{
			name:    "amazon.com instead of amazonaws.com",
			snap:    fx.Snapshot(fx.Deployment(), withSA("eks.amazon.com/role-arn", fx.Role)),
			details: true,
			want: []string{
				"IRSA102 fail ServiceAccount payments/api: ServiceAccount has the annotation \"eks.amazon.com/role-arn\", not eks.amazonaws.com/role-arn: did you mean eks.amazonaws.com/role-arn? The webhook reads only the exact key, so pods of this ServiceAccount get no role\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api annotations: \"eks.amazon.com/role-arn\": \"arn:aws:iam::111122223333:role/payments-api\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: kubectl annotate serviceaccount api -n payments eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/payments-api\n  fix: kubectl annotate serviceaccount api -n payments eks.amazon.com/role-arn-\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name:    "stray space in the key, quoted value",
			snap:    fx.Snapshot(fx.Deployment(), withSA("eks.amazonaws.com/role-arn ", `"`+fx.Role+`"`, "meta.helm.sh/release-name", "payments")),
			details: true,
			want: []string{
				"IRSA102 fail ServiceAccount payments/api: ServiceAccount has the annotation \"eks.amazonaws.com/role-arn \", not eks.amazonaws.com/role-arn: did you mean eks.amazonaws.com/role-arn? The webhook reads only the exact key, so pods of this ServiceAccount get no role\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api annotations: \"eks.amazonaws.com/role-arn \": \"\\\"arn:aws:iam::111122223333:role/payments-api\\\"\", \"meta.helm.sh/release-name\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: kubectl annotate serviceaccount api -n payments eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/payments-api\n  fix: kubectl annotate serviceaccount api -n payments 'eks.amazonaws.com/role-arn -'\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name: "wrong case",
			snap: fx.Snapshot(fx.Deployment(), withSA("EKS.AMAZONAWS.COM/ROLE-ARN", fx.Role)),
			want: []string{`IRSA102 fail ServiceAccount payments/api: ServiceAccount has the annotation "EKS.AMAZONAWS.COM/ROLE-ARN", not eks.amazonaws.com/role-arn: did you mean eks.amazonaws.com/role-arn? The webhook reads only the exact key, so pods of this ServiceAccount get no role`},
		},
		{
			name: "underscore",
			snap: fx.Snapshot(fx.Deployment(), withSA("eks.amazonaws.com/role_arn", fx.Role)),
			want: []string{`IRSA102 fail ServiceAccount payments/api: ServiceAccount has the annotation "eks.amazonaws.com/role_arn", not eks.amazonaws.com/role-arn: did you mean eks.amazonaws.com/role-arn? The webhook reads only the exact key, so pods of this ServiceAccount get no role`},
		},
		{
			name: "on the pod template instead of the ServiceAccount",
			snap: fx.Snapshot(withSA(), fx.Deployment(func(w *snapshot.Workload) {
				w.Template.Annotations = map[string]string{webhook.AnnotationRoleARN: fx.Role}
			})),
			details: true,
			want: []string{
				"IRSA102 fail ServiceAccount payments/api: eks.amazonaws.com/role-arn is set on the pod, not on ServiceAccount \"api\": the webhook reads it only from the ServiceAccount, so the pod gets no role\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api has no annotations\n  evidence: bundle deployments.json: Deployment payments/api: metadata.annotations[\"eks.amazonaws.com/role-arn\"]: \"arn:aws:iam::111122223333:role/payments-api\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: kubectl annotate serviceaccount api -n payments eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/payments-api\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name: "near miss on the pod",
			snap: fx.Snapshot(withSA(), fx.BarePod("job-1", func(p *snapshot.Pod) {
				p.Annotations = map[string]string{"eks.amazonaws.com/rolearn": fx.Role}
			})),
			want: []string{`IRSA102 fail ServiceAccount payments/api: the pod has the annotation "eks.amazonaws.com/rolearn", and ServiceAccount "api" has no eks.amazonaws.com/role-arn: did you mean eks.amazonaws.com/role-arn on the ServiceAccount? The webhook reads only that exact key, and only from the ServiceAccount, so the pod gets no role`},
		},
		{
			name:    "nothing anywhere, cluster known",
			snap:    fx.Snapshot(withSA(), fx.Deployment(), withCluster("cn-north-1", "arn:aws-cn:eks:cn-north-1:444455556666:cluster/prod")),
			sel:     named,
			details: true,
			want: []string{
				"IRSA102 fail ServiceAccount payments/api: ServiceAccount \"api\" has no eks.amazonaws.com/role-arn annotation: the webhook injects no role, and the SDK falls back to other credentials, usually the node's instance role\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api has no annotations\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: # kubectl annotate serviceaccount api -n payments eks.amazonaws.com/role-arn=arn:aws-cn:iam::444455556666:role/ROLE_NAME\n  fix: # kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name:    "nothing anywhere, cluster unknown",
			snap:    fx.Snapshot(withSA(), fx.Deployment()),
			sel:     named,
			details: true,
			want: []string{
				"IRSA102 fail ServiceAccount payments/api: ServiceAccount \"api\" has no eks.amazonaws.com/role-arn annotation: the webhook injects no role, and the SDK falls back to other credentials, usually the node's instance role\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api has no annotations\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: # kubectl annotate serviceaccount api -n payments eks.amazonaws.com/role-arn=arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME\n  fix: # kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name: "kube2iam annotation is another mechanism, not a near miss",
			snap: fx.Snapshot(withSA("iam.amazonaws.com/role", "payments-api"), fx.Deployment()),
			sel:  named,
			want: []string{`IRSA102 fail ServiceAccount payments/api: ServiceAccount "api" has no eks.amazonaws.com/role-arn annotation: the webhook injects no role, and the SDK falls back to other credentials, usually the node's instance role`},
		},
		{
			name:    "complete hand-made web identity needs no annotation",
			snap:    fx.Snapshot(withSA(), fx.Deployment(handMade)),
			details: true,
			want: []string{
				`IRSA102 pass ServiceAccount payments/api: ServiceAccount has no eks.amazonaws.com/role-arn, but container "app" sets AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE to a projected ServiceAccount token it mounts, so the pod needs no injection` +
					"\n  evidence: bundle deployments.json: Deployment payments/api: hand-made web identity in app",
			},
		},
		{
			name: "hand-made token path that is not mounted",
			snap: fx.Snapshot(withSA(), fx.Deployment(handMade, func(w *snapshot.Workload) {
				w.Template.Spec.Containers[0].Env[1].Value = "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"
			})),
			want: []string{`IRSA102 fail ServiceAccount payments/api: ServiceAccount "api" has no eks.amazonaws.com/role-arn annotation: the webhook injects no role, and the SDK falls back to other credentials, usually the node's instance role`},
		},
		{
			name: "only AWS_ROLE_ARN by hand",
			snap: fx.Snapshot(withSA(), fx.Deployment(func(w *snapshot.Workload) {
				w.Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: fx.Role}}
			})),
			want: []string{`IRSA102 fail ServiceAccount payments/api: ServiceAccount "api" has no eks.amazonaws.com/role-arn annotation: the webhook injects no role, and the SDK falls back to other credentials, usually the node's instance role`},
		},
		{
			name: "ServiceAccount not in the input",
			snap: fx.Snapshot(fx.Deployment(func(w *snapshot.Workload) {
				w.Template.Spec.ServiceAccountName = "worker"
				w.Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: fx.Role}}
			}), func(s *snapshot.Snapshot) { s.Listings = nil; delete(s.ServiceAccounts, snapshot.Key(fx.NS, "api")) }),
			want: []string{"IRSA102 skipped ServiceAccount payments/worker: ServiceAccount payments/worker is not in the input (capture: kubectl get serviceaccount worker -n payments -o json)"},
		},
		{
			name: "unused ServiceAccount with a near miss",
			snap: fx.Snapshot(withSA("eks.amazonaws.com/role-ARN", fx.Role)),
			want: []string{`IRSA102 fail ServiceAccount payments/api: ServiceAccount has the annotation "eks.amazonaws.com/role-ARN", not eks.amazonaws.com/role-arn: did you mean eks.amazonaws.com/role-arn? The webhook reads only the exact key, so pods of this ServiceAccount get no role`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxRun(t, tt.snap, tt.sel, tt.details, irsa102)
			fxAssert(t, got, tt.want)
		})
	}
}

// withCluster adds the EKS cluster of that region and ARN, account 444455556666.
func withCluster(region, clusterARN string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		s.Clusters = append(s.Clusters, &snapshot.Cluster{Name: "prod", ARN: clusterARN, Region: region, Account: "444455556666", Version: "1.30",
			Issuer: "https://oidc.eks." + region + ".amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", Source: fx.Src("describe-cluster.json")})
	}
}

func TestIRSA102Remedy(t *testing.T) {
	s := fx.Snapshot(fx.Deployment(), func(s *snapshot.Snapshot) {
		s.ServiceAccounts[snapshot.Key(fx.NS, "api")] = fx.SA("api", "eks.amazon.com/role-arn", fx.Role)
	})
	out := Run(s, Options{Checks: []*Check{irsa102}, Now: fx.Now})
	if len(out.Findings) != 1 {
		t.Fatalf("findings: %+v", out.Findings)
	}
	want := "Annotate ServiceAccount `api` in `payments` with the role's ARN (the value found under the wrong key):\n\n" +
		"    kubectl annotate serviceaccount api -n payments eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/payments-api\n" +
		"    kubectl annotate serviceaccount api -n payments eks.amazon.com/role-arn-\n\n" +
		"The webhook acts only when a pod is created: re-create the pods of this ServiceAccount afterwards (`kubectl rollout restart deployment/api -n payments`)."
	if got := out.Findings[0].Remediation; got != want {
		t.Errorf("remediation:\n%s\nwant:\n%s", got, want)
	}
}
