package check

import (
	"slices"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestObservedEvidenceOnSharedFinding: a failing finding recorded once for
// many targets (Recorder.RecordShared) gets each target's observed errors
// on a copy of its own, so that one target's log line never appears as
// another's evidence and merge lists them in target order, as when each
// target had its own finding.
func TestObservedEvidenceOnSharedFinding(t *testing.T) {
	pod := func(name string) *model.Target {
		p := &snapshot.Pod{ObjectMeta: snapshot.ObjectMeta{Name: name, Namespace: "n"}}
		return &model.Target{Kind: "Pod", Namespace: "n", Name: name, Pod: p, Meta: &p.ObjectMeta, Spec: &p.Spec}
	}
	a, b := pod("a"), pod("b")
	obs := func(p string) *snapshot.Observation {
		return &snapshot.Observation{Source: snapshot.ObservedInLog, Namespace: "n", Pod: p, Container: "c",
			Signature: "sig", Title: "an error", Candidates: []string{irsa305.ID}, Sample: "error of " + p, Count: 1,
			File: snapshot.Source{Kind: "bundle", Ref: p + ".log"}}
	}
	s := &snapshot.Snapshot{Observations: []*snapshot.Observation{obs("a"), obs("b")}}
	ctx := &model.Context{Snap: s, Targets: []*model.Target{a, b}}
	shared := &finding.Finding{CheckID: irsa305.ID, Status: finding.StatusFail, Severity: finding.SeverityError,
		Subject: finding.Subject{Kind: "EKSCluster", Name: "prod"}, Message: "the discovery document's issuer differs",
		Evidence: []finding.Evidence{{Value: "discovery document"}}}
	recsA := []record{{target: a, check: irsa305, status: finding.StatusFail, severity: finding.SeverityError, f: shared}}
	recsB := []record{{target: b, check: irsa305, status: finding.StatusFail, severity: finding.SeverityError, f: shared}}
	for _, c := range []struct {
		t    *model.Target
		recs []record
	}{{a, recsA}, {b, recsB}} {
		sy := observe(ctx, c.t, c.recs)
		if len(sy) != 1 || len(sy[0].ExplainedBy) != 1 || sy[0].ExplainedBy[0] != irsa305.ID {
			t.Fatalf("%s: symptoms %+v", c.t.Name, sy)
		}
	}
	if len(shared.Evidence) != 1 {
		t.Fatalf("the shared finding was changed: %+v", shared.Evidence)
	}
	for _, c := range []struct {
		recs []record
		ref  string
	}{{recsA, "a.log"}, {recsB, "b.log"}} {
		ev := c.recs[0].f.Evidence
		if c.recs[0].f == shared || len(ev) != 2 || ev[0].Value != "discovery document" || ev[1].Ref != c.ref {
			t.Errorf("evidence %+v, want the shared finding's and the observation of %s", ev, c.ref)
		}
	}
	// Merged: the shared evidence, a's observation and a, then b's.
	got := mergeRuns([][]record{recsA, recsB}, false)
	var refs []string
	for _, e := range got[0].Evidence {
		refs = append(refs, e.Ref+"|"+e.Value[:min(len(e.Value), 12)])
	}
	want := []string{"|discovery do", "a.log|observed: si", "|affects Pod ", "b.log|observed: si", "|affects Pod "}
	if len(got) != 1 || !slices.Equal(refs, want) {
		t.Errorf("merged evidence %q, want %q", refs, want)
	}
}
