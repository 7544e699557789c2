package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

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
	Requires: []*Check{irsa101, irsa102, irsa103, irsa107, irsa108, irsa111},
	IRSA:     true,
	Run:      runIRSA104,
}

// cacheRaceWindow: a ServiceAccount created this shortly before the pod may
// not have reached the webhook's informer cache when the pod was admitted
// (docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache: "Injection sometimes fails", webhook #83, #194).
const cacheRaceWindow = 60 * time.Second

func runIRSA104(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.Subject()
	if t.SA == nil {
		r.Skip(subj, model.SaNotInInput(t))
		return
	}
	v := model.AdmissionOf(c, t)
	if !v.Annotated {
		// Nothing to inject: IRSA102 and IRSA103 judge the annotation.
		return
	}
	if v.Label.Effective {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("the pod carries the label %s, so the webhook is not expected to mutate it (IRSA111 judges the opt-out)", webhook.LabelSkip), nil
		})
		return
	}
	if len(v.Needs) == 0 {
		r.PassFunc(subj, func() (string, []model.Detail) { return v.MutatedSummary(t), nil })
		return
	}
	if pm, ok := model.PartlyMutated(c, t, v); ok {
		failPartlyMutated(c, t, r, v, pm)
		return
	}

	msg := fmt.Sprintf("ServiceAccount %q has %s %q, but %s neither %s nor %s", t.SAName, webhook.AnnotationRoleARN, v.Role,
		model.ContainerPhrase(v.Needs, "has", "have"), webhook.EnvRoleARN, webhook.EnvTokenFile)
	if model.Volume(t.Spec, webhook.VolumeName) == nil {
		msg += " and the pod has no " + webhook.VolumeName + " volume"
	}
	msg += ": the pod was created before the annotation, or the webhook did not mutate it, so it runs without IRSA credentials"

	details := []model.Detail{
		model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s (created %s): %s: %s", t.Namespace, t.SAName, model.OrUnknown(t.SA.CreationTimestamp), webhook.AnnotationRoleARN, v.Role)),
		model.Ev(t.Source, fmt.Sprintf("pod %s/%s (created %s): containers without %s or %s: %s", t.Namespace, t.Name, model.OrUnknown(t.Meta.CreationTimestamp),
			webhook.EnvRoleARN, webhook.EnvTokenFile, strings.Join(v.Needs, ", "))),
	}
	if ev, ok := creationOrder(t); ok {
		details = append(details, model.Ev(t.SA.Source, ev))
	}
	if p := laterMutatedSibling(c, t); p != nil {
		details = append(details, model.Ev(p.Source, fmt.Sprintf("pod %s/%s of the same owner, created %s, was mutated: the webhook works now, and this pod predates the fix or the annotation",
			p.Namespace, p.Name, p.CreationTimestamp)))
	}
	if pia := c.Snap.PodIdentityAssociationFor(t.Namespace, t.SAName); pia != nil {
		// The webhook gives an association precedence over the role-arn
		// annotation (docs/reference/webhook.md#pod-identity-mode, docs/reference/pod-identity.md#pod-identity-and-irsa-together): the re-created pod gets
		// Pod Identity.
		details = append(details, model.Ev(pia.Source, fmt.Sprintf("EKS Pod Identity association %s of cluster %s for ServiceAccount %s/%s: the webhook would now inject Pod Identity (%s), not IRSA",
			model.OrUnknown(pia.ID), pia.ClusterName, t.Namespace, t.SAName, webhook.EnvContainerFullURI)))
	} else {
		details = append(details, model.Ev(t.Source, "the webhook would now inject: "+v.InjectionSummary()))
	}
	for _, h := range model.IdentifiedWebhooks(c.Snap) {
		details = append(details, model.Ev(h.Cfg.Source, model.FailurePolicyNote(h)))
	}
	cmds, remedy := model.RecreateFix(c, t)
	if len(model.IdentifiedConfigs(c.Snap)) == 0 {
		remedy += "\n\n" + uncapturedConfigCauses
	}
	details = append(details, model.Run(cmds...), model.Remedy(remedy))
	r.Fail(subj, msg, details...)
}

// uncapturedConfigCauses: without the webhook's configuration, IRSA108
// cannot tell whether every call fails, in which case a re-created pod is
// admitted unmutated again (docs/reference/webhook.md#admissionreview-versions).
var uncapturedConfigCauses = fmt.Sprintf("If the new pods are not mutated either, the API server does not call the webhook for them or its calls fail, which a restart cannot fix: "+
	"a configuration whose `admissionReviewVersions` lists `v1` first makes the API server send AdmissionReview v1, which webhook releases up to %s answer in a form it rejects "+
	"(`expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview, got /, Kind=`); "+
	"an invalid `caBundle` fails every call too, and a `namespaceSelector` or `objectSelector` can exclude the pod. "+
	"The input has no MutatingWebhookConfiguration: capture `kubectl get mutatingwebhookconfigurations -o json`, and for a self-managed webhook its image "+
	"(`kubectl get deployments,daemonsets -A -o json`), and run again so that IRSA108 judges them.", webhook.LastV1beta1OnlyRelease)

// failPartlyMutated reports the containers of a mutated pod that lack the
// variables, as a warning: the pod works for the containers that were
// mutated, and a sidecar added later may not call AWS at all (which cannot
// be told from its image).
func failPartlyMutated(c *model.Context, t *model.Target, r *Recorder, v model.Admission, pm model.PartMutation) {
	how := "it has the " + webhook.VolumeName + " volume"
	if len(pm.Mutated) > 0 {
		how += fmt.Sprintf(", and %s the web identity variables", model.ContainerPhrase(pm.Mutated, "has", "have"))
	} else if pm.Template != "" {
		how += ", which its pod template does not declare"
	}
	msg := fmt.Sprintf("the webhook mutated the pod (%s), but %s neither %s nor %s: %s added to the pod after the webhook ran, so %s no IRSA credentials and an AWS call from %s falls back to the node's role (IMDS)",
		how, model.ContainerPhrase(v.Needs, "has", "have"), webhook.EnvRoleARN, webhook.EnvTokenFile,
		pick(len(v.Needs) == 1, "it was", "they were"), pick(len(v.Needs) == 1, "it has", "they have"), pick(len(v.Needs) == 1, "it", "them"))
	details := []model.Detail{
		model.WithSeverity(finding.SeverityWarning),
		model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, webhook.AnnotationRoleARN, v.Role)),
		model.Ev(t.Source, fmt.Sprintf("pod %s/%s: volume %s present; containers without %s or %s: %s", t.Namespace, t.Name, webhook.VolumeName,
			webhook.EnvRoleARN, webhook.EnvTokenFile, strings.Join(v.Needs, ", "))),
	}
	if len(pm.NotInTemplate) > 0 {
		details = append(details, model.Ev(t.Source, fmt.Sprintf("the pod template of %s has no %s: a mutating webhook added %s at admission",
			pm.Template, model.ContainerList(pm.NotInTemplate), pick(len(pm.NotInTemplate) == 1, "it", "them"))))
	}
	hooks := model.IdentifiedWebhooks(c.Snap)
	for _, h := range hooks {
		policy := h.Hook.ReinvocationPolicy
		if policy == "" {
			policy = "Never"
		}
		details = append(details, model.Ev(h.Cfg.Source, fmt.Sprintf("%s has reinvocationPolicy %s", h.String(), policy)))
	}
	if len(hooks) > 0 {
		var later []string
		for _, wc := range c.Snap.Webhooks {
			if wc.Name > hooks[0].Cfg.Name && !slices.ContainsFunc(hooks, func(h model.IdentifiedHook) bool { return h.Cfg == wc }) {
				later = append(later, wc.Name)
			}
		}
		if len(later) > 0 {
			details = append(details, model.Ev(hooks[0].Cfg.Source, fmt.Sprintf("MutatingWebhookConfigurations called after %s (the API server calls them in name order): %s",
				hooks[0].Cfg.Name, strings.Join(later, ", "))))
		}
	}
	remedy := fmt.Sprintf("Nothing to do if %s never %s AWS (a Vault agent, a service mesh proxy or a log shipper usually does not). If %s, %s %s, %s=%s and a mount of volume `%s` at `%s`: ",
		model.ContainerList(v.Needs), pick(len(v.Needs) == 1, "calls", "call"), pick(len(v.Needs) == 1, "it does", "they do"),
		pick(len(v.Needs) == 1, "it needs", "they need"), webhook.EnvRoleARN, webhook.EnvTokenFile, webhook.TokenPath, webhook.VolumeName, webhook.MountPath) +
		"add them in the configuration of the webhook that injects the container, or set `reinvocationPolicy: IfNeeded` on the pod identity webhook " +
		"(self-managed installations) so that the API server calls it again after later webhooks change the pod. Re-creating the pod alone changes nothing."
	details = append(details, model.Remedy(remedy))
	r.Fail(t.Subject(), msg, details...)
}

func pick(cond bool, a, b string) string {
	if cond {
		return a
	}
	return b
}

// creationOrder compares the ServiceAccount's and the pod's creation times:
// a ServiceAccount (re)created after the pod, or just before it, explains
// a pod the webhook left alone.
func creationOrder(t *model.Target) (string, bool) {
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
func laterMutatedSibling(c *model.Context, t *model.Target) *snapshot.Pod {
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
		if err != nil || !oc.After(created) || model.Volume(o.Spec, webhook.VolumeName) == nil {
			continue
		}
		if a := model.AdmissionOf(c, o); a.Annotated && len(a.Needs) == 0 {
			return o.Pod
		}
	}
	return nil
}
