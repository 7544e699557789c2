package check

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa112 = &Check{
	ID:       "IRSA112",
	Slug:     "token-expiration-invalid",
	Title:    "The eks.amazonaws.com/token-expiration annotation is not used as written",
	Severity: finding.SeverityWarning,
	Link:     finding.LinkWebhook,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102},
	IRSA:     true,
	Subject:  model.SASubjectOf,
	Run:      runIRSA112,
}

// maxExpiration is the API server's limit on a projected token's
// expirationSeconds (pkg/apis/core/validation validateProjectionSources:
// ExpirationSeconds > 1<<32 is "may not specify a duration larger than
// 2^32 seconds").
const maxExpiration = int64(1) << 32

func runIRSA112(c *model.Context, t *model.Target, r *Recorder) {
	key := webhook.AnnotationTokenExpiration
	if t.SA != nil {
		if role, _ := model.RoleAnnotation(t.SA); role == "" {
			// The webhook does not mutate: no token is requested, and
			// the annotation has no effect (IRSA102 and IRSA103 judge
			// the role annotation).
			return
		}
	}
	podVal, podHas := "", false
	if t.Meta != nil {
		podVal, podHas = t.Meta.Annotations[key]
	}
	saVal, saHas := "", false
	if t.SA != nil {
		saVal, saHas = t.SA.Annotations[key]
	}

	if podHas {
		fallback := "the default 86400 seconds"
		switch {
		case t.SA == nil:
			fallback = "the ServiceAccount's value or the default 86400 seconds"
		case saHas:
			if n, err := strconv.ParseInt(saVal, 10, 64); err == nil {
				fallback = fmt.Sprintf("the ServiceAccount's %d seconds", max(n, webhook.MinExpiration))
			}
		}
		j := judgeExpiration(podVal, "on the pod", fallback)
		details := []model.Detail{model.Ev(t.Source, fmt.Sprintf("%s %s/%s: metadata.annotations[%q]: %q", model.TargetNoun(t), t.Namespace, t.Name, key, podVal))}
		if saHas {
			details = append(details, model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %q", t.Namespace, t.SAName, key, saVal)))
		}
		details = append(details, appliedExpiration(t)...)
		recordExpiration(r, t.Subject(), j, append(details, podExpirationFix(c, t, j)...))
		if j.effective {
			return // the pod's value wins: the ServiceAccount's does not matter here
		}
	}
	switch {
	case t.SA == nil:
		r.Skip(t.SASubject(), model.SaAbsentReason(c, t)+", so its "+key+" cannot be judged")
	case saHas:
		j := judgeExpiration(saVal, "on the ServiceAccount", "the default 86400 seconds")
		details := []model.Detail{model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %q", t.Namespace, t.SAName, key, saVal))}
		if j.status == finding.StatusFail {
			v := j.suggestion
			cmd := model.SaAnnotateCmd(t.Namespace, t.SAName, key, v, v != nil)
			remedy := "Remove the annotation, which leaves the default 86400 seconds"
			if v != nil {
				remedy = fmt.Sprintf("Set the annotation to %s seconds", *v)
			}
			details = append(details, model.Run(cmd, model.RestartAfter(c, t)), model.Remedy(remedy+":\n\n"+model.Lines(cmd)+"\n\nThe webhook reads it when a pod is created: re-create the pods of this ServiceAccount afterwards."))
		}
		recordExpiration(r, t.SASubject(), j, details)
	default:
	}
}

// expirationJudgement is the judgement of one token-expiration value.
type expirationJudgement struct {
	status   finding.Status
	severity finding.Severity
	msg      string
	// effective: the webhook uses the value (raised to 600 if below), so a
	// ServiceAccount value under a pod value does not matter.
	effective bool
	// suggestion is the value to write instead; nil means "remove it".
	suggestion *string
}

func judgeExpiration(v, where, fallback string) expirationJudgement {
	key := webhook.AnnotationTokenExpiration
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		what := "is not a whole number of seconds"
		if errors.Is(err, strconv.ErrRange) {
			what = "is too large for a 64-bit integer"
		}
		return expirationJudgement{status: finding.StatusFail, severity: finding.SeverityWarning,
			msg:        fmt.Sprintf("%s %q %s %s: the webhook ignores it and uses %s", key, v, where, what, fallback),
			suggestion: expirationSuggestion(v)}
	}
	switch {
	case n < webhook.MinExpiration:
		s := strconv.FormatInt(webhook.MinExpiration, 10)
		return expirationJudgement{status: finding.StatusFail, severity: finding.SeverityInfo, effective: true, suggestion: &s,
			msg: fmt.Sprintf("%s %q %s is below %d: the webhook raises it to %d seconds, its minimum", key, v, where, webhook.MinExpiration, webhook.MinExpiration)}
	case n > maxExpiration:
		return expirationJudgement{status: finding.StatusFail, severity: finding.SeverityError, effective: true,
			msg: fmt.Sprintf("%s %q %s is above %d (2^32), the most the API server accepts for a projected token's expirationSeconds: the webhook injects it as is, and the API server rejects every new pod (\"may not specify a duration larger than 2^32 seconds\")",
				key, v, where, maxExpiration)}
	}
	msg := fmt.Sprintf("%s %q %s: the webhook requests tokens valid for %d seconds", key, v, where, n)
	if n > webhook.DefaultExpiration {
		msg += "; the kubelet still refreshes them once they are 24 hours old"
	}
	return expirationJudgement{status: finding.StatusPass, effective: true, msg: msg}
}

// expirationSuggestion reads what the user probably meant: a number with
// stray spaces or quotes, or a Go duration ("1h", "3600s"), as whole
// seconds within the accepted range; nil when there is no clear reading.
func expirationSuggestion(v string) *string {
	s := strings.Trim(strings.TrimSpace(v), `"'`)
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		d, derr := time.ParseDuration(s)
		if derr != nil || d%time.Second != 0 || d <= 0 {
			return nil
		}
		n = int64(d / time.Second)
	}
	if n > maxExpiration {
		return nil
	}
	out := strconv.FormatInt(max(n, webhook.MinExpiration), 10)
	return &out
}

func recordExpiration(r *Recorder, subj finding.Subject, j expirationJudgement, details []model.Detail) {
	if j.status == finding.StatusPass {
		r.Pass(subj, j.msg, details...)
		return
	}
	r.Fail(subj, j.msg, append(details, model.WithSeverity(j.severity))...)
}

// appliedExpiration shows, for an admitted pod, the expirationSeconds its
// token volume actually got.
func appliedExpiration(t *model.Target) []model.Detail {
	if !t.IsPod() || t.Spec == nil {
		return nil
	}
	v := model.Volume(t.Spec, webhook.VolumeName)
	if v == nil || v.Projected == nil {
		return nil
	}
	for _, src := range v.Projected.Sources {
		if sat := src.ServiceAccountToken; sat != nil && sat.ExpirationSeconds != nil {
			return []model.Detail{model.Ev(t.Source, fmt.Sprintf("pod %s/%s: volume %s expirationSeconds: %d (applied at admission)", t.Namespace, t.Name, webhook.VolumeName, *sat.ExpirationSeconds))}
		}
	}
	return nil
}

// podExpirationFix corrects the annotation in the workload's pod template.
func podExpirationFix(c *model.Context, t *model.Target, j expirationJudgement) []model.Detail {
	if j.status == finding.StatusPass {
		return nil
	}
	var value any // nil: JSON null removes the key in a merge patch
	what := "remove the annotation from the pod template (the ServiceAccount's value or the default 86400 then applies)"
	if j.suggestion != nil {
		value = *j.suggestion
		what = fmt.Sprintf("set it to %s in the pod template", *j.suggestion)
	}
	kind, name := model.TemplateWorkload(c, t)
	patch := model.TemplatePatch(kind, name, t.Namespace, map[string]any{"metadata": map[string]any{"annotations": map[string]any{webhook.AnnotationTokenExpiration: value}}})
	if patch.None() {
		if kind == "" {
			return []model.Detail{model.Remedy("The webhook reads the annotation when the pod is created: " + what + " in the pod's manifest and re-create the pod.")}
		}
		return []model.Detail{model.Remedy(fmt.Sprintf("The webhook reads the annotation when a pod is created: %s of %s %s, then re-create its pods.", what, kind, name))}
	}
	return []model.Detail{model.Run(patch), model.Remedy(fmt.Sprintf("The webhook reads the annotation when a pod is created: %s; the patch applies to the pods created from now on:\n\n%s", what, model.Lines(patch)))}
}
