package cli

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestSymptomsAcceptance is issue 12's acceptance, end to end: a bundle of
// a pod, its ServiceAccount and a log with "Incorrect token audience"
// reports IRSA501 naming IRSA303 and the provider's capture commands;
// with the provider captured, IRSA303 fails with the log line as evidence
// and IRSA501 is gone. Timestamps appear in targets[].symptoms[] only.
// (The test environment has no UTF-8 locale: the text report is ASCII.)
func TestSymptomsAcceptance(t *testing.T) {
	src := "../check/testdata/scenarios/irsa303-observed-audience-error"
	logRel := "logs/orders/order-sync-b99e9fdf57-a2b0b/order-sync.log"
	dir := t.TempDir()
	copyFile := func(rel string) {
		t.Helper()
		b, err := os.ReadFile(filepath.Join(src, rel))
		if err != nil {
			t.Fatal(err)
		}
		p := filepath.Join(dir, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, rel := range []string{"pod.json", "serviceaccount.json", logRel} {
		copyFile(rel)
	}
	analyze := func() (finding.Result, string) {
		t.Helper()
		r := runCLI(t, "", "analyze", "-o", "json", "--fail-on", "none", dir)
		if r.code != ExitOK {
			t.Fatalf("exit %d: %s", r.code, r.stderr)
		}
		var res finding.Result
		if err := json.Unmarshal([]byte(r.stdout), &res); err != nil {
			t.Fatal(err)
		}
		return res, r.stdout
	}
	findingOf := func(res finding.Result, id string, st finding.Status) *finding.Finding {
		for i, f := range res.Findings {
			if f.CheckID == id && f.Status == st {
				return &res.Findings[i]
			}
		}
		return nil
	}
	noTimesInFindings := func(res finding.Result) {
		t.Helper()
		b, _ := json.Marshal(res.Findings)
		if strings.Contains(string(b), "2026-11-26T11:5") {
			t.Errorf("a finding carries a timestamp: %s", b)
		}
	}

	res, _ := analyze()
	f501 := findingOf(res, "IRSA501", finding.StatusFail)
	if f501 == nil || !strings.Contains(f501.Message, "Incorrect token audience") {
		t.Fatalf("no IRSA501 failure: %+v", res.Findings)
	}
	var ev []string
	for _, e := range f501.Evidence {
		ev = append(ev, e.Value)
	}
	all := strings.Join(ev, "\n")
	for _, want := range []string{"IRSA303 skipped", "capture: aws iam list-open-id-connect-providers --output json",
		"capture: aws iam get-open-id-connect-provider", "aws eks describe-cluster"} {
		if !strings.Contains(all, want) {
			t.Errorf("IRSA501 evidence lacks %q:\n%s", want, all)
		}
	}
	if len(res.Targets) != 1 || len(res.Targets[0].Symptoms) != 1 {
		t.Fatalf("targets %+v", res.Targets)
	}
	sy := res.Targets[0].Symptoms[0]
	if sy.Source != "log" || sy.Container != "order-sync" || sy.Count != 2 || sy.First == "" || sy.Last == "" || len(sy.ExplainedBy) != 0 {
		t.Errorf("symptom %+v", sy)
	}
	noTimesInFindings(res)

	// The provider capture added: the role, describe-cluster, the provider
	// list and the provider whose ClientIDList lacks sts.amazonaws.com.
	for _, rel := range []string{"describe-cluster.json", "get-role-orders-order-sync.json", "oidc-providers.json", "oidc-provider.json"} {
		copyFile(rel)
	}
	res, _ = analyze()
	if f := findingOf(res, "IRSA501", finding.StatusFail); f != nil {
		t.Errorf("IRSA501 still fails: %s", f.Message)
	}
	f303 := findingOf(res, "IRSA303", finding.StatusFail)
	if f303 == nil {
		t.Fatalf("IRSA303 does not fail: %+v", res.Findings)
	}
	if !slices.ContainsFunc(f303.Evidence, func(e finding.Evidence) bool {
		return strings.HasSuffix(e.Ref, logRel) && strings.Contains(e.Value, "observed: sts-incorrect-token-audience in container order-sync, 2 times") &&
			strings.Contains(e.Value, "Incorrect token audience")
	}) {
		t.Errorf("IRSA303 evidence lacks the log line: %+v", f303.Evidence)
	}
	if got := res.Targets[0].Symptoms[0].ExplainedBy; !slices.Equal(got, []string{"IRSA303"}) {
		t.Errorf("explainedBy %v", got)
	}
	noTimesInFindings(res)

	text := runCLI(t, "", "analyze", "--fail-on", "none", "--no-color", dir).stdout
	for _, want := range []string{"SYMPTOMS", "order-sync: 2x InvalidIdentityToken", "observed: sts-incorrect-token-audience"} {
		if !strings.Contains(text, want) {
			t.Errorf("text report lacks %q:\n%s", want, text)
		}
	}
}
