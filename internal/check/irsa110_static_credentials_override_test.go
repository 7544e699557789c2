package check

import (
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA110(t *testing.T) {
	fromSecret := func(name, secret, key string) snapshot.EnvVar {
		return snapshot.EnvVar{Name: name, ValueFrom: &snapshot.EnvVarSource{SecretKeyRef: &snapshot.KeySelector{Name: secret, Key: key}}}
	}
	yes, no := true, false
	optionalSecret := func(name, secret, key string) snapshot.EnvVar {
		return snapshot.EnvVar{Name: name, ValueFrom: &snapshot.EnvVarSource{SecretKeyRef: &snapshot.KeySelector{Name: secret, Key: key, Optional: &yes}}}
	}
	env := func(vars ...snapshot.EnvVar) func(*snapshot.Workload) {
		return func(w *snapshot.Workload) { w.Template.Spec.Containers[0].Env = vars }
	}
	envFrom := func(srcs ...snapshot.EnvFromSource) func(*snapshot.Workload) {
		return func(w *snapshot.Workload) { w.Template.Spec.Containers[0].EnvFrom = srcs }
	}
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		details bool
		want    []string
	}{
		{
			name: "no keys",
			snap: fx.Snapshot(fx.Deployment()),
			want: []string{"IRSA110 pass Deployment payments/api container app: no static AWS keys in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"},
		},
		{
			name:    "both keys from a Secret",
			snap:    fx.Snapshot(fx.Deployment(env(fromSecret("AWS_ACCESS_KEY_ID", "legacy-aws", "access_key_id"), fromSecret("AWS_SECRET_ACCESS_KEY", "legacy-aws", "secret_access_key")))),
			details: true,
			want: []string{
				`IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY_ID (from Secret "legacy-aws" key "access_key_id") and AWS_SECRET_ACCESS_KEY (from Secret "legacy-aws" key "secret_access_key") are set: every AWS SDK's default chain uses these static keys before web identity, so the container never uses the IAM role` +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ACCESS_KEY_ID from Secret \"legacy-aws\" key \"access_key_id\"" +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_SECRET_ACCESS_KEY from Secret \"legacy-aws\" key \"secret_access_key\"" +
					"\n  fix: kubectl set env deployment/api -n payments -c app AWS_ACCESS_KEY_ID- AWS_SECRET_ACCESS_KEY-",
			},
		},
		{
			name:    "literal keys: the values are never printed",
			snap:    fx.Snapshot(fx.Deployment(env(snapshot.EnvVar{Name: "AWS_ACCESS_KEY_ID", Value: "AKIAIOSFODNN7EXAMPLE"}, snapshot.EnvVar{Name: "AWS_SECRET_ACCESS_KEY", Value: "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"}))),
			details: true,
			want: []string{
				`IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY_ID (a literal value in the manifest) and AWS_SECRET_ACCESS_KEY (a literal value in the manifest) are set: every AWS SDK's default chain uses these static keys before web identity, so the container never uses the IAM role` +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ACCESS_KEY_ID a literal value in the manifest" +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_SECRET_ACCESS_KEY a literal value in the manifest" +
					"\n  fix: kubectl set env deployment/api -n payments -c app AWS_ACCESS_KEY_ID- AWS_SECRET_ACCESS_KEY-",
			},
		},
		{
			name: "empty literals count as unset",
			snap: fx.Snapshot(fx.Deployment(env(snapshot.EnvVar{Name: "AWS_ACCESS_KEY_ID"}, snapshot.EnvVar{Name: "AWS_SECRET_ACCESS_KEY", Value: ""}))),
			want: []string{"IRSA110 pass Deployment payments/api container app: no static AWS keys in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY)"},
		},
		{
			name:    "access key ID alone: botocore stops",
			snap:    fx.Snapshot(fx.Deployment(env(fromSecret("AWS_ACCESS_KEY_ID", "legacy-aws", "id")))),
			details: true,
			want: []string{
				`IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY_ID (from Secret "legacy-aws" key "id") is set without AWS_SECRET_ACCESS_KEY: botocore (boto3, the AWS CLI) stops with PartialCredentialsError instead of using web identity; the other SDKs ignore it` +
					"\n  severity: warning" +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ACCESS_KEY_ID from Secret \"legacy-aws\" key \"id\"" +
					"\n  fix: kubectl set env deployment/api -n payments -c app AWS_ACCESS_KEY_ID-",
			},
		},
		{
			name: "secret alone is ignored",
			snap: fx.Snapshot(fx.Deployment(env(fromSecret("AWS_SECRET_ACCESS_KEY", "legacy-aws", "secret")))),
			want: []string{"IRSA110 pass Deployment payments/api container app: AWS_SECRET_ACCESS_KEY is set, but without an access key ID no SDK uses it"},
		},
		{
			name: "Go SDK v2 alternate names",
			snap: fx.Snapshot(fx.Deployment(env(fromSecret("AWS_ACCESS_KEY", "legacy-aws", "id"), fromSecret("AWS_SECRET_KEY", "legacy-aws", "secret")))),
			want: []string{`IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY (from Secret "legacy-aws" key "id") and AWS_SECRET_KEY (from Secret "legacy-aws" key "secret") are set: the Go SDK v2 uses them as static keys before web identity, so a Go program never uses the IAM role`},
		},
		{
			name:    "envFrom whose name suggests AWS keys",
			snap:    fx.Snapshot(fx.Deployment(envFrom(snapshot.EnvFromSource{SecretRef: &snapshot.NameRef{Name: "payments-aws-credentials"}}, snapshot.EnvFromSource{ConfigMapRef: &snapshot.NameRef{Name: "payments-config"}}))),
			details: true,
			want: []string{
				"IRSA110 fail Deployment payments/api container app: envFrom Secret \"payments-aws-credentials\" possibly sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the tool does not read Secrets or ConfigMaps; the name suggests AWS credentials): if it does, every AWS SDK uses those static keys before web identity\n  severity: warning\n  evidence: bundle deployments.json: Deployment payments/api container app: envFrom Secret \"payments-aws-credentials\"\n  fix: kubectl get secret payments-aws-credentials -n payments -o 'go-template={{range $k, $v := .data}}{{$k}}{{\"\\n\"}}{{end}}'",
			},
		},
		{
			name: "envFrom with an AWS_ prefix",
			snap: fx.Snapshot(fx.Deployment(envFrom(snapshot.EnvFromSource{Prefix: "AWS_", SecretRef: &snapshot.NameRef{Name: "vault-export"}}))),
			want: []string{`IRSA110 fail Deployment payments/api container app: envFrom Secret "vault-export" (prefix "AWS_") possibly sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the tool does not read Secrets or ConfigMaps; the name suggests AWS credentials): if it does, every AWS SDK uses those static keys before web identity`},
		},
		{
			name: "ordinary envFrom is not reported",
			snap: fx.Snapshot(fx.Deployment(envFrom(snapshot.EnvFromSource{ConfigMapRef: &snapshot.NameRef{Name: "payments-config"}}, snapshot.EnvFromSource{SecretRef: &snapshot.NameRef{Name: "postgres-password"}},
				snapshot.EnvFromSource{Prefix: "DB_", SecretRef: &snapshot.NameRef{Name: "aws-rds-credentials"}}))),
			want: []string{`IRSA110 pass Deployment payments/api container app: no static AWS keys in the environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY); envFrom ConfigMap "payments-config", Secret "postgres-password", Secret "aws-rds-credentials" (prefix "DB_") not read: nothing in its name suggests AWS credentials`},
		},
		{
			// The EBS CSI driver add-on (aws-ebs-csi-driver chart,
			// controller.yaml) ships exactly this for clusters without IRSA.
			name:    "both keys from an optional Secret: possibly set, information only",
			snap:    fx.Snapshot(fx.Deployment(env(optionalSecret("AWS_ACCESS_KEY_ID", "aws-secret", "key_id"), optionalSecret("AWS_SECRET_ACCESS_KEY", "aws-secret", "access_key")))),
			details: true,
			want: []string{
				"IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY_ID (from Secret \"aws-secret\" key \"key_id\", optional) and AWS_SECRET_ACCESS_KEY (from Secret \"aws-secret\" key \"access_key\", optional) are possibly set: the kubelet leaves a variable from an optional reference unset when the Secret (or ConfigMap) or the key does not exist, and the tool does not read Secrets; if they are set, every AWS SDK's default chain uses these static keys before web identity, so the container never uses the IAM role\n  severity: info\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ACCESS_KEY_ID from Secret \"aws-secret\" key \"key_id\", optional\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_SECRET_ACCESS_KEY from Secret \"aws-secret\" key \"access_key\", optional\n  fix: kubectl get secret aws-secret -n payments -o 'go-template={{range $k, $v := .data}}{{$k}}{{\"\\n\"}}{{end}}'",
			},
		},
		{
			name: "one key optional, from a ConfigMap: possibly set",
			snap: fx.Snapshot(fx.Deployment(env(fromSecret("AWS_ACCESS_KEY_ID", "legacy-aws", "id"),
				snapshot.EnvVar{Name: "AWS_SECRET_ACCESS_KEY", ValueFrom: &snapshot.EnvVarSource{ConfigMapKeyRef: &snapshot.KeySelector{Name: "aws-config", Key: "secret", Optional: &yes}}}))),
			details: true,
			want: []string{
				"IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY_ID (from Secret \"legacy-aws\" key \"id\") and AWS_SECRET_ACCESS_KEY (from ConfigMap \"aws-config\" key \"secret\", optional) are possibly set: the kubelet leaves a variable from an optional reference unset when the Secret (or ConfigMap) or the key does not exist, and the tool does not read Secrets; if they are set, every AWS SDK's default chain uses these static keys before web identity, so the container never uses the IAM role\n  severity: info\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ACCESS_KEY_ID from Secret \"legacy-aws\" key \"id\"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_SECRET_ACCESS_KEY from ConfigMap \"aws-config\" key \"secret\", optional\n  fix: kubectl get configmap aws-config -n payments -o 'go-template={{range $k, $v := .data}}{{$k}}{{\"\\n\"}}{{end}}'",
			},
		},
		{
			name: "optional: false is required: the keys are set",
			snap: fx.Snapshot(fx.Deployment(env(
				snapshot.EnvVar{Name: "AWS_ACCESS_KEY_ID", ValueFrom: &snapshot.EnvVarSource{SecretKeyRef: &snapshot.KeySelector{Name: "legacy-aws", Key: "id", Optional: &no}}},
				fromSecret("AWS_SECRET_ACCESS_KEY", "legacy-aws", "secret")))),
			want: []string{`IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY_ID (from Secret "legacy-aws" key "id") and AWS_SECRET_ACCESS_KEY (from Secret "legacy-aws" key "secret") are set: every AWS SDK's default chain uses these static keys before web identity, so the container never uses the IAM role`},
		},
		{
			name: "an optional reference that does not matter: the literal pair decides",
			snap: fx.Snapshot(fx.Deployment(env(snapshot.EnvVar{Name: "AWS_ACCESS_KEY_ID", Value: "AKIAIOSFODNN7EXAMPLE"}, snapshot.EnvVar{Name: "AWS_SECRET_ACCESS_KEY", Value: "x"},
				optionalSecret("AWS_SECRET_KEY", "aws-secret", "secret")))),
			want: []string{`IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY_ID (a literal value in the manifest) and AWS_SECRET_ACCESS_KEY (a literal value in the manifest) are set: every AWS SDK's default chain uses these static keys before web identity, so the container never uses the IAM role`},
		},
		{
			name: "optional access key ID alone: possibly set",
			snap: fx.Snapshot(fx.Deployment(env(optionalSecret("AWS_ACCESS_KEY_ID", "aws-secret", "key_id")))),
			want: []string{`IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY_ID (from Secret "aws-secret" key "key_id", optional) is possibly set: the kubelet leaves a variable from an optional reference unset when the Secret (or ConfigMap) or the key does not exist, and the tool does not read Secrets; if it is set, without AWS_SECRET_ACCESS_KEY, botocore (boto3, the AWS CLI) stops with PartialCredentialsError instead of using web identity`},
		},
		{
			name: "Go SDK v2 alternate names from an optional Secret: possibly set",
			snap: fx.Snapshot(fx.Deployment(env(optionalSecret("AWS_ACCESS_KEY", "aws-secret", "id"), optionalSecret("AWS_SECRET_KEY", "aws-secret", "secret")))),
			want: []string{`IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY (from Secret "aws-secret" key "id", optional) and AWS_SECRET_KEY (from Secret "aws-secret" key "secret", optional) are possibly set: the kubelet leaves a variable from an optional reference unset when the Secret (or ConfigMap) or the key does not exist, and the tool does not read Secrets; if they are set, the Go SDK v2 uses them as static keys before web identity`},
		},
		{
			name:    "optional envFrom whose name suggests AWS keys: information only",
			snap:    fx.Snapshot(fx.Deployment(envFrom(snapshot.EnvFromSource{SecretRef: &snapshot.NameRef{Name: "payments-aws-credentials", Optional: &yes}}))),
			details: true,
			want: []string{
				"IRSA110 fail Deployment payments/api container app: envFrom Secret \"payments-aws-credentials\" (optional) possibly sets AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY (the tool does not read Secrets or ConfigMaps; the name suggests AWS credentials): if it does, every AWS SDK uses those static keys before web identity; the source is optional, so nothing is set if it does not exist\n  severity: info\n  evidence: bundle deployments.json: Deployment payments/api container app: envFrom Secret \"payments-aws-credentials\" (optional)\n  fix: kubectl get secret payments-aws-credentials -n payments -o 'go-template={{range $k, $v := .data}}{{$k}}{{\"\\n\"}}{{end}}'",
			},
		},
		{
			name: "container excluded by skip-containers keeps its keys",
			snap: fx.Snapshot(fx.Deployment(env(fromSecret("AWS_ACCESS_KEY_ID", "backup-aws", "id"), fromSecret("AWS_SECRET_ACCESS_KEY", "backup-aws", "secret")),
				func(w *snapshot.Workload) {
					w.Template.Annotations = map[string]string{webhook.AnnotationSkipContainers: "app"}
				})),
			want: []string{"IRSA110 pass Deployment payments/api container app: container is excluded from injection by eks.amazonaws.com/skip-containers, so it does not use the IAM role: its own keys are deliberate"},
		},
		{
			name:    "bare pod: no command, the manifest must change",
			details: true,
			snap: fx.Snapshot(fx.BarePod("worker", fx.Mutated, func(p *snapshot.Pod) {
				p.Spec.Containers[0].Env = append([]snapshot.EnvVar{fromSecret("AWS_ACCESS_KEY_ID", "legacy-aws", "id"), fromSecret("AWS_SECRET_ACCESS_KEY", "legacy-aws", "secret")}, p.Spec.Containers[0].Env...)
			})),
			want: []string{
				`IRSA110 fail Pod payments/worker container app: AWS_ACCESS_KEY_ID (from Secret "legacy-aws" key "id") and AWS_SECRET_ACCESS_KEY (from Secret "legacy-aws" key "secret") are set: every AWS SDK's default chain uses these static keys before web identity, so the container never uses the IAM role` +
					"\n  evidence: bundle pods.json: pod payments/worker container app: AWS_ACCESS_KEY_ID from Secret \"legacy-aws\" key \"id\"" +
					"\n  evidence: bundle pods.json: pod payments/worker container app: AWS_SECRET_ACCESS_KEY from Secret \"legacy-aws\" key \"secret\"",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxOnly(fxRun(t, tt.snap, model.Selector{}, tt.details, irsa110), "IRSA110")
			fxAssert(t, got, tt.want)
		})
	}
}

func TestIRSA110PodFoldsIntoWorkload(t *testing.T) {
	key := []snapshot.EnvVar{{Name: "AWS_ACCESS_KEY_ID", Value: "AKIAIOSFODNN7EXAMPLE"}, {Name: "AWS_SECRET_ACCESS_KEY", Value: "x"}}
	s := fx.Snapshot(
		fx.Deployment(func(w *snapshot.Workload) { w.Template.Spec.Containers[0].Env = key }),
		fx.OwnedPod(func(p *snapshot.Pod) { p.Spec.Containers[0].Env = append([]snapshot.EnvVar{}, key...); fx.Mutated(p) }))
	got := fxOnly(fxRun(t, s, model.Selector{}, true, irsa110), "IRSA110")
	fxAssert(t, got, []string{
		`IRSA110 fail Deployment payments/api container app: AWS_ACCESS_KEY_ID (a literal value in the manifest) and AWS_SECRET_ACCESS_KEY (a literal value in the manifest) are set: every AWS SDK's default chain uses these static keys before web identity, so the container never uses the IAM role` +
			"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ACCESS_KEY_ID a literal value in the manifest" +
			"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_SECRET_ACCESS_KEY a literal value in the manifest" +
			"\n  evidence: bundle pods.json: pod payments/api-7d9f8b6c5-x2k4p has the same finding" +
			"\n  fix: kubectl set env deployment/api -n payments -c app AWS_ACCESS_KEY_ID- AWS_SECRET_ACCESS_KEY-",
	})
}

func TestCredentialLike(t *testing.T) {
	for name, want := range map[string]bool{
		"aws-credentials": true, "payments-aws-credentials": true, "aws": false, "AWS_SECRET": true, "s3-keys": true,
		"iam-user-secret": true, "access-keys": true, "accesskey": true, "postgres-password": false, "app-config": false,
		"awsome-secret": false, "laws-secret": false, "amazon-s3-creds": true, "vault-export": false,
	} {
		if got := credentialLike(name); got != want {
			t.Errorf("credentialLike(%q) = %v, want %v", name, got, want)
		}
	}
}

// TestIRSA110RemedyQuotesNames: a name from the input is shown in the
// remediation as a Markdown code span that holds it exactly, even when it
// contains backticks (it would otherwise close the span and show another
// value).
func TestIRSA110RemedyQuotesNames(t *testing.T) {
	s := fx.Snapshot(fx.Deployment(func(w *snapshot.Workload) {
		w.Template.Spec.Containers[0].Name = "app`x"
		w.Template.Spec.Containers[0].Env = []snapshot.EnvVar{fx.Lit("AWS_ACCESS_KEY_ID", "AKIAIOSFODNN7EXAMPLE"), fx.Lit("AWS_SECRET_ACCESS_KEY", "x")}
	}))
	out := Run(s, Options{Checks: []*Check{irsa110}, Now: fx.Now})
	var rem string
	for _, f := range out.Findings {
		if f.Status == finding.StatusFail {
			rem = f.Remediation
		}
	}
	if want := "from container ``app`x`` and give"; !strings.Contains(rem, want) {
		t.Errorf("remediation lacks %q:\n%s", want, rem)
	}
}
