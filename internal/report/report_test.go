package report

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	json "github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// golden compares got with testdata/name; UPDATE_GOLDEN=1 rewrites the file
// (an environment variable: a -update flag would break `go test ./...` in
// packages that do not define it).
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if os.Getenv("UPDATE_GOLDEN") != "" {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatalf("update golden: %v", err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read golden (refresh with UPDATE_GOLDEN=1 go test ./internal/report/): %v", err)
	}
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("%s differs (-want +got); refresh with UPDATE_GOLDEN=1 if intended:\n%s", path, diff)
	}
}

func render(t *testing.T, r *finding.Result, opts Options) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := Write(&buf, r, opts); err != nil {
		t.Fatalf("Write: %v", err)
	}
	return buf.Bytes()
}

var goldenCases = []struct {
	name   string
	result func() *finding.Result
	opts   Options
}{
	{"healthy.txt", healthyResult, Options{Format: FormatText}},
	{"multi-failure.txt", multiFailureResult, Options{Format: FormatText}},
	{"skipped.txt", skippedResult, Options{Format: FormatText}},
	{"pod-identity.txt", podIdentityResult, Options{Format: FormatText}},
	{"gaps.txt", gapsResult, Options{Format: FormatText}},
	{"show-passed.txt", showPassedResult, Options{Format: FormatText, ShowPassed: true}},
	{"shared.txt", sharedResult, Options{Format: FormatText}},
	{"color.txt", sharedResult, Options{Format: FormatText, Color: true}},
	{"color-passed.txt", showPassedResult, Options{Format: FormatText, Color: true, ShowPassed: true}},
	{"color-warnings.txt", multiFailureResult, Options{Format: FormatText, Color: true}},
	{"multi-failure.json", multiFailureResult, Options{Format: FormatJSON}},
	{"shared.json", sharedResult, Options{Format: FormatJSON}},
	{"gaps.json", gapsResult, Options{Format: FormatJSON}},
	{"shared.yaml", sharedResult, Options{Format: FormatYAML}},
	{"multi-failure.md", multiFailureResult, Options{Format: FormatMarkdown}},
	{"shared.md", sharedResult, Options{Format: FormatMarkdown}},
	{"skipped.md", skippedResult, Options{Format: FormatMarkdown}},
	{"gaps.md", gapsResult, Options{Format: FormatMarkdown}},
	{"pod-identity.md", podIdentityResult, Options{Format: FormatMarkdown}},
	{"ignored.md", ignoredResult, Options{Format: FormatMarkdown}},
	{"show-passed.md", showPassedResult, Options{Format: FormatMarkdown, ShowPassed: true}},
}

func TestGolden(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, render(t, tc.result(), tc.opts))
		})
	}
}

// TestGoldenJSONRoundTrip decodes every golden JSON document back into the
// result it was rendered from: the document carries the whole model.
func TestGoldenJSONRoundTrip(t *testing.T) {
	for _, tc := range goldenCases {
		if tc.opts.Format != FormatJSON {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", tc.name))
			if err != nil {
				t.Fatal(err)
			}
			// Nothing is null: arrays are [], a finding without a fix has
			// {"commands": [], "files": []}.
			if n := strings.Count(string(data), "null"); n != 0 {
				t.Errorf("%d nulls: an array or object is null", n)
			}
			var got finding.Result
			if err := json.Unmarshal(data, &got); err != nil {
				t.Fatalf("decode %s: %v", tc.name, err)
			}
			// A finding without a fix is rendered with an empty one; the
			// steps behind fix.commands and fix.argv (why a command is
			// commented out) are for fix.sh, not the document.
			noFixIsEmpty := cmp.Transformer("fix", func(f *finding.Fix) *finding.Fix {
				if f.Empty() {
					return nil
				}
				cp := *f
				cp.Steps, cp.Refused = nil, nil
				return &cp
			})
			if diff := cmp.Diff(tc.result(), &got, cmpopts.EquateEmpty(), noFixIsEmpty); diff != "" {
				t.Errorf("round trip differs (-rendered +decoded):\n%s", diff)
			}
		})
	}
}

func TestParseFormat(t *testing.T) {
	tests := []struct {
		in      string
		want    Format
		wantErr string
	}{
		{in: "text", want: FormatText},
		{in: "json", want: FormatJSON},
		{in: "yaml", want: FormatYAML},
		{in: "wide", want: FormatWide},
		{in: "sarif", want: FormatSARIF},
		{in: "yml", wantErr: `unknown output format "yml" (want ` + formatList() + `)`},
		{in: "JSON", wantErr: `unknown output format "JSON" (want ` + formatList() + `)`},
		{in: "", wantErr: `unknown output format "" (want ` + formatList() + `)`},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := ParseFormat(tc.in)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr {
					t.Fatalf("ParseFormat(%q) error = %v, want %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("ParseFormat(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
			}
		})
	}
}

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errors.New("disk full") }

func TestWriteErrors(t *testing.T) {
	tests := []struct {
		name    string
		w       func() *bytes.Buffer
		r       *finding.Result
		opts    Options
		broken  bool
		wantErr string
	}{
		{name: "text writer fails", r: healthyResult(), opts: Options{Format: FormatText}, broken: true,
			wantErr: "write text report: disk full"},
		{name: "json writer fails", r: healthyResult(), opts: Options{Format: FormatJSON}, broken: true,
			wantErr: "write json report: disk full"},
		{name: "yaml writer fails", r: healthyResult(), opts: Options{Format: FormatYAML}, broken: true,
			wantErr: "write yaml report: disk full"},
		{name: "unknown format", r: healthyResult(), opts: Options{Format: "toml"},
			wantErr: `render report: unknown output format "toml" (want ` + formatList() + `)`},
		{name: "sarif writer fails", r: healthyResult(), opts: Options{Format: FormatSARIF}, broken: true,
			wantErr: "write sarif report: disk full"},
		{name: "nil result", opts: Options{Format: FormatText}, wantErr: "render report: no result"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			if tc.broken {
				err = Write(failingWriter{}, tc.r, tc.opts)
			} else {
				var buf bytes.Buffer
				err = Write(&buf, tc.r, tc.opts)
				if buf.Len() != 0 {
					t.Errorf("wrote %q before failing", buf.String())
				}
			}
			if err == nil || err.Error() != tc.wantErr {
				t.Fatalf("Write error = %v, want %q", err, tc.wantErr)
			}
		})
	}
}

// TestDefaultFormatIsText: the zero Options render the text report.
func TestDefaultFormatIsText(t *testing.T) {
	got := render(t, healthyResult(), Options{})
	want := render(t, healthyResult(), Options{Format: FormatText})
	if diff := cmp.Diff(string(want), string(got)); diff != "" {
		t.Errorf("zero Options (-text +got):\n%s", diff)
	}
}

func TestJSONDocument(t *testing.T) {
	tests := []struct {
		name string
		r    *finding.Result
		want string
	}{
		{
			name: "nil slices and map render as empty arrays and zero counts",
			r:    &finding.Result{SchemaVersion: 1, Tool: finding.Tool{Name: "irsa-doctor", Version: "v0.1.0"}, Input: finding.Input{Mode: "live"}},
			want: `{
  "schemaVersion": 1,
  "tool": {
    "name": "irsa-doctor",
    "version": "v0.1.0"
  },
  "input": {
    "mode": "live",
    "cluster": "",
    "region": "",
    "accountId": "",
    "files": []
  },
  "targets": [],
  "findings": [],
  "gaps": [],
  "summary": {
    "targets": 0,
    "fail": 0,
    "skipped": 0,
    "pass": 0,
    "ignored": 0,
    "bySeverity": {
      "error": 0,
      "warning": 0,
      "info": 0
    }
  }
}
`,
		},
		{
			name: "empty fix has empty lists, nil evidence and links are empty, invalid UTF-8 and HTML characters",
			r: &finding.Result{
				SchemaVersion: 1,
				Targets:       []finding.Target{{Kind: "Pod", Namespace: "a", Name: "b", Mechanism: "none"}},
				Findings: []finding.Finding{{CheckID: "IRSA101", Slug: "s", Title: "t", Severity: "error", Status: "fail",
					Subject: finding.Subject{Kind: "Pod", Namespace: "a", Name: "b"}, Message: "bad \xff <&>", Fix: &finding.Fix{}}},
				Summary: finding.Summary{BySeverity: map[string]int{"info": 3, "critical": 1, "error": 2}},
			},
			want: `{
  "schemaVersion": 1,
  "tool": {
    "name": "",
    "version": ""
  },
  "input": {
    "mode": "",
    "cluster": "",
    "region": "",
    "accountId": "",
    "files": []
  },
  "targets": [
    {
      "kind": "Pod",
      "namespace": "a",
      "name": "b",
      "serviceAccount": "",
      "mechanism": "none",
      "links": [],
      "containers": []
    }
  ],
  "findings": [
    {
      "checkId": "IRSA101",
      "slug": "s",
      "title": "t",
      "severity": "error",
      "status": "fail",
      "subject": {
        "kind": "Pod",
        "namespace": "a",
        "name": "b",
        "container": "",
        "arn": ""
      },
      "message": "bad ` + "\ufffd" + ` <&>",
      "evidence": [],
      "remediation": "",
      "fix": {
        "commands": [],
        "argv": [],
        "files": []
      }
    }
  ],
  "gaps": [],
  "summary": {
    "targets": 0,
    "fail": 0,
    "skipped": 0,
    "pass": 0,
    "ignored": 0,
    "bySeverity": {
      "error": 2,
      "warning": 0,
      "info": 3,
      "critical": 1
    }
  }
}
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := render(t, tc.r, Options{Format: FormatJSON})
			if diff := cmp.Diff(tc.want, string(got)); diff != "" {
				t.Errorf("JSON (-want +got):\n%s", diff)
			}
		})
	}
}

// TestTextPlainIsASCII: without colour, in a locale that is not UTF-8,
// the report has no escape sequence and no character outside ASCII that
// the renderer adds (the fixtures'
// data is ASCII), so it survives any log viewer.
func TestTextPlainIsASCII(t *testing.T) {
	for _, tc := range goldenCases {
		if tc.opts.Format != FormatText || tc.opts.Color {
			continue
		}
		t.Run(tc.name, func(t *testing.T) {
			opts := tc.opts
			opts.ASCII = true
			out := render(t, tc.result(), opts)
			for i, b := range out {
				if b >= 0x80 || (b < 0x20 && b != '\n') {
					t.Fatalf("byte %#x at offset %d in %q", b, i, out[max(0, i-40):min(len(out), i+40)])
				}
			}
		})
	}
}

// TestTextColorMarks: with colour, marks and severities are styled; the
// marks are Unicode in a UTF-8 locale, letters otherwise.
func TestTextColorMarks(t *testing.T) {
	out := string(render(t, sharedResult(), Options{Color: true}))
	for _, want := range []string{
		ansiGreen + "✓" + ansiReset + "   ",
		ansiRed + "✗" + ansiReset + "   ",
		ansiBoldRed + "IRSA205 error trust-subject-mismatch" + ansiReset,
		ansiDim + "2 checks on 1 object not run: blocked by the failures above (-v lists them)." + ansiReset,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("coloured report lacks %q", want)
		}
	}
	ascii := string(render(t, sharedResult(), Options{Color: true, ASCII: true}))
	if !strings.Contains(ascii, ansiGreen+"P"+ansiReset) || strings.Contains(ascii, "✓") {
		t.Errorf("coloured report in a C locale: want the mark P, not ✓")
	}
}

// TestTextPrintsSharedFindingOnce: the ServiceAccount finding three targets
// share is one block, with what it affects.
func TestTextPrintsSharedFindingOnce(t *testing.T) {
	out := string(render(t, sharedResult(), Options{}))
	msg := `trust policy allows sub "system:serviceaccount:payment:s3-reader", pod runs as`
	if n := strings.Count(out, msg); n != 1 {
		t.Errorf("message printed %d times, want 1", n)
	}
	head := "\nIRSA205 error trust-subject-mismatch: ServiceAccount payments/s3-reader\n  affects: "
	if n := strings.Count(out, head); n != 1 {
		t.Errorf("block %q printed %d times, want 1", head, n)
	}
}

// TestRows: which targets the summary table lists, and the failing checks
// it names for each: the findings about the target, its ServiceAccount,
// its role (by ARN, or by name when the finding has no ARN), its
// namespace, and the failures its chain names.
func TestRows(t *testing.T) {
	tests := []struct {
		name string
		r    *finding.Result
		want []string // "TARGET: IDS"
	}{
		{
			name: "shared ServiceAccount, folded pod and cluster-wide provider",
			r:    sharedResult(),
			want: []string{
				"Deployment payments/api: IRSA107,IRSA205,IRSA301",
				"Deployment payments/worker: IRSA205,IRSA301",
				"Pod payments/api-7d9f8b6c5-x2k4p: IRSA107,IRSA205,IRSA301",
			},
		},
		{
			name: "passes make no row",
			r:    showPassedResult(),
		},
		{
			name: "role matched by ARN, then by name when the subject has no ARN",
			r: &finding.Result{
				Targets: []finding.Target{
					{Kind: "Pod", Namespace: "a", Name: "p1", ServiceAccount: "x", RoleARN: "arn:aws:iam::1:role/team/r1"},
					{Kind: "Pod", Namespace: "a", Name: "p2", ServiceAccount: "y", RoleARN: "arn:aws:iam::1:role/r2"},
				},
				Findings: []finding.Finding{
					{CheckID: "IRSA201", Status: "fail", Subject: finding.Subject{Kind: "IAMRole", Name: "r1", ARN: "arn:aws:iam::1:role/team/r1"}},
					{CheckID: "IRSA202", Status: "fail", Subject: finding.Subject{Kind: "IAMRole", Name: "r2"}},
					{CheckID: "IRSA203", Status: "fail", Subject: finding.Subject{Kind: "IAMRole", Name: "r1", ARN: "arn:aws:iam::2:role/r1"}},
					{CheckID: "IRSA204", Status: "fail", Subject: finding.Subject{Kind: "Namespace", Name: "a"}},
				},
			},
			want: []string{"Pod a/p1: IRSA201,IRSA204", "Pod a/p2: IRSA202,IRSA204"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, rw := range rows(tc.r) {
				got = append(got, targetName(tc.r.Targets[rw.target])+": "+strings.Join(rw.ids, ","))
			}
			if diff := cmp.Diff(tc.want, got, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("rows (-want +got):\n%s", diff)
			}
		})
	}
}

func TestChainCheckIDs(t *testing.T) {
	tg := finding.Target{Links: []finding.Link{
		{Link: "service-account", Status: "pass", Detail: "IRSA900"},
		{Link: "webhook", Status: "fail", Detail: "IRSA104, IRSA111"},
		{Link: "iam-role", Status: "unknown", Detail: "IRSA205: blocked by IRSA201"},
		{Link: "issuer", Status: "unknown", Detail: "IRSA: not an ID; IRSA3"},
	}}
	want := map[string]bool{"IRSA104": true, "IRSA111": true, "IRSA205": true, "IRSA201": true, "IRSA3": true}
	if diff := cmp.Diff(want, chainCheckIDs(tg)); diff != "" {
		t.Errorf("chainCheckIDs (-want +got):\n%s", diff)
	}
}

func TestSummaryLine(t *testing.T) {
	tests := []struct {
		name string
		r    *finding.Result
		opts Options
		want string
	}{
		{
			name: "failures",
			r:    multiFailureResult(),
			want: "1 target: 2 errors, 1 warning, 1 info; 0 skipped\n",
		},
		{
			name: "nothing fails and nothing missing",
			r:    healthyResult(),
			want: "1 target: 0 errors, 0 warnings, 0 info; 0 skipped\nNo problems found.\n",
		},
		{
			name: "nothing fails but the diagnosis is incomplete",
			r:    gapsResult(),
			want: "1 target: 0 errors, 0 warnings, 0 info; 3 skipped\n" +
				"No problems found in what could be checked (3 skipped, 1 target not fully checked, 2 facts not collected, 2 files not used).\n",
		},
		{
			// Issue 10, item 9: a live collection cut short says so.
			name: "a collection cut short",
			r: func() *finding.Result {
				r := gapsResult()
				r.Summary.Incomplete = "incomplete: timed out after 5m"
				return r
			}(),
			want: "1 target: 0 errors, 0 warnings, 0 info; 3 skipped\n" +
				"Collection incomplete: timed out after 5m: the report covers what was collected by then (see \"Could not collect\").\n" +
				"No problems found in what could be checked (3 skipped, 1 target not fully checked, 2 facts not collected, 2 files not used).\n",
		},
		{
			name: "pod identity links other than the ServiceAccount do not apply",
			r:    podIdentityResult(),
			want: "1 target: 0 errors, 0 warnings, 0 info; 0 skipped\nNo problems found.\n",
		},
		{
			name: "links nothing checked",
			r: func() *finding.Result {
				r := podIdentityResult()
				r.Targets = append(r.Targets, healthyResult().Targets[0], healthyResult().Targets[0])
				r.Targets[0].Links[0] = finding.Link{Link: finding.LinkServiceAccount, Status: finding.LinkUnknown, Detail: "not checked"}
				r.Targets[1].Links[4] = finding.Link{Link: finding.LinkIssuer, Status: finding.LinkUnknown, Detail: "not checked"}
				r.Summarise()
				return r
			}(),
			want: "3 targets: 0 errors, 0 warnings, 0 info; 0 skipped\n" +
				"No problems found in what could be checked (2 targets not fully checked).\n",
		},
		{
			name: "show passed counts passes",
			r:    showPassedResult(),
			opts: Options{ShowPassed: true},
			want: "1 target: 0 errors, 0 warnings, 0 info; 0 skipped; 4 passed\nNo problems found.\n",
		},
		{
			// Issue 10, item 5: copies that differ, settled on the newest,
			// are counted apart from facts not collected.
			name: "copies that differ",
			r: func() *finding.Result {
				r := healthyResult()
				r.Gaps = append(r.Gaps, finding.Gap{Source: "bundle", Operation: "copies", Resource: "ServiceAccount payments/app",
					Reason: "2 copies that differ: a/sa.json, b/sa.json; used b/sa.json, the newest by creationTimestamp (2026-02-01T00:00:00Z)"})
				r.Summarise()
				return r
			}(),
			want: "1 target: 0 errors, 0 warnings, 0 info; 0 skipped\n" +
				"No problems found in what could be checked (1 object in copies that differ).\n",
		},
		{
			name: "warnings only are not problems-free",
			r: func() *finding.Result {
				r := multiFailureResult()
				r.Findings = r.Findings[2:3]
				r.Summarise()
				return r
			}(),
			want: "1 target: 0 errors, 1 warning, 0 info; 0 skipped\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := string(render(t, tc.r, tc.opts))
			i := strings.LastIndex(out, "\n\n")
			if got := out[i+2:]; got != tc.want {
				t.Errorf("summary = %q, want %q", got, tc.want)
			}
		})
	}
}

// TestTextCopiesThatDiffer (issue 10, item 5): the text report shows a
// bundle's copies that differ under their own heading, apart from what
// could not be collected (an undecided role stays there: it is not known).
func TestTextCopiesThatDiffer(t *testing.T) {
	r := healthyResult()
	r.Gaps = append(r.Gaps,
		finding.Gap{Source: "bundle", Operation: "copies", Resource: "ServiceAccount payments/app",
			Reason: "2 copies that differ: a/sa.json, b/sa.json; used b/sa.json, the newest by creationTimestamp (2026-02-01T00:00:00Z)"},
		finding.Gap{Source: "bundle", Operation: "iam:GetRole", Resource: roleARN, Reason: "2 copies that differ: a/role.json, b/role.json; keep one copy in the input (move the others out) and run again"})
	r.Summarise()
	out := string(render(t, r, Options{}))
	want := "Copies that differ:\n" +
		"  ServiceAccount payments/app: 2 copies that differ: a/sa.json, b/sa.json; used b/sa.json, the newest by creationTimestamp (2026-02-01T00:00:00Z)\n" +
		"\nCould not collect:\n" +
		"  bundle iam:GetRole " + roleARN + ": 2 copies that differ: a/role.json, b/role.json; keep one copy in the input (move the others out) and run again\n"
	if !strings.Contains(out, want) {
		t.Errorf("text report does not contain\n%s\ngot:\n%s", want, out)
	}
	if !strings.Contains(out, "(1 fact not collected, 1 object in copies that differ)") {
		t.Errorf("summary does not count the copies apart:\n%s", out)
	}
}

// TestTextEdgeCases renders small results whole: a ServiceAccount target
// nothing runs as, a run with no target, evidence without a source, a fix
// with only a file.
func TestTextEdgeCases(t *testing.T) {
	tests := []struct {
		name string
		r    *finding.Result
		want string
	}{
		{
			name: "no targets, live, nothing known about the cluster",
			r:    &finding.Result{Input: finding.Input{Mode: "live"}, Summary: finding.Summary{BySeverity: map[string]int{}}},
			want: `Scanned live: 0 targets

No targets: no pod, workload or ServiceAccount in the input uses IRSA or EKS Pod Identity.

0 targets: 0 errors, 0 warnings, 0 info; 0 skipped
No problems found.
`,
		},
		{
			name: "unused ServiceAccount with a near-miss annotation",
			r: func() *finding.Result {
				r := &finding.Result{
					Input: finding.Input{Mode: "offline", Files: []finding.InputFile{{Path: "sa.yaml", RecognisedAs: "kubectl:ServiceAccount"}}},
					Targets: []finding.Target{{Kind: "ServiceAccount", Namespace: "ops", Name: "backup", ServiceAccount: "backup", Mechanism: "irsa",
						Links: links("fail:IRSA102", "unknown:not checked", "unknown:IRSA201: blocked by IRSA102", "unknown:not checked", "unknown:not checked")}},
					Findings: []finding.Finding{{
						CheckID: "IRSA102", Slug: "role-annotation-missing", Severity: finding.SeverityWarning, Status: finding.StatusFail,
						Subject: finding.Subject{Kind: "ServiceAccount", Namespace: "ops", Name: "backup"},
						Message: `annotation key "eks.amazon.com/role-arn" is a near-miss of "eks.amazonaws.com/role-arn"`,
						Evidence: []finding.Evidence{
							{Source: "bundle", Value: "eks.amazon.com/role-arn"},
							{Value: "and more (see targets)"},
						},
						Fix: &finding.Fix{Files: []finding.File{{Name: "backup.patch.yaml", Content: "metadata:\n  annotations:\n\n    eks.amazonaws.com/role-arn: arn:aws:iam::1:role/backup\n"}, {Name: "empty.txt"}}},
					}},
				}
				r.Summarise()
				return r
			}(),
			want: `Analysed offline: 1 file, 1 target

TARGET                     MECHANISM  SA  WEBHOOK  ROLE  OIDC  ISSUER  FAILING
ServiceAccount ops/backup  irsa       F   -        ?     -     -       IRSA102

IRSA102 warning role-annotation-missing: ServiceAccount ops/backup
  annotation key "eks.amazon.com/role-arn" is a near-miss of "eks.amazonaws.com/role-arn"
  evidence:
    bundle: eks.amazon.com/role-arn
  fix:
    cat > backup.patch.yaml <<'IRSA_DOCTOR_EOF'
    metadata:
      annotations:

        eks.amazonaws.com/role-arn: arn:aws:iam::1:role/backup
    IRSA_DOCTOR_EOF
    cat > empty.txt <<'IRSA_DOCTOR_EOF'
    IRSA_DOCTOR_EOF

The fixes above paste as they are; --fix-dir DIR writes their files and a fix.sh that runs them.

1 target: 0 errors, 1 warning, 0 info; 0 skipped
`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := string(render(t, tc.r, Options{ASCII: true}))
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("text (-want +got):\n%s", diff)
			}
		})
	}
}

func TestFormatList(t *testing.T) {
	if got := formatList(); !strings.HasPrefix(got, "text, json") || !strings.Contains(got, " or ") {
		t.Errorf("formatList() = %q, want Formats joined as \"text, json, ... or ...\"", got)
	}
}
