package report

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// sarifResult builds the result the SARIF unit tests read: the
// multi-failure pod (errors, a warning, an info note), one root cause
// shared by two pods of a Deployment, two ignored findings (an annotation
// and --ignore), a skipped one (never a SARIF result), and a message with
// invalid UTF-8 and terminal-active characters from a hostile bundle.
func sarifFixture(podNames ...string) *finding.Result {
	if len(podNames) == 0 {
		podNames = []string{"web-6c7d8e9f0-q8w3z", "web-6c7d8e9f0-r2d2x"}
	}
	r := multiFailureResult()
	for i := range r.Input.Files {
		r.Input.Files[i].Lines = 10 + i
	}
	owner := &finding.Ref{Kind: "Deployment", Namespace: "payments", Name: "web"}
	for _, p := range podNames {
		tg := podTarget(p, "web", links("pass", "fail:IRSA104", "unknown", "unknown", "unknown"))
		tg.Owner = owner
		r.Targets = append(r.Targets, tg)
		r.Findings = append(r.Findings, finding.Finding{
			CheckID: "IRSA104", Slug: "pod-not-mutated", Title: "The pod was not mutated by the webhook",
			Severity: finding.SeverityError, Status: finding.StatusFail, Subject: pod(p, ""),
			Message:  "pod " + p + " has no AWS_ROLE_ARN: the webhook did not mutate it",
			Evidence: []finding.Evidence{{Source: "bundle", Ref: "b/pods.json", Value: "pod " + p + ": no aws-iam-token volume"}},
		})
	}
	r.Findings = append(r.Findings,
		finding.Finding{
			CheckID: "IRSA207", Slug: "trust-too-broad", Title: "The trust policy admits more than the ServiceAccount",
			Severity: finding.SeverityWarning, Status: finding.StatusIgnored, Subject: sa("s3-reader"),
			Message:  "trust policy admits system:serviceaccount:payments:*",
			Evidence: []finding.Evidence{{Source: "bundle", Ref: "b/get-role.json", Value: "StringLike sub system:serviceaccount:payments:*"}},
			Ignored:  &finding.Ignored{Reason: "every SA of payments may use it", Source: "annotation on ServiceAccount payments/s3-reader"},
		},
		finding.Finding{
			CheckID: "IRSA110", Slug: "static-credentials-override", Title: "Static credentials override IRSA",
			Severity: finding.SeverityError, Status: finding.StatusIgnored, Subject: pod(podNames[0], "app"),
			Message:  "container app sets AWS_ACCESS_KEY_ID \xff\xfe \u009b31m \u202e",
			Evidence: []finding.Evidence{{Source: "bundle", Ref: "-", Value: "from standard input"}},
			Ignored:  &finding.Ignored{Reason: "migration", Source: "--ignore", Expires: "2027-01-31"},
		},
		skipped("IRSA305", "issuer-discovery-invalid", finding.SeverityError, oidc, "the input has no discovery document"),
	)
	finding.Sort(r.Findings)
	r.Summarise()
	return r
}

func sarifRules() []Rule {
	return []Rule{
		{ID: "IRSA104", Slug: "pod-not-mutated", Title: "The pod was not mutated", Severity: finding.SeverityError,
			Description: "Why it breaks.", Help: "## IRSA104 pod-not-mutated\n\nHow to fix it."},
		{ID: "IRSA205", Slug: "trust-subject-mismatch", Title: "The trust policy rejects the subject", Severity: finding.SeverityError,
			Description: "Why.", Help: "Help."},
	}
}

func decodeSARIF(t *testing.T, data []byte) *sarifLog {
	t.Helper()
	if !utf8.Valid(data) {
		t.Fatalf("SARIF output is not valid UTF-8")
	}
	var log sarifLog
	if err := json.Unmarshal(data, &log); err != nil {
		t.Fatalf("SARIF output does not decode: %v\n%s", err, data)
	}
	if len(log.Runs) != 1 {
		t.Fatalf("%d runs, want 1", len(log.Runs))
	}
	return &log
}

func TestSARIFResults(t *testing.T) {
	out := render(t, sarifFixture(), Options{Format: FormatSARIF, Rules: sarifRules()})
	log := decodeSARIF(t, out)
	run := log.Runs[0]
	if log.Version != "2.1.0" || run.Tool.Driver.Name != "irsa-doctor" || run.Tool.Driver.InformationURI == "" {
		t.Errorf("log version %q, driver %+v", log.Version, run.Tool.Driver)
	}

	// The registry's rules first, in its order; then a rule for each
	// check a finding names that the registry given lacks.
	var ruleIDs []string
	for _, rl := range run.Tool.Driver.Rules {
		ruleIDs = append(ruleIDs, rl.ID+" "+rl.DefaultConfiguration.Level)
	}
	wantRules := []string{"IRSA104 error", "IRSA205 error", "IRSA110 error", "IRSA206 error", "IRSA109 warning", "IRSA207 warning", "IRSA112 note"}
	if d := cmp.Diff(wantRules, ruleIDs); d != "" {
		t.Errorf("rules (-want +got):\n%s", d)
	}
	r104 := run.Tool.Driver.Rules[0]
	if r104.Name != "pod-not-mutated" || r104.Help == nil || r104.Help.Markdown != "## IRSA104 pod-not-mutated\n\nHow to fix it." ||
		r104.Help.Text != r104.Help.Markdown || r104.FullDescription.Text != "Why it breaks." ||
		r104.HelpURI != "https://github.com/irsa-doctor/irsa-doctor/blob/v0.1.0/docs/checks/IRSA104.md" {
		t.Errorf("rule IRSA104 = %+v", r104)
	}

	// One result per root cause: the two pods of Deployment web are one;
	// the skipped finding is none.
	type res struct{ rule, level, subject string }
	var got []res
	for _, r := range run.Results {
		if run.Tool.Driver.Rules[r.RuleIndex].ID != r.RuleID {
			t.Errorf("result %s has ruleIndex %d, which is %s", r.RuleID, r.RuleIndex, run.Tool.Driver.Rules[r.RuleIndex].ID)
		}
		got = append(got, res{r.RuleID, r.Level, r.Locations[0].LogicalLocations[0].FullyQualifiedName})
	}
	want := []res{
		{"IRSA104", "error", "payments/Pod/web-6c7d8e9f0-q8w3z"},
		{"IRSA110", "error", "payments/Pod/web-6c7d8e9f0-q8w3z/container/app"},
		{"IRSA205", "error", "payments/ServiceAccount/s3-reader"},
		{"IRSA206", "error", roleARN},
		{"IRSA109", "warning", "payments/Pod/api-7d9f8b6c5-x2k4p/container/app"},
		{"IRSA207", "warning", "payments/ServiceAccount/s3-reader"},
		{"IRSA112", "note", "payments/Pod/api-7d9f8b6c5-x2k4p/container/log-shipper"},
	}
	if d := cmp.Diff(want, got, cmp.AllowUnexported(res{})); d != "" {
		t.Fatalf("results (-want +got):\n%s", d)
	}

	grouped := run.Results[0]
	if !strings.HasSuffix(grouped.Message.Text, "\nAffects: 2 pods of Deployment payments/web") {
		t.Errorf("grouped message = %q, want the Affects line", grouped.Message.Text)
	}
	var related []string
	for _, l := range grouped.RelatedLocations {
		if l.LogicalLocations != nil {
			related = append(related, l.LogicalLocations[0].FullyQualifiedName)
		}
	}
	if d := cmp.Diff([]string{"payments/Pod/web-6c7d8e9f0-q8w3z", "payments/Pod/web-6c7d8e9f0-r2d2x"}, related); d != "" {
		t.Errorf("affected objects as related locations (-want +got):\n%s", d)
	}

	// Bundle files: relative URIs under %SRCROOT%, the whole file as the
	// region; standard input has no physical location.
	trust := run.Results[2]
	pl := trust.Locations[0].PhysicalLocation
	if pl == nil || pl.ArtifactLocation.URI != "b/get-role.json" || pl.ArtifactLocation.URIBaseID != "%SRCROOT%" ||
		pl.Region == nil || *pl.Region != (sarifRegion{StartLine: 1, EndLine: 14}) {
		t.Errorf("IRSA205 physical location = %+v", pl)
	}
	if len(trust.RelatedLocations) != 1 || trust.RelatedLocations[0].PhysicalLocation.ArtifactLocation.URI != "b/serviceaccounts.json" ||
		trust.RelatedLocations[0].Message.Text != "ServiceAccount payments/s3-reader" {
		t.Errorf("IRSA205 related locations = %+v", trust.RelatedLocations)
	}
	if run.Results[1].Locations[0].PhysicalLocation != nil {
		t.Errorf("evidence from standard input has a physical location: %+v", run.Results[1].Locations[0].PhysicalLocation)
	}
	if _, ok := run.OriginalURIBaseIDs["%SRCROOT%"]; !ok {
		t.Errorf("originalUriBaseIds = %v, want %%SRCROOT%%", run.OriginalURIBaseIDs)
	}
	if d := cmp.Diff(trustSubjectMismatch().Fix.Script(), trust.Properties.FixScript); d != "" {
		t.Errorf("fixScript is not the fix.sh lines (-want +got):\n%s", d)
	}

	// Ignored findings are suppressed results: an annotation is in the
	// analysed files, --ignore outside them.
	wantSup := map[string]sarifSuppression{
		"IRSA110": {Kind: "external", Status: "accepted", Justification: "migration (--ignore) until 2027-01-31"},
		"IRSA207": {Kind: "inSource", Status: "accepted", Justification: "every SA of payments may use it (annotation on ServiceAccount payments/s3-reader)"},
	}
	for _, r := range run.Results {
		w, ok := wantSup[r.RuleID]
		switch {
		case ok && (len(r.Suppressions) != 1 || r.Suppressions[0] != w):
			t.Errorf("%s suppressions = %+v, want %+v", r.RuleID, r.Suppressions, w)
		case !ok && r.Suppressions != nil:
			t.Errorf("%s is suppressed: %+v", r.RuleID, r.Suppressions)
		}
	}
}

// TestSARIFFingerprints: an alert keeps its identity across runs when the
// pods are replaced (new names), and two root causes never share one.
func TestSARIFFingerprints(t *testing.T) {
	prints := func(r *finding.Result) map[string]string {
		log := decodeSARIF(t, render(t, r, Options{Format: FormatSARIF}))
		out := map[string]string{}
		for _, res := range log.Runs[0].Results {
			p := res.PartialFingerprints[fingerprintKey]
			if p == "" {
				t.Errorf("%s has no %s fingerprint", res.RuleID, fingerprintKey)
			}
			out[res.RuleID] = p
		}
		return out
	}
	before := prints(sarifFixture())
	after := prints(sarifFixture("web-5f6d7c8b9-aaaaa", "web-5f6d7c8b9-bbbbb", "web-5f6d7c8b9-ccccc"))
	if d := cmp.Diff(before, after); d != "" {
		t.Errorf("fingerprints changed with the pods' names (-before +after):\n%s", d)
	}
	seen := map[string]string{}
	for rule, p := range before {
		if other, ok := seen[p]; ok {
			t.Errorf("%s and %s share fingerprint %s", rule, other, p)
		}
		seen[p] = rule
	}
}

func TestSARIFVersions(t *testing.T) {
	for _, tc := range []struct{ in, driver, ref string }{
		{"v0.1.0", "0.1.0", "v0.1.0"},
		{"v1.12.3", "1.12.3", "v1.12.3"},
		{"v1.2.3-rc.1", "1.2.3-rc.1", "main"},
		{"v0.0.0-20261206120000-abcdef123456", "0.0.0-20261206120000-abcdef123456", "main"},
		{"v1.2.3+dirty", "1.2.3+dirty", "main"},
		{"devel", "0.0.0-devel", "main"},
		{"(devel)", "0.0.0-devel", "main"},
		{"", "0.0.0-unknown", "main"},
	} {
		if got := sarifToolVersion(tc.in); got != tc.driver {
			t.Errorf("sarifToolVersion(%q) = %q, want %q", tc.in, got, tc.driver)
		}
		if got := docsRef(tc.in); got != tc.ref {
			t.Errorf("docsRef(%q) = %q, want %q", tc.in, got, tc.ref)
		}
	}
	r := healthyResult()
	r.Tool.Version = "devel"
	log := decodeSARIF(t, render(t, r, Options{Format: FormatSARIF, Rules: sarifRules()}))
	d := log.Runs[0].Tool.Driver
	if d.Version != "0.0.0-devel" || d.Properties == nil || d.Properties.ToolVersion != "devel" ||
		!strings.Contains(d.Rules[0].HelpURI, "/blob/main/docs/checks/IRSA104.md") {
		t.Errorf("driver = %+v", d)
	}
}

// TestSARIFUntrustedText: a message with invalid UTF-8, a C1 control and a
// bidi override from the bundle is valid UTF-8 JSON, with the
// terminal-active characters escaped as in the JSON report.
func TestSARIFUntrustedText(t *testing.T) {
	out := render(t, sarifFixture(), Options{Format: FormatSARIF})
	if !utf8.Valid(out) {
		t.Fatal("not valid UTF-8")
	}
	for _, raw := range []string{"\u009b", "\u202e", "\xff"} {
		if bytes.Contains(out, []byte(raw)) {
			t.Errorf("output holds %q raw", raw)
		}
	}
	if !bytes.Contains(out, []byte(`\u009b31m \u202e`)) || !bytes.Contains(out, []byte("\ufffd\ufffd")) {
		t.Errorf("the hostile message is not escaped as expected")
	}
}

func TestSARIFLocations(t *testing.T) {
	for _, tc := range []struct {
		subj finding.Subject
		fqn  string
		name string
	}{
		{finding.Subject{Kind: "ServiceAccount", Namespace: "payments", Name: "s3-reader"}, "payments/ServiceAccount/s3-reader", "s3-reader"},
		{finding.Subject{Kind: "Deployment", Namespace: "payments", Name: "api", Container: "app"}, "payments/Deployment/api/container/app", "app"},
		{finding.Subject{Kind: "IAMRole", Name: "r", ARN: "arn:aws:iam::111122223333:role/r"}, "arn:aws:iam::111122223333:role/r", "r"},
		{finding.Subject{Kind: "OIDCProvider", ARN: oidcARN}, oidcARN, oidcARN},
		{finding.Subject{Kind: "MutatingWebhookConfiguration", Name: "pod-identity-webhook"}, "MutatingWebhookConfiguration/pod-identity-webhook", "pod-identity-webhook"},
	} {
		got := subjectLocation(tc.subj)
		if got != (sarifLogicalLocation{Name: tc.name, FullyQualifiedName: tc.fqn, Kind: "resource"}) {
			t.Errorf("subjectLocation(%+v) = %+v", tc.subj, got)
		}
	}
	for ref, want := range map[string]string{
		"b/pods.json":         "b/pods.json",
		"my bundle/a#1?.json": "my%20bundle/a%231%3F.json",
		"c:x/pods.json":       "./c:x/pods.json",
		"/abs/pods.json":      "file:///abs/pods.json",
	} {
		got, ok := bundleLocation(ref)
		if !ok || got.URI != want || (got.URIBaseID == "") != strings.HasPrefix(ref, "/") {
			t.Errorf("bundleLocation(%q) = %+v, want uri %q", ref, got, want)
		}
	}
	if _, ok := bundleLocation("-"); ok {
		t.Error("standard input has a location")
	}
}

// TestSARIFManyPods: a root cause shared by 300 pods is one result whose
// related locations stay within what GitHub code scanning accepts, while
// properties.affects lists every pod.
func TestSARIFManyPods(t *testing.T) {
	var names []string
	for i := 0; i < 300; i++ {
		names = append(names, fmt.Sprintf("web-6c7d8e9f0-%05d", i))
	}
	log := decodeSARIF(t, render(t, sarifFixture(names...), Options{Format: FormatSARIF}))
	res := log.Runs[0].Results[0]
	if res.RuleID != "IRSA104" || len(res.RelatedLocations) != maxRelated || len(res.Properties.Affects) != 300 ||
		!strings.HasSuffix(res.Message.Text, "Affects: 300 pods of Deployment payments/web") {
		t.Errorf("%s: %d related locations, %d affected, message %q", res.RuleID, len(res.RelatedLocations), len(res.Properties.Affects), res.Message.Text)
	}
}

// TestSARIFNoFindings: a healthy run is a log with rules and no results
// ([] rather than absent: the analysis ran and found nothing).
func TestSARIFNoFindings(t *testing.T) {
	out := render(t, healthyResult(), Options{Format: FormatSARIF, Rules: sarifRules()})
	if !bytes.Contains(out, []byte(`"results": []`)) || bytes.Contains(out, []byte("originalUriBaseIds")) {
		t.Errorf("healthy log:\n%s", out)
	}
}

func TestSARIFGolden(t *testing.T) {
	golden(t, "fixture.sarif", render(t, sarifFixture(), Options{Format: FormatSARIF, Rules: sarifRules()}))
}

// TestSARIFGaps: what the run could not see is a tool execution
// notification, never silence: each gap, each file not read in full, and a
// collection cut short.
func TestSARIFGaps(t *testing.T) {
	r := gapsResult()
	r.Summary.Incomplete = "incomplete: timed out after 5m"
	log := decodeSARIF(t, render(t, r, Options{Format: FormatSARIF}))
	inv := log.Runs[0].Invocations
	if len(inv) != 1 || !inv[0].ExecutionSuccessful {
		t.Fatalf("invocations = %+v", inv)
	}
	var got []string
	for _, n := range inv[0].ToolExecutionNotifications {
		s := n.Level + " " + n.Message.Text
		if len(n.Locations) > 0 {
			s += " @ " + n.Locations[0].PhysicalLocation.ArtifactLocation.URI
		}
		got = append(got, s)
	}
	want := []string{
		"error incomplete: timed out after 5m: targets not diagnosed are listed with the gaps",
		"warning input file not read in full: b/get-role.json:3:1: unexpected end of JSON input @ b/get-role.json",
		"warning not collected: aws iam:GetRole " + roleARN + ": AccessDenied (the checks that need it are skipped)",
		"warning not collected: aws iam:ListOpenIDConnectProviders: AccessDenied (the checks that need it are skipped)",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("notifications (-want +got):\n%s", d)
	}
	if len(log.Runs[0].Results) != 0 {
		t.Errorf("skipped findings became results: %+v", log.Runs[0].Results)
	}
}
