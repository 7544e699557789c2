package model

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// PartMutation says how a pod shows that the webhook ran although some of
// its containers lack the variables.
type PartMutation struct {
	// mutated are the containers whose web identity variables the webhook
	// injected (webIdentityOrigin).
	Mutated []string
	// volumeAdded: the pod has the aws-iam-token volume and its pod
	// template, which is in the input, does not declare it.
	volumeAdded bool
	// template describes the pod template compared with ("" when the
	// input has none); notInTemplate lists the containers lacking the
	// variables that the template does not have.
	Template      string
	NotInTemplate []string
}

// PartlyMutated reports a pod that the webhook did mutate although some
// containers lack the variables: it has the aws-iam-token volume (the
// webhook adds it unless a volume of that name exists), and a container
// has variables the webhook injected, or the pod template does not declare
// the volume itself. The webhook gives every container it sees the
// variables (handler.go addEnvToContainer), so a container without them
// was added to the pod after the webhook ran: by a mutating webhook called
// later (configurations are called in name order, and a webhook with
// reinvocationPolicy Never, the default, is not called again), as Vault's
// agent injector or a service mesh adds its sidecar. Re-creating the pod
// changes nothing.
func PartlyMutated(c *Context, t *Target, v Admission) (PartMutation, bool) {
	var pm PartMutation
	if Volume(t.Spec, webhook.VolumeName) == nil {
		return pm, false
	}
	for _, cont := range InitAndRegular(t.Spec) {
		if slices.Contains(v.Needs, cont.Name) {
			continue
		}
		_, role := Env(cont, webhook.EnvRoleARN)
		_, file := Env(cont, webhook.EnvTokenFile)
		if (role || file) && WebIdentityOrigin(c, t, cont).Injected {
			pm.Mutated = append(pm.Mutated, cont.Name)
		}
	}
	spec, desc := podTemplateOf(c, t)
	if spec != nil {
		pm.Template = desc
		pm.volumeAdded = Volume(spec, webhook.VolumeName) == nil
		for _, name := range v.Needs {
			if SpecContainer(spec, name) == nil {
				pm.NotInTemplate = append(pm.NotInTemplate, name)
			}
		}
	} else {
		// Without the template the volume's origin cannot be told: the
		// webhook's name on it is taken as its mark.
		pm.volumeAdded = true
	}
	return pm, len(pm.Mutated) > 0 || pm.volumeAdded
}

// Admission is what the webhook does, or did, with a target: Mutate's
// prediction on the target's spec, with the skip label decided from the
// webhook configurations in the input.
type Admission struct {
	Role      string // the SA's eks.amazonaws.com/role-arn value
	Annotated bool   // the value is non-empty: the webhook acts (§1.1)
	Label     skipLabel
	Res       webhook.Result
	// needs lists the containers the webhook gives AWS_ROLE_ARN and
	// AWS_WEB_IDENTITY_TOKEN_FILE: not skipped, and setting neither. On an
	// admitted pod that the webhook mutated, it is empty.
	Needs []string
	// mountFor lists the containers that set AWS_WEB_IDENTITY_TOKEN_FILE
	// themselves under the webhook's mount path and do not mount it yet:
	// they rely on the mount the webhook adds.
	mountFor []string
}

func AdmissionOf(c *Context, t *Target) Admission {
	var a Admission
	a.Role, _ = RoleAnnotation(t.SA)
	a.Annotated = a.Role != ""
	if t.Meta != nil {
		a.Label = SkipLabelOf(c.Snap, t.Meta.Labels)
	}
	a.Res = t.Mutated(true)
	if a.Res.Mode != webhook.ModeIRSA || a.Res.Spec == nil {
		return a
	}
	for _, cr := range a.Res.Containers {
		switch {
		case cr.Skipped:
		case slices.Contains(cr.Injected, webhook.EnvRoleARN):
			a.Needs = append(a.Needs, cr.Name)
		case cr.MountAdded:
			if orig := SpecContainer(t.Spec, cr.Name); orig != nil {
				if e, ok := Env(orig, webhook.EnvTokenFile); ok && e.ValueFrom == nil && UnderPath(e.Value, webhook.MountPath) {
					a.mountFor = append(a.mountFor, cr.Name)
				}
			}
		}
	}
	return a
}

// webhookMatters reports whether the webhook's work changes anything that
// matters for the target's credentials: it has variables to inject, or a
// mount a hand-written token path relies on.
func (a Admission) webhookMatters() bool {
	return a.Annotated && !a.Label.Effective && len(a.Needs)+len(a.mountFor) > 0
}

// MutatedSummary says why nothing is missing.
func (a Admission) MutatedSummary(t *Target) string {
	var own, skipped []string
	for _, cr := range a.Res.Containers {
		if cr.Skipped {
			skipped = append(skipped, cr.Name)
		} else {
			own = append(own, cr.Name)
		}
	}
	if len(own) == 0 {
		return "every container is named in " + webhook.AnnotationSkipContainers + ", so the webhook injects no variables (IRSA111 judges the skip)"
	}
	// The containers named in skip-containers get nothing, on purpose:
	// say so, or the summary reads as if every container had credentials.
	skipNote := ""
	if len(skipped) > 0 {
		skipNote = fmt.Sprintf("; %s named in %s (IRSA111 judges the skip)", ContainerPhrase(skipped, "is", "are"), webhook.AnnotationSkipContainers)
	}
	if Volume(t.Spec, webhook.VolumeName) != nil {
		return fmt.Sprintf("the pod was mutated: it has the %s volume, and %s the web identity variables%s", webhook.VolumeName,
			ContainerPhrase(own, "has", "have"), skipNote)
	}
	return fmt.Sprintf("%s %s or %s itself, so the webhook has no credential variables to add (IRSA109 judges them)%s",
		ContainerPhrase(own, "sets", "set"), webhook.EnvRoleARN, webhook.EnvTokenFile, skipNote)
}

// InjectionSummary describes what Mutate adds, for evidence.
func (a Admission) InjectionSummary() string {
	var parts []string
	for _, cr := range a.Res.Containers {
		if cr.Unchanged() {
			continue
		}
		c := SpecContainer(a.Res.Spec, cr.Name)
		var env []string
		for _, name := range cr.Injected {
			if e, ok := Env(c, name); ok {
				env = append(env, name+"="+e.Value)
			}
		}
		p := "container " + cr.Name + ": " + strings.Join(env, ", ")
		if cr.MountAdded {
			if len(env) > 0 {
				p += ", "
			}
			p += "mount " + webhook.VolumeName + " at " + webhook.MountPath
		}
		parts = append(parts, p)
	}
	if a.Res.VolumeAdded && a.Res.Volume != nil {
		parts = append(parts, fmt.Sprintf("volume %s (serviceAccountToken audience %q, expirationSeconds %d)", webhook.VolumeName, a.Res.Audience, a.Res.Expiration))
	}
	return strings.Join(parts, "; ")
}

// skipLabel is the eks.amazonaws.com/skip-pod-identity-webhook label on a
// pod and whether it keeps the webhook away.
type skipLabel struct {
	present   bool
	Value     string
	Effective bool
	// why says how effectiveness was decided, for evidence.
	Why string
}

// SkipLabelOf decides whether the skip label excludes the pod. The label
// acts only through the webhook configuration's objectSelector (the OSS
// deploy/mutatingwebhook.yaml has `DoesNotExist`; docs/reference/webhook.md#annotations-it-reads): when
// the input holds the configuration, the label excludes the pod only if
// every identified webhook's objectSelector has a requirement on it that
// the labels fail; without the configuration, the upstream manifest is
// assumed.
func SkipLabelOf(s *snapshot.Snapshot, labels map[string]string) skipLabel {
	v, ok := labels[webhook.LabelSkip]
	if !ok {
		return skipLabel{}
	}
	out := skipLabel{present: true, Value: v}
	hooks := IdentifiedWebhooks(s)
	if len(hooks) == 0 {
		out.Effective = true
		out.Why = "the pod identity webhook's configuration is not in the input; the upstream configuration's objectSelector (" + webhook.LabelSkip + " DoesNotExist) excludes pods carrying the label"
		return out
	}
	var names []string
	for _, h := range hooks {
		names = append(names, h.String())
		_, unmet, err := SelectorMatch(h.Hook.ObjectSelector, labels)
		if err != nil {
			out.Why = h.String() + " has an invalid objectSelector: " + err.Error()
			return out
		}
		found := false
		for _, u := range unmet {
			found = found || u.Key == webhook.LabelSkip
		}
		if !found {
			sel := SelectorString(h.Hook.ObjectSelector)
			if sel == "" {
				sel = "empty"
			}
			out.Why = fmt.Sprintf("the objectSelector of %s (%s) does not exclude it, so the label has no effect", h.String(), sel)
			return out
		}
	}
	out.Effective = true
	out.Why = fmt.Sprintf("the objectSelector of %s excludes pods carrying the label", strings.Join(names, " and "))
	return out
}

// FailurePolicyNote explains what a webhook's failurePolicy does to a
// failed call (admissionregistration/v1 defaults it to Fail; the upstream
// manifest sets Ignore).
func FailurePolicyNote(h IdentifiedHook) string {
	switch h.Hook.FailurePolicy {
	case "Ignore":
		return h.String() + " has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing"
	case "", "Fail":
		return h.String() + " has failurePolicy Fail: while calls fail, pod creation is rejected with \"failed calling webhook\""
	}
	return fmt.Sprintf("%s has failurePolicy %q", h.String(), h.Hook.FailurePolicy)
}

// RecreateFix returns the commands that re-create a pod through its
// owner, and the remediation that explains them.
func RecreateFix(c *Context, t *Target) ([]Argv, string) {
	_, kind, name := c.Index.TopOwner(t.Namespace, t.Meta)
	del := Command(Lit("kubectl"), Lit("delete"), Lit("pod"), ObjectName("pod", t.Name), Lit("-n"), Namespace(t.Namespace))
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		cmd := RolloutRestart(kind, name, t.Namespace)
		return []Argv{cmd}, fmt.Sprintf("The webhook acts only when a pod is created. Restart %s %s so that its pods are re-created and mutated%s", kind, name, showCmd(cmd))
	case "":
		return []Argv{del}, fmt.Sprintf("The webhook acts only when a pod is created, and this pod has no controller. Delete it and re-create it from its manifest (`kubectl apply -f ...`)%s", showCmd(del))
	case "CronJob":
		return []Argv{del}, fmt.Sprintf("The webhook acts only when a pod is created. Delete the pod: the Job of CronJob %s creates a replacement, which is mutated; later runs are mutated as they are created%s", name, showCmd(del))
	}
	return []Argv{del}, fmt.Sprintf("The webhook acts only when a pod is created. Delete the pod: its %s %s creates a replacement, which is mutated%s", kind, name, showCmd(del))
}

// showCmd is ":" and the command as an indented Markdown code block, or
// "." when it cannot be offered (the finding says why).
func showCmd(a Argv) string {
	if !a.OK() {
		return "."
	}
	return ":\n\n    " + a.Line()
}

// SpecContainer returns the init or regular container called name.
func SpecContainer(s *snapshot.PodSpec, name string) *snapshot.Container {
	if s == nil {
		return nil
	}
	for i := range s.InitContainers {
		if s.InitContainers[i].Name == name {
			return &s.InitContainers[i]
		}
	}
	for i := range s.Containers {
		if s.Containers[i].Name == name {
			return &s.Containers[i]
		}
	}
	return nil
}

// UnderPath reports whether file p lies in directory dir, after turning a
// Windows path (C:\var\run\...) into its Linux form, as the kubelet on
// Windows maps mount paths.
func UnderPath(p, dir string) bool {
	p, dir = slashPath(p), slashPath(dir)
	return p == dir || strings.HasPrefix(p, strings.TrimSuffix(dir, "/")+"/")
}

// slashPath drops a drive letter and turns backslashes into slashes.
func slashPath(p string) string {
	if len(p) >= 2 && p[1] == ':' {
		p = p[2:]
	}
	p = strings.ReplaceAll(p, `\`, "/")
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}

// ContainerPhrase renders `container "app" has` / `containers "a", "b" have`.
func ContainerPhrase(names []string, one, many string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(names) == 1 {
		return "container " + q[0] + " " + one
	}
	return "containers " + strings.Join(q, ", ") + " " + many
}

func OrUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// SaNotInInput is the skip reason when the target's ServiceAccount is not
// in the input (IRSA101 reports it when the input proves it missing).
func SaNotInInput(t *Target) string {
	if t.SACopies != "" {
		return fmt.Sprintf("ServiceAccount %s/%s has %s", t.Namespace, t.SAName, t.SACopies)
	}
	return fmt.Sprintf("ServiceAccount %s/%s is not in the input (capture: kubectl get serviceaccount %s -n %s -o json)", t.Namespace, t.SAName, t.SAName, t.Namespace)
}

// SortedKeys returns the keys of a set, sorted.
func SortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// EnvOrigin says whether a pod container's web identity variables were
// injected by the webhook or written in the manifest, and how that was told.
type EnvOrigin struct {
	Injected bool
	Why      string
}

// WebIdentityOrigin decides where a pod container's AWS_ROLE_ARN /
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

// InitAndRegular returns the containers the webhook mutates: init
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

// MountFor returns the container's mount that serves file (the deepest
// mount path containing it) and the file's path inside the mount.
func MountFor(c *snapshot.Container, file string) (*snapshot.VolumeMount, string) {
	f := slashPath(file)
	var best *snapshot.VolumeMount
	rel := ""
	for i := range c.VolumeMounts {
		m := &c.VolumeMounts[i]
		mp := slashPath(m.MountPath)
		if !UnderPath(f, mp) {
			continue
		}
		if best == nil || len(mp) > len(slashPath(best.MountPath)) {
			best = m
			rel = strings.TrimPrefix(strings.TrimPrefix(f, mp), "/")
		}
	}
	return best, rel
}

// RefString names an env var reference without reading it.
func RefString(v *snapshot.EnvVarSource) string {
	switch {
	case v.SecretKeyRef != nil:
		return fmt.Sprintf("Secret %s key %s", v.SecretKeyRef.Name, v.SecretKeyRef.Key)
	case v.ConfigMapKeyRef != nil:
		return fmt.Sprintf("ConfigMap %s key %s", v.ConfigMapKeyRef.Name, v.ConfigMapKeyRef.Key)
	case v.FieldRef != nil:
		return "field " + v.FieldRef.FieldPath
	}
	return "a reference"
}
