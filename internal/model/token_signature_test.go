package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestTokenSignature: a token's signature is verified only when a key of
// its kid in the input's JWKS verifies it; it is invalid when the keys of
// its kid do not, or when its alg is no public-key signature; otherwise
// it is not verified, and the reason names the JWKS to capture.
func TestTokenSignature(t *testing.T) {
	keys := snapshot.Source{Kind: "bundle", Ref: "keys.json"}
	other := snapshot.Source{Kind: "bundle", Ref: "old-keys.json"}
	issuer := IssuerFact{URL: iamIssuer, HostPath: iamHP}
	ok := snapshot.SignatureCheck{KeyID: "k1", Verified: true, JWKS: keys}
	bad := snapshot.SignatureCheck{KeyID: "k1", Why: "the signature does not match the key", JWKS: other}
	tok := func(alg, kid string, checks ...snapshot.SignatureCheck) *snapshot.TokenClaims {
		return &snapshot.TokenClaims{Issuer: iamIssuer, Alg: alg, KeyID: kid, Signature: checks}
	}
	discovery := &snapshot.Discovery{Issuer: iamIssuer, JWKSURI: "https://keys.example.com/jwks.json"}
	tests := []struct {
		name      string
		tok       *snapshot.TokenClaims
		snap      *snapshot.Snapshot
		want      TokenSignatureFact
		wantEvs   []string
		signature string
	}{
		{
			name: "verified by a key of its kid",
			tok:  tok("RS256", "k1", bad, ok),
			want: TokenSignatureFact{State: SignatureVerified, KeyID: "k1", Alg: "RS256", By: ok, Failed: []snapshot.SignatureCheck{bad}},
			wantEvs: []string{
				"bundle old-keys.json: JWKS key k1 does not verify the token's RS256 signature: the signature does not match the key",
				"bundle keys.json: JWKS key k1 verifies the token's RS256 signature",
			},
			signature: "RS256 signature",
		},
		{
			name:    "no key of its kid verifies it",
			tok:     tok("RS256", "k1", bad),
			want:    TokenSignatureFact{State: SignatureInvalid, KeyID: "k1", Alg: "RS256", Failed: []snapshot.SignatureCheck{bad}},
			wantEvs: []string{"bundle old-keys.json: JWKS key k1 does not verify the token's RS256 signature: the signature does not match the key"},
		},
		{
			name: "no key of its kid in the input: the EKS keys URL",
			tok:  tok("RS256", "k1"),
			want: TokenSignatureFact{State: SignatureUnverified, KeyID: "k1", Alg: "RS256",
				Why: "the input has no JWKS with key k1 to verify it (capture: curl -s " + iamIssuer + "/keys > keys.json)"},
		},
		{
			name: "no key of its kid in the input: the discovery document's jwks_uri",
			tok:  tok("ES256", "k1"),
			snap: &snapshot.Snapshot{Discoveries: []*snapshot.Discovery{discovery}},
			want: TokenSignatureFact{State: SignatureUnverified, KeyID: "k1", Alg: "ES256",
				Why: "the input has no JWKS with key k1 to verify it (capture: curl -s https://keys.example.com/jwks.json > keys.json)"},
		},
		{
			name: "no kid",
			tok:  tok("RS256", ""),
			want: TokenSignatureFact{State: SignatureUnverified, Alg: "RS256", Why: "its header names no kid, so no key of a JWKS could be chosen to verify it"},
		},
		{
			name: "alg none is never valid",
			tok:  tok("none", "k1"),
			want: TokenSignatureFact{State: SignatureInvalid, KeyID: "k1", Alg: "none", Why: `the token's header names alg "none", not a public-key signature, which no key of a JWKS can verify`},
		},
		{
			name: "a MAC is never valid, whatever the checks say",
			tok:  tok("HS256", "k1", ok),
			want: TokenSignatureFact{State: SignatureInvalid, KeyID: "k1", Alg: "HS256", Why: `the token's header names alg "HS256", not a public-key signature, which no key of a JWKS can verify`},
		},
		{
			name:      "alg not known",
			tok:       tok("", "k1"),
			want:      TokenSignatureFact{State: SignatureUnverified, KeyID: "k1", Why: "the input has no JWKS with key k1 to verify it (capture: curl -s " + iamIssuer + "/keys > keys.json)"},
			signature: "signature",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := tt.snap
			if s == nil {
				s = &snapshot.Snapshot{}
			}
			got := TokenSignature(s, tt.tok, issuer)
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("TokenSignature (-want +got):\n%s", d)
			}
			var f finding.Finding
			for _, d := range got.Evidence() {
				d(&f)
			}
			var evs []string
			for _, e := range f.Evidence {
				evs = append(evs, e.Source+" "+e.Ref+": "+e.Value)
			}
			if d := cmp.Diff(tt.wantEvs, evs, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("evidence (-want +got):\n%s", d)
			}
			if tt.signature != "" && got.Signature() != tt.signature {
				t.Errorf("Signature() = %q, want %q", got.Signature(), tt.signature)
			}
		})
	}
}
