package check

import (
	"strings"
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA404(t *testing.T) {
	piRunCases(t, irsa404, []piCase{
		{name: "the trust policy EKS documents", mods: nil, want: []string{
			"IRSA404 pass IAMRole payments-reports: the trust policy of role payments-reports allows pods.eks.amazonaws.com sts:AssumeRole and sts:TagSession (statement \"AllowEksAuthToAssumeRoleForPodIdentity\")\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.json: role payments-reports trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowEksAuthToAssumeRoleForPodIdentity\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]}]}",
		}},
		{name: "an IRSA trust policy", mods: []func(*snapshot.Snapshot){piSetTrust(`{"Version":"2012-10-17","Statement":[{"Sid":"Irsa","Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`)}, want: []string{
			"IRSA404 fail IAMRole payments-reports: the trust policy of role payments-reports does not allow pods.eks.amazonaws.com sts:AssumeRole and sts:TagSession: sts:AssumeRole implicitly denied: statement \"Irsa\" trusts Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"; the request comes from Service \"pods.eks.amazonaws.com\"; and allows action \"sts:AssumeRoleWithWebIdentity\"; the request is for \"sts:AssumeRole\"; sts:TagSession implicitly denied: statement \"Irsa\" trusts Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"; the request comes from Service \"pods.eks.amazonaws.com\"; and allows action \"sts:AssumeRoleWithWebIdentity\"; the request is for \"sts:TagSession\"\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.json: role payments-reports trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"Irsa\",\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\"}]}\n  evidence: bundle describe-pod-identity-association.json: session tags EKS Pod Identity adds: kubernetes-namespace=payments, kubernetes-service-account=reports, eks-cluster-name=prod, eks-cluster-arn=arn:aws:eks:eu-west-1:111122223333:cluster/prod\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e\n  fix: require_trust_policy payments-reports payments-reports.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name payments-reports --policy-document file://payments-reports.trust-policy.json",
		}},
		{name: "sts:TagSession missing", mods: []func(*snapshot.Snapshot){piSetTrust(`{"Version":"2012-10-17","Statement":[{"Sid":"PodIdentity","Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole"}]}`)}, want: []string{
			"IRSA404 fail IAMRole payments-reports: the trust policy of role payments-reports does not allow pods.eks.amazonaws.com sts:TagSession: implicitly denied: statement \"PodIdentity\" allows action \"sts:AssumeRole\"; the request is for \"sts:TagSession\"\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.json: role payments-reports trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"PodIdentity\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":\"sts:AssumeRole\"}]}\n  evidence: bundle describe-pod-identity-association.json: session tags EKS Pod Identity adds: kubernetes-namespace=payments, kubernetes-service-account=reports, eks-cluster-name=prod, eks-cluster-arn=arn:aws:eks:eu-west-1:111122223333:cluster/prod\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e\n  fix: require_trust_policy payments-reports payments-reports.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name payments-reports --policy-document file://payments-reports.trust-policy.json",
		}},
		{name: "session-tag conditions that match", mods: []func(*snapshot.Snapshot){piSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"payments","aws:RequestTag/kubernetes-service-account":"reports","aws:RequestTag/eks-cluster-name":"prod"}}}]}`)}, want: []string{
			"IRSA404 pass IAMRole payments-reports: the trust policy of role payments-reports allows pods.eks.amazonaws.com sts:AssumeRole and sts:TagSession (Statement[0])\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.json: role payments-reports trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Condition\":{\"StringEquals\":{\"aws:RequestTag/kubernetes-namespace\":\"payments\",\"aws:RequestTag/kubernetes-service-account\":\"reports\",\"aws:RequestTag/eks-cluster-name\":\"prod\"}}}]}",
		}},
		{name: "a session-tag condition on another namespace", mods: []func(*snapshot.Snapshot){piSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"payment"}}}]}`)}, want: []string{
			"IRSA404 fail IAMRole payments-reports: the trust policy of role payments-reports does not allow pods.eks.amazonaws.com sts:AssumeRole and sts:TagSession: sts:AssumeRole implicitly denied: Statement[0] requires aws:RequestTag/kubernetes-namespace StringEquals \"payment\"; the request has \"payments\"; sts:TagSession implicitly denied: Statement[0] requires aws:RequestTag/kubernetes-namespace StringEquals \"payment\"; the request has \"payments\"\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.json: role payments-reports trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Condition\":{\"StringEquals\":{\"aws:RequestTag/kubernetes-namespace\":\"payment\"}}}]}\n  evidence: bundle describe-pod-identity-association.json: session tags EKS Pod Identity adds: kubernetes-namespace=payments, kubernetes-service-account=reports, eks-cluster-name=prod, eks-cluster-arn=arn:aws:eks:eu-west-1:111122223333:cluster/prod\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e\n  fix: require_trust_policy payments-reports payments-reports.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name payments-reports --policy-document file://payments-reports.trust-policy.json",
		}},
		{name: "a condition on aws:SourceAccount cannot be decided", mods: []func(*snapshot.Snapshot){piSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"aws:SourceAccount":"111122223333"}}}]}`)}, want: []string{
			"IRSA404 skipped IAMRole payments-reports: whether the trust policy of role payments-reports lets pods.eks.amazonaws.com assume it depends on what the input does not tell: sts:AssumeRole undetermined: Statement[0] may allow sts:AssumeRole: it tests aws:SourceAccount with StringEquals, a key the request may carry but this evaluator was not given; sts:TagSession undetermined: Statement[0] may allow sts:TagSession: it tests aws:SourceAccount with StringEquals, a key the request may carry but this evaluator was not given\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.json: role payments-reports trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"],\"Condition\":{\"StringEquals\":{\"aws:SourceAccount\":\"111122223333\"}}}]}\n  evidence: bundle describe-pod-identity-association.json: session tags EKS Pod Identity adds: kubernetes-namespace=payments, kubernetes-service-account=reports, eks-cluster-name=prod, eks-cluster-arn=arn:aws:eks:eu-west-1:111122223333:cluster/prod\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e",
		}},
		{name: "an explicit Deny", mods: []func(*snapshot.Snapshot){piSetTrust(`{"Version":"2012-10-17","Statement":[{"Sid":"AllowEksAuthToAssumeRoleForPodIdentity","Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]},{"Sid":"NoTags","Effect":"Deny","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:TagSession"}]}`)}, want: []string{
			"IRSA404 fail IAMRole payments-reports: the trust policy of role payments-reports does not allow pods.eks.amazonaws.com sts:TagSession: explicitly denied: statement \"NoTags\" denies sts:TagSession, which overrides the Allow in statement \"AllowEksAuthToAssumeRoleForPodIdentity\"\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle get-role.json: role payments-reports trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"AllowEksAuthToAssumeRoleForPodIdentity\",\"Effect\":\"Allow\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":[\"sts:AssumeRole\",\"sts:TagSession\"]},{\"Sid\":\"NoTags\",\"Effect\":\"Deny\",\"Principal\":{\"Service\":\"pods.eks.amazonaws.com\"},\"Action\":\"sts:TagSession\"}]}\n  evidence: bundle describe-pod-identity-association.json: session tags EKS Pod Identity adds: kubernetes-namespace=payments, kubernetes-service-account=reports, eks-cluster-name=prod, eks-cluster-arn=arn:aws:eks:eu-west-1:111122223333:cluster/prod\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e",
		}},
		{name: "the role is missing", mods: []func(*snapshot.Snapshot){piNoRole}, want: []string{
			"IRSA404 skipped IAMRole payments-reports: blocked by IRSA410\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e",
		}},
		{name: "the role is not in the input", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { delete(s.Roles, piRole) }}, want: []string{
			"IRSA404 skipped IAMRole payments-reports: role payments-reports is not in the input (capture: aws iam get-role --role-name payments-reports --output json)\n  evidence: bundle describe-pod-identity-association.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports, role arn:aws:iam::111122223333:role/payments-reports, created 2026-11-10T09:00:00.123000+00:00\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e",
		}},
		{name: "a list-only association names no role", mods: []func(*snapshot.Snapshot){piListOnly}, want: []string{
			"IRSA404 skipped PodIdentityAssociation payments/a-1b2c3d4e5f6a7b8c9: the association's role is not in the input: list-pod-identity-associations does not print it (capture: aws eks describe-pod-identity-association --cluster-name prod --association-id a-1b2c3d4e5f6a7b8c9 --region eu-west-1 --output json)\n  evidence: bundle list-pod-identity-associations.json: EKS Pod Identity association a-1b2c3d4e5f6a7b8c9 of cluster prod: namespace payments, ServiceAccount reports\n  evidence: bundle deployments.json: affects Deployment payments/reports\n  evidence: bundle pods.json: affects Pod payments/reports-6c9f7d8b5-q2w8e",
		}},
		{name: "an IRSA-only ServiceAccount gets nothing", mods: []func(*snapshot.Snapshot){piIRSAOnly}},
	})
}

// TestIRSA404Fix: the corrected trust policy is the user's document with
// the smallest change: a statement that already trusts the principal
// gains the missing action; otherwise the statement EKS documents is
// appended.
func TestIRSA404Fix(t *testing.T) {
	tests := []struct {
		name, trust, want string
	}{
		{
			name:  "the missing action joins the statement",
			trust: `{"Version":"2012-10-17","Statement":[{"Sid":"PodIdentity","Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"aws:RequestTag/kubernetes-namespace":"payments"}}}]}`,
			want: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "PodIdentity",
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ],
      "Condition": {
        "StringEquals": {
          "aws:RequestTag/kubernetes-namespace": "payments"
        }
      }
    }
  ]
}
`,
		},
		{
			name:  "an IRSA trust policy keeps its statement and gains the Pod Identity one",
			trust: `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},"Action":"sts:AssumeRoleWithWebIdentity"}}`,
			want: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Effect": "Allow",
      "Principal": {
        "Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
      },
      "Action": "sts:AssumeRoleWithWebIdentity"
    },
    {
      "Sid": "AllowEksAuthToAssumeRoleForPodIdentity",
      "Effect": "Allow",
      "Principal": {
        "Service": "pods.eks.amazonaws.com"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:TagSession"
      ]
    }
  ]
}
`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Run(piSnapshot(piSetTrust(tt.trust)), Options{Checks: []*Check{irsa404}, Now: fx.Now})
			var files []string
			for _, f := range out.Findings {
				if f.Fix != nil {
					for _, file := range f.Fix.Files {
						if strings.HasSuffix(file.Name, ".before.json") {
							continue // the document the fix was computed from
						}
						files = append(files, file.Name+"\n"+file.Content)
					}
				}
			}
			fxAssert(t, files, []string{"payments-reports.trust-policy.json\n" + tt.want})
		})
	}
}
