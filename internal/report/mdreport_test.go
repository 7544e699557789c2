package report

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// ignoredResult: multiFailureResult with its first failure suppressed by
// the user, and a skip whose message holds no capture command.
func ignoredResult() *finding.Result {
	r := multiFailureResult()
	r.Findings[0].Status = finding.StatusIgnored
	r.Findings[0].Ignored = &finding.Ignored{Reason: "migration ticket OPS-12", Source: ".irsa-doctor-ignore:3", Expires: "2027-01-31"}
	r.Findings = append(r.Findings, skipped("IRSA208", "x", finding.SeverityWarning, sa("s3-reader"), "the policy cannot be read"))
	r.Summarise()
	return r
}

// mdHostileResult is hostileResult with Markdown attacks besides the
// terminal's: a name that is an image, a table cell break, emphasis, a
// line that would start a list, and a fence inside an evidence value.
func mdHostileResult() *finding.Result {
	r := hostileResult()
	r.Targets[0].Name = "![x](https://tracker.example/p.png)|**b**"
	r.Findings[0].Subject.Name = r.Targets[0].Name
	r.Findings[0].Message = "- [click](https://evil.example) `code` <img src=x onerror=alert(1)>"
	r.Findings[0].Evidence = append(r.Findings[0].Evidence, finding.Evidence{Source: "bundle", Ref: "b/p.json",
		Value: "{\n````\n# heading\n```\n}"})
	r.Findings[0].Fix.Files = append(r.Findings[0].Fix.Files, finding.File{Name: "x.json", Content: "a\n```\n`````\n"})
	return r
}

func TestMarkdownHostile(t *testing.T) {
	out := string(render(t, mdHostileResult(), Options{Format: FormatMarkdown}))
	for i, r := range out {
		if r != '\n' && termsafe.Unsafe(r) {
			t.Errorf("raw %U at byte %d: %q", r, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
	for _, bad := range []string{"![x]", " [click]", "**b**", " <img", "| **", "\n- [click]", " `code`"} {
		if strings.Contains(out, bad) {
			t.Errorf("markdown holds %q unescaped:\n%s", bad, out)
		}
	}
	for _, want := range []string{
		// The evidence value with a run of four backticks is fenced by five.
		"  `````\n  {\n  ````\n  # heading\n  ```\n  }\n  `````\n",
		// The fix's heredoc holds a run of five: the sh fence is six.
		"``````sh\n",
		`\!\[x\](https://tracker.example/p.png)\|\*\*b\*\*`,
		"\n\\- \\[click\\](https://evil.example) \\`code\\` \\<img src=x onerror=alert(1)\\>\n",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}

func TestMarkdownCaptures(t *testing.T) {
	for _, tc := range []struct {
		msg  string
		want []string
	}{
		{"the input has no IAM OIDC providers (capture: aws iam list-open-id-connect-providers --output json)",
			[]string{"aws iam list-open-id-connect-providers --output json"}},
		{"no discovery (capture: curl -s https://x/a > a.json); no JWKS (capture: curl -s https://x/k > k.json)",
			[]string{"curl -s https://x/a > a.json", "curl -s https://x/k > k.json"}},
		{"no token (capture one per ServiceAccount: kubectl create token SA -n NS > token.jwt; only its claims are kept)",
			[]string{"kubectl create token SA -n NS > token.jwt"}},
		{"nested (capture: sh -c 'echo $(date)')", []string{"sh -c 'echo $(date)'"}},
		{"blocked by IRSA101", nil},
		{"unclosed (capture: aws iam get-role", nil},
	} {
		if diff := cmp.Diff(tc.want, captures(tc.msg)); diff != "" {
			t.Errorf("captures(%q) (-want +got):\n%s", tc.msg, diff)
		}
	}
}

// TestMarkdownSummaryOrder: failing targets first by severity, then
// namespace and name; healthy ones counted.
func TestMarkdownSummaryOrder(t *testing.T) {
	mk := func(ns, name string) finding.Target {
		return finding.Target{Kind: "Pod", Namespace: ns, Name: name, Mechanism: "irsa", Links: links("pass", "pass", "pass", "pass", "pass")}
	}
	fail := func(id string, sev finding.Severity, tg finding.Target) finding.Finding {
		return finding.Finding{CheckID: id, Severity: sev, Status: finding.StatusFail,
			Subject: finding.Subject{Kind: tg.Kind, Namespace: tg.Namespace, Name: tg.Name}, Message: id}
	}
	a, b, c, d := mk("b", "w"), mk("a", "z"), mk("a", "y"), mk("a", "ok")
	r := result("offline", nil, []finding.Target{a, b, c, d}, []finding.Finding{
		fail("IRSA104", finding.SeverityWarning, c), fail("IRSA107", finding.SeverityError, a), fail("IRSA101", finding.SeverityError, b),
		fail("IRSA999", finding.SeverityInfo, d),
	}, nil)
	out := string(render(t, r, Options{Format: FormatMarkdown}))
	var rows []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "| Pod ") {
			rows = append(rows, strings.SplitN(l, " | ", 2)[0])
		}
	}
	if diff := cmp.Diff([]string{"| Pod a/z", "| Pod b/w", "| Pod a/y"}, rows); diff != "" {
		t.Errorf("rows (-want +got):\n%s", diff)
	}
	if !strings.Contains(out, "\n1 target healthy.\n") {
		t.Errorf("no healthy count:\n%s", out)
	}
}

// cells counts a table row's cells: its pipes that no backslash escapes,
// less one.
func cells(row string) int {
	n := 0
	for i := 0; i < len(row); i++ {
		switch row[i] {
		case '\\':
			i++
		case '|':
			n++
		}
	}
	return n - 1
}

// checkMarkdownShape asserts what a Markdown reader relies on: every row
// of the summary table has the header's cells, every fence is closed, and
// nothing a terminal acts on is printed raw.
func checkMarkdownShape(t *testing.T, out string) {
	t.Helper()
	for i, r := range out {
		if r != '\n' && termsafe.Unsafe(r) {
			t.Fatalf("raw %U at byte %d", r, i)
		}
	}
	header := -1
	open := 0
	for _, l := range strings.Split(out, "\n") {
		trimmed := strings.TrimLeft(l, " ")
		ticks := len(trimmed) - len(strings.TrimLeft(trimmed, "`"))
		switch {
		case open == 0 && ticks >= 3:
			open = ticks
			continue
		case open > 0 && ticks >= open && strings.Trim(trimmed, "`") == "":
			open = 0
			continue
		case open > 0:
			continue
		}
		if strings.HasPrefix(l, "| ") {
			if header < 0 {
				header = cells(l)
			} else if got := cells(l); got != header {
				t.Errorf("table row has %d cells, header %d: %q", got, header, l)
			}
		}
	}
	if open > 0 {
		t.Errorf("a fence of %d backticks is not closed", open)
	}
}

func TestMarkdownShape(t *testing.T) {
	for _, tc := range goldenCases {
		t.Run(tc.name, func(t *testing.T) {
			checkMarkdownShape(t, string(render(t, tc.result(), Options{Format: FormatMarkdown})))
		})
	}
	t.Run("hostile", func(t *testing.T) {
		checkMarkdownShape(t, string(render(t, mdHostileResult(), Options{Format: FormatMarkdown})))
	})
}

// FuzzMarkdown: any string in a target's name, a message, evidence and a
// fix file keeps the table's columns and the fences closed, and prints
// nothing a terminal acts on.
func FuzzMarkdown(f *testing.F) {
	for _, s := range []string{"", "a|b", "```", "a\n````\nb", "\\|", "\x1b[2J", "\u202e", "\xff", "- x\n1. y", "`"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r := mdHostileResult()
		r.Targets[0].Name = s
		r.Targets[0].Namespace = s
		r.Findings[0].Subject.Name = s
		r.Findings[0].Message = s
		r.Findings[0].Evidence = append(r.Findings[0].Evidence, finding.Evidence{Source: s, Ref: s, Value: s})
		r.Findings[0].Fix.Files = append(r.Findings[0].Fix.Files, finding.File{Name: "f.json", Content: s})
		r.Findings[1].Message = "missing (capture: " + s + ")"
		checkMarkdownShape(t, string(render(t, r, Options{Format: FormatMarkdown})))
	})
}

// TestMarkdownIncompleteAndCopies: a collection cut short says so under
// the header; copies that differ are a warning of their own, not a fact
// that could not be collected.
func TestMarkdownIncompleteAndCopies(t *testing.T) {
	r := gapsResult()
	r.Summary.Incomplete = "incomplete: timed out after 5m"
	r.Gaps = append(r.Gaps, finding.Gap{Source: "bundle", Operation: "copies", Resource: "ServiceAccount payments/s3-reader",
		Reason: "2 copies differ; used b/sa.json"})
	out := string(render(t, r, Options{Format: FormatMarkdown}))
	for _, want := range []string{
		"\n**Collection incomplete: timed out after 5m**: the report covers what was collected by then",
		"\n## Copies that differ\n\n- ServiceAccount payments/s3-reader: 2 copies differ; used b/sa.json\n",
		"\n## Could not collect\n\n- aws iam:GetRole arn:aws:iam::111122223333:role/s3-reader: AccessDenied\n- aws iam:ListOpenIDConnectProviders: AccessDenied\n",
		"No problems found in what could be checked (2 facts not collected).",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("markdown lacks %q:\n%s", want, out)
		}
	}
}
