package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA208(t *testing.T) {
	allow := fx.TrustStatement(iamProvider, iamHP, "StringLike", "system:serviceaccount:payments:*", "sts.amazonaws.com")
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "no Deny statement", heads: true, want: []string{
			"IRSA208 pass IAMRole s3-reader: trust policy has no Deny statement",
		}},
		{name: "a Deny for another namespace", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(allow, `{"Sid":"NoKubeSystem","Effect":"Deny","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"`+iamHP+`:sub":"system:serviceaccount:kube-system:*"}}}`)),
		}, want: []string{
			"IRSA208 pass IAMRole s3-reader: no Deny statement of the trust policy applies to sub \"system:serviceaccount:payments:s3-reader\"",
		}},
		{name: "a Deny that matches", mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(allow, `{"Sid":"NoS3Accounts","Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringLike":{"`+iamHP+`:sub":"system:serviceaccount:*:s3-*"}}}`)),
		}, want: []string{
			"IRSA208 fail IAMRole s3-reader: trust policy denies sub \"system:serviceaccount:payments:s3-reader\": statement \"NoS3Accounts\" denies sts:AssumeRoleWithWebIdentity, which overrides the Allow in Statement[0]\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringLike\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:payments:*\",\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\":\"sts.amazonaws.com\"}}},{\"Sid\":\"NoS3Accounts\",\"Effect\":\"Deny\",\"Principal\":\"*\",\"Action\":\"sts:*\",\"Condition\":{\"StringLike\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:*:s3-*\"}}}]}\n  evidence: bundle pods.json: the token's sub: system:serviceaccount:payments:s3-reader\n  evidence: bundle pods.json: the token's aud: sts.amazonaws.com (volume aws-iam-token of Pod payments/api-7d9f8b6c5-x2k4p)\n  fix: require_trust_policy s3-reader s3-reader.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.before.json",
		}},
		{name: "a Deny the evaluator cannot decide", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(allow, `{"Sid":"OfficeOnly","Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"NotIpAddress":{"aws:SourceIp":"203.0.113.0/24"}}}`)),
		}, want: []string{
			"IRSA208 skipped IAMRole s3-reader: whether statement \"OfficeOnly\" denies the request is not known: it tests aws:SourceIp with NotIpAddress, a key the token may carry but this evaluator was not given",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa208)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
