package check

import (
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA205(t *testing.T) {
	sub := func(op, v string) func(*snapshot.Snapshot) {
		return iamSetTrust(fixStatementDoc(iamProvider, iamHP, op, v, "sts.amazonaws.com"))
	}
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "exact subject", heads: true, want: []string{
			"IRSA205 pass IAMRole s3-reader: sub \"system:serviceaccount:payments:s3-reader\" satisfies the :sub condition of Statement[0]",
		}},
		{name: "namespace pattern", heads: true, mods: []func(*snapshot.Snapshot){sub("StringLike", "system:serviceaccount:payments:*")}, want: []string{
			"IRSA205 pass IAMRole s3-reader: sub \"system:serviceaccount:payments:s3-reader\" satisfies the :sub condition of Statement[0]",
		}},
		{name: "namespace differs", mods: []func(*snapshot.Snapshot){sub("StringEquals", "system:serviceaccount:payment:s3-reader")}, want: []string{
			"IRSA205 fail IAMRole s3-reader: Statement[0] requires oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub StringEquals \"system:serviceaccount:payment:s3-reader\"; the token has \"system:serviceaccount:payments:s3-reader\": the namespace differs: \"payment\" in the policy, \"payments\" in the token\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:payment:s3-reader\",\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\":\"sts.amazonaws.com\"}}}]}\n  evidence: bundle pods.json: the token's sub: system:serviceaccount:payments:s3-reader\n  fix: require_trust_policy s3-reader s3-reader.trust-policy.before.json\n  fix: aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.before.json",
		}},
		{name: "name differs", heads: true, mods: []func(*snapshot.Snapshot){sub("StringEquals", "system:serviceaccount:payments:s3reader")}, want: []string{
			"IRSA205 fail IAMRole s3-reader: Statement[0] requires oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub StringEquals \"system:serviceaccount:payments:s3reader\"; the token has \"system:serviceaccount:payments:s3-reader\": the service account name differs: \"s3reader\" in the policy, \"s3-reader\" in the token",
		}},
		{name: "both differ", heads: true, mods: []func(*snapshot.Snapshot){sub("StringEquals", "system:serviceaccount:default:default")}, want: []string{
			"IRSA205 fail IAMRole s3-reader: Statement[0] requires oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub StringEquals \"system:serviceaccount:default:default\"; the token has \"system:serviceaccount:payments:s3-reader\": both the namespace and the name differ: \"default:default\" in the policy, \"payments:s3-reader\" in the token",
		}},
		{name: "pattern of another namespace", heads: true, mods: []func(*snapshot.Snapshot){sub("StringLike", "system:serviceaccount:billing-*:s3-reader")}, want: []string{
			"IRSA205 fail IAMRole s3-reader: Statement[0] requires oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub StringLike \"system:serviceaccount:billing-*:s3-reader\"; the token has \"system:serviceaccount:payments:s3-reader\": the namespace differs: \"billing-*\" in the policy, \"payments\" in the token",
		}},
		{name: "values swapped with aud", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fixStatementDoc(iamProvider, iamHP, "StringEquals", "sts.amazonaws.com", iamSub)),
		}, want: []string{
			"IRSA205 fail IAMRole s3-reader: Statement[0] requires oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub StringEquals \"sts.amazonaws.com\"; the token has \"system:serviceaccount:payments:s3-reader\": \"sts.amazonaws.com\" is the token's audience, not a subject: the :sub and :aud values look swapped",
		}},
		{name: "under a misspelled key", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fixStatementDoc(iamProvider, "https://"+iamHP, "StringEquals", "system:serviceaccount:payment:s3-reader", "sts.amazonaws.com")),
		}, want: []string{
			"IRSA205 fail IAMRole s3-reader: Statement[0] requires https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub StringEquals \"system:serviceaccount:payment:s3-reader\"; the token has \"system:serviceaccount:payments:s3-reader\": the namespace differs: \"payment\" in the policy, \"payments\" in the token (read under this issuer's key; IRSA204 reports the key)",
		}},
		{name: "policy variable", heads: true, mods: []func(*snapshot.Snapshot){sub("StringEquals", "system:serviceaccount:${aws:PrincipalTag/ns}:s3-reader")}, want: []string{
			"IRSA205 skipped IAMRole s3-reader: Statement[0] compares oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub under StringEquals with \"system:serviceaccount:${aws:PrincipalTag/ns}:s3-reader\", whose policy variable \"${aws:PrincipalTag/ns}\" this evaluator does not resolve",
		}},
		{name: "no sub condition", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + iamHP + `:aud":"sts.amazonaws.com"}}}`)),
		}, want: []string{
			"IRSA205 pass IAMRole s3-reader: Statement[0] does not restrict :sub (IRSA207 judges how broad that is)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa205)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

// TestIRSA205FixNamesOtherPrincipals: the corrected policy keeps the
// user's other statements, and the remediation lists the principals they
// trust, so that one a forged capture slipped in is not re-applied unseen.
func TestIRSA205FixNamesOtherPrincipals(t *testing.T) {
	doc := `{"Version":"2012-10-17","Statement":[` +
		fx.TrustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payment:s3-reader", "sts.amazonaws.com") + `,` +
		`{"Sid":"Backdoor","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::999999999999:root"},"Action":"sts:AssumeRole"}]}`
	out := Run(iamSnapshot(iamSetTrust(doc)), Options{Checks: []*Check{irsa205}, Now: iamNow})
	var rem string
	for _, f := range out.Findings {
		if f.CheckID == "IRSA205" && f.Status == finding.StatusFail {
			rem = f.Remediation
		}
	}
	want := `This policy also trusts AWS "arn:aws:iam::999999999999:root" (statement "Backdoor"): the corrected document keeps them as they are; review them before you apply it.`
	if !strings.Contains(rem, want) {
		t.Errorf("remediation lacks %q:\n%s", want, rem)
	}
}

// TestIRSA205FixNamesIaC: a role CloudFormation manages gets a fix that
// says the next stack update reverts a CLI change.
func TestIRSA205FixNamesIaC(t *testing.T) {
	tagged := func(s *snapshot.Snapshot) {
		for _, r := range s.Roles {
			r.Tags = map[string]string{"aws:cloudformation:stack-name": "payments-iam"}
		}
	}
	doc := fx.PolicyDoc(fx.TrustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payment:s3-reader", "sts.amazonaws.com"))
	out := Run(iamSnapshot(iamSetTrust(doc), tagged), Options{Checks: []*Check{irsa205}, Now: iamNow})
	var rem string
	for _, f := range out.Findings {
		if f.CheckID == "IRSA205" && f.Status == finding.StatusFail {
			rem = f.Remediation
		}
	}
	want := `Role s3-reader is managed by CloudFormation stack "payments-iam" (change the role's AssumeRolePolicyDocument in the stack's template): the next apply reverts a change made with the AWS CLI, so make the change there too.`
	if !strings.Contains(rem, want) {
		t.Errorf("remediation lacks %q:\n%s", want, rem)
	}
}
