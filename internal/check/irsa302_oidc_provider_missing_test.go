package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA302(t *testing.T) {
	noProvider := func(s *snapshot.Snapshot) {
		s.OIDCProviders = nil
		s.ProviderLists[0].ARNs = []string{"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9"}
	}
	// The role lives in account 222233334444; the provider only in the
	// cluster's account 111122223333.
	crossAccount := func(s *snapshot.Snapshot) {
		s.ServiceAccounts["payments/s3-reader"].Annotations[webhook.AnnotationRoleARN] = "arn:aws:iam::222233334444:role/s3-reader"
		s.ProviderLists = append(s.ProviderLists, snapshot.ProviderList{Account: "222233334444", ARNs: []string{},
			Source: snapshot.Source{Kind: "bundle", Ref: "account-b/oidc-providers.json"}})
	}
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "provider exists", want: []string{
			"IRSA302 pass OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: account 111122223333 has the IAM OIDC provider oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\n  evidence: bundle oidc-provider.json: provider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
		}},
		{name: "list shows another cluster's provider", mods: []func(*snapshot.Snapshot){noProvider}, want: []string{
			"IRSA302 fail OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: account 111122223333 has no IAM OIDC provider for the issuer oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE (it has one for oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9: the cluster was re-created, or that is another cluster's)\n  evidence: bundle oidc-providers.json: IAM OIDC providers of account 111122223333: arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9\n  evidence: bundle describe-cluster.json: cluster prod issuer: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  fix: aws iam create-open-id-connect-provider --url https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE --client-id-list sts.amazonaws.com\n  fix: # eksctl utils associate-iam-oidc-provider --cluster prod --region us-west-2 --approve",
		}},
		{name: "cross-account role", mods: []func(*snapshot.Snapshot){crossAccount}, want: []string{
			"IRSA302 fail OIDCProvider arn:aws:iam::222233334444:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: account 222233334444 has no IAM OIDC provider for the issuer oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: the role is in account 222233334444 and the cluster in account 111122223333, and STS looks for the provider in the role's account, so it must exist there too\n  evidence: bundle account-b/oidc-providers.json: IAM OIDC providers of account 222233334444: none\n  evidence: bundle describe-cluster.json: cluster prod issuer: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::222233334444:role/s3-reader\n  fix: # aws iam create-open-id-connect-provider --url https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE --client-id-list sts.amazonaws.com --profile PROFILE_OF_222233334444",
		}},
		{name: "NoSuchEntity", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.OIDCProviders, s.ProviderLists = nil, nil
			s.NotFounds = []snapshot.NotFound{{Kind: snapshot.KindOIDCProvider, Name: iamProvider,
				Message: "An error occurred (NoSuchEntity) when calling the GetOpenIDConnectProvider operation: OpenIDConnect Provider not found for arn " + iamProvider,
				Source:  snapshot.Source{Kind: "bundle", Ref: "get-provider-error.txt"}}}
		}}, want: []string{
			"IRSA302 fail OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: account 111122223333 has no IAM OIDC provider for the issuer oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
		}},
		{name: "no list of the role's account", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.OIDCProviders, s.ProviderLists = nil, nil
		}}, want: []string{
			"IRSA302 skipped OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: the input has no list of the IAM OIDC providers of account 111122223333 (capture: aws iam list-open-id-connect-providers --output json)",
		}},
		{name: "provider details of ambiguous account", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.ProviderLists = nil
			s.OIDCProviders[0].ARN, s.OIDCProviders[0].Account = "", ""
			s.OIDCProviders[0].Ambiguous = "the provider " + iamHP + " is listed in accounts 111122223333 and 222233334444, and get-open-id-connect-provider output does not say which account it came from"
		}}, want: []string{
			"IRSA302 skipped OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: the provider oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE is listed in accounts 111122223333 and 222233334444, and get-open-id-connect-provider output does not say which account it came from",
		}},
		{name: "cluster without issuer", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { s.Clusters[0].Issuer = "" }}, want: []string{
			"IRSA302 skipped OIDCProvider: the cluster's issuer is not known: cluster prod has no OIDC issuer (describe-cluster shows no identity.oidc.issuer)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa302)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
