package check

import (
	"strings"
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Fixtures of a self-hosted issuer with a private CA: a kOps-style
// cluster whose issuer is published at oidc.k8s.acme-corp.com/prod.
const (
	corpIssuer   = "https://" + fx.CorpHost + "/prod"
	corpProvider = "arn:aws:iam::111122223333:oidc-provider/" + fx.CorpHost + "/prod"
)

// selfHosted replaces the EKS cluster by a bare issuer URL of the
// self-hosted issuer, with its provider.
func selfHosted(thumbprints ...string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		s.Clusters = nil
		s.IssuerURLs = []snapshot.IssuerURL{{URL: corpIssuer, Source: snapshot.Source{Kind: "bundle", Ref: "issuer.txt"}}}
		s.ProviderLists = []snapshot.ProviderList{{Account: iamAcct, ARNs: []string{corpProvider}, Source: iamListSrc}}
		s.OIDCProviders = []*snapshot.OIDCProvider{{ARN: corpProvider, Account: iamAcct, URL: fx.CorpHost + "/prod", ClientIDs: []string{"sts.amazonaws.com"},
			Thumbprints: thumbprints, Detailed: true, Source: iamProviderSrc}}
	}
}

func thumbprints(tps ...string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) { s.OIDCProviders[0].Thumbprints = tps }
}

func chains(chs ...*snapshot.TLSChain) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) { s.TLSChains = append(s.TLSChains, chs...) }
}

func TestIRSA304(t *testing.T) {
	p := fx.NewPKI(t)
	expired := fx.MakeCert(t, fx.CertSpec{CN: fx.EKSHost, Org: "Amazon.com, Inc.", DNS: []string{fx.EKSHost}, From: fx.Day(2024, 6, 1), To: fx.Day(2025, 6, 30), Parent: p.PubInter, KeyPrefix: "expired " + fx.EKSHost})
	eksChain := fx.ChainOf("issuer-chain.pem", p.EksLeaf, p.PubInter)
	corpChain := fx.ChainOf("issuer-chain.pem", p.CorpLeaf, p.CorpInter, p.CorpRoot)
	const provSubj = "IRSA304 %s OIDCProvider " + iamProvider + ": "
	const corpSubj = "IRSA304 %s OIDCProvider " + corpProvider + ": "
	eksChainEv := "  evidence: bundle issuer-chain.pem: chain served: 0 CN=oidc.eks.us-west-2.amazonaws.com,O=Amazon.com\\, Inc.,C=US (issuer CN=Example Trust RSA 2048 M02,O=Example Trust Services,C=US, SHA-1 40087998fba58e13de9e03ec65fe588e951aab10); 1 CN=Example Trust RSA 2048 M02,O=Example Trust Services,C=US (issuer CN=Example Trust Root CA 1,O=Example Trust Services,C=US, SHA-1 bbe684c258ea93be5d7f4b342563309192cfe87c)"
	eksHostEv := "  evidence: bundle describe-cluster.json: host checked: oidc.eks.us-west-2.amazonaws.com, the issuer's host (the input has no discovery document naming jwks_uri)"
	line := func(format, status string, rest ...string) string {
		return strings.Join(append([]string{strings.Replace(format, "%s", status, 1) + rest[0]}, rest[1:]...), "\n")
	}
	tests := []struct {
		name string
		mods []func(*snapshot.Snapshot)
		want []string
	}{
		{
			name: "the list holds the last certificate's thumbprint",
			mods: []func(*snapshot.Snapshot){thumbprints(p.PubInter.SHA1()), chains(eksChain)},
			want: []string{line(provSubj, "pass",
				"the provider's ThumbprintList includes bbe684c258ea93be5d7f4b342563309192cfe87c, the SHA-1 of the last certificate oidc.eks.us-west-2.amazonaws.com serves (CN=Example Trust RSA 2048 M02,O=Example Trust Services,C=US)",
				"  evidence: bundle oidc-provider.json: provider "+iamProvider+" ThumbprintList: [bbe684c258ea93be5d7f4b342563309192cfe87c]",
				eksChainEv, eksHostEv)},
		},
		{
			name: "compared case-insensitively",
			mods: []func(*snapshot.Snapshot){thumbprints("BBE684C258EA93BE5D7F4B342563309192CFE87C"), chains(eksChain)},
			want: []string{line(provSubj, "pass",
				"the provider's ThumbprintList includes bbe684c258ea93be5d7f4b342563309192cfe87c, the SHA-1 of the last certificate oidc.eks.us-west-2.amazonaws.com serves (CN=Example Trust RSA 2048 M02,O=Example Trust Services,C=US)",
				"  evidence: bundle oidc-provider.json: provider "+iamProvider+" ThumbprintList: [BBE684C258EA93BE5D7F4B342563309192CFE87C]",
				eksChainEv, eksHostEv)},
		},
		{
			name: "stale thumbprint of a public CA: a warning, STS is not affected",
			mods: []func(*snapshot.Snapshot){thumbprints(p.PubOldInter.SHA1()), chains(eksChain)},
			want: []string{line(provSubj, "fail",
				"the provider's ThumbprintList [cb69f0e22b80011f0a911ef200143a6da99733ce] lacks bbe684c258ea93be5d7f4b342563309192cfe87c, the SHA-1 of the last certificate oidc.eks.us-west-2.amazonaws.com serves (CN=Example Trust RSA 2048 M02,O=Example Trust Services,C=US): the chain verifies to a public root CA, so IAM trusts the host through its library of trusted CAs and does not use the thumbprint (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html); STS is not affected",
				"  severity: warning",
				"  evidence: bundle oidc-provider.json: provider "+iamProvider+" ThumbprintList: [cb69f0e22b80011f0a911ef200143a6da99733ce]",
				eksChainEv, eksHostEv,
				"  fix: aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn "+iamProvider+" --thumbprint-list bbe684c258ea93be5d7f4b342563309192cfe87c cb69f0e22b80011f0a911ef200143a6da99733ce")},
		},
		{
			name: "the leaf's thumbprint instead of the last certificate's",
			mods: []func(*snapshot.Snapshot){thumbprints(p.EksLeaf.SHA1()), chains(eksChain)},
			want: []string{line(provSubj, "fail",
				"the provider's ThumbprintList [40087998fba58e13de9e03ec65fe588e951aab10] lacks bbe684c258ea93be5d7f4b342563309192cfe87c, the SHA-1 of the last certificate oidc.eks.us-west-2.amazonaws.com serves (CN=Example Trust RSA 2048 M02,O=Example Trust Services,C=US); it holds the SHA-1 of certificate 0 of the chain (CN=oidc.eks.us-west-2.amazonaws.com,O=Amazon.com\\, Inc.,C=US) instead: the chain verifies to a public root CA, so IAM trusts the host through its library of trusted CAs and does not use the thumbprint (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html); STS is not affected",
				"  severity: warning",
				"  evidence: bundle oidc-provider.json: provider "+iamProvider+" ThumbprintList: [40087998fba58e13de9e03ec65fe588e951aab10]",
				eksChainEv, eksHostEv,
				"  fix: aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn "+iamProvider+" --thumbprint-list bbe684c258ea93be5d7f4b342563309192cfe87c 40087998fba58e13de9e03ec65fe588e951aab10")},
		},
		{
			name: "a capture whose leaf has expired since still verifies as of its validity",
			mods: []func(*snapshot.Snapshot){thumbprints(p.PubOldInter.SHA1()), chains(fx.ChainOf("issuer-chain.pem", expired, p.PubInter))},
			want: []string{"IRSA304 fail OIDCProvider " + iamProvider + ": the provider's ThumbprintList [cb69f0e22b80011f0a911ef200143a6da99733ce] lacks bbe684c258ea93be5d7f4b342563309192cfe87c, the SHA-1 of the last certificate oidc.eks.us-west-2.amazonaws.com serves (CN=Example Trust RSA 2048 M02,O=Example Trust Services,C=US): the chain verifies to a public root CA, so IAM trusts the host through its library of trusted CAs and does not use the thumbprint (https://docs.aws.amazon.com/IAM/latest/APIReference/API_UpdateOpenIDConnectProviderThumbprint.html); STS is not affected"},
		},
		{
			name: "self-hosted issuer with a private CA: an error",
			mods: []func(*snapshot.Snapshot){selfHosted("d89e3bd43d5d909b47a18977aa9d5ce36cee184c"), chains(corpChain)},
			want: []string{line(corpSubj, "fail",
				"the provider's ThumbprintList [d89e3bd43d5d909b47a18977aa9d5ce36cee184c] lacks 5d07d75679f2ed601852fa0877fa541af742e23b, the SHA-1 of the last certificate oidc.k8s.acme-corp.com serves (CN=Acme Corp Root CA G2,O=Acme Corp,C=US): the chain does not verify to a public root CA (its root CN=Acme Corp Root CA G2,O=Acme Corp,C=US is not a public root CA), so IAM checks the thumbprint and STS answers \"OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint\"",
				"  evidence: bundle oidc-provider.json: provider "+corpProvider+" ThumbprintList: [d89e3bd43d5d909b47a18977aa9d5ce36cee184c]",
				"  evidence: bundle issuer-chain.pem: chain served: 0 CN=oidc.k8s.acme-corp.com,O=Acme Corp,C=US (issuer CN=Acme Corp Issuing CA 3,O=Acme Corp,C=US, SHA-1 61390e684dbea3888ffdbc3204a4068338cd5773); 1 CN=Acme Corp Issuing CA 3,O=Acme Corp,C=US (issuer CN=Acme Corp Root CA G2,O=Acme Corp,C=US, SHA-1 b49b3c2a8b32f82961944d303f599d861c131f4e); 2 CN=Acme Corp Root CA G2,O=Acme Corp,C=US (issuer CN=Acme Corp Root CA G2,O=Acme Corp,C=US, SHA-1 5d07d75679f2ed601852fa0877fa541af742e23b)",
				"  evidence: bundle issuer.txt: host checked: oidc.k8s.acme-corp.com, the issuer's host (the input has no discovery document naming jwks_uri)",
				"  fix: aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn "+corpProvider+" --thumbprint-list 5d07d75679f2ed601852fa0877fa541af742e23b d89e3bd43d5d909b47a18977aa9d5ce36cee184c")},
		},
		{
			name: "self-hosted issuer with a private CA and the right thumbprint",
			mods: []func(*snapshot.Snapshot){selfHosted("5D07D75679F2ED601852FA0877FA541AF742E23B"), chains(corpChain)},
			want: []string{"IRSA304 pass OIDCProvider " + corpProvider + ": the provider's ThumbprintList includes 5d07d75679f2ed601852fa0877fa541af742e23b, the SHA-1 of the last certificate oidc.k8s.acme-corp.com serves (CN=Acme Corp Root CA G2,O=Acme Corp,C=US)"},
		},
		{
			name: "an EKS issuer's chain with a private root was intercepted",
			mods: []func(*snapshot.Snapshot){chains(fx.ChainOf("issuer-chain.pem", p.ProxyLeaf, p.ProxyRoot))},
			want: []string{
				"IRSA304 fail OIDCProvider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE: the provider's ThumbprintList [9e99a48a9960b14926bb7f3b02e22da2b0ab7280] lacks a280bee3954da20683b4882bedbc7e70f77d0995, the SHA-1 of the last certificate oidc.eks.us-west-2.amazonaws.com serves (CN=Acme Corp TLS Inspection CA,O=Acme Corp,C=US): the chain does not verify to a public root CA (its root CN=Acme Corp TLS Inspection CA,O=Acme Corp,C=US is not a public root CA), so IAM would compare thumbprints; but EKS serves its issuer with a certificate from a public CA, so this chain was probably rewritten by a TLS-intercepting proxy on the machine that captured it\n  evidence: bundle oidc-provider.json: provider arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE ThumbprintList: [9e99a48a9960b14926bb7f3b02e22da2b0ab7280]\n  evidence: bundle issuer-chain.pem: chain served: 0 CN=oidc.eks.us-west-2.amazonaws.com,O=Amazon.com\\, Inc.,C=US (issuer CN=Acme Corp TLS Inspection CA,O=Acme Corp,C=US, SHA-1 acd9d49987c54185fa4b126cdfd53036a7594c30); 1 CN=Acme Corp TLS Inspection CA,O=Acme Corp,C=US (issuer CN=Acme Corp TLS Inspection CA,O=Acme Corp,C=US, SHA-1 a280bee3954da20683b4882bedbc7e70f77d0995)\n  evidence: bundle describe-cluster.json: host checked: oidc.eks.us-west-2.amazonaws.com, the issuer's host (the input has no discovery document naming jwks_uri)",
			},
		},
		{
			name: "the keys are on another host: its chain is the one that counts",
			mods: []func(*snapshot.Snapshot){selfHosted("5d07d75679f2ed601852fa0877fa541af742e23b"), chains(corpChain), func(s *snapshot.Snapshot) {
				s.Discoveries = []*snapshot.Discovery{{Issuer: corpIssuer, JWKSURI: "https://keys.acme-corp.com/prod/keys", Source: snapshot.Source{Kind: "bundle", Ref: "openid-configuration.json"}}}
			}},
			want: []string{"IRSA304 skipped OIDCProvider " + corpProvider + ": the input has no TLS certificate chain served by keys.acme-corp.com (capture: openssl s_client -servername keys.acme-corp.com -showcerts -connect keys.acme-corp.com:443 </dev/null > issuer-chain.pem); its chains are for oidc.k8s.acme-corp.com"},
		},
		{
			name: "no chain in the input",
			want: []string{"IRSA304 skipped OIDCProvider " + iamProvider + ": the input has no TLS certificate chain served by oidc.eks.us-west-2.amazonaws.com (capture: openssl s_client -servername oidc.eks.us-west-2.amazonaws.com -showcerts -connect oidc.eks.us-west-2.amazonaws.com:443 </dev/null > issuer-chain.pem)"},
		},
		{
			name: "the provider is only listed",
			mods: []func(*snapshot.Snapshot){chains(eksChain), func(s *snapshot.Snapshot) {
				s.OIDCProviders[0] = &snapshot.OIDCProvider{ARN: iamProvider, Account: iamAcct, URL: iamHP, Source: iamListSrc}
			}},
			want: []string{"IRSA304 skipped OIDCProvider " + iamProvider + ": the input lists provider " + iamProvider + " but not its ThumbprintList (capture: aws iam get-open-id-connect-provider --open-id-connect-provider-arn " + iamProvider + " --output json)"},
		},
		{
			name: "the provider's details cannot be attributed to an account",
			mods: []func(*snapshot.Snapshot){chains(eksChain), ambiguousProvider},
			want: []string{"IRSA304 skipped OIDCProvider " + iamProvider + ": " + ambiguousWhy + " (capture the role account's: aws iam get-open-id-connect-provider --open-id-connect-provider-arn " + iamProvider + " --output json)"},
		},
		{
			name: "the provider is proven missing",
			mods: []func(*snapshot.Snapshot){chains(eksChain), func(s *snapshot.Snapshot) {
				s.OIDCProviders = nil
				s.ProviderLists[0].ARNs = []string{"arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"}
			}},
			want: []string{"IRSA304 skipped OIDCProvider " + iamProvider + ": provider " + iamProvider + " does not exist (IRSA302)"},
		},
		{
			name: "the cluster's issuer is not known",
			mods: []func(*snapshot.Snapshot){chains(eksChain), func(s *snapshot.Snapshot) { s.Clusters = nil }},
			want: []string{"IRSA304 skipped OIDCProvider: the cluster's issuer is not known: the input has no EKS cluster and no issuer URL (capture: aws eks describe-cluster --name CLUSTER --output json)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			usePublicRoots(t, p.PubRoot)
			got := iamRender(t, iamSnapshot(tt.mods...), irsa304)
			if len(tt.want) == 1 && !strings.Contains(tt.want[0], "\n") {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

func TestNewThumbprints(t *testing.T) {
	got := newThumbprints("aa", []string{"AA", " BB ", "cc", "dd", "ee", "ff"})
	want := "aa bb cc dd ee"
	if strings.Join(got, " ") != want {
		t.Errorf("newThumbprints = %v, want %s (the new one first, the current ones lower-cased, at most five)", got, want)
	}
}
