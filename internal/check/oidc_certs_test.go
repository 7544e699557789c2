package check

import (
	"bytes"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

// usePublicRoots makes roots the only public root CAs for the test.
func usePublicRoots(t *testing.T, roots ...*fx.Cert) {
	t.Helper()
	old := model.PublicRootCAs
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r.Cert)
	}
	model.PublicRootCAs = func() (*x509.CertPool, error) { return pool, nil }
	t.Cleanup(func() { model.PublicRootCAs = old })
}

// scenarioCerts are the PEM files of the scenario folders.
func scenarioCerts(t testing.TB) map[string]string {
	p := fx.NewPKI(t)
	return map[string]string{
		"testdata/certs/public-root.pem":                                         p.PubRoot.PEM(),
		"testdata/scenarios/irsa304-thumbprint-current/issuer-chain.pem":         fx.SClient(p.EksLeaf, p.PubInter),
		"testdata/scenarios/irsa304-thumbprint-stale-public-ca/issuer-chain.pem": fx.SClient(p.EksLeaf, p.PubInter),
		"testdata/scenarios/irsa304-thumbprint-private-ca/issuer-chain.pem":      fx.SClient(p.CorpLeaf, p.CorpInter, p.CorpRoot),
		"testdata/scenarios/irsa304-chain-intercepted/issuer-chain.pem":          fx.SClient(p.ProxyLeaf, p.ProxyRoot),
		"testdata/scenarios/irsa304-chain-of-another-host/issuer-chain.pem":      fx.SClient(p.CorpLeaf, p.CorpInter, p.CorpRoot),
		"testdata/scenarios/irsa305-discovery-valid/issuer-chain.pem":            fx.SClient(p.EksLeaf, p.PubInter),
		"testdata/scenarios/irsa306-token-valid/issuer-chain.pem":                fx.SClient(p.EksLeaf, p.PubInter),
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
	a, b := fx.NewPKI(t), fx.NewPKI(t)
	if a.EksLeaf.SHA1() != b.EksLeaf.SHA1() || a.PubInter.SHA1() != b.PubInter.SHA1() || a.CorpRoot.SHA1() != b.CorpRoot.SHA1() {
		t.Fatal("test certificates differ between runs")
	}
	if os.Getenv("PKI_PRINT") != "" {
		for name, c := range map[string]*fx.Cert{"pubRoot": a.PubRoot, "pubInter": a.PubInter, "pubOldInter": a.PubOldInter, "eksLeaf": a.EksLeaf,
			"proxyRoot": a.ProxyRoot, "proxyLeaf": a.ProxyLeaf, "corpRoot": a.CorpRoot, "corpInter": a.CorpInter, "corpLeaf": a.CorpLeaf} {
			t.Logf("%s %s %s", name, c.SHA1(), c.Cert.Subject)
		}
	}
}
