package check

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestIRSA312 runs IRSA312 after stand-ins for the IAM-side checks, so that
// each case states the static verdicts it compares with.
func TestIRSA312(t *testing.T) {
	pass := func(id string) *Check { return prFake(id, finding.StatusPass, finding.SeverityError, id+" ok") }
	fail := func(id, msg string) *Check { return prFake(id, finding.StatusFail, finding.SeverityError, msg) }
	healthy := func(except ...string) []*Check {
		var out []*Check
		for _, id := range []string{"IRSA201", "IRSA205", "IRSA302", "IRSA303", "IRSA305"} {
			skip := false
			for _, e := range except {
				skip = skip || e == id
			}
			if !skip {
				out = append(out, pass(id))
			}
		}
		return out
	}
	tests := []struct {
		name   string
		probe  func(*snapshot.Snapshot)
		static []*Check
		want   []string
	}{
		{name: "no probe ran", static: healthy()},
		{
			name: "accepted, as predicted", probe: prProbe("", "", 200), static: healthy(),
			want: []string{"IRSA312 pass ServiceAccount payments/s3-reader: STS accepted the token, as the IAM-side checks predicted " +
				"(static verdicts: IRSA201 pass, IRSA205 pass, IRSA302 pass, IRSA303 pass, IRSA305 pass)"},
		},
		{
			// A warning predicts no refusal.
			name: "accepted, with a warning", probe: prProbe("", "", 200),
			static: append(healthy(), prFake("IRSA207", finding.StatusFail, finding.SeverityWarning, "any ServiceAccount of the cluster")),
			want: []string{"IRSA312 pass ServiceAccount payments/s3-reader: STS accepted the token, as the IAM-side checks predicted " +
				"(static verdicts: IRSA201 pass, IRSA205 pass, IRSA207 fail, IRSA302 pass, IRSA303 pass, IRSA305 pass)"},
		},
		{
			name: "accepted although a check predicted a refusal", probe: prProbe("", "", 200),
			static: append(healthy("IRSA205"), fail("IRSA205", `requires sub "system:serviceaccount:payment:s3-reader"`)),
			want: []string{`IRSA312 fail ServiceAccount payments/s3-reader: STS accepted a fresh token of ServiceAccount "s3-reader" for role ` + prRole +
				", but IRSA205 predicted a refusal: this is a bug in irsa-doctor's model, or the facts changed between the collection and the probe; " +
				"static verdicts: IRSA201 pass, IRSA205 fail, IRSA302 pass, IRSA303 pass, IRSA305 pass" +
				"\n  evidence: aws sts:AssumeRoleWithWebIdentity payments-s3-reader as serviceaccount payments/s3-reader: sts:AssumeRoleWithWebIdentity RoleArn=" + prRole +
				" RoleSessionName=irsa-doctor-probe: HTTP 200, credentials for arn:aws:sts::111122223333:assumed-role/payments-s3-reader/irsa-doctor-probe (discarded at once)" +
				"\n  evidence: aws sts:AssumeRoleWithWebIdentity payments-s3-reader as serviceaccount payments/s3-reader: IRSA205 fail ServiceAccount payments/s3-reader: requires sub \"system:serviceaccount:payment:s3-reader\"" +
				"\n  evidence: kube list deployments -n payments: affects Deployment payments/api" +
				"\n  evidence: kube list pods -n payments: affects Pod payments/" + prPod},
		},
		{
			// A stale token captured from a pod says nothing about the
			// probe's fresh one.
			name: "accepted, with a captured token expired", probe: prProbe("", "", 200),
			static: append(healthy(), fail("IRSA306", "the token expired")),
			want: []string{"IRSA312 pass ServiceAccount payments/s3-reader: STS accepted the token, as the IAM-side checks predicted " +
				"(static verdicts: IRSA201 pass, IRSA205 pass, IRSA302 pass, IRSA303 pass, IRSA305 pass, IRSA306 fail)"},
		},
		{
			name: "refused, as the mapped check predicted", probe: prProbe("InvalidIdentityToken", "Incorrect token audience", 400),
			static: append(healthy("IRSA303"), fail("IRSA303", `ClientIDList lacks "sts.amazonaws.com"`)),
			want:   []string{"IRSA312 pass ServiceAccount payments/s3-reader: STS refused the token with InvalidIdentityToken: Incorrect token audience, as IRSA303 predicted"},
		},
		{
			name: "refused while every check passed", probe: prProbe("InvalidIdentityToken", "Incorrect token audience", 400), static: healthy(),
			want: []string{`IRSA312 fail ServiceAccount payments/s3-reader: STS refused a fresh token of ServiceAccount "s3-reader" for role ` + prRole +
				" with InvalidIdentityToken: Incorrect token audience, which IRSA303 models, but IRSA303 passed: " +
				"this is a bug in irsa-doctor's model, or the facts changed between the collection and the probe; " +
				"static verdicts: IRSA201 pass, IRSA205 pass, IRSA302 pass, IRSA303 pass, IRSA305 pass"},
		},
		{
			// STS looks the provider up before it reads the trust policy:
			// a refusal for the provider contradicts IRSA302's pass, whatever
			// the trust policy checks say.
			name: "refused for the provider while the trust policy check failed", probe: prProbe("InvalidIdentityToken", "No OpenIDConnect provider found in your account for "+prIssuer, 400),
			static: append(healthy("IRSA205"), fail("IRSA205", "sub differs")),
			want: []string{`IRSA312 fail ServiceAccount payments/s3-reader: STS refused a fresh token of ServiceAccount "s3-reader" for role ` + prRole +
				" with InvalidIdentityToken: No OpenIDConnect provider found in your account for " + prIssuer + ", which IRSA302 models, but IRSA302 passed: " +
				"this is a bug in irsa-doctor's model, or the facts changed between the collection and the probe; " +
				"static verdicts: IRSA201 pass, IRSA205 fail, IRSA302 pass, IRSA303 pass, IRSA305 pass"},
		},
		{
			name: "trust refusal, some trust checks passed and one failed", probe: prProbe("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403),
			static: append(healthy("IRSA205"), fail("IRSA205", "sub differs")),
			want:   []string{"IRSA312 pass ServiceAccount payments/s3-reader: STS refused the token with AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity, as IRSA205 predicted"},
		},
		{
			name: "trust refusal, every trust check passed", probe: prProbe("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403), static: healthy(),
			want: []string{`IRSA312 fail ServiceAccount payments/s3-reader: STS refused a fresh token of ServiceAccount "s3-reader" for role ` + prRole +
				" with AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity, which IRSA201-IRSA210 model, but IRSA201 and IRSA205 passed: " +
				"this is a bug in irsa-doctor's model, or the facts changed between the collection and the probe; " +
				"static verdicts: IRSA201 pass, IRSA205 pass, IRSA302 pass, IRSA303 pass, IRSA305 pass"},
		},
		{
			// A role of another account that could not be read.
			name: "trust refusal, the role could not be read", probe: prProbe("AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", 403),
			static: append(healthy("IRSA201"), prFake("IRSA201", finding.StatusSkipped, finding.SeverityError, "iam:GetRole was denied")),
			want: []string{"IRSA312 skipped ServiceAccount payments/s3-reader: STS refused the token with AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity, " +
				"which IRSA201-IRSA210 model, and the static verdict is unknown: IRSA201 (iam:GetRole was denied)"},
		},
		{
			name: "refusal whose checks did not run", probe: prProbe("InvalidIdentityToken", "Incorrect token audience", 400), static: healthy("IRSA303"),
			want: []string{"IRSA312 skipped ServiceAccount payments/s3-reader: STS refused the token with InvalidIdentityToken: Incorrect token audience, which IRSA303 models, but IRSA303 did not run: nothing to compare"},
		},
		{
			name: "verification key: this machine and STS see different networks", probe: prProbe("InvalidIdentityToken", awsMsgVerificationKey, 400), static: healthy(),
			want: []string{"IRSA312 skipped ServiceAccount payments/s3-reader: STS refused the token with InvalidIdentityToken: " + awsMsgVerificationKey +
				" although IRSA305 passed: the check fetched the issuer's documents from this machine, STS fetches them from the internet; nothing to compare"},
		},
		{
			name: "an answer no static check models", probe: prProbe("IDPCommunicationError", "The request could not be fulfilled", 400), static: healthy(),
			want: []string{"IRSA312 skipped ServiceAccount payments/s3-reader: no static check models STS's answer IDPCommunicationError: The request could not be fulfilled " +
				"(STS could not reach the identity provider to verify the token; usually transient): nothing to compare"},
		},
		{
			name: "no IAM-side check ran", probe: prProbe("", "", 200),
			want: []string{"IRSA312 skipped ServiceAccount payments/s3-reader: no IAM-side check (IRSA201-IRSA210, IRSA301-IRSA306) ran for this target: nothing to compare the probe with"},
		},
		{
			name: "probe could not run",
			probe: func(s *snapshot.Snapshot) {
				s.Gaps = append(s.Gaps, snapshot.Gap{Source: "aws", Operation: snapshot.GapAssumeRole, Resource: prRole, Reason: "request failed: dial tcp: lookup sts.us-west-2.amazonaws.com: no such host"})
			},
			static: healthy(),
			want: []string{"IRSA312 skipped ServiceAccount payments/s3-reader: the probe could not get an answer: sts:AssumeRoleWithWebIdentity " + prRole +
				": request failed: dial tcp: lookup sts.us-west-2.amazonaws.com: no such host"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var mods []func(*snapshot.Snapshot)
			if tt.probe != nil {
				mods = append(mods, tt.probe)
			}
			got := prRun(t, prSnapshot(mods...), append([]*Check{irsa312}, tt.static...)...)
			var mine []string
			for _, b := range got {
				if b[:8] == "IRSA312 " {
					mine = append(mine, b)
				}
			}
			if !containsNewline(tt.want) {
				mine = prHeads(mine, "IRSA312")
			}
			if diff := cmp.Diff(tt.want, mine); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
