package model

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

// judgeClaim judges the focus' conditions on :sub or :aud (IRSA205,
// IRSA206), misnamed keys read as if they were right.
func JudgeClaim(c *Context, t *Target, r *Verdicts, d *TrustDiag, claim, generic string) {
	in := d.In
	subj := in.WebIdentity.Role.Subject()
	if d.Focus == nil {
		r.Skip(subj, NoAllowReason(in))
		return
	}
	conds := d.claimConds(claim)
	actual, what := in.Subject, "sub"
	if claim == "aud" {
		actual, what = in.Audience.Value, "aud"
		if !in.Audience.Known && len(conds) > 0 {
			r.Skip(subj, fmt.Sprintf("%s tests :aud, and the token's audience is not known: the token names none, so the API server issues it for its own audiences, which the input does not show", d.FocusName()))
			return
		}
	}
	for _, cd := range conds {
		if cd.As.Outcome != policy.NoMatch {
			continue
		}
		msg := fmt.Sprintf("%s %s", d.FocusName(), cd.As.Why)
		if claim == "sub" {
			msg += subjectDiff(cd.As.Values, cd.As.Base, actual, in.Audience.Value)
		} else if len(cd.As.Values) == 1 && isSubject(cd.As.Values[0]) {
			msg += fmt.Sprintf(": %q is a service account subject, not an audience: the :sub and :aud values look swapped", cd.As.Values[0])
		}
		if cd.Misnamed {
			msg += " (read under this issuer's key; IRSA204 reports the key)"
		}
		ev := []Detail{TrustPolicyEvidence(in), in.SubjectEvidence()}
		if claim == "aud" {
			ev = []Detail{TrustPolicyEvidence(in), in.Audience.Evidence()}
			if now, stale := StaleAudience(t); stale {
				// The pod was created before its ServiceAccount's
				// audience changed, and keeps the old one (the webhook
				// acts on CREATE only, irsa-facts.md §1.5).
				ev = append(ev, Ev(now.Source, "a re-created pod's aud: "+AudienceText(now)+" ("+now.Where+")"))
				if !audienceAdmitted(c, in, now) {
					if now.Known {
						msg += fmt.Sprintf("; a re-created pod would get %q, which the condition rejects too", now.Value)
					} else {
						msg += "; a re-created pod would get a token without an audience of its own"
					}
				} else {
					msg += fmt.Sprintf("; the pods keep the audience they were created with, and a re-created pod gets %q, which the condition admits: restart the pods", now.Value)
					restart := StaleRestart(c, t, in.Audience, now)
					fix, remedy := TrustFix(c, in, generic)
					details := append(append(ev, Cmd(restart...)), fix...)
					r.Fail(subj, msg, append(details, Remedy(RestartFirst(t, in.Audience, now, restart, remedy)))...)
					return
				}
			}
			if where, ok := ManifestVolume(t); ok {
				// The audience is written in the template's own volume,
				// which the webhook keeps (irsa-facts.md §1.3): correcting
				// the volume comes before widening the trust policy.
				msg += "; the audience comes from the aws-iam-token volume the pod template defines itself, which the webhook keeps"
				want := InjectedAudience(t)
				if !audienceAdmitted(c, in, want) {
					want = AudienceFact{}
				}
				fix, remedy := TrustFix(c, in, generic)
				rem := ManifestVolumeRemedy(where, in.Audience.Value, want)
				if remedy != "" {
					rem += fmt.Sprintf("\n\nOnly if %q is meant for STS, widen the trust policy instead: %s", in.Audience.Value, remedy)
				}
				r.Fail(subj, msg, append(append(ev, fix...), Remedy(rem))...)
				return
			}
		}
		r.Fail(subj, msg, append(ev, TrustFixDetails(c, in, generic)...)...)
		return
	}
	for _, cd := range conds {
		if cd.As.Outcome == policy.Uncertain {
			r.Skip(subj, fmt.Sprintf("%s %s", d.FocusName(), cd.As.Why))
			return
		}
	}
	if len(conds) == 0 {
		note := ""
		if claim == "sub" {
			note = " (IRSA207 judges how broad that is)"
		}
		r.Pass(subj, fmt.Sprintf("%s does not restrict :%s%s", d.FocusName(), claim, note))
		return
	}
	note := ""
	for _, cd := range conds {
		if cd.Misnamed {
			note = " once its key is corrected (IRSA204)"
		}
	}
	r.Pass(subj, fmt.Sprintf("%s %q satisfies the :%s condition of %s%s", what, actual, claim, d.FocusName(), note))
}

func isSubject(s string) bool {
	_, _, ok := policy.SplitServiceAccountSubject(s)
	return ok
}

// audienceAdmitted reports whether the trust policy's :aud conditions
// admit the target's request with another audience (its subject and
// provider unchanged).
func audienceAdmitted(c *Context, in *TrustInput, aud AudienceFact) bool {
	if !aud.Known {
		return false
	}
	alt := *in
	alt.Audience = aud
	d := c.trustDiagnosis(&alt)
	if d.Focus == nil {
		return false
	}
	for _, cd := range d.claimConds("aud") {
		if cd.As.Outcome != policy.Match {
			return false
		}
	}
	return true
}
