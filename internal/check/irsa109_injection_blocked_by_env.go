package check

import (
	"encoding/json"
	"fmt"
	"path"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa109 = &Check{
	ID:         "IRSA109",
	Slug:       "injection-blocked-by-env",
	Title:      "Hand-written AWS_ROLE_ARN / AWS_WEB_IDENTITY_TOKEN_FILE leave the container without working web identity",
	Severity:   finding.SeverityError,
	Link:       finding.LinkWebhook,
	Scope:      ScopeWorkloads,
	Requires:   []*Check{irsa101},
	IRSA:       true,
	Applies:    applies109,
	Containers: containers109,
	Run:        runIRSA109,
}

func runIRSA109(c *model.Context, t *model.Target, r *Recorder) {
	a := model.AdmissionOf(c, t)
	judged := t.Spec
	clashed := map[string]bool{}
	if t.IsTemplate() && a.Res.Mode == webhook.ModeIRSA && !a.Label.Effective && a.Res.Spec != nil {
		judged = a.Res.Spec
		for _, mc := range mountClashes(a.Res) {
			clashed[mc.container] = true
			failMountClash(c, t, r, a, mc)
		}
	}
	for _, orig := range model.InitAndRegular(t.Spec) {
		if clashed[orig.Name] {
			continue
		}
		_, hasRole := model.Env(orig, webhook.EnvRoleARN)
		_, hasFile := model.Env(orig, webhook.EnvTokenFile)
		if !hasRole && !hasFile {
			continue
		}
		o := model.WebIdentityOrigin(c, t, orig)
		if o.Injected {
			continue
		}
		jc := model.SpecContainer(judged, orig.Name)
		if jc == nil {
			continue
		}
		judgeHandWritten(c, t, r, a, judged, jc, o)
	}
}

// judgeHandWritten records the outcome for one container whose web
// identity variables come from the manifest.
func judgeHandWritten(c *model.Context, t *model.Target, r *Recorder, a model.Admission, spec *snapshot.PodSpec, cont *snapshot.Container, o model.EnvOrigin) {
	subj := t.ContainerSubject(cont.Name)
	roleE, hasRole := model.Env(cont, webhook.EnvRoleARN)
	fileE, hasFile := model.Env(cont, webhook.EnvTokenFile)
	details := []model.Detail{model.Ev(t.Source, fmt.Sprintf("%s %s/%s container %s: %s (%s)", t.Kind, t.Namespace, t.Name, cont.Name, webIdentityEnvString(cont), o.Why))}
	if a.Annotated {
		details = append(details, model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, webhook.AnnotationRoleARN, a.Role)))
	}
	if t.IsTemplate() {
		if cr := a.Res.Container(cont.Name); cr != nil && cr.Reason != "" {
			details = append(details, model.Ev(t.Source, "webhook: "+cr.Reason))
		}
	}
	const fallback = "the SDK skips web identity and falls back to the node's role (IMDS)"
	const blocked = "and the webhook injects neither variable when one is already set"

	switch {
	case hasRole && !hasFile:
		r.Fail(subj, fmt.Sprintf("%s is set in the manifest without %s, %s: %s", webhook.EnvRoleARN, webhook.EnvTokenFile, blocked, fallback),
			append(details, envFix(c, t, a, cont.Name, roleE, webhook.EnvRoleARN)...)...)
		return
	case hasFile && fileE.ValueFrom == nil && fileE.Value == "":
		r.Fail(subj, fmt.Sprintf("%s is set to an empty value in the manifest, so the webhook injects neither variable, and the SDK treats an empty value as unset: it skips web identity and falls back to the node's role (IMDS)", webhook.EnvTokenFile),
			append(details, envFix(c, t, a, cont.Name, roleE, webhook.EnvRoleARN, webhook.EnvTokenFile)...)...)
		return
	case !hasRole:
		r.Fail(subj, fmt.Sprintf("%s is set in the manifest without %s, %s: the SDK's web identity provider fails for lack of a role ARN", webhook.EnvTokenFile, webhook.EnvRoleARN, blocked),
			append(details, envFix(c, t, a, cont.Name, nil, webhook.EnvTokenFile)...)...)
		return
	case fileE.ValueFrom != nil:
		r.Skip(subj, fmt.Sprintf("%s is set from %s: the token path cannot be seen", webhook.EnvTokenFile, model.RefString(fileE.ValueFrom)), details...)
		return
	}

	file := fileE.Value
	m, rel := model.MountFor(cont, file)
	if m == nil && t.IsTemplate() && t.SA == nil && model.UnderPath(file, webhook.MountPath) {
		r.Skip(subj, fmt.Sprintf("%s %q relies on the mount the webhook adds, which depends on ServiceAccount %s/%s, not in the input (capture: kubectl get serviceaccount %s -n %s -o json)",
			webhook.EnvTokenFile, file, t.Namespace, t.SAName, t.SAName, t.Namespace), details...)
		return
	}
	if m == nil {
		msg := fmt.Sprintf("%s %q is set in the manifest, but no volume is mounted at that path in the container: the token file does not exist and web identity fails", webhook.EnvTokenFile, file)
		if t.IsPod() && a.Annotated && model.UnderPath(file, webhook.MountPath) && model.Volume(spec, webhook.VolumeName) == nil {
			// The manifest relies on the webhook's mount, and the webhook did
			// not run for this pod: re-creating it is the fix.
			cmds, remedy := model.RecreateFix(c, t)
			details = append(details, model.Ev(t.Source, fmt.Sprintf("the pod has no %s volume: the webhook did not mutate it, so the mount it adds at %s is missing", webhook.VolumeName, webhook.MountPath)),
				model.Run(cmds...), model.Remedy(remedy))
			r.Fail(subj, msg, details...)
			return
		}
		r.Fail(subj, msg, append(details, envFix(c, t, a, cont.Name, roleE, webhook.EnvRoleARN, webhook.EnvTokenFile)...)...)
		return
	}
	vol := model.Volume(spec, m.Name)
	switch {
	case vol == nil:
		r.Skip(subj, fmt.Sprintf("%s %q is in volume mount %q, but the pod has no volume of that name", webhook.EnvTokenFile, file, m.Name), details...)
		return
	case vol.Projected == nil && vol.Secret != nil:
		r.Skip(subj, fmt.Sprintf("%s %q is in Secret volume %q (Secret %s): a token copied into a Secret is not refreshed by the kubelet, and its content cannot be seen", webhook.EnvTokenFile, file, m.Name, vol.Secret.SecretName), details...)
		return
	case vol.Projected == nil:
		r.Skip(subj, fmt.Sprintf("%s %q is in volume %q, which is not a projected service account token: its content cannot be seen", webhook.EnvTokenFile, file, m.Name), details...)
		return
	}
	// With subPath, the file seen at mountPath is <volume>/<subPath>.
	want := rel
	if m.SubPath != "" {
		want = path.Clean(m.SubPath + "/" + rel)
		if rel == "" {
			want = path.Clean(m.SubPath)
		}
	}
	tok := projectedToken(vol, want)
	if tok == nil {
		r.Fail(subj, fmt.Sprintf("%s %q is in projected volume %q, which has no serviceAccountToken at path %q: the token file does not exist and web identity fails", webhook.EnvTokenFile, file, m.Name, want),
			append(details, envFix(c, t, a, cont.Name, roleE, webhook.EnvRoleARN, webhook.EnvTokenFile)...)...)
		return
	}
	details = append(details, model.Ev(t.Source, fmt.Sprintf("volume %s mounted at %s: serviceAccountToken path %s, audience %q, expirationSeconds %s", m.Name, m.MountPath, tok.Path, tok.Audience, expString(tok.ExpirationSeconds))))
	if m.SubPath != "" {
		r.Fail(subj, fmt.Sprintf("the token file %q is mounted with subPath %q, and the kubelet never updates subPath mounts: the file keeps the first token, which expires", file, m.SubPath),
			append(details, model.Remedy("Mount the projected volume at the token file's directory, without `subPath`, so that the kubelet's token rotation reaches the file."))...)
		return
	}
	switch {
	case !a.Annotated:
	case roleE.ValueFrom != nil:
		r.Skip(subj, fmt.Sprintf("%s is set from %s, so it cannot be compared with the %s %q of ServiceAccount %q", webhook.EnvRoleARN, model.RefString(roleE.ValueFrom), webhook.AnnotationRoleARN, a.Role, t.SAName), details...)
		return
	case roleE.Value != a.Role:
		r.Fail(subj, fmt.Sprintf("%s %q is set in the manifest and differs from the %s %q of ServiceAccount %q: the webhook does not override it, so the container assumes %q and the annotation has no effect",
			webhook.EnvRoleARN, roleE.Value, webhook.AnnotationRoleARN, a.Role, t.SAName, roleE.Value),
			append(details, envFix(c, t, a, cont.Name, roleE, webhook.EnvRoleARN, webhook.EnvTokenFile)...)...)
		return
	}
	r.PassFunc(subj, func() (string, []model.Detail) {
		return fmt.Sprintf("%s %s and %s %q are set in the manifest and complete: the file is the serviceAccountToken of projected volume %q",
			webhook.EnvRoleARN, roleValue(roleE), webhook.EnvTokenFile, file, m.Name), details
	})
}

// mountClash is a container to which the webhook adds its token mount at
// a path where the container already mounts another volume.
type mountClash struct {
	container string
	// field is the added mount's path in the pod, as the API server names
	// it: spec.containers[0].volumeMounts[1].mountPath.
	field string
	added snapshot.VolumeMount
	other snapshot.VolumeMount
}

// mountClashes finds the containers of the mutated spec with two mounts at
// one mountPath, one of them added by the webhook. The webhook looks for
// an existing mount by name only (handler.go addEnvToContainer; irsa-facts
// §1.3), so a hand-written token volume under another name, mounted at
// the webhook's path, gets a second mount at the same path, and pod
// validation (ValidateVolumeMounts: "must be unique") rejects the pod.
func mountClashes(res webhook.Result) []mountClash {
	var out []mountClash
	look := func(field string, cs []snapshot.Container) {
		for i := range cs {
			cr := res.Container(cs[i].Name)
			mounts := cs[i].VolumeMounts
			if cr == nil || !cr.MountAdded || len(mounts) == 0 {
				continue
			}
			// The webhook appends its mount: it is the last one.
			added := mounts[len(mounts)-1]
			for _, m := range mounts[:len(mounts)-1] {
				if m.MountPath == added.MountPath {
					out = append(out, mountClash{container: cs[i].Name,
						field: fmt.Sprintf("spec.%s[%d].volumeMounts[%d].mountPath", field, i, len(mounts)-1), added: added, other: m})
					break
				}
			}
		}
	}
	look("initContainers", res.Spec.InitContainers)
	look("containers", res.Spec.Containers)
	return out
}

// failMountClash reports a container whose pods the API server rejects.
func failMountClash(c *model.Context, t *model.Target, r *Recorder, a model.Admission, mc mountClash) {
	msg := fmt.Sprintf("the webhook adds its %s mount at %q, where the container already mounts volume %q (the webhook looks for its mount by name only): the API server rejects every new pod with `%s: Invalid value: %q: must be unique`",
		mc.added.Name, mc.added.MountPath, mc.other.Name, mc.field, mc.added.MountPath)
	details := []model.Detail{
		model.Ev(t.Source, fmt.Sprintf("%s %s/%s container %s: volume mount %q at %s", t.Kind, t.Namespace, t.Name, mc.container, mc.other.Name, mc.other.MountPath)),
		model.Ev(t.Source, fmt.Sprintf("webhook: adds volume mount %q at %s to container %s: it has no mount of that name", mc.added.Name, mc.added.MountPath, mc.container)),
	}
	if a.Annotated {
		details = append(details, model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, webhook.AnnotationRoleARN, a.Role)))
	}
	remedy := fmt.Sprintf("Name the hand-written volume `%s` (in `volumes` and in every `volumeMounts` entry that uses it): the webhook then finds its volume and mount by name and adds neither. Or mount volume %s somewhere else, or delete it and its mounts and let the webhook add its own.",
		webhook.VolumeName, finding.MarkdownCode(mc.other.Name))
	kind, name := model.TemplateOwner(c, t)
	if cmd := renameVolumeCmd(kind, name, t.Namespace, t.Spec, mc.other.Name, webhook.VolumeName); !cmd.None() {
		details = append(details, model.Run(cmd))
		if cmd.OK() {
			remedy += "\n\n" + model.Lines(cmd)
		}
	}
	r.Fail(t.ContainerSubject(mc.container), msg, append(details, model.Remedy(remedy))...)
}

// renameVolumeCmd returns a kubectl JSON patch that renames volume from to
// to in a workload's pod template, mounts included; "" when the kind's
// template cannot be patched, when to is taken, or when from is not a
// volume of the spec.
func renameVolumeCmd(kind, name, ns string, spec *snapshot.PodSpec, from, to string) model.Argv {
	var base string
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "ReplicaSet":
		base = "/spec/template/spec"
	case "CronJob":
		base = "/spec/jobTemplate/spec/template/spec"
	default:
		return model.Argv{}
	}
	if model.Volume(spec, to) != nil {
		return model.Argv{}
	}
	type op struct {
		Op    string `json:"op"`
		Path  string `json:"path"`
		Value string `json:"value"`
	}
	var ops []op
	for i, v := range spec.Volumes {
		if v.Name == from {
			ops = append(ops, op{"replace", fmt.Sprintf("%s/volumes/%d/name", base, i), to})
		}
	}
	if len(ops) == 0 {
		return model.Argv{}
	}
	for _, f := range []struct {
		field string
		cs    []snapshot.Container
	}{{"initContainers", spec.InitContainers}, {"containers", spec.Containers}} {
		for i, ct := range f.cs {
			for j, m := range ct.VolumeMounts {
				if m.Name == from {
					ops = append(ops, op{"replace", fmt.Sprintf("%s/%s/%d/volumeMounts/%d/name", base, f.field, i, j), to})
				}
			}
		}
	}
	b, err := json.Marshal(ops)
	if err != nil {
		return model.Argv{}
	}
	return model.Command(model.Lit("kubectl"), model.Lit("patch"), model.Lit(strings.ToLower(kind)), model.ObjectName(kind, name), model.Lit("-n"), model.Namespace(ns),
		model.Lit("--type"), model.Lit("json"), model.Lit("-p"), model.Value("patch", string(b)))
}

// projectedToken returns the serviceAccountToken source of a projected
// volume written at path p, or nil.
func projectedToken(v *snapshot.Volume, p string) *snapshot.ServiceAccountTokenProjection {
	for _, s := range v.Projected.Sources {
		if s.ServiceAccountToken != nil && path.Clean(s.ServiceAccountToken.Path) == p {
			return s.ServiceAccountToken
		}
	}
	return nil
}

// envFix proposes deleting the hand-written variables so that the webhook
// injects both with its mount, and annotating the ServiceAccount with the
// hand-written role when it has none.
func envFix(c *model.Context, t *model.Target, a model.Admission, container string, roleE *snapshot.EnvVar, vars ...string) []model.Detail {
	role := ""
	if roleE != nil && roleE.ValueFrom == nil {
		role = roleE.Value
	}
	kind, name := model.TemplateOwner(c, t)
	var cmds []model.Argv
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "CronJob":
		words := []model.Word{model.Lit("kubectl"), model.Lit("set"), model.Lit("env"), model.KindName(kind, name), model.Lit("-n"), model.Namespace(t.Namespace),
			model.Lit("-c"), model.ObjectName("container", container)}
		for _, v := range vars {
			words = append(words, model.Lit(v+"-"))
		}
		cmds = append(cmds, model.Command(words...))
	}
	remedy := fmt.Sprintf("Delete %s from container %s so that the webhook injects %s and %s with its token mount", strings.Join(vars, " and "), container, webhook.EnvRoleARN, webhook.EnvTokenFile)
	if !a.Annotated && t.SA != nil && role != "" {
		cmds = append(cmds, model.SaAnnotateCmd(t.Namespace, t.SAName, webhook.AnnotationRoleARN, &role, false))
		remedy += ", and annotate the ServiceAccount with the role (the webhook acts only when it has one)"
	} else if a.Annotated && role != "" && role != a.Role {
		remedy += fmt.Sprintf("; the container then assumes the ServiceAccount's role %q: if it needs %q, annotate the ServiceAccount with that role instead", a.Role, role)
	}
	remedy += ". Or keep a hand-written setup and make it complete: both variables, and a projected serviceAccountToken volume mounted (without subPath) at the token file's directory."
	return []model.Detail{model.Run(cmds...), model.Remedy(remedy)}
}

// webIdentityEnvString renders a container's web identity variables.
func webIdentityEnvString(c *snapshot.Container) string {
	var parts []string
	for _, name := range []string{webhook.EnvRoleARN, webhook.EnvTokenFile} {
		if e, ok := model.Env(c, name); ok {
			if e.ValueFrom != nil {
				parts = append(parts, name+" from "+model.RefString(e.ValueFrom))
			} else {
				parts = append(parts, fmt.Sprintf("%s=%q", name, e.Value))
			}
		} else {
			parts = append(parts, name+" unset")
		}
	}
	return strings.Join(parts, ", ")
}

// roleValue quotes a plain AWS_ROLE_ARN value, or names its reference.
func roleValue(e *snapshot.EnvVar) string {
	switch {
	case e == nil:
		return ""
	case e.ValueFrom != nil:
		return "(" + model.RefString(e.ValueFrom) + ")"
	}
	return fmt.Sprintf("%q", e.Value)
}

func expString(p *int64) string {
	if p == nil {
		return "unset (3600)"
	}
	return fmt.Sprintf("%d", *p)
}

// applies109: the target has a pod spec to judge.
func applies109(_ *model.Context, t *model.Target) bool { return t.Spec != nil }

// containers109 are the containers that set AWS_ROLE_ARN or
// AWS_WEB_IDENTITY_TOKEN_FILE themselves (not the webhook).
func containers109(c *model.Context, t *model.Target) []string {
	names := []string{}
	for _, ct := range model.InitAndRegular(t.Spec) {
		_, hasRole := model.Env(ct, webhook.EnvRoleARN)
		_, hasFile := model.Env(ct, webhook.EnvTokenFile)
		if (hasRole || hasFile) && !model.WebIdentityOrigin(c, t, ct).Injected {
			names = append(names, ct.Name)
		}
	}
	return names
}
