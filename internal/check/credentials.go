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
	switch {
	case t.IsTemplate() && t.Mechanism == MechanismPodIdentity:
		// The cluster has a Pod Identity association for the
		// ServiceAccount (or the template asks for Pod Identity itself):
		// the webhook injects container credentials, not IRSA
		// (irsa-facts.md §1.4, §6.3).
		spec = webhook.Mutate(t.Namespace, t.Meta, t.Spec, t.SA, webhook.Config{PodIdentity: func(string, string) bool { return true }}).Spec
	case t.IsTemplate():
		spec = t.Mutated(false).Spec
	}
	out := []finding.Container{}
	for _, c := range AllContainers(spec) {
		out = append(out, credentialSource(c))
	}
	return out
}

// credentialSource walks the standardized chain for one container. Static
// keys count when both are set to something (an empty literal is unset to
// every SDK: Go v2 HasKeys, botocore `if access_key:`) from a literal or a
// required reference; a reference marked optional is left unset by the
// kubelet when its Secret or key is missing (kubelet_pods.go
// makeEnvironmentVariables), and the tool never reads Secrets, so such
// keys only possibly win: the chain goes on, and the reason says so.
func credentialSource(c *snapshot.Container) finding.Container {
	out := finding.Container{Name: c.Name}
	key, hasKey := setEnv(c, webhook.EnvAccessKeyID)
	secret, hasSecret := setEnv(c, webhook.EnvSecretAccessKey)
	tokenFile, hasTokenFile := Env(c, webhook.EnvTokenFile)
	roleARN, hasRole := Env(c, webhook.EnvRoleARN)
	fullURI, hasFullURI := Env(c, webhook.EnvContainerFullURI)
	maybeKeys := hasKey && hasSecret && (optionalRef(key) || optionalRef(secret))
	switch {
	case hasKey && hasSecret && !maybeKeys:
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
	if maybeKeys {
		out.Reason = "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY come from optional references, which the kubelet leaves unset when the Secret or key is missing (if they are set, the SDK uses them first); otherwise " + out.Reason
	}
	return out
}

func envValue(e *snapshot.EnvVar) string {
	if e.ValueFrom != nil {
		return "(set from a reference)"
	}
	return e.Value
}
