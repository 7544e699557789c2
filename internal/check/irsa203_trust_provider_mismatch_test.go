package check

import (
	"strings"
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA203(t *testing.T) {
	withProvider := func(p string) func(*snapshot.Snapshot) {
		return iamSetTrust(strings.Replace(iamTrust(iamSub, "sts.amazonaws.com"), iamProvider, p, 1))
	}
	// The role lives in account 222233334444, the cluster in 111122223333.
	crossAccount := func(s *snapshot.Snapshot) {
		const role = "arn:aws:iam::222233334444:role/s3-reader"
		r := s.Roles[iamRoleARN]
		delete(s.Roles, iamRoleARN)
		r.ARN, r.Account = role, "222233334444"
		s.Roles[role] = r
		s.ServiceAccounts["payments/s3-reader"].Annotations[webhook.AnnotationRoleARN] = role
	}
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "trusts the provider", heads: true, want: []string{
			"IRSA203 pass IAMRole s3-reader: Statement[0] trusts Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"",
		}},
		{name: "trusts every principal", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":"*","Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"` + iamHP + `:sub":"` + iamSub + `"}}}`)),
		}, want: []string{
			"IRSA203 pass IAMRole s3-reader: Statement[0] trusts every principal (\"*\")",
		}},
		{name: "cross-account role trusts the cluster account's provider", mods: []func(*snapshot.Snapshot){crossAccount}, want: []string{
			"IRSA203 fail IAMRole s3-reader: trust policy does not trust the cluster's OIDC provider: Statement[0] trusts Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"; the request comes from Federated \"arn:aws:iam::222233334444:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\" (likely cause: account 111122223333: STS looks for the provider in the role's account 222233334444)\n  evidence: bundle get-role.json: role s3-reader trust policy: {\"Version\":\"2012-10-17\",\"Statement\":[{\"Effect\":\"Allow\",\"Principal\":{\"Federated\":\"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"},\"Action\":\"sts:AssumeRoleWithWebIdentity\",\"Condition\":{\"StringEquals\":{\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub\":\"system:serviceaccount:payments:s3-reader\",\"oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud\":\"sts.amazonaws.com\"}}}]}\n  evidence: bundle describe-cluster.json: the request's principal: Federated arn:aws:iam::222233334444:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE (the issuer's provider in the role's account 222233334444)\n  evidence: bundle describe-cluster.json: cluster prod issuer: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\n  fix: # require_trust_policy s3-reader s3-reader.trust-policy.before.json --profile PROFILE_OF_222233334444\n  fix: # aws iam update-assume-role-policy --role-name s3-reader --policy-document file://s3-reader.trust-policy.json --profile PROFILE_OF_222233334444\n  fix-file: s3-reader.trust-policy.json\n  fix-file: s3-reader.trust-policy.before.json",
		}},
		{name: "another cluster", heads: true, mods: []func(*snapshot.Snapshot){
			withProvider("arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9"),
		}, want: []string{
			"IRSA203 fail IAMRole s3-reader: trust policy does not trust the cluster's OIDC provider: Statement[0] trusts Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9\"; the request comes from Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\" (likely cause: cluster ID 0A1B2C3D4E5F60718293A4B5C6D7E8F9 instead of this cluster's EXAMPLED539D4633E53DE1B71EXAMPLE: another cluster's, or this cluster's before it was re-created)",
		}},
		{name: "region before eks", heads: true, mods: []func(*snapshot.Snapshot){
			withProvider("arn:aws:iam::111122223333:oidc-provider/oidc.us-west-2.eks.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"),
		}, want: []string{
			"IRSA203 fail IAMRole s3-reader: trust policy does not trust the cluster's OIDC provider: Statement[0] trusts Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.us-west-2.eks.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"; the request comes from Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\" (likely cause: host oidc.us-west-2.eks.amazonaws.com puts the region before eks; EKS issuers are oidc.eks.us-west-2.amazonaws.com)",
		}},
		{name: "https scheme kept", heads: true, mods: []func(*snapshot.Snapshot){
			withProvider("arn:aws:iam::111122223333:oidc-provider/https://" + iamHP),
		}, want: []string{
			"IRSA203 fail IAMRole s3-reader: trust policy does not trust the cluster's OIDC provider: Statement[0] trusts Federated \"arn:aws:iam::111122223333:oidc-provider/https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"; the request comes from Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\" (likely cause: it keeps the issuer URL's https:// scheme)",
		}},
		{name: "an AWS principal only", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(fx.PolicyDoc(`{"Effect":"Allow","Principal":{"AWS":"arn:aws:iam::111122223333:root"},"Action":"sts:AssumeRoleWithWebIdentity"}`)),
		}, want: []string{
			"IRSA203 fail IAMRole s3-reader: trust policy does not trust the cluster's OIDC provider: Statement[0] trusts AWS \"arn:aws:iam::111122223333:root\"; the request comes from Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\" (likely cause: the statement names no Federated principal)",
		}},
		{name: "letter case differs", heads: true, mods: []func(*snapshot.Snapshot){
			withProvider("arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/exampled539d4633e53de1b71example"),
		}, want: []string{
			"IRSA203 skipped IAMRole s3-reader: Statement[0] trusts Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/exampled539d4633e53de1b71example\", which differs from the request's Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\" only in letter case; IAM does not document whether principals compare case-sensitively",
		}},
		{name: "no Allow statement", heads: true, mods: []func(*snapshot.Snapshot){
			iamSetTrust(`{"Version":"2012-10-17","Statement":[]}`),
		}, want: []string{
			"IRSA203 fail IAMRole s3-reader: trust policy has no Allow statement, so it trusts no OIDC provider; the request comes from Federated \"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\"",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa203)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
