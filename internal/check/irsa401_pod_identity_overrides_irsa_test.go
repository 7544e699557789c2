package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA401(t *testing.T) {
	const acct, region = "111122223333", "eu-west-1"
	cluster := fx.Cluster("prod", acct, region)
	assoc := fx.Association("prod", acct, region, fx.NS, "api")
	withRole := func(role string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			for _, a := range s.PodIdentityAssociations {
				a.RoleARN, a.Detailed = role, true
			}
		}
	}
	other := "arn:aws:iam::111122223333:role/payments-api-pod-identity"
	podIdentityEnv := func(p *snapshot.Pod) {
		p.Labels = map[string]string{"app": "api", "pod-template-hash": "7d9f8b6c5", webhook.LabelPodIdentity: "enabled"}
		p.Spec.Containers[0].Env = []snapshot.EnvVar{fx.Lit(webhook.EnvContainerFullURI, webhook.PodIdentityFullURI), fx.Lit(webhook.EnvContainerToken, webhook.PodIdentityTokenPath)}
	}
	bothEnv := func(w *snapshot.Workload) {
		w.Template.Spec.Containers[0].Env = []snapshot.EnvVar{fx.Lit(webhook.EnvRoleARN, fx.Role), fx.Lit(webhook.EnvTokenFile, webhook.TokenPath)}
	}
	fargate := fx.Node(func(n *snapshot.Node) {
		n.Labels["eks.amazonaws.com/compute-type"] = "fargate"
		n.Spec.ProviderID = "aws:///eu-west-1b/3f2e1d0c9b/" + fx.NodeName
	})
	unusedSA := func(s *snapshot.Snapshot) {
		s.ServiceAccounts[snapshot.Key(fx.NS, "reports")] = fx.SA("reports", webhook.AnnotationRoleARN, "arn:aws:iam::111122223333:role/reports")
		s.PodIdentityAssociations = append(s.PodIdentityAssociations, &snapshot.PodIdentityAssociation{ClusterName: "prod", Namespace: fx.NS, ServiceAccount: "reports",
			ID: "a-reports", Account: acct, Region: region, RoleARN: other, Detailed: true, Source: fx.Src("describe-pod-identity-association.json")})
	}
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		details bool
		want    []string
	}{
		{name: "template: Pod Identity wins, other role", snap: fx.Snapshot(fx.Deployment(), cluster, assoc, withRole(other)), details: true,
			want: []string{
				"IRSA401 fail Deployment payments/api container app: ServiceAccount \"api\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/payments-api\" and EKS Pod Identity association a-paymentsapi (role \"arn:aws:iam::111122223333:role/payments-api-pod-identity\"): the webhook gives pods of the ServiceAccount EKS Pod Identity, not IRSA, so the container uses the association and the annotation has no effect; the two roles differ, so which one applies changes the permissions" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-api" +
					"\n  evidence: bundle pod-identity-associations.json: EKS Pod Identity association a-paymentsapi of cluster prod: namespace payments, ServiceAccount api, role arn:aws:iam::111122223333:role/payments-api-pod-identity",
			},
		},
		{name: "template: same role both ways", snap: fx.Snapshot(fx.Deployment(), cluster, assoc, withRole(fx.Role)),
			want: []string{
				"IRSA401 pass Deployment payments/api container app: ServiceAccount \"api\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/payments-api\" and EKS Pod Identity association a-paymentsapi (role \"arn:aws:iam::111122223333:role/payments-api\"): the webhook gives pods of the ServiceAccount EKS Pod Identity, not IRSA, so the container uses the association and the annotation has no effect; both name the same role, so the permissions are the same either way",
			},
		},
		{name: "template: the association's role is unknown", snap: fx.Snapshot(fx.Deployment(), cluster, assoc),
			want: []string{
				"IRSA401 skipped Deployment payments/api container app: ServiceAccount \"api\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/payments-api\" and EKS Pod Identity association a-paymentsapi: the webhook gives pods of the ServiceAccount EKS Pod Identity, not IRSA, so the container uses the association and the annotation has no effect; the association's role is not in the input, so whether the roles differ is unknown (capture: aws eks describe-pod-identity-association --cluster-name prod --association-id a-paymentsapi --output json)",
			},
		},
		{name: "template writing web identity itself", snap: fx.Snapshot(fx.Deployment(bothEnv), cluster, assoc, withRole(other)),
			want: []string{
				"IRSA401 fail Deployment payments/api container app: ServiceAccount \"api\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/payments-api\" and EKS Pod Identity association a-paymentsapi (role \"arn:aws:iam::111122223333:role/payments-api-pod-identity\"): the container has both AWS_WEB_IDENTITY_TOKEN_FILE and AWS_CONTAINER_CREDENTIALS_FULL_URI, and every SDK's chain takes web identity first, so it uses the IRSA role arn:aws:iam::111122223333:role/payments-api and not the association; the two roles differ, so which one applies changes the permissions",
			},
		},
		{name: "pod created before the association", snap: fx.Snapshot(fx.OwnedPod(fx.Mutated), cluster, assoc, withRole(other)), details: true,
			want: []string{
				"IRSA401 fail Pod payments/api-7d9f8b6c5-x2k4p container app: ServiceAccount \"api\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/payments-api\" and EKS Pod Identity association a-paymentsapi (role \"arn:aws:iam::111122223333:role/payments-api-pod-identity\"): the pod was created before the association, so the container uses the IRSA role arn:aws:iam::111122223333:role/payments-api until the pod is re-created, and then EKS Pod Identity; the two roles differ, so which one applies changes the permissions" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-api" +
					"\n  evidence: bundle pod-identity-associations.json: EKS Pod Identity association a-paymentsapi of cluster prod: namespace payments, ServiceAccount api, role arn:aws:iam::111122223333:role/payments-api-pod-identity" +
					"\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p (created 2026-11-20T08:00:00Z): container app has AWS_ROLE_ARN=arn:aws:iam::111122223333:role/payments-api and no AWS_CONTAINER_CREDENTIALS_FULL_URI",
			},
		},
		{name: "pod with Pod Identity on Fargate", snap: fx.Snapshot(fx.OwnedPod(podIdentityEnv, fx.OnNode), fargate, cluster, assoc, withRole(other)), details: true,
			want: []string{
				"IRSA401 fail Pod payments/api-7d9f8b6c5-x2k4p container app: ServiceAccount \"api\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/payments-api\" and EKS Pod Identity association a-paymentsapi (role \"arn:aws:iam::111122223333:role/payments-api-pod-identity\"): the webhook gives pods of the ServiceAccount EKS Pod Identity, not IRSA, but the pod runs on AWS Fargate (node ip-192-168-33-74.us-west-2.compute.internal), where EKS Pod Identity is not supported, so the association takes away the credentials IRSA would give (IRSA405)" +
					"\n  severity: error" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-api" +
					"\n  evidence: bundle pod-identity-associations.json: EKS Pod Identity association a-paymentsapi of cluster prod: namespace payments, ServiceAccount api, role arn:aws:iam::111122223333:role/payments-api-pod-identity",
			},
		},
		{name: "unused ServiceAccount", snap: fx.Snapshot(cluster, unusedSA),
			want: []string{
				"IRSA401 fail ServiceAccount payments/reports: ServiceAccount \"reports\" has eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/reports\" and EKS Pod Identity association a-reports (role \"arn:aws:iam::111122223333:role/payments-api-pod-identity\"): the webhook gives its pods EKS Pod Identity, not IRSA, so the annotation has no effect on pods created from now on; the two roles differ, so which one applies changes the permissions",
				"IRSA401 pass ServiceAccount payments/api: the input's EKS Pod Identity associations include none for ServiceAccount payments/api: its pods get the IRSA role arn:aws:iam::111122223333:role/payments-api",
			},
		},
		{name: "no association for the ServiceAccount", snap: fx.Snapshot(fx.Deployment(), cluster, fx.Association("prod", acct, region, "billing", "billing")),
			want: []string{
				"IRSA401 pass ServiceAccount payments/api: the input's EKS Pod Identity associations include none for ServiceAccount payments/api: its pods get the IRSA role arn:aws:iam::111122223333:role/payments-api",
			},
		},
		{name: "no associations in the input", snap: fx.Snapshot(fx.Deployment(), cluster),
			want: []string{
				"IRSA401 skipped EKSCluster prod: the input has no EKS Pod Identity associations, so whether one overrides an eks.amazonaws.com/role-arn annotation is unknown (capture: aws eks list-pod-identity-associations --cluster-name prod --output json)",
			},
		},
		// Issue 10, item 10: the skip names why the list is missing.
		{name: "the list could not be read", snap: fx.Snapshot(fx.Deployment(), cluster, func(s *snapshot.Snapshot) {
			s.Gaps = append(s.Gaps, snapshot.Gap{Source: "aws", Operation: "eks:ListPodIdentityAssociations", Resource: "arn:aws:eks:eu-west-1:111122223333:cluster/prod",
				Reason: "AccessDeniedException: not authorized (grant eks:ListPodIdentityAssociations)"})
		}),
			want: []string{
				"IRSA401 skipped EKSCluster prod: eks:ListPodIdentityAssociations was not read (AccessDeniedException: not authorized (grant eks:ListPodIdentityAssociations)), so whether one overrides an eks.amazonaws.com/role-arn annotation is unknown (capture: aws eks list-pod-identity-associations --cluster-name prod --output json)",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxOnly(fxRun(t, tt.snap, model.Selector{}, tt.details, All...), "IRSA401")
			fxAssert(t, got, tt.want)
		})
	}
}
