package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA109(t *testing.T) {
	envs := func(kv ...string) []snapshot.EnvVar {
		var out []snapshot.EnvVar
		for i := 0; i+1 < len(kv); i += 2 {
			out = append(out, snapshot.EnvVar{Name: kv[i], Value: kv[i+1]})
		}
		return out
	}
	// tmpl deploys a Deployment whose app container has env and mounts.
	tmpl := func(env []snapshot.EnvVar, mods ...func(*snapshot.Workload)) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.Workloads = []*snapshot.Workload{whDeployment(func(w *snapshot.Workload) {
				w.Template.Spec.Containers[0].Env = env
				for _, m := range mods {
					m(w)
				}
			})}
		}
	}
	exp := int64(3600)
	ownVolume := func(subPath string) func(*snapshot.Workload) {
		return func(w *snapshot.Workload) {
			w.Template.Spec.Volumes = []snapshot.Volume{{Name: "web-identity", Projected: &snapshot.ProjectedVolume{Sources: []snapshot.VolumeProjection{
				{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: "sts.amazonaws.com", ExpirationSeconds: &exp, Path: "token"}}}}}}
			m := snapshot.VolumeMount{Name: "web-identity", MountPath: "/var/run/secrets/custom", ReadOnly: true}
			if subPath != "" {
				m = snapshot.VolumeMount{Name: "web-identity", MountPath: "/var/run/secrets/custom/token", SubPath: subPath, ReadOnly: true}
			}
			w.Template.Spec.Containers[0].VolumeMounts = []snapshot.VolumeMount{m}
		}
	}
	custom := "/var/run/secrets/custom/token"
	tests := []struct {
		name  string
		snap  func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "AWS_ROLE_ARN alone",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: AWS_ROLE_ARN is set in the manifest without AWS_WEB_IDENTITY_TOKEN_FILE, and the webhook injects neither variable when one is already set: the SDK skips web identity and falls back to the node's role (IMDS)\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ROLE_ARN=\"arn:aws:iam::111122223333:role/s3-reader\", AWS_WEB_IDENTITY_TOKEN_FILE unset (set in the pod template)\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle deployments.json: webhook: AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE is already set, so neither is injected\n  fix: kubectl set env deployment/api -n payments -c app AWS_ROLE_ARN-",
			}, snap: tmpl(envs(webhook.EnvRoleARN, whRole))},
		{name: "AWS_ROLE_ARN alone, ServiceAccount without a role",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: AWS_ROLE_ARN is set in the manifest without AWS_WEB_IDENTITY_TOKEN_FILE, and the webhook injects neither variable when one is already set: the SDK skips web identity and falls back to the node's role (IMDS)\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ROLE_ARN=\"arn:aws:iam::111122223333:role/s3-reader\", AWS_WEB_IDENTITY_TOKEN_FILE unset (set in the pod template)\n  fix: kubectl set env deployment/api -n payments -c app AWS_ROLE_ARN-\n  fix: kubectl annotate serviceaccount default -n payments eks.amazonaws.com/role-arn=arn:aws:iam::111122223333:role/s3-reader",
			}, snap: tmpl(envs(webhook.EnvRoleARN, whRole), func(w *snapshot.Workload) {
				w.Template.Spec.ServiceAccountName = "default"
			})},
		{name: "token file alone",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: AWS_WEB_IDENTITY_TOKEN_FILE is set in the manifest without AWS_ROLE_ARN, and the webhook injects neither variable when one is already set: the SDK's web identity provider fails for lack of a role ARN",
			}, snap: tmpl(envs(webhook.EnvTokenFile, webhook.TokenPath)), heads: true},
		{name: "empty token file",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: AWS_WEB_IDENTITY_TOKEN_FILE is set to an empty value in the manifest, so the webhook injects neither variable, and the SDK treats an empty value as unset: it skips web identity and falls back to the node's role (IMDS)",
			}, snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, "")), heads: true},
		{name: "both, webhook path: the webhook adds the mount",
			want: []string{
				"IRSA109 pass Deployment payments/api container app: AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader\" and AWS_WEB_IDENTITY_TOKEN_FILE \"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" are set in the manifest and complete: the file is the serviceAccountToken of projected volume \"aws-iam-token\"\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ROLE_ARN=\"arn:aws:iam::111122223333:role/s3-reader\", AWS_WEB_IDENTITY_TOKEN_FILE=\"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" (set in the pod template)\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle deployments.json: webhook: AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE is already set, so neither is injected\n  evidence: bundle deployments.json: volume aws-iam-token mounted at /var/run/secrets/eks.amazonaws.com/serviceaccount: serviceAccountToken path token, audience \"sts.amazonaws.com\", expirationSeconds 86400",
			}, snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, webhook.TokenPath))},
		{
			name: "both plus region and regional STS: the webhook adds no mount",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: AWS_WEB_IDENTITY_TOKEN_FILE \"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" is set in the manifest, but no volume is mounted at that path in the container: the token file does not exist and web identity fails\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ROLE_ARN=\"arn:aws:iam::111122223333:role/s3-reader\", AWS_WEB_IDENTITY_TOKEN_FILE=\"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" (set in the pod template)\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle deployments.json: webhook: the container already sets the credential, region and AWS_STS_REGIONAL_ENDPOINTS variables, so the webhook leaves it unchanged, without the token mount\n  fix: kubectl set env deployment/api -n payments -c app AWS_ROLE_ARN- AWS_WEB_IDENTITY_TOKEN_FILE-",
			},
			snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, webhook.TokenPath, webhook.EnvRegion, "us-west-2", webhook.EnvSTSRegional, "regional")),
		},
		{name: "own projected volume",
			want: []string{
				"IRSA109 pass Deployment payments/api container app: AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader\" and AWS_WEB_IDENTITY_TOKEN_FILE \"/var/run/secrets/custom/token\" are set in the manifest and complete: the file is the serviceAccountToken of projected volume \"web-identity\"",
			}, snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, custom), ownVolume("")), heads: true},
		{name: "own projected volume mounted with subPath",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: the token file \"/var/run/secrets/custom/token\" is mounted with subPath \"token\", and the kubelet never updates subPath mounts: the file keeps the first token, which expires",
			}, snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, custom), ownVolume("token")), heads: true},
		{name: "own projected volume, wrong file name",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: AWS_WEB_IDENTITY_TOKEN_FILE \"/var/run/secrets/custom/jwt\" is in projected volume \"web-identity\", which has no serviceAccountToken at path \"jwt\": the token file does not exist and web identity fails",
			}, snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, "/var/run/secrets/custom/jwt"), ownVolume("")), heads: true},
		{name: "role differs from the annotation",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader-old\" is set in the manifest and differs from the eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\" of ServiceAccount \"s3-reader\": the webhook does not override it, so the container assumes \"arn:aws:iam::111122223333:role/s3-reader-old\" and the annotation has no effect\n  evidence: bundle deployments.json: Deployment payments/api container app: AWS_ROLE_ARN=\"arn:aws:iam::111122223333:role/s3-reader-old\", AWS_WEB_IDENTITY_TOKEN_FILE=\"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" (set in the pod template)\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle deployments.json: webhook: AWS_ROLE_ARN or AWS_WEB_IDENTITY_TOKEN_FILE is already set, so neither is injected\n  evidence: bundle deployments.json: volume aws-iam-token mounted at /var/run/secrets/eks.amazonaws.com/serviceaccount: serviceAccountToken path token, audience \"sts.amazonaws.com\", expirationSeconds 86400\n  fix: kubectl set env deployment/api -n payments -c app AWS_ROLE_ARN- AWS_WEB_IDENTITY_TOKEN_FILE-",
			}, snap: tmpl(envs(webhook.EnvRoleARN, whOldRole, webhook.EnvTokenFile, webhook.TokenPath))},
		{
			name: "role from a Secret",
			want: []string{
				"IRSA109 skipped Deployment payments/api container app: AWS_ROLE_ARN is set from Secret aws key role, so it cannot be compared with the eks.amazonaws.com/role-arn \"arn:aws:iam::111122223333:role/s3-reader\" of ServiceAccount \"s3-reader\"",
			},
			snap: tmpl([]snapshot.EnvVar{{Name: webhook.EnvRoleARN, ValueFrom: &snapshot.EnvVarSource{SecretKeyRef: &snapshot.KeySelector{Name: "aws", Key: "role"}}},
				{Name: webhook.EnvTokenFile, Value: webhook.TokenPath}}),
			heads: true,
		},
		{
			name: "token in a Secret volume",
			want: []string{
				"IRSA109 skipped Deployment payments/api container app: AWS_WEB_IDENTITY_TOKEN_FILE \"/var/run/secrets/custom/token\" is in Secret volume \"web-identity\" (Secret irsa-token): a token copied into a Secret is not refreshed by the kubelet, and its content cannot be seen",
			},
			snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, custom), func(w *snapshot.Workload) {
				w.Template.Spec.Volumes = []snapshot.Volume{{Name: "web-identity", Secret: &snapshot.SecretVolume{SecretName: "irsa-token"}}}
				w.Template.Spec.Containers[0].VolumeMounts = []snapshot.VolumeMount{{Name: "web-identity", MountPath: "/var/run/secrets/custom"}}
			}),
			heads: true,
		},
		{
			name: "unmutated pod relying on the webhook's mount",
			want: []string{
				"IRSA109 fail Pod payments/api-7d9f8b6c5-x2k4p container app: AWS_WEB_IDENTITY_TOKEN_FILE \"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" is set in the manifest, but no volume is mounted at that path in the container: the token file does not exist and web identity fails\n  evidence: bundle pods.json: Pod payments/api-7d9f8b6c5-x2k4p container app: AWS_ROLE_ARN=\"arn:aws:iam::111122223333:role/s3-reader\", AWS_WEB_IDENTITY_TOKEN_FILE=\"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" (no pod template in the input, and it does not have the shape the webhook writes)\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  evidence: bundle pods.json: the pod has no aws-iam-token volume: the webhook did not mutate it, so the mount it adds at /var/run/secrets/eks.amazonaws.com/serviceaccount is missing\n  fix: kubectl rollout restart deployment/api -n payments",
			},
			snap: func(s *snapshot.Snapshot) {
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) {
					p.Spec.Containers[0].Env = envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, webhook.TokenPath)
				})}
			},
		},
		{
			name: "pod and template fold into one finding",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: AWS_ROLE_ARN is set in the manifest without AWS_WEB_IDENTITY_TOKEN_FILE, and the webhook injects neither variable when one is already set: the SDK skips web identity and falls back to the node's role (IMDS)",
			},
			snap: func(s *snapshot.Snapshot) {
				tmpl(envs(webhook.EnvRoleARN, whRole))(s)
				s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", func(p *snapshot.Pod) {
					p.Spec.Containers[0].Env = envs(webhook.EnvRoleARN, whRole)
					whMutated(p)
				})}
			},
			heads: true,
		},
		{
			name: "template whose ServiceAccount is not in the input",
			want: []string{
				"IRSA109 skipped Deployment payments/api container app: AWS_WEB_IDENTITY_TOKEN_FILE \"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" relies on the mount the webhook adds, which depends on ServiceAccount payments/ghost, not in the input (capture: kubectl get serviceaccount ghost -n payments -o json)",
			},
			snap: func(s *snapshot.Snapshot) {
				tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, webhook.TokenPath), func(w *snapshot.Workload) {
					w.Template.Spec.ServiceAccountName = "ghost"
				})(s)
				s.Listings = s.Listings[1:]
			},
			heads: true,
		},
		{
			name: "injected values are not judged",
			want: nil,
			snap: func(s *snapshot.Snapshot) { s.Pods = []*snapshot.Pod{whPod("api-7d9f8b6c5-x2k4p", whMutated)} },
		},
		{
			name: "windows pod with hand-written Windows path",
			want: []string{
				"IRSA109 pass Deployment payments/api container app: AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader\" and AWS_WEB_IDENTITY_TOKEN_FILE \"C:\\\\var\\\\run\\\\secrets\\\\eks.amazonaws.com\\\\serviceaccount\\\\token\" are set in the manifest and complete: the file is the serviceAccountToken of projected volume \"aws-iam-token\"",
			},
			snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, webhook.WindowsTokenPath), func(w *snapshot.Workload) {
				w.Template.Spec.NodeSelector = map[string]string{"kubernetes.io/os": "windows"}
			}),
			heads: true,
		},
		{
			// 27-handwritten-volume-name-clash (webhook#159): the webhook
			// looks for its mount by name only.
			name: "hand-written token volume under another name at the webhook's path: pods rejected",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: the webhook adds its aws-iam-token mount at \"/var/run/secrets/eks.amazonaws.com/serviceaccount\", where the container already mounts volume \"aws-token\" (the webhook looks for its mount by name only): the API server rejects every new pod with `spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/var/run/secrets/eks.amazonaws.com/serviceaccount\": must be unique`\n  evidence: bundle deployments.json: Deployment payments/api container app: volume mount \"aws-token\" at /var/run/secrets/eks.amazonaws.com/serviceaccount\n  evidence: bundle deployments.json: webhook: adds volume mount \"aws-iam-token\" at /var/run/secrets/eks.amazonaws.com/serviceaccount to container app: it has no mount of that name\n  evidence: bundle serviceaccounts.json: ServiceAccount payments/s3-reader: eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/s3-reader\n  fix: kubectl patch deployment api -n payments --type json -p '[{\"op\":\"replace\",\"path\":\"/spec/template/spec/volumes/0/name\",\"value\":\"aws-iam-token\"},{\"op\":\"replace\",\"path\":\"/spec/template/spec/containers/0/volumeMounts/0/name\",\"value\":\"aws-iam-token\"}]'",
			},
			snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, webhook.TokenPath), clashVolume("app")),
		},
		{
			name: "the same clash without hand-written variables, in a native sidecar too",
			want: []string{
				"IRSA109 fail Deployment payments/api container app: the webhook adds its aws-iam-token mount at \"/var/run/secrets/eks.amazonaws.com/serviceaccount\", where the container already mounts volume \"aws-token\" (the webhook looks for its mount by name only): the API server rejects every new pod with `spec.containers[0].volumeMounts[1].mountPath: Invalid value: \"/var/run/secrets/eks.amazonaws.com/serviceaccount\": must be unique`",
				"IRSA109 fail Deployment payments/api container proxy: the webhook adds its aws-iam-token mount at \"/var/run/secrets/eks.amazonaws.com/serviceaccount\", where the container already mounts volume \"aws-token\" (the webhook looks for its mount by name only): the API server rejects every new pod with `spec.initContainers[0].volumeMounts[1].mountPath: Invalid value: \"/var/run/secrets/eks.amazonaws.com/serviceaccount\": must be unique`",
			},
			snap: tmpl(nil, func(w *snapshot.Workload) {
				w.Template.Spec.InitContainers = []snapshot.Container{{Name: "proxy", RestartPolicy: "Always"}}
			}, clashVolume("app", "proxy")),
			heads: true,
		},
		{
			name: "the hand-written volume named aws-iam-token: the webhook adds no mount",
			want: []string{
				"IRSA109 pass Deployment payments/api container app: AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader\" and AWS_WEB_IDENTITY_TOKEN_FILE \"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" are set in the manifest and complete: the file is the serviceAccountToken of projected volume \"aws-iam-token\"",
			},
			snap: tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, webhook.TokenPath), clashVolume("app"), func(w *snapshot.Workload) {
				w.Template.Spec.Volumes[0].Name = webhook.VolumeName
				w.Template.Spec.Containers[0].VolumeMounts[0].Name = webhook.VolumeName
			}),
			heads: true,
		},
		{
			name: "the skip label keeps the webhook away: no clash",
			want: []string{
				"IRSA109 pass Deployment payments/api container app: AWS_ROLE_ARN \"arn:aws:iam::111122223333:role/s3-reader\" and AWS_WEB_IDENTITY_TOKEN_FILE \"/var/run/secrets/eks.amazonaws.com/serviceaccount/token\" are set in the manifest and complete: the file is the serviceAccountToken of projected volume \"aws-token\"",
			},
			snap: func(s *snapshot.Snapshot) {
				tmpl(envs(webhook.EnvRoleARN, whRole, webhook.EnvTokenFile, webhook.TokenPath), clashVolume("app"), func(w *snapshot.Workload) {
					w.Template.Labels[webhook.LabelSkip] = "true"
				})(s)
				s.Webhooks[0].Webhooks[0].ObjectSelector = &snapshot.LabelSelector{MatchExpressions: []snapshot.LabelSelectorRequirement{
					{Key: webhook.LabelSkip, Operator: "DoesNotExist"}}}
			},
			heads: true,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := whRender(t, whSnapshot(tt.snap), model.Selector{}, irsa109)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}

// clashVolume gives the template a hand-written projected token volume
// "aws-token", mounted at the webhook's mount path in the named containers
// (init or regular).
func clashVolume(containers ...string) func(*snapshot.Workload) {
	return func(w *snapshot.Workload) {
		exp := webhook.DefaultExpiration
		w.Template.Spec.Volumes = append(w.Template.Spec.Volumes, snapshot.Volume{Name: "aws-token", Projected: &snapshot.ProjectedVolume{
			Sources: []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: webhook.DefaultAudience, ExpirationSeconds: &exp, Path: "token"}}}}})
		for _, name := range containers {
			if c := model.SpecContainer(&w.Template.Spec, name); c != nil {
				c.VolumeMounts = append(c.VolumeMounts, snapshot.VolumeMount{Name: "aws-token", MountPath: webhook.MountPath, ReadOnly: true})
			}
		}
	}
}

func TestRenameVolumeCmd(t *testing.T) {
	spec := &snapshot.PodSpec{
		Volumes:        []snapshot.Volume{{Name: "config"}, {Name: "aws-token"}},
		InitContainers: []snapshot.Container{{Name: "init", VolumeMounts: []snapshot.VolumeMount{{Name: "aws-token", MountPath: "/t"}}}},
		Containers: []snapshot.Container{{Name: "app", VolumeMounts: []snapshot.VolumeMount{{Name: "config", MountPath: "/c"}, {Name: "aws-token", MountPath: "/t"}}},
			{Name: "log"}},
	}
	tests := []struct {
		name, kind, from, to string
		want                 string
	}{
		{name: "CronJob: volume and every mount", kind: "CronJob", from: "aws-token", to: webhook.VolumeName,
			want: `kubectl patch cronjob nightly -n payments --type json -p '[{"op":"replace","path":"/spec/jobTemplate/spec/template/spec/volumes/1/name","value":"aws-iam-token"},{"op":"replace","path":"/spec/jobTemplate/spec/template/spec/initContainers/0/volumeMounts/0/name","value":"aws-iam-token"},{"op":"replace","path":"/spec/jobTemplate/spec/template/spec/containers/0/volumeMounts/1/name","value":"aws-iam-token"}]'`},
		{name: "a Job's template cannot be changed", kind: "Job", from: "aws-token", to: webhook.VolumeName},
		{name: "the new name is taken", kind: "Deployment", from: "aws-token", to: "config"},
		{name: "no such volume", kind: "Deployment", from: "ghost", to: webhook.VolumeName},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := renameVolumeCmd(tt.kind, "nightly", "payments", spec, tt.from, tt.to).Line(); got != tt.want {
				t.Errorf("renameVolumeCmd = %q, want %q", got, tt.want)
			}
		})
	}
}
