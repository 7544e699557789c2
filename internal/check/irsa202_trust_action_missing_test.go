package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA202(t *testing.T) {
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "allows the action", heads: true, want: []string{
			"IRSA202 pass IAMRole s3-reader: Statement[0] allows sts:AssumeRoleWithWebIdentity",
		}},
		{name: "a wildcard action counts", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRole*","Condition":{"StringEquals":{"` + iamHP + `:sub":"` + iamSub + `"}}}`)),
		}, want: []string{
			"IRSA202 pass IAMRole s3-reader: Statement[0] allows sts:AssumeRoleWithWebIdentity",
		}},
		{name: "only sts:AssumeRole", mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Sid":"EKS","Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"` + iamHP + `:sub":"` + iamSub + `"}}}`)),
		}, want: []string{
			"IRSA202 fail IAMRole s3-reader: trust policy does not allow sts:AssumeRoleWithWebIdentity: statement \"EKS\" allows action \"sts:AssumeRole\"; the request is for \"sts:AssumeRoleWithWebIdentity\"\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Sid\":\"EKS\",\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRole\",\"Condition\":{\"StringEquals\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:payments:s3-reader\"}}}]}\n  fix: require_trust_policy s3-reader s3-reader.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.before.json",
		}},
		{name: "only a Pod Identity statement", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Action":["sts:AssumeRole","sts:TagSession"]}]}`),
		}, want: []string{
			"IRSA202 fail IAMRole s3-reader: trust policy does not allow sts:AssumeRoleWithWebIdentity: Statement[0] allows action \"sts:AssumeRole\" or \"sts:TagSession\"; the request is for \"sts:AssumeRoleWithWebIdentity\"",
		}},
		{name: "no Allow statement", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}`),
		}, want: []string{
			"IRSA202 fail IAMRole s3-reader: trust policy has no Allow statement, so nothing allows sts:AssumeRoleWithWebIdentity",
		}},
		{name: "role not in the input", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { delete(s.Roles, iamRoleARN) }}, want: []string{
			"IRSA202 skipped IAMRole s3-reader: role s3-reader is not in the input (capture: aws iam get-role --role-name s3-reader --output json)",
		}},
		{name: "repeated key", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Effect":"Deny","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`),
		}, want: []string{
			"IRSA202 skipped IAMRole s3-reader: IAM's decision for the trust policy of role s3-reader is not determined: it repeats the JSON key \"Effect\" at Statement[0], and IAM does not document which copy it uses",
		}},
		{name: "cluster not in the input", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { s.Clusters = nil }}, want: []string{
			"IRSA202 skipped IAMRole s3-reader: the request STS evaluates is not known: the input has no EKS cluster and no issuer URL (capture: aws eks describe-cluster --name CLUSTER --output json)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa202)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
