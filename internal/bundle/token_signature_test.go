package bundle

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// signWith returns a compact JWS of claims signed with key, kid in its
// header, as the API server signs a projected service account token.
func signWith(t *testing.T, alg jose.SignatureAlgorithm, kid string, key any, claims any) string {
	t.Helper()
	sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
	if err != nil {
		t.Fatal(err)
	}
	tok, err := jwt.Signed(sig).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// keySet renders a JWKS of public keys, as ISSUER/keys serves it.
func keySet(t *testing.T, keys ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func pubKey(kid string, alg jose.SignatureAlgorithm, key any) jose.JSONWebKey {
	return jose.JSONWebKey{Key: key, KeyID: kid, Algorithm: string(alg), Use: "sig"}
}

// withSignature replaces a compact JWS's signature with sig.
func withSignature(tok string, sig []byte) string {
	return tok[:strings.LastIndexByte(tok, '.')+1] + base64.RawURLEncoding.EncodeToString(sig)
}

// TestReadTokenSignature: the reader verifies a token's signature with the
// input's JWKS keys of its kid, once every file is read, and keeps only
// the outcome, never the token.
func TestReadTokenSignature(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	otherRSA, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	claims := map[string]any{"iss": testIssuer, "sub": "system:serviceaccount:payments:s3-reader", "aud": []string{"sts.amazonaws.com"}}
	good := signWith(t, jose.RS256, "k1", rsaKey, claims)
	zero := withSignature(good, make([]byte, 256))
	es := signWith(t, jose.ES256, "e1", ecKey, claims)
	keys := keySet(t, pubKey("k1", jose.RS256, &rsaKey.PublicKey))
	wrongKey := keySet(t, pubKey("k1", jose.RS256, &otherRSA.PublicKey))

	ok := func(ref string) snapshot.SignatureCheck {
		return snapshot.SignatureCheck{KeyID: "k1", Verified: true, JWKS: src(ref)}
	}
	bad := func(ref, why string) snapshot.SignatureCheck {
		return snapshot.SignatureCheck{KeyID: "k1", Why: why, JWKS: src(ref)}
	}
	const mismatch = "the signature does not match the key"
	tests := []struct {
		name    string
		files   map[string]string
		want    [][]snapshot.SignatureCheck // per token, in input order
		wantErr map[string]string           // file errors
	}{
		{
			name:  "the JWKS of the key that signed it: verified",
			files: map[string]string{"b/token.jwt": good, "b/keys.json": keys},
			want:  [][]snapshot.SignatureCheck{{ok("b/keys.json")}},
		},
		{
			name:  "an all-zero signature does not verify",
			files: map[string]string{"b/token.jwt": zero, "b/keys.json": keys},
			want:  [][]snapshot.SignatureCheck{{bad("b/keys.json", mismatch)}},
		},
		{
			name:  "without a JWKS the signature is not verified",
			files: map[string]string{"b/token.jwt": zero},
			want:  [][]snapshot.SignatureCheck{nil},
		},
		{
			name:  "a JWKS without the token's kid verifies nothing",
			files: map[string]string{"b/token.jwt": good, "b/keys.json": keySet(t, pubKey("k2", jose.RS256, &rsaKey.PublicKey))},
			want:  [][]snapshot.SignatureCheck{nil},
		},
		{
			name:  "another key under the same kid",
			files: map[string]string{"b/token.jwt": good, "b/keys.json": wrongKey},
			want:  [][]snapshot.SignatureCheck{{bad("b/keys.json", mismatch)}},
		},
		{
			name:  "the first key set fails, the second verifies",
			files: map[string]string{"b/token.jwt": good, "b/a-keys.json": wrongKey, "b/b-keys.json": keys},
			want:  [][]snapshot.SignatureCheck{{bad("b/a-keys.json", mismatch), ok("b/b-keys.json")}},
		},
		{
			name:  "the same key in two key sets is tried once",
			files: map[string]string{"b/token.jwt": zero, "b/a-keys.json": keys, "b/b-keys.json": keys},
			want:  [][]snapshot.SignatureCheck{{bad("b/a-keys.json", mismatch)}},
		},
		{
			name:  "an EC key for an RS256 token",
			files: map[string]string{"b/token.jwt": good, "b/keys.json": keySet(t, pubKey("k1", jose.ES256, &ecKey.PublicKey))},
			want:  [][]snapshot.SignatureCheck{{bad("b/keys.json", "the token's alg RS256 takes an RSA key, and the key is an EC key on P-256")}},
		},
		{
			name:  "an RSA key for an ES256 token",
			files: map[string]string{"b/token.jwt": es, "b/keys.json": keySet(t, pubKey("e1", jose.RS256, &rsaKey.PublicKey))},
			want:  [][]snapshot.SignatureCheck{{{KeyID: "e1", Why: "the token's alg ES256 takes an EC key on P-256, and the key is an RSA key", JWKS: src("b/keys.json")}}},
		},
		{
			name:  "ES256 verified",
			files: map[string]string{"b/token.jwt": es, "b/keys.json": keySet(t, pubKey("e1", jose.ES256, &ecKey.PublicKey))},
			want:  [][]snapshot.SignatureCheck{{{KeyID: "e1", Verified: true, JWKS: src("b/keys.json")}}},
		},
		{
			name:  "a key that does not parse",
			files: map[string]string{"b/token.jwt": good, "b/keys.json": `{"keys":[{"kty":"RSA","kid":"k1","n":"x","e":"AQAB"}]}`},
			want:  [][]snapshot.SignatureCheck{{bad("b/keys.json", "the key does not parse as a JSON Web Key: illegal base64 data at input byte 0")}},
		},
		{
			name: "a private key in a JWKS is not read",
			files: map[string]string{"b/token.jwt": good, "b/keys.json": func() string {
				b, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: rsaKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
				if err != nil {
					t.Fatal(err)
				}
				return string(b)
			}()},
			want:    [][]snapshot.SignatureCheck{nil},
			wantErr: map[string]string{"b/keys.json": "b/keys.json:1:9: JWKS key 0 holds private or symmetric key parameters: not read, irsa-doctor never reads private keys; remove it from the bundle"},
		},
		{
			name: "the same claims with another signature is another token",
			files: map[string]string{"b/a-token.jwt": zero, "b/b-token.jwt": good, "b/c-token.jwt": good,
				"b/keys.json": keys},
			want: [][]snapshot.SignatureCheck{{bad("b/keys.json", mismatch)}, {ok("b/keys.json")}},
		},
		{
			name: "at most four keys of one kid are tried",
			files: func() map[string]string {
				f := map[string]string{"b/token.jwt": good}
				for i := range 6 {
					k, err := rsa.GenerateKey(rand.Reader, 1024)
					if err != nil {
						t.Fatal(err)
					}
					f[fmt.Sprintf("b/keys-%d.json", i)] = keySet(t, pubKey("k1", jose.RS256, &k.PublicKey))
				}
				return f
			}(),
			want:    [][]snapshot.SignatureCheck{{bad("b/keys-0.json", mismatch), bad("b/keys-1.json", mismatch), bad("b/keys-2.json", mismatch), bad("b/keys-3.json", mismatch)}},
			wantErr: map[string]string{"b/token.jwt": "b/token.jwt: the input's key sets hold 6 keys with the token's kid k1: its signature was verified with the first 4 only"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeTree(t, tt.files)
			s := readPaths(t, "b")
			var got [][]snapshot.SignatureCheck
			for _, tok := range s.Tokens {
				if tok.Alg == "" {
					t.Errorf("token of %s: no alg", tok.Source)
				}
				got = append(got, tok.Signature)
			}
			if d := cmp.Diff(tt.want, got, cmpopts.EquateEmpty()); d != "" {
				t.Errorf("signature checks (-want +got):\n%s", d)
			}
			for _, f := range s.Files {
				if f.Error != tt.wantErr[f.Path] {
					t.Errorf("%s: error %q, want %q", f.Path, f.Error, tt.wantErr[f.Path])
				}
			}
			assertNoToken(t, s, tt.files)
		})
	}
}

// assertNoToken: neither the snapshot, as JSON or as Go values, nor a
// file's error holds a token of the input, or its signature.
func assertNoToken(t *testing.T, s *snapshot.Snapshot, files map[string]string) {
	t.Helper()
	out, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	dump := string(out)
	for _, tok := range s.Tokens {
		dump += fmt.Sprintf("%+v %#v", *tok, *tok)
	}
	for _, f := range s.Files {
		dump += f.Error
	}
	for name, content := range files {
		if !strings.HasSuffix(name, ".jwt") {
			continue
		}
		compact := strings.Join(strings.Fields(content), "")
		sig := compact[strings.LastIndexByte(compact, '.')+1:]
		if strings.Contains(dump, sig) {
			t.Errorf("the snapshot holds the signature of %s", name)
		}
	}
}

// TestReadTokenAlgNotSigned: a token whose header's alg is "none" or a MAC
// is not a service account token: nothing of it is kept, so it is never
// judged valid.
func TestReadTokenAlgNotSigned(t *testing.T) {
	enc := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	body := enc(`{"iss":"` + testIssuer + `","sub":"system:serviceaccount:payments:s3-reader","aud":"sts.amazonaws.com"}`)
	const notSigned = `-: a JWT that is not a signed service account token: unexpected signature algorithm "%s"; expected ["RS256" "RS384" "RS512" "PS256" "PS384" "PS512" "ES256" "ES384" "ES512"]`
	tests := []struct{ name, input, wantErr string }{
		{
			name:    "alg none",
			input:   enc(`{"alg":"none","kid":"k1"}`) + "." + body + ".",
			wantErr: fmt.Sprintf(notSigned, "none"),
		},
		{
			name:    "alg none with a signature",
			input:   enc(`{"alg":"none","kid":"k1"}`) + "." + body + "." + enc("x"),
			wantErr: fmt.Sprintf(notSigned, "none"),
		},
		{
			name:    "alg HS256",
			input:   enc(`{"alg":"HS256","kid":"k1"}`) + "." + body + "." + enc("0123456789abcdef0123456789abcdef"),
			wantErr: fmt.Sprintf(notSigned, "HS256"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := readStdin(t, tt.input)
			if len(s.Tokens) != 0 {
				t.Errorf("tokens = %+v, want none", s.Tokens)
			}
			if s.Files[0].Error != tt.wantErr {
				t.Errorf("error %q, want %q", s.Files[0].Error, tt.wantErr)
			}
			if s.Files[0].RecognisedAs != "" {
				t.Errorf("recognised as %q", s.Files[0].RecognisedAs)
			}
		})
	}
}
