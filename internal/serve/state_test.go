package serve

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

func chain(kind, ns, name, mech string, links ...finding.Link) finding.Target {
	return finding.Target{Kind: kind, Namespace: ns, Name: name, Mechanism: mech, Links: links}
}

var (
	pass    = finding.Link{Link: "iam-role", Status: finding.LinkPass}
	fail    = finding.Link{Link: "iam-role", Status: finding.LinkFail}
	unknown = finding.Link{Link: "iam-role", Status: finding.LinkUnknown, Detail: "the role could not be read"}
	notUsed = finding.Link{Link: "webhook", Status: finding.LinkUnknown, Detail: notUsedByPodIdentity}
)

func fnd(check, slug string, status finding.Status, subj finding.Subject, affects ...finding.Ref) finding.Finding {
	return finding.Finding{CheckID: check, Slug: slug, Severity: finding.SeverityError, Status: status, Subject: subj, Message: check + " on " + subj.Name, Affects: affects}
}

func ref(kind, ns, name string) finding.Ref {
	return finding.Ref{Kind: kind, Namespace: ns, Name: name}
}

// full is the first full diagnosis of the aggregation tests: a role whose
// trust policy fails for three targets in two namespaces, a pod's own
// failure on two containers, an ignored and a skipped finding.
func fullResult() *finding.Result {
	role := finding.Subject{Kind: "IAMRole", Name: "arn:aws:iam::111122223333:role/s3"}
	return &finding.Result{
		Targets: []finding.Target{
			chain("Deployment", "payments", "api", "irsa", fail),
			chain("Pod", "payments", "api-1", "irsa", fail),
			chain("Pod", "billing", "job-1", "irsa", fail),
			chain("Pod", "payments", "pi-1", "pod-identity", pass, notUsed),
			chain("Pod", "payments", "cold-1", "irsa", unknown),
		},
		Findings: []finding.Finding{
			fnd("IRSA205", "trust-subject-mismatch", finding.StatusFail, role, ref("Deployment", "payments", "api"), ref("Pod", "payments", "api-1"), ref("Pod", "billing", "job-1")),
			fnd("IRSA110", "static-credentials-override", finding.StatusFail, finding.Subject{Kind: "Pod", Namespace: "payments", Name: "api-1", Container: "app"}),
			fnd("IRSA110", "static-credentials-override", finding.StatusFail, finding.Subject{Kind: "Pod", Namespace: "payments", Name: "api-1", Container: "sidecar"}),
			fnd("IRSA207", "trust-too-broad", finding.StatusIgnored, role, ref("Pod", "payments", "api-1")),
			fnd("IRSA202", "trust-action-missing", finding.StatusSkipped, finding.Subject{Kind: "Pod", Namespace: "payments", Name: "cold-1"}),
		},
	}
}

func TestAggregate(t *testing.T) {
	s := NewState()
	tr := s.Apply(fullResult(), Touched{Full: true})
	findings, targets := s.Aggregate()
	wantF := map[FindingLabels]int{
		{"IRSA205", "trust-subject-mismatch", "error", "payments", "IAMRole"}:  1,
		{"IRSA205", "trust-subject-mismatch", "error", "billing", "IAMRole"}:   1,
		{"IRSA110", "static-credentials-override", "error", "payments", "Pod"}: 1, // two containers, one subject
	}
	if diff := cmp.Diff(wantF, findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	wantT := map[TargetLabels]int{
		{"payments", "irsa", StateFailing}:         2,
		{"billing", "irsa", StateFailing}:          1,
		{"payments", "pod-identity", StateHealthy}: 1,
		{"payments", "irsa", StateUnknown}:         1,
	}
	if diff := cmp.Diff(wantT, targets); diff != "" {
		t.Errorf("targets (-want +got):\n%s", diff)
	}
	if len(tr.Appeared) != 2 || tr.Appeared[0].Check != "IRSA110" || tr.Appeared[1].Check != "IRSA205" || len(tr.Resolved) != 0 {
		t.Errorf("transitions %+v, want IRSA110 and IRSA205 appeared", tr)
	}
	if got := len(tr.Appeared[1].Targets); got != 3 {
		t.Errorf("IRSA205 appeared with %d targets, want 3", got)
	}
}

// TestApplyPartial: a re-diagnosis of some targets replaces only theirs;
// a failure shared with a target not re-diagnosed stays until it clears
// there too.
func TestApplyPartial(t *testing.T) {
	s := NewState()
	s.Apply(fullResult(), Touched{Full: true})
	keep := Touched{Targets: map[string]bool{"Pod/payments/api-1": true}}
	// api-1 is fixed: no static credentials, and its role's trust admits it.
	tr := s.Apply(&finding.Result{Targets: []finding.Target{chain("Pod", "payments", "api-1", "irsa", pass)}}, keep)
	findings, targets := s.Aggregate()
	wantF := map[FindingLabels]int{
		{"IRSA205", "trust-subject-mismatch", "error", "payments", "IAMRole"}: 1, // still the Deployment's
		{"IRSA205", "trust-subject-mismatch", "error", "billing", "IAMRole"}:  1,
	}
	if diff := cmp.Diff(wantF, findings); diff != "" {
		t.Errorf("findings (-want +got):\n%s", diff)
	}
	if n := targets[TargetLabels{"payments", "irsa", StateHealthy}]; n != 1 {
		t.Errorf("%d healthy irsa targets in payments, want 1 (api-1)", n)
	}
	if len(tr.Resolved) != 1 || tr.Resolved[0].Check != "IRSA110" || len(tr.Appeared) != 0 {
		t.Errorf("transitions %+v, want IRSA110 resolved only", tr)
	}
	if got := tr.Resolved[0].Targets; len(got) != 1 || got[0].Name != "api-1" || got[0].Links[0].Status != finding.LinkPass {
		t.Errorf("IRSA110 resolved on %+v, want api-1 as it is now", got)
	}
	// The Deployment and the billing pod are fixed: IRSA205 clears.
	keep2 := Touched{Targets: map[string]bool{"Deployment/payments/api": true, "Pod/billing/job-1": true}}
	tr = s.Apply(&finding.Result{Targets: []finding.Target{chain("Deployment", "payments", "api", "irsa", pass), chain("Pod", "billing", "job-1", "irsa", pass)}}, keep2)
	if findings, _ := s.Aggregate(); len(findings) != 0 {
		t.Errorf("findings %v, want none", findings)
	}
	if len(tr.Resolved) != 1 || tr.Resolved[0].Check != "IRSA205" {
		t.Errorf("transitions %+v, want IRSA205 resolved", tr)
	}
	_, fs := s.Result()
	var ids []string
	for _, f := range fs {
		ids = append(ids, f.CheckID+" "+string(f.Status))
	}
	// IRSA207 concerned api-1 alone, which its re-diagnosis cleared.
	if diff := cmp.Diff([]string{"IRSA202 skipped"}, ids); diff != "" {
		t.Errorf("report findings (-want +got):\n%s", diff)
	}
}

// TestResultAffects: /report lists each finding once, with every target
// it concerns, whichever run judged them.
func TestResultAffects(t *testing.T) {
	s := NewState()
	s.Apply(fullResult(), Touched{Full: true})
	keep := Touched{Targets: map[string]bool{"Pod/billing/job-1": true}}
	role := finding.Subject{Kind: "IAMRole", Name: "arn:aws:iam::111122223333:role/s3"}
	s.Apply(&finding.Result{Targets: []finding.Target{chain("Pod", "billing", "job-1", "irsa", fail)},
		Findings: []finding.Finding{fnd("IRSA205", "trust-subject-mismatch", finding.StatusFail, role, ref("Pod", "billing", "job-1"))}}, keep)
	targets, fs := s.Result()
	if len(targets) != 5 {
		t.Errorf("%d targets, want 5", len(targets))
	}
	for _, f := range fs {
		if f.CheckID != "IRSA205" {
			continue
		}
		want := []finding.Ref{ref("Deployment", "payments", "api"), ref("Pod", "billing", "job-1"), ref("Pod", "payments", "api-1")}
		if diff := cmp.Diff(want, f.Affects); diff != "" {
			t.Errorf("IRSA205 affects (-want +got):\n%s", diff)
		}
	}
}

// TestApplyAssociations: a partial Apply finds the association targets of
// the namespaces Touched keeps (its index by namespace) and compares only
// the failing pairs it changes: the association's failure clears, a
// failure elsewhere stays and announces nothing.
func TestApplyAssociations(t *testing.T) {
	s := NewState()
	full := fullResult()
	assoc := finding.Subject{Kind: "PodIdentityAssociation", Namespace: "payments", Name: "a-123"}
	other := finding.Subject{Kind: "PodIdentityAssociation", Namespace: "billing", Name: "a-456"}
	full.Targets = append(full.Targets, chain("PodIdentityAssociation", "payments", "a-123", "pod-identity", fail),
		chain("PodIdentityAssociation", "billing", "a-456", "pod-identity", fail))
	full.Findings = append(full.Findings, fnd("IRSA402", "association-service-account-missing", finding.StatusFail, assoc),
		fnd("IRSA402", "association-service-account-missing", finding.StatusFail, other))
	s.Apply(full, Touched{Full: true})
	// The ServiceAccount of a-123 was created: a-123 is no target now.
	tr := s.Apply(&finding.Result{}, Touched{Targets: map[string]bool{"ServiceAccount/payments/svc": true}, AssocNamespaces: map[string]bool{"payments": true}})
	if len(tr.Appeared) != 0 || len(tr.Resolved) != 1 || tr.Resolved[0].Check != "IRSA402" || tr.Resolved[0].Subject != ref("PodIdentityAssociation", "payments", "a-123") {
		t.Errorf("transitions %+v, want IRSA402 on a-123 resolved only", tr)
	}
	if _, _, ok := s.Target("PodIdentityAssociation/payments/a-123"); ok {
		t.Error("a-123 is still a target")
	}
	if _, failing, ok := s.Target("PodIdentityAssociation/billing/a-456"); !ok || len(failing) != 1 || failing[0] != "IRSA402" {
		t.Errorf("a-456: target %t, failing %v; want a target failing IRSA402", ok, failing)
	}
	// A Touched that keeps no target held, with nothing found, changes nothing.
	if tr := s.Apply(&finding.Result{}, Touched{Targets: map[string]bool{"Pod/payments/gone": true}}); len(tr.Appeared)+len(tr.Resolved) != 0 {
		t.Errorf("transitions %+v, want none", tr)
	}
	findings, targets := s.Aggregate()
	n := 0
	for _, c := range targets {
		n += c
	}
	if n != 6 || findings[FindingLabels{"IRSA402", "association-service-account-missing", "error", "billing", "PodIdentityAssociation"}] != 1 ||
		findings[FindingLabels{"IRSA402", "association-service-account-missing", "error", "payments", "PodIdentityAssociation"}] != 0 {
		t.Errorf("%d targets (want 6), findings %v (want IRSA402 in billing only)", n, findings)
	}
}

// TestApplyTransitionsAsFullCompare: the transitions of a partial Apply,
// which compares only the pairs it changes, are those of a comparison of
// every failing pair before and after, with the same targets, over random
// re-diagnoses of targets that share role and cluster findings.
func TestApplyTransitionsAsFullCompare(t *testing.T) {
	rnd := rand.New(rand.NewPCG(15, 1))
	var all []finding.Ref
	for i := range 12 {
		all = append(all, ref("Pod", []string{"payments", "billing"}[i%2], fmt.Sprintf("p-%02d", i)))
	}
	all = append(all, ref("PodIdentityAssociation", "payments", "a-1"), ref("PodIdentityAssociation", "billing", "a-2"))
	roles := []finding.Subject{{Kind: "IAMRole", Name: "arn:aws:iam::111122223333:role/r0"}, {Kind: "IAMRole", Name: "arn:aws:iam::111122223333:role/r1"}}
	cluster := finding.Subject{Kind: "EKSCluster", Name: "prod"}
	// judge is what the engine finds for targets: each fails its own
	// check or not, its role's trust or not, the cluster's check or not;
	// a shared finding lists the targets of the run it concerns.
	judge := func(targets []finding.Ref) *finding.Result {
		res := &finding.Result{}
		shared := map[finding.Subject][]finding.Ref{}
		for i, r := range targets {
			link := pass
			if rnd.IntN(3) == 0 {
				link = fail
				res.Findings = append(res.Findings, fnd("IRSA110", "static-credentials-override", finding.StatusFail,
					finding.Subject{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name, Container: "app"}))
			}
			res.Targets = append(res.Targets, chain(r.Kind, r.Namespace, r.Name, "irsa", link))
			if rnd.IntN(2) == 0 {
				shared[roles[i%2]] = append(shared[roles[i%2]], r)
			}
			if rnd.IntN(4) == 0 {
				shared[cluster] = append(shared[cluster], r)
			}
		}
		for subj, refs := range shared {
			res.Findings = append(res.Findings, fnd("IRSA205", "trust-subject-mismatch", finding.StatusFail, subj, refs...))
		}
		return res
	}
	s := NewState()
	s.Apply(judge(all), Touched{Full: true})
	summary := func(fs []Failing, refs func(Failing) []string) []string {
		var out []string
		for _, f := range fs {
			out = append(out, f.Check+" "+f.Subject.Kind+"/"+f.Subject.Name+" "+strings.Join(refs(f), ","))
		}
		return out
	}
	chains := func(f Failing) []string {
		var out []string
		for _, c := range f.Targets {
			out = append(out, refKey(c.Kind, c.Namespace, c.Name))
		}
		return out
	}
	transitions := 0
	for round := range 200 {
		touched := Touched{Targets: map[string]bool{}}
		var picked []finding.Ref
		for _, r := range all {
			if r.Kind == "PodIdentityAssociation" {
				continue // kept by namespace below
			}
			if rnd.IntN(4) == 0 {
				touched.Targets[refKey(r.Kind, r.Namespace, r.Name)] = true
				picked = append(picked, r)
			}
		}
		if rnd.IntN(3) == 0 {
			ns := []string{"payments", "billing"}[rnd.IntN(2)]
			touched.AssocNamespaces = map[string]bool{ns: true}
			for _, r := range all {
				if r.Kind == "PodIdentityAssociation" && r.Namespace == ns && rnd.IntN(2) == 0 {
					picked = append(picked, r) // else the association is no target now
				}
			}
		}
		before := s.failingLocked(nil)
		tr := s.Apply(judge(picked), touched)
		want := diff(before, s.failingLocked(nil))
		transitions += len(want.Appeared) + len(want.Resolved)
		if diff := cmp.Diff(summary(want.Appeared, func(f Failing) []string { return f.refs }), summary(tr.Appeared, chains)); diff != "" {
			t.Fatalf("round %d: appeared (-full compare +Apply):\n%s", round, diff)
		}
		if diff := cmp.Diff(summary(want.Resolved, func(f Failing) []string { return f.refs }), summary(tr.Resolved, chains)); diff != "" {
			t.Fatalf("round %d: resolved (-full compare +Apply):\n%s", round, diff)
		}
	}
	if transitions < 50 {
		t.Fatalf("only %d transitions in 200 rounds: the test exercises too little", transitions)
	}
}
