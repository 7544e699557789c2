package testenv

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// IssuerHost is the DNS name of the harness's issuer. An EKS issuer is
// https://oidc.eks.<region>.amazonaws.com/id/<ID>: a DNS host, port 443,
// a path. The harness gives its issuer that shape because the tool relies
// on it: IAM refuses an OIDC provider URL with a port (docs/reference/trust-policy.md#principal;
// arn.IssuerHostPath and arn.ParseOIDCProvider reject one too), and IRSA304
// matches a captured chain to the jwks_uri host by the leaf's DNS names.
// ".test" is reserved for testing (RFC 6761 §6.2), so the name never
// resolves: Cluster.DialContext and Cluster.HTTPClient route it to the
// proxy's loopback port.
const IssuerHost = "oidc.irsa-doctor.test"

// Paths of the issuer's documents, relative to the issuer URL
// (docs/reference/webhook.md#token-facts: discovery at <issuer>/.well-known/openid-configuration,
// JWKS at <issuer>/keys, as EKS serves them).
const (
	DiscoveryPath = "/.well-known/openid-configuration"
	JWKSPath      = "/keys"
)

// The apiserver's own issuer endpoints, served at its root only
// (KEP-1393, ServiceAccountIssuerDiscovery).
const (
	apiserverDiscoveryPath = "/.well-known/openid-configuration"
	apiserverJWKSPath      = "/openid/v1/jwks"
)

// OIDCProxy serves the apiserver's issuer documents under an issuer with a
// path, https://oidc.irsa-doctor.test/id/<ID> (IssuerHost), over TLS with a
// certificate of the harness CA whose DNS names include IssuerHost. It
// listens on a loopback port (Addr); clients reach it through
// Cluster.DialContext. The apiserver can only serve discovery at its root, while an
// EKS issuer (https://oidc.eks.<region>.amazonaws.com/id/<ID>) has a path:
// the proxy gives the tool the EKS shape. It fetches the documents
// anonymously, so it only works while system:unauthenticated may read them
// (the binding StartCluster makes), as on a real public issuer.
type OIDCProxy struct {
	// URL is the proxy's root as clients name it, https://oidc.irsa-doctor.test
	// (no port: 443, as EKS's issuers).
	URL string
	// Issuer is URL + "/id/<ID>".
	Issuer string
	// Chain is what the proxy presents in the TLS handshake: its leaf, then
	// the CA. IAM's thumbprint is the SHA-1 of the last certificate served
	// (docs/reference/thumbprint.md), here the CA's.
	Chain []*x509.Certificate

	addr       string // 127.0.0.1:<port>, where the proxy listens
	issuerPath string
	upstream   string // apiserver URL, set once it is ready
	client     *http.Client
	srv        *http.Server

	mu        sync.Mutex
	overrides map[string]http.Handler
}

func newOIDCProxy(ca *CA, id string) (*OIDCProxy, error) {
	kp, err := ca.serving("oidc-proxy", IssuerHost)
	if err != nil {
		return nil, err
	}
	cert, err := kp.TLSCertificate(ca)
	if err != nil {
		return nil, err
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return nil, fmt.Errorf("parse oidc proxy certificate: %w", err)
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return nil, fmt.Errorf("listen for oidc proxy: %w", err)
	}
	p := &OIDCProxy{
		URL:        "https://" + IssuerHost,
		addr:       l.Addr().String(),
		issuerPath: "/id/" + id,
		Chain:      []*x509.Certificate{leaf, ca.Cert},
		// No client certificate: the proxy is an anonymous reader.
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: ca.Pool()},
		}},
		overrides: map[string]http.Handler{},
	}
	p.Issuer = p.URL + p.issuerPath
	p.srv = &http.Server{Handler: p, ReadHeaderTimeout: 10 * time.Second}
	// Serve returns when close() shuts the server down.
	go func() { _ = p.srv.Serve(l) }()
	return p, nil
}

// Handle replaces what the proxy serves at sub, a path relative to the
// issuer (DiscoveryPath, JWKSPath or any other), so a test can break the
// issuer (a bad document, a 500, a wrong jwks_uri); a nil h restores the
// proxied document.
func (p *OIDCProxy) Handle(sub string, h http.Handler) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if h == nil {
		delete(p.overrides, sub)
		return
	}
	p.overrides[sub] = h
}

// ServeHTTP implements http.Handler.
func (p *OIDCProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	sub, ok := strings.CutPrefix(r.URL.Path, p.issuerPath)
	if !ok {
		http.NotFound(w, r)
		return
	}
	p.mu.Lock()
	h := p.overrides[sub]
	p.mu.Unlock()
	if h != nil {
		h.ServeHTTP(w, r)
		return
	}
	if r.Method != http.MethodGet && r.Method != http.MethodHead {
		w.Header().Set("Allow", "GET, HEAD")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	switch sub {
	case DiscoveryPath:
		p.forward(w, r, apiserverDiscoveryPath, p.rewriteDiscovery)
	case JWKSPath:
		p.forward(w, r, apiserverJWKSPath, nil)
	default:
		http.NotFound(w, r)
	}
}

// rewriteDiscovery points jwks_uri at the proxy. The apiserver already
// publishes --service-account-jwks-uri there, so this is a no-op unless a
// test passes another --service-account-jwks-uri; it keeps the proxy correct
// either way.
func (p *OIDCProxy) rewriteDiscovery(body []byte) ([]byte, error) {
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("decode apiserver discovery document: %w", err)
	}
	doc["jwks_uri"] = p.Issuer + JWKSPath
	return json.Marshal(doc)
}

func (p *OIDCProxy) forward(w http.ResponseWriter, r *http.Request, upstreamPath string, rewrite func([]byte) ([]byte, error)) {
	if p.upstream == "" {
		http.Error(w, "apiserver not started", http.StatusBadGateway)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, p.upstream+upstreamPath, nil)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	resp, err := p.client.Do(req)
	if err != nil {
		http.Error(w, fmt.Sprintf("fetch %s: %v", upstreamPath, err), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		http.Error(w, fmt.Sprintf("read %s: %v", upstreamPath, err), http.StatusBadGateway)
		return
	}
	if resp.StatusCode == http.StatusOK && rewrite != nil {
		if body, err = rewrite(body); err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
	}
	// The apiserver answers these with application/json (the JWKS with
	// application/jwk-set+json) and a Cache-Control max-age; pass them on.
	for _, k := range []string{"Content-Type", "Cache-Control"} {
		if v := resp.Header.Get(k); v != "" {
			w.Header().Set(k, v)
		}
	}
	w.WriteHeader(resp.StatusCode)
	if r.Method != http.MethodHead {
		_, _ = w.Write(body)
	}
}

func (p *OIDCProxy) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = p.srv.Shutdown(ctx)
	p.client.CloseIdleConnections()
}

// Addr returns the loopback host:port the proxy listens on, where
// IssuerHost:443 leads.
func (p *OIDCProxy) Addr() string {
	return p.addr
}

// dialer dials the proxy for IssuerHost and anything else as usual.
type dialer struct {
	proxyAddr string
	d         net.Dialer
}

func (d *dialer) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	if strings.EqualFold(addr, IssuerHost+":443") {
		addr = d.proxyAddr
	}
	return d.d.DialContext(ctx, network, addr)
}
