package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa104 = &Check{
	ID:       "IRSA104",
	Slug:     "pod-not-mutated",
	Title:    "Pod was not mutated by the pod identity webhook",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopePod,
	After:    []string{"IRSA101", "IRSA102", "IRSA103", "IRSA107", "IRSA108", "IRSA111"},
	IRSA:     true,
	Doc: `The ServiceAccount carries ` + "`eks.amazonaws.com/role-arn`" + `, but the pod has none of what the
amazon-eks-pod-identity-webhook injects: containers lack ` + "`AWS_ROLE_ARN`" + ` and
` + "`AWS_WEB_IDENTITY_TOKEN_FILE`" + `, and the ` + "`aws-iam-token`" + ` projected volume is missing. The SDK then
finds no web identity settings and falls back to the next credentials in its chain, usually the
node's instance role through IMDS.

The webhook only acts when a pod is **created** (its rule is CREATE only), so a pod created
before the annotation was added keeps running without it. Other causes: the webhook's
ServiceAccount cache did not have the ServiceAccount yet (a race when the ServiceAccount and the
workload are applied together), or the call failed and ` + "`failurePolicy: Ignore`" + ` admitted the pod
unmutated without an error. Containers named in ` + "`eks.amazonaws.com/skip-containers`" + ` and pods
carrying the ` + "`eks.amazonaws.com/skip-pod-identity-webhook`" + ` label are excluded on purpose (IRSA111).

A pod that has the ` + "`aws-iam-token`" + ` volume and a container with the injected variables (or the volume
while its pod template has none) **was** mutated: the webhook gives every container it sees the
variables, so a container without them was added after it ran, by a mutating webhook called later
(configurations are called in name order, and the pod identity webhook's ` + "`reinvocationPolicy`" + ` is
` + "`Never`" + ` by default), as Vault's agent injector or a service mesh adds its sidecar. That is reported
as a warning naming the containers, not as an unmutated pod: re-creating the pod changes nothing,
and the sidecar may not call AWS at all.`,
	Fix: `Re-create the pod so that the webhook mutates it at creation: ` + "`kubectl rollout restart`" + ` its
Deployment, StatefulSet or DaemonSet; delete a pod owned by a ReplicaSet or Job (its controller
creates a replacement); delete and re-apply a bare pod. If new pods are still not mutated, look at
IRSA107 and IRSA108 and search the API server logs for ` + "`failed calling webhook`" + `.`,
	Run: runIRSA104,
}

// cacheRaceWindow: a ServiceAccount created this shortly before the pod may
// not have reached the webhook's informer cache when the pod was admitted
// (irsa-facts.md §1.5: "Injection sometimes fails", webhook #83, #194).
const cacheRaceWindow = 60 * time.Second

func runIRSA104(c *Context, t *Target, r *Recorder) {
	subj := t.Subject()
	if t.SA == nil {
		r.Skip(subj, saNotInInput(t))
		return
	}
	v := admissionOf(c, t)
	if !v.annotated {
		// Nothing to inject: IRSA102 and IRSA103 judge the annotation.
		if r.Blocked() {
			r.Skip(subj, "")
		}
		return
	}
	if v.label.effective {
		r.Pass(subj, fmt.Sprintf("the pod carries the label %s, so the webhook is not expected to mutate it (IRSA111 judges the opt-out)", webhook.LabelSkip))
		return
	}
	if len(v.needs) == 0 {
		r.Pass(subj, v.mutatedSummary(t))
		return
	}
	if pm, ok := partlyMutated(c, t, v); ok {
		failPartlyMutated(c, t, r, v, pm)
		return
	}

	msg := fmt.Sprintf("ServiceAccount %q has %s %q, but %s neither %s nor %s", t.SAName, webhook.AnnotationRoleARN, v.role,
		containerPhrase(v.needs, "has", "have"), webhook.EnvRoleARN, webhook.EnvTokenFile)
	if Volume(t.Spec, webhook.VolumeName) == nil {
		msg += " and the pod has no " + webhook.VolumeName + " volume"
	}
	msg += ": the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials"

	details := []Detail{
		Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s (created %s): %s: %s", t.Namespace, t.SAName, orUnknown(t.SA.CreationTimestamp), webhook.AnnotationRoleARN, v.role)),
		Ev(t.Source, fmt.Sprintf("pod %s/%s (created %s): containers without %s or %s: %s", t.Namespace, t.Name, orUnknown(t.Meta.CreationTimestamp),
			webhook.EnvRoleARN, webhook.EnvTokenFile, strings.Join(v.needs, ", "))),
	}
	if ev, ok := creationOrder(t); ok {
		details = append(details, Ev(t.SA.Source, ev))
	}
	if p := laterMutatedSibling(c, t); p != nil {
		details = append(details, Ev(p.Source, fmt.Sprintf("pod %s/%s of the same owner, created %s, was mutated: the webhook works now, and this pod predates the fix or the annotation",
			p.Namespace, p.Name, p.CreationTimestamp)))
	}
	if pia := c.Snap.PodIdentityAssociationFor(t.Namespace, t.SAName); pia != nil {
		// The webhook gives an association precedence over the role-arn
		// annotation (irsa-facts.md §1.4, §6.3): the re-created pod gets
		// Pod Identity.
		details = append(details, Ev(pia.Source, fmt.Sprintf("EKS Pod Identity association %s of cluster %s for ServiceAccount %s/%s: the webhook would now inject Pod Identity (%s), not IRSA",
			orUnknown(pia.ID), pia.ClusterName, t.Namespace, t.SAName, webhook.EnvContainerFullURI)))
	} else {
		details = append(details, Ev(t.Source, "the webhook would now inject: "+v.injectionSummary()))
	}
	for _, h := range identifiedWebhooks(c.Snap) {
		details = append(details, Ev(h.cfg.Source, failurePolicyNote(h)))
	}
	cmds, remedy := recreateFix(c, t)
	details = append(details, Cmd(cmds...), Remedy(remedy))
	r.Fail(subj, msg, details...)
}

// partMutation says how a pod shows that the webhook ran although some of
// its containers lack the variables.
type partMutation struct {
	// mutated are the containers whose web identity variables the webhook
	// injected (webIdentityOrigin).
	mutated []string
	// volumeAdded: the pod has the aws-iam-token volume and its pod
	// template, which is in the input, does not declare it.
	volumeAdded bool
	// template describes the pod template compared with ("" when the
	// input has none); notInTemplate lists the containers lacking the
	// variables that the template does not have.
	template      string
	notInTemplate []string
}

// partlyMutated reports a pod that the webhook did mutate although some
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
func partlyMutated(c *Context, t *Target, v admission) (partMutation, bool) {
	var pm partMutation
	if Volume(t.Spec, webhook.VolumeName) == nil {
		return pm, false
	}
	for _, cont := range initAndRegular(t.Spec) {
		if slices.Contains(v.needs, cont.Name) {
			continue
		}
		_, role := Env(cont, webhook.EnvRoleARN)
		_, file := Env(cont, webhook.EnvTokenFile)
		if (role || file) && webIdentityOrigin(c, t, cont).injected {
			pm.mutated = append(pm.mutated, cont.Name)
		}
	}
	spec, desc := podTemplateOf(c, t)
	if spec != nil {
		pm.template = desc
		pm.volumeAdded = Volume(spec, webhook.VolumeName) == nil
		for _, name := range v.needs {
			if specContainer(spec, name) == nil {
				pm.notInTemplate = append(pm.notInTemplate, name)
			}
		}
	} else {
		// Without the template the volume's origin cannot be told: the
		// webhook's name on it is taken as its mark.
		pm.volumeAdded = true
	}
	return pm, len(pm.mutated) > 0 || pm.volumeAdded
}

// failPartlyMutated reports the containers of a mutated pod that lack the
// variables, as a warning: the pod works for the containers that were
// mutated, and a sidecar added later may not call AWS at all (which cannot
// be told from its image).
func failPartlyMutated(c *Context, t *Target, r *Recorder, v admission, pm partMutation) {
	how := "it has the " + webhook.VolumeName + " volume"
	if len(pm.mutated) > 0 {
		how += fmt.Sprintf(", and %s the web identity variables", containerPhrase(pm.mutated, "has", "have"))
	} else if pm.template != "" {
		how += ", which its pod template does not declare"
	}
	msg := fmt.Sprintf("the webhook mutated the pod (%s), but %s neither %s nor %s: %s added to the pod after the webhook ran, so %s no IRSA credentials and an AWS call from %s falls back to the node's role (IMDS)",
		how, containerPhrase(v.needs, "has", "have"), webhook.EnvRoleARN, webhook.EnvTokenFile,
		pick(len(v.needs) == 1, "it was", "they were"), pick(len(v.needs) == 1, "it has", "they have"), pick(len(v.needs) == 1, "it", "them"))
	details := []Detail{
		WithSeverity(finding.SeverityWarning),
		Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, webhook.AnnotationRoleARN, v.role)),
		Ev(t.Source, fmt.Sprintf("pod %s/%s: volume %s present; containers without %s or %s: %s", t.Namespace, t.Name, webhook.VolumeName,
			webhook.EnvRoleARN, webhook.EnvTokenFile, strings.Join(v.needs, ", "))),
	}
	if len(pm.notInTemplate) > 0 {
		details = append(details, Ev(t.Source, fmt.Sprintf("the pod template of %s has no %s: a mutating webhook added %s at admission",
			pm.template, containerList(pm.notInTemplate), pick(len(pm.notInTemplate) == 1, "it", "them"))))
	}
	hooks := identifiedWebhooks(c.Snap)
	for _, h := range hooks {
		policy := h.hook.ReinvocationPolicy
		if policy == "" {
			policy = "Never"
		}
		details = append(details, Ev(h.cfg.Source, fmt.Sprintf("%s has reinvocationPolicy %s", h.String(), policy)))
	}
	if len(hooks) > 0 {
		var later []string
		for _, wc := range c.Snap.Webhooks {
			if wc.Name > hooks[0].cfg.Name && !slices.ContainsFunc(hooks, func(h identifiedHook) bool { return h.cfg == wc }) {
				later = append(later, wc.Name)
			}
		}
		if len(later) > 0 {
			details = append(details, Ev(hooks[0].cfg.Source, fmt.Sprintf("MutatingWebhookConfigurations called after %s (the API server calls them in name order): %s",
				hooks[0].cfg.Name, strings.Join(later, ", "))))
		}
	}
	remedy := fmt.Sprintf("Nothing to do if %s never %s AWS (a Vault agent, a service mesh proxy or a log shipper usually does not). If %s, %s %s, %s=%s and a mount of volume `%s` at `%s`: ",
		containerList(v.needs), pick(len(v.needs) == 1, "calls", "call"), pick(len(v.needs) == 1, "it does", "they do"),
		pick(len(v.needs) == 1, "it needs", "they need"), webhook.EnvRoleARN, webhook.EnvTokenFile, webhook.TokenPath, webhook.VolumeName, webhook.MountPath) +
		"add them in the configuration of the webhook that injects the container, or set `reinvocationPolicy: IfNeeded` on the pod identity webhook " +
		"(self-managed installations) so that the API server calls it again after later webhooks change the pod. Re-creating the pod alone changes nothing."
	details = append(details, Remedy(remedy))
	r.Fail(t.Subject(), msg, details...)
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// admission is what the webhook does, or did, with a target: Mutate's
// prediction on the target's spec, with the skip label decided from the
// webhook configurations in the input.
type admission struct {
	role      string // the SA's eks.amazonaws.com/role-arn value
	annotated bool   // the value is non-empty: the webhook acts (§1.1)
	label     skipLabel
	res       webhook.Result
	// needs lists the containers the webhook gives AWS_ROLE_ARN and
	// AWS_WEB_IDENTITY_TOKEN_FILE: not skipped, and setting neither. On an
	// admitted pod that the webhook mutated, it is empty.
	needs []string
	// mountFor lists the containers that set AWS_WEB_IDENTITY_TOKEN_FILE
	// themselves under the webhook's mount path and do not mount it yet:
	// they rely on the mount the webhook adds.
	mountFor []string
}

func admissionOf(c *Context, t *Target) admission {
	var a admission
	a.role, _ = RoleAnnotation(t.SA)
	a.annotated = a.role != ""
	if t.Meta != nil {
		a.label = skipLabelOf(c.Snap, t.Meta.Labels)
	}
	a.res = t.Mutated(true)
	if a.res.Mode != webhook.ModeIRSA || a.res.Spec == nil {
		return a
	}
	for _, cr := range a.res.Containers {
		switch {
		case cr.Skipped:
		case slices.Contains(cr.Injected, webhook.EnvRoleARN):
			a.needs = append(a.needs, cr.Name)
		case cr.MountAdded:
			if orig := specContainer(t.Spec, cr.Name); orig != nil {
				if e, ok := Env(orig, webhook.EnvTokenFile); ok && e.ValueFrom == nil && underPath(e.Value, webhook.MountPath) {
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
func (a admission) webhookMatters() bool {
	return a.annotated && !a.label.effective && len(a.needs)+len(a.mountFor) > 0
}

// mutatedSummary says why nothing is missing.
func (a admission) mutatedSummary(t *Target) string {
	var own, skipped []string
	for _, cr := range a.res.Containers {
		if cr.Skipped {
			skipped = append(skipped, cr.Name)
		} else {
			own = append(own, cr.Name)
		}
	}
	if len(own) == 0 {
		return "every container is named in " + webhook.AnnotationSkipContainers + ", so the webhook injects no variables (IRSA111 judges the skip)"
	}
	if Volume(t.Spec, webhook.VolumeName) != nil {
		return fmt.Sprintf("the pod was mutated: it has the %s volume, and %s the web identity variables", webhook.VolumeName,
			containerPhrase(own, "has", "have"))
	}
	return fmt.Sprintf("%s %s or %s itself, so the webhook has no credential variables to add (IRSA109 judges them)",
		containerPhrase(own, "sets", "set"), webhook.EnvRoleARN, webhook.EnvTokenFile)
}

// injectionSummary describes what Mutate adds, for evidence.
func (a admission) injectionSummary() string {
	var parts []string
	for _, cr := range a.res.Containers {
		if cr.Unchanged() {
			continue
		}
		c := specContainer(a.res.Spec, cr.Name)
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
	if a.res.VolumeAdded && a.res.Volume != nil {
		parts = append(parts, fmt.Sprintf("volume %s (serviceAccountToken audience %q, expirationSeconds %d)", webhook.VolumeName, a.res.Audience, a.res.Expiration))
	}
	return strings.Join(parts, "; ")
}

// skipLabel is the eks.amazonaws.com/skip-pod-identity-webhook label on a
// pod and whether it keeps the webhook away.
type skipLabel struct {
	present   bool
	value     string
	effective bool
	// why says how effectiveness was decided, for evidence.
	why string
}

// skipLabelOf decides whether the skip label excludes the pod. The label
// acts only through the webhook configuration's objectSelector (the OSS
// deploy/mutatingwebhook.yaml has `DoesNotExist`; irsa-facts.md §1.1): when
// the input holds the configuration, the label excludes the pod only if
// every identified webhook's objectSelector has a requirement on it that
// the labels fail; without the configuration, the upstream manifest is
// assumed.
func skipLabelOf(s *snapshot.Snapshot, labels map[string]string) skipLabel {
	v, ok := labels[webhook.LabelSkip]
	if !ok {
		return skipLabel{}
	}
	out := skipLabel{present: true, value: v}
	hooks := identifiedWebhooks(s)
	if len(hooks) == 0 {
		out.effective = true
		out.why = "the pod identity webhook's configuration is not in the input; the upstream configuration's objectSelector (" + webhook.LabelSkip + " DoesNotExist) excludes pods carrying the label"
		return out
	}
	var names []string
	for _, h := range hooks {
		names = append(names, h.String())
		_, unmet, err := SelectorMatch(h.hook.ObjectSelector, labels)
		if err != nil {
			out.why = h.String() + " has an invalid objectSelector: " + err.Error()
			return out
		}
		found := false
		for _, u := range unmet {
			found = found || u.Key == webhook.LabelSkip
		}
		if !found {
			sel := SelectorString(h.hook.ObjectSelector)
			if sel == "" {
				sel = "empty"
			}
			out.why = fmt.Sprintf("the objectSelector of %s (%s) does not exclude it, so the label has no effect", h.String(), sel)
			return out
		}
	}
	out.effective = true
	out.why = fmt.Sprintf("the objectSelector of %s excludes pods carrying the label", strings.Join(names, " and "))
	return out
}

// creationOrder compares the ServiceAccount's and the pod's creation times:
// a ServiceAccount (re)created after the pod, or just before it, explains
// a pod the webhook left alone.
func creationOrder(t *Target) (string, bool) {
	sa, errSA := time.Parse(time.RFC3339, t.SA.CreationTimestamp)
	pod, errPod := time.Parse(time.RFC3339, t.Meta.CreationTimestamp)
	if errSA != nil || errPod != nil {
		return "", false
	}
	switch d := pod.Sub(sa); {
	case d < 0:
		return fmt.Sprintf("the ServiceAccount was created %s after the pod: it was re-created since, so its annotation cannot have applied when the pod was created", (-d).String()), true
	case d <= cacheRaceWindow:
		return fmt.Sprintf("the ServiceAccount was created %s before the pod: the webhook's ServiceAccount cache may not have held it yet when the pod was admitted (a known race when both are applied together)", d.String()), true
	}
	return "", false
}

// laterMutatedSibling returns a pod of the same top-level owner, created
// after the target pod, that the webhook mutated.
func laterMutatedSibling(c *Context, t *Target) *snapshot.Pod {
	_, kind, name := c.Index.TopOwner(t.Namespace, t.Meta)
	if kind == "" {
		return nil
	}
	created, err := time.Parse(time.RFC3339, t.Meta.CreationTimestamp)
	if err != nil {
		return nil
	}
	for _, o := range c.Targets {
		if !o.IsPod() || o == t || o.Namespace != t.Namespace || o.SAName != t.SAName {
			continue
		}
		if _, k, n := c.Index.TopOwner(o.Namespace, o.Meta); k != kind || n != name {
			continue
		}
		oc, err := time.Parse(time.RFC3339, o.Meta.CreationTimestamp)
		if err != nil || !oc.After(created) || Volume(o.Spec, webhook.VolumeName) == nil {
			continue
		}
		if a := admissionOf(c, o); a.annotated && len(a.needs) == 0 {
			return o.Pod
		}
	}
	return nil
}

// failurePolicyNote explains what a webhook's failurePolicy does to a
// failed call (admissionregistration/v1 defaults it to Fail; the upstream
// manifest sets Ignore).
func failurePolicyNote(h identifiedHook) string {
	switch h.hook.FailurePolicy {
	case "Ignore":
		return h.String() + " has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing"
	case "", "Fail":
		return h.String() + " has failurePolicy Fail: while calls fail, pod creation is rejected with \"failed calling webhook\""
	}
	return fmt.Sprintf("%s has failurePolicy %q", h.String(), h.hook.FailurePolicy)
}

// recreateFix returns the commands that re-create a pod through its
// owner, and the remediation that explains them.
func recreateFix(c *Context, t *Target) ([]string, string) {
	_, kind, name := c.Index.TopOwner(t.Namespace, t.Meta)
	del := fmt.Sprintf("kubectl delete pod %s -n %s", t.Name, t.Namespace)
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet":
		cmd := fmt.Sprintf("kubectl rollout restart %s/%s -n %s", strings.ToLower(kind), name, t.Namespace)
		return []string{cmd}, fmt.Sprintf("The webhook acts only when a pod is created. Restart %s %s so that its pods are re-created and mutated:\n\n    %s", kind, name, cmd)
	case "":
		return []string{del}, fmt.Sprintf("The webhook acts only when a pod is created, and this pod has no controller. Delete it and re-create it from its manifest (`kubectl apply -f ...`):\n\n    %s", del)
	case "CronJob":
		return []string{del}, fmt.Sprintf("The webhook acts only when a pod is created. Delete the pod: the Job of CronJob %s creates a replacement, which is mutated; later runs are mutated as they are created:\n\n    %s", name, del)
	}
	return []string{del}, fmt.Sprintf("The webhook acts only when a pod is created. Delete the pod: its %s %s creates a replacement, which is mutated:\n\n    %s", kind, name, del)
}

// specContainer returns the init or regular container called name.
func specContainer(s *snapshot.PodSpec, name string) *snapshot.Container {
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

// underPath reports whether file p lies in directory dir, after turning a
// Windows path (C:\var\run\...) into its Linux form, as the kubelet on
// Windows maps mount paths.
func underPath(p, dir string) bool {
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

// containerPhrase renders `container "app" has` / `containers "a", "b" have`.
func containerPhrase(names []string, one, many string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(names) == 1 {
		return "container " + q[0] + " " + one
	}
	return "containers " + strings.Join(q, ", ") + " " + many
}

func orUnknown(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// saNotInInput is the skip reason when the target's ServiceAccount is not
// in the input (IRSA101 reports it when the input proves it missing).
func saNotInInput(t *Target) string {
	return fmt.Sprintf("ServiceAccount %s/%s is not in the input (capture: kubectl get serviceaccount %s -n %s -o json)", t.Namespace, t.SAName, t.SAName, t.Namespace)
}

// sortedKeys returns the keys of a set, sorted.
func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
