package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// staticIAMChecks are the checks that model what STS will answer: the
// role, its trust policy, the provider and the issuer.
var staticIAMChecks = []*Check{irsa201, irsa202, irsa203, irsa204, irsa205, irsa206, irsa207, irsa208, irsa209, irsa210,
	irsa301, irsa302, irsa303, irsa304, irsa305, irsa306}

var irsa312 = &Check{
	ID:       "IRSA312",
	Slug:     "probe-contradicts-model",
	Title:    "The live probe contradicts the static IAM-side checks",
	Severity: finding.SeverityWarning,
	Link:     finding.LinkIAMRole,
	// The probe is opt-in: its skip (not run with the permissions it
	// needs) leaves a link that the static checks passed as pass.
	Secondary: true,
	Scope:     ScopeWorkloads | ScopeServiceAccount,
	Requires:  []*Check{irsa101, irsa102, irsa103},
	Sees:      staticIAMChecks,
	IRSA:      true,
	Subject:   model.SASubjectOf,
	Applies:   model.ProbeApplies,
	Run:       runIRSA312,
}

func runIRSA312(c *model.Context, t *model.Target, r *Recorder) {
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
	static := r.Seen()
	if len(static) == 0 {
		r.Skip(subj, "no IAM-side check (IRSA201-IRSA210, IRSA301-IRSA306) ran for this target: nothing to compare the probe with")
		return
	}
	verdicts := "static verdicts: " + verdictList(static)
	details := []model.Detail{model.Ev(pr.Source, model.ProbeCall(pr))}
	for _, o := range static {
		if o.Status == finding.StatusFail {
			details = append(details, model.Ev(pr.Source, fmt.Sprintf("%s %s %s: %s", o.Check.ID, o.Status, o.Subject, o.Message)))
		}
	}
	failed := refusals(static, nil)

	if pr.OK {
		if len(failed) == 0 {
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("STS accepted the token, as the IAM-side checks predicted (%s)", verdicts), details
			})
			return
		}
		r.Fail(subj, fmt.Sprintf("STS accepted a fresh token of ServiceAccount %q for role %s, but %s predicted a refusal: "+
			"this is a bug in irsa-doctor's model, or the facts changed between the collection and the probe; %s",
			t.SAName, role, strings.Join(failed, ", "), verdicts), details...)
		return
	}

	a := model.ExplainSTS(pr.ErrorCode, pr.ErrorMessage)
	answer := pr.ErrorCode + ": " + pr.ErrorMessage
	if len(a.Checks) == 0 {
		r.Skip(subj, fmt.Sprintf("no static check models STS's answer %s (%s): nothing to compare", answer, a.Cause), details...)
		return
	}
	if explained := refusals(static, a.Checks); len(explained) > 0 {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("STS refused the token with %s, as %s predicted", answer, strings.Join(explained, ", ")), details
		})
		return
	}
	var ran, skipped []string
	for _, o := range static {
		if !slices.Contains(a.Checks, o.Check.ID) {
			continue
		}
		ran = appendUniq(ran, o.Check.ID)
		if o.Status == finding.StatusSkipped {
			skipped = appendUniq(skipped, fmt.Sprintf("%s (%s)", o.Check.ID, o.Message))
		}
	}
	switch {
	case len(ran) == 0:
		notRun := "none of them ran"
		if len(a.Checks) == 1 {
			notRun = a.Checks[0] + " did not run"
		}
		r.Skip(subj, fmt.Sprintf("STS refused the token with %s, which %s, but %s: nothing to compare", answer, modelled(a.Checks), notRun), details...)
	case len(skipped) > 0:
		r.Skip(subj, fmt.Sprintf("STS refused the token with %s, which %s, and the static verdict is unknown: %s",
			answer, modelled(a.Checks), strings.Join(skipped, "; ")), details...)
	case a.Vantage:
		r.Skip(subj, fmt.Sprintf("STS refused the token with %s although %s passed: the check fetched the issuer's documents from this machine, STS fetches them from the internet; nothing to compare",
			answer, strings.Join(ran, ", ")), details...)
	default:
		r.Fail(subj, fmt.Sprintf("STS refused a fresh token of ServiceAccount %q for role %s with %s, which %s, but %s: "+
			"this is a bug in irsa-doctor's model, or the facts changed between the collection and the probe; %s",
			t.SAName, role, answer, modelled(a.Checks), passedPhrase(ran), verdicts), details...)
	}
}

// refusals returns the checks (of ids, or of any when nil) that failed
// with severity error: a predicted refusal. A warning (IRSA207, a stale
// thumbprint of a public CA) predicts none, and neither does IRSA306: it
// judges a token captured from a pod, which may be stale or cached by the
// application, while the probe's token is fresh.
func refusals(static []Outcome, ids []string) []string {
	var out []string
	for _, o := range static {
		if o.Check.ID == "IRSA306" {
			continue
		}
		if o.Status == finding.StatusFail && o.Severity == finding.SeverityError && (ids == nil || slices.Contains(ids, o.Check.ID)) {
			out = appendUniq(out, o.Check.ID)
		}
	}
	return out
}

// verdictList renders each check's outcome once, by ID; a check with
// several outcomes shows the worst.
func verdictList(static []Outcome) string {
	var ids []string
	worst := map[string]finding.Status{}
	rank := map[finding.Status]int{finding.StatusPass: 0, finding.StatusSkipped: 1, finding.StatusFail: 2}
	for _, o := range static {
		have, seen := worst[o.Check.ID]
		if !seen {
			ids = append(ids, o.Check.ID)
		}
		if !seen || rank[o.Status] > rank[have] {
			worst[o.Check.ID] = o.Status
		}
	}
	slices.Sort(ids)
	parts := make([]string, len(ids))
	for i, id := range ids {
		parts[i] = id + " " + string(worst[id])
	}
	return strings.Join(parts, ", ")
}

// modelled says which checks model an answer: "IRSA302 models", "the
// checks IRSA201-IRSA210 model".
func modelled(ids []string) string {
	switch len(ids) {
	case 1:
		return ids[0] + " models"
	case 2:
		return ids[0] + " and " + ids[1] + " model"
	}
	return ids[0] + "-" + ids[len(ids)-1] + " model"
}

// passedPhrase: "IRSA303 passed", "IRSA201, IRSA205 and IRSA206 passed".
func passedPhrase(ids []string) string {
	if len(ids) == 1 {
		return ids[0] + " passed"
	}
	return strings.Join(ids[:len(ids)-1], ", ") + " and " + ids[len(ids)-1] + " passed"
}

func appendUniq(list []string, s string) []string {
	if slices.Contains(list, s) {
		return list
	}
	return append(list, s)
}
