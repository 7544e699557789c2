package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa107 = &Check{
	ID:       "IRSA107",
	Slug:     "webhook-missing",
	Title:    "The pod identity webhook's MutatingWebhookConfiguration is missing",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopeWorkloads,
	Needs:    []snapshot.Kind{snapshot.KindWebhookConfiguration},
	After:    []string{"IRSA101"},
	IRSA:     true,
	Doc: `IRSA depends on the amazon-eks-pod-identity-webhook: when a pod is created, the API server calls
it through the MutatingWebhookConfiguration ` + "`pod-identity-webhook`" + ` (on EKS its webhook is
` + "`iam-for-pods.amazonaws.com`" + `; upstream it is ` + "`pod-identity-webhook.amazonaws.com`" + `), and it injects
` + "`AWS_ROLE_ARN`" + `, ` + "`AWS_WEB_IDENTITY_TOKEN_FILE`" + ` and the projected token. Without that configuration
no pod is mutated, and every SDK falls back to the node's role. The configuration has been seen
missing after an EKS control plane upgrade (aws/amazon-eks-pod-identity-webhook#68).

The check needs the complete list of MutatingWebhookConfigurations (` + "`kubectl get mutatingwebhookconfigurations -o json`" + `),
or kubectl's NotFound error for ` + "`pod-identity-webhook`" + `: a configuration absent from a partial capture
proves nothing. Pods that were already mutated prove the webhook ran when they were created and
are not judged.`,
	Fix: `On EKS the configuration belongs to the managed control plane: do not write your own. Check that
no tool (a GitOps prune, a cleanup job) deleted it, and open a case with AWS Support to restore it.
On a self-managed cluster, deploy amazon-eks-pod-identity-webhook (its ` + "`deploy/`" + ` manifests create the
configuration). Then re-create the pods that need credentials.`,
	Run: runIRSA107,
}

// identifiedHook is one webhook of a configuration that CONTRACT.md
// ("Bundles") identifies as the pod identity webhook.
type identifiedHook struct {
	cfg  *snapshot.WebhookConfiguration
	hook *snapshot.MutatingWebhook
}

func (h identifiedHook) String() string {
	return fmt.Sprintf("webhook %s of MutatingWebhookConfiguration %s", h.hook.Name, h.cfg.Name)
}

// identifiedConfigs returns the configurations that are the pod identity
// webhook: the one named pod-identity-webhook, and any whose webhooks are
// named iam-for-pods.amazonaws.com (EKS) or
// pod-identity-webhook.amazonaws.com (upstream), sorted by name.
func identifiedConfigs(s *snapshot.Snapshot) []*snapshot.WebhookConfiguration {
	var out []*snapshot.WebhookConfiguration
	for _, wc := range s.Webhooks {
		if wc.Name == webhook.ConfigurationName || len(knownHooks(wc)) > 0 {
			out = append(out, wc)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// knownHooks returns the webhooks of wc named as the pod identity webhook.
func knownHooks(wc *snapshot.WebhookConfiguration) []*snapshot.MutatingWebhook {
	var out []*snapshot.MutatingWebhook
	for i := range wc.Webhooks {
		if n := wc.Webhooks[i].Name; n == webhook.EKSWebhookName || n == webhook.OSSWebhookName {
			out = append(out, &wc.Webhooks[i])
		}
	}
	return out
}

// identifiedWebhooks returns the webhooks that mutate pods for IRSA: the
// known-named webhooks of each identified configuration, or every webhook
// of a configuration named pod-identity-webhook whose webhooks carry other
// names.
func identifiedWebhooks(s *snapshot.Snapshot) []identifiedHook {
	var out []identifiedHook
	for _, wc := range identifiedConfigs(s) {
		hooks := knownHooks(wc)
		if len(hooks) == 0 {
			for i := range wc.Webhooks {
				hooks = append(hooks, &wc.Webhooks[i])
			}
		}
		for _, h := range hooks {
			out = append(out, identifiedHook{cfg: wc, hook: h})
		}
	}
	return out
}

// webhookConfigSubject names a MutatingWebhookConfiguration (cluster-scoped).
func webhookConfigSubject(name string) finding.Subject {
	return finding.Subject{Kind: "MutatingWebhookConfiguration", Name: name}
}

// maxListedConfigs caps the configuration names a message lists.
const maxListedConfigs = 8

func runIRSA107(c *Context, t *Target, r *Recorder) {
	subj := webhookConfigSubject(webhook.ConfigurationName)
	if !needsWebhook(c, t) {
		return
	}
	s := c.Snap
	if cfgs := identifiedConfigs(s); len(cfgs) > 0 {
		for _, wc := range cfgs {
			r.Pass(webhookConfigSubject(wc.Name), fmt.Sprintf("MutatingWebhookConfiguration %s is present (%s)", wc.Name, hookNames(wc)))
		}
		return
	}
	names := make([]string, 0, len(s.Webhooks))
	for _, wc := range s.Webhooks {
		names = append(names, wc.Name)
	}
	sort.Strings(names)
	listed := strings.Join(names, ", ")
	if len(names) > maxListedConfigs {
		listed = strings.Join(names[:maxListedConfigs], ", ") + fmt.Sprintf(" and %d more", len(names)-maxListedConfigs)
	}
	if len(names) == 0 {
		listed = "none"
	}
	var details []Detail
	switch nf, ok := s.NotFoundFor(snapshot.KindWebhookConfiguration, "", webhook.ConfigurationName); {
	case ok:
		details = append(details, Ev(nf.Source, nf.Message))
	default:
		l, ok := webhookListing(s)
		if !ok {
			r.Skip(subj, fmt.Sprintf("the input holds MutatingWebhookConfigurations (%s) but not their complete list, which proving %s absent needs (capture: kubectl get mutatingwebhookconfigurations -o json)", listed, webhook.ConfigurationName))
			return
		}
		details = append(details, Ev(l.Source, "MutatingWebhookConfigurations listed: "+listed))
	}
	r.Fail(subj, fmt.Sprintf("no MutatingWebhookConfiguration is named %s or has a webhook named %s or %s: the API server calls no webhook to inject IRSA credentials into new pods",
		webhook.ConfigurationName, webhook.EKSWebhookName, webhook.OSSWebhookName), details...)
}

// needsWebhook reports whether the webhook's presence and configuration
// matter for the target: not a pod it already mutated, not opted out
// (IRSA111), and, when the ServiceAccount is known, with a role to inject
// into a container that lacks its own setup. With the ServiceAccount not in
// the input, the target's IRSA intent is taken as the need.
func needsWebhook(c *Context, t *Target) bool {
	if t.IsPod() && podShowsMutation(c, t) {
		return false
	}
	if t.SA == nil {
		return t.Meta == nil || !skipLabelOf(c.Snap, t.Meta.Labels).effective
	}
	return admissionOf(c, t).webhookMatters()
}

// podShowsMutation reports an admitted pod that carries the aws-iam-token
// volume its template lacks: the webhook prepends it to every pod it
// mutates, even when every container is skipped (§1.2). Without the
// template in the input, the volume alone counts.
func podShowsMutation(c *Context, t *Target) bool {
	if Volume(t.Spec, webhook.VolumeName) == nil {
		return false
	}
	if spec, _ := podTemplateOf(c, t); spec != nil {
		return Volume(spec, webhook.VolumeName) == nil
	}
	return true
}

// webhookListing returns the capture that lists every
// MutatingWebhookConfiguration (a cluster-scoped List).
func webhookListing(s *snapshot.Snapshot) (snapshot.Listing, bool) {
	for _, l := range s.Listings {
		if l.Kind == snapshot.KindWebhookConfiguration {
			return l, true
		}
	}
	return snapshot.Listing{}, false
}

func hookNames(wc *snapshot.WebhookConfiguration) string {
	if len(wc.Webhooks) == 0 {
		return "no webhooks"
	}
	var n []string
	for _, h := range wc.Webhooks {
		n = append(n, h.Name)
	}
	if len(n) == 1 {
		return "webhook " + n[0]
	}
	return "webhooks " + strings.Join(n, ", ")
}
