package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var irsa501 = &Check{
	ID:       "IRSA501",
	Slug:     "observed-error-unexplained",
	Title:    "An error seen in the pod's output is explained by no failing check",
	Severity: finding.SeverityWarning,
	// It judges no link: its skip (the candidates did not run) leaves
	// the chain as the other checks made it.
	Link:      finding.LinkServiceAccount,
	Secondary: true,
	Scope:     ScopeWorkloads,
	// Every check a signature of the catalogue may name as a cause
	// (TestIRSA501SeesEveryCandidate): it runs after them all.
	Sees: []*Check{irsa101, irsa102, irsa103, irsa104, irsa105, irsa106, irsa107, irsa108, irsa109, irsa110, irsa111, irsa112,
		irsa201, irsa202, irsa203, irsa204, irsa205, irsa206, irsa207, irsa208, irsa209, irsa210,
		irsa301, irsa302, irsa303, irsa304, irsa305, irsa306, irsa311, irsa312, irsa313,
		irsa401, irsa402, irsa403, irsa404, irsa405, irsa406, irsa407, irsa408, irsa409, irsa410, irsa411,
		irsa601, irsa602, irsa603, irsa604},
	Applies: func(c *model.Context, t *model.Target) bool { return len(model.ObservationsOf(c, t)) > 0 },
	Run:     runIRSA501,
}

// disagree is why a candidate that passed did not explain the error.
const disagree = "passed: the facts and the symptom disagree (a stale capture, a second role in the chain, or a permissions problem)"

func runIRSA501(c *model.Context, t *model.Target, r *Recorder) {
	outcomes := map[string][]Outcome{}
	for _, o := range r.Seen() {
		outcomes[o.Check.ID] = append(outcomes[o.Check.ID], o)
	}
	failed := func(id string) bool {
		for _, o := range outcomes[id] {
			if o.Status == finding.StatusFail {
				return true
			}
		}
		return false
	}
	// One outcome per container (the target itself for an error text or
	// a log that names no container), in the order first seen.
	var order []string
	byContainer := map[string][]*snapshot.Observation{}
	for _, o := range model.ObservationsOf(c, t) {
		if _, ok := byContainer[o.Container]; !ok {
			order = append(order, o.Container)
		}
		byContainer[o.Container] = append(byContainer[o.Container], o)
	}
	for _, name := range order {
		subj := t.Subject()
		if name != "" {
			subj = t.ContainerSubject(name)
		}
		var seen, explained, unexplained []string
		var details []model.Detail
		var capture []string
		var captureEv []model.Detail
		ran := false
		for _, o := range byContainer[name] {
			what := fmt.Sprintf("%s (%s) seen %s", o.Title, o.Signature, times(o.Count))
			failedFor := func(id string) bool {
				return failed(id) && (!model.IsPermissionCheck(id) || model.PermissionExplains(c, t, o, id))
			}
			if by := explainers(o, failedFor); len(by) > 0 {
				explained = append(explained, what+", explained by "+strings.Join(by, ", "))
				continue
			}
			seen = append(seen, what)
			details = append(details, model.Ev(o.File, model.ObservedText(o)))
			var why []string
			for _, id := range o.Candidates {
				os := outcomes[id]
				if len(os) > 0 {
					ran = true
				}
				why = append(why, id+" "+whyNot(os))
			}
			unexplained = append(unexplained, what)
			details = append(details, model.Ev(o.File, "could be caused by: "+strings.Join(why, "; ")))
			if note := ownRole(t, o); note != "" {
				details = append(details, model.Ev(o.File, note))
			}
			for _, cmd := range o.Capture {
				cmd = fillTarget(cmd, t)
				if !containsString(capture, cmd) {
					capture = append(capture, cmd)
					captureEv = append(captureEv, model.Ev(o.File, "capture: "+cmd))
				}
			}
		}
		switch {
		case len(unexplained) == 0:
			r.PassFunc(subj, func() (string, []model.Detail) {
				return "every error seen is explained by a failing check: " + strings.Join(explained, "; "), nil
			})
		case !ran:
			r.Skip(subj, fmt.Sprintf("%s, and none of the checks that can cause it ran for this target (not selected with --checks, or they do not apply to its mechanism)",
				strings.Join(seen, "; ")), details...)
		default:
			details = append(details, captureEv...)
			if len(capture) > 0 {
				details = append(details, captureFix(
					"Capture what the checks that could explain it lacked, add the outputs to the bundle, and analyze again:\n\n```\n"+
						strings.Join(capture, "\n")+"\n```\n"))
			}
			r.Fail(subj, fmt.Sprintf("%s, and no check that can cause it failed", strings.Join(unexplained, "; ")), details...)
		}
	}
}

// captureFix appends text to the check's remediation (irsa501.Fix,
// which Run may not name: an initialisation cycle).
func captureFix(text string) model.Detail {
	return func(f *finding.Finding) { f.Remediation = strings.TrimSpace(f.Remediation) + "\n\n" + text }
}

// fillTarget fills a capture template's NAMESPACE and SERVICE_ACCOUNT
// placeholders (what an error line never carries) with the target's.
func fillTarget(cmd string, t *model.Target) string {
	words := strings.Split(cmd, " ")
	for i, w := range words {
		switch {
		case w == "NAMESPACE" && t.Namespace != "":
			words[i] = finding.Quote(t.Namespace)
		case w == "SERVICE_ACCOUNT" && t.SAName != "":
			words[i] = finding.Quote(t.SAName)
		}
	}
	return strings.Join(words, " ")
}

// ownRole says when a refusal names the role the pod is annotated with:
// IRSA worked, and the refusal is about the role's permissions (or a
// policy outside the input), which no check of IRSA explains.
func ownRole(t *model.Target, o *snapshot.Observation) string {
	role := o.Fields["role"]
	arn, ok := model.RoleAnnotation(t.SA)
	if role == "" || !ok {
		return ""
	}
	arn = strings.TrimSpace(arn)
	if arn[strings.LastIndex(arn, "/")+1:] != role {
		return ""
	}
	return fmt.Sprintf("the error names role %s, the one ServiceAccount %s/%s is annotated with: the pod got its IRSA credentials, and the refusal is about what the role may do: IRSA601-603 judge its identity policies and permissions boundary when the input holds them; a service control policy, a resource or session policy is outside the input", role, t.Namespace, t.SAName)
}

// whyNot says why a candidate's outcomes did not explain an error.
func whyNot(os []Outcome) string {
	if len(os) == 0 {
		return "did not run for this target"
	}
	for _, o := range os {
		if o.Status == finding.StatusSkipped {
			return "skipped: " + o.Message
		}
	}
	return disagree
}

func times(n int) string {
	if n == 1 {
		return "once"
	}
	return fmt.Sprintf("%d times", n)
}

func containsString(ss []string, s string) bool {
	for _, x := range ss {
		if x == s {
			return true
		}
	}
	return false
}
