package bundle

import (
	"bytes"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"slices"
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// FuzzTokenSignature reads a token and a key set as two files of one input,
// as `analyze` does: the signature is verified with the keys of the
// token's kid, at most maxKeyTries of them, and the snapshot never holds
// the token's signature.
//
//	go test ./internal/bundle -run '^$' -fuzz FuzzTokenSignature
func FuzzTokenSignature(f *testing.F) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		f.Fatal(err)
	}
	ecKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		f.Fatal(err)
	}
	sign := func(alg jose.SignatureAlgorithm, kid string, key any) string {
		sig, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, (&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", kid))
		if err != nil {
			f.Fatal(err)
		}
		jws, err := sig.Sign([]byte(`{"iss":"` + testIssuer + `","sub":"system:serviceaccount:payments:s3-reader","aud":["sts.amazonaws.com"],"exp":1795000000}`))
		if err != nil {
			f.Fatal(err)
		}
		s, err := jws.CompactSerialize()
		if err != nil {
			f.Fatal(err)
		}
		return s
	}
	set := func(keys ...jose.JSONWebKey) string {
		b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
		if err != nil {
			f.Fatal(err)
		}
		return string(b)
	}
	good := sign(jose.RS256, "k1", rsaKey)
	keys := set(pubKey("k1", jose.RS256, &rsaKey.PublicKey), pubKey("e1", jose.ES256, &ecKey.PublicKey))
	f.Add([]byte(good), []byte(keys))
	f.Add([]byte(withSignature(good, make([]byte, 256))), []byte(keys))
	f.Add([]byte(sign(jose.ES256, "e1", ecKey)), []byte(keys))
	f.Add([]byte(sign(jose.PS256, "k1", rsaKey)), []byte(`{"keys":[{"kty":"RSA","kid":"k1","n":"x","e":"AQAB"},{"kty":"EC","kid":"k1","crv":"P-256","x":"","y":""}]}`))
	f.Add([]byte(good), []byte(`{"keys":[{"kty":"oct","kid":"k1","k":"c2VjcmV0"}]}`))

	f.Fuzz(func(t *testing.T, token, jwks []byte) {
		inputs := []input{
			{ref: "token.jwt", data: token, source: src("token.jwt")},
			{ref: "keys.json", data: jwks, source: src("keys.json")},
		}
		s, err := readInputs(context.Background(), inputs, Options{MaxFileSize: DefaultMaxFileSize}, "offline")
		if err != nil {
			t.Fatalf("read: %v", err)
		}
		for _, tok := range s.Tokens {
			if len(tok.Signature) > maxKeyTries {
				t.Fatalf("%d signature checks, want at most %d", len(tok.Signature), maxKeyTries)
			}
			for i, c := range tok.Signature {
				if c.KeyID != tok.KeyID || c.JWKS.Ref != "keys.json" {
					t.Fatalf("check %+v of a token with kid %q", c, tok.KeyID)
				}
				if c.Verified != (c.Why == "") || (c.Verified && i != len(tok.Signature)-1) {
					t.Fatalf("checks %+v: a verified check is the last, and only a failed one says why", tok.Signature)
				}
			}
		}
		// The signature segment of the token, when it is one, is nowhere
		// in what is kept of it but the values it shares with the claims
		// and header (which a fuzzed token may make equal to it).
		compact := dropSpace(bytes.TrimSpace(token))
		sig := compact[bytes.LastIndexByte(compact, '.')+1:]
		for _, tok := range s.Tokens {
			kept := *tok
			kept.Issuer, kept.Subject, kept.Audience, kept.KeyID, kept.Alg = "", "", nil, "", ""
			kept.Signature = slices.Clone(kept.Signature)
			for i := range kept.Signature {
				kept.Signature[i].KeyID = ""
			}
			out, err := json.Marshal(kept)
			if err != nil {
				t.Fatal(err)
			}
			if len(sig) >= 8 && bytes.Contains(out, sig) {
				t.Fatalf("the snapshot holds the token's signature: %s", out)
			}
		}
	})
}
