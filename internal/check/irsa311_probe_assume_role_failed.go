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
	Doc: `Only with ` + "`--probe`" + ` (` + "`scan`" + ` or ` + "`dump`" + `). The probe asks the API server for a token of the
ServiceAccount through the TokenRequest API (` + "`kubectl create token`" + `), with the audience the webhook puts in
the pods' token, and hands it to STS ` + "`AssumeRoleWithWebIdentity`" + ` for the role of the ServiceAccount's
` + "`eks.amazonaws.com/role-arn`" + `, as the SDK in a pod does. STS's answer is the definitive test of the IAM side:
the role, its trust policy, the IAM OIDC provider and the issuer's keys, as AWS sees them now. The
credentials it returns are discarded at once, never printed or kept.

A refusal is mapped to the check that explains it (irsa-facts.md §2): ` + "`No OpenIDConnect provider found`" + `
to IRSA302, ` + "`Incorrect token audience`" + ` to IRSA303, the thumbprint message to IRSA304,
` + "`Couldn't retrieve verification key`" + ` and an invalid discovery document to IRSA305,
` + "`Not authorized to perform sts:AssumeRoleWithWebIdentity`" + ` to the role and trust policy checks
(IRSA201-IRSA210: STS does not say which), ` + "`ExpiredTokenException`" + ` for a token issued moments earlier to the
API server's clock. The finding counts for the chain link the answer points at.

The probe's token has the ServiceAccount's audience; a pod whose token volume has another audience (it
was created before the annotation changed) is skipped, since STS's answer does not speak for it.`,
	Fix: `Follow the remediation of the mapped check. Changes to the role, its trust policy or the provider take
effect without restarting pods; run ` + "`irsa-doctor scan --probe`" + ` again to confirm.`,
	Subject: model.SASubjectOf,
	Applies: model.ProbeApplies,
	Run:     runIRSA311,
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
		r.Pass(subj, fmt.Sprintf("STS accepted a fresh token of ServiceAccount %q (audience %s) for role %s", t.SAName, model.AudienceWord(pr.Audience), role), details...)
		return
	}
	a := model.ExplainSTS(pr.ErrorCode, pr.ErrorMessage)
	r.AtLink(a.Link)
	msg := fmt.Sprintf("STS refused a fresh token of ServiceAccount %q (audience %s) for role %s with %s: %s: %s",
		t.SAName, model.AudienceWord(pr.Audience), role, pr.ErrorCode, pr.ErrorMessage, a.Cause)
	r.Fail(subj, msg, append(details, model.Remedy(a.Remedy))...)
}
