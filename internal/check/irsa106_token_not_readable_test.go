package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA106(t *testing.T) {
	version := func(major, minor string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.ServerVersion = &snapshot.ServerVersion{Major: major, Minor: minor, GitVersion: "v" + major + "." + minor + ".4-eks-036c24b", Source: fx.Src("version.json")}
		}
	}
	podSC := func(sc snapshot.PodSecurityContext) func(*snapshot.PodSpec) {
		return func(s *snapshot.PodSpec) { s.SecurityContext = &sc }
	}
	sidecar := func(uid *int64) func(*snapshot.PodSpec) {
		return func(s *snapshot.PodSpec) {
			c := snapshot.Container{Name: "istio-proxy", Image: "docker.io/istio/proxyv2:1.23.2"}
			if uid != nil {
				c.SecurityContext = &snapshot.SecurityContext{RunAsUser: uid}
			}
			s.Containers = append(s.Containers, c)
		}
	}
	appUser := func(uid int64) func(*snapshot.PodSpec) {
		return func(s *snapshot.PodSpec) {
			s.Containers[0].SecurityContext = &snapshot.SecurityContext{RunAsUser: fx.I64(uid)}
		}
	}
	// tmpl: Deployment api (not yet mutated: the check predicts the webhook).
	tmpl := func(mods ...func(*snapshot.PodSpec)) func(*snapshot.Snapshot) {
		return fx.Deployment(func(w *snapshot.Workload) {
			for _, m := range mods {
				m(&w.Template.Spec)
			}
		})
	}
	// pod: an admitted, mutated bare pod; mods run after the mutation.
	pod := func(mods ...func(*snapshot.PodSpec)) func(*snapshot.Snapshot) {
		return fx.BarePod("worker", func(p *snapshot.Pod) {
			fx.Mutated(p)
			for _, m := range mods {
				m(&p.Spec)
			}
		})
	}
	image := func(ref string) func(*snapshot.PodSpec) {
		return func(s *snapshot.PodSpec) { s.Containers[0].Image = ref }
	}
	restrictive := func(mode int32) func(*snapshot.PodSpec) {
		return func(s *snapshot.PodSpec) { s.Volumes[0].Projected.DefaultMode = &mode }
	}
	// mountInLast mounts the webhook's token volume in the last container
	// too (a sidecar added after the mutation).
	mountInLast := func(s *snapshot.PodSpec) {
		c := &s.Containers[len(s.Containers)-1]
		c.VolumeMounts = append(c.VolumeMounts, snapshot.VolumeMount{Name: webhook.VolumeName, MountPath: webhook.MountPath, ReadOnly: true})
	}
	const v129 = " (Kubernetes 1.29: 1.19+ rules)"
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		details bool
		want    []string
	}{
		{
			name:    "same runAsUser everywhere: 0600 owned by it",
			snap:    fx.Snapshot(version("1", "29+"), tmpl(podSC(snapshot.PodSecurityContext{RunAsUser: fx.I64(1000), RunAsNonRoot: fx.Bool(true)}), sidecar(nil))),
			details: true,
			want: []string{
				"IRSA106 pass Deployment payments/api container app: container runs as UID 1000 and can read the token: no fsGroup is set and every container runs as UID 1000, so the kubelet writes the token 0600 owned by UID 1000" + v129 +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: runAsUser 1000, runAsNonRoot true; token /var/run/secrets/eks.amazonaws.com/serviceaccount/token in volume aws-iam-token" +
					"\n  evidence: bundle deployments.json: pod security: fsGroup unset, effective runAsUser app=1000 istio-proxy=1000, volume aws-iam-token defaultMode 0644" +
					"\n  evidence: bundle version.json: Kubernetes 1.29 (kubectl version)",
				"IRSA106 pass Deployment payments/api container istio-proxy: container runs as UID 1000 and can read the token: no fsGroup is set and every container runs as UID 1000, so the kubelet writes the token 0600 owned by UID 1000" + v129 +
					"\n  evidence: bundle deployments.json: Deployment payments/api container istio-proxy: runAsUser 1000, runAsNonRoot true; token /var/run/secrets/eks.amazonaws.com/serviceaccount/token in volume aws-iam-token" +
					"\n  evidence: bundle deployments.json: pod security: fsGroup unset, effective runAsUser app=1000 istio-proxy=1000, volume aws-iam-token defaultMode 0644" +
					"\n  evidence: bundle version.json: Kubernetes 1.29 (kubectl version)",
			},
		},
		{
			name: "fsGroup with different users: 0640 with group fsGroup",
			snap: fx.Snapshot(version("1", "29+"), tmpl(podSC(snapshot.PodSecurityContext{FSGroup: fx.I64(2000)}), appUser(1000), sidecar(fx.I64(1337)))),
			want: []string{
				"IRSA106 pass Deployment payments/api container app: container runs as UID 1000 and can read the token: fsGroup 2000 is set, so the kubelet writes the token 0640 with group 2000, a supplementary group of every container" + v129,
				"IRSA106 pass Deployment payments/api container istio-proxy: container runs as UID 1337 and can read the token: fsGroup 2000 is set, so the kubelet writes the token 0640 with group 2000, a supplementary group of every container" + v129,
			},
		},
		{
			name: "different users, no fsGroup, default mode: readable by all",
			snap: fx.Snapshot(version("1", "30"), tmpl(appUser(1000), sidecar(fx.I64(1337)))),
			want: []string{
				"IRSA106 pass Deployment payments/api container app: container runs as UID 1000 and can read the token: no fsGroup is set and the containers run as different UIDs (1000, 1337), so the token takes the volume's defaultMode (0644), owned by root (Kubernetes 1.30: 1.19+ rules)",
				"IRSA106 pass Deployment payments/api container istio-proxy: container runs as UID 1337 and can read the token: no fsGroup is set and the containers run as different UIDs (1000, 1337), so the token takes the volume's defaultMode (0644), owned by root (Kubernetes 1.30: 1.19+ rules)",
			},
		},
		{
			name:    "different users, hand-written defaultMode 0600; root reads anything",
			snap:    fx.Snapshot(version("1", "29+"), pod(restrictive(0o600), appUser(1000), sidecar(fx.I64(0)), mountInLast)),
			details: true,
			want: []string{
				"IRSA106 fail Pod payments/worker container app: container runs as UID 1000 and cannot read the token: no fsGroup is set and the containers run as different UIDs (1000, 0), so the token takes the volume's defaultMode (0600), owned by root" + v129 +
					"; the SDK fails with \"open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied\"" +
					"\n  evidence: bundle pods.json: pod payments/worker container app: runAsUser 1000; token /var/run/secrets/eks.amazonaws.com/serviceaccount/token in volume aws-iam-token" +
					"\n  evidence: bundle pods.json: pod security: fsGroup unset, effective runAsUser app=1000 istio-proxy=0, volume aws-iam-token defaultMode 0600" +
					"\n  evidence: bundle version.json: Kubernetes 1.29 (kubectl version)",
				// root reads anything
				"IRSA106 pass Pod payments/worker container istio-proxy: container runs as root (UID 0) and can read the token: no fsGroup is set and the containers run as different UIDs (1000, 0), so the token takes the volume's defaultMode (0600), owned by root" + v129 +
					"\n  evidence: bundle pods.json: pod payments/worker container istio-proxy: runAsUser 0; token /var/run/secrets/eks.amazonaws.com/serviceaccount/token in volume aws-iam-token" +
					"\n  evidence: bundle pods.json: pod security: fsGroup unset, effective runAsUser app=1000 istio-proxy=0, volume aws-iam-token defaultMode 0600" +
					"\n  evidence: bundle version.json: Kubernetes 1.29 (kubectl version)",
			},
		},
		{
			name:    "before 1.19: root-only",
			snap:    fx.Snapshot(version("1", "18+"), tmpl(podSC(snapshot.PodSecurityContext{RunAsUser: fx.I64(65532)}))),
			details: true,
			want: []string{
				"IRSA106 fail Deployment payments/api container app: container runs as UID 65532 and cannot read the token: before Kubernetes 1.19 the kubelet writes the token 0600, owned by root, and no fsGroup is set to open it to a group (Kubernetes 1.18: pre-1.19 rules)" +
					"; the SDK fails with \"open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied\"" +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: runAsUser 65532; token /var/run/secrets/eks.amazonaws.com/serviceaccount/token in volume aws-iam-token" +
					"\n  evidence: bundle deployments.json: pod security: fsGroup unset, effective runAsUser app=65532, volume aws-iam-token defaultMode 0644" +
					"\n  evidence: bundle version.json: Kubernetes 1.18 (kubectl version)" +
					"\n  fix: kubectl patch deployment api -n payments --type merge -p '{\"spec\":{\"template\":{\"spec\":{\"securityContext\":{\"fsGroup\":65534}}}}}'",
			},
		},
		{
			name: "before 1.19 with fsGroup",
			snap: fx.Snapshot(version("1", "17"), tmpl(podSC(snapshot.PodSecurityContext{RunAsUser: fx.I64(65532), FSGroup: fx.I64(65534)}))),
			want: []string{
				"IRSA106 pass Deployment payments/api container app: container runs as UID 65532 and can read the token: fsGroup 65534 is set, so the kubelet makes the token 0640 with group 65534, a supplementary group of every container (Kubernetes 1.17: pre-1.19 rules)",
			},
		},
		{
			name: "version from the EKS cluster; fix uses runAsGroup",
			snap: fx.Snapshot(withCluster("us-west-2", "arn:aws:eks:us-west-2:444455556666:cluster/prod"), func(s *snapshot.Snapshot) { s.Clusters[0].Version = "1.18" },
				tmpl(podSC(snapshot.PodSecurityContext{RunAsUser: fx.I64(1000), RunAsGroup: fx.I64(3000)}))),
			details: true,
			want: []string{
				"IRSA106 fail Deployment payments/api container app: container runs as UID 1000 and cannot read the token: before Kubernetes 1.19 the kubelet writes the token 0600, owned by root, and no fsGroup is set to open it to a group (Kubernetes 1.18: pre-1.19 rules)" +
					"; the SDK fails with \"open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied\"" +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: runAsUser 1000, runAsGroup 3000; token /var/run/secrets/eks.amazonaws.com/serviceaccount/token in volume aws-iam-token" +
					"\n  evidence: bundle deployments.json: pod security: fsGroup unset, effective runAsUser app=1000, volume aws-iam-token defaultMode 0644" +
					"\n  evidence: bundle describe-cluster.json: Kubernetes 1.18 (EKS cluster prod)" +
					"\n  fix: kubectl patch deployment api -n payments --type merge -p '{\"spec\":{\"template\":{\"spec\":{\"securityContext\":{\"fsGroup\":3000}}}}}'",
			},
		},
		{
			name: "version unknown: 1.19+ rules, said so",
			snap: fx.Snapshot(tmpl(podSC(snapshot.PodSecurityContext{RunAsUser: fx.I64(1000)}))),
			want: []string{
				"IRSA106 pass Deployment payments/api container app: container runs as UID 1000 and can read the token: no fsGroup is set and every container runs as UID 1000, so the kubelet writes the token 0600 owned by UID 1000 (cluster version not in the input: Kubernetes 1.19+ rules applied, which hold for every EKS version offered since 2022)",
			},
		},
		{
			name: "image user unknown and the outcome depends on it",
			snap: fx.Snapshot(version("1", "29+"), pod(restrictive(0o600), sidecar(fx.I64(1337)))),
			want: []string{
				"IRSA106 skipped Pod payments/worker container app: container sets no runAsUser, nor does the pod: it runs as the USER of image \"ghcr.io/example/payments-api:1.4.2\", which decides and which the input does not show (capture: kubectl exec -n payments worker -c app -- id -u); whether it can read the token depends on that: no fsGroup is set and container \"app\" sets no runAsUser (nor does the pod), so the token takes the volume's defaultMode (0600), owned by root" + v129,
			},
		},
		{
			// kubernetes-sigs/external-dns#1185: ExternalDNS runs as nobody
			// and cannot open the root-owned 0600 token before 1.19.
			name:    "known image user: non-root before 1.19 without fsGroup",
			snap:    fx.Snapshot(version("1", "14+"), pod(image("registry.opensource.zalan.do/teapot/external-dns:v0.5.17"))),
			details: true,
			want: []string{
				"IRSA106 fail Pod payments/worker container app: container runs as its image's user, UID 65534 (ExternalDNS v0.5.16 to v0.13.5 runs as UID 65534) and cannot read the token: before Kubernetes 1.19 the kubelet writes the token 0600, owned by root, and no fsGroup is set to open it to a group (Kubernetes 1.14: pre-1.19 rules)" +
					"; the SDK fails with \"open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied\"" +
					"\n  evidence: bundle pods.json: pod payments/worker container app: runAsUser unset; token /var/run/secrets/eks.amazonaws.com/serviceaccount/token in volume aws-iam-token" +
					"\n  evidence: bundle pods.json: pod security: fsGroup unset, effective runAsUser app=unset, volume aws-iam-token defaultMode 0644" +
					"\n  evidence: bundle version.json: Kubernetes 1.14 (kubectl version)" +
					"\n  evidence: reference irsa-doctor explain sdk-versions: ExternalDNS v0.5.16 to v0.13.5 runs as UID 65534 (https://github.com/kubernetes-sigs/external-dns/blob/v0.5.16/Dockerfile to https://github.com/kubernetes-sigs/external-dns/blob/v0.13.5/Dockerfile (USER 65534); https://github.com/aws/amazon-eks-pod-identity-webhook/issues/8: ExternalDNS on EKS cannot read the IRSA token, permission denied))",
			},
		},
		{
			name: "known image user: 1.19+ rules make the token readable",
			snap: fx.Snapshot(version("1", "29+"), pod(image("registry.opensource.zalan.do/teapot/external-dns:v0.5.17"))),
			want: []string{
				"IRSA106 pass Pod payments/worker container app: container runs as its image's user and can read the token: no fsGroup is set and container \"app\" sets no runAsUser (nor does the pod), so the token takes the volume's defaultMode (0644), owned by root" + v129,
			},
		},
		{
			name: "image user unknown before 1.19",
			snap: fx.Snapshot(version("1", "18"), pod(image("registry.k8s.io/external-dns/external-dns:v0.14.0"))),
			want: []string{
				"IRSA106 skipped Pod payments/worker container app: container sets no runAsUser, nor does the pod: it runs as the USER of image \"registry.k8s.io/external-dns/external-dns:v0.14.0\", which decides and which the input does not show (capture: kubectl exec -n payments worker -c app -- id -u); whether it can read the token depends on that: before Kubernetes 1.19 the kubelet writes the token 0600, owned by root, and no fsGroup is set to open it to a group (Kubernetes 1.18: pre-1.19 rules)",
			},
		},
		{
			name: "known image user with fsGroup before 1.19",
			snap: fx.Snapshot(version("1", "18"), pod(image("ghcr.io/fluxcd/source-controller:v0.7.4"), podSC(snapshot.PodSecurityContext{FSGroup: fx.I64(1337)}))),
			want: []string{
				"IRSA106 pass Pod payments/worker container app: container runs as its image's user and can read the token: fsGroup 1337 is set, so the kubelet makes the token 0640 with group 1337, a supplementary group of every container (Kubernetes 1.18: pre-1.19 rules)",
			},
		},
		{
			name: "image user unknown but the mode lets anyone read",
			snap: fx.Snapshot(version("1", "29+"), tmpl()),
			want: []string{
				"IRSA106 pass Deployment payments/api container app: container runs as its image's user and can read the token: no fsGroup is set and container \"app\" sets no runAsUser (nor does the pod), so the token takes the volume's defaultMode (0644), owned by root" + v129,
			},
		},
		{
			name: "runAsNonRoot with an unknown UID and a root-only token",
			snap: fx.Snapshot(version("1", "18"), tmpl(podSC(snapshot.PodSecurityContext{RunAsNonRoot: fx.Bool(true)}))),
			want: []string{
				"IRSA106 fail Deployment payments/api container app: container runs as its image's non-root user (runAsNonRoot) and cannot read the token: before Kubernetes 1.19 the kubelet writes the token 0600, owned by root, and no fsGroup is set to open it to a group (Kubernetes 1.18: pre-1.19 rules)" +
					"; the SDK fails with \"open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied\"",
			},
		},
		{
			name: "group-readable by root group, primary group unknown",
			snap: fx.Snapshot(version("1", "29+"), pod(restrictive(0o640), appUser(1000), sidecar(fx.I64(1337)))),
			want: []string{
				"IRSA106 skipped Pod payments/worker container app: container runs as UID 1000: it sets no runAsGroup, so its primary group is the image's, which the input does not show (the token's group is 0); whether it can read the token depends on that: no fsGroup is set and the containers run as different UIDs (1000, 1337), so the token takes the volume's defaultMode (0640), owned by root" + v129,
			},
		},
		{
			name: "an ephemeral container with another user breaks the shared runAsUser",
			snap: fx.Snapshot(version("1", "29+"), pod(restrictive(0o600), podSC(snapshot.PodSecurityContext{RunAsUser: fx.I64(1000)}), func(s *snapshot.PodSpec) {
				s.EphemeralContainers = []snapshot.Container{{Name: "debugger", Image: "busybox:1.36", SecurityContext: &snapshot.SecurityContext{RunAsUser: fx.I64(2000)}}}
			})),
			want: []string{
				"IRSA106 fail Pod payments/worker container app: container runs as UID 1000 and cannot read the token: no fsGroup is set and the containers run as different UIDs (1000, 2000), so the token takes the volume's defaultMode (0600), owned by root" + v129 +
					"; the SDK fails with \"open /var/run/secrets/eks.amazonaws.com/serviceaccount/token: permission denied\"",
			},
		},
		{
			name: "hand-made token volume pointed at by AWS_WEB_IDENTITY_TOKEN_FILE",
			snap: fx.Snapshot(version("1", "29+"), fx.BarePod("worker", func(p *snapshot.Pod) {
				mode := int32(0o400)
				p.Spec.Volumes = []snapshot.Volume{{Name: "aws-token", Projected: &snapshot.ProjectedVolume{DefaultMode: &mode,
					Sources: []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{Audience: "sts.amazonaws.com", Path: "web-identity-token"}}}}}}
				p.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvRoleARN, Value: fx.Role}, {Name: webhook.EnvTokenFile, Value: "/aws/web-identity-token"}}
				p.Spec.Containers[0].VolumeMounts = []snapshot.VolumeMount{{Name: "aws-token", MountPath: "/aws"}}
				p.Spec.Containers[0].SecurityContext = &snapshot.SecurityContext{RunAsUser: fx.I64(1000)}
				p.Spec.InitContainers = []snapshot.Container{{Name: "init", Image: "busybox:1.36"}}
			})),
			want: []string{
				"IRSA106 fail Pod payments/worker container app: container runs as UID 1000 and cannot read the token: no fsGroup is set and container \"init\" sets no runAsUser (nor does the pod), so the token takes the volume's defaultMode (0400), owned by root" + v129 +
					"; the SDK fails with \"open /aws/web-identity-token: permission denied\"",
			},
		},
		{
			name: "windows pods are not judged",
			snap: fx.Snapshot(version("1", "29+"), pod(restrictive(0o600), appUser(1000), func(s *snapshot.PodSpec) { s.OS = &snapshot.PodOS{Name: "windows"} })),
			want: nil,
		},
		{
			name: "no token mounted: nothing to judge",
			snap: fx.Snapshot(version("1", "29+"), fx.BarePod("worker", func(p *snapshot.Pod) {
				p.Spec.Containers[0].SecurityContext = &snapshot.SecurityContext{RunAsUser: fx.I64(1000)}
			})),
			want: nil,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxOnly(fxRun(t, tt.snap, model.Selector{}, tt.details, irsa106), "IRSA106")
			fxAssert(t, got, tt.want)
		})
	}
}

func TestIRSA106Remedy(t *testing.T) {
	restrictive := func(p *snapshot.Pod) {
		mode := int32(0o600)
		p.Spec.Volumes[0].Projected.DefaultMode = &mode
		p.Spec.Containers[0].SecurityContext = &snapshot.SecurityContext{RunAsUser: fx.I64(1000)}
		p.Spec.InitContainers = []snapshot.Container{{Name: "migrate", Image: "busybox:1.36", SecurityContext: &snapshot.SecurityContext{RunAsUser: fx.I64(2000)}}}
	}
	tests := []struct {
		name string
		snap *snapshot.Snapshot
		want string
	}{
		{
			name: "bare pod: the manifest must change",
			snap: fx.Snapshot(fx.BarePod("worker", fx.Mutated, restrictive)),
			want: "Set `securityContext.fsGroup` on the pod (any GID works: the kubelet writes the token 0640 with that group and adds it to every container's groups; 65534 here, as in the webhook's README). fsGroup also changes the group of the pod's other volumes. Alternatively remove the restrictive `defaultMode` of the token volume, or run every container as the same `runAsUser`. A pod's securityContext cannot be changed: edit the manifest and re-create the pod.",
		},
		{
			name: "pod of a Deployment: patch its template",
			snap: fx.Snapshot(fx.OwnedPod(fx.Mutated, restrictive)),
			want: "Set `securityContext.fsGroup` on the pod (any GID works: the kubelet writes the token 0640 with that group and adds it to every container's groups; 65534 here, as in the webhook's README). fsGroup also changes the group of the pod's other volumes. Alternatively remove the restrictive `defaultMode` of the token volume, or run every container as the same `runAsUser`.\n\n" +
				"    kubectl patch deployment api -n payments --type merge -p '{\"spec\":{\"template\":{\"spec\":{\"securityContext\":{\"fsGroup\":65534}}}}}'",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			out := Run(tt.snap, Options{Checks: []*Check{irsa106}, Now: fx.Now})
			var got []string
			for _, f := range out.Findings {
				if f.Status == "fail" {
					got = append(got, f.Remediation)
				}
			}
			fxAssert(t, got, []string{tt.want})
		})
	}
}
