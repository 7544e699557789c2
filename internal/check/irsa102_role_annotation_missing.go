package check

import (
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"

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
	After:    []string{"IRSA101"},
	IRSA:     true,
	Doc: `The pod identity webhook gives a pod an IAM role only when the pod's **ServiceAccount** carries
the annotation ` + "`eks.amazonaws.com/role-arn`" + `, spelled exactly so. It reads no other key and never
looks at the pod's own annotations. Without it the pod gets no ` + "`AWS_ROLE_ARN`" + `, no
` + "`AWS_WEB_IDENTITY_TOKEN_FILE`" + ` and no token volume, and the SDK falls back to other credentials,
usually the node's instance role through IMDS (` + "`is not authorized to perform ... assumed-role/...NodeInstanceRole...`" + `).

Common causes: a typo in the key (` + "`eks.amazon.com/role-arn`" + `, ` + "`eks.amazonaws.com/role_arn`" + `, wrong
case, a stray space), the annotation put on the Deployment's pod template instead of the
ServiceAccount, or a Helm value that never reached the ServiceAccount.

A pod whose containers all set ` + "`AWS_ROLE_ARN`" + ` and ` + "`AWS_WEB_IDENTITY_TOKEN_FILE`" + ` themselves, pointing
into a projected ServiceAccount token volume they mount, does not need the annotation.`,
	Fix: `Annotate the ServiceAccount with the role's ARN (and remove a misspelt key):

    kubectl annotate serviceaccount SA -n NAMESPACE eks.amazonaws.com/role-arn=arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME

or let eksctl create the role and the annotation (` + "`eksctl create iamserviceaccount`" + `). The webhook acts
only when a pod is created: re-create the pods afterwards (` + "`kubectl rollout restart`" + `).`,
	Run: runIRSA102,
}

func runIRSA102(c *Context, t *Target, r *Recorder) {
	subj := t.SASubject()
	if t.SA == nil {
		r.Skip(subj, saAbsentReason(c, t))
		return
	}
	key := webhook.AnnotationRoleARN
	if v, ok := RoleAnnotation(t.SA); ok {
		r.Pass(subj, fmt.Sprintf("ServiceAccount has %s %q", key, v),
			Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %q", t.Namespace, t.SAName, key, v)))
		return
	}
	if names, ok := handMadeWebIdentity(t.Spec); ok {
		verb, pron := "set", "they mount"
		if len(names) == 1 {
			verb, pron = "sets", "it mounts"
		}
		r.Pass(subj, fmt.Sprintf("ServiceAccount has no %s, but %s %s %s and %s to a projected ServiceAccount token %s, so the pod needs no injection",
			key, containerList(names), verb, webhook.EnvRoleARN, webhook.EnvTokenFile, pron),
			Ev(t.Source, fmt.Sprintf("%s %s/%s: hand-made web identity in %s", targetNoun(t), t.Namespace, t.Name, strings.Join(names, ", "))))
		return
	}

	details := []Detail{Ev(t.SA.Source, saAnnotationsEvidence(t.SA))}
	saKey := NearMissKey(t.SA.Annotations)
	podKey, podVal := "", ""
	if t.Meta != nil {
		if v, ok := t.Meta.Annotations[key]; ok {
			podKey, podVal = key, v
		} else if k := NearMissKey(t.Meta.Annotations); k != "" {
			podKey, podVal = k, t.Meta.Annotations[k]
		}
	}
	if podKey != "" {
		details = append(details, Ev(t.Source, fmt.Sprintf("%s %s/%s: metadata.annotations[%q]: %q", targetNoun(t), t.Namespace, t.Name, podKey, podVal)))
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
		arnValue = roleARNHint(c)
	}
	cmds := []string{saAnnotateCmd(t.Namespace, t.SAName, key, &arnValue, false)}
	if saKey != "" {
		cmds = append(cmds, saAnnotateCmd(t.Namespace, t.SAName, saKey, nil, false))
	}
	remedy := fmt.Sprintf("Annotate ServiceAccount `%s` in `%s` with the role's ARN", t.SAName, t.Namespace)
	if known {
		remedy += " (the value found under the wrong key)"
	} else {
		remedy += " (replace ROLE_NAME with the role whose trust policy allows `system:serviceaccount:" + t.Namespace + ":" + t.SAName + "`)"
	}
	remedy += ":\n\n    " + strings.Join(cmds, "\n    ") + "\n\nThe webhook acts only when a pod is created: re-create the pods of this ServiceAccount afterwards"
	if kind, name := templateWorkload(c, t); rolloutRestart(kind, name, t.Namespace) != "" {
		remedy += " (`" + rolloutRestart(kind, name, t.Namespace) + "`)"
	}
	remedy += "."
	details = append(details, Cmd(cmds...), Remedy(remedy))
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

// saAbsentReason says why a check about the ServiceAccount cannot judge it.
func saAbsentReason(c *Context, t *Target) string {
	if _, _, missing := SAMissing(c.Snap, t); missing {
		return fmt.Sprintf("ServiceAccount %q does not exist in namespace %q", t.SAName, t.Namespace)
	}
	return fmt.Sprintf("ServiceAccount %s/%s is not in the input (capture: kubectl get serviceaccount %s -n %s -o json)", t.Namespace, t.SAName, t.SAName, t.Namespace)
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
		if IsNearMiss(k) {
			keys = append(keys, fmt.Sprintf("%q: %q", k, v))
		} else {
			keys = append(keys, fmt.Sprintf("%q", k))
		}
	}
	sort.Strings(keys)
	return fmt.Sprintf("ServiceAccount %s/%s annotations: %s", sa.Namespace, sa.Name, strings.Join(keys, ", "))
}

// targetNoun names the target's kind for evidence: "pod", or the workload's
// kind for a template.
func targetNoun(t *Target) string {
	if t.IsPod() {
		return "pod"
	}
	return t.Kind
}

// containerList renders container names: `container "app"`, `containers
// "app" and "log"`.
func containerList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return "container " + q[0]
	}
	return "containers " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
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
	for _, ct := range AllContainers(spec) {
		role, hasRole := Env(ct, webhook.EnvRoleARN)
		file, hasFile := Env(ct, webhook.EnvTokenFile)
		if !hasRole && !hasFile {
			continue
		}
		if !hasRole || !hasFile || (role.Value == "" && role.ValueFrom == nil) || file.ValueFrom != nil {
			return nil, false
		}
		if _, ok := tokenVolumeFor(spec, ct, file.Value); !ok {
			return nil, false
		}
		names = append(names, ct.Name)
	}
	return names, len(names) > 0
}

// tokenVolumeFor returns the projected volume holding a serviceAccountToken
// whose file the container sees at path p, through one of its mounts.
func tokenVolumeFor(spec *snapshot.PodSpec, ct *snapshot.Container, p string) (*snapshot.Volume, bool) {
	if p == "" {
		return nil, false
	}
	p = path.Clean(p)
	for _, m := range ct.VolumeMounts {
		v := Volume(spec, m.Name)
		if v == nil || v.Projected == nil {
			continue
		}
		for _, src := range v.Projected.Sources {
			sat := src.ServiceAccountToken
			if sat == nil || sat.Path == "" {
				continue
			}
			// With subPath the mount is the file (or directory) at that
			// path inside the volume.
			inVolume := sat.Path
			if m.SubPath != "" {
				rel, ok := strings.CutPrefix(path.Clean(sat.Path), path.Clean(m.SubPath))
				if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
					continue
				}
				inVolume = rel
			}
			if path.Join(m.MountPath, inVolume) == p {
				return v, true
			}
		}
	}
	return nil, false
}
