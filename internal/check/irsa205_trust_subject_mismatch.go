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
	judgeClaim(c, t, r, d, "sub")
}

// judgeClaim judges the focus' conditions on :sub or :aud (IRSA205,
// IRSA206), misnamed keys read as if they were right.
func judgeClaim(c *Context, t *Target, r *Recorder, d *trustDiag, claim string) {
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
			if now, stale := staleAudience(t); stale {
				// The pod was created before its ServiceAccount's
				// audience changed, and keeps the old one (the webhook
				// acts on CREATE only, irsa-facts.md §1.5).
				ev = append(ev, Ev(now.Source, "a re-created pod's aud: "+audienceText(now)+" ("+now.Where+")"))
				if !audienceAdmitted(c, in, now) {
					if now.Known {
						msg += fmt.Sprintf("; a re-created pod would get %q, which the condition rejects too", now.Value)
					} else {
						msg += "; a re-created pod would get a token without an audience of its own"
					}
				} else {
					msg += fmt.Sprintf("; the pods keep the audience they were created with, and a re-created pod gets %q, which the condition admits: restart the pods", now.Value)
					restart := staleRestart(c, t, in.Audience, now)
					fix, remedy := trustFix(c, in, r)
					details := append(append(ev, Cmd(restart...)), fix...)
					r.Fail(subj, msg, append(details, Remedy(restartFirst(t, in.Audience, now, restart, remedy)))...)
					return
				}
			}
			if where, ok := manifestVolume(t); ok {
				// The audience is written in the template's own volume,
				// which the webhook keeps (irsa-facts.md §1.3): correcting
				// the volume comes before widening the trust policy.
				msg += "; the audience comes from the aws-iam-token volume the pod template defines itself, which the webhook keeps"
				want := injectedAudience(t)
				if !audienceAdmitted(c, in, want) {
					want = AudienceFact{}
				}
				fix, remedy := trustFix(c, in, r)
				rem := manifestVolumeRemedy(where, in.Audience.Value, want)
				if remedy != "" {
					rem += fmt.Sprintf("\n\nOnly if %q is meant for STS, widen the trust policy instead: %s", in.Audience.Value, remedy)
				}
				r.Fail(subj, msg, append(append(ev, fix...), Remedy(rem))...)
				return
			}
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

// audienceAdmitted reports whether the trust policy's :aud conditions
// admit the target's request with another audience (its subject and
// provider unchanged).
func audienceAdmitted(c *Context, in *trustInput, aud AudienceFact) bool {
	if !aud.Known {
		return false
	}
	alt := *in
	alt.Audience = aud
	d := c.trustDiagnosis(&alt)
	if d.focus == nil {
		return false
	}
	for _, cd := range d.claimConds("aud") {
		if cd.as.Outcome != policy.Match {
			return false
		}
	}
	return true
}
