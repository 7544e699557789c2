package check

import (
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var irsa305 = &Check{
	ID:        "IRSA305",
	Slug:      "issuer-discovery-invalid",
	Title:     "The issuer's discovery document or key set does not fit the cluster's tokens",
	Severity:  finding.SeverityError,
	Secondary: true,
	Link:      finding.LinkIssuer,
	Scope:     ScopeWorkloads | ScopeServiceAccount,
	Requires:  []*Check{irsa101, irsa102, irsa103, irsa301},
	IRSA:      true,
	Subject:   model.IssuerSubjectOf,
	Run:       runIRSA305,
}

func runIRSA305(c *model.Context, t *model.Target, r *Recorder) {
	if _, ok := model.RoleAnnotation(t.SA); !ok {
		return
	}
	// What it judges is the cluster's issuer and its documents, the same
	// for every target: judged once per run, recorded for each.
	r.RecordShared(model.Once(c, irsa305Key{}, func() (v model.Verdicts) {
		judgeIRSA305(c, &v)
		return v
	}))
}

type irsa305Key struct{}

func judgeIRSA305(c *model.Context, r *model.Verdicts) {
	issuer, why, _ := c.ClusterIssuer()
	subj := model.ClusterSubject(issuer)
	if why != "" {
		r.Skip(subj, "the cluster's issuer is not known: "+why)
		return
	}
	var problems, verified, unverified []string
	sev := finding.SeverityInfo
	raise := func(s finding.Severity) {
		if s.Rank() > sev.Rank() {
			sev = s
		}
	}
	details := []model.Detail{issuer.Evidence()}

	// The discovery document.
	doc, others := model.DiscoveryFor(c.Snap, issuer)
	switch {
	case doc == nil && len(others) > 0:
		var names []string
		for _, d := range others {
			names = model.AppendUnique(names, d.Issuer)
		}
		unverified = append(unverified, fmt.Sprintf("the input's discovery documents are for other issuers (%s; capture: %s)", strings.Join(names, ", "), model.CaptureDiscoveryCmd(issuer.URL)))
	case doc == nil:
		unverified = append(unverified, "the input has no discovery document (capture: "+model.CaptureDiscoveryCmd(issuer.URL)+")")
	default:
		details = append(details, model.Ev(doc.Source, fmt.Sprintf("discovery document: issuer %s, jwks_uri %s", doc.Issuer, doc.JWKSURI)))
		if doc.Issuer != issuer.URL {
			raise(finding.SeverityError)
			problems = append(problems, fmt.Sprintf("the discovery document's issuer %q differs from the cluster's issuer %q%s", doc.Issuer, issuer.URL, issuerDifference(doc.Issuer, issuer.URL)))
		}
		switch u := strings.TrimSpace(doc.JWKSURI); {
		case u == "":
			raise(finding.SeverityError)
			problems = append(problems, "the discovery document has no jwks_uri, so STS cannot find the keys")
		case !strings.HasPrefix(u, "https://") || model.UrlHost(u) == "":
			raise(finding.SeverityError)
			problems = append(problems, fmt.Sprintf("the discovery document's jwks_uri %q is not an https URL", u))
		}
		if doc.Issuer == issuer.URL && len(problems) == 0 {
			verified = append(verified, "the discovery document's issuer is the cluster's issuer")
		}
	}

	// The key set against the kids of this issuer's tokens.
	var toks []*snapshot.TokenClaims
	for _, tok := range c.Snap.Tokens {
		if tok.Issuer == issuer.URL && tok.KeyID != "" {
			toks = append(toks, tok)
		}
	}
	jwksURI := strings.TrimRight(issuer.URL, "/") + "/keys"
	if doc != nil && doc.JWKSURI != "" {
		jwksURI = doc.JWKSURI
	}
	switch {
	case len(c.Snap.JWKSets) == 0:
		unverified = append(unverified, "the input has no JWKS (capture: "+model.CaptureJWKSCmd(jwksURI)+")")
	case len(toks) == 0:
		unverified = append(unverified, "the input has no token of this issuer to compare with the JWKS (capture: "+model.CaptureTokenCmd("SA", "NS", "sts.amazonaws.com")+")")
	default:
		var kids []string
		for _, set := range c.Snap.JWKSets {
			for _, k := range set.KeyIDs {
				kids = model.AppendUnique(kids, k)
			}
			details = append(details, model.Ev(set.Source, fmt.Sprintf("JWKS key IDs: [%s]", strings.Join(set.KeyIDs, ", "))))
		}
		sort.Strings(kids)
		seen := map[string]bool{}
		for _, tok := range toks {
			if seen[tok.KeyID] {
				continue
			}
			seen[tok.KeyID] = true
			details = append(details, model.TokenEvidence(tok))
			if slices.Contains(kids, tok.KeyID) {
				continue
			}
			p := fmt.Sprintf("the JWKS [%s] has no key with the token's kid %q, so STS cannot verify the token's signature", strings.Join(kids, ", "), tok.KeyID)
			if exp := tok.ExpiresAt; exp != 0 && !time.Unix(exp, 0).After(model.CaptureTime(c)) {
				// An expired token may predate a key rotation: EKS
				// rotates every seven days (docs/reference/webhook.md#token-facts).
				p += fmt.Sprintf(" (the token expired at %s and its key may have rotated out since: compare with a fresh token)", model.UnixTime(exp))
			} else {
				raise(finding.SeverityError)
			}
			problems = append(problems, p)
		}
		if allHave(toks, kids) {
			verified = append(verified, fmt.Sprintf("the JWKS holds the key of every token of this issuer (kid %s)", strings.Join(model.SortedKeys(seen), ", ")))
		}
	}

	// A document the collector could not fetch is never a pass: what was
	// not fetched was not checked (a kube-apiserver-hosted issuer that
	// answered 406, a timeout, a refused connection).
	var failed []string
	for _, g := range c.Snap.Gaps {
		if g.Source == "oidc" && (g.Operation == snapshot.GapOIDCDiscovery || g.Operation == snapshot.GapOIDCJWKS) {
			failed = append(failed, fmt.Sprintf("%s %s failed: %s", g.Operation, g.Resource, g.Reason))
		}
	}

	switch {
	case len(problems) > 0:
		if sev != finding.SeverityError {
			details = append(details, model.WithSeverity(sev))
		}
		r.Fail(subj, strings.Join(problems, "; "), details...)
	case len(failed) > 0:
		msg := "the issuer's documents could not all be fetched, so they were not checked: " + strings.Join(append(failed, unverified...), "; ")
		if len(verified) > 0 {
			msg += " (checked: " + strings.Join(verified, "; ") + ")"
		}
		r.Skip(subj, msg)
	case len(verified) > 0:
		msg := strings.Join(verified, "; ")
		if len(unverified) > 0 {
			msg += " (not checked: " + strings.Join(unverified, "; ") + ")"
		}
		r.Pass(subj, msg, details...)
	default:
		r.Skip(subj, strings.Join(unverified, "; "))
	}
}

// issuerDifference names how two issuer URLs differ when they name the
// same issuer, since IAM and STS compare them exactly.
func issuerDifference(got, want string) string {
	switch {
	case strings.TrimRight(got, "/") == strings.TrimRight(want, "/"):
		return " only by a trailing slash, which STS does not forgive"
	case strings.EqualFold(got, want):
		return " only in letter case"
	case arn.NormalizeIssuer(got) == arn.NormalizeIssuer(want):
		return " only in its scheme"
	case arn.SameClusterIssuer(got, want):
		return ""
	}
	return ": the document was fetched from another issuer, or the issuer serves another cluster's document"
}

func allHave(toks []*snapshot.TokenClaims, kids []string) bool {
	for _, t := range toks {
		if !slices.Contains(kids, t.KeyID) {
			return false
		}
	}
	return true
}
