package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// AudienceFact is the audience of the token a target's pods present.
type AudienceFact struct {
	Value string
	// Known is false when the token names no audience of its own: the
	// projected volume (or the eks.amazonaws.com/audience annotation the
	// webhook copies into it) is empty, so the API server issues the token
	// for its own audiences, which the input does not show
	// (ServiceAccountTokenProjection.audience: "defaults to the identifier
	// of the apiserver"; the webhook tests the annotation's presence only,
	// docs/reference/webhook.md#annotations-it-reads).
	Known bool
	// FromVolume is true when the value was read from the target's own
	// aws-iam-token volume, false when it is what the webhook will inject.
	FromVolume bool
	Where      string
	Source     snapshot.Source
}

// Evidence names the audience and where it came from.
func (a AudienceFact) Evidence() Detail {
	if !a.Known {
		return Ev(a.Source, "the token's aud: the API server's own audience ("+a.Where+")")
	}
	return Ev(a.Source, fmt.Sprintf("the token's aud: %s (%s)", a.Value, a.Where))
}

// same reports two facts naming the same audience.
func (a AudienceFact) same(b AudienceFact) bool { return a.Known == b.Known && a.Value == b.Value }

// TokenAudience returns the audience of the target's token: the audience
// of the aws-iam-token projected volume of a pod (as admitted) or of a
// template (the webhook adds no volume whose name exists, so a template's
// own volume is what its pods get: docs/reference/webhook.md#containers-that-already-set-the-variables, webhook.Mutate); for
// an unused ServiceAccount, a pod the webhook did not mutate or a template
// without the volume, what the webhook will inject: the ServiceAccount's
// eks.amazonaws.com/audience annotation, else the webhook's default
// sts.amazonaws.com (docs/reference/webhook.md#annotations-it-reads, docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions).
func TokenAudience(t *Target) AudienceFact {
	// Once per target: the trust and provider checks each ask.
	return OnceFor(t, tokenAudienceKey{}, func() AudienceFact {
		if a, ok := volumeAudience(t); ok {
			return a
		}
		return InjectedAudience(t)
	})
}

type tokenAudienceKey struct{}

// volumeAudience reads the audience of the target's own aws-iam-token
// volume, when it has one that projects a service account token.
func volumeAudience(t *Target) (AudienceFact, bool) {
	if t.Spec == nil || t.IsServiceAccount() {
		return AudienceFact{}, false
	}
	v := Volume(t.Spec, webhook.VolumeName)
	if v == nil || v.Projected == nil {
		return AudienceFact{}, false
	}
	for _, src := range v.Projected.Sources {
		tok := src.ServiceAccountToken
		if tok == nil {
			continue
		}
		// Concatenation, not fmt: every pod asks.
		where := "volume " + webhook.VolumeName + " of Pod " + t.Namespace + "/" + t.Name
		note := ""
		if t.IsTemplate() {
			where = fmt.Sprintf("volume %s of the pod template of %s %s/%s", webhook.VolumeName, t.Kind, t.Namespace, t.Name)
			note = "; the webhook keeps it, since it adds no volume whose name exists"
		}
		if tok.Audience == "" {
			return AudienceFact{FromVolume: true, Where: where + " sets no audience" + note, Source: t.Source}, true
		}
		return AudienceFact{Value: tok.Audience, Known: true, FromVolume: true, Where: where + note, Source: t.Source}, true
	}
	return AudienceFact{}, false
}

// InjectedAudience is the audience the webhook injects for the target's
// ServiceAccount.
func InjectedAudience(t *Target) AudienceFact {
	if t.SA != nil {
		if v, ok := t.SA.Annotations[webhook.AnnotationAudience]; ok {
			where := fmt.Sprintf("annotation %s of ServiceAccount %s/%s", webhook.AnnotationAudience, t.SA.Namespace, t.SA.Name)
			if v == "" {
				return AudienceFact{Where: where + " is empty", Source: t.SA.Source}
			}
			return AudienceFact{Value: v, Known: true, Where: where, Source: t.SA.Source}
		}
		return AudienceFact{Value: webhook.DefaultAudience, Known: true,
			Where:  fmt.Sprintf("the webhook's default: ServiceAccount %s/%s has no %s annotation", t.SA.Namespace, t.SA.Name, webhook.AnnotationAudience),
			Source: t.SA.Source}
	}
	return AudienceFact{Value: webhook.DefaultAudience, Known: true, Where: "the webhook's default", Source: t.Source}
}

// newPodAudience returns the audience a pod would get if it were
// re-created now, when that can be told: its owner's template as the
// webhook mutates it (TokenAudience), or, without the owner in the input,
// what the webhook injects into the pod's own spec without its
// aws-iam-token volume. The webhook runs on CREATE only, so a pod keeps
// the audience it was created with when the ServiceAccount's
// eks.amazonaws.com/audience annotation changes later (docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache).
func newPodAudience(t *Target) (AudienceFact, bool) {
	if !t.IsPod() || t.Spec == nil || t.SA == nil {
		return AudienceFact{}, false
	}
	if w := t.Owner; w != nil {
		if w.Template.Spec.ServiceAccount() != t.SAName {
			// A re-created pod would run as another ServiceAccount.
			return AudienceFact{}, false
		}
		tt := &Target{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Workload: w,
			Meta: &w.Template.ObjectMeta, Spec: &w.Template.Spec, SAName: t.SAName, SA: t.SA, SACopies: t.SACopies, Source: w.Source}
		return TokenAudience(tt), true
	}
	spec := *t.Spec
	spec.Volumes = nil
	for _, v := range t.Spec.Volumes {
		if v.Name != webhook.VolumeName {
			spec.Volumes = append(spec.Volumes, v)
		}
	}
	// A pod the webhook would leave alone (skip label, no role) got its
	// volume from its manifest, which a re-created pod gets again.
	if res := webhook.Mutate(t.Namespace, t.Meta, &spec, t.SA, webhook.Config{}); res.Mode != webhook.ModeIRSA || !res.VolumeAdded {
		return AudienceFact{}, false
	}
	return InjectedAudience(t), true
}

// ManifestVolume reports that the target's aws-iam-token volume is
// written in a manifest, not injected by the webhook: a template's own
// volume, or, for a pod, its owner's template's. where names the template.
func ManifestVolume(t *Target) (where string, ok bool) {
	tt := t
	if t.IsPod() {
		w := t.Owner
		if w == nil {
			return "", false
		}
		tt = &Target{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Workload: w,
			Meta: &w.Template.ObjectMeta, Spec: &w.Template.Spec, SAName: t.SAName, SA: t.SA, SACopies: t.SACopies, Source: w.Source}
	}
	if !tt.IsTemplate() {
		return "", false
	}
	if _, ok := volumeAudience(tt); !ok {
		return "", false
	}
	return fmt.Sprintf("the pod template of %s %s/%s", tt.Kind, tt.Namespace, tt.Name), true
}

// ManifestVolumeRemedy tells to correct a volume written in the manifest:
// the webhook keeps it (docs/reference/webhook.md#containers-that-already-set-the-variables), so neither the
// ServiceAccount's annotation nor a restart changes its audience.
func ManifestVolumeRemedy(where, have string, want AudienceFact) string {
	to := "an audience that is accepted"
	if want.Known {
		to = fmt.Sprintf("%q", want.Value)
	}
	return fmt.Sprintf("The aws-iam-token volume in %s requests tokens for %q, and the webhook keeps it, since it adds no volume whose name exists: "+
		"neither the ServiceAccount's eks.amazonaws.com/audience annotation nor a restart changes it. Set that volume's serviceAccountToken audience to %s, "+
		"or remove the volume so that the webhook injects its own, and apply the manifest: the rollout re-creates the pods.", where, have, to)
}

// StaleAudience reports a pod whose token audience, read from its own
// volume, is not the one a re-created pod would get, and that one.
func StaleAudience(t *Target) (now AudienceFact, stale bool) {
	have, ok := volumeAudience(t)
	if !ok || !t.IsPod() {
		return AudienceFact{}, false
	}
	now, ok = newPodAudience(t)
	if !ok || now.same(have) {
		return AudienceFact{}, false
	}
	return now, true
}

// StaleRestart returns the commands that re-create every pod of the
// target's ServiceAccount that still has the target's stale audience (the
// owner's `kubectl rollout restart`, as IRSA104 builds it), so that every
// such pod's finding carries the same fix.
func StaleRestart(c *Context, t *Target, have, now AudienceFact) []Argv {
	key := restartKey{t.Namespace, t.SAName, have.Value, now.Value}
	return Once(c, key, func() []Argv { return staleRestart(c, t, have, now) })
}

// restartKey identifies the pods of one ServiceAccount whose token
// audience is stale.
type restartKey struct{ namespace, sa, have, now string }

func staleRestart(c *Context, t *Target, have, now AudienceFact) []Argv {
	var cmds []Argv
	seen := map[string]bool{}
	for _, o := range c.Targets {
		if !o.IsPod() || o.Namespace != t.Namespace || o.SAName != t.SAName || o.Mechanism == MechanismPodIdentity {
			continue
		}
		oh, ok := volumeAudience(o)
		if !ok || !oh.same(have) {
			continue
		}
		if on, stale := StaleAudience(o); !stale || !on.same(now) {
			continue
		}
		oc, _ := RecreateFix(c, o)
		for _, cmd := range oc {
			if k := cmd.Line() + "\x00" + cmd.Bad; !seen[k] {
				seen[k] = true
				cmds = append(cmds, cmd)
			}
		}
	}
	sort.Slice(cmds, func(i, j int) bool { return cmds[i].Line()+cmds[i].Bad < cmds[j].Line()+cmds[j].Bad })
	return cmds
}

// RestartFirst is the remediation of a pod whose stale audience is what
// fails: re-create the pods, then, only as the alternative, the change
// that widens what IAM accepts (rest).
func RestartFirst(t *Target, have, now AudienceFact, cmds []Argv, rest string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Restart the pods first. Their token has the audience %q, set when they were created; the webhook acts only when a pod is created, and gives a new pod %q (%s), which is accepted:\n\n", have.Value, now.Value, now.Where)
	for _, c := range cmds {
		if c.OK() {
			b.WriteString("    " + c.Line() + "\n")
		}
	}
	if t.Owner == nil {
		// newPodAudience could only ask the webhook: the manifest the
		// pod came from is not in the input.
		b.WriteString("\nThe pod's owner is not in the input: if its manifest defines the aws-iam-token volume itself, the webhook keeps that one, so correct the audience there.\n")
	}
	b.WriteString("\nOnly if these pods must keep the old audience, widen what IAM accepts instead. " + rest)
	return b.String()
}
