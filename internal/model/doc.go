// Package model is the derived model of IRSA and EKS Pod Identity that the
// checks judge: the targets of a run and their selection, the mechanism
// each uses, the webhook's admission of each pod (admission.go), the
// credential chain of each container (credentials.go), the role a target
// names and whether the input holds it (role.go), the cluster's issuer
// (issuer.go), the IAM OIDC provider (provider.go), the token's audience
// (audience.go), the request STS evaluates and the diagnosis of the trust
// policy (webidentity.go, trust.go), EKS Pod Identity associations
// (association.go), nodes and node roles, a role's identity policies and
// permissions boundary (identitypolicies.go), the probe's results, and the
// commands a finding offers to capture or fix.
//
// Each fact is a typed value, computed once per run or per target through
// one generic memo (Once, OnceFor). What several checks judge alike is a
// model.Verdicts value that each check records as its own: the model never
// records outcomes, performs no I/O, and imports snapshot, policy, arn,
// webhook, sdk and finding, never check.
package model
