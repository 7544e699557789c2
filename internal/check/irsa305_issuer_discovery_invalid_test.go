package check

import (
	"strings"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var (
	discoverySrc = snapshot.Source{Kind: "bundle", Ref: "openid-configuration.json"}
	jwksSrc      = snapshot.Source{Kind: "bundle", Ref: "keys.json"}
	tokenSrc     = snapshot.Source{Kind: "bundle", Ref: "token.jwt"}
)

func discovery(issuer, jwksURI string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		s.Discoveries = append(s.Discoveries, &snapshot.Discovery{Issuer: issuer, JWKSURI: jwksURI, Source: discoverySrc})
	}
}

func jwks(kids ...string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		s.JWKSets = append(s.JWKSets, &snapshot.JWKS{KeyIDs: kids, Source: jwksSrc})
	}
}

// token adds a token's claims: issued at iat for a day, as the webhook's
// projected token is (86400 s).
func token(iss, sub, kid string, iat time.Time, aud ...string) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		s.Tokens = append(s.Tokens, &snapshot.TokenClaims{Issuer: iss, Subject: sub, Audience: aud, IssuedAt: iat.Unix(), NotBefore: iat.Unix(),
			ExpiresAt: iat.Add(24 * time.Hour).Unix(), KeyID: kid, Source: tokenSrc})
	}
}

func TestIRSA305(t *testing.T) {
	const subj = "IRSA305 %s EKSCluster prod: "
	head := func(status, msg string) string { return strings.Replace(subj, "%s", status, 1) + msg }
	fresh := iamNow.Add(-2 * time.Hour)
	tokenEv := "  evidence: bundle token.jwt: token claims: iss=" + iamIssuer + " sub=" + iamSub + " aud=[sts.amazonaws.com] iat=2026-11-26T10:00:00Z exp=2026-11-27T10:00:00Z kid="
	tests := []struct {
		name string
		mods []func(*snapshot.Snapshot)
		want []string
	}{
		{
			name: "discovery document and key set fit",
			mods: []func(*snapshot.Snapshot){discovery(iamIssuer, iamIssuer+"/keys"), jwks("6b2e5f0c", "a1b2c3d4"), token(iamIssuer, iamSub, "a1b2c3d4", fresh, "sts.amazonaws.com")},
			want: []string{strings.Join([]string{
				head("pass", "the discovery document's issuer is the cluster's issuer; the JWKS holds the key of every token of this issuer (kid a1b2c3d4)"),
				"  evidence: bundle describe-cluster.json: cluster prod issuer: " + iamIssuer,
				"  evidence: bundle openid-configuration.json: discovery document: issuer " + iamIssuer + ", jwks_uri " + iamIssuer + "/keys",
				"  evidence: bundle keys.json: JWKS key IDs: [6b2e5f0c, a1b2c3d4]",
				tokenEv + "a1b2c3d4",
			}, "\n")},
		},
		{
			name: "only the discovery document: what was not checked is said",
			mods: []func(*snapshot.Snapshot){discovery(iamIssuer, iamIssuer+"/keys")},
			want: []string{head("pass", "the discovery document's issuer is the cluster's issuer (not checked: the input has no JWKS (capture: curl -s "+iamIssuer+"/keys > keys.json))")},
		},
		{
			// Issue 10, item 11: a failed fetch is never a pass.
			name: "the JWKS could not be fetched: skipped, not passed",
			mods: []func(*snapshot.Snapshot){discovery(iamIssuer, iamIssuer+"/keys"), func(s *snapshot.Snapshot) {
				s.Gaps = append(s.Gaps, snapshot.Gap{Source: "oidc", Operation: snapshot.GapOIDCJWKS, Resource: iamIssuer + "/keys", Reason: "HTTP 406 Not Acceptable"})
			}},
			want: []string{head("skipped", "the issuer's documents could not all be fetched, so they were not checked: get JWKS "+iamIssuer+"/keys failed: HTTP 406 Not Acceptable; the input has no JWKS (capture: curl -s "+iamIssuer+"/keys > keys.json) (checked: the discovery document's issuer is the cluster's issuer)")},
		},
		{
			name: "a trailing slash in the discovery document's issuer",
			mods: []func(*snapshot.Snapshot){discovery(iamIssuer+"/", iamIssuer+"/keys")},
			want: []string{head("fail", `the discovery document's issuer "`+iamIssuer+`/" differs from the cluster's issuer "`+iamIssuer+`" only by a trailing slash, which STS does not forgive`)},
		},
		{
			name: "a document fetched from the issuer names another one",
			mods: []func(*snapshot.Snapshot){discovery("https://kubernetes.default.svc", iamIssuer+"/keys")},
			want: []string{head("fail", `the discovery document's issuer "https://kubernetes.default.svc" differs from the cluster's issuer "`+iamIssuer+`": the document was fetched from another issuer, or the issuer serves another cluster's document`)},
		},
		{
			name: "jwks_uri over http",
			mods: []func(*snapshot.Snapshot){discovery(iamIssuer, "http://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE/keys")},
			want: []string{head("fail", `the discovery document's jwks_uri "http://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE/keys" is not an https URL`)},
		},
		{
			name: "the key set lacks the kid of a valid token",
			mods: []func(*snapshot.Snapshot){discovery(iamIssuer, iamIssuer+"/keys"), jwks("6b2e5f0c"), token(iamIssuer, iamSub, "a1b2c3d4", fresh, "sts.amazonaws.com")},
			want: []string{strings.Join([]string{
				head("fail", `the JWKS [6b2e5f0c] has no key with the token's kid "a1b2c3d4", so STS cannot verify the token's signature`),
				"  evidence: bundle describe-cluster.json: cluster prod issuer: " + iamIssuer,
				"  evidence: bundle openid-configuration.json: discovery document: issuer " + iamIssuer + ", jwks_uri " + iamIssuer + "/keys",
				"  evidence: bundle keys.json: JWKS key IDs: [6b2e5f0c]",
				tokenEv + "a1b2c3d4",
			}, "\n")},
		},
		{
			name: "an expired token's key may have rotated out: info",
			mods: []func(*snapshot.Snapshot){jwks("6b2e5f0c"), token(iamIssuer, iamSub, "a1b2c3d4", iamNow.Add(-10*24*time.Hour), "sts.amazonaws.com")},
			want: []string{strings.Join([]string{
				head("fail", `the JWKS [6b2e5f0c] has no key with the token's kid "a1b2c3d4", so STS cannot verify the token's signature (the token expired at 2026-11-17T12:00:00Z and its key may have rotated out since: compare with a fresh token)`),
				"  severity: info",
				"  evidence: bundle describe-cluster.json: cluster prod issuer: " + iamIssuer,
				"  evidence: bundle keys.json: JWKS key IDs: [6b2e5f0c]",
				"  evidence: bundle token.jwt: token claims: iss=" + iamIssuer + " sub=" + iamSub + " aud=[sts.amazonaws.com] iat=2026-11-16T12:00:00Z exp=2026-11-17T12:00:00Z kid=a1b2c3d4",
			}, "\n")},
		},
		{
			name: "tokens of other issuers are not compared",
			mods: []func(*snapshot.Snapshot){jwks("6b2e5f0c"), token("https://oidc.eks.us-west-2.amazonaws.com/id/0THERC1USTER", iamSub, "a1b2c3d4", fresh, "sts.amazonaws.com")},
			want: []string{head("skipped", "the input has no discovery document (capture: curl -s "+iamIssuer+"/.well-known/openid-configuration > openid-configuration.json); the input has no token of this issuer to compare with the JWKS (capture: kubectl create token SA -n NS --audience sts.amazonaws.com > token.jwt)")},
		},
		{
			name: "discovery documents of another cluster",
			mods: []func(*snapshot.Snapshot){discovery("https://oidc.eks.us-west-2.amazonaws.com/id/0THERC1USTER", "https://oidc.eks.us-west-2.amazonaws.com/id/0THERC1USTER/keys")},
			want: []string{head("skipped", "the input's discovery documents are for other issuers (https://oidc.eks.us-west-2.amazonaws.com/id/0THERC1USTER; capture: curl -s "+iamIssuer+"/.well-known/openid-configuration > openid-configuration.json); the input has no JWKS (capture: curl -s "+iamIssuer+"/keys > keys.json)")},
		},
		{
			name: "nothing of the issuer in the input",
			want: []string{head("skipped", "the input has no discovery document (capture: curl -s "+iamIssuer+"/.well-known/openid-configuration > openid-configuration.json); the input has no JWKS (capture: curl -s "+iamIssuer+"/keys > keys.json)")},
		},
		{
			name: "no role annotation: nothing to judge",
			mods: []func(*snapshot.Snapshot){discovery(iamIssuer, iamIssuer+"/keys"), func(s *snapshot.Snapshot) { s.ServiceAccounts["payments/s3-reader"].Annotations = nil }},
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa305)
			if len(tt.want) == 1 && !strings.Contains(tt.want[0], "\n") {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

func TestIssuerDifference(t *testing.T) {
	tests := []struct{ got, want, diff string }{
		{iamIssuer + "/", iamIssuer, " only by a trailing slash, which STS does not forgive"},
		{strings.ToUpper(iamIssuer[:12]) + iamIssuer[12:], iamIssuer, " only in letter case"},
		{iamHP, iamIssuer, " only in its scheme"},
		{"https://oidc.us-west-2.eks.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", iamIssuer, ""},
		{"https://kubernetes.default.svc", iamIssuer, ": the document was fetched from another issuer, or the issuer serves another cluster's document"},
	}
	for _, tt := range tests {
		t.Run(tt.got, func(t *testing.T) {
			if d := issuerDifference(tt.got, tt.want); d != tt.diff {
				t.Errorf("issuerDifference = %q, want %q", d, tt.diff)
			}
		})
	}
}
