// Package bundle reads a bundle of files, as kubectl and the AWS CLI print
// them (`-o json`, `-o yaml`, `--output json`, and their error texts), into a
// snapshot.Snapshot.
//
// Files are recognised by content, never by name (docs/contract.md#bundles):
// the JSON shape decides (`kind`/`apiVersion` for Kubernetes objects; the
// top-level keys `cluster`, `Role`, `Roles`, `OpenIDConnectProviderList`,
// `Url`+`ClientIDList`, `Account`+`Arn`+`UserId`, `associations` (aws eks
// list-pod-identity-associations), `association` (aws eks
// describe-pod-identity-association), `serverVersion` for the AWS CLI and
// `kubectl version`; `InstanceProfile`, `AttachedPolicies`, `PolicyNames`,
// `RoleName`+`PolicyName`+`PolicyDocument`, `Policy`, `PolicyVersion` and
// `RoleDetailList` (get-account-authorization-details) for the IAM outputs
// of roles' permission policies, see rolepolicies.go; `Events` for aws
// cloudtrail lookup-events, whose failed AssumeRoleWithWebIdentity events
// become observations, see cloudtrail.go). A file may hold several JSON
// values or YAML documents. Every problem with one file is recorded in Snapshot.Files and
// reading goes on; only a PATH that cannot be opened is an error.
//
// A kubectl List proves absence (docs/contract.md#absence-needs-proof) for
// the namespaces it has items from, or for every namespace when they span
// two or more (`-A`). A ServiceAccount List must also hold each such
// namespace's `default` ServiceAccount, which every namespace has: a List
// of named objects (`kubectl get sa api worker`) or one filtered with jq
// holds chosen objects, and proves nothing where `default` is missing.
//
// The OIDC side is recognised by content too (oidc.go): a one-line https
// URL is the issuer URL that `aws eks describe-cluster --query
// cluster.identity.oidc.issuer --output text` prints (a JSON string with
// the default --output json); text with PEM CERTIFICATE blocks is a
// certificate chain as `openssl s_client -showcerts` prints it (several
// captures in one file are split at each CONNECTED( or "Certificate chain"
// line, and at each certificate that is not a CA); an object of only
// Version/Id/Statement is a bare policy document; issuer plus jwks_uri is
// an OIDC discovery document; an object of only "keys" is a JWKS; three
// base64url segments are a JWT, of which only the claims (iss, sub, aud,
// exp, iat, nbf) and the header's kid are kept, never the token.
//
// The manifest that `irsa-doctor dump` writes is
//
//	{"kind": "IrsaDoctorBundleManifest", "collectedAt": "2026-11-26T11:58:03Z",
//	 "cluster": "prod", "accounts": ["111122223333"],
//	 "listed": [{"kind": "ServiceAccount", "namespace": "payments", "file": "kube/serviceaccounts-payments.json"},
//	            {"kind": "Pod", "allNamespaces": true, "file": "kube/pods.json"},
//	            {"kind": "Namespace", "file": "kube/namespaces.json"},
//	            {"kind": "OIDCProvider", "account": "111122223333", "file": "111122223333/oidc-providers.json"}],
//	 "gaps": [{"source": "aws", "operation": "iam:GetRole", "resource": "arn:...", "reason": "AccessDenied"}]}
//
// Each "listed" entry says that every object of a kind in a scope was
// captured, so one absent from the input is missing (docs/contract.md "Absence
// needs proof"), even when the List was empty. kind is a snapshot.Kind:
// Pod, ServiceAccount, Workload, DaemonSet and PodIdentityAgent (the pods
// the EKS Pod Identity Agent's DaemonSets select) take a "namespace" or
// "allNamespaces": true; Namespace, MutatingWebhookConfiguration, Node and
// PodIdentityAssociation (the cluster's list-pod-identity-associations)
// are cluster-wide and take neither; IAMRole and OIDCProvider take the
// 12-digit "account". "file",
// optional, is the capture's path relative to the manifest: when given, the
// entry counts only if that file is in the input and was read without a
// problem, and an OIDCProvider entry gives its account to that file's
// (possibly empty) list-open-id-connect-providers output. "gaps" become
// snapshot Gaps; "collectedAt" becomes Snapshot.CollectedAt; "cluster" and
// "accounts" are informational.
//
// The opt-in probe (`scan --probe`, `dump --probe`) writes documents of
// its own kinds, recognised by "kind" (probe.go): IrsaDoctorProbeResult,
// one STS AssumeRoleWithWebIdentity answer (never a token or credentials),
// and IrsaDoctorDryRun, the pod the API server returned for a dry-run
// create of a workload's template, which becomes a snapshot.DryRunResult,
// never a snapshot Pod.
//
// Large kubectl Lists are split into items with jsontext and decoded in
// parallel straight into the snapshot structs, without a generic
// map[string]any step: a 10,000-pod `kubectl get pods -A -o json` is the
// common case this is tuned for (see BenchmarkRead).
//
// Logs and pasted error texts (logs.go) are recognised by content too:
// `kubectl logs` output (RFC 3339 --timestamps or --prefix lines, or one
// JSON object a line) as kubectl:Logs, and text in which the symptom
// catalogue finds an error as text:ErrorText; each signature found becomes
// a snapshot.Observation, attributed to a container by the file's name
// (logs/NAMESPACE/POD/CONTAINER.log, NAMESPACE_POD_CONTAINER.log).
//
// It imports snapshot and symptom (and go-jose, to read a JWT's claims)
// only; never check, report or cli.
package bundle
