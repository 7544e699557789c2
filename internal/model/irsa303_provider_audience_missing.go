package model

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// audienceText renders an audience for evidence.
func AudienceText(a AudienceFact) string {
	if !a.Known {
		return "the API server's own audience"
	}
	return a.Value
}

// findProvider returns the provider fact with the expected ARN, or nil.
func FindProvider(c *Context, w WebIdentity) *snapshot.OIDCProvider {
	for _, p := range c.Snap.OIDCProviders {
		if p.ARN == w.ProviderARN {
			return p
		}
	}
	return nil
}

// detailedProvider returns the provider fact with its details (Url,
// ClientIDList, ThumbprintList) for the request's principal, or records the
// skip that says why it cannot be judged: the provider proven missing
// (IRSA302's business), its details ambiguous between accounts, or not
// captured. field names what the caller needs ("ClientIDList").
func DetailedProvider(c *Context, w WebIdentity, r *Verdicts, field string) *snapshot.OIDCProvider {
	subj := ProviderSubject(w)
	getCmd := fmt.Sprintf("aws iam get-open-id-connect-provider --open-id-connect-provider-arn %s --output json%s", w.ProviderARN, w.ProfileFlag())
	p := FindProvider(c, w)
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
