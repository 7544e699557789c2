package model

import (
	"bytes"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// PublicRootCAs returns the root CAs that count as public: a chain that
// verifies to one of them is trusted by IAM through its library of trusted
// CAs, without thumbprints (docs/reference/trust-policy.md#thumbprint-no-longer-used). It is the system's pool; a
// variable so that tests can substitute a CA of their own, since no public
// chain can be built offline.
var PublicRootCAs = x509.SystemCertPool

// UrlHost is the host of an https URL, "" when it has none.
func UrlHost(s string) string {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil {
		return ""
	}
	return strings.ToLower(u.Hostname())
}

// IsEKSIssuerHost reports an issuer host that EKS runs
// (oidc.eks.REGION.amazonaws.com[.cn], docs/reference/trust-policy.md#partitions-issuer-hosts-and-audience, docs/reference/trust-policy.md#sts-endpoints), served with a
// certificate from a public CA.
func IsEKSIssuerHost(host string) bool { return eksIssuerHost.MatchString(host) }

// DiscoveryFor returns the discovery document of the cluster's issuer: one
// whose issuer is the issuer, or, failing that, one fetched from it (its
// issuer names the same host and path however written, or its jwks_uri
// lies under the issuer URL): that one is wrong. others are the documents
// of other issuers.
func DiscoveryFor(s *snapshot.Snapshot, issuer IssuerFact) (doc *snapshot.Discovery, others []*snapshot.Discovery) {
	base := strings.TrimRight(issuer.URL, "/")
	var near *snapshot.Discovery
	for _, d := range s.Discoveries {
		switch {
		case d.Issuer == issuer.URL:
			return d, nil
		case near == nil && (strings.EqualFold(arn.NormalizeIssuer(d.Issuer), arn.NormalizeIssuer(issuer.URL)) ||
			strings.HasPrefix(d.JWKSURI, base+"/")):
			near = d
		default:
			others = append(others, d)
		}
	}
	if near != nil {
		return near, nil
	}
	return nil, others
}

// KeysHost is the host whose TLS certificate IAM checks: the host of the
// discovery document's jwks_uri, else the issuer's own host (the same on
// EKS, where the keys are ISSUER/keys), docs/reference/thumbprint.md. where says which.
func KeysHost(s *snapshot.Snapshot, issuer IssuerFact) (host, where string, src snapshot.Source) {
	if d, _ := DiscoveryFor(s, issuer); d != nil {
		if h := UrlHost(d.JWKSURI); h != "" && strings.HasPrefix(strings.ToLower(d.JWKSURI), "https://") {
			return h, "the host of the discovery document's jwks_uri " + d.JWKSURI, d.Source
		}
	}
	return UrlHost(issuer.URL), "the issuer's host (the input has no discovery document naming jwks_uri)", issuer.Source
}

// ChainsFor returns the captured chains whose leaf certificate is valid
// for host by its SANs (docs/contract.md#bundles: chains are matched to
// the host by the leaf's SAN), without duplicates: a DNS name by the DNS
// SANs, an IP address by the IP SANs (RFC 6125 §6.2.1, RFC 5280
// §4.2.1.6, as crypto/x509 does).
func ChainsFor(s *snapshot.Snapshot, host string) []*snapshot.TLSChain {
	var out []*snapshot.TLSChain
	seen := map[string]bool{}
	for _, ch := range s.TLSChains {
		if len(ch.Certs) == 0 || !leafValidFor(&ch.Certs[0], host) {
			continue
		}
		key := ""
		for _, c := range ch.Certs {
			key += c.SHA1
		}
		if !seen[key] {
			seen[key] = true
			out = append(out, ch)
		}
	}
	return out
}

// leafValidFor reports whether a leaf certificate names host: an IP
// address among its IP SANs, a DNS name among its DNS SANs.
func leafValidFor(leaf *snapshot.Certificate, host string) bool {
	if ip := net.ParseIP(strings.TrimSuffix(strings.TrimPrefix(host, "["), "]")); ip != nil {
		return slices.ContainsFunc(leaf.IPAddresses, func(s string) bool { return ip.Equal(net.ParseIP(s)) })
	}
	return slices.ContainsFunc(leaf.DNSNames, func(n string) bool { return sanMatches(n, host) })
}

// sanMatches matches a DNS SAN against a host: exactly, or a wildcard
// "*.example.com" for exactly one leftmost label (RFC 6125 §6.4.3, as
// crypto/x509 does), case-insensitively.
func sanMatches(san, host string) bool {
	san, host = strings.ToLower(strings.TrimSuffix(san, ".")), strings.ToLower(strings.TrimSuffix(host, "."))
	if san == host {
		return true
	}
	rest, ok := strings.CutPrefix(san, "*.")
	if !ok {
		return false
	}
	_, hostRest, found := strings.Cut(host, ".")
	return found && hostRest == rest
}

// ChainHosts lists the DNS names and IP addresses of the captured chains'
// leaves, for a skip reason that says what the input holds instead.
func ChainHosts(s *snapshot.Snapshot) []string {
	var out []string
	for _, ch := range s.TLSChains {
		if len(ch.Certs) > 0 {
			for _, n := range ch.Certs[0].DNSNames {
				out = AppendUnique(out, n)
			}
			for _, n := range ch.Certs[0].IPAddresses {
				out = AppendUnique(out, n)
			}
		}
	}
	sort.Strings(out)
	return out
}

// CaptureTime is when the facts were captured: the manifest's collectedAt,
// else the run's clock (live, or an offline bundle of unknown age).
func CaptureTime(c *Context) time.Time {
	if t, err := time.Parse(time.RFC3339, c.Snap.CollectedAt); err == nil {
		return t
	}
	return c.Now
}

// VerifyPublic reports whether the chain verifies, for host, to a public
// root CA (PublicRootCAs). It verifies at the capture's time, moved into the
// leaf's validity when it falls outside: an old capture of a chain that
// has since expired still says which root the host used. why explains a
// chain that does not verify.
func VerifyPublic(c *Context, ch *snapshot.TLSChain, host string) (public bool, why string) {
	certs := make([]*x509.Certificate, 0, len(ch.Certs))
	for i, sc := range ch.Certs {
		cert, err := x509.ParseCertificate(sc.DER)
		if err != nil {
			return false, fmt.Sprintf("certificate %d of the chain cannot be read (%v)", i, err)
		}
		certs = append(certs, cert)
	}
	if len(certs) == 0 {
		return false, "the chain is empty"
	}
	roots, err := PublicRootCAs()
	if err != nil || roots == nil {
		return false, fmt.Sprintf("the system's root CAs could not be loaded (%v), so the chain could not be verified", err)
	}
	leaf := certs[0]
	at := CaptureTime(c)
	if at.Before(leaf.NotBefore) {
		at = leaf.NotBefore
	}
	if at.After(leaf.NotAfter) {
		at = leaf.NotAfter
	}
	inter := x509.NewCertPool()
	for _, ic := range certs[1:] {
		inter.AddCert(ic)
	}
	_, err = leaf.Verify(x509.VerifyOptions{DNSName: host, Roots: roots, Intermediates: inter, CurrentTime: at,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}})
	if err == nil {
		return true, ""
	}
	var ua x509.UnknownAuthorityError
	if errors.As(err, &ua) {
		top := certs[len(certs)-1]
		if bytes.Equal(top.RawSubject, top.RawIssuer) {
			return false, fmt.Sprintf("its root %s is not a public root CA", top.Subject)
		}
		return false, fmt.Sprintf("it stops at %s, whose issuer %s is neither a public root CA nor in the capture", top.Subject, top.Issuer)
	}
	return false, strings.TrimPrefix(err.Error(), "x509: ")
}

// TokensFor returns the tokens whose sub is subject, newest first (by iat,
// then exp).
func TokensFor(s *snapshot.Snapshot, subject string) []*snapshot.TokenClaims {
	var out []*snapshot.TokenClaims
	for _, t := range s.Tokens {
		if t.Subject == subject {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		if out[i].IssuedAt != out[j].IssuedAt {
			return out[i].IssuedAt > out[j].IssuedAt
		}
		return out[i].ExpiresAt > out[j].ExpiresAt
	})
	return out
}

// TokenEvidence lists a token's claims (never the token).
func TokenEvidence(tok *snapshot.TokenClaims) Detail {
	v := fmt.Sprintf("token claims: iss=%s sub=%s aud=[%s]", tok.Issuer, tok.Subject, strings.Join(tok.Audience, ", "))
	if tok.IssuedAt != 0 {
		v += " iat=" + UnixTime(tok.IssuedAt)
	}
	if tok.ExpiresAt != 0 {
		v += " exp=" + UnixTime(tok.ExpiresAt)
	}
	if tok.KeyID != "" {
		v += " kid=" + tok.KeyID
	}
	return Ev(tok.Source, v)
}

// SignatureState is what the input shows of a token's signature.
type SignatureState int

const (
	// SignatureUnverified: the input holds no key to verify it with.
	SignatureUnverified SignatureState = iota
	// SignatureVerified: a key of the token's kid in the input's JWKS
	// verifies it.
	SignatureVerified
	// SignatureInvalid: the keys of the token's kid in the input's JWKS do
	// not verify it, or its alg is no public-key signature, which no JWKS
	// key verifies.
	SignatureInvalid
)

// TokenSignatureFact is what the input shows of a token's signature. The
// bundle reader verified it with the input's JWKS keys of the token's kid
// (snapshot.TokenClaims.Signature), since the token itself is not kept;
// an offline JWKS names no URL, so a key set counts by its kid, whichever
// file holds it.
type TokenSignatureFact struct {
	State      SignatureState
	KeyID, Alg string
	// By is the key that verified it (SignatureVerified).
	By snapshot.SignatureCheck
	// Failed are the keys that did not verify it (SignatureInvalid; with
	// SignatureVerified, those tried before By).
	Failed []snapshot.SignatureCheck
	// Why says why the signature was not verified (SignatureUnverified),
	// with the command that captures the JWKS, or why no key can verify
	// it (SignatureInvalid with no Failed).
	Why string
}

// publicKeyAlgs are the JWS algorithms of a public-key signature (RFC 7518
// §3.1): the ones a JWKS key can verify, and an API server signs
// service account tokens with.
var publicKeyAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512"}

// TokenSignature says what the input shows of tok's signature. issuer
// gives the JWKS URL of the capture command.
func TokenSignature(s *snapshot.Snapshot, tok *snapshot.TokenClaims, issuer IssuerFact) TokenSignatureFact {
	f := TokenSignatureFact{KeyID: tok.KeyID, Alg: tok.Alg}
	if tok.Alg != "" && !slices.Contains(publicKeyAlgs, tok.Alg) {
		f.State = SignatureInvalid
		f.Why = fmt.Sprintf("the token's header names alg %q, not a public-key signature, which no key of a JWKS can verify", tok.Alg)
		return f
	}
	for _, c := range tok.Signature {
		if c.Verified {
			f.State, f.By = SignatureVerified, c
			return f
		}
		f.Failed = append(f.Failed, c)
	}
	switch {
	case len(f.Failed) > 0:
		f.State = SignatureInvalid
	case tok.KeyID == "":
		f.Why = "its header names no kid, so no key of a JWKS could be chosen to verify it"
	default:
		f.Why = fmt.Sprintf("the input has no JWKS with key %s to verify it (capture: %s)", tok.KeyID, CaptureJWKSCmd(JWKSURIOf(s, issuer)))
	}
	return f
}

// Evidence lists the keys that verified the signature or did not.
func (f TokenSignatureFact) Evidence() []Detail {
	var out []Detail
	for _, c := range f.Failed {
		out = append(out, Ev(c.JWKS, fmt.Sprintf("JWKS key %s does not verify the token's %s: %s", c.KeyID, f.Signature(), c.Why)))
	}
	if f.State == SignatureVerified {
		out = append(out, Ev(f.By.JWKS, fmt.Sprintf("JWKS key %s verifies the token's %s", f.By.KeyID, f.Signature())))
	}
	return out
}

// Signature names the signature: "RS256 signature", or "signature" when
// the alg is not known.
func (f TokenSignatureFact) Signature() string {
	if f.Alg == "" {
		return "signature"
	}
	return f.Alg + " signature"
}

// JWKSURIOf is where the issuer publishes its keys: the jwks_uri of its
// discovery document when the input has one naming an https URL, else
// ISSUER/keys, as on EKS.
func JWKSURIOf(s *snapshot.Snapshot, issuer IssuerFact) string {
	if d, _ := DiscoveryFor(s, issuer); d != nil && strings.HasPrefix(strings.ToLower(d.JWKSURI), "https://") && UrlHost(d.JWKSURI) != "" {
		return d.JWKSURI
	}
	return strings.TrimRight(issuer.URL, "/") + "/keys"
}

func UnixTime(sec int64) string { return time.Unix(sec, 0).UTC().Format(time.RFC3339) }

// Age renders a duration in days and hours, or hours and minutes.
func Age(d time.Duration) string {
	d = d.Round(time.Minute)
	switch {
	case d >= 24*time.Hour:
		days, hours := int(d/(24*time.Hour)), int(d%(24*time.Hour)/time.Hour)
		if hours == 0 {
			return fmt.Sprintf("%dd", days)
		}
		return fmt.Sprintf("%dd%dh", days, hours)
	case d >= time.Hour:
		h, m := int(d/time.Hour), int(d%time.Hour/time.Minute)
		if m == 0 {
			return fmt.Sprintf("%dh", h)
		}
		return fmt.Sprintf("%dh%dm", h, m)
	}
	return fmt.Sprintf("%dm", int(d/time.Minute))
}

func CaptureChainCmd(host string) string {
	return fmt.Sprintf("openssl s_client -servername %s -showcerts -connect %s </dev/null > issuer-chain.pem", finding.Quote(host), finding.Quote(host+":443"))
}

func CaptureDiscoveryCmd(issuer string) string {
	return fmt.Sprintf("curl -s %s > openid-configuration.json", finding.Quote(strings.TrimRight(issuer, "/")+"/.well-known/openid-configuration"))
}

// CaptureJWKSCmd fetches the key set at jwksURI (ISSUER/keys on EKS).
func CaptureJWKSCmd(jwksURI string) string {
	return fmt.Sprintf("curl -s %s > keys.json", finding.Quote(jwksURI))
}

// CaptureTokenCmd creates a token as the pods get it; audience "" leaves
// the API server's own audience, as a volume without one does.
func CaptureTokenCmd(sa, ns, audience string) string {
	if audience == "" {
		return fmt.Sprintf("kubectl create token %s -n %s > token.jwt", finding.Quote(sa), finding.Quote(ns))
	}
	return fmt.Sprintf("kubectl create token %s -n %s --audience %s > token.jwt", finding.Quote(sa), finding.Quote(ns), finding.Quote(audience))
}

func Denied(d policy.Decision) bool { return d == policy.ImplicitDeny || d == policy.ExplicitDeny }
