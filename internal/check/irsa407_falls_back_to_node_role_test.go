package check

import (
	"testing"

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
	noSA := func(s *snapshot.Snapshot) { delete(s.ServiceAccounts, snapshot.Key(fxNS, "api")) }
	fargate := fxNode(func(n *snapshot.Node) {
		n.Labels["eks.amazonaws.com/compute-type"] = "fargate"
		n.Spec.ProviderID = "aws:///us-west-2b/3f2e1d0c9b/" + fxNodeName
	})
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		details bool
		want    []string
	}{
		{name: "pod never mutated, IMDS open", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(), fxEC2("optional", 2)), details: true,
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
		{name: "pod never mutated, IMDS blocked", snap: fxSnapshot(fxOwnedPod(fxOnNode), fxNode(), fxEC2("required", 1)),
			want: []string{
				"IRSA407 fail Pod payments/api-7d9f8b6c5-x2k4p container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but no AWS credentials are set in the container's environment; the container's SDK falls back to IMDS: IMDS is blocked on its node, so it finds no credentials at all",
			},
		},
		{name: "pod never mutated on Fargate", snap: fxSnapshot(fxOwnedPod(fxOnNode), fargate),
			want: []string{
				"IRSA407 fail Pod payments/api-7d9f8b6c5-x2k4p container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but no AWS credentials are set in the container's environment; the container's SDK falls back to IMDS: its node has no IMDS, so it finds no credentials at all",
			},
		},
		{name: "pod never mutated, node unknown", snap: fxSnapshot(fxOwnedPod(fxOnNode)),
			want: []string{
				"IRSA407 fail Pod payments/api-7d9f8b6c5-x2k4p container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but no AWS credentials are set in the container's environment; the container's SDK falls back to IMDS: it gets the node role where IMDS answers, and no credentials where IMDS is blocked",
			},
		},
		{name: "mutated pod", snap: fxSnapshot(fxOwnedPod(fxOnNode, fxMutated), fxNode(), fxEC2("optional", 2)),
			want: []string{
				"IRSA407 pass Pod payments/api-7d9f8b6c5-x2k4p container app: the container uses web identity (IRSA role arn:aws:iam::111122223333:role/payments-api), before IMDS in every SDK's chain",
			},
		},
		{name: "template with a hand-written AWS_ROLE_ARN", snap: fxSnapshot(fxDeployment(tmplEnv(lit(webhook.EnvRoleARN, fxRole)))), details: true,
			want: []string{
				"IRSA407 fail Deployment payments/api container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but AWS_ROLE_ARN is set without AWS_WEB_IDENTITY_TOKEN_FILE, so the SDK skips web identity; the container's SDK falls back to IMDS: it gets the node role where IMDS answers, and no credentials where IMDS is blocked" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-api" +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ROLE_ARN=arn:aws:iam::111122223333:role/payments-api, AWS_WEB_IDENTITY_TOKEN_FILE unset, AWS_CONTAINER_CREDENTIALS_FULL_URI unset, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI unset" +
					"\n  evidence: bundle deployments.json: IMDS: it depends on the node each pod of the deployment runs on" +
					"\n  evidence: bundle deployments.json: AWS_ROLE_ARN is set in the manifest without AWS_WEB_IDENTITY_TOKEN_FILE, so the webhook injects neither (IRSA109)",
			},
		},
		{name: "template skipping a sidecar on purpose", snap: fxSnapshot(fxDeployment(skip("istio-proxy", snapshot.Container{Name: "istio-proxy", Image: "docker.io/istio/proxyv2:1.24.2"}))),
			want: []string{
				"IRSA407 pass Deployment payments/api container app: the container uses web identity (IRSA role arn:aws:iam::111122223333:role/payments-api), before IMDS in every SDK's chain",
				"IRSA407 pass Deployment payments/api container istio-proxy: the container is excluded on purpose by eks.amazonaws.com/skip-containers while other containers get credentials; if it calls AWS, its SDK falls back to IMDS (whether IMDS answers is unknown: it depends on the node each pod of the deployment runs on)",
			},
		},
		{name: "template skipping its only container", snap: fxSnapshot(fxDeployment(skip("app"))), details: true,
			want: []string{
				"IRSA407 fail Deployment payments/api container app: ServiceAccount \"api\" names IRSA role \"arn:aws:iam::111122223333:role/payments-api\", but the container is named in eks.amazonaws.com/skip-containers, so the webhook gave the container no credentials; the container's SDK falls back to IMDS: it gets the node role where IMDS answers, and no credentials where IMDS is blocked" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-api" +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ROLE_ARN unset, AWS_WEB_IDENTITY_TOKEN_FILE unset, AWS_CONTAINER_CREDENTIALS_FULL_URI unset, AWS_CONTAINER_CREDENTIALS_RELATIVE_URI unset" +
					"\n  evidence: bundle deployments.json: IMDS: it depends on the node each pod of the deployment runs on" +
					"\n  evidence: bundle deployments.json: the pod's eks.amazonaws.com/skip-containers names every regular container (IRSA111)",
			},
		},
		{name: "Pod Identity template", snap: fxSnapshot(fxDeployment(), fxCluster("prod", "111122223333", "eu-west-1"), fxAssociation("prod", "111122223333", "eu-west-1", fxNS, "api")),
			want: []string{
				"IRSA407 pass Deployment payments/api container app: the container uses container credentials (http://169.254.170.23/v1/credentials), before IMDS in every SDK's chain",
			},
		},
		{name: "static keys", snap: fxSnapshot(fxDeployment(tmplEnv(lit("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"), lit("AWS_SECRET_ACCESS_KEY", "x")))),
			want: []string{
				"IRSA407 pass Deployment payments/api container app: the container uses the static keys in its environment, before IMDS (IRSA110 judges them)",
			},
		},
		{name: "profile", snap: fxSnapshot(fxDeployment(tmplEnv(lit("AWS_PROFILE", "reports"), lit(webhook.EnvRoleARN, fxRole)))),
			want: []string{
				"IRSA407 skipped Deployment payments/api container app: the container's environment points at a shared profile, whose content cannot be seen: whether its SDK falls back to IMDS depends on it (AWS_PROFILE=reports)",
			},
		},
		{name: "token file without role", snap: fxSnapshot(fxBarePod("job-1", func(p *snapshot.Pod) {
			p.Spec.Containers[0].Env = []snapshot.EnvVar{lit(webhook.EnvTokenFile, webhook.TokenPath)}
		})),
			want: []string{
				"IRSA407 pass Pod payments/job-1 container app: the container's chain stops before IMDS: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not, and the chain stops there with an error (Go SDK v2: \"role ARN is not set\"; botocore: InvalidConfigError, no role ARN configured) (IRSA109 judges the variables)",
			},
		},
		{name: "ServiceAccount missing", snap: fxSnapshot(fxDeployment(), noSA),
			want: []string{
				"IRSA407 skipped Deployment payments/api: blocked by IRSA101",
			},
		},
		{name: "no intent", snap: fxSnapshot(fxBarePod("web", func(p *snapshot.Pod) { p.Spec.ServiceAccountName = "default" })), want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxOnly(fxRun(t, tt.snap, Selector{}, tt.details, All...), "IRSA407")
			fxAssert(t, got, tt.want)
		})
	}
}
