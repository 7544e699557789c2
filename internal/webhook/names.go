package webhook

// Annotation and label keys, with the default prefix eks.amazonaws.com
// (webhook main.go --annotation-prefix; pkg/annotations.go).
const (
	AnnotationRoleARN         = "eks.amazonaws.com/role-arn"
	AnnotationAudience        = "eks.amazonaws.com/audience"
	AnnotationSTSRegional     = "eks.amazonaws.com/sts-regional-endpoints"
	AnnotationTokenExpiration = "eks.amazonaws.com/token-expiration"
	AnnotationSkipContainers  = "eks.amazonaws.com/skip-containers"
	// LabelSkip excludes a pod through the webhook's objectSelector
	// (deploy/mutatingwebhook.yaml: DoesNotExist).
	LabelSkip = "eks.amazonaws.com/skip-pod-identity-webhook"
	// LabelPodIdentity is written by the webhook in Pod Identity mode.
	LabelPodIdentity = "eks.amazonaws.com/pod-identity"
)

// Injected names (handler.go; docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions, docs/reference/webhook.md#pod-identity-mode).
const (
	VolumeName       = "aws-iam-token"
	MountPath        = "/var/run/secrets/eks.amazonaws.com/serviceaccount"
	TokenPath        = MountPath + "/token"
	WindowsTokenPath = `C:\var\run\secrets\eks.amazonaws.com\serviceaccount\token`

	PodIdentityVolumeName = "eks-pod-identity-token"
	PodIdentityMountPath  = "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount"
	PodIdentityTokenPath  = PodIdentityMountPath + "/eks-pod-identity-token"
	PodIdentityAudience   = "pods.eks.amazonaws.com"
	PodIdentityFullURI    = "http://169.254.170.23/v1/credentials"

	DefaultAudience   = "sts.amazonaws.com"
	DefaultExpiration = int64(86400)
	// MinExpiration: lower values are raised to it (pkg/validation.go). The
	// webhook declares MaxTokenExpiration = 86400 but never applies it.
	MinExpiration = int64(600)
)

// Environment variables the webhook injects or that decide injection.
const (
	EnvRoleARN          = "AWS_ROLE_ARN"
	EnvTokenFile        = "AWS_WEB_IDENTITY_TOKEN_FILE"
	EnvRegion           = "AWS_REGION"
	EnvDefaultRegion    = "AWS_DEFAULT_REGION"
	EnvSTSRegional      = "AWS_STS_REGIONAL_ENDPOINTS"
	EnvContainerFullURI = "AWS_CONTAINER_CREDENTIALS_FULL_URI"
	EnvContainerToken   = "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"
	EnvAccessKeyID      = "AWS_ACCESS_KEY_ID"
	EnvSecretAccessKey  = "AWS_SECRET_ACCESS_KEY"
)

// Webhook names that identify the pod identity webhook (docs/contract.md).
const (
	ConfigurationName = "pod-identity-webhook"
	EKSWebhookName    = "iam-for-pods.amazonaws.com"
	OSSWebhookName    = "pod-identity-webhook.amazonaws.com"
)
