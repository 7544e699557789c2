package model

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// WebIdentity is what STS sees when the target's pods call
// AssumeRoleWithWebIdentity.
type WebIdentity struct {
	Role     RoleRef
	Issuer   IssuerFact
	Audience AudienceFact
	Subject  string
	// ProviderARN is the principal of the request: the IAM OIDC provider
	// for the issuer in the role's account and partition, since "the OIDC
	// IdP and the IAM role must be in the same AWS account" (docs/reference/README.md
	// §2, InvalidIdentityToken row; §3.1).
	ProviderARN string
	// SubjectSource is where the subject's namespace and name come from.
	SubjectSource snapshot.Source
}

// NewWebIdentity builds the request facts of a target whose role and
// issuer are known.
func NewWebIdentity(t *Target, role RoleRef, issuer IssuerFact) WebIdentity {
	return webIdentityOf(t, role, issuer, policy.ServiceAccountSubject(t.Namespace, t.SAName),
		ProviderARN(role.ARN.Partition, role.ARN.Account, issuer.HostPath))
}

// webIdentityOf is the WebIdentity of NewWebIdentity with its subject and
// provider ARN given.
func webIdentityOf(t *Target, role RoleRef, issuer IssuerFact, subject, providerARN string) WebIdentity {
	return WebIdentity{
		Role: role, Issuer: issuer, Audience: TokenAudience(t),
		Subject: subject, ProviderARN: providerARN, SubjectSource: t.Source,
	}
}

// webIdentity is NewWebIdentity with its two strings made once per run
// (the ServiceAccount's subject, the provider's ARN) rather than twice per
// target: the trust and the provider checks each build one.
func (c *Context) webIdentity(t *Target, role RoleRef, issuer IssuerFact) WebIdentity {
	ns, name := t.Namespace, t.SAName
	part, account, hostPath := role.ARN.Partition, role.ARN.Account, issuer.HostPath
	return webIdentityOf(t, role, issuer,
		Once(c, subjectKey{ns, name}, func() string { return policy.ServiceAccountSubject(ns, name) }),
		Once(c, providerARNKey{part, account, hostPath}, func() string { return ProviderARN(part, account, hostPath) }))
}

// targetWebIdentity is webIdentity made once per target: the trust checks
// (gatherTrust) and the provider checks (providerFacts) both ask, for the
// target's role (TargetRole) and the cluster's issuer, and share it.
// Read-only.
func (c *Context) targetWebIdentity(t *Target, role RoleRef, issuer IssuerFact) *WebIdentity {
	return OnceFor(t, webIdentityKey{}, func() *WebIdentity {
		w := c.webIdentity(t, role, issuer)
		return &w
	})
}

type webIdentityKey struct{}

type subjectKey struct{ namespace, name string }

type providerARNKey struct{ partition, account, hostPath string }

func ProviderARN(partition, account, hostPath string) string {
	return "arn:" + partition + ":iam::" + account + ":oidc-provider/" + hostPath
}

// Request is the request STS evaluates against the role's trust policy.
// An audience that is not known is left out of the context: a condition on
// it is then uncertain, never decided.
func (w WebIdentity) Request() policy.Request {
	return w.RequestFor(w.Subject, w.Audience)
}

// RequestFor is the request of another subject or audience from the same
// cluster.
func (w WebIdentity) RequestFor(subject string, aud AudienceFact) policy.Request {
	req := policy.WebIdentityRequest(w.ProviderARN, w.Issuer.HostPath, aud.Value, subject)
	if !aud.Known {
		delete(req.Context, w.Issuer.HostPath+":aud")
	}
	return req
}

// SubjectEvidence names the token's sub and where it comes from.
func (w WebIdentity) SubjectEvidence() Detail {
	return Ev(w.SubjectSource, "the token's sub: "+w.Subject)
}

// ProviderEvidence names the principal STS sees and how it was derived.
func (w WebIdentity) ProviderEvidence() Detail {
	return Ev(w.Issuer.Source, fmt.Sprintf("the request's principal: Federated %s (the issuer's provider in the role's account %s)", w.ProviderARN, w.Role.ARN.Account))
}

// CrossAccount reports whether the role is in another account than the
// cluster (false when the cluster's account is unknown).
func (w WebIdentity) CrossAccount() bool {
	acct := w.Issuer.Account()
	return acct != "" && acct != w.Role.ARN.Account
}

// IAM is an IAM command for the role's account. When that is not the
// cluster's account, the command needs credentials of the role's account,
// which the input cannot name: it carries a placeholder profile and is
// offered commented out, saying what to fill in.
func (w WebIdentity) IAM(words ...Word) Detail {
	if w.CrossAccount() {
		acct := w.Role.ARN.Account
		return Alt(fmt.Sprintf("replace PROFILE_OF_%s with a profile of account %s, the role's", acct, acct),
			Command(append(words, Lit("--profile"), Lit("PROFILE_OF_"+acct))...))
	}
	return Run(Command(words...))
}

// ProfileFlag is what IAM commands for the role's account need when that
// is not the cluster's account: credentials of the role's account.
func (w WebIdentity) ProfileFlag() string {
	if w.CrossAccount() {
		return " --profile PROFILE_OF_" + w.Role.ARN.Account
	}
	return ""
}

// NoRoleSubject is the subject of an IAM-side outcome of a target whose
// role is not known: its ServiceAccount.
func NoRoleSubject(t *Target) finding.Subject {
	if t.SAName != "" {
		return t.SASubject()
	}
	return t.Subject()
}

// IamTargetRole returns the target's role, recording the outcome itself
// (skipped, or nothing when the check does not apply) when there is none.
func IamTargetRole(t *Target, r *Verdicts) (RoleRef, bool) {
	if t.SA == nil && t.SACopies != "" {
		r.Skip(NoRoleSubject(t), fmt.Sprintf("ServiceAccount %s/%s has %s, so the role is not known", t.Namespace, t.SAName, t.SACopies))
		return RoleRef{}, false
	}
	if t.SA == nil {
		r.Skip(NoRoleSubject(t), fmt.Sprintf("ServiceAccount %s/%s is not in the input, so the role is not known (capture: kubectl get serviceaccount %s -n %s -o json)",
			t.Namespace, t.SAName, t.SAName, t.Namespace))
		return RoleRef{}, false
	}
	ref, present, err := TargetRole(t)
	switch {
	case !present:
		// No role to judge (IRSA102).
		return RoleRef{}, false
	case err != nil:
		r.Skip(NoRoleSubject(t), fmt.Sprintf("the role is not known: %v (IRSA103)", err))
		return RoleRef{}, false
	}
	return ref, true
}
