package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa105 = &Check{
	ID:       "IRSA105",
	Slug:     "pod-role-stale",
	Title:    "Pod runs with a role the ServiceAccount no longer names",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopePod,
	Requires: []*Check{irsa101, irsa102, irsa103},
	IRSA:     true,
	Run:      runIRSA105,
}

func runIRSA105(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.Subject()
	if t.SA == nil {
		r.Skip(subj, model.SaNotInInput(t))
		return
	}
	type injected struct{ container, value, why string }
	var injs []injected
	for _, cont := range model.InitAndRegular(t.Spec) {
		e, ok := model.Env(cont, webhook.EnvRoleARN)
		if !ok || e.ValueFrom != nil {
			continue
		}
		if o := model.WebIdentityOrigin(c, t, cont); o.Injected {
			injs = append(injs, injected{cont.Name, e.Value, o.Why})
		}
	}
	if len(injs) == 0 {
		// Not mutated (IRSA104), or hand-written values (IRSA109).
		return
	}
	role, has := model.RoleAnnotation(t.SA)
	staleValues := map[string]bool{}
	for _, i := range injs {
		if i.value != role || role == "" {
			staleValues[i.value] = true
		}
	}
	if len(staleValues) == 0 {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("the injected %s %q matches the %s of ServiceAccount %q", webhook.EnvRoleARN, role, webhook.AnnotationRoleARN, t.SAName), nil
		})
		return
	}
	values := model.SortedKeys(staleValues)
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	current := fmt.Sprintf("%s %q", webhook.AnnotationRoleARN, role)
	if !has {
		current = "no " + webhook.AnnotationRoleARN
	}
	details := []model.Detail{model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s (created %s): %s", t.Namespace, t.SAName, model.OrUnknown(t.SA.CreationTimestamp), current))}
	for _, i := range injs {
		details = append(details, model.Ev(t.Source, fmt.Sprintf("pod %s/%s (created %s) container %s: %s=%s (injected: %s)",
			t.Namespace, t.Name, model.OrUnknown(t.Meta.CreationTimestamp), i.container, webhook.EnvRoleARN, i.value, i.why)))
	}
	cmds, remedy := model.RecreateFix(c, t)
	details = append(details, model.Run(cmds...), model.Remedy(remedy))
	var msg string
	if role == "" {
		what := "no longer has " + webhook.AnnotationRoleARN
		if has {
			what = "now has an empty " + webhook.AnnotationRoleARN
		}
		msg = fmt.Sprintf("%s %s was injected when the pod was created, but ServiceAccount %q %s: the pod keeps that role until it is re-created, and a re-created pod gets no IRSA credentials",
			webhook.EnvRoleARN, strings.Join(quoted, ", "), t.SAName, what)
		details = append(details, model.WithSeverity(finding.SeverityWarning))
	} else {
		msg = fmt.Sprintf("the injected %s %s differs from the %s %q of ServiceAccount %q: the webhook sets the role only when a pod is created, so the pod still assumes the old role until it is re-created",
			webhook.EnvRoleARN, strings.Join(quoted, ", "), webhook.AnnotationRoleARN, role, t.SAName)
	}
	r.Fail(subj, msg, details...)
}
