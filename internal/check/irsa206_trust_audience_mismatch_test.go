package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA206(t *testing.T) {
	aud := func(v string) func(*snapshot.Snapshot) {
		return iamSetTrust(fixStatementDoc(iamProvider, iamHP, "StringEquals", iamSub, v))
	}
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "audience matches", heads: true, want: []string{
			"IRSA206 pass IAMRole s3-reader: aud \"sts.amazonaws.com\" satisfies the :aud condition of Statement[0]",
		}},
		{name: "China audience in the policy", mods: []func(*snapshot.Snapshot){aud("sts.amazonaws.com.cn")}, want: []string{
			"IRSA206 fail IAMRole s3-reader: Statement[0] requires oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud StringEquals \"sts.amazonaws.com.cn\"; the token has \"sts.amazonaws.com\"\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:payments:s3-reader\",\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\":\"sts.amazonaws.com.cn\"}}}]}\n  evidence: bundle pods.json: the token's aud: sts.amazonaws.com (volume aws-iam-token of Pod payments/api-7d9f8b6c5-x2k4p)\n  fix: require_trust_policy s3-reader s3-reader.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.before.json",
		}},
		{name: "pod token of another audience", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.Pods[0].Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.Audience = "sts.us-west-2.amazonaws.com"
		}}, want: []string{
			// A bare pod: the webhook would give a new one the default
			// audience, which the condition admits.
			"IRSA206 fail IAMRole s3-reader: Statement[0] requires oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud StringEquals \"sts.amazonaws.com\"; the token has \"sts.us-west-2.amazonaws.com\"; the pods keep the audience they were created with, and a re-created pod gets \"sts.amazonaws.com\", which the condition admits: restart the pods",
		}},
		{name: "template's own volume with another audience", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.Pods = nil
			s.Workloads = []*snapshot.Workload{iamDeployment(iamMutatedPod("payments", "", "s3-reader", "vault").Spec)}
		}}, want: []string{
			"IRSA206 fail IAMRole s3-reader: Statement[0] requires oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud StringEquals \"sts.amazonaws.com\"; the token has \"vault\"; the audience comes from the aws-iam-token volume the pod template defines itself, which the webhook keeps\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:payments:s3-reader\",\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\":\"sts.amazonaws.com\"}}}]}\n  evidence: bundle deployments.json: the token's aud: vault (volume aws-iam-token of the pod template of Deployment payments/api; the webhook keeps it, since it adds no volume whose name exists)\n  fix: require_trust_policy s3-reader s3-reader.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.before.json",
		}},
		{name: "values swapped with sub", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fixStatementDoc(iamProvider, iamHP, "StringEquals", "sts.amazonaws.com", iamSub)),
		}, want: []string{
			"IRSA206 fail IAMRole s3-reader: Statement[0] requires oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud StringEquals \"system:serviceaccount:payments:s3-reader\"; the token has \"sts.amazonaws.com\": \"system:serviceaccount:payments:s3-reader\" is a service account subject, not an audience: the :sub and :aud values look swapped",
		}},
		{name: "token names no audience", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.Pods[0].Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.Audience = ""
		}}, want: []string{
			"IRSA206 skipped IAMRole s3-reader: Statement[0] tests :aud, and the token's audience is not known: the token names none, so the API server issues it for its own audiences, which the input does not show",
		}},
		{name: "no aud condition", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + iamHP + `:sub":"` + iamSub + `"}}}`)),
		}, want: []string{
			"IRSA206 pass IAMRole s3-reader: Statement[0] does not restrict :aud",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa206)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
