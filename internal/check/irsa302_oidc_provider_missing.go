package check

import (
	"fmt"
	"sort"
	"strings"

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
	After:    afterIAM("IRSA301"),
	IRSA:     true,
	Doc: `STS accepts a service account token only when the role's account has an IAM OIDC identity provider
whose URL is the token's issuer; otherwise it answers
` + "`InvalidIdentityToken: No OpenIDConnect provider found in your account for https://oidc.eks...`" + `
(irsa-facts.md §2). "The OIDC IdP and the IAM role must be in the same AWS account": a role in
another account than the cluster needs a provider for the cluster's issuer in the role's account
(failure-modes.md #20). The usual causes: ` + "`eksctl utils associate-iam-oidc-provider`" + ` was never run, the
cluster was re-created (new issuer ID) and the provider still names the old one, or the provider was
created in another account or partition.

The provider counts as missing only when the input proves it: the role account's
` + "`aws iam list-open-id-connect-providers`" + ` output without it, or the ` + "`NoSuchEntity`" + ` error that
` + "`aws iam get-open-id-connect-provider`" + ` prints.`,
	Fix: `Create the provider in the role's account, with the token's audience as client ID:
` + "`eksctl utils associate-iam-oidc-provider --cluster CLUSTER --region REGION --approve`" + ` (in the cluster's
account), or ` + "`aws iam create-open-id-connect-provider --url ISSUER_URL --client-id-list sts.amazonaws.com`" + `
with credentials of the role's account. IAM fetches the thumbprint itself when none is given
(irsa-facts.md §3.6).`,
	Run: runIRSA302,
}

func runIRSA302(c *Context, t *Target, r *Recorder) {
	w, ok := providerFacts(c, t, r)
	if !ok {
		return
	}
	subj := providerSubject(w)
	for _, p := range c.Snap.OIDCProviders {
		if p.ARN == w.ProviderARN {
			r.Pass(subj, fmt.Sprintf("account %s has the IAM OIDC provider %s", w.Role.ARN.Account, p.URL), Ev(p.Source, "provider "+p.ARN))
			return
		}
	}
	proof, listed, src, proven := providerMissingProof(c.Snap, w)
	if !proven {
		r.Skip(subj, providerAbsentReason(c.Snap, w))
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
	ev := []Detail{Ev(src, proof), w.Issuer.Evidence(), w.Role.Evidence()}
	r.Fail(subj, msg, append(ev, createProviderDetails(w)...)...)
}

// providerFacts gathers the role and the issuer a provider check needs,
// recording a skip (or nothing) when one is missing.
func providerFacts(c *Context, t *Target, r *Recorder) (WebIdentity, bool) {
	ref, ok := iamTargetRole(t, r)
	if !ok {
		return WebIdentity{}, false
	}
	issuer, why, _ := c.ClusterIssuer()
	if why != "" {
		r.Skip(finding.Subject{Kind: "OIDCProvider"}, "the cluster's issuer is not known: "+why)
		return WebIdentity{}, false
	}
	w := NewWebIdentity(t, ref, issuer)
	if p := issuer.Partition(); p != "" && p != ref.ARN.Partition {
		r.Skip(providerSubject(w), fmt.Sprintf("the role ARN is in partition %s, the cluster in partition %s (IRSA201)", ref.ARN.Partition, p))
		return WebIdentity{}, false
	}
	return w, true
}

func providerSubject(w WebIdentity) finding.Subject {
	return finding.Subject{Kind: "OIDCProvider", ARN: w.ProviderARN}
}

// providerMissingProof returns the proof that the provider does not exist
// in the role's account: the account's provider lists (listed holds their
// ARNs) or get-open-id-connect-provider's NoSuchEntity text.
func providerMissingProof(s *snapshot.Snapshot, w WebIdentity) (proof string, listed []string, src snapshot.Source, proven bool) {
	if nf, ok := s.NotFoundFor(snapshot.KindOIDCProvider, "", w.ProviderARN); ok {
		return nf.Message, nil, nf.Source, true
	}
	found := false
	for _, pl := range s.ProviderLists {
		if pl.Account != w.Role.ARN.Account {
			continue
		}
		if !found {
			src = pl.Source
		}
		found = true
		for _, a := range pl.ARNs {
			listed = appendUnique(listed, a)
		}
	}
	if !found {
		return "", nil, snapshot.Source{}, false
	}
	sort.Strings(listed)
	shown := "none"
	if len(listed) > 0 {
		shown = strings.Join(listed, ", ")
	}
	return fmt.Sprintf("IAM OIDC providers of account %s: %s", w.Role.ARN.Account, shown), listed, src, true
}

// providerAbsentReason is the skip reason when the input neither holds
// the provider nor proves it missing.
func providerAbsentReason(s *snapshot.Snapshot, w WebIdentity) string {
	if why := providerAmbiguous(s, w); why != "" {
		return why
	}
	for _, g := range s.Gaps {
		if g.Operation == "iam:ListOpenIDConnectProviders" || g.Operation == "iam:GetOpenIDConnectProvider" {
			return fmt.Sprintf("the IAM OIDC providers of account %s are not known: %s (%s)", w.Role.ARN.Account, g.Reason, g.Operation)
		}
	}
	return fmt.Sprintf("the input has no list of the IAM OIDC providers of account %s (capture: aws iam list-open-id-connect-providers --output json%s)", w.Role.ARN.Account, w.ProfileFlag())
}

// providerAmbiguous returns why the input's details of the issuer's
// provider cannot be attributed to an account ("" when they can):
// get-open-id-connect-provider output carries no ARN, and several accounts
// list a provider with its Url (CONTRACT.md "Bundles").
func providerAmbiguous(s *snapshot.Snapshot, w WebIdentity) string {
	for _, p := range s.OIDCProviders {
		if p.ARN == "" && p.Ambiguous != "" && strings.EqualFold(p.URL, w.Issuer.HostPath) {
			return p.Ambiguous
		}
	}
	return ""
}

// sameRegionOtherID reports a provider of the same EKS issuer host with
// another cluster ID.
func sameRegionOtherID(provider, want string) bool {
	ph, _, _ := strings.Cut(provider, "/")
	wh, _, _ := strings.Cut(want, "/")
	return strings.EqualFold(ph, wh) && issuerID(provider) != "" && !strings.EqualFold(issuerID(provider), issuerID(want))
}

// providerInOtherAccounts lists the other accounts whose providers name
// the issuer.
func providerInOtherAccounts(s *snapshot.Snapshot, w WebIdentity) []string {
	var out []string
	for _, p := range s.OIDCProviders {
		if p.Account != "" && p.Account != w.Role.ARN.Account && strings.EqualFold(p.URL, w.Issuer.HostPath) {
			out = appendUnique(out, p.Account)
		}
	}
	sort.Strings(out)
	return out
}

// createProviderDetails are the commands that create the provider in the
// role's account: eksctl works in the cluster's account only, so a role of
// another account gets the AWS CLI command with that account's profile.
func createProviderDetails(w WebIdentity) []Detail {
	aud := w.Audience.Value
	if !w.Audience.Known {
		aud = "sts.amazonaws.com"
	}
	var cmds []string
	if name := w.Issuer.ClusterName(); name != "" && w.Issuer.Region != "" && !w.CrossAccount() {
		cmds = append(cmds, fmt.Sprintf("eksctl utils associate-iam-oidc-provider --cluster %s --region %s --approve", iamQuoteArg(name), w.Issuer.Region))
	}
	cmds = append(cmds, fmt.Sprintf("aws iam create-open-id-connect-provider --url %s --client-id-list %s%s", w.Issuer.URL, iamQuoteArg(aud), w.ProfileFlag()))
	rem := "Create the IAM OIDC provider for the cluster's issuer in account " + w.Role.ARN.Account + " (either command; IAM fetches the thumbprint itself when none is given)."
	if w.CrossAccount() {
		rem = fmt.Sprintf("Create the IAM OIDC provider for the cluster's issuer in the role's account %s, with a profile of that account in place of PROFILE_OF_%s; "+
			"`eksctl utils associate-iam-oidc-provider` creates it in the cluster's account only.", w.Role.ARN.Account, w.Role.ARN.Account)
	}
	return []Detail{Cmd(cmds...), Remedy(rem)}
}
