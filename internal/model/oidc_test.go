package model

import (
	"crypto/x509"
	"errors"
	"net"
	"testing"
	"time"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestSANMatches(t *testing.T) {
	tests := []struct {
		san, host string
		want      bool
	}{
		{"oidc.eks.us-west-2.amazonaws.com", "oidc.eks.us-west-2.amazonaws.com", true},
		{"OIDC.eks.us-west-2.amazonaws.com", "oidc.eks.us-west-2.amazonaws.com", true},
		{"*.eks.us-west-2.amazonaws.com", "oidc.eks.us-west-2.amazonaws.com", true},
		{"*.us-west-2.amazonaws.com", "oidc.eks.us-west-2.amazonaws.com", false},
		{"*.oidc.eks.us-west-2.amazonaws.com", "oidc.eks.us-west-2.amazonaws.com", false},
		{"oidc.eks.us-east-1.amazonaws.com", "oidc.eks.us-west-2.amazonaws.com", false},
		{"oidc.eks.us-west-2.amazonaws.com.", "oidc.eks.us-west-2.amazonaws.com", true},
	}
	for _, tt := range tests {
		t.Run(tt.san+" vs "+tt.host, func(t *testing.T) {
			if got := sanMatches(tt.san, tt.host); got != tt.want {
				t.Errorf("sanMatches(%q, %q) = %v, want %v", tt.san, tt.host, got, tt.want)
			}
		})
	}
}

func TestChainsFor(t *testing.T) {
	p := fx.NewPKI(t)
	eks := fx.ChainOf("a.pem", p.EksLeaf, p.PubInter)
	eksAgain := fx.ChainOf("b.pem", p.EksLeaf, p.PubInter)
	corp := fx.ChainOf("c.pem", p.CorpLeaf, p.CorpInter, p.CorpRoot)
	bareCA := fx.ChainOf("d.pem", p.PubRoot)
	s := &snapshot.Snapshot{TLSChains: []*snapshot.TLSChain{bareCA, eks, corp, eksAgain}}
	if got := ChainsFor(s, fx.EKSHost); len(got) != 1 || got[0] != eks {
		t.Errorf("chainsFor(%s) = %v, want the first EKS chain only (the second is the same chain)", fx.EKSHost, got)
	}
	if got := ChainsFor(s, fx.CorpHost); len(got) != 1 || got[0] != corp {
		t.Errorf("chainsFor(%s) = %v, want the corp chain", fx.CorpHost, got)
	}
	if got := ChainsFor(s, "keys.acme-corp.com"); len(got) != 0 {
		t.Errorf("chainsFor(keys.acme-corp.com) = %v, want none", got)
	}
	if d := cmp.Diff([]string{"*." + fx.EKSHost, fx.EKSHost, fx.CorpHost}, ChainHosts(s)); d != "" {
		t.Errorf("chainHosts (-want +got):\n%s", d)
	}
}

// TestChainsForIPAddress: an issuer on an IP address is matched against
// the leaf's IP SANs, never its DNS SANs (issue 10, item 11).
func TestChainsForIPAddress(t *testing.T) {
	p := fx.NewPKI(t)
	leaf := fx.MakeCert(t, fx.CertSpec{CN: "issuer", Org: "Acme Corp", DNS: []string{"localhost"}, IPs: []net.IP{net.ParseIP("10.0.0.7"), net.IPv6loopback},
		From: fx.Day(2026, 4, 2), To: fx.Day(2027, 4, 2), Parent: p.CorpInter})
	ch := fx.ChainOf("ip.pem", leaf, p.CorpInter, p.CorpRoot)
	s := &snapshot.Snapshot{TLSChains: []*snapshot.TLSChain{ch}}
	for _, host := range []string{"10.0.0.7", "::1", "[::1]", "localhost"} {
		if got := ChainsFor(s, host); len(got) != 1 {
			t.Errorf("ChainsFor(%s) = %v, want the chain", host, got)
		}
	}
	for _, host := range []string{"10.0.0.8", "127.0.0.1"} {
		if got := ChainsFor(s, host); len(got) != 0 {
			t.Errorf("ChainsFor(%s) = %v, want none", host, got)
		}
	}
	if d := cmp.Diff([]string{"10.0.0.7", "::1", "localhost"}, ChainHosts(s)); d != "" {
		t.Errorf("ChainHosts (-want +got):\n%s", d)
	}
}

func TestVerifyPublic(t *testing.T) {
	p := fx.NewPKI(t)
	expired := fx.MakeCert(t, fx.CertSpec{CN: fx.EKSHost, Org: "Amazon.com, Inc.", DNS: []string{fx.EKSHost}, From: fx.Day(2024, 6, 1), To: fx.Day(2025, 6, 30), Parent: p.PubInter, KeyPrefix: "expired " + fx.EKSHost})
	tests := []struct {
		name        string
		chain       *snapshot.TLSChain
		host        string
		collectedAt string
		roots       func() (*x509.CertPool, error)
		wantPublic  bool
		wantWhy     string
	}{
		{name: "public chain", chain: fx.ChainOf("c.pem", p.EksLeaf, p.PubInter), host: fx.EKSHost, wantPublic: true},
		{name: "an old capture of an expired chain still names its root", chain: fx.ChainOf("c.pem", expired, p.PubInter), host: fx.EKSHost, wantPublic: true},
		{name: "capture time from the manifest", chain: fx.ChainOf("c.pem", p.EksLeaf, p.PubInter), host: fx.EKSHost, collectedAt: "2026-07-01T08:00:00Z", wantPublic: true},
		{name: "private root", chain: fx.ChainOf("c.pem", p.CorpLeaf, p.CorpInter, p.CorpRoot), host: fx.CorpHost,
			wantWhy: `its root CN=Acme Corp Root CA G2,O=Acme Corp,C=US is not a public root CA`},
		{name: "intercepted", chain: fx.ChainOf("c.pem", p.ProxyLeaf, p.ProxyRoot), host: fx.EKSHost,
			wantWhy: `its root CN=Acme Corp TLS Inspection CA,O=Acme Corp,C=US is not a public root CA`},
		{name: "intermediate missing from the capture", chain: fx.ChainOf("c.pem", p.EksLeaf), host: fx.EKSHost,
			wantWhy: `it stops at CN=oidc.eks.us-west-2.amazonaws.com,O=Amazon.com\, Inc.,C=US, whose issuer CN=Example Trust RSA 2048 M02,O=Example Trust Services,C=US is neither a public root CA nor in the capture`},
		{name: "the leaf is not for the host", chain: fx.ChainOf("c.pem", p.EksLeaf, p.PubInter), host: "oidc.eks.us-east-1.amazonaws.com",
			wantWhy: "certificate is valid for oidc.eks.us-west-2.amazonaws.com, *.oidc.eks.us-west-2.amazonaws.com, not oidc.eks.us-east-1.amazonaws.com"},
		{name: "no system roots", chain: fx.ChainOf("c.pem", p.EksLeaf, p.PubInter), host: fx.EKSHost,
			roots:   func() (*x509.CertPool, error) { return nil, errors.New("no certificates found") },
			wantWhy: "the system's root CAs could not be loaded (no certificates found), so the chain could not be verified"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			usePublicRoots(t, p.PubRoot)
			if tt.roots != nil {
				PublicRootCAs = tt.roots
			}
			c := &Context{Snap: &snapshot.Snapshot{CollectedAt: tt.collectedAt}, Now: iamNow}
			public, why := VerifyPublic(c, tt.chain, tt.host)
			if public != tt.wantPublic || why != tt.wantWhy {
				t.Errorf("verifyPublic = %v, %q; want %v, %q", public, why, tt.wantPublic, tt.wantWhy)
			}
		})
	}
}

func TestDiscoveryFor(t *testing.T) {
	exact := &snapshot.Discovery{Issuer: iamIssuer, JWKSURI: iamIssuer + "/keys"}
	slash := &snapshot.Discovery{Issuer: iamIssuer + "/", JWKSURI: iamIssuer + "/keys"}
	fetched := &snapshot.Discovery{Issuer: "https://kubernetes.default.svc", JWKSURI: iamIssuer + "/keys"}
	other := &snapshot.Discovery{Issuer: "https://oidc.eks.us-west-2.amazonaws.com/id/0THERC1USTER", JWKSURI: "https://oidc.eks.us-west-2.amazonaws.com/id/0THERC1USTER/keys"}
	issuer := IssuerFact{URL: iamIssuer, HostPath: iamHP}
	tests := []struct {
		name       string
		docs       []*snapshot.Discovery
		want       *snapshot.Discovery
		wantOthers int
	}{
		{name: "exact wins over a near one", docs: []*snapshot.Discovery{slash, exact}, want: exact},
		{name: "a trailing slash is this issuer's, wrong", docs: []*snapshot.Discovery{other, slash}, want: slash},
		{name: "fetched from the issuer: its jwks_uri is under it", docs: []*snapshot.Discovery{fetched}, want: fetched},
		{name: "another cluster's", docs: []*snapshot.Discovery{other}, wantOthers: 1},
		{name: "none", docs: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, others := DiscoveryFor(&snapshot.Snapshot{Discoveries: tt.docs}, issuer)
			if got != tt.want || len(others) != tt.wantOthers {
				t.Errorf("discoveryFor = %+v, %d others; want %+v, %d", got, len(others), tt.want, tt.wantOthers)
			}
		})
	}
}

func TestTokensForAndAge(t *testing.T) {
	old := &snapshot.TokenClaims{Subject: iamSub, IssuedAt: 100, ExpiresAt: 200}
	newer := &snapshot.TokenClaims{Subject: iamSub, IssuedAt: 150, ExpiresAt: 250}
	other := &snapshot.TokenClaims{Subject: "system:serviceaccount:payments:default", IssuedAt: 300}
	got := TokensFor(&snapshot.Snapshot{Tokens: []*snapshot.TokenClaims{old, other, newer}}, iamSub)
	if len(got) != 2 || got[0] != newer || got[1] != old {
		t.Errorf("tokensFor = %v, want newest first, and only the subject's", got)
	}
	for d, want := range map[time.Duration]string{
		3*24*time.Hour + 4*time.Hour: "3d4h", 48 * time.Hour: "2d", 90 * time.Minute: "1h30m", 2 * time.Hour: "2h", 59 * time.Second: "1m", 5 * time.Minute: "5m",
	} {
		if got := Age(d); got != want {
			t.Errorf("age(%v) = %q, want %q", d, got, want)
		}
	}
}

func TestCaptureCommands(t *testing.T) {
	got := []string{
		CaptureChainCmd(fx.EKSHost),
		CaptureDiscoveryCmd(iamIssuer + "/"),
		CaptureJWKSCmd(iamIssuer + "/keys"),
		CaptureTokenCmd("s3-reader", "payments", "sts.amazonaws.com"),
		CaptureTokenCmd("s3-reader", "payments", ""),
	}
	want := []string{
		"openssl s_client -servername oidc.eks.us-west-2.amazonaws.com -showcerts -connect oidc.eks.us-west-2.amazonaws.com:443 </dev/null > issuer-chain.pem",
		"curl -s " + iamIssuer + "/.well-known/openid-configuration > openid-configuration.json",
		"curl -s " + iamIssuer + "/keys > keys.json",
		"kubectl create token s3-reader -n payments --audience sts.amazonaws.com > token.jwt",
		"kubectl create token s3-reader -n payments > token.jwt",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("commands (-want +got):\n%s", d)
	}
}

// usePublicRoots makes roots the only public root CAs for the test.
func usePublicRoots(t *testing.T, roots ...*fx.Cert) {
	t.Helper()
	old := PublicRootCAs
	pool := x509.NewCertPool()
	for _, r := range roots {
		pool.AddCert(r.Cert)
	}
	PublicRootCAs = func() (*x509.CertPool, error) { return pool, nil }
	t.Cleanup(func() { PublicRootCAs = old })
}
