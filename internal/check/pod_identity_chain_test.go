package check

// The mechanism and chain view of targets that EKS Pod Identity reaches:
// a container that still uses web identity makes the target an IRSA one;
// the links and reasons of Pod Identity targets follow the checks.

import (
	"strings"
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/google/go-cmp/cmp"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// piHandWritten gives the pod's and the template's container a hand-written
// AWS_ROLE_ARN and AWS_WEB_IDENTITY_TOKEN_FILE (the injected Pod Identity
// variables stay on the pod).
func piHandWritten(s *snapshot.Snapshot) {
	env := []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: "arn:aws:iam::111122223333:role/payments-s3-reader"},
		{Name: webhook.EnvTokenFile, Value: webhook.TokenPath}}
	p := piPod(s)
	p.Spec.Containers[0].Env = append(append([]snapshot.EnvVar{}, env...), p.Spec.Containers[0].Env...)
	for _, w := range s.Workloads {
		w.Template.Spec.Containers[0].Env = append([]snapshot.EnvVar{}, env...)
	}
}

func TestPodIdentityTargetUsingWebIdentity(t *testing.T) {
	type mech struct {
		Mechanism   string
		PodIdentity bool
	}
	tests := []struct {
		name string
		snap *snapshot.Snapshot
		want map[string]mech
	}{
		{
			name: "a correct Pod Identity pod and template stay pod-identity",
			snap: piSnapshot(),
			want: map[string]mech{"Deployment/payments/reports": {model.MechanismPodIdentity, true}, "Pod/payments/" + piPodName: {model.MechanismPodIdentity, true}},
		},
		{
			// Web identity comes before container credentials in every
			// SDK chain (docs/reference/pod-identity.md#pod-identity-and-irsa-together, docs/reference/credential-chain.md).
			name: "hand-written web identity makes the pod and the template irsa targets",
			snap: piSnapshot(piHandWritten),
			want: map[string]mech{"Deployment/payments/reports": {model.MechanismIRSA, true}, "Pod/payments/" + piPodName: {model.MechanismIRSA, true}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := map[string]mech{}
			for _, tg := range model.Targets(tt.snap, model.Selector{}, model.NewIndex(tt.snap)) {
				got[tg.Key()] = mech{tg.Mechanism, tg.PodIdentity}
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("mechanisms (-want +got):\n%s", diff)
			}
		})
	}
}

func TestPodIdentityChain(t *testing.T) {
	noTagSession := func(s *snapshot.Snapshot) {
		s.Roles[piRole].TrustPolicy = strings.Replace(piTrust, `["sts:AssumeRole","sts:TagSession"]`, `"sts:AssumeRole"`, 1)
	}
	healthyLinks := []finding.Link{
		{Link: "service-account", Status: "pass"},
		{Link: "webhook", Status: "pass"},
		{Link: "iam-role", Status: "pass"},
		{Link: "oidc-provider", Status: "unknown", Detail: "not used by EKS Pod Identity"},
		{Link: "issuer", Status: "unknown", Detail: "not used by EKS Pod Identity"},
	}
	brokenLinks := append([]finding.Link{}, healthyLinks...)
	brokenLinks[2] = finding.Link{Link: "iam-role", Status: "fail", Detail: "IRSA404"}
	const agentReason = "EKS Pod Identity: the associated role's credentials from the Pod Identity agent at http://169.254.170.23/v1/credentials"
	tests := []struct {
		name       string
		snap       *snapshot.Snapshot
		wantLinks  []finding.Link
		wantReason string
		wantRole   string
	}{
		{
			name:       "a healthy Pod Identity pod passes its webhook and role links",
			snap:       piSnapshot(),
			wantLinks:  healthyLinks,
			wantReason: agentReason,
			wantRole:   piRole,
		},
		{
			name:       "a trust policy without sts:TagSession fails the role link and the container gets nothing",
			snap:       piSnapshot(noTagSession),
			wantLinks:  brokenLinks,
			wantReason: agentReason + "; but it gets none: IRSA404",
			wantRole:   piRole,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Run(tt.snap, Options{Checks: []*Check{irsa101, irsa404, irsa405, irsa406, irsa410}, Now: fx.Now})
			var pod *finding.Target
			for i := range out.Targets {
				if out.Targets[i].Kind == "Pod" {
					pod = &out.Targets[i]
				}
			}
			if pod == nil {
				t.Fatal("no pod target")
			}
			if diff := cmp.Diff(tt.wantLinks, pod.Links); diff != "" {
				t.Errorf("links (-want +got):\n%s", diff)
			}
			want := []finding.Container{{Name: "app", CredentialSource: model.SourceContainer, Reason: tt.wantReason}}
			if diff := cmp.Diff(want, pod.Containers); diff != "" {
				t.Errorf("containers (-want +got):\n%s", diff)
			}
			if pod.RoleARN != tt.wantRole {
				t.Errorf("role = %q, want %q", pod.RoleARN, tt.wantRole)
			}
		})
	}
}

func TestStoppedBy(t *testing.T) {
	tg := &model.Target{Kind: "Pod", Namespace: fx.NS, Name: "p"}
	rec := func(c *Check, link string, sev finding.Severity, container string) record {
		return record{target: tg, check: c, status: finding.StatusFail, severity: sev, link: link,
			f: &finding.Finding{CheckID: c.ID, Subject: finding.Subject{Kind: "Pod", Namespace: fx.NS, Name: "p", Container: container}}}
	}
	recs := []record{
		rec(irsa405, finding.LinkWebhook, finding.SeverityError, ""),
		rec(irsa403, finding.LinkWebhook, finding.SeverityWarning, ""), // a warning promises nothing away
		rec(irsa205, finding.LinkIAMRole, finding.SeverityError, ""),
		rec(irsa110, finding.LinkWebhook, finding.SeverityError, "web"), // not a chain breaker
		rec(irsa302, finding.LinkOIDCProvider, finding.SeverityError, "other"),
	}
	cs := []finding.Container{
		{Name: "app", CredentialSource: model.SourceContainer, Reason: "agent"},
		{Name: "web", CredentialSource: model.SourceWebIdentity, Reason: "role"},
		{Name: "keys", CredentialSource: model.SourceStaticEnv, Reason: "keys"},
	}
	stoppedBy(cs, recs)
	want := []finding.Container{
		{Name: "app", CredentialSource: model.SourceContainer, Reason: "agent; but it gets none: IRSA405"},
		{Name: "web", CredentialSource: model.SourceWebIdentity, Reason: "role; but STS refuses its AssumeRoleWithWebIdentity: IRSA205"},
		{Name: "keys", CredentialSource: model.SourceStaticEnv, Reason: "keys"},
	}
	if diff := cmp.Diff(want, cs); diff != "" {
		t.Errorf("containers (-want +got):\n%s", diff)
	}
}
