package report

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

func TestMarkdownLines(t *testing.T) {
	tests := []struct {
		name string
		md   string
		want []string
	}{
		{name: "empty", md: "", want: nil},
		{
			name: "inline markup dropped, code span kept whole",
			md:   "Set **`fsGroup`** in the [security context](https://k8s.io/sc), then run `kubectl rollout restart deployment/api`, or \\*escape\\*. See <https://aws.amazon.com/eks>.",
			want: []string{
				"  Set fsGroup in the security context (https://k8s.io/sc), then run",
				"  kubectl rollout restart deployment/api, or *escape*. See https://aws.amazon.com/eks.",
			},
		},
		{
			name: "paragraphs, heading and rule",
			md:   "# Fix it\n\nfirst line\ncontinues here\n\n---\n\nsecond ##",
			want: []string{"  Fix it", "", "  first line continues here", "", "  second ##"},
		},
		{
			name: "lists with hanging indent and nesting",
			md:   "1. one\n2. two is a rather long item that will certainly need to wrap onto a second line at the width\n   continued\n   - nested\n- dash",
			want: []string{
				"  1. one",
				"  2. two is a rather long item that will certainly need to wrap onto a second line at the width",
				"     continued",
				"    - nested",
				"  - dash",
			},
		},
		{
			name: "fenced code verbatim inside a list item, blank lines kept",
			md:   "2. Apply it:\n\n   ```sh\n   aws iam update-assume-role-policy --role-name r --policy-document file://r.json   \n\n   echo done\n   ```\n\n3. Done.",
			want: []string{
				"  2. Apply it:",
				"",
				"    aws iam update-assume-role-policy --role-name r --policy-document file://r.json",
				"",
				"    echo done",
				"",
				"  3. Done.",
			},
		},
		{
			name: "indented code and a table",
			md:   "Run:\n\n    kubectl get sa -n payments\n\n| a | b |\n|---|---|",
			want: []string{"  Run:", "", "    kubectl get sa -n payments", "", "  | a | b |", "  |---|---|"},
		},
		{
			name: "unterminated code span and fence are literal and verbatim",
			md:   "a `b c\n~~~\nx  y\n",
			want: []string{"  a `b c", "    x  y"},
		},
		{
			name: "double backticks hold a backtick",
			md:   "use `` a`b `` here",
			want: []string{"  use a`b here"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := markdownLines(tc.md, "  ")
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("markdownLines (-want +got):\n%s", diff)
			}
		})
	}
}

// FuzzMarkdownLines: remediation text is Markdown from the registry today,
// but nothing stops a check from quoting input in it: no input may panic,
// and every line keeps the indent it was given.
func FuzzMarkdownLines(f *testing.F) {
	for _, s := range []string{"", "`", "``", "- ", "1. x", "```\n", "[a](b) **c**", "\\`x`", "#", "    x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, md string) {
		lines := markdownLines(md, "  ")
		for _, l := range lines {
			if l != "" && !strings.HasPrefix(l, "  ") {
				t.Fatalf("line %q lacks the indent", l)
			}
		}
	})
}

// TestMarkdownLinesShowEscapedValues: a value a check writes into a
// remediation with finding.MarkdownText or finding.MarkdownCode is shown
// as it is, whatever markup it holds (issue 9).
func TestMarkdownLinesShowEscapedValues(t *testing.T) {
	for _, v := range []string{
		"![x](https://tracker.example/p.png)",
		"[click](https://evil.example/)",
		"<https://evil.example/>",
		"a**b**_c_",
		`back\slash\*`,
		"tick`s",
		"pipe|and&amp;",
	} {
		md := "Edit " + finding.MarkdownText(v) + " then run `kubectl get sa`, or " + finding.MarkdownCode(v) + "."
		got := strings.Join(markdownLines(md, ""), " ")
		want := "Edit " + v + " then run kubectl get sa, or " + v + "."
		if got != want {
			t.Errorf("value %q:\n got %q\nwant %q", v, got, want)
		}
	}
}

func TestTerminal(t *testing.T) {
	tests := []struct {
		name  string
		md    string
		width int
		color bool
		want  string
	}{
		{
			name:  "headings underlined without colour, prose wrapped at the width",
			md:    "# Title\n\nsome prose that is long enough to wrap at forty-five columns, [a link](https://x.io/y)\n\n### Sub ###\n\ntext\n",
			width: 45,
			want: "Title\n=====\n\n" +
				"some prose that is long enough to wrap at\nforty-five columns, a link (https://x.io/y)\n\n" +
				"Sub\n---\n\ntext\n",
		},
		{
			name:  "headings and table header coloured",
			md:    "## Head\n\n| a | b |\n|---|---|\n| 1 | 2 |\n",
			width: 80,
			color: true,
			want:  "\x1b[1;36mHead\x1b[0m\n\n\x1b[1ma  b\x1b[0m\n1  2\n",
		},
		{
			name:  "table aligned; a pipe in code or escaped stays in its cell; a wide table is not wrapped",
			md:    "Before:\n\n| ID | value |\n|:---|--:|\n| `a|b` | x \\| y |\n| IRSA101 | a cell far wider than the narrow terminal this renders for |\nafter\n",
			width: 40,
			want: "Before:\n\n" +
				"ID       value\n" +
				"a|b      x | y\n" +
				"IRSA101  a cell far wider than the narrow terminal this renders for\n" +
				"after\n",
		},
		{
			name:  "fenced code indented and never wrapped",
			md:    "Run:\n\n```sh\naws iam update-assume-role-policy --role-name ROLE --policy-document file://ROLE.json\n```\n",
			width: 40,
			want:  "Run:\n\n  aws iam update-assume-role-policy --role-name ROLE --policy-document file://ROLE.json\n",
		},
		{
			name:  "control characters escaped",
			md:    "# a\x1b[31mred\n\nbell\a here\n",
			width: 80,
			want:  "a\\x1b[31mred\n============\n\nbell\\x07 here\n",
		},
		{
			name: "width 0 is the default 100",
			md:   strings.Repeat("word ", 30),
			want: strings.TrimSpace(strings.Repeat("word ", 20)) + "\n" + strings.TrimSpace(strings.Repeat("word ", 10)) + "\n",
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, Terminal(tc.md, tc.width, tc.color)); diff != "" {
				t.Errorf("Terminal (-want +got):\n%s", diff)
			}
		})
	}
}
