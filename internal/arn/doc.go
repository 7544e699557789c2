// Package arn parses and validates Amazon Resource Names: generic ARNs
// (Parse), IAM role ARNs as the eks.amazonaws.com/role-arn annotation must
// hold them (ParseRole), and IAM OIDC provider ARNs (ParseOIDCProvider,
// OIDCProviderARN). It also maps regions to partitions, and is the one home
// of issuer normalisation: NormalizeIssuer, IssuerClusterID and the two loose
// comparisons SameClusterIssuer and SameProviderHostPath (issuer.go says
// what each is for).
//
// Its errors are written for the person who typed the value: they say what is
// wrong (stray quotes, a trailing newline, an STS session ARN instead of the
// role's, an 11-digit account) and, when the correction is unambiguous, carry
// the corrected value.
//
// Facts and sources: ../shared/reference/docs/reference/webhook.md#annotations-it-reads (the webhook's
// own ARN check), §3.1 (OIDC provider ARNs), §3.4 (partitions). It imports
// only the standard library.
package arn
