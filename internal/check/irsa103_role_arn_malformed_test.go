package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA103(t *testing.T) {
	role := func(v string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.ServiceAccounts[snapshot.Key(fx.NS, "api")] = fx.SA("api", webhook.AnnotationRoleARN, v)
		}
	}
	const invalidTail = "; the webhook injects it as AWS_ROLE_ARN anyway (it only logs \"arn is invalid\"), and AssumeRoleWithWebIdentity fails (typically \"ValidationError: Request ARN is invalid\")"
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		details bool
		want    []string
	}{
		{
			name:    "valid, with a path",
			snap:    fx.Snapshot(fx.Deployment(), role("arn:aws:iam::111122223333:role/teams/payments/api")),
			details: true,
			want: []string{
				`IRSA103 pass ServiceAccount payments/api: eks.amazonaws.com/role-arn "arn:aws:iam::111122223333:role/teams/payments/api" is a valid IAM role ARN (partition aws, account 111122223333, role api, path /teams/payments/)` +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: \"arn:aws:iam::111122223333:role/teams/payments/api\"",
			},
		},
		{
			name:    "trailing newline: the correction is unambiguous",
			snap:    fx.Snapshot(fx.Deployment(), role(fx.Role+"\n")),
			details: true,
			want: []string{
				"IRSA103 fail ServiceAccount payments/api: eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/payments-api\\n\" is not a valid IAM role ARN: it ends with a newline; the webhook injects it as AWS_ROLE_ARN anyway (it only logs \"arn is invalid\"), and AssumeRoleWithWebIdentity fails (typically \"ValidationError: Request ARN is invalid\")\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: \"arn:aws:iam::111122223333:role/payments-api\\n\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/payments-api\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name: "wrapped in quotes",
			snap: fx.Snapshot(fx.Deployment(), role(`"`+fx.Role+`"`)),
			want: []string{`IRSA103 fail ServiceAccount payments/api: eks.amazonaws.com/role-arn "\"arn:aws:iam::111122223333:role/payments-api\"" is not a valid IAM role ARN: it is wrapped in double quotes` + invalidTail},
		},
		{
			name:    "assumed-role session ARN: no fix command",
			snap:    fx.Snapshot(fx.Deployment(), role("arn:aws:sts::111122223333:assumed-role/payments-api/botocore-session-1700000000")),
			details: true,
			want: []string{
				`IRSA103 fail ServiceAccount payments/api: eks.amazonaws.com/role-arn "arn:aws:sts::111122223333:assumed-role/payments-api/botocore-session-1700000000" is not a valid IAM role ARN: it is an STS assumed-role session ARN (what get-caller-identity prints), not a role ARN; the role's ARN is arn:aws:iam::111122223333:role/payments-api, with the role's path if it has one` + invalidTail +
					"\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: \"arn:aws:sts::111122223333:assumed-role/payments-api/botocore-session-1700000000\"" +
					"\n  evidence: bundle deployments.json: affects Deployment payments/api",
			},
		},
		{
			name: "eleven-digit account",
			snap: fx.Snapshot(fx.Deployment(), role("arn:aws:iam::11112222333:role/payments-api")),
			want: []string{`IRSA103 fail ServiceAccount payments/api: eks.amazonaws.com/role-arn "arn:aws:iam::11112222333:role/payments-api" is not a valid IAM role ARN: the account ID "11112222333" has 11 digits; an AWS account ID has exactly 12` + invalidTail},
		},
		{
			name:    "empty: the webhook does not mutate",
			snap:    fx.Snapshot(fx.Deployment(), role("")),
			details: true,
			want: []string{
				"IRSA103 fail ServiceAccount payments/api: eks.amazonaws.com/role-arn is empty: the webhook mutates pods only when the value is non-empty, so pods of this ServiceAccount get no role\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: \"\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: # kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/role-arn=arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME",
			},
		},
		{
			name:    "bare role name, cluster known: a warning",
			snap:    fx.Snapshot(fx.Deployment(), role("payments-api"), withCluster("us-west-2", "arn:aws:eks:us-west-2:444455556666:cluster/prod")),
			details: true,
			want: []string{
				"IRSA103 fail ServiceAccount payments/api: eks.amazonaws.com/role-arn \"payments-api\" is not a valid IAM role ARN: it is a bare role name, not an ARN: the annotation needs the role's full ARN, arn:PARTITION:iam::ACCOUNT:role/NAME; only a webhook run with --compose-role-arn completes a bare name (with the node's account), otherwise it is injected as is and STS rejects it\n  severity: warning\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/api: eks.amazonaws.com/role-arn: \"payments-api\"\n  evidence: bundle deployments.json: affects Deployment payments/api\n  fix: kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/role-arn=arn:aws:iam::444455556666:role/payments-api\n  fix: kubectl rollout restart deployment/api -n payments",
			},
		},
		{
			name: "bare role name, cluster unknown",
			snap: fx.Snapshot(fx.Deployment(), role("payments-api")),
			want: []string{`IRSA103 fail ServiceAccount payments/api: eks.amazonaws.com/role-arn "payments-api" is not a valid IAM role ARN: it is a bare role name, not an ARN: the annotation needs the role's full ARN, arn:PARTITION:iam::ACCOUNT:role/NAME; only a webhook run with --compose-role-arn completes a bare name (with the node's account), otherwise it is injected as is and STS rejects it`},
		},
		{
			name: "no annotation: blocked by IRSA102",
			snap: fx.Snapshot(fx.Deployment(), func(s *snapshot.Snapshot) {
				s.ServiceAccounts[snapshot.Key(fx.NS, "api")] = fx.SA("api", "eks.amazon.com/role-arn", fx.Role)
			}),
			want: []string{"IRSA103 skipped ServiceAccount payments/api: blocked by IRSA102"},
		},
		{
			name: "ServiceAccount not in the input",
			snap: fx.Snapshot(fx.Deployment(func(w *snapshot.Workload) {
				w.Template.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: fx.Role}}
			}), func(s *snapshot.Snapshot) { s.Listings = nil; delete(s.ServiceAccounts, snapshot.Key(fx.NS, "api")) }),
			want: []string{"IRSA103 skipped ServiceAccount payments/api: ServiceAccount payments/api is not in the input (capture: kubectl get serviceaccount api -n payments -o json)"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxOnly(fxRun(t, tt.snap, model.Selector{}, tt.details, irsa102, irsa103), "IRSA103")
			fxAssert(t, got, tt.want)
		})
	}
}

func TestIRSA103NothingWithoutAnnotation(t *testing.T) {
	// IRSA102 passes on a hand-made setup; IRSA103 has nothing to validate.
	s := fx.Snapshot(func(s *snapshot.Snapshot) { s.ServiceAccounts[snapshot.Key(fx.NS, "api")] = fx.SA("api") },
		fx.BarePod("worker", fx.Mutated))
	got := fxOnly(fxRun(t, s, model.Selector{}, false, irsa102, irsa103), "IRSA103")
	fxAssert(t, got, nil)
}

func TestIRSA103Remedy(t *testing.T) {
	tests := []struct{ name, value, want string }{
		{
			name:  "assumed role: look up the role it names",
			value: "arn:aws:sts::111122223333:assumed-role/payments-api/botocore-session-1700000000",
			want: "Find the role's ARN (`aws iam get-role --role-name payments-api --query Role.Arn --output text`) and overwrite the annotation:\n\n" +
				"    kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/role-arn=arn:aws:iam::ACCOUNT_ID:role/ROLE_NAME\n\nthen re-create the pods.",
		},
		{
			name:  "unambiguous correction",
			value: " " + fx.Role,
			want: "Overwrite the annotation with the corrected value \"arn:aws:iam::111122223333:role/payments-api\":\n\n" +
				"    kubectl annotate serviceaccount api -n payments --overwrite eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/payments-api\n\n" +
				"Pods created with the bad value keep it: re-create them (`kubectl rollout restart deployment/api -n payments`).",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := fx.Snapshot(fx.Deployment(), func(s *snapshot.Snapshot) {
				s.ServiceAccounts[snapshot.Key(fx.NS, "api")] = fx.SA("api", webhook.AnnotationRoleARN, tt.value)
			})
			out := Run(s, Options{Checks: []*Check{irsa103}, Now: fx.Now})
			if len(out.Findings) != 1 {
				t.Fatalf("findings: %+v", out.Findings)
			}
			if got := out.Findings[0].Remediation; got != tt.want {
				t.Errorf("remediation:\n%s\nwant:\n%s", got, tt.want)
			}
		})
	}
}
