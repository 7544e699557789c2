package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Detail adds evidence, a fix or an override to a finding being recorded.
type Detail func(*finding.Finding)

// Ev is one compared fact and where it came from.
func Ev(src snapshot.Source, value string) Detail {
	return func(f *finding.Finding) {
		f.Evidence = append(f.Evidence, finding.Evidence{Source: src.Kind, Ref: src.Ref, Value: value})
	}
}

// Cmd adds commands to paste.
func Cmd(cmds ...string) Detail {
	return func(f *finding.Finding) {
		if f.Fix == nil {
			f.Fix = &finding.Fix{}
		}
		f.Fix.Commands = append(f.Fix.Commands, cmds...)
	}
}

// FixFile adds a file to write (a corrected policy, a manifest patch).
func FixFile(name, content string) Detail {
	return func(f *finding.Finding) {
		if f.Fix == nil {
			f.Fix = &finding.Fix{}
		}
		f.Fix.Files = append(f.Fix.Files, finding.File{Name: name, Content: content})
	}
}

// Remedy replaces the check's generic remediation with a specific one.
func Remedy(markdown string) Detail {
	return func(f *finding.Finding) { f.Remediation = markdown }
}

// WithSeverity lets one finding differ from the check's default severity.
func WithSeverity(s finding.Severity) Detail {
	return func(f *finding.Finding) { f.Severity = s }
}

// record is one outcome, with the target that produced it.
type record struct {
	target   *Target
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
	target *Target
	// block, when set, turns every outcome into skipped with this reason
	// (a failed prerequisite, or facts the check needs and the input lacks).
	block  string
	out    *[]record
	failed bool
	// keepPasses keeps the message and evidence of passes (--show-passed).
	keepPasses bool
	// link, when set, is the chain link the outcomes count for instead of
	// the check's Link (AtLink).
	link string
}

func (r *Recorder) add(status finding.Status, subj finding.Subject, msg string, details []Detail) {
	if status == finding.StatusPass && r.block == "" && !r.keepPasses {
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
	if r.block != "" {
		f = finding.Finding{CheckID: f.CheckID, Slug: f.Slug, Title: f.Title, Severity: r.check.Severity,
			Status: finding.StatusSkipped, Subject: subj, Message: r.block, Evidence: []finding.Evidence{}}
	}
	if f.Status == finding.StatusFail {
		r.failed = true
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
	CheckID  string
	Status   finding.Status
	Severity finding.Severity
	Subject  finding.Subject
	// Message is "" for a pass whose message was not kept (no
	// --show-passed).
	Message string
}

// Prior returns the outcomes recorded so far for the recorder's target by
// the checks that ran before this one, in the order they ran (checks run
// in ID order; After only moves a check later), with the engine's cascade
// and Needs skips applied. IRSA312 compares the live probe with them.
func (r *Recorder) Prior() []Outcome {
	var out []Outcome
	for _, rec := range *r.out {
		if rec.target != r.target || rec.check == r.check {
			continue
		}
		o := Outcome{CheckID: rec.check.ID, Status: rec.status, Severity: rec.severity}
		if rec.f != nil {
			o.Subject, o.Message = rec.f.Subject, rec.f.Message
		}
		out = append(out, o)
	}
	return out
}

// Fail records that the check found something wrong with subj. The message
// names the exact values compared.
func (r *Recorder) Fail(subj finding.Subject, msg string, details ...Detail) {
	r.add(finding.StatusFail, subj, msg, details)
}

// Pass records that the check found subj healthy; msg says what was verified.
func (r *Recorder) Pass(subj finding.Subject, msg string, details ...Detail) {
	r.add(finding.StatusPass, subj, msg, details)
}

// Skip records that the check could not judge subj, and why.
func (r *Recorder) Skip(subj finding.Subject, why string, details ...Detail) {
	r.add(finding.StatusSkipped, subj, why, details)
}

// Blocked reports whether every outcome will be turned into skipped (a
// failed prerequisite, or facts the check needs and the input lacks). A
// check that does not apply to a target records nothing, unless it is
// blocked: then it records a skip, so the cascade stays visible.
func (r *Recorder) Blocked() bool { return r.block != "" }
