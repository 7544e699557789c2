package oidc

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Defaults of Options.
const (
	DefaultTimeout      = 10 * time.Second
	DefaultMaxRetryWait = 5 * time.Second
	// DefaultMaxBody bounds a document: an EKS discovery document is
	// under 1 KiB and its JWKS a few KiB.
	DefaultMaxBody = 1 << 20
)

// Gap operations.
const (
	OpDiscovery = snapshot.GapOIDCDiscovery
	OpJWKS      = snapshot.GapOIDCJWKS
)

// The media types asked for. A JWKS is served as application/jwk-set+json
// (RFC 7517 §8.5.1), and a kube-apiserver that hosts its issuer
// (/openid/v1/jwks) answers a request that accepts only application/json
// with 406 Not Acceptable; EKS serves application/json.
const (
	acceptDiscovery = "application/json"
	acceptJWKS      = "application/jwk-set+json, application/json"
)

// Options tune the collection.
type Options struct {
	// Timeout bounds each request; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxRetryWait caps the wait a 429's Retry-After asks for; 0 means
	// DefaultMaxRetryWait.
	MaxRetryWait time.Duration
	// MaxBody bounds each document; 0 means DefaultMaxBody.
	MaxBody int64
}

// Result has the shape of every collector's result, so the CLI merges
// them alike. Listed is always empty: nothing here is a List.
type Result struct {
	Captures []bundle.Capture
	Listed   []bundle.ManifestEntry
	Gaps     []snapshot.Gap
}

// Collect fetches, as STS does to verify a token (docs/reference/thumbprint.md, OpenID
// Connect Discovery 1.0 §4), the issuer's discovery document
// (ISSUER/.well-known/openid-configuration) and the JWKS at its jwks_uri,
// over HTTPS with the system's trusted roots, and records the TLS chain
// each host presented, leaf first, from which the bundle reader computes
// the thumbprint IAM compares (the SHA-1 of the last certificate,
// docs/reference/thumbprint.md). Every failure (DNS, TLS, timeout, HTTP status, a
// document that is not JSON) is a gap naming the URL, never an error: the
// checks that need the documents skip with the reason. A chain the system
// does not trust is still recorded, from the failed handshake, since IAM
// falls back to the thumbprint exactly then (docs/reference/trust-policy.md#thumbprint-no-longer-used).
func Collect(ctx context.Context, issuer string, client *http.Client, opts Options) Result {
	if client == nil {
		client = &http.Client{}
	}
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultTimeout
	}
	if opts.MaxRetryWait <= 0 {
		opts.MaxRetryWait = DefaultMaxRetryWait
	}
	if opts.MaxBody <= 0 {
		opts.MaxBody = DefaultMaxBody
	}
	c := &collector{client: client, opts: opts, chains: map[string]bool{}}
	c.collect(ctx, issuer)
	sort.Slice(c.res.Captures, func(i, j int) bool { return c.res.Captures[i].Path < c.res.Captures[j].Path })
	return c.res
}

type collector struct {
	client *http.Client
	opts   Options
	res    Result
	chains map[string]bool // hosts whose chain is recorded
}

func (c *collector) gap(op, resource, reason string) {
	c.res.Gaps = append(c.res.Gaps, snapshot.Gap{Source: "oidc", Operation: op, Resource: resource, Reason: reason})
}

func (c *collector) collect(ctx context.Context, issuer string) {
	iu, why := httpsURL(issuer)
	if why != "" {
		c.gap(OpDiscovery, issuer, fmt.Sprintf("the issuer URL %q %s: nothing fetched", issuer, why))
		return
	}
	// OpenID Connect Discovery 1.0 §4: the issuer with any trailing
	// slash removed, then /.well-known/openid-configuration.
	discoveryURL := strings.TrimSuffix(issuer, "/") + "/.well-known/openid-configuration"
	body, err := c.get(ctx, discoveryURL, iu.Host, acceptDiscovery)
	if err != nil {
		c.gap(OpDiscovery, discoveryURL, err.Error())
		return
	}
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		c.gap(OpDiscovery, discoveryURL, "the answer is not a JSON object ("+notJSON(body, err)+"): not an OIDC discovery document")
		return
	}
	_, hasIssuer := doc["issuer"]
	rawJWKS, hasJWKS := doc["jwks_uri"]
	if !hasIssuer || !hasJWKS {
		c.gap(OpDiscovery, discoveryURL, "the document has no issuer or no jwks_uri member: not an OIDC discovery document (OpenID Connect Discovery 1.0 §3 requires both)")
		return
	}
	c.capture(iu.Host+"-openid-configuration.json", body, "GET "+discoveryURL)

	var jwksURI string
	if err := json.Unmarshal(rawJWKS, &jwksURI); err != nil {
		c.gap(OpJWKS, discoveryURL, fmt.Sprintf("the discovery document's jwks_uri is %s, not a string: the JWKS was not fetched", rawJWKS))
		return
	}
	ju, why := httpsURL(jwksURI)
	if why != "" {
		// IRSA305 judges the document; the keys cannot be fetched.
		c.gap(OpJWKS, jwksURI, fmt.Sprintf("the discovery document's jwks_uri %q %s: the JWKS was not fetched", jwksURI, why))
		return
	}
	body, err = c.get(ctx, jwksURI, ju.Host, acceptJWKS)
	if err != nil {
		c.gap(OpJWKS, jwksURI, err.Error())
		return
	}
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil || set.Keys == nil {
		what := "has no keys array"
		if err != nil {
			what = "is not a JSON object (" + notJSON(body, err) + ")"
		}
		c.gap(OpJWKS, jwksURI, "the answer "+what+": not a JSON Web Key Set (RFC 7517 §5)")
		return
	}
	c.capture(ju.Host+"-keys.json", body, "GET "+jwksURI)
}

// capture adds a document under oidc/, named after its host; a port's
// colon becomes "_" so the name is valid on every file system.
func (c *collector) capture(name string, data []byte, ref string) {
	c.res.Captures = append(c.res.Captures, bundle.Capture{
		Path:   "oidc/" + strings.ReplaceAll(name, ":", "_"),
		Data:   data,
		Source: snapshot.Source{Kind: "oidc", Ref: ref},
	})
}

// recordChain captures the certificates a host presented, once per host.
func (c *collector) recordChain(host string, certs []*x509.Certificate) {
	if len(certs) == 0 || c.chains[host] {
		return
	}
	c.chains[host] = true
	c.capture(host+"-chain.pem", chainPEM(certs), "TLS chain of "+host)
}

// chainPEM renders certificates as `openssl s_client -showcerts` prints
// them, reduced to what the bundle reader needs: the "Certificate chain"
// line that starts a chain, then per certificate its depth, subject and
// issuer, and the PEM block, in the order the server sent them (leaf
// first).
func chainPEM(certs []*x509.Certificate) []byte {
	var b bytes.Buffer
	b.WriteString("Certificate chain\n")
	for i, cert := range certs {
		fmt.Fprintf(&b, " %d s:%s\n   i:%s\n", i, cert.Subject, cert.Issuer)
		_ = pem.Encode(&b, &pem.Block{Type: "CERTIFICATE", Bytes: cert.Raw})
	}
	return b.Bytes()
}

// get fetches one document. A 429 is retried once after its Retry-After
// (capped at MaxRetryWait): EKS throttles its OIDC endpoint. The chain of
// the host is recorded whatever the answer, even from a handshake that
// failed verification.
func (c *collector) get(ctx context.Context, u, host, accept string) ([]byte, error) {
	for attempt := 0; ; attempt++ {
		body, status, retryAfter, err := c.do(ctx, u, host, accept)
		if err != nil {
			return nil, err
		}
		switch {
		case status == http.StatusOK:
			return body, nil
		case status == http.StatusTooManyRequests && attempt == 0:
			wait := min(retryAfter, c.opts.MaxRetryWait)
			t := time.NewTimer(wait)
			select {
			case <-ctx.Done():
				t.Stop()
				return nil, fmt.Errorf("stopped while waiting to retry after HTTP 429: %w", ctx.Err())
			case <-t.C:
			}
			continue
		case status == http.StatusTooManyRequests:
			return nil, fmt.Errorf("HTTP 429 Too Many Requests, again after one retry: the issuer throttles requests; run again in a minute")
		}
		msg := fmt.Sprintf("HTTP %d %s", status, http.StatusText(status))
		if s := snippet(body); s != "" {
			msg += ": " + s
		}
		return nil, errors.New(msg)
	}
}

// do makes one request, accepting the media types accept, and reads the
// answer within the timeout.
func (c *collector) do(ctx context.Context, u, host, accept string) (body []byte, status int, retryAfter time.Duration, err error) {
	cctx, cancel := context.WithTimeout(ctx, c.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(cctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, 0, fmt.Errorf("cannot build the request: %w", err)
	}
	req.Header.Set("Accept", accept)
	resp, err := c.client.Do(req)
	if err != nil {
		var cve *tls.CertificateVerificationError
		if errors.As(err, &cve) {
			c.recordChain(host, cve.UnverifiedCertificates)
		}
		return nil, 0, 0, c.describe(ctx, err, host)
	}
	defer resp.Body.Close()
	if resp.TLS != nil {
		c.recordChain(host, resp.TLS.PeerCertificates)
	}
	body, err = io.ReadAll(io.LimitReader(resp.Body, c.opts.MaxBody+1))
	if err != nil {
		return nil, 0, 0, fmt.Errorf("reading the answer: %w", c.describe(ctx, err, host))
	}
	if int64(len(body)) > c.opts.MaxBody {
		return nil, 0, 0, fmt.Errorf("the answer is larger than %d bytes: not an OIDC document", c.opts.MaxBody)
	}
	return body, resp.StatusCode, parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()), nil
}

// describe says in one line why a request failed.
func (c *collector) describe(ctx context.Context, err error, host string) error {
	var (
		dns *net.DNSError
		cve *tls.CertificateVerificationError
		rhe tls.RecordHeaderError
	)
	switch {
	case ctx.Err() != nil:
		return fmt.Errorf("stopped: %w", ctx.Err())
	case errors.As(err, &dns):
		return fmt.Errorf("cannot resolve %s: %s", dns.Name, dns.Err)
	case errors.Is(err, context.DeadlineExceeded) || isTimeout(err):
		return fmt.Errorf("no answer from %s within %s", host, c.opts.Timeout)
	case errors.As(err, &cve):
		return fmt.Errorf("the TLS certificate of %s is not trusted (%v); its chain is recorded", host, cve.Err)
	case errors.As(err, &rhe) || strings.Contains(err.Error(), "server gave HTTP response to HTTPS client"):
		// net/http replaces the RecordHeaderError of a plain HTTP
		// answer with that message (transport.go).
		return fmt.Errorf("%s does not speak TLS on that port (an https issuer is required)", host)
	case errors.Is(err, syscall.ECONNREFUSED):
		return fmt.Errorf("cannot connect to %s: connection refused", host)
	}
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("request to %s failed: %v", host, err)
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// parseRetryAfter reads Retry-After as seconds or an HTTP date (RFC 9110
// §10.2.3); without one, a second.
func parseRetryAfter(v string, now time.Time) time.Duration {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Second
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(0, t.Sub(now))
	}
	return time.Second
}

// httpsURL parses an https URL with a host; it says why s is not one.
func httpsURL(s string) (*url.URL, string) {
	u, err := url.Parse(s)
	switch {
	case err != nil:
		return nil, "does not parse"
	case u.Scheme != "https":
		return nil, "is not an https URL (STS fetches OIDC documents over https only)"
	case u.Hostname() == "":
		return nil, "has no host"
	}
	return u, ""
}

// notJSON describes a body that did not decode, with its start.
func notJSON(body []byte, err error) string {
	if s := snippet(body); s != "" {
		return fmt.Sprintf("starts %q", s)
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return "empty"
	}
	return err.Error()
}

// snippet is the start of a body, on one line, for a message.
func snippet(body []byte) string {
	s := strings.Join(strings.Fields(string(body)), " ")
	if r := []rune(s); len(r) > 80 {
		s = string(r[:80]) + "..."
	}
	return s
}
