package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// IdentifiedHook is one webhook of a configuration that docs/contract.md
// ("Bundles") identifies as the pod identity webhook.
type IdentifiedHook struct {
	Cfg  *snapshot.WebhookConfiguration
	Hook *snapshot.MutatingWebhook
}

func (h IdentifiedHook) String() string {
	return fmt.Sprintf("webhook %s of MutatingWebhookConfiguration %s", h.Hook.Name, h.Cfg.Name)
}

// IdentifiedConfigs returns the configurations that are the pod identity
// webhook: the one named pod-identity-webhook, and any whose webhooks are
// named iam-for-pods.amazonaws.com (EKS) or
// pod-identity-webhook.amazonaws.com (upstream), sorted by name.
func IdentifiedConfigs(s *snapshot.Snapshot) []*snapshot.WebhookConfiguration {
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

// IdentifiedWebhooks returns the webhooks that mutate pods for IRSA: the
// known-named webhooks of each identified configuration, or every webhook
// of a configuration named pod-identity-webhook whose webhooks carry other
// names.
func IdentifiedWebhooks(s *snapshot.Snapshot) []IdentifiedHook {
	var out []IdentifiedHook
	for _, wc := range IdentifiedConfigs(s) {
		hooks := knownHooks(wc)
		if len(hooks) == 0 {
			for i := range wc.Webhooks {
				hooks = append(hooks, &wc.Webhooks[i])
			}
		}
		for _, h := range hooks {
			out = append(out, IdentifiedHook{Cfg: wc, Hook: h})
		}
	}
	return out
}

// WebhookConfigSubject names a MutatingWebhookConfiguration (cluster-scoped).
func WebhookConfigSubject(name string) finding.Subject {
	return finding.Subject{Kind: "MutatingWebhookConfiguration", Name: name}
}

// NeedsWebhook reports whether the webhook's presence and configuration
// matter for the target: not a pod it already mutated, not opted out
// (IRSA111), and, when the ServiceAccount is known, with a role to inject
// into a container that lacks its own setup. With the ServiceAccount not in
// the input, the target's IRSA intent is taken as the need.
func NeedsWebhook(c *Context, t *Target) bool {
	if t.IsPod() && podShowsMutation(c, t) {
		return false
	}
	if t.SA == nil {
		return t.Meta == nil || !SkipLabelOf(c.Snap, t.Meta.Labels).Effective
	}
	return AdmissionOf(c, t).webhookMatters()
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

// WebhookImage is where the pod identity webhook of a configuration runs,
// as far as the input tells.
type WebhookImage struct {
	// Image is the webhook container's image, "" when not in the input.
	Image  string
	Source snapshot.Source
	// Workload names the Deployment or DaemonSet that runs it
	// ("Deployment default/pod-identity-webhook").
	Workload string
	// Managed: the configuration calls a URL, not a Service, so no
	// workload can be tied to it (EKS calls https://127.0.0.1:23443/mutate:
	// the webhook runs on the control plane, where no image can be seen).
	Managed bool
}

// ImageOf finds the image of the webhook a configuration calls: a container
// whose image is amazon-eks-pod-identity-webhook in a Deployment or
// DaemonSet of the called service's namespace or kube-system.
func ImageOf(s *snapshot.Snapshot, h IdentifiedHook) WebhookImage {
	cc := h.Hook.ClientConfig
	if cc.Service == nil {
		return WebhookImage{Managed: cc.URL != nil}
	}
	for _, w := range s.Workloads {
		if w.Kind != "Deployment" && w.Kind != "DaemonSet" || w.Namespace != cc.Service.Namespace && w.Namespace != "kube-system" {
			continue
		}
		for _, ct := range w.Template.Spec.Containers {
			if strings.Contains(ct.Image, webhook.ImageName) {
				return WebhookImage{Image: ct.Image, Source: w.Source, Workload: fmt.Sprintf("%s %s/%s", w.Kind, w.Namespace, w.Name)}
			}
		}
	}
	return WebhookImage{}
}
