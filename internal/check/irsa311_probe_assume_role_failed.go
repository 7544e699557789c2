package check

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa311 = &Check{
	ID:       "IRSA311",
	Slug:     "probe-assume-role-failed",
	Title:    "The live probe's AssumeRoleWithWebIdentity failed",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	// The probe is opt-in: its skip (not run with the permissions it
	// needs) leaves a link that the static checks passed as pass.
	Secondary: true,
	Scope:     ScopeWorkloads | ScopeServiceAccount,
	Requires:  []*Check{irsa101, irsa102, irsa103},
	IRSA:      true,
	Subject:   model.SASubjectOf,
	Applies:   model.ProbeApplies,
	Run:       runIRSA311,
}

func runIRSA311(c *model.Context, t *model.Target, r *Recorder) {
	pr, gap, role, ok := model.ProbeFacts(c, t)
	if !ok {
		return
	}
	subj := t.SASubject()
	if gap != nil {
		r.Skip(subj, model.GapText(gap))
		return
	}
	if why := model.ProbeCantJudge(t, pr, role); why != "" {
		r.Skip(subj, why)
		return
	}
	details := []model.Detail{
		model.Ev(pr.Source, model.ProbeCall(pr)),
		model.Ev(pr.Source, model.ProbeToken(pr)),
		model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, webhook.AnnotationRoleARN, role)),
	}
	if pr.OK {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("STS accepted a fresh token of ServiceAccount %q (audience %s) for role %s", t.SAName, model.AudienceWord(pr.Audience), role), details
		})
		return
	}
	a := model.ExplainSTS(pr.ErrorCode, pr.ErrorMessage)
	r.AtLink(a.Link)
	msg := fmt.Sprintf("STS refused a fresh token of ServiceAccount %q (audience %s) for role %s with %s: %s: %s",
		t.SAName, model.AudienceWord(pr.Audience), role, pr.ErrorCode, pr.ErrorMessage, a.Cause)
	r.Fail(subj, msg, append(details, model.Remedy(a.Remedy))...)
}
