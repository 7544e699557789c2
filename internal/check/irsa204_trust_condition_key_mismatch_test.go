package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA204(t *testing.T) {
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "keys of the issuer", heads: true, want: []string{
			"IRSA204 pass IAMRole s3-reader: Statement[0] tests the issuer's own keys: oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub, oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud",
		}},
		{name: "key case differs: IAM compares keys case-insensitively", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fixStatementDoc(iamProvider, "OIDC.EKS.US-WEST-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", "StringEquals", iamSub, "sts.amazonaws.com")),
		}, want: []string{
			"IRSA204 pass IAMRole s3-reader: Statement[0] tests the issuer's own keys: OIDC.EKS.US-WEST-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub, OIDC.EKS.US-WEST-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud",
		}},
		{name: "no conditions", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity"}`)),
		}, want: []string{
			"IRSA204 pass IAMRole s3-reader: Statement[0] tests no condition key of another issuer",
		}},
		{name: "keys keep https://", mods: []func(*snapshot.Snapshot){
			iamSetTrust(fixStatementDoc(iamProvider, "https://"+iamHP, "StringEquals", iamSub, "sts.amazonaws.com")),
		}, want: []string{
			"IRSA204 fail IAMRole s3-reader: condition keys \"https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\" and \"https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\" of Statement[0] never match: the token's keys are oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub and oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud (likely cause: it keeps the issuer URL's https:// scheme)\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:payments:s3-reader\",\"https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\":\"sts.amazonaws.com\"}}}]}\n  evidence: bundle describe-cluster.json: cluster prod issuer: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\n  evidence: bundle get-role.json: Statement[0] requires https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub StringEquals \"system:serviceaccount:payments:s3-reader\"; the token has no https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\n  fix: require_trust_policy s3-reader s3-reader.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.before.json",
		}},
		{name: "keys are the provider ARN", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fixStatementDoc(iamProvider, iamProvider, "StringEquals", iamSub, "sts.amazonaws.com")),
		}, want: []string{
			"IRSA204 fail IAMRole s3-reader: condition keys \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\" and \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\" of Statement[0] never match: the token's keys are oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub and oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud (likely cause: it is the provider ARN, but condition keys start with the issuer's host and path)",
		}},
		{name: "a negated condition on another issuer's key holds", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` +
				iamHP + `:sub":"` + iamSub + `"},"StringNotEquals":{"https://` + iamHP + `:sub":"system:serviceaccount:kube-system:default"}}}`)),
		}, want: []string{
			"IRSA204 pass IAMRole s3-reader: Statement[0] tests the issuer's own keys: oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub",
		}},
		{name: "ForAnyValue with IfExists on another issuer's key", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"ForAnyValue:StringLikeIfExists":{"https://` +
				iamHP + `:sub":"system:serviceaccount:payments:*"}}}`)),
		}, want: []string{
			"IRSA204 skipped IAMRole s3-reader: Statement[0] uses ForAnyValue:StringLikeIfExists on https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub, which the token lacks; AWS's documentation and observed behaviour disagree on IfExists under ForAnyValue",
		}},
		{name: "blocked when no Allow statement", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Deny","Principal":"*","Action":"sts:AssumeRole"}]}`),
		}, want: []string{
			"IRSA204 skipped IAMRole s3-reader: the trust policy of role s3-reader has no Allow statement (IRSA202)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa204)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

// fixStatementDoc is a document of one statement of the EKS form.
func fixStatementDoc(provider, hp, op, sub, aud string) string {
	return fx.PolicyDoc(fx.TrustStatement(provider, hp, op, sub, aud))
}
