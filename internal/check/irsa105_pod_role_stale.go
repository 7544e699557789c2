package check

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa105 = &Check{
	ID:       "IRSA105",
	Slug:     "pod-role-stale",
	Title:    "Pod runs with a role the ServiceAccount no longer names",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopePod,
	After:    []string{"IRSA101", "IRSA102", "IRSA103"},
	IRSA:     true,
	Doc: `The webhook copies the ServiceAccount's ` + "`eks.amazonaws.com/role-arn`" + ` into ` + "`AWS_ROLE_ARN`" + ` when a pod
is **created**, and never updates running pods (irsa-facts.md §1.5: "Delete and re-create any
existing Pods"). After the annotation is changed, existing pods keep assuming the old role: with
the old role's permissions, or failing if that role was deleted or no longer trusts the
ServiceAccount. After the annotation is removed, they keep the old role until they are
re-created, and then get no IRSA credentials (a warning).

Only values the webhook injected are compared: an ` + "`AWS_ROLE_ARN`" + ` written in the workload's manifest
is IRSA109's business. A value counts as injected when the pod's template (its ReplicaSet,
Deployment, ...) does not set it, or, when no template is in the input, when it has the exact
shape the webhook writes (` + "`AWS_ROLE_ARN`" + ` directly followed by ` + "`AWS_WEB_IDENTITY_TOKEN_FILE`" + ` with the
webhook's token path, and the ` + "`aws-iam-token`" + ` mount).`,
	Fix: `Re-create the pods: ` + "`kubectl rollout restart`" + ` the Deployment, StatefulSet or DaemonSet, or delete pods
owned by a ReplicaSet or Job so that their controller replaces them. Changing IAM policies or the
trust policy needs no restart; changing the annotation does.`,
	Run: runIRSA105,
}

func runIRSA105(c *Context, t *Target, r *Recorder) {
	subj := t.Subject()
	if t.SA == nil {
		r.Skip(subj, saNotInInput(t))
		return
	}
	type injected struct{ container, value, why string }
	var injs []injected
	for _, cont := range initAndRegular(t.Spec) {
		e, ok := Env(cont, webhook.EnvRoleARN)
		if !ok || e.ValueFrom != nil {
			continue
		}
		if o := webIdentityOrigin(c, t, cont); o.injected {
			injs = append(injs, injected{cont.Name, e.Value, o.why})
		}
	}
	if len(injs) == 0 {
		// Not mutated (IRSA104), or hand-written values (IRSA109).
		if r.Blocked() {
			r.Skip(subj, "")
		}
		return
	}
	role, has := RoleAnnotation(t.SA)
	staleValues := map[string]bool{}
	for _, i := range injs {
		if i.value != role || role == "" {
			staleValues[i.value] = true
		}
	}
	if len(staleValues) == 0 {
		r.Pass(subj, fmt.Sprintf("the injected %s %q matches the %s of ServiceAccount %q", webhook.EnvRoleARN, role, webhook.AnnotationRoleARN, t.SAName))
		return
	}
	values := sortedKeys(staleValues)
	quoted := make([]string, len(values))
	for i, v := range values {
		quoted[i] = fmt.Sprintf("%q", v)
	}
	current := fmt.Sprintf("%s %q", webhook.AnnotationRoleARN, role)
	if !has {
		current = "no " + webhook.AnnotationRoleARN
	}
	details := []Detail{Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s (created %s): %s", t.Namespace, t.SAName, orUnknown(t.SA.CreationTimestamp), current))}
	for _, i := range injs {
		details = append(details, Ev(t.Source, fmt.Sprintf("pod %s/%s (created %s) container %s: %s=%s (injected: %s)",
			t.Namespace, t.Name, orUnknown(t.Meta.CreationTimestamp), i.container, webhook.EnvRoleARN, i.value, i.why)))
	}
	cmds, remedy := recreateFix(c, t)
	details = append(details, Cmd(cmds...), Remedy(remedy))
	var msg string
	if role == "" {
		what := "no longer has " + webhook.AnnotationRoleARN
		if has {
			what = "now has an empty " + webhook.AnnotationRoleARN
		}
		msg = fmt.Sprintf("%s %s was injected when the pod was created, but ServiceAccount %q %s: the pod keeps that role until it is re-created, and a re-created pod gets no IRSA credentials",
			webhook.EnvRoleARN, strings.Join(quoted, ", "), t.SAName, what)
		details = append(details, WithSeverity(finding.SeverityWarning))
	} else {
		msg = fmt.Sprintf("the injected %s %s differs from the %s %q of ServiceAccount %q: the webhook sets the role only when a pod is created, so the pod still assumes the old role until it is re-created",
			webhook.EnvRoleARN, strings.Join(quoted, ", "), webhook.AnnotationRoleARN, role, t.SAName)
	}
	r.Fail(subj, msg, details...)
}

// envOrigin says whether a pod container's web identity variables were
// injected by the webhook or written in the manifest, and how that was told.
type envOrigin struct {
	injected bool
	why      string
}

// webIdentityOrigin decides where a pod container's AWS_ROLE_ARN /
// AWS_WEB_IDENTITY_TOKEN_FILE come from. The webhook adds them only to a
// container that sets neither (§1.3), so the template the pod was made
// from settles it: the pod's controller when in the input, else its
// top-level owner. Without a template, the shape the webhook writes
// (getPodSpecPatch appends AWS_ROLE_ARN then AWS_WEB_IDENTITY_TOKEN_FILE
// with its token path, and mounts aws-iam-token) counts as injected.
// Templates have not been admitted: their values are hand-written.
func webIdentityOrigin(c *Context, t *Target, cont *snapshot.Container) envOrigin {
	if !t.IsPod() {
		return envOrigin{why: "set in the pod template"}
	}
	if spec, desc := podTemplateOf(c, t); spec != nil {
		if tc := specContainer(spec, cont.Name); tc != nil {
			_, role := Env(tc, webhook.EnvRoleARN)
			_, file := Env(tc, webhook.EnvTokenFile)
			if role || file {
				return envOrigin{why: "set in the pod template of " + desc}
			}
			return envOrigin{injected: true, why: "the pod template of " + desc + " does not set it"}
		}
	}
	for i, e := range cont.Env {
		if e.Name != webhook.EnvRoleARN {
			continue
		}
		if e.ValueFrom == nil && i+1 < len(cont.Env) {
			next := cont.Env[i+1]
			if next.Name == webhook.EnvTokenFile && next.ValueFrom == nil &&
				(next.Value == webhook.TokenPath || next.Value == webhook.WindowsTokenPath) &&
				hasMount(cont, webhook.VolumeName) && Volume(&t.Pod.Spec, webhook.VolumeName) != nil {
				return envOrigin{injected: true, why: "no pod template in the input; it has the shape the webhook writes"}
			}
		}
		break
	}
	return envOrigin{why: "no pod template in the input, and it does not have the shape the webhook writes"}
}

// podTemplateOf returns the pod template a pod was created from: its
// controller's when the input holds it, else its top-level owner's.
func podTemplateOf(c *Context, t *Target) (*snapshot.PodSpec, string) {
	if ref := t.Meta.ControllerOf(); ref != nil {
		if w := c.Index.Workload(ref.Kind, t.Namespace, ref.Name); w != nil {
			return &w.Template.Spec, w.Kind + " " + w.Name
		}
	}
	if t.Owner != nil {
		return &t.Owner.Template.Spec, t.Owner.Kind + " " + t.Owner.Name
	}
	return nil, ""
}

func hasMount(c *snapshot.Container, volume string) bool {
	for _, m := range c.VolumeMounts {
		if m.Name == volume {
			return true
		}
	}
	return false
}

// initAndRegular returns the containers the webhook mutates: init
// containers (native sidecars included), then regular ones; not ephemeral.
func initAndRegular(s *snapshot.PodSpec) []*snapshot.Container {
	if s == nil {
		return nil
	}
	out := make([]*snapshot.Container, 0, len(s.InitContainers)+len(s.Containers))
	for i := range s.InitContainers {
		out = append(out, &s.InitContainers[i])
	}
	for i := range s.Containers {
		out = append(out, &s.Containers[i])
	}
	return out
}
