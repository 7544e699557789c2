package policy

import "strings"

// Requests for the two EKS mechanisms. Only the keys this package can know
// from the cluster are filled in; every other key STS may put in the context
// (global aws:* and sts:* keys, other claims of the token) is listed in
// UnknownKeys, so a condition on one of them is Uncertain instead of being
// evaluated as absent. A key outside those namespaces (one written with
// "https://" or the provider ARN in front, docs/reference/sts-errors.md AccessDenied row)
// is truly absent and fails as IAM would fail it.

// WebIdentityAction is the action a pod's SDK calls with its projected
// token (docs/reference/trust-policy.md#principal).
const WebIdentityAction = "sts:AssumeRoleWithWebIdentity"

// ServiceAccountSubject is the token's sub claim for a ServiceAccount
// (docs/reference/webhook.md#token-facts).
func ServiceAccountSubject(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
}

// SplitServiceAccountSubject splits a sub claim of the form
// system:serviceaccount:NS:NAME; ok is false for any other value. NAME is
// the rest after the third colon, whatever it holds.
func SplitServiceAccountSubject(sub string) (namespace, name string, ok bool) {
	p := strings.SplitN(sub, ":", 4)
	if len(p) != 4 || p[0] != "system" || p[1] != "serviceaccount" {
		return "", "", false
	}
	return p[2], p[3], true
}

// WebIdentityRequest is the request STS evaluates when a pod calls
// AssumeRoleWithWebIdentity with its projected token: principal
// {"Federated": providerARN}, the keys ISSUER:aud and ISSUER:sub, where
// issuerHostPath is the issuer URL without "https://"
// ("oidc.eks.us-west-2.amazonaws.com/id/EXAMPLE"), and subject
// "system:serviceaccount:NS:NAME" (docs/reference/trust-policy.md#principal, docs/reference/trust-policy.md#condition-keys, docs/reference/webhook.md#token-facts).
func WebIdentityRequest(providerARN, issuerHostPath, audience, subject string) Request {
	return Request{
		Action:    WebIdentityAction,
		Principal: Principal{Type: PrincipalFederated, Value: providerARN},
		Context: map[string][]string{
			issuerHostPath + ":aud": {audience},
			issuerHostPath + ":sub": {subject},
		},
		ContextNoun: "the token",
		UnknownKeys: []string{"aws:*", "sts:*", issuerHostPath + ":*"},
	}
}

// PodIdentityService is the service principal EKS Pod Identity assumes roles
// as (docs/reference/pod-identity.md).
const PodIdentityService = "pods.eks.amazonaws.com"

// PodIdentityRequest is the request STS evaluates when EKS Pod Identity
// assumes a role: action is "sts:AssumeRole" or "sts:TagSession", both of
// which the trust policy must allow (docs/reference/pod-identity.md).
func PodIdentityRequest(action string) Request {
	return Request{
		Action:      action,
		Principal:   Principal{Type: PrincipalService, Value: PodIdentityService},
		UnknownKeys: []string{"aws:*", "sts:*"},
	}
}
