package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// ambiguousWhy is the bundle reader's reason for get-open-id-connect-provider
// output it cannot attribute (docs/contract.md#bundles).
const ambiguousWhy = "the provider " + iamHP + " is listed in accounts 111122223333 and 444455556666, and get-open-id-connect-provider output does not say which account it came from"

// ambiguousProvider: both accounts list the issuer's provider; the
// provider's details (a bad ClientIDList, no thumbprint) came without an
// ARN and cannot be attributed.
func ambiguousProvider(s *snapshot.Snapshot) {
	other := "arn:aws:iam::444455556666:oidc-provider/" + iamHP
	s.ProviderLists = append(s.ProviderLists, snapshot.ProviderList{Account: "444455556666", ARNs: []string{other}, Source: iamListSrc})
	s.OIDCProviders = []*snapshot.OIDCProvider{
		{ARN: iamProvider, Account: iamAcct, URL: iamHP, Source: iamListSrc},
		{ARN: other, Account: "444455556666", URL: iamHP, Source: iamListSrc},
		{URL: iamHP, ClientIDs: []string{"sts.amazon.com"}, Detailed: true, Ambiguous: ambiguousWhy, Source: iamProviderSrc},
	}
}

func TestIRSA303(t *testing.T) {
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "audience listed", heads: true, want: []string{
			"IRSA303 pass OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: provider's ClientIDList [\"sts.amazonaws.com\"] includes the token's audience \"sts.amazonaws.com\"",
		}},
		{name: "China client ID only", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.OIDCProviders[0].ClientIDs = []string{"sts.amazonaws.com.cn"}
		}}, want: []string{
			"IRSA303 fail OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: provider's ClientIDList [\"sts.amazonaws.com.cn\"] lacks the token's audience \"sts.amazonaws.com\": STS answers \"Incorrect token audience\"\n  evidence: bundle oidc-provider.json: provider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE ClientIDList: [\"sts.amazonaws.com.cn\"]\n  evidence: bundle pods.json: the token's aud: sts.amazonaws.com (volume aws-iam-token of Pod payments/api-7d9f8b6c5-x2k4p)\n  fix: aws iam add-client-id-to-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE --client-id sts.amazonaws.com",
		}},
		{name: "case differs", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.OIDCProviders[0].ClientIDs = []string{"STS.amazonaws.com"}
		}}, want: []string{
			"IRSA303 fail OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: provider's ClientIDList [\"STS.amazonaws.com\"] lacks the token's audience \"sts.amazonaws.com\": STS answers \"Incorrect token audience\" (\"STS.amazonaws.com\" differs only in letter case)",
		}},
		{name: "listed without details", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.OIDCProviders[0] = &snapshot.OIDCProvider{ARN: iamProvider, Account: iamAcct, URL: iamHP, Source: iamListSrc}
		}}, want: []string{
			"IRSA303 skipped OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: the input lists provider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE but not its ClientIDList (capture: aws iam get-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE --output json)",
		}},
		{name: "details of a provider that two accounts list", heads: true, mods: []func(*snapshot.Snapshot){ambiguousProvider}, want: []string{
			"IRSA303 skipped OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: " + ambiguousWhy + " (capture the role account's: aws iam get-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE --output json)",
		}},
		{name: "details no list attributes", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.ProviderLists = nil
			s.OIDCProviders = []*snapshot.OIDCProvider{{URL: iamHP, ClientIDs: []string{"sts.amazon.com"}, Detailed: true,
				Ambiguous: "no list-open-id-connect-providers output lists " + iamHP + " and the bundle names several accounts (111122223333, 444455556666)", Source: iamProviderSrc}}
		}}, want: []string{
			"IRSA303 skipped OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: no list-open-id-connect-providers output lists " + iamHP + " and the bundle names several accounts (111122223333, 444455556666) (capture the role account's: aws iam get-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE --output json)",
		}},
		{name: "token names no audience", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.Pods[0].Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.Audience = ""
		}}, want: []string{
			"IRSA303 skipped OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: the token's audience is not known: the token names none, so the API server issues it for its own audiences, which the input does not show",
		}},
		{name: "provider missing", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.OIDCProviders = nil
			s.ProviderLists[0].ARNs = nil
		}}, want: []string{
			"IRSA303 skipped OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: provider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE does not exist (IRSA302)",
		}},
		{name: "provider not captured", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.OIDCProviders, s.ProviderLists = nil, nil
		}}, want: []string{
			"IRSA303 skipped OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: provider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE is not in the input (capture: aws iam get-open-id-connect-provider --open-id-connect-provider-arn arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE --output json)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa303)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
