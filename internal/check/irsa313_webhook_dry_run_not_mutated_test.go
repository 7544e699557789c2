package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// prDryRun adds the dry run of Deployment payments/api's template.
func prDryRun(d snapshot.DryRunResult) func(*snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		d.Kind, d.Namespace, d.Name, d.Source = "Deployment", "payments", "api", prDrySrc
		s.DryRuns = append(s.DryRuns, &d)
	}
}

var (
	prMutatedDryRun = snapshot.DryRunResult{Mutated: true,
		Containers: []snapshot.DryRunContainer{{Name: "app", Env: []string{webhook.EnvRoleARN, webhook.EnvTokenFile},
			Mounts: []string{webhook.VolumeName, "kube-api-access-7hx2q"}}},
		Volumes: []string{webhook.VolumeName, "kube-api-access-7hx2q"}}
	prPlainDryRun = snapshot.DryRunResult{
		Containers: []snapshot.DryRunContainer{{Name: "app", Mounts: []string{"kube-api-access-7hx2q"}}},
		Volumes:    []string{"kube-api-access-7hx2q"}}
)

func TestIRSA313(t *testing.T) {
	const (
		predicted  = `AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app"; the aws-iam-token volume`
		saEvidence = "\n  evidence: kube list serviceaccounts -n payments: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: " + prRole
		wouldEv    = "\n  evidence: kube list deployments -n payments: the webhook would inject: " + predicted
		hookEv     = "\n  evidence: kube list mutatingwebhookconfigurations: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Ignore: when a call fails, the API server admits the pod unmutated and reports nothing"
		podEv      = "\n  evidence: kube list pods -n payments: pod payments/" + prPod + " has the same finding"
		dryEv      = "\n  evidence: kube create pod --dry-run=server -n payments (template of Deployment api): the dry-run create of a pod from the pod template of Deployment payments/api"
	)
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		extra []*Check
		want  []string
	}{
		{name: "no dry run"},
		{
			name: "mutated as predicted",
			mods: []func(*snapshot.Snapshot){prDryRun(prMutatedDryRun)},
			want: []string{"IRSA313 pass Deployment payments/api: a dry-run pod of the template came back mutated as predicted: " + predicted +
				saEvidence + wouldEv +
				dryEv + " returned: container app: env [AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE], mounts [aws-iam-token, kube-api-access-7hx2q]; volumes [aws-iam-token, kube-api-access-7hx2q]" +
				podEv},
		},
		{
			name: "webhook down under failurePolicy Ignore",
			mods: []func(*snapshot.Snapshot){prDryRun(prPlainDryRun)},
			want: []string{`IRSA313 fail Deployment payments/api: a dry-run pod of the template came back without AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app", the aws-iam-token volume, ` +
				`although ServiceAccount "s3-reader" names role ` + prRole + ": the pod identity webhook is not mutating pods now (it is down or unreachable and its failurePolicy admits pods unmutated, " +
				"or its configuration no longer matches them), so pods created from now on run without IRSA credentials" +
				saEvidence + wouldEv +
				dryEv + " returned: container app: env [], mounts [kube-api-access-7hx2q]; volumes [kube-api-access-7hx2q]" +
				hookEv + podEv},
		},
		{
			name: "mutated in part",
			mods: []func(*snapshot.Snapshot){prDryRun(snapshot.DryRunResult{Mutated: true,
				Containers: []snapshot.DryRunContainer{{Name: "app", Env: []string{webhook.EnvRoleARN}, Mounts: []string{"kube-api-access-7hx2q"}}},
				Volumes:    []string{webhook.VolumeName, "kube-api-access-7hx2q"}})},
			want: []string{`IRSA313 fail Deployment payments/api: a dry-run pod of the template came back without AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app", ` +
				`although ServiceAccount "s3-reader" names role ` + prRole + ": the webhook mutated it only in part, not as predicted, so pods created from now on lack these pieces"},
		},
		{
			name: "webhook down under failurePolicy Fail",
			mods: []func(*snapshot.Snapshot){prDryRun(snapshot.DryRunResult{Error: `Internal error occurred: failed calling webhook "iam-for-pods.amazonaws.com": failed to call webhook: ` +
				`Post "https://127.0.0.1:40123/mutate?timeout=10s": dial tcp 127.0.0.1:40123: connect: connection refused`}), func(s *snapshot.Snapshot) {
				s.Webhooks[0].Webhooks[0].FailurePolicy = "Fail"
			}},
			want: []string{`IRSA313 fail Deployment payments/api: the API server refused a dry-run pod of the template because its call to the pod identity webhook failed: ` +
				`pods of the workload cannot be created now (ServiceAccount "s3-reader" names role ` + prRole + ")" +
				saEvidence + wouldEv +
				dryEv + ` was refused: Internal error occurred: failed calling webhook "iam-for-pods.amazonaws.com": failed to call webhook: Post "https://127.0.0.1:40123/mutate?timeout=10s": dial tcp 127.0.0.1:40123: connect: connection refused` +
				"\n  evidence: kube list mutatingwebhookconfigurations: webhook iam-for-pods.amazonaws.com of MutatingWebhookConfiguration pod-identity-webhook has failurePolicy Fail: while calls fail, pod creation is refused with \"failed calling webhook\"" +
				podEv},
		},
		{
			name: "refused by another admission plugin",
			mods: []func(*snapshot.Snapshot){prDryRun(snapshot.DryRunResult{Error: `pods "api-" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=20, limited: pods=20`})},
			want: []string{`IRSA313 skipped Deployment payments/api: the API server refused the dry-run pod, so the webhook's work cannot be seen: pods "api-" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=20, limited: pods=20`},
		},
		{
			name: "dry run not allowed",
			mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
				s.Gaps = append(s.Gaps, snapshot.Gap{Source: "kube", Operation: snapshot.GapDryRun, Resource: snapshot.ProbeNamespaceResource("payments"),
					Reason: `Forbidden: pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "payments" (grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-probe)`})
			}},
			want: []string{`IRSA313 skipped Deployment payments/api: the probe could not get an answer: create pods (dry run) namespace payments: Forbidden: pods is forbidden: User "alice" cannot create resource "pods" in API group "" in the namespace "payments" (grant it with deploy/rbac.yaml's ClusterRole irsa-doctor-probe)`},
		},
		{
			// The objectSelector keeps the webhook away: nothing to expect.
			name: "skip label",
			mods: []func(*snapshot.Snapshot){prDryRun(prPlainDryRun), func(s *snapshot.Snapshot) {
				s.Workloads[0].Template.Labels[webhook.LabelSkip] = "true"
				s.Webhooks[0].Webhooks[0].ObjectSelector = &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{{Key: webhook.LabelSkip, Operator: "DoesNotExist"}}}
			}},
		},
		{
			// The template sets both variables and the mount itself, and
			// declares the volume: the webhook has nothing to add.
			name: "nothing to inject",
			mods: []func(*snapshot.Snapshot){prDryRun(prPlainDryRun), func(s *snapshot.Snapshot) {
				spec := &s.Workloads[0].Template.Spec
				spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: prRole}, {Name: webhook.EnvTokenFile, Value: webhook.TokenPath},
					{Name: webhook.EnvRegion, Value: "us-west-2"}, {Name: webhook.EnvSTSRegional, Value: "regional"}}
				spec.Containers[0].VolumeMounts = []snapshot.VolumeMount{{Name: webhook.VolumeName, MountPath: webhook.MountPath}}
				spec.Volumes = []snapshot.Volume{{Name: webhook.VolumeName}}
			}},
		},
		{
			// IRSA111's skip-containers: the skipped container is not
			// expected to change; the others are.
			name: "skipped container",
			mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
				tpl := &s.Workloads[0].Template
				tpl.Annotations = map[string]string{webhook.AnnotationSkipContainers: "proxy"}
				tpl.Spec.Containers = append(tpl.Spec.Containers, snapshot.Container{Name: "proxy", Image: "envoy:1"})
				d := prMutatedDryRun
				d.Containers = append(append([]snapshot.DryRunContainer(nil), d.Containers...), snapshot.DryRunContainer{Name: "proxy", Mounts: []string{"kube-api-access-7hx2q"}})
				prDryRun(d)(s)
			}},
			want: []string{"IRSA313 pass Deployment payments/api: a dry-run pod of the template came back mutated as predicted: " + predicted},
		},
		{
			name:  "blocked by the webhook configuration",
			mods:  []func(*snapshot.Snapshot){prDryRun(prPlainDryRun)},
			extra: []*Check{prFake("IRSA108", finding.StatusFail, finding.SeverityError, "namespace not selected")},
			want:  []string{"IRSA313 skipped Deployment payments/api: blocked by IRSA108"},
		},
		{
			// A pod named alone is judged by its owner's dry run.
			name: "pod without its workload as target",
			mods: []func(*snapshot.Snapshot){prDryRun(prPlainDryRun)},
			want: []string{`IRSA313 fail Pod payments/` + prPod + `: a dry-run pod of the template came back without AWS_ROLE_ARN, AWS_WEB_IDENTITY_TOKEN_FILE, the aws-iam-token mount in container "app", the aws-iam-token volume, ` +
				`although ServiceAccount "s3-reader" names role ` + prRole + ": the pod identity webhook is not mutating pods now (it is down or unreachable and its failurePolicy admits pods unmutated, " +
				"or its configuration no longer matches them), so pods created from now on run without IRSA credentials"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := prSnapshot(tt.mods...)
			checks := append([]*Check{irsa313}, tt.extra...)
			var got []string
			if tt.name == "pod without its workload as target" {
				out := Run(s, Options{Checks: checks, Now: prNow, Selector: model.Selector{Pods: []model.NamespacedName{{Namespace: "payments", Name: prPod}}}})
				for _, f := range out.Findings {
					got = append(got, string(f.CheckID)+" "+string(f.Status)+" "+f.Subject.String()+": "+f.Message)
				}
			} else {
				for _, b := range prRun(t, s, checks...) {
					if b[:8] == "IRSA313 " {
						got = append(got, b)
					}
				}
			}
			if !containsNewline(tt.want) {
				got = prHeads(got, "IRSA313")
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("findings (-want +got):\n%s", diff)
			}
		})
	}
}
