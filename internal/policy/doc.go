// Package policy parses IAM policy documents and evaluates them, the way IAM
// does, for one request: an action, a principal and the request context.
//
// It exists for trust policies (the AssumeRolePolicyDocument of a role), where
// IRSA's request is sts:AssumeRoleWithWebIdentity from the principal
// arn:PARTITION:iam::ACCOUNT:oidc-provider/ISSUER-HOST-AND-PATH with the
// context keys ISSUER-HOST-AND-PATH:aud and :sub (docs/reference/trust-policy.md#principal, docs/reference/trust-policy.md#condition-keys),
// and EKS Pod Identity's is sts:AssumeRole and sts:TagSession from the
// service principal pods.eks.amazonaws.com (docs/reference/pod-identity.md). The model is
// general IAM, not specific to either.
//
// Three outcomes are kept apart: a document IAM itself would have rejected is
// a *ParseError that says what and where; a document IAM accepts but whose
// effect this package cannot compute (an operator it does not implement on a
// key the request carries, a policy variable, ...) evaluates to Unknown with
// the reason; everything else is decided, and the Result says which statement
// decided and, for every statement that did not apply, which element failed
// and with which values, so a caller can explain the closest miss.
//
// It also answers "may this role do ACTION on RESOURCE?" through a role's
// identity-based policies and permissions boundary (EvaluateIdentity,
// identity.go), for questions that may themselves hold wildcards
// (ParseQuestion, question.go; pattern containment in globset.go), and
// writes the smallest policy that would allow a denied request
// (AllowStatementFor) or names the Allow statement that nearly did
// (NearMisses, identity_fix.go).
//
// It also corrects trust policies, on the same ordered JSON tree the parser
// reads (jsontree.go, jsonedit.go), so a correction is the user's own
// document with the smallest change: CorrectTrustPolicy and FreshTrustPolicy
// for IRSA (fix.go), CorrectPodIdentityTrust for EKS Pod Identity
// (fix_podidentity.go). Every correction is fed back to the evaluator before
// it is returned.
//
// The package is pure: no I/O, no clock, no globals. It imports the standard
// library, go-json-experiment's jsontext (to quote and indent the policies it
// renders) and, of this module, only internal/arn (issuer comparison), so any
// package but arn may use it; it must never import internal/model or
// internal/check.
package policy
