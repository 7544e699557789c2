package model

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// ProviderFacts gathers the role and the issuer a provider check needs,
// recording a skip (or nothing) when one is missing.
func ProviderFacts(c *Context, t *Target, r *Verdicts) (WebIdentity, bool) {
	// Three checks ask (IRSA302-304): gathered once per target, with the
	// verdicts each of them records.
	e := OnceFor(t, providerFactsKey{}, func() (e providerFactsEntry) {
		e.w, e.ok = providerFacts(c, t, &e.v)
		return e
	})
	*r = append(*r, e.v...)
	if !e.ok {
		return WebIdentity{}, false
	}
	return *e.w, true
}

type providerFactsKey struct{}

type providerFactsEntry struct {
	w  *WebIdentity // shared with the trust checks' TrustInput
	ok bool
	v  Verdicts
}

func providerFacts(c *Context, t *Target, r *Verdicts) (*WebIdentity, bool) {
	ref, ok := IamTargetRole(t, r)
	if !ok {
		return nil, false
	}
	issuer, why, _ := c.ClusterIssuer()
	if why != "" {
		r.Skip(finding.Subject{Kind: "OIDCProvider"}, "the cluster's issuer is not known: "+why)
		return nil, false
	}
	w := c.targetWebIdentity(t, ref, issuer)
	if p := c.ClusterPartition(); p != "" && p != ref.ARN.Partition {
		r.Skip(ProviderSubject(*w), fmt.Sprintf("the role ARN is in partition %s, the cluster in partition %s (IRSA201)", ref.ARN.Partition, p))
		return nil, false
	}
	return w, true
}

func ProviderSubject(w WebIdentity) finding.Subject {
	return finding.Subject{Kind: "OIDCProvider", ARN: w.ProviderARN}
}

// ProviderMissingProof returns the proof that the provider does not exist
// in the role's account: the account's provider lists (listed holds their
// ARNs) or get-open-id-connect-provider's NoSuchEntity text.
func ProviderMissingProof(s *snapshot.Snapshot, w WebIdentity) (proof string, listed []string, src snapshot.Source, proven bool) {
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
			listed = AppendUnique(listed, a)
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

// ProviderAbsentReason is the skip reason when the input neither holds
// the provider nor proves it missing.
func ProviderAbsentReason(s *snapshot.Snapshot, w WebIdentity) string {
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
// list a provider with its Url (docs/contract.md#bundles).
func providerAmbiguous(s *snapshot.Snapshot, w WebIdentity) string {
	for _, p := range s.OIDCProviders {
		if p.ARN == "" && p.Ambiguous != "" && strings.EqualFold(p.URL, w.Issuer.HostPath) {
			return p.Ambiguous
		}
	}
	return ""
}

// AudienceText renders an audience for evidence.
func AudienceText(a AudienceFact) string {
	if !a.Known {
		return "the API server's own audience"
	}
	return a.Value
}

// FindProvider returns the provider fact with the expected ARN, or nil.
func FindProvider(c *Context, w WebIdentity) *snapshot.OIDCProvider {
	for _, p := range c.Snap.OIDCProviders {
		if p.ARN == w.ProviderARN {
			return p
		}
	}
	return nil
}

// DetailedProvider returns the provider fact with its details (Url,
// ClientIDList, ThumbprintList) for the request's principal, or records the
// skip that says why it cannot be judged: the provider proven missing
// (IRSA302's business), its details ambiguous between accounts, or not
// captured. field names what the caller needs ("ClientIDList").
func DetailedProvider(c *Context, w WebIdentity, r *Verdicts, field string) *snapshot.OIDCProvider {
	subj := ProviderSubject(w)
	p := FindProvider(c, w)
	if p != nil && p.Detailed {
		return p
	}
	getCmd := fmt.Sprintf("aws iam get-open-id-connect-provider --open-id-connect-provider-arn %s --output json%s", finding.Quote(w.ProviderARN), w.ProfileFlag())
	switch {
	case p == nil:
		why := ProviderAbsentReason(c.Snap, w)
		if _, _, _, proven := ProviderMissingProof(c.Snap, w); proven {
			why = fmt.Sprintf("provider %s does not exist (IRSA302)", w.ProviderARN)
		} else if amb := providerAmbiguous(c.Snap, w); amb != "" {
			why = fmt.Sprintf("%s (capture the role account's: %s)", amb, getCmd)
		} else if !strings.HasPrefix(why, "the provider") {
			why = fmt.Sprintf("provider %s is not in the input (capture: %s)", w.ProviderARN, getCmd)
		}
		r.Skip(subj, why)
		return nil
	case !p.Detailed:
		if why := providerAmbiguous(c.Snap, w); why != "" {
			// The details are in the input, but whose they are is not
			// known: say so, and how to capture the role account's own.
			r.Skip(subj, fmt.Sprintf("%s (capture the role account's: %s)", why, getCmd))
			return nil
		}
		r.Skip(subj, fmt.Sprintf("the input lists provider %s but not its %s (capture: %s)", w.ProviderARN, field, getCmd))
		return nil
	}
	return p
}
