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
}

// Verdicts collects the verdicts of a shared judgement, in order.
type Verdicts []Verdict

// Fail adds a failure about subj.
func (v *Verdicts) Fail(subj finding.Subject, msg string, details ...Detail) {
	*v = append(*v, Verdict{finding.StatusFail, subj, msg, details})
}

// Pass adds a pass about subj.
func (v *Verdicts) Pass(subj finding.Subject, msg string, details ...Detail) {
	*v = append(*v, Verdict{finding.StatusPass, subj, msg, details})
}

// Skip adds an outcome that could not be judged, with the reason.
func (v *Verdicts) Skip(subj finding.Subject, why string, details ...Detail) {
	*v = append(*v, Verdict{finding.StatusSkipped, subj, why, details})
}
