package model

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// ProbeSA is a ServiceAccount the probe requests a token for and asks STS
// to exchange: its role (the eks.amazonaws.com/role-arn value, as the
// webhook injects it) and the token's audience.
type ProbeSA struct {
	Namespace, Name string
	RoleARN         string
	// Audience is what the webhook puts in the pods' token volume: the
	// eks.amazonaws.com/audience annotation, else sts.amazonaws.com
	// (docs/reference/webhook.md#annotations-it-reads); "" when the annotation is present but empty,
	// so the API server's own audiences apply.
	Audience string
}

// ProbePlan is what the probe covers for a selection.
type ProbePlan struct {
	SAs []ProbeSA
	// Workloads are the top-level workloads whose pod template is
	// dry-run created: the workload targets, and the owners of pod
	// targets.
	Workloads []WorkloadRef
}

// PlanProbe picks what `--probe` covers: the ServiceAccounts of the
// selection's IRSA targets that name a role, and the workloads whose
// templates the webhook is expected to mutate. It reads the snapshot the
// read-only collectors produced; the CLI runs the probe on the result.
func PlanProbe(s *snapshot.Snapshot, sel Selector) ProbePlan {
	var plan ProbePlan
	seenSA, seenW := map[string]bool{}, map[string]bool{}
	for _, t := range Targets(s, sel, NewIndex(s)) {
		if t.Mechanism != MechanismIRSA {
			continue
		}
		role, _ := RoleAnnotation(t.SA)
		role = strings.TrimSpace(role)
		if role == "" {
			continue
		}
		if k := snapshot.Key(t.Namespace, t.SAName); !seenSA[k] {
			seenSA[k] = true
			aud := webhook.DefaultAudience
			if v, ok := t.SA.Annotations[webhook.AnnotationAudience]; ok {
				aud = v
			}
			plan.SAs = append(plan.SAs, ProbeSA{Namespace: t.Namespace, Name: t.SAName, RoleARN: role, Audience: aud})
		}
		var w *snapshot.Workload
		switch {
		case t.IsTemplate():
			w = t.Workload
		case t.IsPod() && s.PodIdentityAssociationFor(t.Namespace, t.SAName) == nil:
			// A pod created before its ServiceAccount got an EKS Pod
			// Identity association still uses IRSA; its template, re-created
			// now, would not.
			w = t.Owner
		}
		if w == nil || w.Template.Spec.ServiceAccount() != t.SAName {
			continue
		}
		if k := w.Kind + "/" + snapshot.Key(w.Namespace, w.Name); !seenW[k] {
			seenW[k] = true
			plan.Workloads = append(plan.Workloads, WorkloadRef{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name})
		}
	}
	return plan
}

// ProbeFacts finds the probe's answer for the target's ServiceAccount:
// the result, or the gap that kept the probe from getting one. ok is
// false when the probe did not run for it (no --probe, or no role), and
// the probe checks then record nothing.
func ProbeFacts(c *Context, t *Target) (pr *snapshot.ProbeResult, gap *snapshot.Gap, role string, ok bool) {
	if t.SA == nil {
		return nil, nil, "", false
	}
	role, _ = RoleAnnotation(t.SA)
	role = strings.TrimSpace(role)
	if role == "" {
		return nil, nil, "", false
	}
	if pr = c.Snap.ProbeFor(t.Namespace, t.SAName); pr != nil {
		return pr, nil, role, true
	}
	for i := range c.Snap.Gaps {
		g := &c.Snap.Gaps[i]
		if g.Operation == snapshot.GapTokenRequest && g.Resource == snapshot.ProbeSAResource(t.Namespace, t.SAName) ||
			g.Operation == snapshot.GapAssumeRole && g.Resource == role {
			return nil, g, role, true
		}
	}
	return nil, nil, role, false
}

// ProbeCantJudge says why the probe's result does not speak for the
// target, or "" when it does: it asked for another role than the
// ServiceAccount names now, or with another audience than the target's
// token has (a pod created before the audience annotation changed, or a
// template with an aws-iam-token volume of its own).
func ProbeCantJudge(t *Target, pr *snapshot.ProbeResult, role string) string {
	if pr.RoleARN != role {
		return fmt.Sprintf("the probe asked STS for role %s, but ServiceAccount %s/%s names %s now: run the probe again",
			pr.RoleARN, t.Namespace, t.SAName, role)
	}
	aud := TokenAudience(t)
	if aud.Known != (pr.Audience != "") || aud.Known && aud.Value != pr.Audience {
		return fmt.Sprintf("the probe's token had audience %s, but this %s's token has %s (%s), so STS's answer does not speak for it",
			AudienceWord(pr.Audience), probeNoun(t), AudienceWord(aud.Value), aud.Where)
	}
	return ""
}

func AudienceWord(a string) string {
	if a == "" {
		return "the API server's own audiences"
	}
	return fmt.Sprintf("%q", a)
}

// GapText renders a probe gap for a skip reason.
func GapText(g *snapshot.Gap) string {
	return fmt.Sprintf("the probe could not get an answer: %s %s: %s", g.Operation, g.Resource, g.Reason)
}

// ProbeCall describes the STS call of a probe result, for evidence.
func ProbeCall(pr *snapshot.ProbeResult) string {
	s := fmt.Sprintf("sts:AssumeRoleWithWebIdentity RoleArn=%s RoleSessionName=irsa-doctor-probe: ", pr.RoleARN)
	if pr.OK {
		return s + fmt.Sprintf("HTTP %d, credentials for %s (discarded at once)", pr.HTTPStatus, valueOr(pr.AssumedRoleARN))
	}
	return s + fmt.Sprintf("HTTP %d %s: %s", pr.HTTPStatus, pr.ErrorCode, pr.ErrorMessage)
}

// ProbeToken describes the probe's token, for evidence.
func ProbeToken(pr *snapshot.ProbeResult) string {
	return fmt.Sprintf("TokenRequest for ServiceAccount %s/%s (audience %s, 600 s): iss %s, sub %s",
		pr.Namespace, pr.ServiceAccount, AudienceWord(pr.Audience), valueOr(pr.Issuer), valueOr(pr.Subject))
}

// stsAnswer explains one STS answer to AssumeRoleWithWebIdentity: the
// error table of docs/reference/sts-errors.md.
type stsAnswer struct {
	// Cause says, in plain words, what the answer means.
	Cause string
	// Checks are the static checks that model the cause: when the model
	// sees it, one of them fails for the same target. Empty when no
	// static check can see it (a clock, a transient failure).
	Checks []string
	// Link is the chain link the answer points at.
	Link string
	// Vantage: the static check reads the facts from this machine, STS
	// from the internet; a pass of Checks does not contradict the answer.
	Vantage bool
	// Remedy is what to do (Markdown).
	Remedy string
}

// TrustChecks are the static checks of the role and its trust policy that
// fail when STS answers "Not authorized" (IRSA207 is a warning about a
// policy that admits too much, never a refusal).
var TrustChecks = []string{"IRSA201", "IRSA202", "IRSA203", "IRSA204", "IRSA205", "IRSA206", "IRSA208", "IRSA209", "IRSA210"}

// Prefixes of STS's messages (docs/reference/sts-errors.md, exact strings seen from
// STS; the verification-key message has a double space after its comma).
const (
	stsNoProvider      = "No OpenIDConnect provider found in your account for "
	stsAudience        = "Incorrect token audience"
	stsThumbprint      = "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint"
	stsVerificationKey = "Couldn't retrieve verification key from your identity provider"
	stsDiscovery       = "Please check .well-known/openid-configuration of provider"
	stsNotAuthorized   = "Not authorized to perform sts:AssumeRoleWithWebIdentity"
	stsInvalidARN      = "Request ARN is invalid"
)

// ExplainSTS maps STS's answer (code and message, exactly as sent) to its
// cause and the checks that model it.
func ExplainSTS(code, msg string) stsAnswer {
	switch code {
	case "InvalidIdentityToken":
		switch {
		case strings.HasPrefix(msg, stsNoProvider):
			return stsAnswer{
				Cause:  fmt.Sprintf("the role's account has no IAM OIDC provider for the token's issuer %s (IRSA302)", strings.TrimPrefix(msg, stsNoProvider)),
				Checks: []string{"IRSA302"}, Link: finding.LinkOIDCProvider,
				Remedy: "STS looks the provider up in the **role's** account by the token's `iss`, exactly. Create it there " +
					"(`eksctl utils associate-iam-oidc-provider --cluster CLUSTER --approve`, or `aws iam create-open-id-connect-provider` " +
					"with the issuer URL and the client ID `sts.amazonaws.com`); a cluster that was re-created has a new issuer ID.",
			}
		case msg == stsAudience:
			return stsAnswer{
				Cause:  "the IAM OIDC provider's ClientIDList does not list the token's audience (IRSA303)",
				Checks: []string{"IRSA303"}, Link: finding.LinkOIDCProvider,
				Remedy: "Add the token's audience to the provider (`aws iam add-client-id-to-open-id-connect-provider " +
					"--open-id-connect-provider-arn PROVIDER_ARN --client-id AUDIENCE`), or set the ServiceAccount's " +
					"`eks.amazonaws.com/audience` annotation to an audience the provider lists and re-create the pods.",
			}
		case msg == stsThumbprint:
			return stsAnswer{
				Cause: "the IAM OIDC provider's thumbprints do not match the certificate of the issuer's JWKS host, which IAM checks " +
					"when that certificate is not signed by a CA it trusts (IRSA304)",
				Checks: []string{"IRSA304"}, Link: finding.LinkOIDCProvider,
				Remedy: "Set the provider's thumbprint to the SHA-1 of the last certificate the `jwks_uri` host serves: " +
					"`aws iam update-open-id-connect-provider-thumbprint --open-id-connect-provider-arn PROVIDER_ARN --thumbprint-list SHA1`.",
			}
		case strings.HasPrefix(msg, stsVerificationKey):
			return stsAnswer{
				Cause: "STS could not fetch the issuer's discovery document or JWKS, or they lack the token's signing key: the issuer " +
					"must answer from the internet within 5 seconds; often transient (IRSA305)",
				Checks: []string{"IRSA305"}, Link: finding.LinkIssuer, Vantage: true,
				Remedy: "Run the probe again: this answer is often transient (STS throttled by the identity provider, or slow). " +
					"If it persists, make `ISSUER/.well-known/openid-configuration` and its `jwks_uri` reachable from the internet " +
					"(STS fetches them from outside your network; a private bucket or a firewall blocks it), answering within 5 seconds, " +
					"with the key the API server signs tokens with.",
			}
		case strings.Contains(msg, stsDiscovery):
			return stsAnswer{
				Cause:  "STS found the issuer's discovery document invalid (IRSA305)",
				Checks: []string{"IRSA305"}, Link: finding.LinkIssuer,
				Remedy: "Serve a discovery document whose `issuer` is the token's `iss` exactly and whose `jwks_uri` is an https URL.",
			}
		}
		return stsAnswer{
			Cause:  "STS refused the token itself, for a reason irsa-doctor does not map to a check",
			Link:   finding.LinkIssuer,
			Remedy: "Read STS's message; compare the token's claims (`kubectl create token SA -n NS --audience AUDIENCE`) with the issuer's discovery document and the IAM OIDC provider.",
		}
	case "AccessDenied":
		return stsAnswer{
			Cause: "the role does not exist, or its trust policy does not admit this token (Federated principal, Action, " +
				"the :sub and :aud conditions); STS does not say which (IRSA201-IRSA210)",
			Checks: TrustChecks, Link: finding.LinkIAMRole,
			Remedy: "Compare the role's trust policy with the token's claims: `Federated` must be the provider of the token's " +
				"issuer in the role's account, `Action` `sts:AssumeRoleWithWebIdentity`, `ISSUER:sub` " +
				"`system:serviceaccount:NAMESPACE:SERVICEACCOUNT` and `ISSUER:aud` the token's audience (a `*` needs `StringLike`). " +
				"Check that the role exists, with this exact name (case matters), in the account of the ARN.",
		}
	case "ExpiredTokenException":
		return stsAnswer{
			Cause: "a token issued moments earlier for 600 seconds arrived expired: the clock of the API server, which signs " +
				"tokens, is behind STS's by more than that; no static check sees clocks",
			Link:   finding.LinkIssuer,
			Remedy: "Correct the clock of the API server (or of the machine that issues the tokens): sync it with NTP. On EKS, open a support case.",
		}
	case "IDPCommunicationError":
		return stsAnswer{
			Cause:  "STS could not reach the identity provider to verify the token; usually transient",
			Link:   finding.LinkIssuer,
			Remedy: "Run the probe again. If it persists, make the issuer's discovery document and JWKS reachable from the internet.",
		}
	case "IDPRejectedClaim":
		return stsAnswer{
			Cause:  "the identity provider rejected the token's claims (rare for Kubernetes issuers)",
			Link:   finding.LinkIssuer,
			Remedy: "Read STS's message and compare the token's claims (`kubectl create token`) with the provider and the trust policy.",
		}
	case "RegionDisabledException":
		return stsAnswer{
			Cause:  "STS is not activated in this region for the role's account",
			Link:   finding.LinkIAMRole,
			Remedy: "Activate STS in the region (IAM console, Account settings, Security Token Service endpoints), or have the pods use an STS endpoint of an active region.",
		}
	case "ValidationError":
		if msg == stsInvalidARN {
			return stsAnswer{
				Cause:  "STS does not accept the role ARN (IRSA103)",
				Checks: []string{"IRSA103"}, Link: finding.LinkIAMRole,
				Remedy: "Correct the ServiceAccount's `eks.amazonaws.com/role-arn` to `arn:PARTITION:iam::ACCOUNT:role/NAME` and re-create the pods.",
			}
		}
	}
	return stsAnswer{
		Cause:  "an answer irsa-doctor does not map to a check",
		Link:   finding.LinkIAMRole,
		Remedy: "Read STS's message; the AssumeRoleWithWebIdentity documentation lists its errors.",
	}
}

// probeNoun names the kind of target in messages ("pod", "Deployment").
func probeNoun(t *Target) string {
	switch {
	case t.IsPod():
		return "pod"
	case t.IsServiceAccount():
		return "ServiceAccount"
	}
	return t.Kind
}

// valueOr is s, or "unknown" when empty.
func valueOr(s string) string {
	if s == "" {
		return "unknown"
	}
	return s
}

// ProbeApplies reports whether the probe ran for the target's
// ServiceAccount (or says why it could not): the probe checks judge
// nothing else.
func ProbeApplies(c *Context, t *Target) bool {
	_, _, _, ok := ProbeFacts(c, t)
	return ok
}
