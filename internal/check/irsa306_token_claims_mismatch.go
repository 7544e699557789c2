package check

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

var irsa306 = &Check{
	ID:        "IRSA306",
	Slug:      "token-claims-mismatch",
	Title:     "The service account token's claims differ from what the role and provider expect",
	Severity:  finding.SeverityError,
	Secondary: true,
	Link:      finding.LinkIssuer,
	Scope:     ScopeWorkloads | ScopeServiceAccount,
	Requires:  []*Check{irsa101, irsa102, irsa103, irsa301},
	IRSA:      true,
	Subject:   subject306,
	Run:       runIRSA306,
}

func runIRSA306(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.Subject()
	if _, ok := model.RoleAnnotation(t.SA); !ok {
		return
	}
	aud := model.TokenAudience(t)
	capAud := ""
	if aud.Known {
		capAud = aud.Value
	}
	sub := policy.ServiceAccountSubject(t.Namespace, t.SAName)
	if len(c.Snap.Tokens) == 0 {
		// No token at all in the input (the usual case): one finding about
		// the cluster, not one per target.
		r.RecordShared(model.Once(c, irsa306NoTokenKey{}, func() (v model.Verdicts) {
			issuer, _, _ := c.ClusterIssuer()
			v.Skip(model.ClusterSubject(issuer), "the input has no service account token, so the claims STS sees are not checked (capture one per ServiceAccount: kubectl create token SA -n NAMESPACE --audience sts.amazonaws.com > token.jwt; only its claims are kept)")
			return v
		}))
		return
	}
	toks := model.TokensFor(c.Snap, sub)
	if len(toks) == 0 {
		r.Skip(subj, fmt.Sprintf("the input has no token of ServiceAccount %s/%s (capture: %s)", t.Namespace, t.SAName, model.CaptureTokenCmd(t.SAName, t.Namespace, capAud)))
		return
	}
	tok := toks[0]
	issuer, why, _ := c.ClusterIssuer()
	if why != "" {
		r.Skip(subj, "the cluster's issuer is not known: "+why, model.TokenEvidence(tok))
		return
	}
	details := []model.Detail{model.TokenEvidence(tok), issuer.Evidence(), aud.Evidence()}
	if aud.Known && !slices.Contains(tok.Audience, aud.Value) {
		r.Skip(subj, fmt.Sprintf("the token in the input was issued for aud [%s], not for %q, the audience of the pods' token: it was not taken from these pods, so its claims say nothing about them (capture: %s)",
			strings.Join(tok.Audience, ", "), aud.Value, model.CaptureTokenCmd(t.SAName, t.Namespace, aud.Value)), details...)
		return
	}

	// An EKS API server issues every token for its own issuer, the one
	// describe-cluster shows (docs/reference/webhook.md#token-facts): a token whose iss is
	// another EKS cluster's issuer was created through another kube
	// context, and says nothing about these pods. (An iss that differs
	// from this issuer only by a trailing slash or letter case is judged
	// below.)
	if tok.Issuer != issuer.URL && model.IsEKSIssuerHost(model.UrlHost(tok.Issuer)) && !strings.EqualFold(arn.NormalizeIssuer(tok.Issuer), arn.NormalizeIssuer(issuer.URL)) {
		r.Skip(subj, fmt.Sprintf("the token in the input was issued by %s, another EKS cluster's issuer: this cluster's API server issues tokens for %s only, so the token was created through another kube context and says nothing about these pods (capture with this cluster's context: %s)",
			tok.Issuer, issuer.URL, model.CaptureTokenCmd(t.SAName, t.Namespace, capAud)), details...)
		return
	}

	var problems, fine, remedies []string
	sev := finding.SeverityInfo
	raise := func(s finding.Severity) {
		if s.Rank() > sev.Rank() {
			sev = s
		}
	}

	// iss: STS finds the provider by the token's iss, exactly.
	if tok.Issuer != issuer.URL {
		raise(finding.SeverityError)
		problems = append(problems, fmt.Sprintf("the token's iss %q differs from the cluster's issuer %q%s", tok.Issuer, issuer.URL, tokenIssuerDifference(tok.Issuer, issuer.URL)))
		remedies = append(remedies, "Recapture the token from this cluster; if it is this cluster's, its API server issues tokens under another issuer than the provider names: create the IAM OIDC provider (and trust policy) for the token's iss, or set --service-account-issuer to the provider's URL.")
	} else {
		fine = append(fine, "its iss is the cluster's issuer")
	}

	// aud: only the token shows it when the pods' token names none.
	if aud.Known {
		fine = append(fine, fmt.Sprintf("its aud includes %q, the audience of the pods' token", aud.Value))
	} else {
		p, a, rem, d := judgeTokenAudience(c, t, issuer, tok.Audience)
		details = append(details, d...)
		if p != "" {
			raise(finding.SeverityError)
			problems = append(problems, p)
			remedies = append(remedies, rem)
		} else if a != "" {
			fine = append(fine, a)
		}
	}

	// The signature: verified only when the input holds the JWKS with the
	// key of the token's kid (the bundle reader verified it; the token
	// is not kept). Until then the token is valid only if its signature is.
	sig := model.TokenSignature(c.Snap, tok, issuer)
	details = append(details, sig.Evidence()...)
	unverified := ""
	switch sig.State {
	case model.SignatureVerified:
		fine = append(fine, fmt.Sprintf("its %s verifies with key %s of the input's JWKS", sig.Signature(), sig.By.KeyID))
	case model.SignatureInvalid:
		raise(finding.SeverityError)
		problems = append(problems, invalidSignature(sig))
		remedies = append(remedies, fmt.Sprintf("A token whose signature does not verify with the key its kid names was not signed with that key: it was altered or cut short after it was issued, or the API server signs with another key than the JWKS publishes under that kid (a self-hosted issuer whose JWKS was not republished after the signing key changed: publish the keys of `kubectl get --raw /openid/v1/jwks`). Capture a fresh token and the JWKS together and compare: %s; %s.",
			model.CaptureTokenCmd(t.SAName, t.Namespace, capAud), model.CaptureJWKSCmd(model.JWKSURIOf(c.Snap, issuer))))
	default:
		unverified = sig.Why
	}

	// exp.
	if tok.ExpiresAt != 0 {
		exp := time.Unix(tok.ExpiresAt, 0).UTC()
		collected, collectedErr := time.Parse(time.RFC3339, c.Snap.CollectedAt)
		switch {
		case c.Snap.Mode == "live" && !exp.After(c.Now):
			raise(finding.SeverityError)
			problems = append(problems, fmt.Sprintf("the token expired at %s, %s ago: STS rejects it with ExpiredTokenException", model.UnixTime(tok.ExpiresAt), model.Age(c.Now.Sub(exp))))
			remedies = append(remedies, "The kubelet refreshes a pod's projected token; an application that sends an expired one read the token file once and cached it: it must re-read the file (or re-create the pod to get going again).")
		case collectedErr == nil && !exp.After(collected):
			raise(finding.SeverityError)
			problems = append(problems, fmt.Sprintf("the token had already expired when the bundle was collected (exp %s, collected %s, %s later): STS rejects it with ExpiredTokenException", model.UnixTime(tok.ExpiresAt), c.Snap.CollectedAt, model.Age(collected.Sub(exp))))
			remedies = append(remedies, "The kubelet refreshes a pod's projected token; an expired one was copied or cached by the application, which must re-read the token file.")
		case !exp.After(c.Now):
			problems = append(problems, fmt.Sprintf("the token expired at %s, %s before this analysis: the capture may simply be old", model.UnixTime(tok.ExpiresAt), model.Age(c.Now.Sub(exp))))
			remedies = append(remedies, "Capture a fresh token to check the claims as STS sees them now.")
		case unverified != "":
			fine = append(fine, fmt.Sprintf("it is valid until %s, if its signature is valid: %s", model.UnixTime(tok.ExpiresAt), unverified))
			unverified = ""
		case sig.State == model.SignatureVerified:
			fine = append(fine, "it is valid until "+model.UnixTime(tok.ExpiresAt))
		}
	}
	if unverified != "" {
		fine = append(fine, "its signature is not verified: "+unverified)
	}

	if len(problems) > 0 {
		if sev != finding.SeverityError {
			details = append(details, model.WithSeverity(sev))
		}
		details = append(details, model.Remedy(strings.Join(remedies, " ")))
		r.Fail(subj, strings.Join(problems, "; "), details...)
		return
	}
	r.PassFunc(subj, func() (string, []model.Detail) {
		return fmt.Sprintf("the token of ServiceAccount %s/%s fits: %s", t.Namespace, t.SAName, strings.Join(fine, "; ")), details
	})
}

// judgeTokenAudience judges the token's real aud when the pods' token
// names no audience (the API server chose it): against the provider's
// ClientIDList and the role's trust policy, when the input holds them. It
// returns a problem, or what was verified, with a remedy and evidence. A
// trust policy that rejects the request whatever the audience is left to
// the IRSA2xx checks.
func judgeTokenAudience(c *model.Context, t *model.Target, issuer model.IssuerFact, audiences []string) (problem, verified, remedy string, details []model.Detail) {
	ref, present, err := model.TargetRole(t)
	if !present || err != nil {
		return "", "", "", nil
	}
	w := model.NewWebIdentity(t, ref, issuer)
	shown := "[" + strings.Join(audiences, ", ") + "]"
	var ok []string
	if p := model.FindProvider(c, w); p != nil && p.Detailed {
		ids := "[" + strings.Join(p.ClientIDs, ", ") + "]"
		details = append(details, model.Ev(p.Source, "provider "+p.ARN+" ClientIDList: "+ids))
		found := false
		for _, a := range audiences {
			found = found || slices.Contains(p.ClientIDs, a)
		}
		if !found {
			rem := "Give the pods' token the audience sts.amazonaws.com (the ServiceAccount's eks.amazonaws.com/audience annotation, or the aws-iam-token volume's audience) and re-create the pods."
			if len(audiences) > 0 {
				rem += " Adding the API server's audience to the provider (the command) also works, but lets any token of that audience through."
				details = append(details, w.IAM(model.Lit("aws"), model.Lit("iam"), model.Lit("add-client-id-to-open-id-connect-provider"), model.Lit("--open-id-connect-provider-arn"), model.ARN(w.ProviderARN),
					model.Lit("--client-id"), model.Value("audience", audiences[0])))
			}
			return fmt.Sprintf("the pods' token names no audience, so the API server issued it for aud %s, none of which is in the provider's ClientIDList %s: STS answers \"Incorrect token audience\"", shown, ids),
				"", rem, details
		}
		ok = append(ok, "the provider's ClientIDList")
	}
	if role, bare, _ := c.RoleFact(ref.ARN); role != nil && strings.TrimSpace(role.TrustPolicy) != "" {
		if doc, err := c.RoleTrustDocument(role); err == nil {
			base := c.Evaluate(doc, w.Request())
			req := w.Request()
			req.Context[issuer.HostPath+":aud"] = audiences
			res := c.Evaluate(doc, req)
			switch {
			case model.Denied(res.Decision) && !model.Denied(base.Decision):
				details = append(details, model.Ev(role.Source, model.TrustPolicyLabel(role, bare)+": "+model.IamCompactPolicy(doc)))
				return fmt.Sprintf("the pods' token names no audience, so the API server issued it for aud %s, which the trust policy of role %s rejects: %s", shown, role.Name, res.Explain()),
					"", "Give the pods' token the audience the trust policy's :aud condition names (the ServiceAccount's eks.amazonaws.com/audience annotation) and re-create the pods.", details
			case res.Decision == policy.Allowed:
				ok = append(ok, "the trust policy of role "+role.Name)
			}
		}
	}
	if len(ok) == 0 {
		return "", "", "", details
	}
	return "", fmt.Sprintf("its aud %s, chosen by the API server, passes %s", shown, strings.Join(ok, " and ")), "", details
}

// invalidSignature says why STS rejects a token whose signature no key of
// its kid verifies. The evidence names each key set's file.
func invalidSignature(sig model.TokenSignatureFact) string {
	if len(sig.Failed) == 0 {
		return sig.Why + ": STS rejects it with InvalidIdentityToken"
	}
	var whys []string
	for _, f := range sig.Failed {
		whys = model.AppendUnique(whys, f.Why)
	}
	sets := "the input's JWKS"
	if n := len(sig.Failed); n > 1 {
		sets = fmt.Sprintf("any of the input's %d JWKS", n)
	}
	return fmt.Sprintf("the token's %s does not verify with key %s of %s (%s): STS rejects it with InvalidIdentityToken", sig.Signature(), sig.KeyID, sets, strings.Join(whys, "; "))
}

// tokenIssuerDifference explains an iss that is not the cluster's issuer.
func tokenIssuerDifference(got, want string) string {
	switch {
	case strings.TrimRight(got, "/") == strings.TrimRight(want, "/"):
		return " only by a trailing slash, but STS looks the provider up by the iss exactly"
	case strings.EqualFold(got, want):
		return " only in letter case, but STS looks the provider up by the iss exactly"
	}
	return ": STS looks for the IAM OIDC provider of the token's iss, not of the cluster's issuer"
}

// subject306: the cluster when the input holds no token at all (one
// outcome about the cluster, not one per target), else the target.
func subject306(c *model.Context, t *model.Target) finding.Subject {
	if _, ok := model.RoleAnnotation(t.SA); ok && len(c.Snap.Tokens) == 0 {
		issuer, _, _ := c.ClusterIssuer()
		return model.ClusterSubject(issuer)
	}
	return t.Subject()
}

type irsa306NoTokenKey struct{}
