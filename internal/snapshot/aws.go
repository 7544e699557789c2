package snapshot

// AWS facts, converted from `aws ... --output json` output or SDK results.

// Cluster is an EKS cluster (describe-cluster).
type Cluster struct {
	Name    string `json:"name"`
	ARN     string `json:"arn"`
	Region  string `json:"region"`  // from the ARN
	Account string `json:"account"` // from the ARN
	Version string `json:"version"`
	// Issuer is cluster.identity.oidc.issuer, e.g.
	// https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE;
	// "" when the cluster has none.
	Issuer          string `json:"issuer"`
	Endpoint        string `json:"endpoint,omitempty"`
	PlatformVersion string `json:"platformVersion,omitempty"`
	// EndpointPublicAccess and EndpointPrivateAccess are the API server
	// endpoint's resourcesVpcConfig settings; nil when the output does not
	// say. A private-only endpoint hints that the VPC has no public egress
	// (IRSA409), without proving it.
	EndpointPublicAccess  *bool `json:"endpointPublicAccess,omitempty"`
	EndpointPrivateAccess *bool `json:"endpointPrivateAccess,omitempty"`
	// AutoMode is computeConfig.enabled: EKS Auto Mode, whose nodes run
	// the EKS Pod Identity Agent built in, without the DaemonSet
	// (docs/reference/pod-identity.md); nil when the output does not say.
	AutoMode *bool  `json:"autoMode,omitempty"`
	Source   Source `json:"-"`
}

// CallerIdentity is sts get-caller-identity.
type CallerIdentity struct {
	Account string `json:"account"`
	ARN     string `json:"arn"`
	UserID  string `json:"userId"`
	Source  Source `json:"-"`
}

// Role is an IAM role (get-role or an entry of list-roles).
type Role struct {
	ARN     string `json:"arn"`
	Name    string `json:"name"`
	Path    string `json:"path"`
	Account string `json:"account"`
	RoleID  string `json:"roleId,omitempty"`
	// TrustPolicy is the AssumeRolePolicyDocument as JSON text, URL-decoded
	// when the input held it URL-encoded as the IAM API returns it.
	TrustPolicy        string `json:"trustPolicy"`
	MaxSessionDuration int    `json:"maxSessionDuration,omitempty"`
	// PermissionsBoundary is the ARN of the role's permissions boundary
	// (get-role's PermissionsBoundary.PermissionsBoundaryArn), "" when it
	// has none or the input does not say (list-roles leaves it out: IAM
	// API reference, ListRoles).
	PermissionsBoundary string `json:"permissionsBoundary,omitempty"`
	// Tags are the role's tags (get-role prints them): they tell a role
	// that infrastructure as code manages.
	Tags   map[string]string `json:"tags,omitempty"`
	Source Source            `json:"-"`
}

// OIDCProvider is an IAM OIDC identity provider.
type OIDCProvider struct {
	// ARN is arn:PARTITION:iam::ACCOUNT:oidc-provider/HOST/PATH. For
	// get-open-id-connect-provider output (which carries no ARN) it is taken
	// from the listed provider with that Url, or derived from Url and the
	// account when only one account is known; "" when it is ambiguous.
	ARN         string   `json:"arn"`
	Account     string   `json:"account"`
	URL         string   `json:"url"` // without https://, as IAM returns it
	ClientIDs   []string `json:"clientIDList"`
	Thumbprints []string `json:"thumbprintList"`
	// Detailed is false for an entry known only from a list (no Url,
	// ClientIDList or ThumbprintList).
	Detailed  bool   `json:"detailed"`
	Ambiguous string `json:"ambiguous,omitempty"` // why the ARN could not be attributed
	Source    Source `json:"-"`
}

// ProviderList is one list-open-id-connect-providers capture.
type ProviderList struct {
	Account string   `json:"account"`
	ARNs    []string `json:"arns"`
	Source  Source   `json:"-"`
}

// PodIdentityAssociation is an EKS Pod Identity association: an entry of
// `aws eks list-pod-identity-associations --cluster-name C` (a summary) or
// the output of `aws eks describe-pod-identity-association` (Detailed).
// No Kubernetes object records it (docs/reference/pod-identity.md): for an SA it has,
// the webhook injects Pod Identity instead of IRSA (§1.4, §6.3).
type PodIdentityAssociation struct {
	ClusterName    string `json:"clusterName"`
	Namespace      string `json:"namespace"`
	ServiceAccount string `json:"serviceAccount"`
	// ARN is arn:PARTITION:eks:REGION:ACCOUNT:podidentityassociation/CLUSTER/ID.
	ARN     string `json:"associationArn"`
	ID      string `json:"associationId"`
	Region  string `json:"region,omitempty"`  // from the ARN
	Account string `json:"account,omitempty"` // from the ARN
	// OwnerARN names the EKS add-on that owns the association, if any.
	OwnerARN string `json:"ownerArn,omitempty"`
	// The members below come from describe-pod-identity-association only.
	RoleARN            string            `json:"roleArn,omitempty"`
	TargetRoleARN      string            `json:"targetRoleArn,omitempty"`
	ExternalID         string            `json:"externalId,omitempty"`
	DisableSessionTags *bool             `json:"disableSessionTags,omitempty"`
	CreatedAt          string            `json:"createdAt,omitempty"`
	ModifiedAt         string            `json:"modifiedAt,omitempty"`
	Tags               map[string]string `json:"tags,omitempty"`
	Detailed           bool              `json:"detailed"`
	Source             Source            `json:"-"`
}
