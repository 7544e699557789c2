package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/irsa-doctor/irsa-doctor/internal/collect/kubeconfig"
)

// fleetKubeconfig has three EKS contexts as `aws eks update-kubeconfig`
// and eksctl write them, and one that says nothing about AWS.
func fleetKubeconfig() *clientcmdapi.Config {
	cfg := clientcmdapi.NewConfig()
	add := func(ctxName, cluster, server string, exec *clientcmdapi.ExecConfig) {
		cfg.Clusters[cluster] = &clientcmdapi.Cluster{Server: server}
		cfg.AuthInfos[ctxName] = &clientcmdapi.AuthInfo{Exec: exec}
		cfg.Contexts[ctxName] = &clientcmdapi.Context{Cluster: cluster, AuthInfo: ctxName}
	}
	// update-kubeconfig --profile team-a: the profile in the plugin's env.
	add("arn:aws:eks:eu-west-1:111122223333:cluster/payments", "arn:aws:eks:eu-west-1:111122223333:cluster/payments",
		"https://ABCDEF0123456789ABCDEF0123456789.gr7.eu-west-1.eks.amazonaws.com",
		&clientcmdapi.ExecConfig{Command: "aws", Args: []string{"--region", "eu-west-1", "eks", "get-token", "--cluster-name", "payments", "--output", "json"},
			Env: []clientcmdapi.ExecEnvVar{{Name: "AWS_PROFILE", Value: "team-a"}}})
	// The profile as the CLI's own flag, the region only in the args.
	add("staging", "staging", "https://10.0.0.1:6443",
		&clientcmdapi.ExecConfig{Command: "aws", Args: []string{"eks", "get-token", "--cluster-name", "staging", "--region=us-east-2", "--profile", "team-b"}})
	// eksctl: the region in the cluster's name, no profile.
	add("ci@batch.ap-south-1.eksctl.io", "batch.ap-south-1.eksctl.io", "https://10.0.0.2:6443",
		&clientcmdapi.ExecConfig{Command: "aws-iam-authenticator", Args: []string{"token", "-i", "batch"}})
	add("kind-local", "kind-local", "https://127.0.0.1:6443", nil)
	cfg.CurrentContext = "staging"
	return cfg
}

func TestSelectContexts(t *testing.T) {
	cfg := fleetKubeconfig()
	all := []string{"arn:aws:eks:eu-west-1:111122223333:cluster/payments", "ci@batch.ap-south-1.eksctl.io", "kind-local", "staging"}
	for _, tc := range []struct {
		name  string
		named []string
		all   bool
		want  []string
		err   string
		code  int
	}{
		{"named, in the order given", []string{"staging", "kind-local"}, false, []string{"staging", "kind-local"}, "", 0},
		{"all, sorted", nil, true, all, "", 0},
		{"unknown", []string{"staging", "prod"}, false, nil,
			`--context "prod": no such context in the kubeconfig (contexts: ` + "arn:aws:eks:eu-west-1:111122223333:cluster/payments, ci@batch.ap-south-1.eksctl.io, kind-local, staging)", ExitUsage},
		{"both", []string{"staging"}, true, nil, "--all-contexts and --context cannot be used together: --all-contexts scans every context of the kubeconfig", ExitUsage},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := selectContexts(cfg, tc.named, tc.all)
			if tc.err != "" {
				if err == nil || err.Error() != tc.err || exitCode(err) != tc.code {
					t.Errorf("err %v (exit %d), want %q (exit %d)", err, exitCode(err), tc.err, tc.code)
				}
				return
			}
			if err != nil || !slices.Equal(got, tc.want) {
				t.Errorf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
	if _, err := selectContexts(clientcmdapi.NewConfig(), nil, true); err == nil || err.Error() != "--all-contexts: the kubeconfig has no context" || exitCode(err) != ExitError {
		t.Errorf("empty kubeconfig: %v", err)
	}
}

func TestContextFlags(t *testing.T) {
	got, err := contextFlags([]string{"a", "b", "a"})
	if err != nil || !slices.Equal(got, []string{"a", "b"}) {
		t.Errorf("got %q, %v; want each once, in order", got, err)
	}
	if _, err := contextFlags([]string{"a", ""}); err == nil || exitCode(err) != ExitUsage {
		t.Errorf("an empty --context: %v, want a usage error", err)
	}
}

// TestAWSTargetPerContext: each context gets the profile and region of
// its own kubeconfig entry; --profile and --region, when given, apply to
// every context.
func TestAWSTargetPerContext(t *testing.T) {
	cfg := fleetKubeconfig()
	type pr struct{ profile, region string }
	for _, tc := range []struct {
		name  string
		flags liveFlags
		want  map[string]pr
	}{
		{"from each kubeconfig entry", liveFlags{}, map[string]pr{
			"arn:aws:eks:eu-west-1:111122223333:cluster/payments": {"team-a", "eu-west-1"},
			"staging":                       {"team-b", "us-east-2"},
			"ci@batch.ap-south-1.eksctl.io": {"", "ap-south-1"},
			"kind-local":                    {"", ""},
		}},
		{"--profile for all, regions their own", liveFlags{Profile: "admin"}, map[string]pr{
			"arn:aws:eks:eu-west-1:111122223333:cluster/payments": {"admin", "eu-west-1"},
			"staging":                       {"admin", "us-east-2"},
			"ci@batch.ap-south-1.eksctl.io": {"admin", "ap-south-1"},
			"kind-local":                    {"admin", ""},
		}},
		{"--region for all, profiles their own", liveFlags{Region: "us-west-2"}, map[string]pr{
			"arn:aws:eks:eu-west-1:111122223333:cluster/payments": {"team-a", "us-west-2"},
			"staging":                       {"team-b", "us-west-2"},
			"ci@batch.ap-south-1.eksctl.io": {"", "us-west-2"},
			"kind-local":                    {"", "us-west-2"},
		}},
		{"both", liveFlags{Profile: "admin", Region: "us-west-2"}, map[string]pr{
			"arn:aws:eks:eu-west-1:111122223333:cluster/payments": {"admin", "us-west-2"},
			"staging":                       {"admin", "us-west-2"},
			"ci@batch.ap-south-1.eksctl.io": {"admin", "us-west-2"},
			"kind-local":                    {"admin", "us-west-2"},
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for ctxName, want := range tc.want {
				ident, err := kubeconfig.Identify(cfg, ctxName)
				if err != nil {
					t.Fatalf("%s: %v", ctxName, err)
				}
				p, r := awsTarget(tc.flags, ident)
				if (pr{p, r}) != want {
					t.Errorf("%s: profile %q, region %q; want %q, %q", ctxName, p, r, want.profile, want.region)
				}
			}
		})
	}
}

// TestClustersUsageErrors: what a scan of several clusters, or dump,
// refuses before collecting anything: one line naming the flag, exit 2.
func TestClustersUsageErrors(t *testing.T) {
	kc := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*fleetKubeconfig(), kc); err != nil {
		t.Fatal(err)
	}
	deps := Deps{Live: systemLiveDeps()}
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"dump of two contexts", []string{"dump", filepath.Join(t.TempDir(), "b"), "--kubeconfig", kc, "--context", "staging", "--context", "kind-local"},
			"--context is given 2 times: dump writes one cluster's bundle, give one --context (scan takes several)"},
		{"dump --all-contexts", []string{"dump", filepath.Join(t.TempDir(), "b"), "--kubeconfig", kc, "--all-contexts"},
			"unknown flag: --all-contexts (see 'irsa-doctor dump --help')"},
		{"both", []string{"scan", "--kubeconfig", kc, "--all-contexts", "--context", "staging"},
			"--all-contexts and --context cannot be used together: --all-contexts scans every context of the kubeconfig"},
		{"bad output", []string{"scan", "--kubeconfig", kc, "--all-contexts", "-o", "xml"},
			`--output "xml": want text, json, yaml, markdown, sarif, html or wide`},
		{"fix-dir", []string{"scan", "--kubeconfig", kc, "--context", "staging", "--context", "kind-local", "--fix-dir", t.TempDir()},
			"--fix-dir writes the fixes of one cluster: give one --context with --fix-dir"},
		{"unknown context", []string{"scan", "--kubeconfig", kc, "--context", "staging", "--context", "prod"},
			`--context "prod": no such context in the kubeconfig (contexts: arn:aws:eks:eu-west-1:111122223333:cluster/payments, ci@batch.ap-south-1.eksctl.io, kind-local, staging)`},
		{"empty context", []string{"scan", "--kubeconfig", kc, "--context", ""},
			`--context "": name a context of the kubeconfig (kubectl config get-contexts lists them)`},
		{"bad --role-profile, once", []string{"scan", "--kubeconfig", kc, "--all-contexts", "--role-profile", "prod"},
			`--role-profile "prod": want ACCOUNT=PROFILE with a 12-digit account, e.g. 444455556666=prod-admin`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLIWith(t, deps, tc.args...)
			if r.code != ExitUsage || r.stderr != "irsa-doctor: "+tc.want+"\n" || r.stdout != "" {
				t.Errorf("exit %d, stderr %q, stdout %q; want 2 and %q", r.code, r.stderr, r.stdout, tc.want)
			}
		})
	}
}

func TestClustersProgress(t *testing.T) {
	var b strings.Builder
	p := newClustersProgress(Deps{ErrOut: &b, ErrIsTerminal: true}, 2)
	p.done()
	p.done()
	p.clear()
	want := "\r\x1b[Kirsa-doctor: scanning 2 contexts, 0 done...\r\x1b[Kirsa-doctor: scanning 2 contexts, 1 done...\r\x1b[Kirsa-doctor: scanning 2 contexts, 2 done...\r\x1b[K"
	if b.String() != want {
		t.Errorf("progress %q, want %q", b.String(), want)
	}
	b.Reset()
	p = newClustersProgress(Deps{ErrOut: &b}, 2)
	p.done()
	p.clear()
	if b.Len() != 0 {
		t.Errorf("progress %q off a terminal, want none", b.String())
	}
}

// TestCompleteContexts: --context completes the kubeconfig's contexts,
// each with its cluster, without those already given.
func TestCompleteContexts(t *testing.T) {
	cfg := fleetKubeconfig()
	cfg.Contexts["bad\x1b]0;x\x07"] = &clientcmdapi.Context{Cluster: "kind-local"}
	kc := filepath.Join(t.TempDir(), "config")
	if err := clientcmd.WriteToFile(*cfg, kc); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		args []string
		want []string
	}{
		{[]string{"scan", "--kubeconfig", kc, "--context", ""}, []string{
			"arn:aws:eks:eu-west-1:111122223333:cluster/payments\tarn:aws:eks:eu-west-1:111122223333:cluster/payments",
			"ci@batch.ap-south-1.eksctl.io\tbatch.ap-south-1.eksctl.io", "kind-local\tkind-local", "staging\tstaging", noFile}},
		{[]string{"scan", "--kubeconfig", kc, "--context", "staging", "--context", "k"}, []string{"kind-local\tkind-local", noFile}},
		{[]string{"dump", "dir", "--kubeconfig", kc, "--context", "S"}, []string{"staging\tstaging", noFile}},
		{[]string{"scan", "--kubeconfig", filepath.Join(t.TempDir(), "none"), "--context", ""}, []string{noFile}},
	} {
		if got := complete(t, tc.args...); !slices.Equal(got, tc.want) {
			t.Errorf("__complete %q = %q, want %q", tc.args, got, tc.want)
		}
	}
}
