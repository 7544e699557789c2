package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

const (
	prRefused = `STS refused a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ` + prRole + ` with `
)

func TestIRSA311(t *testing.T) {
	tests := []struct {
		name   string
		mods   []func(*snapshot.Snapshot)
		extra  []*Check
		want   []string
		link   string // the failing link of the Deployment's chain, if any
		remedy string // the start of the remediation, for a failure
	}{
		{name: "no probe ran"},
		{
			name: "accepted",
			mods: []func(*snapshot.Snapshot){prProbe("", "", 200)},
			want: []string{`IRSA311 pass ServiceAccount payments/s3-reader: STS accepted a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ` + prRole +
				"\n  evidence: aws sts:AssumeRoleWithWebIdentity payments-s3-reader as serviceaccount payments/s3-reader: sts:AssumeRoleWithWebIdentity RoleArn=" + prRole +
				" RoleSessionName=irsa-doctor-probe: HTTP 200, credentials for arn:aws:sts::111122223333:assumed-role/payments-s3-reader/irsa-doctor-probe (discarded at once)" +
				"\n  evidence: aws sts:AssumeRoleWithWebIdentity payments-s3-reader as serviceaccount payments/s3-reader: TokenRequest for ServiceAccount payments/s3-reader (audience \"sts.amazonaws.com\", 600 s): iss " + prIssuer + ", sub " + prSub +
				"\n  evidence: kube list serviceaccounts -n payments: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: " + prRole},
		},
		{
			name: "no provider",
			mods: []func(*snapshot.Snapshot){prProbe("InvalidIdentityToken", "No OpenIDConnect provider found in your account for "+prIssuer, 400)},
			want: []string{"IRSA311 fail ServiceAccount payments/s3-reader: " + prRefused + "InvalidIdentityToken: No OpenIDConnect provider found in your account for " + prIssuer +
				": the role's account has no IAM OIDC provider for the token's issuer " + prIssuer + " (IRSA302)" +
				"\n  evidence: aws sts:AssumeRoleWithWebIdentity payments-s3-reader as serviceaccount payments/s3-reader: sts:AssumeRoleWithWebIdentity RoleArn=" + prRole +
				" RoleSessionName=irsa-doctor-probe: HTTP 400 InvalidIdentityToken: No OpenIDConnect provider found in your account for " + prIssuer +
				"\n  evidence: aws sts:AssumeRoleWithWebIdentity payments-s3-reader as serviceaccount payments/s3-reader: TokenRequest for ServiceAccount payments/s3-reader (audience \"sts.amazonaws.com\", 600 s): iss " + prIssuer + ", sub " + prSub +
				"\n  evidence: kube list serviceaccounts -n payments: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: " + prRole +
				"\n  evidence: kube list deployments -n payments: affects Deployment payments/api" +
				"\n  evidence: kube list pods -n payments: affects Pod payments/" + prPod},
			link:   finding.LinkOIDCProvider,
			remedy: "STS looks the provider up in the **role's** account",
		},
		{
			name: "audience",
			mods: []func(*snapshot.Snapshot){prProbe("InvalidIdentityToken", "Incorrect token audience", 400)},
			want: []string{"IRSA311 fail ServiceAccount payments/s3-reader: " + prRefused +
				"InvalidIdentityToken: Incorrect token audience: the IAM OIDC provider's ClientIDList does not list the token's audience (IRSA303)"},
			link:   finding.LinkOIDCProvider,
			remedy: "Add the token's audience to the provider",
		},
		{
			name: "trust policy",
			mods: []func(*snapshot.Snapshot){prProbe("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403)},
			want: []string{"IRSA311 fail ServiceAccount payments/s3-reader: " + prRefused +
				"AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity: the role does not exist, or its trust policy does not admit this token " +
				"(Federated principal, Action, the :sub and :aud conditions); STS does not say which (IRSA201-IRSA210)"},
			link:   finding.LinkIAMRole,
			remedy: "Compare the role's trust policy with the token's claims",
		},
		{
			name: "verification key",
			mods: []func(*snapshot.Snapshot){prProbe("InvalidIdentityToken", awsMsgVerificationKey, 400)},
			want: []string{"IRSA311 fail ServiceAccount payments/s3-reader: " + prRefused + "InvalidIdentityToken: " + awsMsgVerificationKey +
				": STS could not fetch the issuer's discovery document or JWKS, or they lack the token's signing key: the issuer must answer from the internet within 5 seconds; often transient (IRSA305)"},
			link:   finding.LinkIssuer,
			remedy: "Run the probe again",
		},
		{
			name: "expired on arrival",
			mods: []func(*snapshot.Snapshot){prProbe("ExpiredTokenException", "Token expired: current date/time 1795700000 must be before the expiration date/time 1795699300", 400)},
			want: []string{"IRSA311 fail ServiceAccount payments/s3-reader: " + prRefused +
				"ExpiredTokenException: Token expired: current date/time 1795700000 must be before the expiration date/time 1795699300: " +
				"a token issued moments earlier for 600 seconds arrived expired: the clock of the API server, which signs tokens, is behind STS's by more than that; no static check sees clocks"},
			link:   finding.LinkIssuer,
			remedy: "Correct the clock of the API server",
		},
		{
			name: "TokenRequest refused",
			mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
				s.Gaps = append(s.Gaps, snapshot.Gap{Source: "kube", Operation: snapshot.GapTokenRequest, Resource: snapshot.ProbeSAResource("payments", "s3-reader"),
					Reason: `Forbidden: serviceaccounts "s3-reader" is forbidden: User "alice" cannot create resource "serviceaccounts/token" in API group "" in the namespace "payments" (grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-probe)`})
			}},
			want: []string{"IRSA311 skipped ServiceAccount payments/s3-reader: the probe could not get an answer: create serviceaccounts/token serviceaccount payments/s3-reader: " +
				`Forbidden: serviceaccounts "s3-reader" is forbidden: User "alice" cannot create resource "serviceaccounts/token" in API group "" in the namespace "payments" (grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-probe)`},
		},
		{
			name: "STS throttled",
			mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
				s.Gaps = append(s.Gaps, snapshot.Gap{Source: "aws", Operation: snapshot.GapAssumeRole, Resource: prRole, Reason: "Throttling: Rate exceeded (still throttled after 3 attempts; run again later)"})
			}},
			want: []string{"IRSA311 skipped ServiceAccount payments/s3-reader: the probe could not get an answer: sts:AssumeRoleWithWebIdentity " + prRole +
				": Throttling: Rate exceeded (still throttled after 3 attempts; run again later)"},
		},
		{
			name: "role changed since the probe",
			mods: []func(*snapshot.Snapshot){prProbe("", "", 200), func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/s3-reader"].Annotations[webhook.AnnotationRoleARN] = "arn:aws:iam::111122223333:role/payments-s3-writer"
			}},
			want: []string{"IRSA311 skipped ServiceAccount payments/s3-reader: the probe asked STS for role " + prRole +
				", but ServiceAccount payments/s3-reader names arn:aws:iam::111122223333:role/payments-s3-writer now: run the probe again"},
		},
		{
			// The pod was created before the audience annotation: its token
			// is not the probe's; the template's is.
			name: "pod token of another audience",
			mods: []func(*snapshot.Snapshot){prProbe("", "", 200), func(s *snapshot.Snapshot) {
				s.ServiceAccounts["payments/s3-reader"].Annotations[webhook.AnnotationAudience] = "sts.amazonaws.com"
				s.Pods[0].Spec.Volumes[0].Projected.Sources[0].ServiceAccountToken.Audience = "vault"
			}},
			want: []string{
				`IRSA311 pass ServiceAccount payments/s3-reader: STS accepted a fresh token of ServiceAccount "s3-reader" (audience "sts.amazonaws.com") for role ` + prRole,
				`IRSA311 skipped ServiceAccount payments/s3-reader: the probe's token had audience "sts.amazonaws.com", but this pod's token has "vault" (volume aws-iam-token of Pod payments/` + prPod + `), so STS's answer does not speak for it`,
			},
		},
		{
			name:  "blocked by a malformed role ARN",
			mods:  []func(*snapshot.Snapshot){prProbe("ValidationError", "Request ARN is invalid", 400)},
			extra: []*Check{prFake("IRSA103", finding.StatusFail, finding.SeverityError, "malformed")},
			want:  []string{"IRSA311 skipped ServiceAccount payments/s3-reader: blocked by IRSA103"},
			link:  finding.LinkIAMRole, // IRSA103's
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := prSnapshot(tt.mods...)
			checks := append([]*Check{irsa311}, tt.extra...)
			got := prRun(t, s, checks...)
			var mine []string
			for _, b := range got {
				if len(b) > 8 && b[:8] == "IRSA311 " {
					mine = append(mine, b)
				}
			}
			if len(tt.want) > 0 && len(tt.want[0]) > 0 && !containsNewline(tt.want) {
				mine = prHeads(mine, "IRSA311")
			}
			if diff := cmp.Diff(tt.want, mine); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
			out := Run(s, Options{Checks: checks, Now: prNow})
			for _, tg := range out.Targets {
				if tg.Kind != "Deployment" {
					continue
				}
				var failing []string
				for _, l := range tg.Links {
					if l.Status == finding.LinkFail {
						failing = append(failing, l.Link)
					}
				}
				var want []string
				if tt.link != "" {
					want = []string{tt.link}
				}
				if diff := cmp.Diff(want, failing); diff != "" {
					t.Errorf("failing links (-want +got):\n%s", diff)
				}
			}
			if tt.remedy != "" {
				for _, f := range out.Findings {
					if f.CheckID == "IRSA311" && f.Status == finding.StatusFail && (len(f.Remediation) < len(tt.remedy) || f.Remediation[:len(tt.remedy)] != tt.remedy) {
						t.Errorf("remediation %q, want it to start with %q", f.Remediation, tt.remedy)
					}
				}
			}
		})
	}
}

// awsMsgVerificationKey is STS's message, with its double space
// (docs/reference/sts-errors.md).
const awsMsgVerificationKey = "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"

func containsNewline(ss []string) bool {
	for _, s := range ss {
		for i := 0; i < len(s); i++ {
			if s[i] == '\n' {
				return true
			}
		}
	}
	return false
}
