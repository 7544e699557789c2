package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA210(t *testing.T) {
	sub := func(op, v string) func(*snapshot.Snapshot) {
		return iamSetTrust(fixStatementDoc(iamProvider, iamHP, op, v, "sts.amazonaws.com"))
	}
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "no wildcard", heads: true, want: []string{
			"IRSA210 pass IAMRole s3-reader: Statement[0] has no * or ? under StringEquals",
		}},
		{name: "wildcard under StringLike", heads: true, mods: []func(*snapshot.Snapshot){sub("StringLike", "system:serviceaccount:payments:s3-*")}, want: []string{
			"IRSA210 pass IAMRole s3-reader: Statement[0] has no * or ? under StringEquals",
		}},
		{name: "wildcard under StringEquals", mods: []func(*snapshot.Snapshot){sub("StringEquals", "system:serviceaccount:payments:s3-*")}, want: []string{
			"IRSA210 fail IAMRole s3-reader: Statement[0] compares oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub with StringEquals \"system:serviceaccount:payments:s3-*\", which IAM reads literally: under StringEquals * and ? are plain characters, so \"system:serviceaccount:payments:s3-reader\" does not match; as a StringLike pattern it would\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:payments:s3-*\",\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\":\"sts.amazonaws.com\"}}}]}\n  evidence: bundle pods.json: the token's sub: system:serviceaccount:payments:s3-reader\n  fix: require_trust_policy s3-reader s3-reader.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.before.json",
		}},
		{name: "wildcard that would not match either", heads: true, mods: []func(*snapshot.Snapshot){sub("StringEquals", "system:serviceaccount:billing:*")}, want: []string{
			"IRSA210 pass IAMRole s3-reader: Statement[0] compares oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub with StringEquals \"system:serviceaccount:billing:*\" literally, but as a pattern it would not admit \"system:serviceaccount:payments:s3-reader\" either",
		}},
		{name: "wildcard beside a value that admits", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + iamHP + `:sub":["system:serviceaccount:jobs:*","` + iamSub + `"]}}}`)),
		}, want: []string{
			"IRSA210 pass IAMRole s3-reader: Statement[0] compares oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub with StringEquals \"system:serviceaccount:jobs:*\" literally, and another of its values admits \"system:serviceaccount:payments:s3-reader\"",
		}},
		{name: "wildcard on an unknown audience", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fixStatementDoc(iamProvider, iamHP, "StringEquals", iamSub, "sts.*")),
			func(s *snapshot.Snapshot) {
				s.Pods[0].Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.Audience = ""
			},
		}, want: []string{
			"IRSA210 skipped IAMRole s3-reader: Statement[0] compares oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud with StringEquals \"sts.*\", and the token's value is not known",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa210)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
