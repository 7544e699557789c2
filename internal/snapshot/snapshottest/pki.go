package snapshottest

import (
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"math/big"
	"net"
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

// Cert is a test certificate with its key.
type Cert struct {
	Cert *x509.Certificate
	Key  ed25519.PrivateKey
}

func (c *Cert) PEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Cert.Raw}))
}

func (c *Cert) SHA1() string {
	sum := sha1.Sum(c.Cert.Raw)
	return hex.EncodeToString(sum[:])
}

// snap converts the certificate as the bundle reader does.
func (c *Cert) Snap() snapshot.Certificate {
	return snapshot.Certificate{Subject: c.Cert.Subject.String(), Issuer: c.Cert.Issuer.String(), DNSNames: c.Cert.DNSNames,
		IPAddresses: ipStrings(c.Cert.IPAddresses),
		IsCA:        c.Cert.IsCA, NotBefore: c.Cert.NotBefore.UTC().Format(time.RFC3339), NotAfter: c.Cert.NotAfter.UTC().Format(time.RFC3339),
		SHA1: c.SHA1(), DER: c.Cert.Raw}
}

func ipStrings(ips []net.IP) []string {
	var out []string
	for _, ip := range ips {
		out = append(out, ip.String())
	}
	return out
}

type CertSpec struct {
	CN, Org   string
	DNS       []string
	IPs       []net.IP
	CA        bool
	From, To  time.Time
	Parent    *Cert  // nil: self-signed
	KeyPrefix string // seed of the key; default the CN
}

func MakeCert(t testing.TB, s CertSpec) *Cert {
	t.Helper()
	seedName := s.KeyPrefix
	if seedName == "" {
		seedName = s.CN
	}
	seed := sha256.Sum256([]byte("irsa-doctor test key " + seedName))
	key := ed25519.NewKeyFromSeed(seed[:])
	serial := new(big.Int).SetBytes(seed[:8])
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: s.CN, Organization: []string{s.Org}, Country: []string{"US"}},
		NotBefore:    s.From, NotAfter: s.To,
		DNSNames: s.DNS, IPAddresses: s.IPs,
		KeyUsage: x509.KeyUsageDigitalSignature,
	}
	if s.CA {
		tmpl.IsCA, tmpl.BasicConstraintsValid = true, true
		tmpl.KeyUsage |= x509.KeyUsageCertSign | x509.KeyUsageCRLSign
	} else {
		tmpl.ExtKeyUsage = []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}
	}
	parent, parentKey := tmpl, key
	if s.Parent != nil {
		parent, parentKey = s.Parent.Cert, s.Parent.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &Cert{Cert: cert, Key: key}
}

func Day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// PKI holds every test certificate.
type PKI struct {
	// A "public" CA: the tests' stand-in for a root in the system's pool.
	PubRoot, PubInter *Cert
	// EKS issuer leaves of us-west-2, as served through the public CA,
	// and as rewritten by a TLS-intercepting proxy.
	EksLeaf, ProxyRoot, ProxyLeaf *Cert
	// A self-hosted issuer with a private CA.
	CorpRoot, CorpInter, CorpLeaf *Cert
	// A second intermediate of the public CA, which signed the EKS leaf
	// before a CA change: its thumbprint is the stale one.
	PubOldInter *Cert
}

const (
	EKSHost  = "oidc.eks.us-west-2.amazonaws.com"
	CorpHost = "oidc.k8s.acme-corp.com"
)

func NewPKI(t testing.TB) *PKI {
	t.Helper()
	p := &PKI{}
	p.PubRoot = MakeCert(t, CertSpec{CN: "Example Trust Root CA 1", Org: "Example Trust Services", CA: true, From: Day(2015, 5, 26), To: Day(2038, 1, 17)})
	p.PubInter = MakeCert(t, CertSpec{CN: "Example Trust RSA 2048 M02", Org: "Example Trust Services", CA: true, From: Day(2022, 8, 23), To: Day(2030, 8, 23), Parent: p.PubRoot})
	p.PubOldInter = MakeCert(t, CertSpec{CN: "Example Trust Server CA 1B", Org: "Example Trust Services", CA: true, From: Day(2015, 10, 22), To: Day(2025, 10, 19), Parent: p.PubRoot})
	p.EksLeaf = MakeCert(t, CertSpec{CN: EKSHost, Org: "Amazon.com, Inc.", DNS: []string{EKSHost, "*." + EKSHost}, From: Day(2026, 6, 14), To: Day(2027, 7, 13), Parent: p.PubInter})
	p.ProxyRoot = MakeCert(t, CertSpec{CN: "Acme Corp TLS Inspection CA", Org: "Acme Corp", CA: true, From: Day(2024, 1, 1), To: Day(2034, 1, 1)})
	p.ProxyLeaf = MakeCert(t, CertSpec{CN: EKSHost, Org: "Amazon.com, Inc.", DNS: []string{EKSHost}, From: Day(2026, 11, 20), To: Day(2026, 12, 20), Parent: p.ProxyRoot, KeyPrefix: "proxy " + EKSHost})
	p.CorpRoot = MakeCert(t, CertSpec{CN: "Acme Corp Root CA G2", Org: "Acme Corp", CA: true, From: Day(2021, 3, 1), To: Day(2041, 3, 1)})
	p.CorpInter = MakeCert(t, CertSpec{CN: "Acme Corp Issuing CA 3", Org: "Acme Corp", CA: true, From: Day(2024, 2, 1), To: Day(2029, 2, 1), Parent: p.CorpRoot})
	p.CorpLeaf = MakeCert(t, CertSpec{CN: CorpHost, Org: "Acme Corp", DNS: []string{CorpHost}, From: Day(2026, 4, 2), To: Day(2027, 4, 2), Parent: p.CorpInter})
	return p
}

// ChainOf is a captured chain, leaf first, from src.
func ChainOf(src string, certs ...*Cert) *snapshot.TLSChain {
	ch := &snapshot.TLSChain{Source: snapshot.Source{Kind: "bundle", Ref: src}}
	for _, c := range certs {
		ch.Certs = append(ch.Certs, c.Snap())
	}
	return ch
}

// SClient renders certificates as `openssl s_client -showcerts` prints a
// capture (OpenSSL 3.0 layout).
func SClient(certs ...*Cert) string {
	var b strings.Builder
	b.WriteString("CONNECTED(00000003)\n---\nCertificate chain\n")
	oneline := func(n pkix.Name) string {
		return "C = " + n.Country[0] + ", O = " + n.Organization[0] + ", CN = " + n.CommonName
	}
	for i, c := range certs {
		b.WriteString(" " + string(rune('0'+i)) + " s:" + oneline(c.Cert.Subject) + "\n")
		b.WriteString("   i:" + oneline(c.Cert.Issuer) + "\n")
		b.WriteString("   a:PKEY: ED25519, 256 (bit); sigalg: ED25519\n")
		b.WriteString("   v:NotBefore: " + c.Cert.NotBefore.UTC().Format("Jan _2 15:04:05 2006 GMT") + "; NotAfter: " + c.Cert.NotAfter.UTC().Format("Jan _2 15:04:05 2006 GMT") + "\n")
		b.WriteString(c.PEM())
	}
	b.WriteString("---\nServer certificate\nsubject=" + oneline(certs[0].Cert.Subject) + "\nissuer=" + oneline(certs[0].Cert.Issuer) + "\n---\n")
	b.WriteString("No client certificate CA names sent\nPeer signature type: Ed25519\n---\n")
	b.WriteString("SSL handshake has read 2117 bytes and written 399 bytes\nVerification: OK\n---\n")
	b.WriteString("New, TLSv1.3, Cipher is TLS_AES_128_GCM_SHA256\nServer public key is 256 bit\n")
	b.WriteString("Secure Renegotiation IS NOT supported\nCompression: NONE\nExpansion: NONE\nNo ALPN negotiated\nEarly data was not sent\nVerify return code: 0 (ok)\n---\nDONE\n")
	return b.String()
}
