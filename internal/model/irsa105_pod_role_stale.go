package model

import (
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// envOrigin says whether a pod container's web identity variables were
// injected by the webhook or written in the manifest, and how that was told.
type EnvOrigin struct {
	Injected bool
	Why      string
}

// webIdentityOrigin decides where a pod container's AWS_ROLE_ARN /
// AWS_WEB_IDENTITY_TOKEN_FILE come from. The webhook adds them only to a
// container that sets neither (§1.3), so the template the pod was made
// from settles it: the pod's controller when in the input, else its
// top-level owner. Without a template, the shape the webhook writes
// (getPodSpecPatch appends AWS_ROLE_ARN then AWS_WEB_IDENTITY_TOKEN_FILE
// with its token path, and mounts aws-iam-token) counts as injected.
// Templates have not been admitted: their values are hand-written.
func WebIdentityOrigin(c *Context, t *Target, cont *snapshot.Container) EnvOrigin {
	if !t.IsPod() {
		return EnvOrigin{Why: "set in the pod template"}
	}
	if spec, desc := podTemplateOf(c, t); spec != nil {
		if tc := SpecContainer(spec, cont.Name); tc != nil {
			_, role := Env(tc, webhook.EnvRoleARN)
			_, file := Env(tc, webhook.EnvTokenFile)
			if role || file {
				return EnvOrigin{Why: "set in the pod template of " + desc}
			}
			return EnvOrigin{Injected: true, Why: "the pod template of " + desc + " does not set it"}
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
				return EnvOrigin{Injected: true, Why: "no pod template in the input; it has the shape the webhook writes"}
			}
		}
		break
	}
	return EnvOrigin{Why: "no pod template in the input, and it does not have the shape the webhook writes"}
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
func InitAndRegular(s *snapshot.PodSpec) []*snapshot.Container {
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
