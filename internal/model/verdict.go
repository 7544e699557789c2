package model

import "github.com/irsa-doctor/irsa-doctor/internal/finding"

// Verdict is one outcome that a judgement shared by several checks
// computes (the role of a target is unknown, the claim a trust policy
// tests is rejected): the check records it as its own, with
// check.Recorder.Record. The model never records outcomes itself.
type Verdict struct {
	Status  finding.Status
	Subject finding.Subject
	Message string
	Details []Detail
	// Describe, when set, builds Message (PassFunc): only a pass that is
	// shown needs one.
	Describe func() string
}

// Text is the verdict's message, built by Describe when it has one.
func (v *Verdict) Text() string {
	if v.Describe != nil {
		return v.Describe()
	}
	return v.Message
}

// Verdicts collects the verdicts of a shared judgement, in order.
type Verdicts []Verdict

// Fail adds a failure about subj.
func (v *Verdicts) Fail(subj finding.Subject, msg string, details ...Detail) {
	*v = append(*v, Verdict{Status: finding.StatusFail, Subject: subj, Message: msg, Details: details})
}

// Pass adds a pass about subj.
func (v *Verdicts) Pass(subj finding.Subject, msg string, details ...Detail) {
	*v = append(*v, Verdict{Status: finding.StatusPass, Subject: subj, Message: msg, Details: details})
}

// PassFunc is Pass for a message that costs something to build: describe
// is called only when the pass is shown (check.Recorder.PassFunc).
func (v *Verdicts) PassFunc(subj finding.Subject, describe func() string, details ...Detail) {
	*v = append(*v, Verdict{Status: finding.StatusPass, Subject: subj, Details: details, Describe: describe})
}

// Skip adds an outcome that could not be judged, with the reason.
func (v *Verdicts) Skip(subj finding.Subject, why string, details ...Detail) {
	*v = append(*v, Verdict{Status: finding.StatusSkipped, Subject: subj, Message: why, Details: details})
}
