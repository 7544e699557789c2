package check

import (
	"testing"

	fx "github.com/irsa-doctor/irsa-doctor/internal/snapshot/snapshottest"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestIRSA408(t *testing.T) {
	const (
		acct, region = "111122223333", "eu-west-1"
		podPage      = "https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html"
		irsaPage     = "https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts-minimum-sdk.html"
		ebsSource    = "https://github.com/kubernetes-sigs/aws-ebs-csi-driver/blob/v1.25.0/go.mod (https://github.com/kubernetes-sigs/aws-ebs-csi-driver/issues/1870: v1.25.0 rejects 169.254.170.23)"
		cliDocs      = "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-docker.html (the official images on Amazon ECR Public and Docker Hub are tagged with the AWS CLI version they run)"
	)
	image := func(img string) func(*snapshot.Workload) {
		return func(w *snapshot.Workload) { w.Template.Spec.Containers[0].Image = img }
	}
	podImage := func(img string) func(*snapshot.Pod) {
		return func(p *snapshot.Pod) { p.Spec.Containers[0].Image = img }
	}
	// podIdentityEnv is what the webhook injects for an association
	// (docs/reference/webhook.md#pod-identity-mode).
	podIdentityEnv := func(p *snapshot.Pod) {
		for i := range p.Spec.Containers {
			p.Spec.Containers[i].Env = append(p.Spec.Containers[i].Env,
				snapshot.EnvVar{Name: webhook.EnvContainerFullURI, Value: "http://169.254.170.23/v1/credentials"},
				snapshot.EnvVar{Name: webhook.EnvContainerToken, Value: "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token"})
		}
	}
	association := func(s *snapshot.Snapshot) {
		fx.Cluster("prod", acct, region)(s)
		fx.Association("prod", acct, region, fx.NS, "api")(s)
	}
	tests := []struct {
		name    string
		snap    *snapshot.Snapshot
		details bool
		want    []string
	}{
		{
			name:    "AWS CLI older than 2.15.0 in a template that will get Pod Identity",
			snap:    fx.Snapshot(fx.Deployment(image("public.ecr.aws/aws-cli/aws-cli:2.13.0")), association),
			details: true,
			want: []string{
				`IRSA408 fail Deployment payments/api container app: image "public.ecr.aws/aws-cli/aws-cli:2.13.0" is AWS CLI v2 2.13.0; EKS Pod Identity needs AWS CLI v2 2.15.0 or later, so its container-credential provider rejects the Pod Identity agent at 169.254.170.23 (older providers accept only loopback and ECS hosts) and the container does not get the association's role; 2.15.0 is the first AWS CLI v2 version known to work (sources: ` + cliDocs + `; ` + podPage + `)` +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: image public.ecr.aws/aws-cli/aws-cli:2.13.0" +
					"\n  evidence: reference irsa-doctor explain sdk-versions: the tag is the AWS CLI v2 version (" + cliDocs + "; " + podPage + ")" +
					"\n  fix: kubectl set image deployment/api -n payments app=public.ecr.aws/aws-cli/aws-cli:2.15.0",
			},
		},
		{
			// The image is a field Amazon EKS manages on a managed add-on
			// (https://docs.aws.amazon.com/eks/latest/userguide/add-ons-configuration.html):
			// the add-on is updated, kubectl set image is only the
			// self-managed alternative, and neither runs unedited.
			name:    "EBS CSI driver from the EKS add-on registry: update the add-on",
			snap:    fx.Snapshot(fx.Deployment(image("602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/aws-ebs-csi-driver:v1.25.0-eksbuild.1")), association),
			details: true,
			want: []string{
				`IRSA408 fail Deployment payments/api container app: image "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/aws-ebs-csi-driver:v1.25.0-eksbuild.1" (Amazon EBS CSI driver v1.25.0-eksbuild.1) carries github.com/aws/aws-sdk-go v1.47.8; EKS Pod Identity needs github.com/aws/aws-sdk-go v1.47.11 or later, so its container-credential provider rejects the Pod Identity agent at 169.254.170.23 (older providers accept only loopback and ECS hosts) and the container does not get the association's role; v1.26.0 is the first Amazon EBS CSI driver version known to work (sources: ` + ebsSource + `; ` + podPage + `)` +
					"\n  evidence: bundle deployments.json: Deployment payments/api container app: image 602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/aws-ebs-csi-driver:v1.25.0-eksbuild.1" +
					"\n  evidence: reference irsa-doctor explain sdk-versions: Amazon EBS CSI driver v1.25.0 carries github.com/aws/aws-sdk-go v1.47.8 (" + ebsSource + "; " + podPage + ")" +
					"\n  fix: # aws eks update-addon --cluster-name prod --addon-name aws-ebs-csi-driver --addon-version ADDON_VERSION" +
					"\n  fix: # kubectl set image deployment/api -n payments app=public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.26.0",
			},
		},
		{
			name: "AWS CLI 2.15.0 with Pod Identity passes",
			snap: fx.Snapshot(fx.Deployment(image("amazon/aws-cli:2.15.0")), association),
			want: []string{`IRSA408 pass Deployment payments/api container app: image "amazon/aws-cli:2.15.0" is AWS CLI v2 2.15.0, and EKS Pod Identity needs AWS CLI v2 2.15.0 or later`},
		},
		{
			name: "AWS CLI under IRSA: the guide lists no AWS CLI v2 minimum, nothing is said",
			snap: fx.Snapshot(fx.Deployment(image("amazon/aws-cli:2.13.0"))),
		},
		{
			name: "an image the data does not know",
			snap: fx.Snapshot(fx.Deployment(), association),
		},
		{
			name: "a well-known image without a version tag is skipped",
			snap: fx.Snapshot(fx.Deployment(image("amazon/aws-cli:latest")), association),
			want: []string{`IRSA408 skipped Deployment payments/api container app: image "amazon/aws-cli:latest" is AWS CLI v2, but tag "latest" does not say which version it is, so it cannot be compared with the EKS Pod Identity minimum (AWS CLI v2 2.15.0); pin a version tag`},
		},
		{
			name: "ExternalDNS v0.14.0 under IRSA passes",
			snap: fx.Snapshot(fx.Deployment(image("registry.k8s.io/external-dns/external-dns:v0.14.0"))),
			want: []string{`IRSA408 pass Deployment payments/api container app: image "registry.k8s.io/external-dns/external-dns:v0.14.0" (ExternalDNS v0.14.0) carries github.com/aws/aws-sdk-go v1.44.311, and IRSA needs github.com/aws/aws-sdk-go 1.23.13 or later`},
		},
		{
			name:    "ExternalDNS v0.14.0 pod with Pod Identity injected: no command for a bare pod",
			snap:    fx.Snapshot(fx.BarePod("dns", podImage("registry.k8s.io/external-dns/external-dns:v0.14.0"), podIdentityEnv)),
			details: true,
			want: []string{
				`IRSA408 fail Pod payments/dns container app: image "registry.k8s.io/external-dns/external-dns:v0.14.0" (ExternalDNS v0.14.0) carries github.com/aws/aws-sdk-go v1.44.311; EKS Pod Identity needs github.com/aws/aws-sdk-go v1.47.11 or later, so its container-credential provider rejects the Pod Identity agent at 169.254.170.23 (older providers accept only loopback and ECS hosts) and the container does not get the association's role; v0.14.1 is the first ExternalDNS version known to work (sources: https://github.com/kubernetes-sigs/external-dns/blob/v0.14.0/go.mod; ` + podPage + `)` +
					"\n  evidence: bundle pods.json: pod payments/dns container app: image registry.k8s.io/external-dns/external-dns:v0.14.0" +
					"\n  evidence: reference irsa-doctor explain sdk-versions: ExternalDNS v0.14.0 carries github.com/aws/aws-sdk-go v1.44.311 (https://github.com/kubernetes-sigs/external-dns/blob/v0.14.0/go.mod; " + podPage + ")",
			},
		},
		{
			// The SDK takes web identity before container credentials
			// (docs/reference/pod-identity.md#pod-identity-and-irsa-together): the IRSA minimum is what counts.
			name: "both IRSA and Pod Identity variables: web identity wins",
			snap: fx.Snapshot(fx.BarePod("dns", podImage("registry.k8s.io/external-dns/external-dns:v0.14.0"), fx.Mutated, podIdentityEnv)),
			want: []string{`IRSA408 pass Pod payments/dns container app: image "registry.k8s.io/external-dns/external-dns:v0.14.0" (ExternalDNS v0.14.0) carries github.com/aws/aws-sdk-go v1.44.311, and IRSA needs github.com/aws/aws-sdk-go 1.23.13 or later`},
		},
		{
			name: "static keys win over any role: not judged",
			snap: fx.Snapshot(fx.BarePod("dns", podImage("registry.k8s.io/external-dns/external-dns:v0.14.0"), podIdentityEnv, func(p *snapshot.Pod) {
				p.Spec.Containers[0].Env = append(p.Spec.Containers[0].Env, snapshot.EnvVar{Name: "AWS_ACCESS_KEY_ID", Value: "AKIAIOSFODNN7EXAMPLE"}, snapshot.EnvVar{Name: "AWS_SECRET_ACCESS_KEY", Value: "x"})
			})),
		},
		{
			name: "ALB Ingress Controller before v1.1.3 in an IRSA template",
			snap: fx.Snapshot(fx.Deployment(image("docker.io/amazon/aws-alb-ingress-controller:v1.1.2"))),
			want: []string{`IRSA408 fail Deployment payments/api container app: image "docker.io/amazon/aws-alb-ingress-controller:v1.1.2" (AWS ALB Ingress Controller (v1 of the AWS Load Balancer Controller) v1.1.2) carries a github.com/aws/aws-sdk-go older than 1.23.13; IRSA needs github.com/aws/aws-sdk-go 1.23.13 or later, so it does not read AWS_WEB_IDENTITY_TOKEN_FILE and falls back to the node's role through IMDS; v1.1.3 is the first AWS ALB Ingress Controller (v1 of the AWS Load Balancer Controller) version known to work (sources: https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/1011 (maintainer: v1.1.3 supports web identity); ` + irsaPage + `)`},
		},
		{
			name: "a container left out by skip-containers does not use the role",
			snap: fx.Snapshot(fx.Deployment(image("docker.io/amazon/aws-alb-ingress-controller:v1.1.2"), func(w *snapshot.Workload) {
				w.Template.Annotations = map[string]string{webhook.AnnotationSkipContainers: "app"}
			})),
		},
		{
			name: "AWS for Fluent Bit before 2.32.5 in a Pod Identity pod of a DaemonSet",
			snap: fx.Snapshot(func(s *snapshot.Snapshot) {
				fx.Deployment(image("public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.12"), func(w *snapshot.Workload) { w.Kind, w.Name = "DaemonSet", "fluent-bit" })(s)
			}, association),
			details: true,
			want: []string{
				`IRSA408 fail DaemonSet payments/fluent-bit container app: image "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.12" (AWS for Fluent Bit 2.31.12) carries Fluent Bit's built-in AWS credential chain without EKS Pod Identity support; AWS for Fluent Bit supports EKS Pod Identity from 2.32.5 on, so the container does not get the association's role; 2.32.5 is the first AWS for Fluent Bit version known to work (sources: https://github.com/aws/aws-for-fluent-bit/pull/888 (release 2.32.5 adds EKS Pod Identity to Fluent Bit's credential chain; https://github.com/aws/aws-for-fluent-bit/issues/784))` +
					"\n  evidence: bundle deployments.json: DaemonSet payments/fluent-bit container app: image public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.12" +
					"\n  evidence: reference irsa-doctor explain sdk-versions: AWS for Fluent Bit supports EKS Pod Identity from 2.32.5 on (https://github.com/aws/aws-for-fluent-bit/pull/888 (release 2.32.5 adds EKS Pod Identity to Fluent Bit's credential chain; https://github.com/aws/aws-for-fluent-bit/issues/784))" +
					"\n  fix: kubectl set image daemonset/fluent-bit -n payments app=public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.5",
			},
		},
		{
			name: "a missing ServiceAccount blocks the check",
			snap: fx.Snapshot(fx.Deployment(image("public.ecr.aws/aws-cli/aws-cli:2.13.0"), func(w *snapshot.Workload) { w.Template.Spec.ServiceAccountName = "ghost" }), association,
				fx.Association("prod", acct, region, fx.NS, "ghost")),
			want: []string{`IRSA408 skipped Deployment payments/api container app: blocked by IRSA101`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := fxOnly(fxRun(t, tt.snap, model.Selector{}, tt.details, irsa101, irsa408), "IRSA408")
			fxAssert(t, got, tt.want)
		})
	}
}

// TestIRSA408PodFoldsIntoWorkload: the same image in the template and its
// pod is one finding, on the Deployment (the message names no pod).
func TestIRSA408PodFoldsIntoWorkload(t *testing.T) {
	img := "quay.io/jetstack/cert-manager-controller:v1.13.1"
	s := fx.Snapshot(
		fx.Deployment(func(w *snapshot.Workload) { w.Template.Spec.Containers[0].Image = img }),
		fx.OwnedPod(func(p *snapshot.Pod) {
			p.Spec.Containers[0].Image = img
			p.Spec.Containers[0].Env = []snapshot.EnvVar{{Name: webhook.EnvContainerFullURI, Value: "http://169.254.170.23/v1/credentials"}}
		}),
		fx.Cluster("prod", "111122223333", "eu-west-1"), fx.Association("prod", "111122223333", "eu-west-1", fx.NS, "api"))
	got := fxOnly(fxRun(t, s, model.Selector{}, false, irsa408), "IRSA408")
	fxAssert(t, got, []string{
		`IRSA408 fail Deployment payments/api container app: image "quay.io/jetstack/cert-manager-controller:v1.13.1" (cert-manager controller v1.13.1) carries github.com/aws/aws-sdk-go v1.45.7 or older; EKS Pod Identity needs github.com/aws/aws-sdk-go v1.47.11 or later, so its container-credential provider rejects the Pod Identity agent at 169.254.170.23 (older providers accept only loopback and ECS hosts) and the container does not get the association's role; v1.14.0 is the first cert-manager controller version known to work (sources: https://github.com/cert-manager/cert-manager/blob/v1.13.3/go.mod; https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html)`,
	})
}
