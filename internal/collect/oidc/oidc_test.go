package oidc

import (
	"context"
	"crypto/sha1"
	"encoding/hex"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// eksPath is the path of an EKS issuer: https://oidc.eks.REGION.amazonaws.com/id/ID.
const eksPath = "/id/EXAMPLED539D4633E53DE1B71EXAMPLE"

// jwks is shaped like the key set EKS serves at ISSUER/keys.
const jwks = `{"keys":[{"kty":"RSA","e":"AQAB","use":"sig","kid":"2f1c4c5e6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d","alg":"RS256","n":"xGOr-H7A-PWGJ1qAZhiBqQ"}]}`

func discovery(issuer, jwksURI string) string {
	return fmt.Sprintf(`{"issuer":%q,"jwks_uri":%q,"authorization_endpoint":"urn:kubernetes:programmatic_authorization","response_types_supported":["id_token"],"subject_types_supported":["public"],"claims_supported":["sub","iss"],"id_token_signing_alg_values_supported":["RS256"]}`, issuer, jwksURI)
}

// issuer is an OIDC issuer on an httptest TLS server; handler answers the
// discovery document and the keys under eksPath.
type issuer struct {
	srv  *httptest.Server
	url  string // the issuer URL
	host string // host:port
	hits map[string]*atomic.Int32
}

func newIssuer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, iss *issuer)) *issuer {
	t.Helper()
	iss := &issuer{hits: map[string]*atomic.Int32{"discovery": {}, "keys": {}}}
	iss.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case eksPath + "/.well-known/openid-configuration":
			iss.hits["discovery"].Add(1)
		case eksPath + "/keys":
			iss.hits["keys"].Add(1)
		}
		handle(w, r, iss)
	}))
	// The handshakes a test makes fail on purpose are not news.
	iss.srv.Config.ErrorLog = log.New(io.Discard, "", 0)
	iss.srv.StartTLS()
	t.Cleanup(iss.srv.Close)
	iss.url = iss.srv.URL + eksPath
	iss.host = strings.TrimPrefix(iss.srv.URL, "https://")
	return iss
}

// serve answers as EKS does, with the key set at jwksURI (this server's
// /keys when "").
func serve(jwksURI string) func(w http.ResponseWriter, r *http.Request, iss *issuer) {
	return func(w http.ResponseWriter, r *http.Request, iss *issuer) {
		w.Header().Set("Content-Type", "application/json")
		switch r.URL.Path {
		case eksPath + "/.well-known/openid-configuration":
			u := jwksURI
			if u == "" {
				u = iss.url + "/keys"
			}
			fmt.Fprint(w, discovery(iss.url, u))
		case eksPath + "/keys":
			fmt.Fprint(w, jwks)
		default:
			http.NotFound(w, r)
		}
	}
}

func fileName(host string) string { return strings.ReplaceAll(host, ":", "_") }

func sha1Hex(der []byte) string {
	s := sha1.Sum(der)
	return hex.EncodeToString(s[:])
}

// TestCollect: the documents and chains of a working issuer, captured so
// that the bundle reader finds the discovery document, the key IDs, and
// the chain whose last certificate gives the thumbprint.
func TestCollect(t *testing.T) {
	keys := newIssuer(t, serve(""))
	tests := []struct {
		name      string
		jwksOn    *issuer // nil: the issuer itself
		wantHosts int
	}{
		{name: "keys on the issuer host", wantHosts: 1},
		{name: "keys on another host", jwksOn: keys, wantHosts: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			jwksURI := ""
			if tt.jwksOn != nil {
				jwksURI = tt.jwksOn.url + "/keys"
			}
			iss := newIssuer(t, serve(jwksURI))
			jwksHost := iss.host
			if tt.jwksOn != nil {
				jwksHost = tt.jwksOn.host
			}
			// One client trusting both test servers' certificate
			// (httptest gives every server the same one).
			res := Collect(context.Background(), iss.url, iss.srv.Client(), Options{})
			if len(res.Gaps) != 0 || len(res.Listed) != 0 {
				t.Fatalf("gaps %+v, listed %+v", res.Gaps, res.Listed)
			}
			want := []bundle.Capture{
				{Path: "oidc/" + fileName(jwksHost) + "-keys.json", Data: []byte(jwks), Source: snapshot.Source{Kind: "oidc", Ref: "GET " + jwksURIOr(jwksURI, iss)}},
				{Path: "oidc/" + fileName(iss.host) + "-openid-configuration.json", Data: []byte(discovery(iss.url, jwksURIOr(jwksURI, iss))),
					Source: snapshot.Source{Kind: "oidc", Ref: "GET " + iss.url + "/.well-known/openid-configuration"}},
			}
			var chains []bundle.Capture
			var rest []bundle.Capture
			for _, c := range res.Captures {
				if strings.HasSuffix(c.Path, "-chain.pem") {
					chains = append(chains, c)
				} else {
					rest = append(rest, c)
				}
			}
			if diff := cmp.Diff(sortedByPath(want), rest); diff != "" {
				t.Errorf("document captures (-want +got):\n%s", diff)
			}
			var chainPaths []string
			for _, c := range chains {
				chainPaths = append(chainPaths, c.Path+" "+c.Source.Ref)
			}
			wantChains := []string{"oidc/" + fileName(iss.host) + "-chain.pem TLS chain of " + iss.host}
			if tt.jwksOn != nil {
				wantChains = append(wantChains, "oidc/"+fileName(jwksHost)+"-chain.pem TLS chain of "+jwksHost)
			}
			if diff := cmp.Diff(sortStrings(wantChains), chainPaths); diff != "" {
				t.Errorf("chain captures (-want +got):\n%s", diff)
			}

			snap, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{})
			if err != nil {
				t.Fatal(err)
			}
			for _, f := range snap.Files {
				if f.Error != "" {
					t.Errorf("capture %s read with a problem: %s", f.Path, f.Error)
				}
			}
			if len(snap.Discoveries) != 1 || snap.Discoveries[0].Issuer != iss.url || snap.Discoveries[0].JWKSURI != jwksURIOr(jwksURI, iss) {
				t.Errorf("discovery read back: %+v", snap.Discoveries)
			}
			if len(snap.JWKSets) != 1 || !cmp.Equal(snap.JWKSets[0].KeyIDs, []string{"2f1c4c5e6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"}) {
				t.Errorf("JWKS read back: %+v", snap.JWKSets)
			}
			if len(snap.TLSChains) != tt.wantHosts {
				t.Fatalf("%d chains read back, want %d", len(snap.TLSChains), tt.wantHosts)
			}
			// IAM's thumbprint is the SHA-1 of the last certificate the
			// host sent (docs/reference/thumbprint.md); httptest sends one.
			want1 := sha1Hex(iss.srv.Certificate().Raw)
			for _, ch := range snap.TLSChains {
				last := ch.Certs[len(ch.Certs)-1]
				if last.SHA1 != want1 || len(ch.Certs) != 1 || !cmp.Equal(ch.Certs[0].DNSNames, []string{"example.com", "*.example.com"}) {
					t.Errorf("chain read back: %d certs, last sha1 %s (want %s), SANs %v", len(ch.Certs), last.SHA1, want1, ch.Certs[0].DNSNames)
				}
				// The issuer is on 127.0.0.1: its IP SANs are kept, for
				// the model to match the host against.
				if !cmp.Equal(ch.Certs[0].IPAddresses, []string{"127.0.0.1", "::1"}) {
					t.Errorf("chain read back: IP SANs %v, want [127.0.0.1 ::1]", ch.Certs[0].IPAddresses)
				}
			}
		})
	}
}

func jwksURIOr(u string, iss *issuer) string {
	if u != "" {
		return u
	}
	return iss.url + "/keys"
}

func sortedByPath(c []bundle.Capture) []bundle.Capture {
	sort.Slice(c, func(i, j int) bool { return c[i].Path < c[j].Path })
	return c
}

func sortStrings(s []string) []string {
	sort.Strings(s)
	return s
}

// TestCollectFailures: each failure is one gap naming the URL and what
// went wrong; the chain is kept whenever a handshake happened.
func TestCollectFailures(t *testing.T) {
	type env struct {
		iss    *issuer
		issuer string
		client *http.Client
		opts   Options
	}
	onIssuer := func(handle func(w http.ResponseWriter, r *http.Request, iss *issuer)) func(t *testing.T) env {
		return func(t *testing.T) env {
			iss := newIssuer(t, handle)
			return env{iss: iss, issuer: iss.url, client: iss.srv.Client()}
		}
	}
	answer := func(path string, status int, body string, header ...string) func(w http.ResponseWriter, r *http.Request, iss *issuer) {
		return func(w http.ResponseWriter, r *http.Request, iss *issuer) {
			if r.URL.Path != eksPath+path {
				serve("")(w, r, iss)
				return
			}
			for i := 0; i+1 < len(header); i += 2 {
				w.Header().Set(header[i], header[i+1])
			}
			w.WriteHeader(status)
			fmt.Fprint(w, body)
		}
	}
	const disc = "/.well-known/openid-configuration"
	tests := []struct {
		name string
		env  func(t *testing.T) env
		// gap and the names of the captures, given the issuer's host
		// and URL.
		wantGap    func(host, url string) snapshot.Gap
		wantFiles  func(host string) []string
		wantHits   map[string]int32
		wantSHA1ok bool
	}{{
		name: "not found",
		env:  onIssuer(answer(disc, 404, "404 page not found\n")),
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpDiscovery, Resource: u + disc, Reason: "HTTP 404 Not Found: 404 page not found"}
		},
		wantFiles: func(h string) []string { return []string{"oidc/" + h + "-chain.pem"} },
		wantHits:  map[string]int32{"discovery": 1, "keys": 0},
	}, {
		name: "not JSON",
		env:  onIssuer(answer(disc, 200, "<html><body>Welcome to nginx!</body></html>")),
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpDiscovery, Resource: u + disc,
				Reason: `the answer is not a JSON object (starts "<html><body>Welcome to nginx!</body></html>"): not an OIDC discovery document`}
		},
		wantFiles: func(h string) []string { return []string{"oidc/" + h + "-chain.pem"} },
		wantHits:  map[string]int32{"discovery": 1, "keys": 0},
	}, {
		name: "no jwks_uri",
		env:  onIssuer(answer(disc, 200, `{"issuer":"https://example.com"}`)),
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpDiscovery, Resource: u + disc,
				Reason: "the document has no issuer or no jwks_uri member: not an OIDC discovery document (OpenID Connect Discovery 1.0 §3 requires both)"}
		},
		wantFiles: func(h string) []string { return []string{"oidc/" + h + "-chain.pem"} },
		wantHits:  map[string]int32{"discovery": 1, "keys": 0},
	}, {
		// The document is kept for IRSA305 to judge; the keys cannot
		// be fetched.
		name: "jwks_uri over http",
		env:  onIssuer(answer(disc, 200, `{"issuer":"https://example.com","jwks_uri":"http://example.com/keys"}`)),
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpJWKS, Resource: "http://example.com/keys",
				Reason: `the discovery document's jwks_uri "http://example.com/keys" is not an https URL (STS fetches OIDC documents over https only): the JWKS was not fetched`}
		},
		wantFiles: func(h string) []string {
			return []string{"oidc/" + h + "-chain.pem", "oidc/" + h + "-openid-configuration.json"}
		},
		wantHits: map[string]int32{"discovery": 1, "keys": 0},
	}, {
		name: "keys not a key set",
		env:  onIssuer(answer("/keys", 200, `{"error":"gone"}`)),
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpJWKS, Resource: u + "/keys",
				Reason: "the answer has no keys array: not a JSON Web Key Set (RFC 7517 §5)"}
		},
		wantFiles: func(h string) []string {
			return []string{"oidc/" + h + "-chain.pem", "oidc/" + h + "-openid-configuration.json"}
		},
		wantHits: map[string]int32{"discovery": 1, "keys": 1},
	}, {
		// EKS throttles its OIDC endpoint: one retry after Retry-After.
		name: "throttled once",
		env: onIssuer(func(w http.ResponseWriter, r *http.Request, iss *issuer) {
			if r.URL.Path == eksPath+disc && iss.hits["discovery"].Load() == 1 {
				w.Header().Set("Retry-After", "0")
				http.Error(w, "Rate exceeded", http.StatusTooManyRequests)
				return
			}
			serve("")(w, r, iss)
		}),
		wantFiles: func(h string) []string {
			return []string{"oidc/" + h + "-chain.pem", "oidc/" + h + "-keys.json", "oidc/" + h + "-openid-configuration.json"}
		},
		wantHits: map[string]int32{"discovery": 2, "keys": 1},
	}, {
		name: "throttled twice",
		env:  onIssuer(answer(disc, 429, "Rate exceeded\n", "Retry-After", "0")),
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpDiscovery, Resource: u + disc,
				Reason: "HTTP 429 Too Many Requests, again after one retry: the issuer throttles requests; run again in a minute"}
		},
		wantFiles: func(h string) []string { return []string{"oidc/" + h + "-chain.pem"} },
		wantHits:  map[string]int32{"discovery": 2, "keys": 0},
	}, {
		name: "timeout",
		env: func(t *testing.T) env {
			e := onIssuer(func(w http.ResponseWriter, r *http.Request, iss *issuer) {
				if r.URL.Path == eksPath+"/keys" {
					// No answer until well past the client's 300 ms,
					// whatever the request's context says: a context
					// ended early (seen once in CI under load) would
					// answer an empty 200 before the client gave up.
					time.Sleep(900 * time.Millisecond)
					return
				}
				serve("")(w, r, iss)
			})(t)
			e.opts.Timeout = 300 * time.Millisecond
			return e
		},
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpJWKS, Resource: u + "/keys", Reason: "no answer from " + host + " within 300ms"}
		},
		wantFiles: func(h string) []string {
			return []string{"oidc/" + h + "-chain.pem", "oidc/" + h + "-openid-configuration.json"}
		},
		wantHits: map[string]int32{"discovery": 1, "keys": 1},
	}, {
		// A self-signed issuer: the system does not trust it, no
		// document is read, but the chain is recorded from the
		// handshake, for the thumbprint IAM then relies on.
		name: "untrusted certificate",
		env: func(t *testing.T) env {
			e := onIssuer(serve(""))(t)
			e.client = &http.Client{Transport: &http.Transport{TLSClientConfig: nil}}
			return e
		},
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpDiscovery, Resource: u + disc,
				Reason: "the TLS certificate of " + host + " is not trusted (x509: certificate signed by unknown authority); its chain is recorded"}
		},
		wantFiles:  func(h string) []string { return []string{"oidc/" + h + "-chain.pem"} },
		wantHits:   map[string]int32{"discovery": 0, "keys": 0},
		wantSHA1ok: true,
	}, {
		name: "plain http on an https URL",
		env: func(t *testing.T) env {
			srv := httptest.NewServer(http.NotFoundHandler())
			t.Cleanup(srv.Close)
			return env{issuer: strings.Replace(srv.URL, "http://", "https://", 1) + eksPath, client: &http.Client{}}
		},
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpDiscovery, Resource: u + disc,
				Reason: host + " does not speak TLS on that port (an https issuer is required)"}
		},
		wantFiles: func(string) []string { return nil },
	}, {
		name: "connection refused",
		env:  func(t *testing.T) env { return env{issuer: "https://127.0.0.1:1" + eksPath} },
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpDiscovery, Resource: u + disc, Reason: "cannot connect to 127.0.0.1:1: connection refused"}
		},
		wantFiles: func(string) []string { return nil },
	}, {
		// The resolver is faked at the dialer, as the network of a
		// private cluster without DNS for the issuer answers.
		name: "DNS failure",
		env: func(t *testing.T) env {
			tr := &http.Transport{DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
				host, _, _ := net.SplitHostPort(addr)
				return nil, &net.OpError{Op: "dial", Net: network, Err: &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}}
			}}
			return env{issuer: "https://oidc.eks.us-west-2.amazonaws.com" + eksPath, client: &http.Client{Transport: tr}}
		},
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpDiscovery, Resource: u + disc, Reason: "cannot resolve oidc.eks.us-west-2.amazonaws.com: no such host"}
		},
		wantFiles: func(string) []string { return nil },
	}, {
		name: "http issuer",
		env:  func(t *testing.T) env { return env{issuer: "http://oidc.example.com"} },
		wantGap: func(host, u string) snapshot.Gap {
			return snapshot.Gap{Source: "oidc", Operation: OpDiscovery, Resource: "http://oidc.example.com",
				Reason: `the issuer URL "http://oidc.example.com" is not an https URL (STS fetches OIDC documents over https only): nothing fetched`}
		},
		wantFiles: func(string) []string { return nil },
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := tt.env(t)
			u, _ := url.Parse(e.issuer)
			host := u.Host
			res := Collect(context.Background(), e.issuer, e.client, e.opts)
			var want []snapshot.Gap
			if tt.wantGap != nil {
				want = []snapshot.Gap{tt.wantGap(host, e.issuer)}
			}
			if diff := cmp.Diff(want, res.Gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			var files []string
			for _, c := range res.Captures {
				files = append(files, c.Path)
			}
			if diff := cmp.Diff(tt.wantFiles(fileName(host)), files); diff != "" {
				t.Errorf("captures (-want +got):\n%s", diff)
			}
			if e.iss != nil {
				got := map[string]int32{"discovery": e.iss.hits["discovery"].Load(), "keys": e.iss.hits["keys"].Load()}
				if diff := cmp.Diff(tt.wantHits, got); diff != "" {
					t.Errorf("requests (-want +got):\n%s", diff)
				}
			}
			if tt.wantSHA1ok {
				snap, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{})
				if err != nil {
					t.Fatal(err)
				}
				if len(snap.TLSChains) != 1 || snap.TLSChains[0].Certs[0].SHA1 != sha1Hex(e.iss.srv.Certificate().Raw) {
					t.Errorf("chain from the failed handshake: %+v", snap.TLSChains)
				}
			}
		})
	}
}

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name, value string
		want        time.Duration
	}{
		{"absent", "", time.Second},
		{"seconds", "3", 3 * time.Second},
		{"zero", "0", 0},
		{"http date", "Thu, 26 Nov 2026 12:00:07 GMT", 7 * time.Second},
		{"date in the past", "Thu, 26 Nov 2026 11:59:00 GMT", 0},
		{"garbage", "soon", time.Second},
		{"negative", "-5", time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := parseRetryAfter(tt.value, now); got != tt.want {
				t.Errorf("parseRetryAfter(%q) = %s, want %s", tt.value, got, tt.want)
			}
		})
	}
}

// TestCollectRetryWaitCapped: a Retry-After of an hour is not honoured in
// full; the wait is capped and the retry made.
func TestCollectRetryWaitCapped(t *testing.T) {
	iss := newIssuer(t, func(w http.ResponseWriter, r *http.Request, iss *issuer) {
		if r.URL.Path == eksPath+"/.well-known/openid-configuration" && iss.hits["discovery"].Load() == 1 {
			w.Header().Set("Retry-After", "3600")
			w.WriteHeader(http.StatusTooManyRequests)
			return
		}
		serve("")(w, r, iss)
	})
	start := time.Now()
	res := Collect(context.Background(), iss.url, iss.srv.Client(), Options{MaxRetryWait: 50 * time.Millisecond})
	if len(res.Gaps) != 0 || len(res.Captures) != 3 {
		t.Fatalf("gaps %+v, %d captures", res.Gaps, len(res.Captures))
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("waited %s", d)
	}
}

// TestCollectJWKSMediaType: a kube-apiserver that hosts its issuer serves
// the keys as application/jwk-set+json and answers 406 to a request that
// accepts only application/json; the collector asks for both types
// (issue 10, item 11).
func TestCollectJWKSMediaType(t *testing.T) {
	var accepts []string
	iss := newIssuer(t, func(w http.ResponseWriter, r *http.Request, iss *issuer) {
		if r.URL.Path != eksPath+"/keys" {
			serve("")(w, r, iss)
			return
		}
		accepts = append(accepts, r.Header.Get("Accept"))
		if !strings.Contains(r.Header.Get("Accept"), "application/jwk-set+json") {
			http.Error(w, "406: Not Acceptable", http.StatusNotAcceptable)
			return
		}
		w.Header().Set("Content-Type", "application/jwk-set+json")
		fmt.Fprint(w, jwks)
	})
	res := Collect(context.Background(), iss.url, iss.srv.Client(), Options{})
	if len(res.Gaps) != 0 {
		t.Errorf("gaps %+v, want none", res.Gaps)
	}
	if want := []string{"application/jwk-set+json, application/json"}; !cmp.Equal(accepts, want) {
		t.Errorf("Accept %q, want %q", accepts, want)
	}
	var got bool
	var paths []string
	for _, c := range res.Captures {
		got = got || strings.HasSuffix(c.Path, "-keys.json")
		paths = append(paths, c.Path)
	}
	if !got {
		t.Errorf("no JWKS captured: %v", paths)
	}
}
