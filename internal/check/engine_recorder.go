package check

import (
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

// record is one outcome, with the target that produced it.
type record struct {
	target   *model.Target
	check    *Check
	status   finding.Status
	severity finding.Severity
	// f is nil for a pass that will not be shown: only the chain reads it.
	f *finding.Finding
	// link is the chain link the outcome counts for: the check's Link
	// unless Recorder.AtLink changed it.
	link string
}

// Recorder collects the outcomes of one check on one target. Checks never
// build a Finding by hand.
type Recorder struct {
	check  *Check
	target *model.Target
	// blocked turns the outcomes about a container into skipped, with the
	// reason: a prerequisite failed for that container only.
	blocked map[string]string
	out     *[]record
	fails   failures
	// keepPasses keeps the message and evidence of passes (--show-passed).
	keepPasses bool
	// link, when set, is the chain link the outcomes count for instead of
	// the check's Link (AtLink).
	link string
	// shared holds the findings built for verdicts judged once for many
	// targets (RecordShared), by verdict; one map per engine worker, as
	// the verdicts are memoised per worker.
	shared map[*model.Verdict]*finding.Finding
	// verdicts is the engine worker's array that Scratch lends.
	verdicts *model.Verdicts
}

// Scratch returns an empty Verdicts for a judgement whose verdicts are
// recorded with Record right after: one array serves every target of the
// engine worker, rather than one per judgement (two per IRSA target).
// Record keeps nothing of the array; RecordShared, which keeps the
// verdicts' addresses, must not be given it.
func (r *Recorder) Scratch() *model.Verdicts {
	if r.verdicts == nil {
		return new(model.Verdicts)
	}
	v := *r.verdicts
	clear(v[:cap(v)]) // let go of the last judgement's details
	*r.verdicts = v[:0]
	return r.verdicts
}

func (r *Recorder) add(status finding.Status, subj finding.Subject, msg string, details []model.Detail) {
	block := r.blocked[subj.Container]
	if subj.Container == "" {
		block = ""
	}
	if status == finding.StatusPass && block == "" && !r.keepPasses {
		// Only the chain reads a pass that will not be shown: keep its
		// status, not its message and evidence (10,000-pod bundles record
		// hundreds of thousands of passes).
		*r.out = append(*r.out, record{target: r.target, check: r.check, status: status, severity: r.check.Severity, link: r.linkOf()})
		return
	}
	f := finding.Finding{
		CheckID: r.check.ID, Slug: r.check.Slug, Title: r.check.Title,
		Severity: r.check.Severity, Status: status, Subject: subj, Message: msg,
		Evidence: []finding.Evidence{},
	}
	if status == finding.StatusFail {
		f.Remediation = r.check.Fix
	}
	for _, d := range details {
		d(&f)
	}
	if f.Fix != nil && len(f.Fix.Refused) > 0 {
		// A value from the input that the API would refuse is in no
		// command (docs/contract.md, "Fixes"): say why the fix lacks it.
		f.Remediation = strings.TrimSpace(f.Remediation) + "\n\nNo command is offered for this: " + strings.Join(f.Fix.Refused, "; ") + "."
	}
	if block != "" {
		f = finding.Finding{CheckID: f.CheckID, Slug: f.Slug, Title: f.Title, Severity: r.check.Severity,
			Status: finding.StatusSkipped, Subject: subj, Message: block, Evidence: []finding.Evidence{}}
	}
	if f.Status == finding.StatusFail && f.Severity == finding.SeverityError && r.fails != nil {
		// A warning or a note does not block: what it reports does not
		// stop the chain (a sidecar added after the webhook ran leaves the
		// other containers' credentials as they are).
		r.fails.note(r.check, subj)
	}
	*r.out = append(*r.out, record{target: r.target, check: r.check, status: f.Status, severity: f.Severity, f: &f, link: r.linkOf()})
}

func (r *Recorder) linkOf() string {
	if r.link != "" {
		return r.link
	}
	return r.check.Link
}

// AtLink makes the outcomes recorded from now on count for the chain link
// l (finding.Link*) instead of the check's Link: a check whose evidence
// points at different links case by case (IRSA311: STS's answer names
// the provider, the issuer or the trust policy).
func (r *Recorder) AtLink(l string) { r.link = l }

// Outcome is one outcome recorded earlier in the run for the same target.
type Outcome struct {
	Check    *Check
	Status   finding.Status
	Severity finding.Severity
	Subject  finding.Subject
	// Message is "" for a pass whose message was not kept (no
	// --show-passed).
	Message string
}

// ResultOf returns the outcomes that the checks cs, each of which must be
// in the recorder's check's Sees or Requires, recorded for the recorder's
// target (with the engine's cascade and Needs skips applied), in the order
// they were recorded. IRSA312 compares the live probe with them.
func (r *Recorder) ResultOf(cs ...*Check) []Outcome {
	for _, c := range cs {
		if !slices.Contains(r.check.Sees, c) && !slices.Contains(r.check.Requires, c) {
			panic("check " + r.check.ID + " reads " + c.ID + " without declaring it in Sees or Requires")
		}
	}
	var out []Outcome
	for _, rec := range *r.out {
		if rec.target != r.target || !slices.Contains(cs, rec.check) {
			continue
		}
		o := Outcome{Check: rec.check, Status: rec.status, Severity: rec.severity}
		if rec.f != nil {
			o.Subject, o.Message = rec.f.Subject, rec.f.Message
		}
		out = append(out, o)
	}
	return out
}

// Seen is ResultOf every check that the recorder's check Sees.
func (r *Recorder) Seen() []Outcome { return r.ResultOf(r.check.Sees...) }

// Fail records that the check found something wrong with subj. The message
// names the exact values compared.
func (r *Recorder) Fail(subj finding.Subject, msg string, details ...model.Detail) {
	r.add(finding.StatusFail, subj, msg, details)
}

// Pass records that the check found subj healthy; msg says what was verified.
func (r *Recorder) Pass(subj finding.Subject, msg string, details ...model.Detail) {
	r.add(finding.StatusPass, subj, msg, details)
}

// PassFunc is Pass for a check whose message and evidence cost something
// to build: describe is called only when the pass is shown
// (--show-passed). Without it only the chain reads a pass, and 10,000
// pods record hundreds of thousands of them.
func (r *Recorder) PassFunc(subj finding.Subject, describe func() (string, []model.Detail)) {
	// A pass on a blocked container becomes a skip that says why, without
	// the pass's message and evidence (add): describe is not needed then.
	if r.keepPasses {
		msg, details := describe()
		r.add(finding.StatusPass, subj, msg, details)
		return
	}
	r.add(finding.StatusPass, subj, "", nil)
}

// Skip records that the check could not judge subj, and why.
func (r *Recorder) Skip(subj finding.Subject, why string, details ...model.Detail) {
	r.add(finding.StatusSkipped, subj, why, details)
}

// Record records the verdicts of a judgement the model shares between
// checks (model.Verdicts) as this check's outcomes. It returns nothing: a
// caller continues when the judgement gave it its facts.
func (r *Recorder) Record(v model.Verdicts) {
	for i := range v {
		r.add(v[i].Status, v[i].Subject, r.message(&v[i]), v[i].Details)
	}
}

// message is the verdict's message, unless it is a pass that will not be
// shown (add keeps no message for it): a lazy one is not built then.
func (r *Recorder) message(x *model.Verdict) string {
	if x.Status == finding.StatusPass && !r.keepPasses {
		return x.Message
	}
	return x.Text()
}

// RecordShared is Record for verdicts judged once for many targets
// (model.Once: the cluster's issuer, a provider): the finding of each
// verdict is built for the first target and the same one is recorded for
// the others (merge reports it once), rather than one copy per target: a
// 100,000-pod run would hold hundreds of thousands of them. The verdicts
// must not change after they are recorded.
func (r *Recorder) RecordShared(v model.Verdicts) {
	for i := range v {
		x := &v[i]
		if x.Subject.Container != "" && r.blocked[x.Subject.Container] != "" {
			r.add(x.Status, x.Subject, r.message(x), x.Details)
			continue
		}
		if f := r.shared[x]; f != nil {
			if f.Status == finding.StatusFail && f.Severity == finding.SeverityError && r.fails != nil {
				r.fails.note(r.check, x.Subject)
			}
			*r.out = append(*r.out, record{target: r.target, check: r.check, status: f.Status, severity: f.Severity, f: f, link: r.linkOf()})
			continue
		}
		n := len(*r.out)
		r.add(x.Status, x.Subject, r.message(x), x.Details)
		if f := (*r.out)[n].f; f != nil && r.shared != nil {
			// Appending to a shared finding's evidence (merge does, to its
			// copy) must copy it first.
			f.Evidence = slices.Clip(f.Evidence)
			r.shared[x] = f
		}
	}
}

// Remediation is the check's generic remediation (Check.Fix), for a
// judgement that keeps it when it cannot propose a specific one.
func (r *Recorder) Remediation() string { return r.check.Fix }
