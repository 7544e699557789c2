package bundle

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	json "github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

const (
	testIssuer = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	testHost   = "oidc.eks.us-west-2.amazonaws.com"
)

func TestReadIssuerURL(t *testing.T) {
	tests := []struct {
		name, input string
		wantURLs    []snapshot.IssuerURL
		wantFiles   []snapshot.File
	}{
		{
			name:      "--output text",
			input:     testIssuer + "\n",
			wantURLs:  []snapshot.IssuerURL{{URL: testIssuer, Source: stdinSrc}},
			wantFiles: file("aws:IssuerURL", ""),
		},
		{
			name:      "surrounding whitespace and CRLF",
			input:     "\r\n  " + testIssuer + " \r\n\r\n",
			wantURLs:  []snapshot.IssuerURL{{URL: testIssuer, Source: stdinSrc}},
			wantFiles: file("aws:IssuerURL", ""),
		},
		{
			name:      "--output json prints a JSON string",
			input:     `"` + testIssuer + `"` + "\n",
			wantURLs:  []snapshot.IssuerURL{{URL: testIssuer, Source: stdinSrc}},
			wantFiles: file("aws:IssuerURL", ""),
		},
		{
			name:      "China",
			input:     "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7\n",
			wantURLs:  []snapshot.IssuerURL{{URL: "https://oidc.eks.cn-north-1.amazonaws.com.cn/id/B2C3D4E5F6A7B8C9D0E1F2A3B4C5D6E7", Source: stdinSrc}},
			wantFiles: file("aws:IssuerURL", ""),
		},
		{
			name:      "a cluster without an issuer prints None",
			input:     "None\n",
			wantFiles: file("", "-: None: the AWS CLI prints None when the queried value is absent (a cluster without an OIDC issuer), but this does not say which cluster: pass the full `aws eks describe-cluster --name CLUSTER --output json` output instead"),
		},
		{
			name:      "http is not an issuer URL",
			input:     "http://oidc.example.com/cluster\n",
			wantFiles: file("", `-: the URL "http://oidc.example.com/cluster" is not an OIDC issuer URL: an issuer URL must use https`),
		},
		{
			name:      "a port",
			input:     "https://oidc.example.com:8443/cluster\n",
			wantFiles: file("", `-: the URL "https://oidc.example.com:8443/cluster" is not an OIDC issuer URL: it has a port`),
		},
		{
			name:      "a query",
			input:     "https://oidc.example.com/cluster?x=1\n",
			wantFiles: file("", `-: the URL "https://oidc.example.com/cluster?x=1" is not an OIDC issuer URL: it has a query or fragment`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := readStdin(t, tt.input)
			cmpSnap(t, want(func(w *snapshot.Snapshot) {
				w.IssuerURLs = tt.wantURLs
				w.Files = tt.wantFiles
			}), s)
		})
	}
}

func TestReadPolicyDiscoveryJWKS(t *testing.T) {
	const policy = `{
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {
                "Federated": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
            },
            "Action": "sts:AssumeRoleWithWebIdentity"
        }
    ]
}
`
	// What EKS serves at ISSUER/.well-known/openid-configuration.
	const discovery = `{"issuer":"` + testIssuer + `","jwks_uri":"` + testIssuer + `/keys","authorization_endpoint":"urn:kubernetes:programmatic_authorization","response_types_supported":["id_token"],"subject_types_supported":["public"],"claims_supported":["sub","iss"],"id_token_signing_alg_values_supported":["RS256"]}`
	const jwks = `{"keys":[{"kty":"RSA","e":"AQAB","use":"sig","kid":"6b2e5f0c1d7a8e9f","alg":"RS256","n":"sH5y"},{"kty":"RSA","e":"AQAB","use":"sig","kid":"a1b2c3d4e5f60718","alg":"RS256","n":"u9Xw"},{"kty":"RSA","e":"AQAB","use":"sig","alg":"RS256","n":"zz"}]}`
	tests := []struct {
		name, input string
		fill        func(s *snapshot.Snapshot)
	}{
		{
			name:  "bare policy document",
			input: policy,
			fill: func(s *snapshot.Snapshot) {
				s.Policies = []snapshot.LoosePolicy{{Source: stdinSrc, Document: `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`}}
				s.Files = file("aws:PolicyDocument", "")
			},
		},
		{
			name:  "discovery document",
			input: discovery,
			fill: func(s *snapshot.Snapshot) {
				s.Discoveries = []*snapshot.Discovery{{Issuer: testIssuer, JWKSURI: testIssuer + "/keys", Source: stdinSrc}}
				s.Files = file("oidc:Discovery", "")
			},
		},
		{
			name:  "JWKS; a key without kid has no ID to keep",
			input: jwks,
			fill: func(s *snapshot.Snapshot) {
				s.JWKSets = []*snapshot.JWKS{{KeyIDs: []string{"6b2e5f0c1d7a8e9f", "a1b2c3d4e5f60718"}, Source: stdinSrc}}
				s.Files = file("oidc:JWKS", "")
			},
		},
		{
			name:  "JWKS key without kty",
			input: `{"keys":[{"kid":"x"}]}`,
			fill: func(s *snapshot.Snapshot) {
				s.JWKSets = []*snapshot.JWKS{{KeyIDs: []string{}, Source: stdinSrc}}
				s.Files = file("oidc:JWKS", "-:1:9: JWKS key 0 has no kty: not a JSON Web Key; skipped")
			},
		},
		{
			name:  "an object with Statement and other members is not a policy",
			input: `{"Statement": [], "Note": "x"}`,
			fill: func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:1: an object with keys "Statement", "Note": not a kubectl or aws CLI output irsa-doctor reads`)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmpSnap(t, want(tt.fill), readStdin(t, tt.input))
		})
	}
}

// signToken returns a compact JWS of claims signed with a fresh RSA key,
// as the API server signs a projected service account token.
func signToken(t *testing.T, alg jose.SignatureAlgorithm, kid string, claims any) string {
	t.Helper()
	var key any
	switch alg {
	case jose.HS256:
		key = []byte("0123456789abcdef0123456789abcdef")
	default:
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			t.Fatal(err)
		}
		key = k
	}
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

func TestReadToken(t *testing.T) {
	iat := time.Date(2026, 11, 26, 10, 0, 0, 0, time.UTC)
	// The claims of a projected token: kubelet asks for 86400 s (the
	// webhook's default) and the API server adds the kubernetes.io claim.
	projected := map[string]any{
		"aud": []string{"sts.amazonaws.com"},
		"exp": iat.Add(24 * time.Hour).Unix(), "iat": iat.Unix(), "nbf": iat.Unix(),
		"iss": testIssuer,
		"sub": "system:serviceaccount:payments:s3-reader",
		"kubernetes.io": map[string]any{"namespace": "payments",
			"pod":            map[string]string{"name": "api-7d9f8b6c5-x2k4p", "uid": "5e0f1a2b-3c4d-4e5f-8a9b-0c1d2e3f4a5b"},
			"serviceaccount": map[string]string{"name": "s3-reader", "uid": "c0ffee00-1111-2222-3333-444455556666"}},
	}
	wantProjected := &snapshot.TokenClaims{Issuer: testIssuer, Subject: "system:serviceaccount:payments:s3-reader",
		Audience: []string{"sts.amazonaws.com"}, ExpiresAt: iat.Add(24 * time.Hour).Unix(), IssuedAt: iat.Unix(), NotBefore: iat.Unix(),
		KeyID: "6b2e5f0c1d7a8e9f", Alg: "RS256", Source: stdinSrc}
	tok := signToken(t, jose.RS256, "6b2e5f0c1d7a8e9f", projected)
	strAud := signToken(t, jose.RS256, "k1", map[string]any{"aud": "sts.amazonaws.com", "iss": testIssuer, "sub": "system:serviceaccount:a:b"})
	hs := signToken(t, jose.HS256, "k1", map[string]any{"aud": "sts.amazonaws.com"})

	tests := []struct {
		name, input string
		wantTokens  []*snapshot.TokenClaims
		wantFiles   []snapshot.File
	}{
		{name: "kubectl create token", input: tok + "\n", wantTokens: []*snapshot.TokenClaims{wantProjected}, wantFiles: file("jwt:ServiceAccountToken", "")},
		{name: "wrapped over lines", input: "  " + tok[:30] + "\n" + tok[30:90] + "\r\n" + tok[90:] + "\n\n", wantTokens: []*snapshot.TokenClaims{wantProjected}, wantFiles: file("jwt:ServiceAccountToken", "")},
		{
			name: "aud as a string", input: strAud,
			wantTokens: []*snapshot.TokenClaims{{Issuer: testIssuer, Subject: "system:serviceaccount:a:b", Audience: []string{"sts.amazonaws.com"}, KeyID: "k1", Alg: "RS256", Source: stdinSrc}},
			wantFiles:  file("jwt:ServiceAccountToken", ""),
		},
		{
			name: "HMAC-signed: not a service account token", input: hs,
			wantFiles: file("", `-: a JWT that is not a signed service account token: unexpected signature algorithm "HS256"; expected ["RS256" "RS384" "RS512" "PS256" "PS384" "PS512" "ES256" "ES384" "ES512"]`),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := readStdin(t, tt.input)
			cmpSnap(t, want(func(w *snapshot.Snapshot) {
				w.Tokens = tt.wantTokens
				w.Files = tt.wantFiles
			}), s)
			// The token, and above all its signature, is never kept.
			out, err := json.Marshal(s)
			if err != nil {
				t.Fatal(err)
			}
			compact := strings.Join(strings.Fields(tt.input), "")
			sig := compact[strings.LastIndexByte(compact, '.')+1:]
			if strings.Contains(string(out), sig) || strings.Contains(s.Files[0].Error, sig) {
				t.Errorf("the snapshot holds the token's signature")
			}
		})
	}
}

// testCert is a certificate made for a test and its key.
type testCert struct {
	cert *x509.Certificate
	key  crypto.Signer
}

func (c *testCert) pem() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw}))
}

func (c *testCert) sha1() string {
	sum := sha1.Sum(c.cert.Raw)
	return hex.EncodeToString(sum[:])
}

// issue makes a certificate for cn signed by parent (self-signed when nil);
// ca makes it a CA, dns sets its SANs.
func issue(t *testing.T, cn string, parent *testCert, ca bool, dns ...string) *testCert {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()),
		Subject:      pkix.Name{Organization: []string{"Example"}, CommonName: cn},
		NotBefore:    time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC),
		DNSNames:     dns,
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	if ca {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign
	}
	signer, signerKey := tmpl, crypto.Signer(key)
	if parent != nil {
		signer, signerKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, key.Public(), signerKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testCert{cert: cert, key: key}
}

func wantCert(c *testCert, subject, issuer string, dns ...string) snapshot.Certificate {
	return snapshot.Certificate{Subject: subject, Issuer: issuer, DNSNames: dns, IsCA: c.cert.IsCA,
		NotBefore: "2026-01-01T00:00:00Z", NotAfter: "2027-01-01T00:00:00Z", SHA1: c.sha1(), DER: c.cert.Raw}
}

func TestReadPEM(t *testing.T) {
	root := issue(t, "Example Root CA", nil, true)
	inter := issue(t, "Example Issuing CA", root, true)
	leaf := issue(t, testHost, inter, false, testHost)
	other := issue(t, "keys.example.com", inter, false, "keys.example.com")

	wantLeaf := wantCert(leaf, "CN="+testHost+",O=Example", "CN=Example Issuing CA,O=Example", testHost)
	wantInter := wantCert(inter, "CN=Example Issuing CA,O=Example", "CN=Example Root CA,O=Example")
	wantOther := wantCert(other, "CN=keys.example.com,O=Example", "CN=Example Issuing CA,O=Example", "keys.example.com")

	// sclient renders a capture as `openssl s_client -showcerts` prints it.
	sclient := func(certs ...*testCert) string {
		var b strings.Builder
		b.WriteString("CONNECTED(00000003)\n---\nCertificate chain\n")
		for i, c := range certs {
			b.WriteString(" " + string(rune('0'+i)) + " s:" + c.cert.Subject.CommonName + "\n   i:" + c.cert.Issuer.CommonName + "\n")
			b.WriteString(c.pem())
		}
		b.WriteString("---\nServer certificate\nsubject=CN = " + certs[0].cert.Subject.CommonName + "\n---\nSSL handshake has read 4790 bytes\nVerify return code: 0 (ok)\n---\nDONE\n")
		return b.String()
	}
	chain := func(certs ...snapshot.Certificate) *snapshot.TLSChain {
		return &snapshot.TLSChain{Certs: certs, Source: stdinSrc}
	}
	tests := []struct {
		name, input string
		wantChains  []*snapshot.TLSChain
		wantFiles   []snapshot.File
	}{
		{
			name:       "openssl s_client -showcerts",
			input:      sclient(leaf, inter),
			wantChains: []*snapshot.TLSChain{chain(wantLeaf, wantInter)},
			wantFiles:  file("openssl:CertificateChain", ""),
		},
		{
			name:       "two captures in one file",
			input:      sclient(leaf, inter) + sclient(other, inter),
			wantChains: []*snapshot.TLSChain{chain(wantLeaf, wantInter), chain(wantOther, wantInter)},
			wantFiles:  file("openssl:CertificateChain", ""),
		},
		{
			name:       "PEM files concatenated: a second leaf starts a chain; the server certificate repeated adds nothing",
			input:      leaf.pem() + inter.pem() + leaf.pem() + other.pem() + inter.pem(),
			wantChains: []*snapshot.TLSChain{chain(wantLeaf, wantInter), chain(wantOther, wantInter)},
			wantFiles:  file("openssl:CertificateChain", ""),
		},
		{
			name:       "a private key is never read",
			input:      leaf.pem() + "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\n-----END PRIVATE KEY-----\n",
			wantChains: []*snapshot.TLSChain{chain(wantLeaf)},
			wantFiles:  file("openssl:CertificateChain", "-:13:1: a PRIVATE KEY block: not read, irsa-doctor never reads private keys; remove it from the bundle"),
		},
		{
			name:       "cut short",
			input:      leaf.pem() + inter.pem()[:200],
			wantChains: []*snapshot.TLSChain{chain(wantLeaf)},
			wantFiles:  file("openssl:CertificateChain", "-:13:1: a PEM block without its END line: the file is cut short; the rest is skipped"),
		},
		{
			name:      "damaged base64",
			input:     "-----BEGIN CERTIFICATE-----\nnot*base64\n-----END CERTIFICATE-----\n",
			wantFiles: file("", "-:1:1: a PEM block that does not decode (bad base64 or a damaged BEGIN/END line); skipped"),
		},
		{
			name:      "not a certificate",
			input:     "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
			wantFiles: file("", "-:1:1: a certificate that does not parse: malformed certificate; skipped"),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmpSnap(t, want(func(w *snapshot.Snapshot) {
				w.TLSChains = tt.wantChains
				w.Files = tt.wantFiles
			}), readStdin(t, tt.input))
		})
	}
	t.Run("a certificate inside YAML is not a chain", func(t *testing.T) {
		indented := "    " + strings.ReplaceAll(strings.TrimSpace(leaf.pem()), "\n", "\n    ")
		s := readStdin(t, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: kube-root-ca.crt\n  namespace: default\ndata:\n  ca.crt: |\n"+indented+"\n")
		if len(s.TLSChains) != 0 {
			t.Errorf("TLSChains = %d, want none", len(s.TLSChains))
		}
	})
}

func TestReadManifest(t *testing.T) {
	const account, other = "111122223333", "444455556666"
	manifest := func(listed, gaps string) string {
		return `{"kind": "IrsaDoctorBundleManifest", "collectedAt": "2026-11-26T11:58:03+01:00", "cluster": "prod",
  "accounts": ["` + account + `", "` + other + `"], "listed": [` + listed + `], "gaps": [` + gaps + `]}`
	}
	emptyList := `{"apiVersion": "v1", "items": [], "kind": "List", "metadata": {"resourceVersion": ""}}`
	tests := []struct {
		name      string
		files     map[string]string
		paths     []string
		wantFiles []snapshot.File
		fill      func(s *snapshot.Snapshot)
	}{
		{
			name: "an empty List counts when the manifest says it was listed",
			files: map[string]string{
				"b/manifest.json": manifest(`{"kind": "ServiceAccount", "namespace": "payments", "file": "kube/sa-payments.json"},
					{"kind": "Namespace", "file": "kube/namespaces.json"}`,
					`{"source": "aws", "operation": "iam:GetRole", "resource": "arn:aws:iam::111122223333:role/secret", "reason": "AccessDenied"}`),
				"b/kube/sa-payments.json": emptyList,
				"b/kube/namespaces.json":  emptyList,
			},
			paths: []string{"b"},
			wantFiles: []snapshot.File{
				{Path: "b/kube/namespaces.json", RecognisedAs: "kubectl:List"},
				{Path: "b/kube/sa-payments.json", RecognisedAs: "kubectl:List"},
				{Path: "b/manifest.json", RecognisedAs: "irsa-doctor:Manifest"},
			},
			fill: func(s *snapshot.Snapshot) {
				s.CollectedAt = "2026-11-26T10:58:03Z"
				s.Listings = []snapshot.Listing{
					{Kind: snapshot.KindNamespace, AllNamespaces: true, Source: src("b/kube/namespaces.json")},
					{Kind: snapshot.KindServiceAccount, Namespace: "payments", Source: src("b/kube/sa-payments.json")},
				}
				s.Gaps = []snapshot.Gap{{Source: "aws", Operation: "iam:GetRole", Resource: "arn:aws:iam::111122223333:role/secret", Reason: "AccessDenied"}}
			},
		},
		{
			name: "a listed file missing from the input proves nothing",
			files: map[string]string{
				"b/manifest.json": manifest(`{"kind": "Pod", "allNamespaces": true, "file": "kube/pods.json"}`, ``),
			},
			paths: []string{"b/manifest.json"},
			wantFiles: []snapshot.File{{Path: "b/manifest.json", RecognisedAs: "irsa-doctor:Manifest",
				Error: "b/manifest.json: listed entry 0 (Pod of every namespace) names the file kube/pods.json, which is not among the files read: it proves no absence"}},
			fill: func(s *snapshot.Snapshot) { s.CollectedAt = "2026-11-26T10:58:03Z" },
		},
		{
			name: "an entry without file is trusted",
			files: map[string]string{
				"b/manifest.json": manifest(`{"kind": "IAMRole", "account": "`+account+`"}`, ``),
			},
			paths:     []string{"b"},
			wantFiles: []snapshot.File{{Path: "b/manifest.json", RecognisedAs: "irsa-doctor:Manifest"}},
			fill: func(s *snapshot.Snapshot) {
				s.CollectedAt = "2026-11-26T10:58:03Z"
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindRole, Account: account, Source: src("b/manifest.json")}}
			},
		},
		{
			name: "an empty provider list gets the account its entry names",
			files: map[string]string{
				"b/manifest.json":                     manifest(`{"kind": "OIDCProvider", "account": "`+other+`", "file": "`+other+`/oidc-providers.json"}`, ``),
				"b/" + other + "/oidc-providers.json": `{"OpenIDConnectProviderList": []}`,
				// A second account in the bundle: without the manifest the
				// empty list could not be attributed.
				"b/" + account + "/caller.json": `{"UserId": "AROAEXAMPLEID:alice", "Account": "` + account + `", "Arn": "arn:aws:sts::` + account + `:assumed-role/Admin/alice"}`,
				"b/" + other + "/caller.json":   `{"UserId": "AROAEXAMPLEID:alice", "Account": "` + other + `", "Arn": "arn:aws:sts::` + other + `:assumed-role/Admin/alice"}`,
			},
			paths: []string{"b"},
			wantFiles: []snapshot.File{
				{Path: "b/" + account + "/caller.json", RecognisedAs: "aws:GetCallerIdentity"},
				{Path: "b/" + other + "/caller.json", RecognisedAs: "aws:GetCallerIdentity"},
				{Path: "b/" + other + "/oidc-providers.json", RecognisedAs: "aws:ListOpenIDConnectProviders"},
				{Path: "b/manifest.json", RecognisedAs: "irsa-doctor:Manifest"},
			},
			fill: func(s *snapshot.Snapshot) {
				s.CollectedAt = "2026-11-26T10:58:03Z"
				s.Caller = &snapshot.CallerIdentity{Account: account, ARN: "arn:aws:sts::" + account + ":assumed-role/Admin/alice", UserID: "AROAEXAMPLEID:alice", Source: src("b/" + account + "/caller.json")}
				s.ProviderLists = []snapshot.ProviderList{{Account: other, ARNs: []string{}, Source: src("b/" + other + "/oidc-providers.json")}}
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindOIDCProvider, Account: other, Source: src("b/" + other + "/oidc-providers.json")}}
			},
		},
		{
			name: "invalid entries are named and skipped",
			files: map[string]string{
				"b/manifest.json": `{"kind": "IrsaDoctorBundleManifest", "collectedAt": "yesterday", "accounts": ["1111"], "listed": [
					{"kind": "ServiceAccount"},
					{"kind": "serviceaccounts", "namespace": "x"},
					{"kind": "IAMRole", "account": "12345"},
					{"kind": "Namespace", "namespace": "x"},
					{"kind": "Pod", "namespace": "x", "file": "../outside.json"}], "gaps": [{"reason": "x"}]}`,
			},
			paths: []string{"b"},
			wantFiles: []snapshot.File{{Path: "b/manifest.json", RecognisedAs: "irsa-doctor:Manifest", Error: strings.Join([]string{
				`b/manifest.json:1:1: bundle manifest collectedAt "yesterday" is not an RFC 3339 time; ignored`,
				`b/manifest.json:1:1: bundle manifest accounts: "1111" is not a 12-digit AWS account ID`,
				`b/manifest.json:1:1: bundle manifest listed entry 0: a ServiceAccount entry names exactly one of namespace and allNamespaces; it proves no absence`,
				`b/manifest.json:1:1: bundle manifest listed entry 1: kind "serviceaccounts" is not one of Pod, ServiceAccount, Workload, Namespace, MutatingWebhookConfiguration, IAMRole, OIDCProvider, DaemonSet, PodIdentityAgent, PodIdentityAssociation, Node; it proves no absence`,
				`b/manifest.json:1:1: bundle manifest listed entry 2: a IAMRole entry needs a 12-digit account, not "12345"; it proves no absence`,
				`and 3 more problems`,
			}, "; ")}},
			fill: func(s *snapshot.Snapshot) {},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeTree(t, tt.files)
			s := readPaths(t, tt.paths...)
			cmpSnap(t, want(func(w *snapshot.Snapshot) {
				tt.fill(w)
				w.Files = tt.wantFiles
			}), s)
		})
	}
}

// TestReadOIDCBundle reads the formats together from a folder, as a user
// would pass them.
func TestReadOIDCBundle(t *testing.T) {
	root := issue(t, "Example Root CA", nil, true)
	leaf := issue(t, testHost, root, false, testHost)
	writeTree(t, map[string]string{
		"b/issuer.txt":    testIssuer + "\n",
		"b/chain.pem":     "CONNECTED(00000003)\n" + leaf.pem() + root.pem(),
		"b/discovery":     `{"issuer":"` + testIssuer + `","jwks_uri":"` + testIssuer + `/keys"}`,
		"b/keys":          `{"keys":[{"kty":"RSA","kid":"k1","n":"x","e":"AQAB"}]}`,
		"b/token.jwt":     signToken(t, jose.RS256, "k1", map[string]any{"iss": testIssuer, "sub": "system:serviceaccount:payments:s3-reader", "aud": "sts.amazonaws.com"}),
		"b/trust.json":    `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Federated":"x"},"Action":"sts:AssumeRoleWithWebIdentity"}}`,
		"b/manifest.json": `{"kind":"IrsaDoctorBundleManifest","collectedAt":"2026-11-26T11:58:03Z","listed":[],"gaps":[]}`,
	})
	s := readPaths(t, "b")
	wantFiles := []snapshot.File{
		{Path: "b/chain.pem", RecognisedAs: "openssl:CertificateChain"},
		{Path: "b/discovery", RecognisedAs: "oidc:Discovery"},
		{Path: "b/issuer.txt", RecognisedAs: "aws:IssuerURL"},
		{Path: "b/keys", RecognisedAs: "oidc:JWKS"},
		{Path: "b/manifest.json", RecognisedAs: "irsa-doctor:Manifest"},
		{Path: "b/token.jwt", RecognisedAs: "jwt:ServiceAccountToken"},
		{Path: "b/trust.json", RecognisedAs: "aws:PolicyDocument"},
	}
	if d := cmp.Diff(wantFiles, s.Files, ignoreLines); d != "" {
		t.Errorf("Files (-want +got):\n%s", d)
	}
	got := []int{len(s.TLSChains), len(s.Discoveries), len(s.IssuerURLs), len(s.JWKSets), len(s.Tokens), len(s.Policies)}
	if d := cmp.Diff([]int{1, 1, 1, 1, 1, 1}, got, cmpopts.EquateEmpty()); d != "" {
		t.Errorf("fact counts (chains, discoveries, issuers, jwks, tokens, policies) (-want +got):\n%s", d)
	}
	if s.CollectedAt != "2026-11-26T11:58:03Z" {
		t.Errorf("CollectedAt = %q", s.CollectedAt)
	}
	if n := len(s.TLSChains[0].Certs); n != 2 || s.TLSChains[0].Certs[1].SHA1 != root.sha1() {
		t.Errorf("chain = %d certs, last %s; want 2, last %s", n, s.TLSChains[0].Certs[n-1].SHA1, root.sha1())
	}
}
