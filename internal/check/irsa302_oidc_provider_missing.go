package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var irsa302 = &Check{
	ID:       "IRSA302",
	Slug:     "oidc-provider-missing",
	Title:    "The role's account has no IAM OIDC provider for the cluster's issuer",
	Severity: finding.SeverityError,
	Link:     finding.LinkOIDCProvider,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	Requires: []*Check{irsa101, irsa102, irsa103, irsa301},
	IRSA:     true,
	Subject:  model.ProviderSubjectOf,
	Run:      runIRSA302,
}

func runIRSA302(c *model.Context, t *model.Target, r *Recorder) {
	var v model.Verdicts
	w, ok := model.ProviderFacts(c, t, &v)
	r.Record(v)
	if !ok {
		return
	}
	subj := model.ProviderSubject(w)
	for _, p := range c.Snap.OIDCProviders {
		if p.ARN == w.ProviderARN {
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("account %s has the IAM OIDC provider %s", w.Role.ARN.Account, p.URL), []model.Detail{model.Ev(p.Source, "provider "+p.ARN)}
			})
			return
		}
	}
	proof, listed, src, proven := model.ProviderMissingProof(c.Snap, w)
	if !proven {
		r.Skip(subj, model.ProviderAbsentReason(c.Snap, w))
		return
	}
	msg := fmt.Sprintf("account %s has no IAM OIDC provider for the issuer %s", w.Role.ARN.Account, w.Issuer.HostPath)
	if w.CrossAccount() {
		msg += fmt.Sprintf(": the role is in account %s and the cluster in account %s, and STS looks for the provider in the role's account, so it must exist there too", w.Role.ARN.Account, w.Issuer.Account())
	}
	var hints []string
	for _, p := range listed {
		if _, pr, ok := strings.Cut(p, ":oidc-provider/"); ok && sameRegionOtherID(pr, w.Issuer.HostPath) {
			hints = append(hints, pr)
		}
	}
	if len(hints) > 0 {
		msg += fmt.Sprintf(" (it has one for %s: the cluster was re-created, or that is another cluster's)", strings.Join(hints, " and "))
	}
	if others := providerInOtherAccounts(c.Snap, w); len(others) > 0 && !w.CrossAccount() {
		msg += fmt.Sprintf("; accounts %s have a provider for this issuer, but STS looks only in the role's account", strings.Join(others, " and "))
	}
	ev := []model.Detail{model.Ev(src, proof), w.Issuer.Evidence(), w.Role.Evidence()}
	r.Fail(subj, msg, append(ev, createProviderDetails(w)...)...)
}

// sameRegionOtherID reports a provider of the same EKS issuer host with
// another cluster ID.
func sameRegionOtherID(provider, want string) bool {
	ph, _, _ := strings.Cut(provider, "/")
	wh, _, _ := strings.Cut(want, "/")
	return strings.EqualFold(ph, wh) && arn.IssuerClusterID(provider) != "" && !strings.EqualFold(arn.IssuerClusterID(provider), arn.IssuerClusterID(want))
}

// providerInOtherAccounts lists the other accounts whose providers name
// the issuer.
func providerInOtherAccounts(s *snapshot.Snapshot, w model.WebIdentity) []string {
	var out []string
	for _, p := range s.OIDCProviders {
		if p.Account != "" && p.Account != w.Role.ARN.Account && strings.EqualFold(p.URL, w.Issuer.HostPath) {
			out = model.AppendUnique(out, p.Account)
		}
	}
	sort.Strings(out)
	return out
}

// createProviderDetails are the commands that create the provider in the
// role's account: eksctl works in the cluster's account only, so a role of
// another account gets the AWS CLI command with that account's profile.
func createProviderDetails(w model.WebIdentity) []model.Detail {
	aud := w.Audience.Value
	if !w.Audience.Known {
		aud = "sts.amazonaws.com"
	}
	details := []model.Detail{w.IAM(model.Lit("aws"), model.Lit("iam"), model.Lit("create-open-id-connect-provider"), model.Lit("--url"), model.IssuerURL(w.Issuer.URL),
		model.Lit("--client-id-list"), model.Value("audience", aud))}
	if name := w.Issuer.ClusterName(); name != "" && w.Issuer.Region != "" && !w.CrossAccount() {
		details = append(details, model.Instead("or, instead of the command above, with eksctl",
			model.Command(model.Lit("eksctl"), model.Lit("utils"), model.Lit("associate-iam-oidc-provider"), model.Lit("--cluster"), model.ClusterName(name),
				model.Lit("--region"), model.Region(w.Issuer.Region), model.Lit("--approve"))))
	}
	rem := "Create the IAM OIDC provider for the cluster's issuer in account " + w.Role.ARN.Account + " (either command; IAM fetches the thumbprint itself when none is given)."
	if w.CrossAccount() {
		rem = fmt.Sprintf("Create the IAM OIDC provider for the cluster's issuer in the role's account %s, with a profile of that account in place of PROFILE_OF_%s; "+
			"`eksctl utils associate-iam-oidc-provider` creates it in the cluster's account only.", w.Role.ARN.Account, w.Role.ARN.Account)
	}
	return append(details, model.Remedy(rem))
}
