package bundle

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestReadErrorTexts(t *testing.T) {
	nf := func(kind snapshot.Kind, name, msg string) snapshot.NotFound {
		return snapshot.NotFound{Kind: kind, Name: name, Message: msg, Source: stdinSrc}
	}
	tests := []struct {
		name  string
		input string
		want  *snapshot.Snapshot
	}{
		{
			name: "kubectl NotFound for each kind; the namespace is never printed",
			input: `Error from server (NotFound): serviceaccounts "s3-reader" not found
Error from server (NotFound): pods "api-0" not found
Error from server (NotFound): namespaces "payments" not found
Error from server (NotFound): deployments.apps "api" not found
Error from server (NotFound): cronjobs.batch "report" not found
Error from server (NotFound): mutatingwebhookconfigurations.admissionregistration.k8s.io "pod-identity-webhook" not found
`,
			want: want(func(s *snapshot.Snapshot) {
				s.NotFounds = []snapshot.NotFound{
					nf(snapshot.KindServiceAccount, "s3-reader", `Error from server (NotFound): serviceaccounts "s3-reader" not found`),
					nf(snapshot.KindPod, "api-0", `Error from server (NotFound): pods "api-0" not found`),
					nf(snapshot.KindNamespace, "payments", `Error from server (NotFound): namespaces "payments" not found`),
					nf(snapshot.KindWorkload, "api", `Error from server (NotFound): deployments.apps "api" not found`),
					nf(snapshot.KindWorkload, "report", `Error from server (NotFound): cronjobs.batch "report" not found`),
					nf(snapshot.KindWebhookConfiguration, "pod-identity-webhook", `Error from server (NotFound): mutatingwebhookconfigurations.admissionregistration.k8s.io "pod-identity-webhook" not found`),
				}
				s.Files = file("kubectl:Error", "")
			}),
		},
		{
			name: "kubectl Forbidden is a gap",
			input: `Error from server (Forbidden): serviceaccounts "api" is forbidden: User "dev" cannot get resource "serviceaccounts" in API group "" in the namespace "payments"
Error from server (Forbidden): pods is forbidden: User "dev" cannot list resource "pods" in API group "" at the cluster scope
`,
			want: want(func(s *snapshot.Snapshot) {
				s.Gaps = []snapshot.Gap{
					{Source: "kube", Operation: "get serviceaccounts", Resource: "payments/api", Reason: "Forbidden"},
					{Source: "kube", Operation: "list pods", Reason: "Forbidden"},
				}
				s.Files = file("kubectl:Error", "")
			}),
		},
		{
			name: "AWS CLI NotFound texts, v1 and v2 forms",
			input: "\nAn error occurred (NoSuchEntity) when calling the GetRole operation: The role with name s3-reader cannot be found.\n" +
				"aws: [ERROR]: An error occurred (NoSuchEntity) when calling the GetOpenIDConnectProvider operation (reached max retries: 2): OpenIDConnect Provider not found for arn arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC\n" +
				"An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: prod.\n",
			want: want(func(s *snapshot.Snapshot) {
				s.NotFounds = []snapshot.NotFound{
					nf(snapshot.KindRole, "s3-reader", "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name s3-reader cannot be found."),
					nf(snapshot.KindOIDCProvider, "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC",
						"aws: [ERROR]: An error occurred (NoSuchEntity) when calling the GetOpenIDConnectProvider operation (reached max retries: 2): OpenIDConnect Provider not found for arn arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/ABC"),
					nf(snapshot.KindCluster, "prod", "An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: prod."),
				}
				s.Files = file("aws:Error", "")
			}),
		},
		{
			name: "AWS AccessDenied and other errors of calls the bundle reads are gaps",
			input: "An error occurred (AccessDenied) when calling the GetRole operation: User: arn:aws:sts::111122223333:assumed-role/ReadOnly/bob is not authorized to perform: iam:GetRole on resource: role s3-reader because no identity-based policy allows the iam:GetRole action\n" +
				"An error occurred (AccessDeniedException) when calling the DescribeCluster operation: User: arn:aws:iam::111122223333:user/bob is not authorized to perform: eks:DescribeCluster on resource: arn:aws:eks:us-west-2:111122223333:cluster/prod\n" +
				"An error occurred (ExpiredToken) when calling the ListRoles operation: The security token included in the request is expired\n",
			want: want(func(s *snapshot.Snapshot) {
				s.Gaps = []snapshot.Gap{
					{Source: "aws", Operation: "eks:DescribeCluster", Resource: "arn:aws:eks:us-west-2:111122223333:cluster/prod", Reason: "AccessDeniedException"},
					{Source: "aws", Operation: "iam:GetRole", Resource: "role s3-reader", Reason: "AccessDenied"},
					{Source: "aws", Operation: "iam:ListRoles", Reason: "ExpiredToken"},
				}
				s.Files = file("aws:Error", "")
			}),
		},
		{
			name: "kubectl and aws lines mixed with an unknown line",
			input: "Error from server (NotFound): serviceaccounts \"x\" not found\r\n" +
				"error: the server doesn't have a resource type \"serviceaccountz\"\r\n" +
				"An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name x cannot be found.\r\n",
			want: want(func(s *snapshot.Snapshot) {
				s.NotFounds = []snapshot.NotFound{
					nf(snapshot.KindServiceAccount, "x", `Error from server (NotFound): serviceaccounts "x" not found`),
					nf(snapshot.KindRole, "x", "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name x cannot be found."),
				}
				s.Files = file("kubectl:Error,aws:Error", `-:2:1: not an error text irsa-doctor reads: "error: the server doesn't have a resource type \"serviceaccountz\""`)
			}),
		},
		{
			name:  "an error of an operation the bundle does not read",
			input: "An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id x does not exist\n",
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:1: not an error text irsa-doctor reads: "An error occurred (ValidationError) when calling the DescribeStacks operation: Stack with id x does not exist"`)
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmpSnap(t, tt.want, readStdin(t, tt.input))
		})
	}
}
