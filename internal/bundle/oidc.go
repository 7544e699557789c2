package bundle

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"errors"
	"fmt"
	"net/url"
	"path"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	josejson "github.com/go-jose/go-jose/v4/json"
	"github.com/go-jose/go-jose/v4/jwt"
	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// The OIDC side of a bundle (docs/contract.md#bundles): the bare issuer URL
// that `aws eks describe-cluster --query cluster.identity.oidc.issuer
// --output text` prints, a bare policy document, PEM certificate chains as
// `openssl s_client -showcerts` prints them, OIDC discovery documents and
// JWKS, a service account token (only its claims are kept, and whether its
// signature verifies with the input's keys), and the manifest `irsa-doctor
// dump` writes. All are recognised by content.

// oidcFacts is what one file contributed of the facts above.
type oidcFacts struct {
	chains      []*snapshot.TLSChain
	discoveries []*snapshot.Discovery
	jwks        []*snapshot.JWKS
	jwksKeys    []jwksKey // the keys of jwks, for verifying tokens
	tokens      []*readToken
	issuers     []snapshot.IssuerURL
	policies    []snapshot.LoosePolicy
	manifests   []*manifest
	collectedAt string // a manifest's collectedAt, RFC 3339 in UTC
}

// Labels of Snapshot.Files[].RecognisedAs for these formats.
const (
	labelIssuerURL = "aws:IssuerURL"
	labelPolicy    = "aws:PolicyDocument"
	labelPEM       = "openssl:CertificateChain"
	labelDiscovery = "oidc:Discovery"
	labelJWKS      = "oidc:JWKS"
	labelToken     = "jwt:ServiceAccountToken"
	labelManifest  = "irsa-doctor:Manifest"
)

// parseOIDCText recognises the plain-text formats: PEM certificates, a
// bare issuer URL, a JWT. It returns false, having recorded nothing, when
// data is none of them.
func parseOIDCText(r *result, data []byte) bool {
	trimmed := bytes.TrimSpace(data)
	if hasPEMBegin(data) {
		parsePEM(r, data)
		return true
	}
	if !bytes.ContainsAny(trimmed, "\r\n") && parseIssuerLine(r, trimmed) {
		return true
	}
	if len(trimmed) > maxJWT {
		// Not a token: spare a large YAML file the copy below.
		return false
	}
	compact := dropSpace(trimmed)
	if !looksLikeJWT(compact) {
		return false
	}
	parseJWT(r, compact)
	return true
}

// maxJWT bounds the size of a file read as a JWT: a service account token
// is a few KiB.
const maxJWT = 64 << 10

// parseIssuerLine reads a one-line file: an issuer URL as the AWS CLI
// prints it with --output text or yaml (bare) or with the default --output
// json (a JSON string).
func parseIssuerLine(r *result, line []byte) bool {
	s := string(line)
	if strings.HasPrefix(s, `"`) {
		var u string
		if json.Unmarshal(line, &u) != nil {
			return false
		}
		s = strings.TrimSpace(u)
	}
	if s == "None" {
		// The text output of a JSON null: describe-cluster's
		// identity.oidc.issuer is absent when the cluster has no issuer,
		// but this line does not say which cluster.
		r.fail("None: the AWS CLI prints None when the queried value is absent (a cluster without an OIDC issuer), but this does not say which cluster: pass the full `aws eks describe-cluster --name CLUSTER --output json` output instead")
		return true
	}
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") {
		return false
	}
	if why := issuerURLProblem(s); why != "" {
		r.fail(fmt.Sprintf("the URL %q is not an OIDC issuer URL: %s", s, why))
		return true
	}
	r.oidc.issuers = append(r.oidc.issuers, snapshot.IssuerURL{URL: s, Source: r.src})
	r.recognise(labelIssuerURL)
	return true
}

// issuerURLProblem says why s cannot be an issuer URL: OIDC Discovery 1.0
// §2 requires an https URL with no query or fragment, and IAM provider URLs
// carry no port (CreateOpenIDConnectProvider).
func issuerURLProblem(s string) string {
	if strings.ContainsAny(s, " \t") {
		return "it holds a space"
	}
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return "it does not parse"
	case u.Scheme != "https":
		return "an issuer URL must use https"
	case u.Hostname() == "":
		return "it has no host"
	case u.User != nil:
		return "it holds user information"
	case u.RawQuery != "" || u.ForceQuery || u.Fragment != "":
		return "it has a query or fragment"
	case u.Port() != "":
		return "it has a port"
	}
	return ""
}

// hasPEMBegin reports a line that starts with a PEM BEGIN marker. A PEM
// block embedded in YAML (a ConfigMap's ca.crt) is indented under its key,
// so it does not count.
func hasPEMBegin(data []byte) bool {
	return bytes.HasPrefix(data, []byte("-----BEGIN ")) || bytes.Contains(data, []byte("\n-----BEGIN "))
}

// chainMarkers start a new chain in `openssl s_client` output: each
// connection prints CONNECTED(...), then "Certificate chain" before the
// certificates it was sent.
var chainMarkers = [][]byte{[]byte("CONNECTED("), []byte("Certificate chain")}

// parsePEM reads every certificate of the file into chains, leaf first.
// `openssl s_client -showcerts` prints the chain the server sends, in the
// order it sends it (docs/reference/thumbprint.md); the text around the blocks is
// ignored. A new chain starts at a connection marker, or at a certificate
// that is not a CA after the first of a chain (a second leaf: several
// captures, or PEM files concatenated).
func parsePEM(r *result, data []byte) {
	var chains []*snapshot.TLSChain
	var cur *snapshot.TLSChain
	pos := 0
	newChain := true
	// line is the line of offset lineOff, counted on as blocks follow
	// (never from the top again: a file may hold many blocks).
	line, lineOff := 1, 0
	// seen holds the fingerprints of cur's certificates.
	seen := map[string]bool{}
	for pos < len(data) {
		begin := indexLineStart(data[pos:], []byte("-----BEGIN "))
		if begin < 0 {
			break
		}
		begin += pos
		for _, m := range chainMarkers {
			if bytes.Contains(data[pos:begin], m) {
				newChain = true
			}
		}
		work(begin - lineOff)
		line += bytes.Count(data[lineOff:begin], []byte{'\n'})
		lineOff = begin
		endRel := bytes.Index(data[begin:], []byte("\n-----END "))
		if endRel < 0 {
			r.failAt(line, 1, "a PEM block without its END line: the file is cut short; the rest is skipped")
			break
		}
		stop := begin + endRel + 1
		if nl := bytes.IndexByte(data[stop:], '\n'); nl >= 0 {
			stop += nl + 1
		} else {
			stop = len(data)
		}
		block, _ := pem.Decode(data[begin:stop])
		pos = stop
		switch {
		case block == nil:
			r.failAt(line, 1, "a PEM block that does not decode (bad base64 or a damaged BEGIN/END line); skipped")
			continue
		case strings.Contains(block.Type, "PRIVATE KEY"):
			r.failAt(line, 1, "a "+block.Type+" block: not read, irsa-doctor never reads private keys; remove it from the bundle")
			continue
		case block.Type != "CERTIFICATE":
			r.failAt(line, 1, "a "+block.Type+" PEM block, not a CERTIFICATE; skipped")
			continue
		}
		cert, err := x509.ParseCertificate(block.Bytes)
		if err != nil {
			r.failAt(line, 1, "a certificate that does not parse: "+strings.TrimPrefix(err.Error(), "x509: ")+"; skipped")
			continue
		}
		c := certificate(cert)
		if cur != nil && !newChain && !firstOf(seen, c.SHA1) {
			// The same certificate printed again (the server certificate
			// after the chain): nothing new.
			continue
		}
		if newChain || cur == nil || !cert.IsCA {
			cur = &snapshot.TLSChain{Source: r.src}
			chains = append(chains, cur)
			newChain = false
			clear(seen)
		}
		cur.Certs = append(cur.Certs, c)
		seen[c.SHA1] = true // when cur was just started
	}
	if len(chains) == 0 {
		if len(r.errs) == 0 {
			r.fail("PEM text without a certificate")
		}
		return
	}
	r.oidc.chains = append(r.oidc.chains, chains...)
	r.recognise(labelPEM)
}

// indexLineStart is the offset of the first occurrence of p at the start of
// a line of data, or -1.
func indexLineStart(data, p []byte) int {
	if bytes.HasPrefix(data, p) {
		return 0
	}
	i := bytes.Index(data, append([]byte{'\n'}, p...))
	if i < 0 {
		return -1
	}
	return i + 1
}

// certificate converts a parsed certificate. The SHA-1 is lower-case hex of
// the DER, as IAM thumbprints are (docs/reference/thumbprint.md).
func certificate(c *x509.Certificate) snapshot.Certificate {
	sum := sha1.Sum(c.Raw)
	var ips []string
	for _, ip := range c.IPAddresses {
		ips = append(ips, ip.String())
	}
	return snapshot.Certificate{
		Subject:     c.Subject.String(),
		Issuer:      c.Issuer.String(),
		DNSNames:    slices.Clone(c.DNSNames),
		IPAddresses: ips,
		IsCA:        c.IsCA,
		NotBefore:   c.NotBefore.UTC().Format(time.RFC3339),
		NotAfter:    c.NotAfter.UTC().Format(time.RFC3339),
		SHA1:        hex.EncodeToString(sum[:]),
		DER:         slices.Clone(c.Raw),
	}
}

func dropSpace(b []byte) []byte {
	return bytes.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\r', '\n':
			return -1
		}
		return r
	}, b)
}

// looksLikeJWT reports a JWS in compact form whose header is a JSON object
// naming an algorithm (RFC 7515 §7.1, §4.1.1): three base64url segments.
func looksLikeJWT(b []byte) bool {
	parts := bytes.Split(b, []byte{'.'})
	if len(parts) != 3 || len(parts[0]) == 0 || len(parts[1]) == 0 {
		return false
	}
	for _, p := range parts {
		for _, c := range p {
			if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_' || c == '=') {
				return false
			}
		}
	}
	raw, err := base64.RawURLEncoding.DecodeString(strings.TrimRight(string(parts[0]), "="))
	if err != nil {
		return false
	}
	var h struct {
		Alg string `json:"alg"`
	}
	return json.Unmarshal(raw, &h) == nil && h.Alg != ""
}

// tokenAlgorithms are the signature algorithms a service account token may
// carry: EKS signs with RS256; a self-managed API server may use any RSA or
// ECDSA key (--service-account-signing-key-file). Any other alg ("none",
// HS256) is not a service account token: the file is not read as one. The
// signature is verified once every file is read (merger.verifyTokens), with
// the input's JWKS keys of the token's kid.
var tokenAlgorithms = []jose.SignatureAlgorithm{
	jose.RS256, jose.RS384, jose.RS512, jose.PS256, jose.PS384, jose.PS512,
	jose.ES256, jose.ES384, jose.ES512,
}

// readToken is a token as read: its claims, and the token itself, parsed,
// only until the merger has verified its signature with the keys of every
// file (merger.verifyTokens) and dropped it. The snapshot never holds the
// token or its signature (STYLE.md "Snapshot").
type readToken struct {
	claims *snapshot.TokenClaims
	jws    *jose.JSONWebSignature
	// sigSum tells apart two tokens with the same claims and different
	// signatures: a forged copy is not a duplicate of the real one.
	sigSum [sha256.Size]byte
}

// parseJWT keeps the claims of a token and the alg and kid of its header,
// and the parsed token until the signature is verified (readToken).
// Messages never quote the token.
func parseJWT(r *result, compact []byte) {
	// jwt.ParseSigned, keeping the JWS: the same parser and messages.
	jws, err := jose.ParseSignedCompact(string(compact), tokenAlgorithms)
	if err != nil {
		r.fail("a JWT that is not a signed service account token: " + strings.TrimPrefix(err.Error(), "go-jose/go-jose: "))
		return
	}
	var cl jwt.Claims
	if err := josejson.Unmarshal(jws.UnsafePayloadWithoutVerification(), &cl); err != nil {
		r.fail("a JWT whose claims do not decode: " + strings.TrimPrefix(err.Error(), "go-jose/go-jose/jwt: "))
		return
	}
	tc := &snapshot.TokenClaims{Issuer: cl.Issuer, Subject: cl.Subject, Source: r.src}
	if len(cl.Audience) > 0 {
		tc.Audience = slices.Clone([]string(cl.Audience))
	}
	if cl.Expiry != nil {
		tc.ExpiresAt = int64(*cl.Expiry)
	}
	if cl.IssuedAt != nil {
		tc.IssuedAt = int64(*cl.IssuedAt)
	}
	if cl.NotBefore != nil {
		tc.NotBefore = int64(*cl.NotBefore)
	}
	// The compact serialization has exactly one signature.
	sig := jws.Signatures[0]
	tc.KeyID, tc.Alg = sig.Header.KeyID, sig.Header.Algorithm
	r.oidc.tokens = append(r.oidc.tokens, &readToken{claims: tc, jws: jws, sigSum: sha256.Sum256(sig.Signature)})
	r.recognise(labelToken)
}

// classifyOIDC recognises the JSON formats of this file's family. It
// returns false, having recorded nothing, for any other object.
func classifyOIDC(r *result, src *jsonSrc, o *object) bool {
	switch {
	case o.str("kind") == manifestKind:
		parseManifest(r, src, o)
	case o.has("Statement") && onlyMembers(o, "Version", "Id", "Statement"):
		parsePolicy(r, src, o)
	case o.has("issuer", "jwks_uri"):
		parseDiscovery(r, src, o)
	case o.has("keys") && onlyMembers(o, "keys"):
		parseJWKS(r, src, o)
	default:
		return false
	}
	return true
}

func onlyMembers(o *object, names ...string) bool {
	if o.hasItems {
		return false
	}
	for _, m := range o.members {
		if !slices.Contains(names, m.name) {
			return false
		}
	}
	return true
}

// parsePolicy keeps a bare policy document (`aws iam get-role --query
// Role.AssumeRolePolicyDocument`): it names no role.
func parsePolicy(r *result, src *jsonSrc, o *object) {
	if o.raw == nil {
		return
	}
	doc, err := trustPolicy(jsontext.Value(o.raw))
	if err != nil {
		r.failOff(src, o.start, "policy document: "+err.Error())
		return
	}
	r.oidc.policies = append(r.oidc.policies, snapshot.LoosePolicy{Document: doc, Source: r.src})
	r.recognise(labelPolicy)
}

// parseDiscovery reads an OIDC discovery document
// (ISSUER/.well-known/openid-configuration, OpenID Connect Discovery 1.0
// §3): issuer and jwks_uri are the members STS relies on.
func parseDiscovery(r *result, src *jsonSrc, o *object) {
	var d struct {
		Issuer  string `json:"issuer"`
		JWKSURI string `json:"jwks_uri"`
	}
	if o.raw == nil || !r.decodeMember(src, o.raw, &d, "OIDC discovery document") {
		return
	}
	r.oidc.discoveries = append(r.oidc.discoveries, &snapshot.Discovery{Issuer: d.Issuer, JWKSURI: d.JWKSURI, Source: r.src})
	r.recognise(labelDiscovery)
}

// jwksKey is the first key of a JWKS with a kid, as its JSON, kept to
// verify the input's tokens with once every file is read. Keys are public
// data; one that holds private parameters is not kept.
type jwksKey struct {
	set *snapshot.JWKS
	kid string
	raw []byte
}

// jwkMembers are the members of a JSON Web Key read here: its type and ID,
// and the private parameters (RFC 7518 §6.2.2, §6.3.2, §6.4.1; RFC 8037
// §2; "priv" of the ML-DSA keys go-jose also reads), present only in a
// private or symmetric key. Names are matched case-sensitively, as go-jose
// reads them.
type jwkMembers struct {
	Kty  string         `json:"kty"`
	Kid  string         `json:"kid"`
	D    jsontext.Value `json:"d"`
	P    jsontext.Value `json:"p"`
	Q    jsontext.Value `json:"q"`
	DP   jsontext.Value `json:"dp"`
	DQ   jsontext.Value `json:"dq"`
	QI   jsontext.Value `json:"qi"`
	K    jsontext.Value `json:"k"`
	Priv jsontext.Value `json:"priv"`
}

func (k *jwkMembers) private() bool {
	return k.D != nil || k.P != nil || k.Q != nil || k.DP != nil || k.DQ != nil || k.QI != nil || k.K != nil || k.Priv != nil
}

// parseJWKS reads a JSON Web Key Set (RFC 7517 §5; ISSUER/keys on EKS),
// keeping the key IDs, and the first key of each kid to verify tokens
// with. Every key has a kty (RFC 7517 §4.1); a key without a kid is
// counted but has no ID to keep. A key with private parameters is not
// read: a JWKS publishes public keys, and irsa-doctor never reads private
// keys (as parsePEM).
func parseJWKS(r *result, src *jsonSrc, o *object) {
	v, _ := o.get("keys")
	if v.Kind() != '[' {
		r.failOff(src, offsetOf(src.data, v), "a JWKS whose \"keys\" is "+kindName(v.Kind())+", not an array")
		return
	}
	var keys []jsontext.Value
	if !r.decodeMember(src, v, &keys, "JWKS keys") {
		return
	}
	set := &snapshot.JWKS{KeyIDs: []string{}, Source: r.src}
	kids := map[string]bool{}
	for i, raw := range keys {
		var k jwkMembers
		if err := json.Unmarshal(raw, &k, itemOpts); err != nil {
			r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("JWKS key %d: %s; skipped", i, describeJSONError(err)))
			continue
		}
		switch {
		case k.Kty == "":
			r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("JWKS key %d has no kty: not a JSON Web Key; skipped", i))
			continue
		case k.private():
			r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("JWKS key %d holds private or symmetric key parameters: not read, irsa-doctor never reads private keys; remove it from the bundle", i))
			continue
		}
		if k.Kid != "" && firstOf(kids, k.Kid) {
			set.KeyIDs = append(set.KeyIDs, k.Kid)
			r.oidc.jwksKeys = append(r.oidc.jwksKeys, jwksKey{set: set, kid: k.Kid, raw: slices.Clone([]byte(raw))})
		}
	}
	r.oidc.jwks = append(r.oidc.jwks, set)
	r.recognise(labelJWKS)
}

// maxKeyTries bounds the keys one token's signature is verified with: a
// bundle is untrusted, and could hold any number of key sets repeating a
// kid, each verification an RSA or ECDSA operation.
const maxKeyTries = 4

// verifyTokens verifies the signature of each token kept with the keys of
// the input's JWKS whose kid is the token's, in input order, until one
// verifies it, and drops every token read. It runs once every file is
// read: a token and its key set are separate files. The outcome is a fact
// of the token (TokenClaims.Signature) that IRSA306 judges; the key set is
// whichever file holds the kid, since an offline JWKS names no URL.
func (m *merger) verifyTokens() {
	byKid := map[string][]*jwksKey{}
	for _, r := range m.results {
		for i := range r.oidc.jwksKeys {
			k := &r.oidc.jwksKeys[i]
			work(1)
			byKid[k.kid] = append(byKid[k.kid], k)
		}
	}
	parsed := map[*jwksKey]*parsedKey{}
	for _, r := range m.results {
		for _, t := range r.oidc.tokens {
			if t.jws != nil && t.claims.KeyID != "" {
				verifyToken(r, t, byKid[t.claims.KeyID], parsed)
			}
			t.jws = nil
		}
		r.oidc.jwksKeys = nil
	}
}

// parsedKey is a JWKS key read by go-jose, or why it could not be.
type parsedKey struct {
	key   *jose.JSONWebKey
	thumb string // RFC 7638 thumbprint: the same key in two key sets is tried once
	why   string
}

func parseJWK(raw []byte) *parsedKey {
	var k jose.JSONWebKey
	if err := k.UnmarshalJSON(raw); err != nil {
		return &parsedKey{why: "the key does not parse as a JSON Web Key: " + strings.TrimPrefix(err.Error(), "go-jose/go-jose: ")}
	}
	if !k.Valid() || !k.IsPublic() {
		// parseJWKS kept no key with private parameters.
		return &parsedKey{why: "the key is not a usable public key"}
	}
	th, err := k.Thumbprint(crypto.SHA256)
	if err != nil {
		return &parsedKey{why: "the key does not parse as a JSON Web Key: " + strings.TrimPrefix(err.Error(), "go-jose/go-jose: ")}
	}
	return &parsedKey{key: &k, thumb: string(th)}
}

func verifyToken(r *result, t *readToken, keys []*jwksKey, parsed map[*jwksKey]*parsedKey) {
	tried := map[string]bool{}
	for i, k := range keys {
		if i == maxKeyTries {
			r.fail(fmt.Sprintf("the input's key sets hold %d keys with the token's kid %s: its signature was verified with the first %d only", len(keys), t.claims.KeyID, maxKeyTries))
			return
		}
		work(1)
		pk := parsed[k]
		if pk == nil {
			pk = parseJWK(k.raw)
			parsed[k] = pk
		}
		if pk.thumb != "" && !firstOf(tried, pk.thumb) {
			continue
		}
		c := snapshot.SignatureCheck{KeyID: k.kid, JWKS: k.set.Source}
		c.Verified, c.Why = verifyWith(t.jws, t.claims.Alg, pk)
		t.claims.Signature = append(t.claims.Signature, c)
		if c.Verified {
			return
		}
	}
}

// verifyWith verifies a token's signature with one key, saying why it
// does not verify.
func verifyWith(jws *jose.JSONWebSignature, alg string, pk *parsedKey) (bool, string) {
	if pk.key == nil {
		return false, pk.why
	}
	if why := keyFits(pk.key.Key, alg); why != "" {
		return false, why
	}
	if _, err := jws.Verify(pk.key); err != nil {
		if errors.Is(err, jose.ErrCryptoFailure) {
			return false, "the signature does not match the key"
		}
		return false, strings.TrimPrefix(err.Error(), "go-jose/go-jose: ")
	}
	return true, ""
}

// keyFits says why a key cannot verify a signature of alg (RFC 7518
// §3.3-3.5): RS and PS take an RSA key, ES256, ES384 and ES512 an EC key
// on P-256, P-384 and P-521. go-jose reports a mismatch only as a failed
// signature.
func keyFits(key any, alg string) string {
	curves := map[string]elliptic.Curve{"ES256": elliptic.P256(), "ES384": elliptic.P384(), "ES512": elliptic.P521()}
	switch {
	case strings.HasPrefix(alg, "RS") || strings.HasPrefix(alg, "PS"):
		if _, ok := key.(*rsa.PublicKey); ok {
			return ""
		}
		return fmt.Sprintf("the token's alg %s takes an RSA key, and the key is %s", alg, keyKind(key))
	case curves[alg] != nil:
		if k, ok := key.(*ecdsa.PublicKey); ok && k.Curve == curves[alg] {
			return ""
		}
		return fmt.Sprintf("the token's alg %s takes an EC key on %s, and the key is %s", alg, curves[alg].Params().Name, keyKind(key))
	}
	return fmt.Sprintf("the token's alg %s is not an RSA or ECDSA signature", alg)
}

func keyKind(key any) string {
	switch k := key.(type) {
	case *rsa.PublicKey:
		return "an RSA key"
	case *ecdsa.PublicKey:
		return "an EC key on " + k.Curve.Params().Name
	case ed25519.PublicKey:
		return "an Ed25519 key"
	}
	return fmt.Sprintf("a %T", key)
}

// manifestKind is the kind of the manifest `irsa-doctor dump` writes.
const manifestKind = "IrsaDoctorBundleManifest"

// manifest is one dump manifest, resolved against the other files once all
// are read (merger.resolveManifests).
type manifest struct {
	r       *result
	entries []manifestEntry
}

// manifestEntry is one element of the manifest's "listed": a complete
// capture of one kind in one scope. See the package documentation.
type manifestEntry struct {
	Kind          string `json:"kind"`
	Namespace     string `json:"namespace"`
	AllNamespaces bool   `json:"allNamespaces"`
	Account       string `json:"account"`
	File          string `json:"file"`

	index int
	kind  snapshot.Kind
}

// manifestScope says how an entry of each kind is scoped.
type manifestScope int

const (
	scopeNamespace manifestScope = iota // namespace, or allNamespaces
	scopeCluster                        // the whole cluster
	scopeAccount                        // an AWS account
)

var manifestKinds = map[string]struct {
	kind  snapshot.Kind
	scope manifestScope
}{
	string(snapshot.KindPod):                  {snapshot.KindPod, scopeNamespace},
	string(snapshot.KindServiceAccount):       {snapshot.KindServiceAccount, scopeNamespace},
	string(snapshot.KindWorkload):             {snapshot.KindWorkload, scopeNamespace},
	string(snapshot.KindNamespace):            {snapshot.KindNamespace, scopeCluster},
	string(snapshot.KindWebhookConfiguration): {snapshot.KindWebhookConfiguration, scopeCluster},
	string(snapshot.KindNode):                 {snapshot.KindNode, scopeCluster},
	string(snapshot.KindRole):                 {snapshot.KindRole, scopeAccount},
	string(snapshot.KindOIDCProvider):         {snapshot.KindOIDCProvider, scopeAccount},
	// EKS Pod Identity (issue 5): the DaemonSets of a namespace, the pods
	// the agent's DaemonSets select, and the cluster's associations.
	string(snapshot.KindDaemonSet):        {snapshot.KindDaemonSet, scopeNamespace},
	string(snapshot.KindPodIdentityAgent): {snapshot.KindPodIdentityAgent, scopeNamespace},
	string(snapshot.KindPodIdentity):      {snapshot.KindPodIdentity, scopeCluster},
}

// parseManifest reads the dump manifest (docs/contract.md#bundles).
func parseManifest(r *result, src *jsonSrc, o *object) {
	var m struct {
		CollectedAt string          `json:"collectedAt"`
		Cluster     string          `json:"cluster"`
		Accounts    []string        `json:"accounts"`
		Listed      []manifestEntry `json:"listed"`
		Gaps        []snapshot.Gap  `json:"gaps"`
	}
	if o.raw == nil || !r.decodeMember(src, o.raw, &m, "bundle manifest") {
		return
	}
	r.recognise(labelManifest)
	if m.CollectedAt != "" {
		if t, err := time.Parse(time.RFC3339, m.CollectedAt); err != nil {
			r.failOff(src, o.start, fmt.Sprintf("bundle manifest collectedAt %q is not an RFC 3339 time; ignored", m.CollectedAt))
		} else {
			r.oidc.collectedAt = t.UTC().Format(time.RFC3339)
		}
	}
	for _, a := range m.Accounts {
		if !isAccountID(a) {
			r.failOff(src, o.start, fmt.Sprintf("bundle manifest accounts: %q is not a 12-digit AWS account ID", a))
		}
	}
	mf := &manifest{r: r}
	for i, e := range m.Listed {
		e.index = i
		if why := e.check(); why != "" {
			r.failOff(src, o.start, fmt.Sprintf("bundle manifest listed entry %d: %s; it proves no absence", i, why))
			continue
		}
		mf.entries = append(mf.entries, e)
	}
	r.oidc.manifests = append(r.oidc.manifests, mf)
	for i, g := range m.Gaps {
		if g.Operation == "" || g.Source == "" {
			r.failOff(src, o.start, fmt.Sprintf("bundle manifest gap %d has no source or operation; skipped", i))
			continue
		}
		r.gaps = append(r.gaps, g)
	}
}

// check validates an entry and sets its snapshot kind; it returns why the
// entry is unusable.
func (e *manifestEntry) check() string {
	k, ok := manifestKinds[e.Kind]
	if !ok {
		return fmt.Sprintf("kind %q is not one of Pod, ServiceAccount, Workload, Namespace, MutatingWebhookConfiguration, IAMRole, OIDCProvider, DaemonSet, PodIdentityAgent, PodIdentityAssociation, Node", e.Kind)
	}
	e.kind = k.kind
	switch k.scope {
	case scopeNamespace:
		if (e.Namespace == "") == !e.AllNamespaces {
			return fmt.Sprintf("a %s entry names exactly one of namespace and allNamespaces", e.Kind)
		}
		if e.Account != "" {
			return fmt.Sprintf("a %s entry names no account", e.Kind)
		}
	case scopeCluster:
		if e.Namespace != "" || e.Account != "" {
			return fmt.Sprintf("%s is cluster-scoped: the entry names no namespace or account", e.Kind)
		}
		e.AllNamespaces = true
	case scopeAccount:
		if !isAccountID(e.Account) {
			return fmt.Sprintf("a %s entry needs a 12-digit account, not %q", e.Kind, e.Account)
		}
		if e.Namespace != "" || e.AllNamespaces {
			return fmt.Sprintf("a %s entry names no namespace", e.Kind)
		}
	}
	if e.File != "" && (path.IsAbs(e.File) || strings.HasPrefix(path.Clean(e.File), "../")) {
		return fmt.Sprintf("file %q is not a path inside the bundle", e.File)
	}
	return ""
}

func (e *manifestEntry) describe() string {
	switch {
	case e.Account != "":
		return e.Kind + " of account " + e.Account
	case e.Namespace != "":
		return e.Kind + " of namespace " + e.Namespace
	}
	return e.Kind + " of every namespace"
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for _, c := range s {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

// addOIDC merges one file's OIDC facts into the snapshot.
func (m *merger) addOIDC(r *result) {
	s := m.s
	s.TLSChains = append(s.TLSChains, r.oidc.chains...)
	s.Discoveries = append(s.Discoveries, r.oidc.discoveries...)
	s.JWKSets = append(s.JWKSets, r.oidc.jwks...)
	s.Policies = append(s.Policies, r.oidc.policies...)
	for _, u := range r.oidc.issuers {
		if firstOf(m.issuers, u.URL) {
			s.IssuerURLs = append(s.IssuerURLs, u)
		}
	}
	for _, t := range r.oidc.tokens {
		if firstOf(m.tokens, tokenKey(t.claims)+string(t.sigSum[:])) {
			s.Tokens = append(s.Tokens, t.claims)
		} else {
			t.jws = nil // a duplicate: not verified, not kept
		}
	}
	if s.CollectedAt == "" {
		s.CollectedAt = r.oidc.collectedAt
	}
}

// tokenKey is equal for two tokens exactly when their claims (and header)
// are: the strings are quoted, so no two lists of them join to the same
// key.
func tokenKey(t *snapshot.TokenClaims) string {
	var b strings.Builder
	for _, s := range append([]string{t.Issuer, t.Subject, t.KeyID, t.Alg}, t.Audience...) {
		b.WriteString(strconv.Quote(s))
	}
	fmt.Fprintf(&b, "%d %d %d %d", len(t.Audience), t.ExpiresAt, t.IssuedAt, t.NotBefore)
	return b.String()
}

// resolveManifests turns the manifests' listed entries into Listings. An
// entry that names its file proves absence only when that file is part of
// the input and was read without a problem: a manifest passed without the
// capture it describes proves nothing. An OIDCProvider entry also gives
// its account to its file's list-open-id-connect-providers output, which
// names none when it is empty (an empty List counts as a capture of none
// when the manifest says what was listed, docs/contract.md "Absence needs
// proof"). It runs before merger.finish resolves provider lists.
func (m *merger) resolveManifests() {
	for _, r := range m.results {
		for _, mf := range r.oidc.manifests {
			for _, e := range mf.entries {
				m.resolveEntry(mf, e)
			}
		}
	}
}

func (m *merger) resolveEntry(mf *manifest, e manifestEntry) {
	l := snapshot.Listing{Kind: e.kind, Namespace: e.Namespace, AllNamespaces: e.AllNamespaces, Account: e.Account, Source: mf.r.src}
	if e.File != "" {
		f := m.manifestFile(mf.r, e.File)
		why := ""
		switch {
		case f == nil:
			why = "is not among the files read"
		case len(f.errs) > 0:
			why = "was read with problems"
		case len(f.labels) == 0:
			why = "was not recognised"
		}
		if why != "" {
			if !mf.r.full() {
				mf.r.errs = append(mf.r.errs, fmt.Sprintf("%s: listed entry %d (%s) names the file %s, which %s: it proves no absence",
					mf.r.ref, e.index, e.describe(), e.File, why))
			}
			return
		}
		l.Source = f.src
		if e.kind == snapshot.KindOIDCProvider {
			for i := range f.providerLists {
				if f.providerLists[i].Account == "" && len(f.providerLists[i].ARNs) == 0 {
					f.providerLists[i].Account = e.Account
				}
			}
		}
	}
	k := fmt.Sprintf("%s|%s|%t|%s", l.Kind, l.Namespace, l.AllNamespaces, l.Account)
	if !m.listings[k] {
		m.listings[k] = true
		m.s.Listings = append(m.s.Listings, l)
	}
}

// manifestFile finds the result of a file the manifest names, relative to
// the manifest's folder: on disk when both were read from disk, else by
// their references (stdin).
func (m *merger) manifestFile(mr *result, name string) *result {
	want := path.Join(path.Dir(mr.ref), name)
	var disk string
	if mr.dir != "" {
		disk = absKey(filepath.Join(mr.dir, filepath.FromSlash(name)))
	}
	for _, r := range m.results {
		if r == mr {
			continue
		}
		switch {
		case disk != "" && r.dir != "":
			if absKey(filepath.Join(r.dir, path.Base(r.ref))) == disk {
				return r
			}
		case r.ref == want || r.ref == name || strings.HasSuffix(r.ref, "/"+path.Clean(name)):
			return r
		}
	}
	return nil
}
