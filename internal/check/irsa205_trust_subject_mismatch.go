package check

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa205 = &Check{
	ID:       "IRSA205",
	Slug:     "trust-subject-mismatch",
	Title:    "The trust policy's :sub condition rejects the service account",
	Severity: finding.SeverityError,
	Link:     finding.LinkIAMRole,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	After:    afterIAM("IRSA201", "IRSA209", "IRSA301", "IRSA202", "IRSA203", "IRSA210"),
	IRSA:     true,
	Doc: `The projected token's ` + "`sub`" + ` is ` + "`system:serviceaccount:NAMESPACE:NAME`" + ` (irsa-facts.md §1.8), and the
trust policy's ` + "`ISSUER:sub`" + ` condition must admit exactly that string: values compare
case-sensitively, ` + "`StringEquals`" + ` literally, ` + "`StringLike`" + ` with ` + "`*`" + ` and ` + "`?`" + `. A namespace or service account name
that differs (a typo, a renamed namespace, a chart that names its service account differently, the
` + "`:sub`" + ` and ` + "`:aud`" + ` values swapped) makes STS answer
` + "`AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity`" + `. The message says which part
differs. A condition under a misspelled key (IRSA204) is judged as if its key were right.`,
	Fix: `Make the ` + "`:sub`" + ` condition admit this service account; the corrected policy in the fix corrects the one wrong
value (a namespace or name typo) or, when the value names another service account, adds this one,
and admits nothing broader. Apply it with
` + "`aws iam update-assume-role-policy --role-name ROLE_NAME --policy-document file://ROLE_NAME.trust-policy.json`" + `.`,
	Run: runTrust(judgeIRSA205),
}

func judgeIRSA205(c *Context, t *Target, r *Recorder, d *trustDiag) {
	judgeClaim(c, r, d, "sub")
}

// judgeClaim judges the focus' conditions on :sub or :aud (IRSA205,
// IRSA206), misnamed keys read as if they were right.
func judgeClaim(c *Context, r *Recorder, d *trustDiag, claim string) {
	in := d.in
	subj := in.WebIdentity.Role.Subject()
	if d.focus == nil {
		r.Skip(subj, noAllowReason(in))
		return
	}
	conds := d.claimConds(claim)
	actual, what := in.Subject, "sub"
	if claim == "aud" {
		actual, what = in.Audience.Value, "aud"
		if !in.Audience.Known && len(conds) > 0 {
			r.Skip(subj, fmt.Sprintf("%s tests :aud, and the token's audience is not known: the token names none, so the API server issues it for its own audiences, which the input does not show", d.focusName()))
			return
		}
	}
	for _, cd := range conds {
		if cd.as.Outcome != policy.NoMatch {
			continue
		}
		msg := fmt.Sprintf("%s %s", d.focusName(), cd.as.Why)
		if claim == "sub" {
			msg += subjectDiff(cd.as.Values, cd.as.Base, actual, in.Audience.Value)
		} else if len(cd.as.Values) == 1 && isSubject(cd.as.Values[0]) {
			msg += fmt.Sprintf(": %q is a service account subject, not an audience: the :sub and :aud values look swapped", cd.as.Values[0])
		}
		if cd.misnamed {
			msg += " (read under this issuer's key; IRSA204 reports the key)"
		}
		ev := []Detail{trustPolicyEvidence(in), in.SubjectEvidence()}
		if claim == "aud" {
			ev = []Detail{trustPolicyEvidence(in), in.Audience.Evidence()}
		}
		r.Fail(subj, msg, append(ev, trustFixDetails(c, in, r)...)...)
		return
	}
	for _, cd := range conds {
		if cd.as.Outcome == policy.Uncertain {
			r.Skip(subj, fmt.Sprintf("%s %s", d.focusName(), cd.as.Why))
			return
		}
	}
	if len(conds) == 0 {
		note := ""
		if claim == "sub" {
			note = " (IRSA207 judges how broad that is)"
		}
		r.Pass(subj, fmt.Sprintf("%s does not restrict :%s%s", d.focusName(), claim, note))
		return
	}
	note := ""
	for _, cd := range conds {
		if cd.misnamed {
			note = " once its key is corrected (IRSA204)"
		}
	}
	r.Pass(subj, fmt.Sprintf("%s %q satisfies the :%s condition of %s%s", what, actual, claim, d.focusName(), note))
}

func isSubject(s string) bool {
	_, ok := splitSubject(s)
	return ok
}
