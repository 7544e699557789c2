package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

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
	Requires: []*Check{irsa101},
	IRSA:     true,
	Subject:  model.WebhookSubjectOf,
	Applies:  applies107,
	Run:      runIRSA107,
}

// maxListedConfigs caps the configuration names a message lists.
const maxListedConfigs = 8

func runIRSA107(c *model.Context, t *model.Target, r *Recorder) {
	subj := model.WebhookConfigSubject(webhook.ConfigurationName)
	s := c.Snap
	if cfgs := model.IdentifiedConfigs(s); len(cfgs) > 0 {
		for _, wc := range cfgs {
			r.PassFunc(model.WebhookConfigSubject(wc.Name), func() (string, []model.Detail) {
				return fmt.Sprintf("MutatingWebhookConfiguration %s is present (%s)", wc.Name, hookNames(wc)), nil
			})
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
	var details []model.Detail
	switch nf, ok := s.NotFoundFor(snapshot.KindWebhookConfiguration, "", webhook.ConfigurationName); {
	case ok:
		details = append(details, model.Ev(nf.Source, nf.Message))
	default:
		l, ok := webhookListing(s)
		if !ok {
			r.Skip(subj, fmt.Sprintf("the input holds MutatingWebhookConfigurations (%s) but not their complete list, which proving %s absent needs (capture: kubectl get mutatingwebhookconfigurations -o json)", listed, webhook.ConfigurationName))
			return
		}
		details = append(details, model.Ev(l.Source, "MutatingWebhookConfigurations listed: "+listed))
	}
	r.Fail(subj, fmt.Sprintf("no MutatingWebhookConfiguration is named %s or has a webhook named %s or %s: the API server calls no webhook to inject IRSA credentials into new pods",
		webhook.ConfigurationName, webhook.EKSWebhookName, webhook.OSSWebhookName), details...)
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

// applies107: the target needs the webhook to mutate its pods.
func applies107(c *model.Context, t *model.Target) bool { return model.NeedsWebhook(c, t) }
