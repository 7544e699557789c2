package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA209(t *testing.T) {
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "valid", heads: true, want: []string{
			"IRSA209 pass IAMRole s3-reader: trust policy of role s3-reader is a valid IAM trust policy (1 statement)",
		}},
		{name: "unknown operator", mods: []func(*snapshot.Snapshot){
			iamSetTrust(fixStatementDoc(iamProvider, iamHP, "StringEqual", iamSub, "sts.amazonaws.com")),
		}, want: []string{
			"IRSA209 fail IAMRole s3-reader: trust policy of role s3-reader is not a document IAM accepts (invalid policy at Statement[0].Condition: unknown condition operator \"StringEqual\" (IAM: \"Invalid Condition type\")); IAM rejects such a document when it is written, so this copy was edited after it was captured\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEqual\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:payments:s3-reader\",\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\":\"sts.amazonaws.com\"}}}]}\n  fix: aws iam get-role --role-name s3-reader --output json",
		}},
		{name: "truncated", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWith`),
		}, want: []string{
			"IRSA209 fail IAMRole s3-reader: trust policy of role s3-reader is not a document IAM accepts (invalid policy: not valid JSON: the document ends early); IAM rejects such a document when it is written, so this copy was edited after it was captured",
		}},
		{name: "Resource in a trust policy", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Resource":"*"}`)),
		}, want: []string{
			"IRSA209 fail IAMRole s3-reader: trust policy of role s3-reader is not a trust policy IAM accepts (invalid policy at Statement[0].Resource: a trust policy cannot have Resource); IAM rejects it when it is written, so this copy was edited after it was captured",
		}},
		{name: "trust policy not captured", heads: true, mods: []func(*snapshot.Snapshot){iamSetTrust("")}, want: []string{
			"IRSA209 skipped IAMRole s3-reader: the input holds role s3-reader without its trust policy (capture: aws iam get-role --role-name s3-reader --output json)",
		}},
		{name: "role not in the input", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { delete(s.Roles, iamRoleARN) }}, want: []string{
			"IRSA209 skipped IAMRole s3-reader: role s3-reader is not in the input (capture: aws iam get-role --role-name s3-reader --output json)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa209)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
