package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa313 = &Check{
	ID:       "IRSA313",
	Slug:     "webhook-dry-run-not-mutated",
	Title:    "A dry-run pod of the workload was not mutated by the pod identity webhook",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	// The probe is opt-in: its skip (not run with the permissions it
	// needs) leaves a link that the static checks passed as pass.
	Secondary: true,
	Scope:     ScopeWorkloads,
	Requires:  []*Check{irsa101, irsa102, irsa103, irsa107, irsa108},
	IRSA:      true,
	Applies:   applies313,
	Run:       runIRSA313,
}

func runIRSA313(c *model.Context, t *model.Target, r *Recorder) {
	w := t.Workload
	if t.IsPod() {
		w = t.Owner
	}
	dr, gap := dryRunOf(c, w)
	subj := t.Subject()
	role, _ := model.RoleAnnotation(t.SA)
	// The template as the webhook mutates it at CREATE; the skip label
	// acts through the configuration's objectSelector (skipLabelOf).
	var pred webhook.Result
	if t.IsTemplate() {
		pred = t.Mutated(true)
	} else {
		pred = webhook.Mutate(w.Namespace, &w.Template.ObjectMeta, &w.Template.Spec, t.SA, webhook.Config{IgnoreSkipLabel: true})
	}
	want := expectedInjection(pred)
	if model.SkipLabelOf(c.Snap, w.Template.Labels).Effective || want.empty() {
		// Nothing the webhook is expected to add: nothing to compare.
		return
	}
	if gap != nil {
		r.Skip(subj, model.GapText(gap))
		return
	}
	what := fmt.Sprintf("the dry-run create of a pod from the pod template of %s %s/%s", w.Kind, w.Namespace, w.Name)
	details := []model.Detail{
		model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s: %s", t.Namespace, t.SAName, webhook.AnnotationRoleARN, role)),
		model.Ev(w.Source, "the webhook would inject: "+want.String()),
	}
	if dr.Error != "" {
		if !webhookCallFailed(dr.Error) {
			r.Skip(subj, "the API server refused the dry-run pod, so the webhook's work cannot be seen: "+dr.Error, model.Ev(dr.Source, what+" was refused: "+dr.Error))
			return
		}
		details = append(details, model.Ev(dr.Source, what+" was refused: "+dr.Error))
		for _, h := range model.IdentifiedWebhooks(c.Snap) {
			details = append(details, model.Ev(h.Cfg.Source, failurePolicyText(h)))
		}
		r.Fail(subj, fmt.Sprintf("the API server refused a dry-run pod of the template because its call to the pod identity webhook failed: "+
			"pods of the workload cannot be created now (ServiceAccount %q names role %s)", t.SAName, role), details...)
		return
	}
	details = append(details, model.Ev(dr.Source, what+" returned: "+describeDryRun(dr)))
	missing, present := want.compare(dr)
	if len(missing) == 0 {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return "a dry-run pod of the template came back mutated as predicted: " + want.String(), details
		})
		return
	}
	for _, h := range model.IdentifiedWebhooks(c.Snap) {
		details = append(details, model.Ev(h.Cfg.Source, failurePolicyText(h)))
	}
	cause := "the pod identity webhook is not mutating pods now (it is down or unreachable and its failurePolicy admits pods unmutated, " +
		"or its configuration no longer matches them), so pods created from now on run without IRSA credentials"
	if present {
		cause = "the webhook mutated it only in part, not as predicted, so pods created from now on lack these pieces"
	}
	r.Fail(subj, fmt.Sprintf("a dry-run pod of the template came back without %s, although ServiceAccount %q names role %s: %s",
		strings.Join(missing, ", "), t.SAName, role, cause), details...)
}

// injection is what the webhook is expected to add to a pod that matters
// for IRSA: per container, the web identity variables and the token mount
// (docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions, docs/reference/webhook.md#containers-that-already-set-the-variables); and the token volume. The region and
// regional-STS variables are left out: EKS's flags differ from the
// upstream defaults the prediction uses.
type injection struct {
	containers []containerInjection
	volume     bool
}

type containerInjection struct {
	name  string
	init  bool
	env   []string
	mount bool
}

func expectedInjection(pred webhook.Result) injection {
	var in injection
	if pred.Mode != webhook.ModeIRSA {
		return in
	}
	for _, cr := range pred.Containers {
		if cr.Skipped {
			continue
		}
		ci := containerInjection{name: cr.Name, init: cr.Init, mount: cr.MountAdded}
		for _, e := range cr.Injected {
			if e == webhook.EnvRoleARN || e == webhook.EnvTokenFile {
				ci.env = append(ci.env, e)
			}
		}
		if len(ci.env) > 0 || ci.mount {
			in.containers = append(in.containers, ci)
		}
	}
	in.volume = pred.VolumeAdded
	return in
}

func (in injection) empty() bool { return len(in.containers) == 0 && !in.volume }

func (in injection) String() string {
	var parts []string
	for _, ci := range in.containers {
		var bits []string
		bits = append(bits, ci.env...)
		if ci.mount {
			bits = append(bits, "the "+webhook.VolumeName+" mount")
		}
		parts = append(parts, fmt.Sprintf("%s in container %q", strings.Join(bits, ", "), ci.name))
	}
	if in.volume {
		parts = append(parts, "the "+webhook.VolumeName+" volume")
	}
	return strings.Join(parts, "; ")
}

// compare lists what the dry-run pod lacks of the injection, and whether
// it has any of it (a partial mutation).
func (in injection) compare(dr *snapshot.DryRunResult) (missing []string, present bool) {
	for _, ci := range in.containers {
		list := dr.Containers
		if ci.init {
			list = dr.InitContainers
		}
		var got *snapshot.DryRunContainer
		for i := range list {
			if list[i].Name == ci.name {
				got = &list[i]
			}
		}
		var lack []string
		for _, e := range ci.env {
			if got != nil && slices.Contains(got.Env, e) {
				present = true
			} else {
				lack = append(lack, e)
			}
		}
		if ci.mount {
			if got != nil && slices.Contains(got.Mounts, webhook.VolumeName) {
				present = true
			} else {
				lack = append(lack, "the "+webhook.VolumeName+" mount")
			}
		}
		if len(lack) > 0 {
			missing = append(missing, fmt.Sprintf("%s in container %q", strings.Join(lack, ", "), ci.name))
		}
	}
	if in.volume {
		if slices.Contains(dr.Volumes, webhook.VolumeName) {
			present = true
		} else {
			missing = append(missing, "the "+webhook.VolumeName+" volume")
		}
	}
	return missing, present
}

// describeDryRun lists what the dry-run pod has, names only.
func describeDryRun(dr *snapshot.DryRunResult) string {
	var parts []string
	each := func(kind string, cs []snapshot.DryRunContainer) {
		for _, c := range cs {
			parts = append(parts, fmt.Sprintf("%s %s: env [%s], mounts [%s]", kind, c.Name, strings.Join(c.Env, ", "), strings.Join(c.Mounts, ", ")))
		}
	}
	each("init container", dr.InitContainers)
	each("container", dr.Containers)
	parts = append(parts, "volumes ["+strings.Join(dr.Volumes, ", ")+"]")
	return strings.Join(parts, "; ")
}

// webhookCallFailed reports an API server refusal caused by a failed call
// to the pod identity webhook under failurePolicy Fail: `Internal error
// occurred: failed calling webhook "iam-for-pods.amazonaws.com": ...`
// (k8s.io/apiserver admission webhook errors; docs/reference/webhook.md#webhook-configuration-and-failure-policy, docs/reference/webhook.md#pods-are-mutated-only-at-creation, docs/reference/webhook.md#serviceaccount-cache).
func webhookCallFailed(msg string) bool {
	if !strings.Contains(msg, "failed calling webhook") {
		return false
	}
	return strings.Contains(msg, `"`+webhook.EKSWebhookName+`"`) || strings.Contains(msg, `"`+webhook.OSSWebhookName+`"`)
}

// failurePolicyText says what a webhook's failurePolicy does with a failed
// call (admissionregistration/v1 defaults it to Fail; the upstream
// manifest sets Ignore).
func failurePolicyText(h model.IdentifiedHook) string {
	p := h.Hook.FailurePolicy
	if p == "" {
		p = "Fail"
	}
	switch p {
	case "Ignore":
		return h.String() + " has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing"
	case "Fail":
		return h.String() + " has failurePolicy Fail: while calls fail, pod creation is refused with \"failed calling webhook\""
	}
	return fmt.Sprintf("%s has failurePolicy %q", h.String(), p)
}

// dryRunOf is the server-side dry-run create of w's pod, or the gap that
// says why the probe could not make it; both are nil when no probe ran.
func dryRunOf(c *model.Context, w *snapshot.Workload) (*snapshot.DryRunResult, *snapshot.Gap) {
	if dr := c.Snap.DryRunFor(w.Kind, w.Namespace, w.Name); dr != nil {
		return dr, nil
	}
	var gap *snapshot.Gap
	for i := range c.Snap.Gaps {
		if g := &c.Snap.Gaps[i]; g.Operation == snapshot.GapDryRun && g.Resource == snapshot.ProbeNamespaceResource(w.Namespace) {
			gap = g
		}
	}
	return nil, gap
}

// applies313: a dry run was probed for the target's workload, whose
// ServiceAccount names a role.
func applies313(c *model.Context, t *model.Target) bool {
	w := t.Workload
	if t.IsPod() {
		w = t.Owner
	}
	if w == nil || t.SA == nil || w.Template.Spec.ServiceAccount() != t.SAName {
		return false
	}
	if dr, gap := dryRunOf(c, w); dr == nil && gap == nil {
		return false
	}
	role, _ := model.RoleAnnotation(t.SA)
	return strings.TrimSpace(role) != ""
}
