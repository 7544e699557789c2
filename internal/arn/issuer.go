package arn

import "strings"

// Issuers are written in three forms: the issuer URL
// (https://oidc.eks.REGION.amazonaws.com/id/ID), the IAM OIDC provider ARN
// (arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH) and the condition
// key prefix (HOST/PATH:sub), the last two without the scheme
// (docs/reference/trust-policy.md#principal, docs/reference/trust-policy.md#condition-keys). IAM and STS compare each form exactly; the
// functions below compare them loosely, to find the value a user meant
// when the exact comparison failed. Two looser comparisons exist because
// their callers ask two questions:
//
//   - SameClusterIssuer: does this value, however misspelled, name this
//     cluster's issuer? (a trust policy's Federated principal, an issuer
//     a discovery document names)
//   - SameProviderHostPath: is this provider's Url this issuer's host and
//     path, up to the differences the near-miss checks explain? (which
//     providers the AWS collector reads in detail)

// NormalizeIssuer reduces a provider ARN, a condition key prefix or an
// issuer URL to lower-case host and path: without surrounding space, the
// provider ARN prefix, the scheme (https:// or http://) and trailing
// slashes.
func NormalizeIssuer(s string) string {
	s = strings.ToLower(strings.TrimSpace(s))
	if i := strings.Index(s, ":oidc-provider/"); i >= 0 && strings.HasPrefix(s, "arn:") {
		s = s[i+len(":oidc-provider/"):]
	}
	s = strings.TrimPrefix(s, "https://")
	s = strings.TrimPrefix(s, "http://")
	return strings.TrimRight(s, "/")
}

// IssuerClusterID is the cluster ID of an EKS issuer in any of the three
// forms: the path segment after the last /id/, lower-cased (EKS issuers
// are https://oidc.eks.REGION.amazonaws.com/id/ID, docs/reference/webhook.md#token-facts); ""
// when there is none.
func IssuerClusterID(s string) string {
	n := NormalizeIssuer(s)
	if i := strings.LastIndex(n, "/id/"); i >= 0 {
		return n[i+len("/id/"):]
	}
	return ""
}

// SameClusterIssuer reports whether got (a provider ARN, a condition key
// prefix or an issuer URL) names the same cluster issuer as want, however
// it is misspelled: the same host and path once normalised (NormalizeIssuer:
// letter case, scheme, ARN prefix, trailing slashes), or the same EKS
// cluster ID under another host (another region or partition written by
// mistake). It answers "did the user mean this cluster?", never "does IAM
// accept it?".
func SameClusterIssuer(got, want string) bool {
	if NormalizeIssuer(got) == NormalizeIssuer(want) {
		return true
	}
	id := IssuerClusterID(want)
	return id != "" && IssuerClusterID(got) == id
}

// SameProviderHostPath reports whether an IAM OIDC provider's Url (host
// and path, as IAM returns it) and an issuer's host and path (the issuer
// URL without https://) are the same ignoring letter case and one trailing
// slash on either: the differences the near-miss checks explain (IAM
// itself compares exactly, docs/reference/sts-errors.md). Unlike SameClusterIssuer it
// takes both values in host/path form only (no scheme, no ARN) and does not
// match another host by cluster ID.
func SameProviderHostPath(providerURL, hostPath string) bool {
	return strings.EqualFold(strings.TrimSuffix(providerURL, "/"), strings.TrimSuffix(hostPath, "/"))
}
