package cli

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

// TestE2ERequestTimeout: --request-timeout bounds each request to the
// real API server: a List of pods that takes 5 s is given up after
// 300 ms, not after the default 30 s, and --timeout (the whole run, 5m)
// is not what stopped it.
func TestE2ERequestTimeout(t *testing.T) {
	const ns = "e2e-reqtimeout"
	e := newE2E(t, ns, awsfake.State{})
	e.pod(e2ePod("api", "default"))
	e.wrap = func(next http.RoundTripper) http.RoundTripper {
		return e2eRoundTrip(func(req *http.Request) (*http.Response, error) {
			if req.URL.Path == "/api/v1/namespaces/"+ns+"/pods" {
				select {
				case <-time.After(5 * time.Second):
				case <-req.Context().Done():
					return nil, req.Context().Err()
				}
			}
			return next.RoundTrip(req)
		})
	}
	start := time.Now()
	r := e.main("scan", "-o", "json", "--cluster", e2eCluster, "--request-timeout", "300ms")
	if d := time.Since(start); d > 4*time.Second {
		t.Errorf("scan took %s with a List of 5 s and --request-timeout 300ms", d)
	}
	// A List the API server does not answer is a cluster that cannot be
	// read (exit 3), named with the bound that gave up, not --timeout's.
	want := "irsa-doctor: list pods -n " + ns + ": no answer from the Kubernetes API server " + e.c.Host + " within 300ms: "
	if r.code != ExitError || !strings.HasPrefix(r.stderr, want) || strings.Count(r.stderr, "\n") != 1 {
		t.Errorf("exit %d, stderr %q; want 3 and one line starting %q", r.code, r.stderr, want)
	}
}
