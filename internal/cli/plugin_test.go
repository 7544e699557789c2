package cli

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDisplayName(t *testing.T) {
	for argv0, want := range map[string]string{
		"irsa-doctor":                           "irsa-doctor",
		"/usr/local/bin/irsa-doctor":            "irsa-doctor",
		"kubectl-irsa":                          "kubectl irsa",
		"/home/u/.krew/bin/kubectl-irsa":        "kubectl irsa",
		`C:\Users\u\.krew\bin\kubectl-irsa.exe`: "kubectl irsa",
		"kubectl-irsa-doctor":                   "irsa-doctor",
		"":                                      "irsa-doctor",
	} {
		if got := displayName(argv0); got != want {
			t.Errorf("displayName(%q) = %q, want %q", argv0, got, want)
		}
	}
}

// TestPluginHelp: run as kubectl-irsa, as kubectl runs a plugin, usage,
// help, examples and error hints say `kubectl irsa`; the product's name
// elsewhere is left alone.
func TestPluginHelp(t *testing.T) {
	plugin := Deps{Argv0: "/home/u/.krew/bin/kubectl-irsa", Version: "v0.0.0-test"}
	for _, tc := range []struct {
		args      []string
		want, not []string
	}{
		{[]string{"--help"},
			[]string{"  kubectl irsa [command]\n", `Use "kubectl irsa [command] --help"`, "files (kubectl irsa analyze DIR).", "irsa-doctor walks the IRSA chain"},
			[]string{"irsa-doctor [command]", "irsa-doctor analyze"}},
		{[]string{"scan", "--help"},
			[]string{"  kubectl irsa scan [NAME] [flags]\n", "  kubectl irsa scan -n payments\n", "deploy/rbac.yaml's irsa-doctor-probe"},
			[]string{"irsa-doctor scan"}},
		{[]string{"dump", "--help"},
			[]string{"  kubectl irsa dump DIR [flags]\n", "  kubectl irsa analyze ./bundle\n"},
			[]string{"irsa-doctor analyze", "irsa-doctor dump"}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			r := runCLIWith(t, plugin, tc.args...)
			if r.code != ExitOK {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			for _, w := range tc.want {
				if !strings.Contains(r.stdout, w) {
					t.Errorf("help lacks %q:\n%s", w, r.stdout)
				}
			}
			for _, n := range tc.not {
				if strings.Contains(r.stdout, n) {
					t.Errorf("help says %q:\n%s", n, r.stdout)
				}
			}
		})
	}
	t.Run("error hints", func(t *testing.T) {
		r := runCLIWith(t, plugin, "analyze", "../../examples/healthy", "--checks", "IRSA999")
		if r.code != ExitUsage || r.stderr != "irsa-doctor: --checks: unknown check \"IRSA999\" (see 'kubectl irsa checks')\n" {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
		r = runCLIWith(t, plugin, "scan", "--bogus")
		if r.code != ExitUsage || r.stderr != "irsa-doctor: unknown flag: --bogus (see 'kubectl irsa scan --help')\n" {
			t.Errorf("exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("as irsa-doctor", func(t *testing.T) {
		r := runCLIWith(t, Deps{Argv0: "/usr/bin/irsa-doctor"}, "scan", "--help")
		if !strings.Contains(r.stdout, "  irsa-doctor scan [NAME] [flags]\n") || strings.Contains(r.stdout, "kubectl irsa") {
			t.Errorf("help:\n%s", r.stdout)
		}
	})
}

func TestRequestTimeoutFlag(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want time.Duration
		err  string
	}{
		{"", 30 * time.Second, ""},
		{"30s", 30 * time.Second, ""},
		{"1.5s", 1500 * time.Millisecond, ""},
		{"2m", 2 * time.Minute, ""},
		{"5", 5 * time.Second, ""},
		{"0", 0, ""},
		{"-1s", 0, `--request-timeout "-1s": want a duration such as 30s or 2m, whole seconds, or 0 for no limit per request`},
		{"soon", 0, `--request-timeout "soon": want a duration such as 30s or 2m, whole seconds, or 0 for no limit per request`},
	} {
		t.Run(tc.in, func(t *testing.T) {
			lf := liveFlags{RequestTimeout: tc.in}
			got, err := lf.requestTimeout()
			switch {
			case tc.err != "":
				if err == nil || err.Error() != tc.err || exitCode(err) != ExitUsage {
					t.Errorf("err %v, want usage error %q", err, tc.err)
				}
			case err != nil || got != tc.want:
				t.Errorf("got %s, %v; want %s", got, err, tc.want)
			}
		})
	}
}

// TestRequestTimeoutReachesAPIServer: --request-timeout is the rest
// config's Timeout, which client-go's discovery request (GET /version,
// the scan's first) carries as its timeout parameter; a bad value is a usage error before any request.
func TestRequestTimeoutReachesAPIServer(t *testing.T) {
	var mu sync.Mutex
	var seen []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		// The discovery client sends the rest config's Timeout as a
		// parameter (client-go rest.Request.URL); typed Lists do not.
		if v := r.URL.Query().Get("timeout"); r.URL.Path == "/version" && !slices.Contains(seen, v) {
			seen = append(seen, v)
		}
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusForbidden)
		_, _ = w.Write([]byte(`{"kind":"Status","apiVersion":"v1","status":"Failure","reason":"Forbidden","code":403,"message":"forbidden"}`))
	}))
	defer srv.Close()
	kc := filepath.Join(t.TempDir(), "config")
	if err := os.WriteFile(kc, []byte(`apiVersion: v1
kind: Config
clusters: [{name: c, cluster: {server: "`+srv.URL+`"}}]
users: [{name: u, user: {token: t}}]
contexts: [{name: x, context: {cluster: c, user: u, namespace: ns}}]
current-context: x
`), 0o600); err != nil {
		t.Fatal(err)
	}
	deps := Deps{Live: systemLiveDeps()}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{nil, []string{"30s"}},
		{[]string{"--request-timeout", "1.5s"}, []string{"1.5s"}},
		{[]string{"--request-timeout", "7"}, []string{"7s"}},
		{[]string{"--request-timeout", "0"}, []string{""}},
	} {
		t.Run(strings.Join(tc.args, " "), func(t *testing.T) {
			mu.Lock()
			seen = nil
			mu.Unlock()
			r := runCLIWith(t, deps, append([]string{"scan", "--kubeconfig", kc, "--timeout", "20s"}, tc.args...)...)
			if r.code != ExitError || !strings.Contains(r.stderr, "could not read the cluster") {
				t.Errorf("exit %d, stderr %q; want 3, every List refused", r.code, r.stderr)
			}
			mu.Lock()
			defer mu.Unlock()
			if !slices.Equal(seen, tc.want) {
				t.Errorf("timeout parameters sent %q, want %q", seen, tc.want)
			}
		})
	}
	r := runCLIWith(t, deps, "dump", t.TempDir()+"/b", "--kubeconfig", kc, "--request-timeout", "soon")
	if r.code != ExitUsage || r.stderr != "irsa-doctor: --request-timeout \"soon\": want a duration such as 30s or 2m, whole seconds, or 0 for no limit per request\n" {
		t.Errorf("exit %d, stderr %q", r.code, r.stderr)
	}
}

func TestPerCallTimeout(t *testing.T) {
	for _, tc := range []struct{ request, run, want time.Duration }{
		{300 * time.Millisecond, 5 * time.Minute, 300 * time.Millisecond},
		{0, 5 * time.Minute, 5 * time.Minute},
		{0, 0, 24 * time.Hour},
		{time.Minute, 0, time.Minute},
	} {
		if got := perCallTimeout(tc.request, tc.run); got != tc.want {
			t.Errorf("perCallTimeout(%s, %s) = %s, want %s", tc.request, tc.run, got, tc.want)
		}
	}
}

// TestPluginCaptureHint: the text report's request to run the program
// again after capturing more names it as the user ran it.
func TestPluginCaptureHint(t *testing.T) {
	for argv0, want := range map[string]string{
		"/home/u/.krew/bin/kubectl-irsa": "To check more, capture (then run kubectl irsa again with the files added):",
		"/usr/local/bin/irsa-doctor":     "To check more, capture (then run irsa-doctor again with the files added):",
	} {
		r := runCLIWith(t, Deps{Argv0: argv0}, "analyze", filepath.Join("..", "..", "examples", "healthy"))
		if r.code != 0 {
			t.Fatalf("%s analyze examples/healthy: exit %d\n%s%s", argv0, r.code, r.stdout, r.stderr)
		}
		if !strings.Contains(r.stdout, "\n"+want+"\n") {
			t.Errorf("%s analyze examples/healthy does not say %q:\n%s", argv0, want, r.stdout)
		}
	}
}
