package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA112(t *testing.T) {
	const key = webhook.AnnotationTokenExpiration
	saExp := func(v string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.ServiceAccounts[snapshot.Key(fx.NS, "api")] = fx.SA("api", webhook.AnnotationRoleARN, fx.Role, key, v)
		}
	}
	podExp := func(v string) func(*snapshot.Workload) {
		return func(w *snapshot.Workload) { w.Template.Annotations = map[string]string{key: v} }
	}
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		details bool
		want    []string
	}{
		{
			name:    "valid on the ServiceAccount",
			snap:    fx.Snapshot(fx.Deployment(), saExp("3600")),
			details: true,
			want: []string{
				`IRSA112 pass ServiceAccount payments/api: eks.amazonaws.com/token-expiration "3600" on the ServiceAccount: the webhook requests tokens valid for 3600 seconds` +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/token-expiration: \"3600\"",
			},
		},
		{
			name: "above a day",
			snap: fx.Snapshot(fx.Deployment(), saExp("172800")),
			want: []string{`IRSA112 pass ServiceAccount payments/api: eks.amazonaws.com/token-expiration "172800" on the ServiceAccount: the webhook requests tokens valid for 172800 seconds; the kubelet still refreshes them once they are 24 hours old`},
		},
		{
			name:    "a duration, not seconds",
			snap:    fx.Snapshot(fx.Deployment(), saExp("1h")),
			details: true,
			want: []string{
				"IRSA112 fail ServiceAccount payments/api: eks.amazonaws.com/token-expiration \"1h\" on the ServiceAccount is not a whole number of seconds: the webhook ignores it and uses the default 86400 seconds\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/token-expiration: \"1h\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/token-expiration=3600\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name:    "stray space",
			snap:    fx.Snapshot(fx.Deployment(), saExp(" 7200")),
			details: true,
			want: []string{
				"IRSA112 fail ServiceAccount payments/api: eks.amazonaws.com/token-expiration \" 7200\" on the ServiceAccount is not a whole number of seconds: the webhook ignores it and uses the default 86400 seconds\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/token-expiration: \" 7200\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/token-expiration=7200\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name:    "below the minimum: raised, info",
			snap:    fx.Snapshot(fx.Deployment(), saExp("300")),
			details: true,
			want: []string{
				"IRSA112 fail ServiceAccount payments/api: eks.amazonaws.com/token-expiration \"300\" on the ServiceAccount is below 600: the webhook raises it to 600 seconds, its minimum\n  severity: info\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/token-expiration: \"300\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/token-expiration=600\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name:    "above 2^32: every new pod is rejected",
			snap:    fx.Snapshot(fx.Deployment(), saExp("4294967297")),
			details: true,
			want: []string{
				"IRSA112 fail ServiceAccount payments/api: eks.amazonaws.com/token-expiration \"4294967297\" on the ServiceAccount is above 4294967296 (2^32), the most the API server accepts for a projected token's expirationSeconds: the webhook injects it as is, and the API server rejects every new pod (\"may not specify a duration larger than 2^32 seconds\")\n  severity: error\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/token-expiration: \"4294967297\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: kubectl annotate serviceaccount api -n payments eks.amazonaws.com/token-expiration-\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name: "exactly 2^32 is accepted",
			snap: fx.Snapshot(fx.Deployment(), saExp("4294967296")),
			want: []string{`IRSA112 pass ServiceAccount payments/api: eks.amazonaws.com/token-expiration "4294967296" on the ServiceAccount: the webhook requests tokens valid for 4294967296 seconds; the kubelet still refreshes them once they are 24 hours old`},
		},
		{
			name: "too large to parse: ignored, not rejected",
			snap: fx.Snapshot(fx.Deployment(), saExp("99999999999999999999")),
			want: []string{`IRSA112 fail ServiceAccount payments/api: eks.amazonaws.com/token-expiration "99999999999999999999" on the ServiceAccount is too large for a 64-bit integer: the webhook ignores it and uses the default 86400 seconds`},
		},
		{
			name:    "unparsable on the pod template: the ServiceAccount's value applies",
			snap:    fx.Snapshot(fx.Deployment(podExp("2h")), saExp("3600")),
			details: true,
			want: []string{
				`IRSA112 fail Deployment payments/api: eks.amazonaws.com/token-expiration "2h" on the pod is not a whole number of seconds: the webhook ignores it and uses the ServiceAccount's 3600 seconds` +
					"\n  evidence: bundle deployments.json: Deployment payments/api: metadata.annotations[\"eks.amazonaws.com/token-expiration\"]: \"2h\"" +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/token-expiration: \"3600\"" +
					"\n  fix: kubectl patch deployment api -n payments --type merge -p '{\"spec\":{\"template\":{\"metadata\":{\"annotations\":{\"eks.amazonaws.com/token-expiration\":\"7200\"}}}}}'",
				`IRSA112 pass ServiceAccount payments/api: eks.amazonaws.com/token-expiration "3600" on the ServiceAccount: the webhook requests tokens valid for 3600 seconds` +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/token-expiration: \"3600\"",
			},
		},
		{
			name: "valid on the pod: the ServiceAccount's bad value does not matter here",
			snap: fx.Snapshot(fx.Deployment(podExp("900")), saExp("abc")),
			want: []string{`IRSA112 pass Deployment payments/api: eks.amazonaws.com/token-expiration "900" on the pod: the webhook requests tokens valid for 900 seconds`},
		},
		{
			name:    "bare pod: applied value in evidence, no command",
			details: true,
			snap: fx.Snapshot(fx.BarePod("worker", fx.Mutated, func(p *snapshot.Pod) {
				p.Annotations = map[string]string{key: "0"}
			})),
			want: []string{
				`IRSA112 fail Pod payments/worker: eks.amazonaws.com/token-expiration "0" on the pod is below 600: the webhook raises it to 600 seconds, its minimum` +
					"\n  severity: info" +
					"\n  evidence: bundle pods.json: pod payments/worker: metadata.annotations[\"eks.amazonaws.com/token-expiration\"]: \"0\"" +
					"\n  evidence: bundle pods.json: pod payments/worker: volume aws-iam-token expirationSeconds: 86400 (applied at admission)",
			},
		},
		{
			name: "no annotation: nothing to say",
			snap: fx.Snapshot(fx.Deployment()),
			want: nil,
		},
		{
			name: "ServiceAccount without a role: no token is requested",
			snap: fx.Snapshot(fx.BarePod("worker", fx.Mutated), func(s *snapshot.Snapshot) {
				s.ServiceAccounts[snapshot.Key(fx.NS, "api")] = fx.SA("api", key, "1h")
			}),
			want: nil,
		},
		{
			name: "ServiceAccount not in the input",
			snap: fx.Snapshot(fx.BarePod("worker", fx.Mutated), func(s *snapshot.Snapshot) {
				s.Listings = nil
				delete(s.ServiceAccounts, snapshot.Key(fx.NS, "api"))
			}),
			want: []string{"IRSA112 skipped ServiceAccount payments/api: ServiceAccount payments/api is not in the input (capture: kubectl get serviceaccount api -n payments -o json), so its eks.amazonaws.com/token-expiration cannot be judged"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxOnly(fxRun(t, tt.snap, model.Selector{}, tt.details, irsa112), "IRSA112")
			fxAssert(t, got, tt.want)
		})
	}
}

func TestIRSA112BlockedByIRSA102(t *testing.T) {
	s := fx.Snapshot(fx.Deployment(), func(s *snapshot.Snapshot) {
		s.ServiceAccounts[snapshot.Key(fx.NS, "api")] = fx.SA("api", "eks.amazon.com/role-arn", fx.Role, webhook.AnnotationTokenExpiration, "1h")
	})
	got := fxOnly(fxRun(t, s, model.Selector{}, false, irsa102, irsa112), "IRSA112")
	fxAssert(t, got, []string{"IRSA112 skipped ServiceAccount payments/api: blocked by IRSA102"})
}

func TestExpirationSuggestion(t *testing.T) {
	for in, want := range map[string]string{"1h": "3600", "3600s": "3600", " 3600 ": "3600", `"3600"`: "3600", "5m": "600", "90m": "5400", "abc": "", "1.5s": "", "-1h": "", "5000000000": ""} {
		got := ""
		if p := expirationSuggestion(in); p != nil {
			got = *p
		}
		if got != want {
			t.Errorf("expirationSuggestion(%q) = %q, want %q", in, got, want)
		}
	}
}
