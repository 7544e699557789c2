package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA207(t *testing.T) {
	stmt := func(principal, cond string) func(*snapshot.Snapshot) {
		s := `{"Effect":"Allow","Principal":` + principal + `,"Action":"sts:AssumeRoleWithWebIdentity"`
		if cond != "" {
			s += `,"Condition":` + cond
		}
		return iamSetTrust(fx.PolicyDoc(s + `}`))
	}
	fed := `{"Federated":"` + iamProvider + `"}`
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "pinned to the service account", heads: true, want: []string{
			"IRSA207 pass IAMRole s3-reader: every statement that trusts an OIDC provider pins :sub to one namespace: \"system:serviceaccount:payments:s3-reader\"",
		}},
		{name: "one namespace, as EKS documents", heads: true, mods: []func(*snapshot.Snapshot){
			stmt(fed, `{"StringLike":{"`+iamHP+`:sub":"system:serviceaccount:payments:*"},"StringEquals":{"`+iamHP+`:aud":"sts.amazonaws.com"}}`),
		}, want: []string{
			"IRSA207 pass IAMRole s3-reader: every statement that trusts an OIDC provider pins :sub to one namespace: \"system:serviceaccount:payments:*\"",
		}},
		{name: "no sub condition", mods: []func(*snapshot.Snapshot){
			stmt(fed, `{"StringEquals":{"`+iamHP+`:aud":"sts.amazonaws.com"}}`),
		}, want: []string{
			"IRSA207 fail IAMRole s3-reader: Statement[0] has no :sub condition: every service account of the cluster can assume the role\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\":\"sts.amazonaws.com\"}}}]}",
		}},
		{name: "wildcard namespace", heads: true, mods: []func(*snapshot.Snapshot){
			stmt(fed, `{"StringLike":{"`+iamHP+`:sub":"system:serviceaccount:*:s3-reader"}}`),
		}, want: []string{
			"IRSA207 fail IAMRole s3-reader: Statement[0] admits service accounts of several namespaces of the cluster: its :sub pattern \"system:serviceaccount:*:s3-reader\" has a wildcard in the namespace part",
		}},
		{name: "namespace prefix pattern the probe misses", heads: true, mods: []func(*snapshot.Snapshot){
			stmt(fed, `{"StringLike":{"`+iamHP+`:sub":"system:serviceaccount:pay*:s3-reader"}}`),
		}, want: []string{
			"IRSA207 fail IAMRole s3-reader: Statement[0] admits service accounts of several namespaces of the cluster: its :sub pattern \"system:serviceaccount:pay*:s3-reader\" has a wildcard in the namespace part",
		}},
		{name: "any principal without conditions", heads: true, mods: []func(*snapshot.Snapshot){stmt(`"*"`, "")}, want: []string{
			"IRSA207 fail IAMRole s3-reader: Statement[0] trusts any principal (\"*\") and no condition pins the issuer: service accounts of any cluster can assume the role",
		}},
		{name: "another cluster's statement without sub", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(fx.TrustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"),
				`{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/5C3A1B2D"},"Action":"sts:AssumeRoleWithWebIdentity"}`)),
		}, want: []string{
			"IRSA207 fail IAMRole s3-reader: Statement[1] has no :sub condition: every service account of the cluster of issuer oidc.eks.eu-west-1.amazonaws.com/id/5C3A1B2D can assume the role",
		}},
		{name: "policy variable in sub", heads: true, mods: []func(*snapshot.Snapshot){
			stmt(fed, `{"StringLike":{"`+iamHP+`:sub":"system:serviceaccount:${aws:PrincipalTag/ns}:*"}}`),
		}, want: []string{
			"IRSA207 skipped IAMRole s3-reader: whether Statement[0] admits service accounts of other namespaces is not known: it compares oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub under StringLike with \"system:serviceaccount:${aws:PrincipalTag/ns}:*\", whose policy variable \"${aws:PrincipalTag/ns}\" this evaluator does not resolve",
		}},
		{name: "no web identity statement", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`),
		}, want: []string{
			"IRSA207 pass IAMRole s3-reader: no Allow statement of the trust policy allows sts:AssumeRoleWithWebIdentity from an OIDC provider",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa207)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

// TestIRSA207Remedy: the remedy pins :sub to the service accounts that use
// the role.
func TestIRSA207Remedy(t *testing.T) {
	s := iamSnapshot(iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity"}`)))
	f := iamFinding(t, s, irsa207)
	want := "Pin `:sub` to the service accounts that use the role. In every statement that trusts the provider, add to `Condition`:\n\n" +
		`    "StringEquals": {"` + iamHP + `:sub": "` + iamSub + `"}` + "\n\n" +
		"(or use `StringLike` with `system:serviceaccount:NAMESPACE:*` for one namespace), save the edited document as s3-reader.trust-policy.json and apply it with " +
		"`aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json`."
	if f.Remediation != want {
		t.Errorf("remediation:\n%s\nwant:\n%s", f.Remediation, want)
	}
	if f.Severity != "warning" {
		t.Errorf("severity %s, want warning", f.Severity)
	}
}
