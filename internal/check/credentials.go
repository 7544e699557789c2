package check

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// Credential sources (CONTRACT.md targets[].containers[].credentialSource).
const (
	SourceStaticEnv   = "static-env"
	SourceWebIdentity = "web-identity"
	SourceContainer   = "container"
	SourceProfile     = "profile"
	SourceIMDS        = "imds"
	SourceNone        = "none"
)

// Credentials predicts, for every container of the target, the credential
// source the SDK default chain picks, by the standardized order shared by
// aws-sdk-go-v2 and botocore (irsa-facts.md §7): static env keys, web
// identity, container credentials, then IMDS. Shared profiles inside an
// image cannot be seen from the pod spec; the reason says so where it
// matters. Templates are judged as the webhook will mutate them.
func Credentials(t *Target) []finding.Container {
	if t.Spec == nil {
		return []finding.Container{}
	}
	spec := t.Spec
	if t.IsTemplate() {
		spec = t.Mutated(false).Spec
	}
	out := []finding.Container{}
	for _, c := range AllContainers(spec) {
		out = append(out, credentialSource(c))
	}
	return out
}

// credentialSource walks the standardized chain for one container.
func credentialSource(c *snapshot.Container) finding.Container {
	out := finding.Container{Name: c.Name}
	_, hasKey := Env(c, webhook.EnvAccessKeyID)
	_, hasSecret := Env(c, webhook.EnvSecretAccessKey)
	tokenFile, hasTokenFile := Env(c, webhook.EnvTokenFile)
	roleARN, hasRole := Env(c, webhook.EnvRoleARN)
	fullURI, hasFullURI := Env(c, webhook.EnvContainerFullURI)
	switch {
	case hasKey && hasSecret:
		out.CredentialSource = SourceStaticEnv
		out.Reason = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set in the environment; every SDK's default chain takes them first"
	case hasTokenFile && (tokenFile.Value != "" || tokenFile.ValueFrom != nil):
		out.CredentialSource = SourceWebIdentity
		if hasRole {
			out.Reason = "web identity (IRSA): AWS_WEB_IDENTITY_TOKEN_FILE is set, role " + envValue(roleARN)
		} else {
			out.Reason = "web identity (IRSA) is attempted through AWS_WEB_IDENTITY_TOKEN_FILE, but AWS_ROLE_ARN is unset: the SDK fails with \"role ARN is not set\""
		}
	case hasFullURI:
		out.CredentialSource = SourceContainer
		out.Reason = "container credentials (EKS Pod Identity) from " + envValue(fullURI)
	default:
		out.CredentialSource = SourceIMDS
		out.Reason = "no credentials in the environment: the SDK falls back to a shared profile baked into the image (which cannot be seen from the pod spec) or to the node's instance role through IMDS"
		if hasRole {
			out.Reason = "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not, so the SDK skips web identity; " + out.Reason
		}
	}
	return out
}

func envValue(e *snapshot.EnvVar) string {
	if e.ValueFrom != nil {
		return "(set from a reference)"
	}
	return e.Value
}
