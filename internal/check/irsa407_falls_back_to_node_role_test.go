package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA407(t *testing.T) {
	tmplEnv := func(vars ...snapshot.EnvVar) func(*snapshot.Workload) {
		return func(w *snapshot.Workload) { w.Template.Spec.Containers[0].Env = vars }
	}
	skip := func(names string, extra ...snapshot.Container) func(*snapshot.Workload) {
		return func(w *snapshot.Workload) {
			w.Template.Annotations = map[string]string{webhook.AnnotationSkipContainers: names}
			w.Template.Spec.Containers = append(w.Template.Spec.Containers, extra...)
		}
	}
	noSA := func(s *snapshot.Snapshot) { delete(s.ServiceAccounts, snapshot.Key(fx.NS, "api")) }
	fargate := fx.Node(func(n *snapshot.Node) {
		n.Labels["eks.amazonaws.com/compute-type"] = "fargate"
		n.Spec.ProviderID = "aws:///us-west-2b/3f2e1d0c9b/" + fx.NodeName
	})
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		details bool
		// cascade runs every check, so that the prerequisites block;
		// otherwise IRSA407 runs alone, to show its own judgement.
		cascade bool
		want    []string
	}{
		{name: "pod never mutated, IMDS open", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), fx.EC2("optional", 2)), details: true,
			want: []string{
				"IRSA407 fail Pod payments/api-7d9f8b6c5-x2k4p container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but no AWS credentials are set in the container's environment; the container's SDK falls back to IMDS: IMDS answers on its node, so it runs with the node role's permissions instead" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-api" +
					"\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p container app: AWS_ROLE_ARN unset, AWS_WEB_IDENTITY_TOKEN_FILE unset, AWS_CONTAINER_CREDENTIALS_FULL_URI unset, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI unset" +
					"\n  evidence: bundle nodes.json: node ip-192-168-33-74.us-west-2.compute.internal, providerID aws:///us-west-2a/i-0a1b2c3d4e5f60718" +
					"\n  evidence: bundle describe-instances.json: instance i-0a1b2c3d4e5f60718: MetadataOptions HttpEndpoint enabled, HttpTokens optional, HttpPutResponseHopLimit 2; IamInstanceProfile arn:aws:iam::111122223333:instance-profile/eks-general" +
					"\n  evidence: bundle pods.json: IMDS: IMDS answers pods on instance i-0a1b2c3d4e5f60718 of node ip-192-168-33-74.us-west-2.compute.internal (HttpTokens optional: IMDSv1 works whatever the hop limit); the node role is that of instance profile arn:aws:iam::111122223333:instance-profile/eks-general" +
					"\n  evidence: bundle pods.json: the webhook did not give the pod its variables: it was created before the annotation, or the webhook did not mutate it (IRSA104)" +
					"\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{name: "pod never mutated, IMDS blocked", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), fx.EC2("required", 1)),
			want: []string{
				"IRSA407 fail Pod payments/api-7d9f8b6c5-x2k4p container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but no AWS credentials are set in the container's environment; the container's SDK falls back to IMDS: IMDS is blocked on its node, so it finds no credentials at all",
			},
		},
		{name: "pod never mutated on Fargate", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fargate),
			want: []string{
				"IRSA407 fail Pod payments/api-7d9f8b6c5-x2k4p container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but no AWS credentials are set in the container's environment; the container's SDK falls back to IMDS: its node has no IMDS, so it finds no credentials at all",
			},
		},
		{name: "pod never mutated, node unknown", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode)),
			want: []string{
				"IRSA407 fail Pod payments/api-7d9f8b6c5-x2k4p container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but no AWS credentials are set in the container's environment; the container's SDK falls back to IMDS: it gets the node role where IMDS answers, and no credentials where IMDS is blocked",
			},
		},
		{name: "mutated pod", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode, fx.Mutated), fx.Node(), fx.EC2("optional", 2)),
			want: []string{
				"IRSA407 pass Pod payments/api-7d9f8b6c5-x2k4p container app: the container uses web identity (IRSA role arn:aws:iam::111122223333:role/payments-api), before IMDS in every SDK's chain",
			},
		},
		{name: "template with a hand-written AWS_ROLE_ARN", snap: fx.Snapshot(fx.Deployment(tmplEnv(fx.Lit(webhook.EnvRoleARN, fx.Role)))), details: true,
			want: []string{
				"IRSA407 fail Deployment payments/api container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but AWS_ROLE_ARN is set without AWS_WEB_IDENTITY_TOKEN_FILE, so the SDK skips web identity; the container's SDK falls back to IMDS: it gets the node role where IMDS answers, and no credentials where IMDS is blocked" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-api" +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ROLE_ARN=arn:aws:iam::111122223333:role/payments-api, AWS_WEB_IDENTITY_TOKEN_FILE unset, AWS_CONTAINER_CREDENTIALS_FULL_URI unset, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI unset" +
					"\n  evidence: bundle deployments.json: IMDS: it depends on the node each pod of the deployment runs on" +
					"\n  evidence: bundle deployments.json: AWS_ROLE_ARN is set in the manifest without AWS_WEB_IDENTITY_TOKEN_FILE, so the webhook injects neither (IRSA109)",
			},
		},
		{name: "template skipping a sidecar on purpose", snap: fx.Snapshot(fx.Deployment(skip("istio-proxy", snapshot.Container{Name: "istio-proxy", Image: "docker.io/istio/proxyv2:1.24.2"}))),
			want: []string{
				"IRSA407 pass Deployment payments/api container app: the container uses web identity (IRSA role arn:aws:iam::111122223333:role/payments-api), before IMDS in every SDK's chain",
				"IRSA407 pass Deployment payments/api container istio-proxy: the container is excluded on purpose by eks.amazonaws.com/skip-containers while other containers get credentials; if it calls AWS, its SDK falls back to IMDS (whether IMDS answers is unknown: it depends on the node each pod of the deployment runs on)",
			},
		},
		{name: "template skipping its only container", snap: fx.Snapshot(fx.Deployment(skip("app"))), details: true,
			want: []string{
				"IRSA407 fail Deployment payments/api container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but the container is named in eks.amazonaws.com/skip-containers, so the webhook gave the container no credentials; the container's SDK falls back to IMDS: it gets the node role where IMDS answers, and no credentials where IMDS is blocked" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-api" +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ROLE_ARN unset, AWS_WEB_IDENTITY_TOKEN_FILE unset, AWS_CONTAINER_CREDENTIALS_FULL_URI unset, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI unset" +
					"\n  evidence: bundle deployments.json: IMDS: it depends on the node each pod of the deployment runs on" +
					"\n  evidence: bundle deployments.json: the pod's eks.amazonaws.com/skip-containers names every regular container (IRSA111)",
			},
		},
		{name: "Pod Identity template", snap: fx.Snapshot(fx.Deployment(), fx.Cluster("prod", "111122223333", "eu-west-1"), fx.Association("prod", "111122223333", "eu-west-1", fx.NS, "api")),
			want: []string{
				"IRSA407 pass Deployment payments/api container app: the container uses container credentials (http://169.254.170.23/v1/credentials), before IMDS in every SDK's chain",
			},
		},
		{name: "static keys", snap: fx.Snapshot(fx.Deployment(tmplEnv(fx.Lit("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"), fx.Lit("AWS_SECRET_ACCESS_KEY", "x")))),
			want: []string{
				"IRSA407 pass Deployment payments/api container app: the container uses the static keys in its environment, before IMDS (IRSA110 judges them)",
			},
		},
		{name: "profile", snap: fx.Snapshot(fx.Deployment(tmplEnv(fx.Lit("AWS_PROFILE", "reports"), fx.Lit(webhook.EnvRoleARN, fx.Role)))),
			want: []string{
				"IRSA407 skipped Deployment payments/api container app: the container's environment points at a shared profile, whose content cannot be seen: whether its SDK falls back to IMDS depends on it (AWS_PROFILE=reports)",
			},
		},
		{name: "token file without role", snap: fx.Snapshot(fx.BarePod("job-1", func(p *snapshot.Pod) {
			p.Spec.Containers[0].Env = []snapshot.EnvVar{fx.Lit(webhook.EnvTokenFile, webhook.TokenPath)}
		})),
			want: []string{
				"IRSA407 pass Pod payments/job-1 container app: the container's chain stops before IMDS: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not, and the chain stops there with an error (Go SDK v2: \"role ARN is not set\"; botocore: InvalidConfigError, no role ARN configured) (IRSA109 judges the variables)",
			},
		},
		{name: "ServiceAccount missing", snap: fx.Snapshot(fx.Deployment(), noSA), cascade: true,
			want: []string{
				"IRSA407 skipped Deployment payments/api: blocked by IRSA101",
			},
		},
		// The check that explains the fallback reports it; IRSA407 does not
		// count it twice (CONTRACT "Cascades": 104, 109, 111, 406 and 408
		// before 407).
		{name: "pod never mutated: IRSA104 explains it", snap: fx.Snapshot(fx.OwnedPod(fx.OnNode), fx.Node(), fx.EC2("optional", 2)), cascade: true,
			want: []string{
				"IRSA407 skipped Pod payments/api-7d9f8b6c5-x2k4p container app: blocked by IRSA104",
			},
		},
		{name: "hand-written AWS_ROLE_ARN: IRSA109 explains it", snap: fx.Snapshot(fx.Deployment(tmplEnv(fx.Lit(webhook.EnvRoleARN, fx.Role)))), cascade: true,
			want: []string{
				"IRSA407 skipped Deployment payments/api container app: blocked by IRSA109",
			},
		},
		{name: "only container skipped: IRSA111 explains it", snap: fx.Snapshot(fx.Deployment(skip("app"))), cascade: true,
			want: []string{
				"IRSA407 skipped Deployment payments/api container app: blocked by IRSA111",
			},
		},
		{name: "no intent", snap: fx.Snapshot(fx.BarePod("web", func(p *snapshot.Pod) { p.Spec.ServiceAccountName = "default" })), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			checks := []*Check{irsa407}
			if tt.cascade {
				checks = All
			}
			got := fxOnly(fxRun(t, tt.snap, model.Selector{}, tt.details, checks...), "IRSA407")
			fxAssert(t, got, tt.want)
		})
	}
}
