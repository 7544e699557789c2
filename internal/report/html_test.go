package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestHTMLChainBoxes is the mapping of the engine's five links onto the
// diagram's boxes (html.go, chainBox): which box a check breaks, and what
// the boxes around it show.
func TestHTMLChainBoxes(t *testing.T) {
	type box struct{ node, status, checks string }
	for _, tc := range []struct {
		name      string
		mechanism string
		links     []finding.Link
		want      []box
	}{
		{
			name: "role broken", mechanism: "irsa",
			links: links("pass", "pass", "fail:IRSA205", "pass", "pass"),
			want: []box{{"ServiceAccount", "pass", ""}, {"webhook", "pass", ""}, {"token", "pass", ""},
				{"role", "fail", "IRSA205"}, {"provider", "pass", ""}, {"issuer", "pass", ""}},
		},
		{
			// The token is the webhook link's, but IRSA106 is about the
			// token: the webhook did its part.
			name: "token unreadable", mechanism: "irsa",
			links: links("pass", "fail:IRSA106", "pass", "pass", "pass"),
			want: []box{{"ServiceAccount", "pass", ""}, {"webhook", "pass", ""}, {"token", "fail", "IRSA106"},
				{"role", "pass", ""}, {"provider", "pass", ""}, {"issuer", "pass", ""}},
		},
		{
			// No mutation, no token to judge.
			name: "webhook missing", mechanism: "irsa",
			links: links("pass", "fail:IRSA107", "unknown:IRSA201: blocked by IRSA107", "pass", "pass"),
			want: []box{{"ServiceAccount", "pass", ""}, {"webhook", "fail", "IRSA107"}, {"token", "unknown", ""},
				{"role", "unknown", ""}, {"provider", "pass", ""}, {"issuer", "pass", ""}},
		},
		{
			name: "both webhook boxes", mechanism: "irsa",
			links: links("pass", "fail:IRSA104, IRSA112", "pass", "pass", "pass"),
			want: []box{{"ServiceAccount", "pass", ""}, {"webhook", "fail", "IRSA104"}, {"token", "fail", "IRSA112"},
				{"role", "pass", ""}, {"provider", "pass", ""}, {"issuer", "pass", ""}},
		},
		{
			name: "association missing", mechanism: "pod-identity",
			links: links("fail:IRSA402", "pass", "pass", "unknown:not used by EKS Pod Identity", "unknown:not used by EKS Pod Identity"),
			want:  []box{{"ServiceAccount", "pass", ""}, {"association", "fail", "IRSA402"}, {"agent", "pass", ""}, {"role trust", "pass", ""}},
		},
		{
			name: "agent unavailable", mechanism: "pod-identity",
			links: links("pass", "fail:IRSA403", "fail:IRSA404", "unknown:not used by EKS Pod Identity", "unknown:not used by EKS Pod Identity"),
			want:  []box{{"ServiceAccount", "pass", ""}, {"association", "pass", ""}, {"agent", "fail", "IRSA403"}, {"role trust", "fail", "IRSA404"}},
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			nodes := chainNodes(finding.Target{Kind: "Pod", Namespace: "ns", Name: "p", Mechanism: tc.mechanism, Links: tc.links})
			if nodes[0].Label != "Pod" || nodes[0].Status != "start" {
				t.Errorf("first box %+v, want the Pod", nodes[0])
			}
			var got []box
			for _, n := range nodes[1:] {
				got = append(got, box{n.Node, n.Status, n.Checks})
			}
			if d := cmp.Diff(tc.want, got, cmp.AllowUnexported(box{})); d != "" {
				t.Errorf("boxes (-want +got):\n%s", d)
			}
		})
	}
}

// TestHTMLFixCommands: a here-document is one command, copied whole; a
// comment is shown, not copied; every copy is the fix.sh text exactly.
func TestHTMLFixCommands(t *testing.T) {
	fix := &finding.Fix{Files: []finding.File{{Name: "r.json", Content: "{\n  \"a\": 1\n}\n"}}}
	fix.AddStep(finding.Step{Argv: []string{"aws", "iam", "update-assume-role-policy", "--role-name", "r", "--policy-document", "file://r.json"}})
	fix.AddStep(finding.Step{Argv: []string{"aws", "iam", "get-role", "--role-name", "it's"}, Off: "an alternative"})
	script := fix.Script()
	got := fixCommands(script)
	decode := func(s string) string {
		if s == "" {
			return ""
		}
		var v string
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			t.Fatalf("copy payload %q is not a JSON string: %v", s, err)
		}
		return v
	}
	var copies []string
	for _, c := range got {
		copies = append(copies, decode(c.Copy))
	}
	want := []string{
		strings.Join(script[:5], "\n"), // cat > r.json <<'IRSA_DOCTOR_EOF' ... IRSA_DOCTOR_EOF
		script[5],
		"", // # an alternative
		"", // # aws iam get-role ... (commented out)
	}
	if d := cmp.Diff(want, copies); d != "" {
		t.Errorf("copy payloads (-want +got):\n%s\nscript:\n%s", d, strings.Join(script, "\n"))
	}
}

// TestHTMLEscapesInputValues renders the result with hostile values in
// every field: no raw control character reaches the page, markup stays
// text, and the page's only script is its own.
func TestHTMLEscapesInputValues(t *testing.T) {
	r := hostileResult()
	r.Findings[0].Message += `<img src=x onerror=alert(1)>`
	r.Targets[0].Name += `"><script>alert(1)</script>`
	out := string(render(t, r, Options{Format: FormatHTML}))
	rawControl(t, out, false)
	if n := strings.Count(out, "<script"); n != 1 {
		t.Errorf("%d script elements, want 1 (the page's own)", n)
	}
	for _, bad := range []string{"<img", `"><script>`, "\u202e"} {
		if strings.Contains(out, bad) {
			t.Errorf("raw %q in the page", bad)
		}
	}
	if !strings.Contains(out, "&lt;img src=x onerror=alert(1)&gt;") {
		t.Error("the markup in the message is not shown as text")
	}
}

// TestHTMLSections: each kind of result gets its section.
func TestHTMLSections(t *testing.T) {
	ignored := multiFailureResult()
	ignored.Findings[0].Status = finding.StatusIgnored
	ignored.Findings[0].Ignored = &finding.Ignored{Reason: "migration in progress", Source: "--ignore", Expires: "2027-01-31"}
	ignored.Summarise()
	for _, tc := range []struct {
		name   string
		r      *finding.Result
		opts   Options
		want   []string
		absent []string
	}{
		{"healthy", healthyResult(), Options{}, []string{`<p class="healthy">No problems found.</p>`, "1 target healthy"}, []string{`id="chains"`, `id="summary-irsa"`}},
		{"shared", sharedResult(), Options{}, []string{`id="summary-irsa"`, `id="chains"`, `data-node="provider"`, `id="skipped"`}, []string{`id="summary-pod-identity"`}},
		{"pod identity", podIdentityResult(), Options{}, []string{"1 target healthy"}, nil},
		{"passed", showPassedResult(), Options{ShowPassed: true}, []string{`id="passed"`}, nil},
		{"ignored", ignored, Options{}, []string{`id="ignored"`, "migration in progress", "expires 2027-01-31"}, nil},
		{"gaps", gapsResult(), Options{}, []string{`id="gaps"`, `id="unused"`, "b/notes.txt: not recognised"}, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Format = FormatHTML
			out := string(render(t, tc.r, tc.opts))
			for _, w := range tc.want {
				if !strings.Contains(out, w) {
					t.Errorf("no %q in the page", w)
				}
			}
			for _, a := range tc.absent {
				if strings.Contains(out, a) {
					t.Errorf("%q in the page", a)
				}
			}
		})
	}
}

// TestHTMLPodIdentityRow: a failing pod-identity target is a row of its own
// table, its columns the association, the agent and the role trust.
func TestHTMLPodIdentityRow(t *testing.T) {
	r := podIdentityResult()
	r.Targets[0].Links = links("fail:IRSA402", "pass", "pass", "unknown:not used by EKS Pod Identity", "unknown:not used by EKS Pod Identity")
	r.Findings = []finding.Finding{{CheckID: "IRSA402", Slug: "association-target-missing", Severity: finding.SeverityError,
		Status: finding.StatusFail, Subject: finding.Subject{Kind: "PodIdentityAssociation", Name: "a-1"}, Message: "m", Evidence: []finding.Evidence{}}}
	r.Summarise()
	page := buildHTML(r, Options{Format: FormatHTML})
	if len(page.PIRows) != 1 || len(page.IRSARows) != 0 {
		t.Fatalf("%d pod-identity rows, %d IRSA rows; want 1, 0", len(page.PIRows), len(page.IRSARows))
	}
	var cells []string
	for _, c := range page.PIRows[0].Cells {
		cells = append(cells, c.Status)
	}
	if d := cmp.Diff([]string{"fail", "pass", "pass"}, cells); d != "" {
		t.Errorf("cells (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"IRSA402"}, page.PIRows[0].Checks); d != "" {
		t.Errorf("checks (-want +got):\n%s", d)
	}
}

// TestHTMLJSONString: a payload with control, bidi and astral characters
// is written without any of them raw, and decodes to itself.
func TestHTMLJSONString(t *testing.T) {
	for _, s := range []string{"plain", evilClear + evilOSC52, evilBidi + evilNEL + "\r\n", "\u2028\U0001F600</script>", "'it''s'"} {
		enc := jsonString(s)
		rawControl(t, enc, false)
		if strings.Contains(enc, "<") {
			t.Errorf("jsonString(%q) = %s holds a raw <", s, enc)
		}
		var got string
		if err := json.Unmarshal([]byte(enc), &got); err != nil || got != s {
			t.Errorf("jsonString(%q) = %s decodes to %q, %v", s, enc, got, err)
		}
	}
}

// TestHTMLSharedChains: pods of one workload with the same chain share one
// diagram (the workload's when it is drawn, else the first pod's); a pod
// whose chain differs gets its own; every row keeps its own id.
func TestHTMLSharedChains(t *testing.T) {
	owner := &finding.Ref{Kind: "Deployment", Namespace: "payments", Name: "api"}
	broken := links("pass", "fail:IRSA104", "pass", "pass", "pass")
	var targets []finding.Target
	for _, name := range []string{"api-1", "api-2", "api-3"} {
		tg := podTarget(name, "s3-reader", broken)
		tg.Owner = owner
		targets = append(targets, tg)
	}
	targets[2].Links = links("pass", "pass", "fail:IRSA205", "pass", "pass")
	r := result("offline", nil, targets, []finding.Finding{}, []finding.Gap{})
	page := buildHTML(r, Options{Format: FormatHTML})
	var drawn, also []string
	for _, c := range page.Chains {
		drawn = append(drawn, c.Target)
		also = append(also, c.Also)
	}
	if d := cmp.Diff([]string{"Pod payments/api-1", "Pod payments/api-3"}, drawn); d != "" {
		t.Errorf("diagrams (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]string{"1 pod of Deployment payments/api", ""}, also); d != "" {
		t.Errorf("shared (-want +got):\n%s", d)
	}
	ids := map[string]bool{}
	for _, row := range page.IRSARows {
		if ids[row.ID] {
			t.Errorf("row id %s twice", row.ID)
		}
		ids[row.ID] = true
	}
	if a, b := page.IRSARows[0].Anchor, page.IRSARows[1].Anchor; a != b {
		t.Errorf("api-2 links to %s, want api-1's diagram %s", b, a)
	}
}

// TestHTMLSymptoms: a target's observed errors are a Symptoms column, on
// every row of the table once one has some; a hostile title is text.
func TestHTMLSymptoms(t *testing.T) {
	sick := podTarget("api-1", "s3-reader", links("pass", "pass", "pass", "fail:IRSA303", "pass"))
	sick.Symptoms = []finding.Symptom{{Source: "log", Container: "app", Signature: "sts-incorrect-token-audience",
		Title: "Incorrect token audience <img src=x onerror=alert(1)>", Count: 3, ExplainedBy: []string{"IRSA303"}}}
	other := podTarget("api-2", "s3-reader", links("pass", "pass", "pass", "fail:IRSA303", "pass"))
	r := result("offline", nil, []finding.Target{sick, other}, []finding.Finding{}, []finding.Gap{})
	page := buildHTML(r, Options{Format: FormatHTML})
	if !page.HasSymptoms || len(page.IRSARows) != 2 {
		t.Fatalf("HasSymptoms %v, %d rows", page.HasSymptoms, len(page.IRSARows))
	}
	want := []string{"app: 3× Incorrect token audience <img src=x onerror=alert(1)> → IRSA303"}
	if d := cmp.Diff(want, page.IRSARows[0].Symptoms); d != "" || !page.IRSARows[1].SymptomsColumn {
		t.Errorf("symptoms (-want +got):\n%s; second row's column %v", d, page.IRSARows[1].SymptomsColumn)
	}
	var b bytes.Buffer
	if err := writeHTML(&b, r, Options{Format: FormatHTML}); err != nil {
		t.Fatal(err)
	}
	if out := b.String(); !strings.Contains(out, "<th>Symptoms</th>") || strings.Contains(out, "<img src=x") ||
		!strings.Contains(out, "&lt;img src=x onerror=alert(1)&gt; → IRSA303</td>") {
		t.Errorf("the Symptoms column is missing or not escaped:\n%s", out)
	}
}
