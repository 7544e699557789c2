// Package awscollect is the AWS side of live mode: it calls STS, EKS and
// IAM through aws-sdk-go-v2 and returns captures, byte for byte what
// `aws ... --output json` prints for the same calls (or the CLI's error
// text for a missing object), with the manifest entries and gaps of the
// collection (internal/bundle capture.go). It never builds snapshot facts
// itself: `scan` reads the captures through bundle.ReadCaptures and `dump`
// writes them with bundle.WriteDump, so live and offline take one path
// (STYLE.md principle 2).
//
// It calls exactly what the targets need, each call once: sts:
// GetCallerIdentity; eks:DescribeCluster of the cluster (found by its API
// server endpoint with eks:ListClusters when not named);
// iam:ListOpenIDConnectProviders of each account it can read;
// iam:GetOpenIDConnectProvider of the providers of the cluster's issuer;
// iam:GetRole of each distinct role, concurrently with a bound. With
// Options.PodIdentity: eks:ListPodIdentityAssociations of the cluster
// (every page, one capture), eks:DescribePodIdentityAssociation of each
// association of the namespaces in scope, and iam:GetRole of their roles
// (podidentity.go). With Options.InstanceIDs (the nodes the pods run on):
// ec2:DescribeInstances, 200 IDs a call, for their IMDS settings (ec2.go).
// With Options.NodeRoleInstanceIDs (the nodes Pod Identity pods run on):
// iam:GetInstanceProfile of each distinct profile, and of each distinct
// role iam:ListAttachedRolePolicies, iam:ListRolePolicies, iam:GetRolePolicy,
// and iam:GetPolicy with iam:GetPolicyVersion of its customer-managed
// policies (rolepolicies.go). With Options.IdentityPolicies, of each role
// GetRole reads (targets' and associations'), the same list and
// inline-policy calls, and iam:GetPolicy with iam:GetPolicyVersion of
// every attached managed policy (AWS managed too) and of its permissions
// boundary; a role or policy is read once across target and node roles.
// deploy/iam-policy.json's read-only statement grants exactly these
// actions. CollectCloudTrail (cloudtrail.go; `--cloudtrail`, opt-in) adds
// cloudtrail:LookupEvents, one paginated query per region, which the
// policy's separate optional statement IrsaDoctorCloudTrailOptional
// grants. Simulate (simulate.go; `--simulate`, opt-in) adds
// iam:SimulatePrincipalPolicy, one paginated call per role and set of
// resources asked with the same actions, which the separate optional
// statement IrsaDoctorSimulateOptional grants.
//
// Errors are classified once, here (STYLE.md "Errors"): a missing object
// is a fact (the CLI's error text), a refused or failed call is a
// snapshot.Gap naming the permission and what to do, never a crash and
// never a silent pass.
//
// It imports bundle, snapshot, arn and policy (for policy.Question and
// policy.Decision); never check, report or cli.
package awscollect
