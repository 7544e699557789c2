package model

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// The subjects checks speak of on a target, for the outcome the engine
// records itself when a check is blocked by a failed prerequisite or the
// input lacks what it needs (check.Check.Subject): the same subject the
// check's own outcomes name.

// SASubjectOf is the target's ServiceAccount.
func SASubjectOf(_ *Context, t *Target) finding.Subject { return t.SASubject() }

// RoleSubjectOf is the IAM role the target's ServiceAccount names, or the
// ServiceAccount when the role is not known.
func RoleSubjectOf(_ *Context, t *Target) finding.Subject {
	if t.SA != nil {
		if ref, present, err := TargetRole(t); present && err == nil {
			return ref.Subject()
		}
	}
	return NoRoleSubject(t)
}

// IssuerSubjectOf is the cluster whose issuer the target's tokens name,
// or the ServiceAccount when it names no role.
func IssuerSubjectOf(c *Context, t *Target) finding.Subject {
	if _, ok := RoleAnnotation(t.SA); !ok {
		return NoRoleSubject(t)
	}
	issuer, _, _ := c.ClusterIssuer()
	return ClusterSubject(issuer)
}

// ProviderSubjectOf is the IAM OIDC provider the target's role must
// trust, as far as it is known.
func ProviderSubjectOf(c *Context, t *Target) finding.Subject {
	if t.SA == nil {
		return NoRoleSubject(t)
	}
	ref, present, err := TargetRole(t)
	if !present || err != nil {
		return NoRoleSubject(t)
	}
	issuer, why, _ := c.ClusterIssuer()
	if why != "" {
		return finding.Subject{Kind: "OIDCProvider"}
	}
	return ProviderSubject(NewWebIdentity(t, ref, issuer))
}

// AssociationSubjectOf is the target's EKS Pod Identity association, or
// the target when it has none.
func AssociationSubjectOf(c *Context, t *Target) finding.Subject {
	if a := TargetAssociation(c, t); a != nil {
		return AssociationSubject(a)
	}
	return t.Subject()
}

// AssociationRoleSubjectOf is the IAM role of the target's EKS Pod
// Identity association, else the association, else the target.
func AssociationRoleSubjectOf(c *Context, t *Target) finding.Subject {
	a := TargetAssociation(c, t)
	if a == nil {
		return t.Subject()
	}
	if ref, why, _ := AssociationRole(a); why == "" {
		return finding.Subject{Kind: "IAMRole", Name: ref.Name, ARN: ref.ARN}
	}
	return AssociationSubject(a)
}

// WebhookSubjectOf is the pod identity webhook's configuration.
func WebhookSubjectOf(_ *Context, _ *Target) finding.Subject {
	return WebhookConfigSubject(webhook.ConfigurationName)
}
