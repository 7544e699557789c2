package check

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Certificates for the issuer-side tests, made in Go and deterministic:
// Ed25519 keys come from a seed derived from the certificate's name and
// Ed25519 signatures are deterministic, so the same chains (and the same
// SHA-1 thumbprints the scenarios' provider files hold) come out on every
// run. TestScenarioCerts keeps the PEM files of the scenario folders equal
// to them (UPDATE_GOLDEN=1 rewrites them).

// tcert is a test certificate with its key.
type tcert struct {
	cert *x509.Certificate
	key  ed25519.PrivateKey
}

func (c *tcert) pem() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.cert.Raw}))
}

func (c *tcert) sha1() string {
	sum := sha1.Sum(c.cert.Raw)
	return hex.EncodeToString(sum[:])
}

// snap converts the certificate as the bundle reader does.
func (c *tcert) snap() snapshot.Certificate {
	return snapshot.Certificate{Subject: c.cert.Subject.String(), Issuer: c.cert.Issuer.String(), DNSNames: c.cert.DNSNames,
		IsCA: c.cert.IsCA, NotBefore: c.cert.NotBefore.UTC().Format(time.RFC3339), NotAfter: c.cert.NotAfter.UTC().Format(time.RFC3339),
		SHA1: c.sha1(), DER: c.cert.Raw}
}

type certSpec struct {
	cn, org   string
	dns       []string
	ca        bool
	from, to  time.Time
	parent    *tcert // nil: self-signed
	keyPrefix string // seed of the key; default the CN
}

func makeCert(t testing.TB, s certSpec) *tcert {
	t.Helper()
	seedName := s.keyPrefix
	if seedName == "" {
		seedName = s.cn
	}
	seed := sha256.Sum256([]byte("irsa-doctor test key " + seedName))
	key := ed25519.NewKeyFromSeed(seed[:])
	serial := new(big.Int).SetBytes(seed[:8])
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: s.cn, Organization: []string{s.org}, Country: []string{"US"}},
		NotBefore:    s.from, NotAfter: s.to,
		DNSNames: s.dns,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if s.ca {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	parent, parentKey := tmpl, key
	if s.parent != nil {
		parent, parentKey = s.parent.cert, s.parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &tcert{cert: cert, key: key}
}

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// testPKI holds every test certificate.
type testPKI struct {
	// A "public" CA: the tests' stand-in for a root in the system's pool.
	pubRoot, pubInter *tcert
	// EKS issuer leaves of us-west-2, as served through the public CA,
	// and as rewritten by a TLS-intercepting proxy.
	eksLeaf, proxyRoot, proxyLeaf *tcert
	// A self-hosted issuer with a private CA.
	corpRoot, corpInter, corpLeaf *tcert
	// A second intermediate of the public CA, which signed the EKS leaf
	// before a CA change: its thumbprint is the stale one.
	pubOldInter *tcert
}

const (
	eksHost  = "oidc.eks.us-west-2.amazonaws.com"
	corpHost = "oidc.k8s.acme-corp.com"
)

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	p := &testPKI{}
	p.pubRoot = makeCert(t, certSpec{cn: "Example Trust Root CA 1", org: "Example Trust Services", ca: true, from: day(2015, 5, 26), to: day(2038, 1, 17)})
	p.pubInter = makeCert(t, certSpec{cn: "Example Trust RSA 2048 M02", org: "Example Trust Services", ca: true, from: day(2022, 8, 23), to: day(2030, 8, 23), parent: p.pubRoot})
	p.pubOldInter = makeCert(t, certSpec{cn: "Example Trust Server CA 1B", org: "Example Trust Services", ca: true, from: day(2015, 10, 22), to: day(2025, 10, 19), parent: p.pubRoot})
	p.eksLeaf = makeCert(t, certSpec{cn: eksHost, org: "Amazon.com, Inc.", dns: []string{eksHost, "*." + eksHost}, from: day(2026, 6, 14), to: day(2027, 7, 13), parent: p.pubInter})
	p.proxyRoot = makeCert(t, certSpec{cn: "Acme Corp TLS Inspection CA", org: "Acme Corp", ca: true, from: day(2024, 1, 1), to: day(2034, 1, 1)})
	p.proxyLeaf = makeCert(t, certSpec{cn: eksHost, org: "Amazon.com, Inc.", dns: []string{eksHost}, from: day(2026, 11, 20), to: day(2026, 12, 20), parent: p.proxyRoot, keyPrefix: "proxy " + eksHost})
	p.corpRoot = makeCert(t, certSpec{cn: "Acme Corp Root CA G2", org: "Acme Corp", ca: true, from: day(2021, 3, 1), to: day(2041, 3, 1)})
	p.corpInter = makeCert(t, certSpec{cn: "Acme Corp Issuing CA 3", org: "Acme Corp", ca: true, from: day(2024, 2, 1), to: day(2029, 2, 1), parent: p.corpRoot})
	p.corpLeaf = makeCert(t, certSpec{cn: corpHost, org: "Acme Corp", dns: []string{corpHost}, from: day(2026, 4, 2), to: day(2027, 4, 2), parent: p.corpInter})
	return p
}

// chainOf is a captured chain, leaf first, from src.
func chainOf(src string, certs ...*tcert) *snapshot.TLSChain {
	ch := &snapshot.TLSChain{Source: snapshot.Source{Kind: "bundle", Ref: src}}
	for _, c := range certs {
		ch.Certs = append(ch.Certs, c.snap())
	}
	return ch
}

// usePublicRoots makes roots the only public root CAs for the test.
func usePublicRoots(t *testing.T, roots ...*tcert) {
	t.Helper()
	old := PublicRootCAs
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r.cert)
	}
	PublicRootCAs = func() (*x509.CertPool, error) { return pool, nil }
	t.Cleanup(func() { PublicRootCAs = old })
}

// sclient renders certificates as `openssl s_client -showcerts` prints a
// capture (OpenSSL 3.0 layout).
func sclient(certs ...*tcert) string {
	var b strings.Builder
	b.WriteString("CONNECTED(00000003)\n---\nCertificate chain\n")
	oneline := func(n pkix.Name) string {
		return "C = " + n.Country[0] + ", O = " + n.Organization[0] + ", CN = " + n.CommonName
	}
	for i, c := range certs {
		b.WriteString(" " + string(rune('0'+i)) + " s:" + oneline(c.cert.Subject) + "\n")
		b.WriteString("   i:" + oneline(c.cert.Issuer) + "\n")
		b.WriteString("   a:PKEY: ED25519, 256 (bit); sigalg: ED25519\n")
		b.WriteString("   v:NotBefore: " + c.cert.NotBefore.UTC().Format("Jan _2 15:04:05 2006 GMT") + "; NotAfter: " + c.cert.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT") + "\n")
		b.WriteString(c.pem())
	}
	b.WriteString("---\nServer certificate\nsubject=" + oneline(certs[0].cert.Subject) + "\nissuer=" + oneline(certs[0].cert.Issuer) + "\n---\n")
	b.WriteString("No client certificate CA names sent\nPeer signature type: Ed25519\n---\n")
	b.WriteString("SSL handshake has read 2117 bytes and written 399 bytes\nVerification: OK\n---\n")
	b.WriteString("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256\nServer public key is 256 bit\n")
	b.WriteString("Secure Renegotiation IS NOT supported\nCompression: NONE\nExpansion: NONE\nNo ALPN negotiated\nEarly data was not sent\nVerify return code: 0 (ok)\n---\nDONE\n")
	return b.String()
}

// scenarioCerts are the PEM files of the scenario folders.
func scenarioCerts(t testing.TB) map[string]string {
	p := newTestPKI(t)
	return map[string]string{
		"testdata/certs/public-root.pem":                                         p.pubRoot.pem(),
		"testdata/scenarios/irsa304-thumbprint-current/issuer-chain.pem":         sclient(p.eksLeaf, p.pubInter),
		"testdata/scenarios/irsa304-thumbprint-stale-public-ca/issuer-chain.pem": sclient(p.eksLeaf, p.pubInter),
		"testdata/scenarios/irsa304-thumbprint-private-ca/issuer-chain.pem":      sclient(p.corpLeaf, p.corpInter, p.corpRoot),
		"testdata/scenarios/irsa304-chain-intercepted/issuer-chain.pem":          sclient(p.proxyLeaf, p.proxyRoot),
		"testdata/scenarios/irsa304-chain-of-another-host/issuer-chain.pem":      sclient(p.corpLeaf, p.corpInter, p.corpRoot),
		"testdata/scenarios/irsa305-discovery-valid/issuer-chain.pem":            sclient(p.eksLeaf, p.pubInter),
		"testdata/scenarios/irsa306-token-valid/issuer-chain.pem":                sclient(p.eksLeaf, p.pubInter),
	}
}

// TestScenarioCerts keeps the PEM files of the scenarios equal to the
// generated chains.
func TestScenarioCerts(t *testing.T) {
	for path, want := range scenarioCerts(t) {
		if os.Getenv("UPDATE_GOLDEN") != "" {
			if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Errorf("read %s: %v (run UPDATE_GOLDEN=1 go test ./internal/check -run TestScenarioCerts)", path, err)
			continue
		}
		if !bytes.Equal(got, []byte(want)) {
			t.Errorf("%s differs from the generated chain (run UPDATE_GOLDEN=1 go test ./internal/check -run TestScenarioCerts)", path)
		}
	}
}

// TestPKIDeterministic: the same certificates come out twice, so the
// thumbprints written into the scenarios' provider files stay true.
func TestPKIDeterministic(t *testing.T) {
	a, b := newTestPKI(t), newTestPKI(t)
	if a.eksLeaf.sha1() != b.eksLeaf.sha1() || a.pubInter.sha1() != b.pubInter.sha1() || a.corpRoot.sha1() != b.corpRoot.sha1() {
		t.Fatal("test certificates differ between runs")
	}
	if os.Getenv("PKI_PRINT") != "" {
		for name, c := range map[string]*tcert{"pubRoot": a.pubRoot, "pubInter": a.pubInter, "pubOldInter": a.pubOldInter, "eksLeaf": a.eksLeaf,
			"proxyRoot": a.proxyRoot, "proxyLeaf": a.proxyLeaf, "corpRoot": a.corpRoot, "corpInter": a.corpInter, "corpLeaf": a.corpLeaf} {
			t.Logf("%s %s %s", name, c.sha1(), c.cert.Subject)
		}
	}
}
