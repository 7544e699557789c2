package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestCredentialSource(t *testing.T) {
	yes := true
	secretRef := func(name string, optional bool) snapshot.EnvVar {
		ks := &snapshot.KeySelector{Name: "aws-secret", Key: name}
		if optional {
			ks.Optional = &yes
		}
		return snapshot.EnvVar{Name: name, ValueFrom: &snapshot.EnvVarSource{SecretKeyRef: ks}}
	}
	irsa := []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: fxRole}, {Name: webhook.EnvTokenFile, Value: webhook.TokenPath}}
	const webIdentity = "web identity (IRSA): AWS_WEB_IDENTITY_TOKEN_FILE is set, role " + fxRole
	tests := []struct {
		name string
		env  []snapshot.EnvVar
		want finding.Container
	}{
		{
			name: "static keys from a required Secret win",
			env:  append([]snapshot.EnvVar{secretRef(webhook.EnvAccessKeyID, false), secretRef(webhook.EnvSecretAccessKey, false)}, irsa...),
			want: finding.Container{Name: "app", CredentialSource: SourceStaticEnv,
				Reason: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are set in the environment; every SDK's default chain takes them first"},
		},
		{
			name: "static keys from an optional Secret: web identity, with the caveat",
			env:  append([]snapshot.EnvVar{secretRef(webhook.EnvAccessKeyID, true), secretRef(webhook.EnvSecretAccessKey, true)}, irsa...),
			want: finding.Container{Name: "app", CredentialSource: SourceWebIdentity,
				Reason: "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY come from optional references, which the kubelet leaves unset when the Secret or key is missing (if they are set, the SDK uses them first); otherwise " + webIdentity},
		},
		{
			name: "empty static keys are unset",
			env:  append([]snapshot.EnvVar{{Name: webhook.EnvAccessKeyID}, {Name: webhook.EnvSecretAccessKey}}, irsa...),
			want: finding.Container{Name: "app", CredentialSource: SourceWebIdentity, Reason: webIdentity},
		},
		{
			name: "Pod Identity",
			env:  []snapshot.EnvVar{{Name: webhook.EnvContainerFullURI, Value: webhook.PodIdentityFullURI}, {Name: webhook.EnvContainerToken, Value: webhook.PodIdentityTokenPath}},
			want: finding.Container{Name: "app", CredentialSource: SourceContainer, Reason: "container credentials (EKS Pod Identity) from " + webhook.PodIdentityFullURI},
		},
		{
			name: "role without token file",
			env:  []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: fxRole}},
			want: finding.Container{Name: "app", CredentialSource: SourceIMDS,
				Reason: "AWS_ROLE_ARN is set but AWS_WEB_IDENTITY_TOKEN_FILE is not, so the SDK skips web identity; no credentials in the environment: the SDK falls back to a shared profile baked into the image (which cannot be seen from the pod spec) or to the node's instance role through IMDS"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := credentialSource(&snapshot.Container{Name: "app", Env: tt.env})
			if d := cmp.Diff(tt.want, got); d != "" {
				t.Errorf("credentialSource (-want +got):\n%s", d)
			}
		})
	}
}

// TestCredentialsOfPodIdentityTemplate: a template whose ServiceAccount
// has a Pod Identity association is judged as the webhook mutates it in
// Pod Identity mode, although the ServiceAccount keeps its role-arn.
func TestCredentialsOfPodIdentityTemplate(t *testing.T) {
	s := fxSnapshot(fxDeployment(), fxCluster("prod", "111122223333", "eu-west-1"),
		fxAssociation("prod", "111122223333", "eu-west-1", fxNS, "api"))
	out := Run(s, Options{Now: fxNow})
	if len(out.Targets) != 1 {
		t.Fatalf("targets = %+v, want the Deployment only", out.Targets)
	}
	want := []finding.Container{{Name: "app", CredentialSource: SourceContainer, Reason: "container credentials (EKS Pod Identity) from " + webhook.PodIdentityFullURI}}
	if d := cmp.Diff(want, out.Targets[0].Containers); d != "" {
		t.Errorf("containers (-want +got):\n%s", d)
	}
}
