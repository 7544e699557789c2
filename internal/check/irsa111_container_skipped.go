package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa111 = &Check{
	ID:       "IRSA111",
	Slug:     "container-skipped",
	Title:    "The pod or its containers opt out of the pod identity webhook",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopeWorkloads,
	Requires: []*Check{irsa101},
	IRSA:     true,
	Run:      runIRSA111,
}

func runIRSA111(c *model.Context, t *model.Target, r *Recorder) {
	if t.Meta == nil || t.Spec == nil {
		return
	}
	_, hasLabel := t.Meta.Labels[webhook.LabelSkip]
	skipValue, hasAnnotation := t.Meta.Annotations[webhook.AnnotationSkipContainers]
	if !hasLabel && !hasAnnotation {
		return
	}
	if t.SA == nil {
		r.Skip(t.Subject(), model.SaNotInInput(t))
		return
	}
	a := model.AdmissionOf(c, t)
	if !a.Annotated {
		// Without a role the webhook does nothing anyway (IRSA102/IRSA103).
		return
	}
	saEv := model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, webhook.AnnotationRoleARN, a.Role))
	var labelEv model.Detail
	if hasLabel {
		labelEv = model.Ev(t.Source, fmt.Sprintf("%s %s/%s label %s=%q", t.Kind, t.Namespace, t.Name, webhook.LabelSkip, a.Label.Value))
	}
	if hasLabel && a.Label.Effective {
		// The whole pod is skipped: the annotation no longer matters.
		own, none := splitOwnCredentials(t.Spec, nil)
		if len(none.regular) == 0 {
			r.PassFunc(t.Subject(), func() (string, []model.Detail) {
				return fmt.Sprintf("the pod opts out of the webhook with the label %s, and every container sets its own web identity variables (IRSA109 judges them)", webhook.LabelSkip), []model.Detail{labelEv, model.Ev(t.Source, a.Label.Why)}
			})
			return
		}
		details := []model.Detail{labelEv, model.Ev(t.Source, a.Label.Why), saEv}
		if len(own) > 0 {
			details = append(details, model.Ev(t.Source, "containers with their own web identity variables: "+strings.Join(own, ", ")))
		}
		kind, name := model.TemplateOwner(c, t)
		if cmd := model.TemplatePatchCmd(kind, name, t.Namespace, "labels", webhook.LabelSkip, nil); !cmd.None() {
			details = append(details, model.Run(cmd))
		}
		details = append(details, model.Remedy(fmt.Sprintf("Remove the label %s from the pod template so that new pods are mutated (or use a ServiceAccount without a role if the pod is meant to run without IRSA).", webhook.LabelSkip)))
		r.Fail(t.Subject(), fmt.Sprintf("the pod carries the label %s, so the webhook never sees it: %s no IRSA credentials although ServiceAccount %q names role %q",
			webhook.LabelSkip, model.ContainerPhrase(append(none.init, none.regular...), "gets", "get"), t.SAName, a.Role), details...)
		return
	}

	// The target's own outcome: the annotation's verdict when it concerns
	// the whole pod, else the inert label's.
	var targetDetails []model.Detail
	if hasLabel {
		targetDetails = append(targetDetails, labelEv)
	}
	labelPass := func() {
		if hasLabel {
			r.PassFunc(t.Subject(), func() (string, []model.Detail) {
				return fmt.Sprintf("the pod carries the label %s, but %s", webhook.LabelSkip, a.Label.Why), targetDetails
			})
		}
	}
	if !hasAnnotation {
		labelPass()
		return
	}
	annEv := model.Ev(t.Source, fmt.Sprintf("%s %s/%s annotation %s: %q", t.Kind, t.Namespace, t.Name, webhook.AnnotationSkipContainers, skipValue))
	skip, err := webhook.SkipContainers(t.Meta.Annotations)
	if err != nil {
		if hasLabel {
			labelPass()
			return
		}
		r.PassFunc(t.Subject(), func() (string, []model.Detail) {
			return fmt.Sprintf("%s does not parse as a CSV record, so the webhook skips no container (%v)", webhook.AnnotationSkipContainers, err), []model.Detail{annEv}
		})
		return
	}
	var present, unknown []string
	for _, n := range model.SortedKeys(skip) {
		if model.SpecContainer(t.Spec, n) != nil {
			present = append(present, n)
		} else {
			unknown = append(unknown, fmt.Sprintf("%q", n))
		}
	}
	if len(present) == 0 {
		if hasLabel {
			labelPass()
			return
		}
		r.PassFunc(t.Subject(), func() (string, []model.Detail) {
			return fmt.Sprintf("%s names no container of the pod (%s), so the webhook skips none", webhook.AnnotationSkipContainers, strings.Join(unknown, ", ")), []model.Detail{annEv}
		})
		return
	}
	details := []model.Detail{annEv}
	if len(unknown) > 0 {
		details = append(details, model.Ev(t.Source, "names that match no container (compared exactly, spaces included): "+strings.Join(unknown, ", ")))
	}
	own, none := splitOwnCredentials(t.Spec, skip)
	var withCreds []string // regular containers that get credentials
	for _, cont := range t.Spec.Containers {
		if !skip[cont.Name] || model.SelectorHas(own, cont.Name) {
			withCreds = append(withCreds, cont.Name)
		}
	}
	if len(withCreds) == 0 {
		// Every regular container is skipped: one finding for the pod.
		details = append(append(targetDetails, details...), saEv)
		details = append(details, skipContainersFix(c, t, skip)...)
		r.Fail(t.Subject(), fmt.Sprintf("%s skips every regular container: %s no IRSA credentials although ServiceAccount %q names role %q",
			webhook.AnnotationSkipContainers, model.ContainerPhrase(append(none.init, none.regular...), "gets", "get"), t.SAName, a.Role), details...)
		return
	}
	labelPass()
	for _, cont := range model.InitAndRegular(t.Spec) {
		if !skip[cont.Name] {
			continue
		}
		subj := t.ContainerSubject(cont.Name)
		if model.SelectorHas(own, cont.Name) {
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("skipped by %s, and sets its own web identity variables (IRSA109 judges them)", webhook.AnnotationSkipContainers), details
			})
			continue
		}
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("skipped by %s: gets no IRSA credentials and uses the node's role, while %s them", webhook.AnnotationSkipContainers,
				model.ContainerPhrase(withCreds, "gets", "get")), details
		})
	}
}

// credentialSplit groups the containers without IRSA credentials.
type credentialSplit struct{ init, regular []string }

// splitOwnCredentials returns the containers that set
// AWS_WEB_IDENTITY_TOKEN_FILE themselves, and those that get no web
// identity: every container when skip is nil (the whole pod opts out),
// else the skipped ones.
func splitOwnCredentials(s *snapshot.PodSpec, skip map[string]bool) (own []string, none credentialSplit) {
	for i, cont := range model.InitAndRegular(s) {
		if skip != nil && !skip[cont.Name] {
			continue
		}
		if e, ok := model.Env(cont, webhook.EnvTokenFile); ok && (e.Value != "" || e.ValueFrom != nil) {
			own = append(own, cont.Name)
			continue
		}
		if i < len(s.InitContainers) {
			none.init = append(none.init, cont.Name)
		} else {
			none.regular = append(none.regular, cont.Name)
		}
	}
	return own, none
}

// skipContainersFix proposes the annotation without the regular
// containers, so that the application containers are mutated.
func skipContainersFix(c *model.Context, t *model.Target, skip map[string]bool) []model.Detail {
	var keep []string
	for _, n := range model.SortedKeys(skip) {
		isRegular := false
		for _, cont := range t.Spec.Containers {
			isRegular = isRegular || cont.Name == n
		}
		if !isRegular {
			keep = append(keep, n)
		}
	}
	var value *string
	if len(keep) > 0 {
		v := strings.Join(keep, ",")
		value = &v
	}
	kind, name := model.TemplateOwner(c, t)
	remedy := fmt.Sprintf("Take the application containers out of %s in the pod template, so that new pods are mutated (or use a ServiceAccount without a role if the pod is meant to run without IRSA).", webhook.AnnotationSkipContainers)
	if cmd := model.TemplatePatchCmd(kind, name, t.Namespace, "annotations", webhook.AnnotationSkipContainers, value); !cmd.None() {
		return []model.Detail{model.Run(cmd), model.Remedy(remedy)}
	}
	return []model.Detail{model.Remedy(remedy)}
}
