package snapshot

// Facts of the opt-in live probe (`scan --probe`, `dump --probe`): what STS
// answered to a fresh token of a ServiceAccount, and what the API server
// returned for a server-side dry-run create of a workload's pod template.
// They are facts like any other: the probe's captures are read by the bundle
// reader, so `dump --probe` and `analyze` give what `scan --probe` gives.
// Neither ever holds a token or credentials.

// ProbeResult is the outcome of one AssumeRoleWithWebIdentity call that the
// probe made with a token of ServiceAccount Namespace/ServiceAccount, issued
// through the TokenRequest API for Audience. STS's credentials are discarded
// by the collector the moment they arrive; only the verdict is kept.
type ProbeResult struct {
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
	// RoleARN is the role asked for: the ServiceAccount's
	// eks.amazonaws.com/role-arn, as the webhook injects it.
	RoleARN string `json:"roleArn"`
	// Audience is the token's audience ("" when the API server's default
	// audiences were used).
	Audience string `json:"audience"`
	// Issuer and Subject are the token's iss and sub claims, which STS
	// judges (docs/reference/webhook.md#token-facts); the token itself is never kept.
	Issuer  string `json:"issuer,omitempty"`
	Subject string `json:"subject,omitempty"`
	// OK is true when STS returned credentials.
	OK bool `json:"ok"`
	// AssumedRoleARN is STS's AssumedRoleUser.Arn when OK.
	AssumedRoleARN string `json:"assumedRoleArn,omitempty"`
	// ErrorCode and ErrorMessage are STS's error, exactly as sent
	// (smithy.APIError), and HTTPStatus its HTTP status (200 when OK).
	ErrorCode    string `json:"errorCode,omitempty"`
	ErrorMessage string `json:"errorMessage,omitempty"`
	HTTPStatus   int    `json:"httpStatus"`
	Source       Source `json:"-"`
}

// DryRunResult is what the API server returned for a server-side dry-run
// create (dryRun=All: admission runs, nothing is stored) of a pod made from
// the pod template of workload Kind Namespace/Name. The returned pod itself
// is not a snapshot Pod: it never ran.
type DryRunResult struct {
	// Kind, Namespace and Name are the workload whose template was sent.
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	// Mutated reports that the returned pod carries what the pod identity
	// webhook injects (docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions, docs/reference/webhook.md#pod-identity-mode): a token volume
	// (aws-iam-token or eks-pod-identity-token) and a container with its
	// credential variables. Checks compare the containers with the
	// template to tell an injection from a template that declares them.
	Mutated bool `json:"mutated"`
	// InitContainers and Containers are the returned pod's, in order.
	InitContainers []DryRunContainer `json:"initContainers,omitempty"`
	Containers     []DryRunContainer `json:"containers,omitempty"`
	// Volumes are the returned pod's volume names, in order.
	Volumes []string `json:"volumes,omitempty"`
	// Error is the API server's refusal of the dry run when it refused it
	// for a reason other than RBAC (an admission webhook or plugin
	// rejected the pod); "" when it answered with a pod.
	Error  string `json:"error,omitempty"`
	Source Source `json:"-"`
}

// DryRunContainer is one container of a dry-run pod: its env var names
// (never their values) and the names of the volumes it mounts.
type DryRunContainer struct {
	Name   string   `json:"name"`
	Env    []string `json:"env,omitempty"`
	Mounts []string `json:"mounts,omitempty"`
}

// ProbeFor returns the probe result of ServiceAccount namespace/name, or nil.
func (s *Snapshot) ProbeFor(namespace, name string) *ProbeResult {
	for _, p := range s.Probes {
		if p.Namespace == namespace && p.ServiceAccount == name {
			return p
		}
	}
	return nil
}

// DryRunFor returns the dry-run result of the template of workload kind
// namespace/name, or nil.
func (s *Snapshot) DryRunFor(kind, namespace, name string) *DryRunResult {
	for _, d := range s.DryRuns {
		if d.Kind == kind && d.Namespace == namespace && d.Name == name {
			return d
		}
	}
	return nil
}

// Gap operations of the probe. A refused or failed probe call is a Gap
// (never a crash, never a silent pass); the probe checks find theirs by
// these operations and resources.
const (
	// GapTokenRequest: the TokenRequest of a ServiceAccount (kubectl create
	// token) failed; Resource is ProbeSAResource.
	GapTokenRequest = "create serviceaccounts/token"
	// GapAssumeRole: STS gave no verdict (throttled, unreachable, a
	// server error); Resource is the role ARN.
	GapAssumeRole = "sts:AssumeRoleWithWebIdentity"
	// GapDryRun: the dry-run create of pods was refused by RBAC or failed
	// to reach the API server; Resource is ProbeNamespaceResource.
	GapDryRun = "create pods (dry run)"
)

// ProbeSAResource is the Resource of a GapTokenRequest gap.
func ProbeSAResource(namespace, name string) string {
	return "serviceaccount " + namespace + "/" + name
}

// ProbeNamespaceResource is the Resource of a GapDryRun gap.
func ProbeNamespaceResource(namespace string) string { return "namespace " + namespace }
