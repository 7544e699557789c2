package cli

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
	"github.com/spf13/cobra"
)

// The tests below parse a command line into a command's Options through
// its runF, as cli/cli does: what each flag sets, without running anything.

// execute runs cmd alone (no root) on the space-separated args.
func execute(t *testing.T, cmd *cobra.Command, args string) error {
	t.Helper()
	cmd.SetArgs(strings.Fields(args))
	cmd.SetIn(strings.NewReader(""))
	cmd.SetOut(io.Discard)
	cmd.SetErr(io.Discard)
	return cmd.Execute()
}

// parseOptions runs the command that newCmd builds around a runF that
// records its Options, on args. With wantErr it asserts that usage error
// and that runF was not called, and returns nil; otherwise it returns the
// Options runF was given.
func parseOptions[O any](t *testing.T, newCmd func(runF func(context.Context, *O) error) *cobra.Command, args, wantErr string) *O {
	t.Helper()
	var got *O
	err := execute(t, newCmd(func(_ context.Context, o *O) error {
		got = o
		return nil
	}), args)
	if wantErr != "" {
		wantUsage(t, err, wantErr)
		if got != nil {
			t.Errorf("runF was called with %+v", got)
		}
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	if got == nil {
		t.Fatal("runF was not called")
	}
	return got
}

// wantUsage asserts a usage error (exit 2) with the message want.
func wantUsage(t *testing.T, err error, want string) {
	t.Helper()
	var ue *usageError
	if !errors.As(err, &ue) || err.Error() != want {
		t.Errorf("error = %v (%T), want the usage error %q", err, err, want)
	}
}

// defaultOutput is what outputFlags hold when no output flag is given.
var defaultOutput = outputFlags{Output: "text", FailOn: "error"}

var testDeps = Deps{Version: "v0.0.0-options"}

func TestNewCmdAnalyze(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    string
		want    AnalyzeOptions
		wantErr string
	}{
		{
			name: "defaults",
			args: "bundle",
			want: AnalyzeOptions{Paths: []string{"bundle"}, Output: defaultOutput},
		},
		{
			name: "several paths and stdin",
			args: "a b/pods.json -",
			want: AnalyzeOptions{Paths: []string{"a", "b/pods.json", "-"}, Output: defaultOutput},
		},
		{
			name: "target flags",
			args: "b --pod payments/api-1 --pod payments/api-2 --service-account payments/s3-reader --workload deployment/payments/api -n payments --cluster prod",
			want: AnalyzeOptions{
				Paths:   []string{"b"},
				Cluster: "prod",
				Targets: targetFlags{
					Pods:            []string{"payments/api-1", "payments/api-2"},
					ServiceAccounts: []string{"payments/s3-reader"},
					Workloads:       []string{"deployment/payments/api"},
					Namespace:       "payments",
				},
				Output: defaultOutput,
			},
		},
		{
			// -n with -A is rejected when the run starts, not while parsing.
			name: "all namespaces",
			args: "b -A --namespace x",
			want: AnalyzeOptions{Paths: []string{"b"}, Targets: targetFlags{AllNamespaces: true, Namespace: "x"}, Output: defaultOutput},
		},
		{
			name: "output flags",
			args: "b -o json --show-passed --fail-on warning --checks IRSA205,-IRSA207 --no-color --fix-dir fixes" +
				" --ignore IRSA207 --ignore IRSA205:sa/payments/s3-reader --ignore-file ignore.yaml",
			want: AnalyzeOptions{
				Paths: []string{"b"},
				Output: outputFlags{Output: "json", ShowPassed: true, FailOn: "warning", Checks: "IRSA205,-IRSA207",
					NoColor: true, FixDir: "fixes", Ignore: []string{"IRSA207", "IRSA205:sa/payments/s3-reader"}, IgnoreFile: "ignore.yaml"},
			},
		},
		{
			// Values are checked when the run starts (analyzeRun).
			name: "values are not judged while parsing",
			args: "b --output yaml --fail-on fatal",
			want: AnalyzeOptions{Paths: []string{"b"}, Output: outputFlags{Output: "yaml", FailOn: "fatal"}},
		},
		{
			name:    "no path",
			args:    "",
			wantErr: "analyze needs at least one PATH (a folder, a file, or - for standard input)",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseOptions(t, func(runF func(context.Context, *AnalyzeOptions) error) *cobra.Command {
				return NewCmdAnalyze(testDeps, runF)
			}, tc.args, tc.wantErr)
			if got == nil {
				return
			}
			if got.Deps.Version != testDeps.Version {
				t.Errorf("Deps not passed: version %q", got.Deps.Version)
			}
			if d := cmp.Diff(tc.want, *got, cmpopts.IgnoreFields(AnalyzeOptions{}, "Deps")); d != "" {
				t.Errorf("options (-want +got):\n%s", d)
			}
		})
	}
}

func TestNewCmdScan(t *testing.T) {
	defaultLive := liveFlags{Timeout: 5 * time.Minute, RequestTimeout: "30s", Logs: logFlags{Lines: defaultLogLines}}
	for _, tc := range []struct {
		name    string
		args    string
		want    ScanOptions
		wantErr string
	}{
		{
			name: "defaults",
			args: "",
			want: ScanOptions{Live: defaultLive, Output: defaultOutput},
		},
		{
			name: "a pod NAME",
			args: "api-7d9f8b6c5-x2k4p -n payments",
			want: ScanOptions{Pod: "api-7d9f8b6c5-x2k4p", Live: defaultLive, Targets: targetFlags{Namespace: "payments"}, Output: defaultOutput},
		},
		{
			name: "live flags",
			args: "--kubeconfig kc.yaml --context prod-admin --profile prod --region eu-west-1 --cluster prod " +
				"--role-profile 444455556666=security --role-profile 777788889999=data --timeout 30s --request-timeout 5s --probe --logs --log-lines 50 --log-since 2h",
			want: ScanOptions{
				Live: liveFlags{Kubeconfig: "kc.yaml", Contexts: []string{"prod-admin"}, Profile: "prod", Region: "eu-west-1", Cluster: "prod",
					RoleProfiles: []string{"444455556666=security", "777788889999=data"}, Timeout: 30 * time.Second, RequestTimeout: "5s", Probe: true,
					Logs: logFlags{On: true, Lines: 50, Since: nonNegativeDuration(2 * time.Hour)}},
				Output: defaultOutput,
			},
		},
		{
			name: "target and output flags",
			args: "-A --workload sts/data/db -o json --fail-on none --ignore trust-too-broad --ignore-file ci/ignore.yaml",
			want: ScanOptions{
				Live:    defaultLive,
				Targets: targetFlags{AllNamespaces: true, Workloads: []string{"sts/data/db"}},
				Output:  outputFlags{Output: "json", FailOn: "none", Ignore: []string{"trust-too-broad"}, IgnoreFile: "ci/ignore.yaml"},
			},
		},
		{
			name: "several clusters",
			args: "--context prod-eu --context prod-us",
			want: ScanOptions{Live: func() liveFlags { l := defaultLive; l.Contexts = []string{"prod-eu", "prod-us"}; return l }(), Output: defaultOutput},
		},
		{
			name: "every context",
			args: "--all-contexts",
			want: ScanOptions{AllContexts: true, Live: defaultLive, Output: defaultOutput},
		},
		{
			name:    "two names",
			args:    "api-1 api-2",
			wantErr: "scan takes at most one pod NAME; name more with --pod NS/NAME",
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseOptions(t, func(runF func(context.Context, *ScanOptions) error) *cobra.Command { return NewCmdScan(testDeps, runF) }, tc.args, tc.wantErr)
			if got == nil {
				return
			}
			if d := cmp.Diff(tc.want, *got, cmpopts.IgnoreFields(ScanOptions{}, "Deps")); d != "" {
				t.Errorf("options (-want +got):\n%s", d)
			}
		})
	}
}

func TestNewCmdDump(t *testing.T) {
	for _, tc := range []struct {
		name    string
		args    string
		want    DumpOptions
		wantErr string
	}{
		{
			name: "defaults",
			args: "out",
			want: DumpOptions{Dir: "out", Live: liveFlags{Timeout: 5 * time.Minute, RequestTimeout: "30s", Logs: logFlags{Lines: defaultLogLines}}},
		},
		{
			name: "flags",
			args: "out -n payments --pod payments/api-1 --context staging --timeout 2m --probe --logs",
			want: DumpOptions{
				Dir:     "out",
				Live:    liveFlags{Contexts: []string{"staging"}, Timeout: 2 * time.Minute, RequestTimeout: "30s", Probe: true, Logs: logFlags{On: true, Lines: defaultLogLines}},
				Targets: targetFlags{Namespace: "payments", Pods: []string{"payments/api-1"}},
			},
		},
		{name: "no DIR", args: "", wantErr: "dump needs one DIR to write the bundle to"},
		{name: "two DIRs", args: "a b", wantErr: "dump needs one DIR to write the bundle to"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := parseOptions(t, func(runF func(context.Context, *DumpOptions) error) *cobra.Command { return NewCmdDump(testDeps, runF) }, tc.args, tc.wantErr)
			if got == nil {
				return
			}
			if d := cmp.Diff(tc.want, *got, cmpopts.IgnoreFields(DumpOptions{}, "Deps")); d != "" {
				t.Errorf("options (-want +got):\n%s", d)
			}
		})
	}
}

// TestRunFError: what runF returns is what the command returns, so a test
// can stand in for the run and its outcome.
func TestRunFError(t *testing.T) {
	boom := errors.New("boom")
	cmd := NewCmdAnalyze(testDeps, func(context.Context, *AnalyzeOptions) error { return boom })
	if err := execute(t, cmd, "b"); !errors.Is(err, boom) {
		t.Errorf("error = %v, want runF's", err)
	}
}
