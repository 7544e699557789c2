package check

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa102 = &Check{
	ID:       "IRSA102",
	Slug:     "role-annotation-missing",
	Title:    "The ServiceAccount has no eks.amazonaws.com/role-arn annotation",
	Severity: finding.SeverityError,
	Link:     finding.LinkServiceAccount,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101},
	IRSA:     true,
	Subject:  model.SASubjectOf,
	Run:      runIRSA102,
}

func runIRSA102(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.SASubject()
	if t.SA == nil {
		r.Skip(subj, model.SaAbsentReason(c, t))
		return
	}
	key := webhook.AnnotationRoleARN
	if v, ok := model.RoleAnnotation(t.SA); ok {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("ServiceAccount has %s %q", key, v), []model.Detail{model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %q", t.Namespace, t.SAName, key, v))}
		})
		return
	}
	if names, ok := handMadeWebIdentity(t.Spec); ok {
		verb, pron := "set", "they mount"
		if len(names) == 1 {
			verb, pron = "sets", "it mounts"
		}
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("ServiceAccount has no %s, but %s %s %s and %s to a projected ServiceAccount token %s, so the pod needs no injection",
				key, model.ContainerList(names), verb, webhook.EnvRoleARN, webhook.EnvTokenFile, pron), []model.Detail{model.Ev(t.Source, fmt.Sprintf("%s %s/%s: hand-made web identity in %s", model.TargetNoun(t), t.Namespace, t.Name, strings.Join(names, ", ")))}
		})
		return
	}

	details := []model.Detail{model.Ev(t.SA.Source, saAnnotationsEvidence(t.SA))}
	saKey := model.NearMissKey(t.SA.Annotations)
	podKey, podVal := "", ""
	if t.Meta != nil {
		if v, ok := t.Meta.Annotations[key]; ok {
			podKey, podVal = key, v
		} else if k := model.NearMissKey(t.Meta.Annotations); k != "" {
			podKey, podVal = k, t.Meta.Annotations[k]
		}
	}
	if podKey != "" {
		details = append(details, model.Ev(t.Source, fmt.Sprintf("%s %s/%s: metadata.annotations[%q]: %q", model.TargetNoun(t), t.Namespace, t.Name, podKey, podVal)))
	}

	var msg, value string
	switch {
	case saKey != "":
		value = t.SA.Annotations[saKey]
		msg = fmt.Sprintf("ServiceAccount has the annotation %q, not %s: did you mean %s? The webhook reads only the exact key, so pods of this ServiceAccount get no role",
			saKey, key, key)
	case podKey == key:
		value = podVal
		msg = fmt.Sprintf("%s is set on the pod, not on ServiceAccount %q: the webhook reads it only from the ServiceAccount, so the pod gets no role", key, t.SAName)
	case podKey != "":
		value = podVal
		msg = fmt.Sprintf("the pod has the annotation %q, and ServiceAccount %q has no %s: did you mean %s on the ServiceAccount? The webhook reads only that exact key, and only from the ServiceAccount, so the pod gets no role",
			podKey, t.SAName, key, key)
	default:
		msg = fmt.Sprintf("ServiceAccount %q has no %s annotation: the webhook injects no role, and the SDK falls back to other credentials, usually the node's instance role", t.SAName, key)
	}

	arnValue, known := annotationValueFix(value)
	if !known {
		arnValue = model.RoleARNHint(c)
	}
	cmds := []model.Argv{model.SaAnnotateCmd(t.Namespace, t.SAName, key, &arnValue, false)}
	if saKey != "" {
		cmds = append(cmds, model.SaAnnotateCmd(t.Namespace, t.SAName, saKey, nil, false))
	}
	remedy := fmt.Sprintf("Annotate ServiceAccount %s in %s with the role's ARN", finding.MarkdownCode(t.SAName), finding.MarkdownCode(t.Namespace))
	if known {
		remedy += " (the value found under the wrong key)"
	} else {
		remedy += " (replace ROLE_NAME with the role whose trust policy allows " + finding.MarkdownCode("system:serviceaccount:"+t.Namespace+":"+t.SAName) + ")"
	}
	remedy += ":\n\n" + model.Lines(cmds...) + "\n\nThe webhook acts only when a pod is created: re-create the pods of this ServiceAccount afterwards"
	restart := model.Argv{}
	if kind, name := model.TemplateWorkload(c, t); model.RolloutRestart(kind, name, t.Namespace).OK() {
		restart = model.RolloutRestart(kind, name, t.Namespace)
		remedy += " (" + finding.MarkdownCode(restart.Line()) + ")"
	}
	remedy += "."
	if known {
		details = append(details, model.Run(cmds...), model.Run(restart))
	} else {
		details = append(details, model.Alt("replace ROLE_NAME (and ACCOUNT_ID) with the role this ServiceAccount is meant to use", cmds...),
			model.Alt("after the annotation above is filled in and run", restart))
	}
	details = append(details, model.Remedy(remedy))
	r.Fail(subj, msg, details...)
}

// annotationValueFix returns the role ARN to annotate with, from a value
// found under the wrong key: as is when it is a valid role ARN, corrected
// when the correction is unambiguous (quotes, whitespace), and not known
// otherwise.
func annotationValueFix(v string) (string, bool) {
	if v == "" {
		return "", false
	}
	if _, err := arn.ParseRole(v); err == nil {
		return v, true
	} else if e := (*arn.Error)(nil); errors.As(err, &e) && e.Suggestion != "" {
		return e.Suggestion, true
	}
	return "", false
}

// saAnnotationsEvidence lists the ServiceAccount's annotation keys (values
// only for near misses: other values, such as
// kubectl.kubernetes.io/last-applied-configuration, are long and beside the
// point).
func saAnnotationsEvidence(sa *snapshot.ServiceAccount) string {
	if len(sa.Annotations) == 0 {
		return fmt.Sprintf("ServiceAccount %s/%s has no annotations", sa.Namespace, sa.Name)
	}
	var keys []string
	for k, v := range sa.Annotations {
		if model.IsNearMiss(k) {
			keys = append(keys, fmt.Sprintf("%q: %q", k, v))
		} else {
			keys = append(keys, fmt.Sprintf("%q", k))
		}
	}
	sort.Strings(keys)
	return fmt.Sprintf("ServiceAccount %s/%s annotations: %s", sa.Namespace, sa.Name, strings.Join(keys, ", "))
}

// handMadeWebIdentity reports a pod that does web identity by hand: at
// least one container sets AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE,
// and every such container sets a non-empty AWS_ROLE_ARN and an
// AWS_WEB_IDENTITY_TOKEN_FILE that names the token file of a projected
// serviceAccountToken volume it mounts. Containers that set neither do not
// ask for AWS credentials (a sidecar), so they do not count against it.
func handMadeWebIdentity(spec *snapshot.PodSpec) ([]string, bool) {
	if spec == nil {
		return nil, false
	}
	var names []string
	for _, ct := range model.AllContainers(spec) {
		role, hasRole := model.Env(ct, webhook.EnvRoleARN)
		file, hasFile := model.Env(ct, webhook.EnvTokenFile)
		if !hasRole && !hasFile {
			continue
		}
		if !hasRole || !hasFile || (role.Value == "" && role.ValueFrom == nil) || file.ValueFrom != nil {
			return nil, false
		}
		if _, ok := model.TokenVolumeFor(spec, ct, file.Value); !ok {
			return nil, false
		}
		names = append(names, ct.Name)
	}
	return names, len(names) > 0
}
