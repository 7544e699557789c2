package check

import (
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

var irsa303 = &Check{
	ID:       "IRSA303",
	Slug:     "provider-audience-missing",
	Title:    "The IAM OIDC provider's ClientIDList lacks the token's audience",
	Severity: finding.SeverityError,
	Link:     finding.LinkOIDCProvider,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa301, irsa302},
	IRSA:     true,
	Subject:  model.ProviderSubjectOf,
	Run:      runIRSA303,
}

func runIRSA303(c *model.Context, t *model.Target, r *Recorder) {
	var v model.Verdicts
	w, ok := model.ProviderFacts(c, t, &v)
	r.Record(v)
	if !ok {
		return
	}
	subj := model.ProviderSubject(w)
	v = nil
	p := model.DetailedProvider(c, w, &v, "ClientIDList")
	r.Record(v)
	if p == nil {
		return
	}
	if !w.Audience.Known {
		r.Skip(subj, "the token's audience is not known: the token names none, so the API server issues it for its own audiences, which the input does not show", w.Audience.Evidence())
		return
	}
	// The list in words only for a finding that is shown: most pass.
	idsOf := func() string { return fmt.Sprintf("[%s]", strings.Join(model.QuoteAll(p.ClientIDs), ", ")) }
	for _, id := range p.ClientIDs {
		if id == w.Audience.Value {
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("provider's ClientIDList %s includes the token's audience %q", idsOf(), w.Audience.Value), nil
			})
			return
		}
	}
	ids := idsOf()
	msg := fmt.Sprintf("provider's ClientIDList %s lacks the token's audience %q: STS answers \"Incorrect token audience\"", ids, w.Audience.Value)
	for _, id := range p.ClientIDs {
		if strings.EqualFold(id, w.Audience.Value) {
			msg += fmt.Sprintf(" (%q differs only in letter case)", id)
		}
	}
	addCmd := w.IAM(model.Lit("aws"), model.Lit("iam"), model.Lit("add-client-id-to-open-id-connect-provider"), model.Lit("--open-id-connect-provider-arn"), model.ARN(w.ProviderARN),
		model.Lit("--client-id"), model.Value("audience", w.Audience.Value))
	widen := fmt.Sprintf("Add the token's audience %q to the provider's client IDs (a smaller change than re-creating the provider). If the audience itself is wrong, correct the ServiceAccount's eks.amazonaws.com/audience annotation instead and re-create the pods.", w.Audience.Value)
	details := []model.Detail{model.Ev(p.Source, "provider "+p.ARN+" ClientIDList: "+ids), w.Audience.Evidence()}
	// A pod created before the ServiceAccount's audience changed keeps
	// its old audience (the webhook acts on CREATE only, docs/reference/README.md
	// §1.5): when new pods get one the provider accepts, re-creating the
	// pods is the fix, not widening the provider.
	if now, stale := model.StaleAudience(t); stale {
		details = append(details, model.Ev(now.Source, "a re-created pod's aud: "+model.AudienceText(now)+" ("+now.Where+")"))
		switch {
		case now.Known && slices.Contains(p.ClientIDs, now.Value):
			msg += fmt.Sprintf("; the pods keep the audience they were created with, and a re-created pod gets %q, which the ClientIDList includes: restart the pods", now.Value)
			restart := model.StaleRestart(c, t, w.Audience, now)
			r.Fail(subj, msg, append(details, model.Run(restart...), addCmd,
				model.Remedy(model.RestartFirst(t, w.Audience, now, restart, fmt.Sprintf("Add %q to the provider's client IDs (the last command).", w.Audience.Value))))...)
			return
		case now.Known:
			msg += fmt.Sprintf("; a re-created pod would get %q, which it lacks too", now.Value)
		default:
			msg += "; a re-created pod would get a token without an audience of its own"
		}
	}
	if where, ok := model.ManifestVolume(t); ok {
		// The audience is written in the manifest's own volume: the
		// ServiceAccount's annotation does not reach it, and adding an
		// audience meant for another service to the provider makes STS
		// accept that service's tokens.
		msg += "; the audience comes from the aws-iam-token volume the pod template defines itself, which the webhook keeps"
		want := model.InjectedAudience(t)
		accepted := want.Known && slices.Contains(p.ClientIDs, want.Value)
		if !accepted && len(p.ClientIDs) > 0 {
			want = model.AudienceFact{Value: p.ClientIDs[0], Known: true}
		}
		rem := model.ManifestVolumeRemedy(where, w.Audience.Value, want) +
			fmt.Sprintf("\n\nAdding %q to the provider's client IDs (the command) also works, but makes STS accept every token issued for %q.", w.Audience.Value, w.Audience.Value)
		r.Fail(subj, msg, append(details, addCmd, model.Remedy(rem))...)
		return
	}
	r.Fail(subj, msg, append(details, addCmd, model.Remedy(widen))...)
}
