package sdk

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestJudge(t *testing.T) {
	const (
		podPage  = "https://docs.aws.amazon.com/eks/latest/userguide/pod-id-minimum-sdk.html"
		irsaPage = "https://docs.aws.amazon.com/eks/latest/userguide/iam-roles-for-service-accounts-minimum-sdk.html"
		cliDocs  = "https://docs.aws.amazon.com/cli/latest/userguide/getting-started-docker.html (the official images on Amazon ECR Public and Docker Hub are tagged with the AWS CLI version they run)"
	)
	type want struct {
		Status     Status
		Image      string
		Carries    string
		Basis      string
		FirstFixed string
		Why        string
		Sources    []string
	}
	tests := []struct {
		name  string
		image string
		mech  Mechanism
		want  want
	}{
		{
			name: "AWS CLI older than 2.15.0 under Pod Identity", image: "public.ecr.aws/aws-cli/aws-cli:2.13.0", mech: PodIdentity,
			want: want{Status: TooOld, Image: "aws-cli-v2", Carries: "AWS CLI v2 2.13.0", Basis: "the tag is the AWS CLI v2 version", FirstFixed: "2.15.0",
				Sources: []string{cliDocs, podPage}},
		},
		{
			name: "AWS CLI 2.15.0 with an architecture suffix", image: "amazon/aws-cli:2.15.0-amd64", mech: PodIdentity,
			want: want{Status: Supported, Image: "aws-cli-v2", Carries: "AWS CLI v2 2.15.0", Basis: "the tag is the AWS CLI v2 version", FirstFixed: "2.15.0",
				Sources: []string{cliDocs, podPage}},
		},
		{
			// The guide's IRSA table lists AWS CLI 1.16.232, a v1 version;
			// it says nothing of v2.
			name: "AWS CLI v2 under IRSA: the guide lists no v2 minimum", image: "amazon/aws-cli:2.13.0", mech: IRSA,
			want: want{Status: Unknown, Image: "aws-cli-v2"},
		},
		{
			name: "a release candidate of the minimum is not judged", image: "amazon/aws-cli:2.15.0-rc.1", mech: PodIdentity,
			want: want{Status: Unknown, Image: "aws-cli-v2", FirstFixed: "2.15.0"},
		},
		{
			name: "latest names no version", image: "amazon/aws-cli:latest", mech: PodIdentity,
			want: want{Status: NoVersion, Image: "aws-cli-v2", Why: `tag "latest" does not say which version it is`, FirstFixed: "2.15.0"},
		},
		{
			name: "no tag", image: "amazon/aws-cli", mech: PodIdentity,
			want: want{Status: NoVersion, Image: "aws-cli-v2", Why: `the image has no tag, so the runtime pulls "latest", which does not say which version it is`, FirstFixed: "2.15.0"},
		},
		{
			name: "digest alone", image: "public.ecr.aws/aws-cli/aws-cli@sha256:4e5c1d9d0f3b", mech: PodIdentity,
			want: want{Status: NoVersion, Image: "aws-cli-v2", Why: "the image is pinned by digest alone, which does not say which version it is", FirstFixed: "2.15.0"},
		},
		{
			name: "an image the data does not know", image: "ghcr.io/example/payments-api:1.4.2", mech: PodIdentity,
			want: want{Status: Unknown},
		},
		{
			name: "ExternalDNS v0.14.0: its go.mod", image: "registry.k8s.io/external-dns/external-dns:v0.14.0", mech: PodIdentity,
			want: want{Status: TooOld, Image: "external-dns", Carries: "github.com/aws/aws-sdk-go v1.44.311", Basis: "ExternalDNS v0.14.0 carries github.com/aws/aws-sdk-go v1.44.311", FirstFixed: "v0.14.1",
				Sources: []string{"https://github.com/kubernetes-sigs/external-dns/blob/v0.14.0/go.mod", podPage}},
		},
		{
			name: "ExternalDNS v0.14.0 under IRSA", image: "registry.k8s.io/external-dns/external-dns:v0.14.0", mech: IRSA,
			want: want{Status: Supported, Image: "external-dns", Carries: "github.com/aws/aws-sdk-go v1.44.311", Basis: "ExternalDNS v0.14.0 carries github.com/aws/aws-sdk-go v1.44.311", FirstFixed: "v0.5.17",
				Sources: []string{"https://github.com/kubernetes-sigs/external-dns/blob/v0.14.0/go.mod", irsaPage}},
		},
		{
			name: "ExternalDNS v0.13.6: an earlier line is not bounded by v0.14.0", image: "registry.k8s.io/external-dns/external-dns:v0.13.6", mech: PodIdentity,
			want: want{Status: Unknown, Image: "external-dns", FirstFixed: "v0.14.1"},
		},
		{
			name: "ExternalDNS v0.15.0: a later release carries at least v0.14.2's SDK", image: "registry.k8s.io/external-dns/external-dns:v0.15.0", mech: PodIdentity,
			want: want{Status: Supported, Image: "external-dns", Carries: "github.com/aws/aws-sdk-go v1.53.3 or newer", Basis: "ExternalDNS v0.14.2, an earlier release, carries github.com/aws/aws-sdk-go v1.53.3", FirstFixed: "v0.14.1",
				Sources: []string{"https://github.com/kubernetes-sigs/external-dns/blob/v0.14.2/go.mod", podPage}},
		},
		{
			name: "cert-manager v1.13.1: bounded by v1.13.3 of its line", image: "quay.io/jetstack/cert-manager-controller:v1.13.1", mech: PodIdentity,
			want: want{Status: TooOld, Image: "cert-manager-controller", Carries: "github.com/aws/aws-sdk-go v1.45.7 or older", Basis: "cert-manager controller v1.13.3, a later release of the same line, carries github.com/aws/aws-sdk-go v1.45.7", FirstFixed: "v1.14.0",
				Sources: []string{"https://github.com/cert-manager/cert-manager/blob/v1.13.3/go.mod", podPage}},
		},
		{
			name: "cert-manager v1.13.7: after the last listed release of its line", image: "quay.io/jetstack/cert-manager-controller:v1.13.7", mech: PodIdentity,
			want: want{Status: Unknown, Image: "cert-manager-controller", FirstFixed: "v1.14.0"},
		},
		{
			name: "cert-manager v1.12.9: an older line may have a backported SDK", image: "quay.io/jetstack/cert-manager-controller:v1.12.9", mech: PodIdentity,
			want: want{Status: Unknown, Image: "cert-manager-controller", FirstFixed: "v1.14.0"},
		},
		{
			name: "AWS Load Balancer Controller before v2.7.0", image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-load-balancer-controller:v2.6.2", mech: PodIdentity,
			want: want{Status: TooOld, Image: "aws-load-balancer-controller", Carries: "a github.com/aws/aws-sdk-go older than v1.47.11", Basis: "AWS Load Balancer Controller supports EKS Pod Identity from v2.7.0 on", FirstFixed: "v2.7.0",
				Sources: []string{"https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/3503 (maintainer: the aws-sdk-go update for EKS Pod Identity, PR #3489 to v1.47.13, ships with v2.7.0)", podPage}},
		},
		{
			name: "AWS Load Balancer Controller v2.8.1 under IRSA: Pod Identity support implies IRSA support", image: "public.ecr.aws/eks/aws-load-balancer-controller:v2.8.1", mech: IRSA,
			want: want{Status: Supported, Image: "aws-load-balancer-controller", Carries: "github.com/aws/aws-sdk-go with EKS Pod Identity support",
				Basis:   "AWS Load Balancer Controller supports EKS Pod Identity from v2.7.0 on, and EKS Pod Identity support implies IRSA support",
				Sources: []string{"https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/3503 (maintainer: the aws-sdk-go update for EKS Pod Identity, PR #3489 to v1.47.13, ships with v2.7.0)", podPage, irsaPage}},
		},
		{
			name: "ALB Ingress Controller before v1.1.3 under IRSA", image: "amazon/aws-alb-ingress-controller:v1.1.2", mech: IRSA,
			want: want{Status: TooOld, Image: "aws-alb-ingress-controller", Carries: "a github.com/aws/aws-sdk-go older than 1.23.13", Basis: "AWS ALB Ingress Controller (v1 of the AWS Load Balancer Controller) supports IRSA from v1.1.3 on", FirstFixed: "v1.1.3",
				Sources: []string{"https://github.com/kubernetes-sigs/aws-load-balancer-controller/issues/1011 (maintainer: v1.1.3 supports web identity)", irsaPage}},
		},
		{
			name: "ALB Ingress Controller v1.1.8 under Pod Identity: bounded by v1.1.9", image: "docker.io/amazon/aws-alb-ingress-controller:v1.1.8", mech: PodIdentity,
			want: want{Status: TooOld, Image: "aws-alb-ingress-controller", Carries: "github.com/aws/aws-sdk-go v1.27.3 or older", Basis: "AWS ALB Ingress Controller (v1 of the AWS Load Balancer Controller) v1.1.9, a later release of the same line, carries github.com/aws/aws-sdk-go v1.27.3",
				Sources: []string{"https://github.com/kubernetes-sigs/aws-load-balancer-controller/blob/v1.1.9/go.mod", podPage}},
		},
		{
			name: "AWS for Fluent Bit before 2.32.5: its own client", image: "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.31.12", mech: PodIdentity,
			want: want{Status: TooOld, Image: "aws-for-fluent-bit", Carries: "Fluent Bit's built-in AWS credential chain without EKS Pod Identity support", Basis: "AWS for Fluent Bit supports EKS Pod Identity from 2.32.5 on", FirstFixed: "2.32.5",
				Sources: []string{"https://github.com/aws/aws-for-fluent-bit/pull/888 (release 2.32.5 adds EKS Pod Identity to Fluent Bit's credential chain; https://github.com/aws/aws-for-fluent-bit/issues/784)"}},
		},
		{
			name: "AWS for Fluent Bit build tag of 2.32.5", image: "amazon/aws-for-fluent-bit:2.32.5.20250105", mech: PodIdentity,
			want: want{Status: Supported, Image: "aws-for-fluent-bit", Carries: "Fluent Bit's built-in AWS credential chain with EKS Pod Identity support", Basis: "AWS for Fluent Bit supports EKS Pod Identity from 2.32.5 on", FirstFixed: "2.32.5",
				Sources: []string{"https://github.com/aws/aws-for-fluent-bit/pull/888 (release 2.32.5 adds EKS Pod Identity to Fluent Bit's credential chain; https://github.com/aws/aws-for-fluent-bit/issues/784)"}},
		},
		{
			name: "AWS for Fluent Bit before 2.32.5 under IRSA: nothing is known", image: "amazon/aws-for-fluent-bit:2.31.12", mech: IRSA,
			want: want{Status: Unknown, Image: "aws-for-fluent-bit"},
		},
		{
			name: "External Secrets v0.9.9", image: "ghcr.io/external-secrets/external-secrets:v0.9.9", mech: PodIdentity,
			want: want{Status: TooOld, Image: "external-secrets", Carries: "github.com/aws/aws-sdk-go v1.47.3", Basis: "External Secrets Operator v0.9.9 carries github.com/aws/aws-sdk-go v1.47.3", FirstFixed: "v0.9.10",
				Sources: []string{"https://github.com/external-secrets/external-secrets/blob/v0.9.9/go.mod (https://github.com/external-secrets/external-secrets/issues/2951: v0.9.9 rejects 169.254.170.23)", podPage}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Judge(tt.image, tt.mech)
			got := want{Status: v.Status, Carries: v.Carries, Basis: v.Basis, FirstFixed: v.FirstFixed, Why: v.Why, Sources: v.Sources}
			if v.Image != nil {
				got.Image = v.Image.ID
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("Judge(%q, %s) mismatch (-want +got):\n%s", tt.image, tt.mech, diff)
			}
		})
	}
}

// FuzzJudge: any image reference gets a verdict without panicking, and a
// decided verdict always names what the image carries and a source.
func FuzzJudge(f *testing.F) {
	for _, s := range []string{"amazon/aws-cli:2.13.0", "public.ecr.aws/aws-cli/aws-cli@sha256:00", "quay.io/jetstack/cert-manager-controller:v1.13.1",
		"registry.k8s.io/external-dns/external-dns:v0.15.0-rc.1", "amazon/aws-for-fluent-bit:", ":", "@", "a:b:c@d@e"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, image string) {
		for _, m := range []Mechanism{IRSA, PodIdentity} {
			v := Judge(image, m)
			if (v.Status == Supported || v.Status == TooOld) && (v.Carries == "" || v.Basis == "" || len(v.Sources) == 0) {
				t.Errorf("Judge(%q, %s) = %+v: a decided verdict without carries, basis or sources", image, m, v)
			}
			if v.Status == NoVersion && v.Why == "" {
				t.Errorf("Judge(%q, %s): NoVersion without a reason", image, m)
			}
		}
	})
}

// TestJudgeClusterAutoscaler maps real Cluster Autoscaler references to the
// facts of its row: the releases' go.mod, Godeps.json or vendored
// version.go at each tag (images.json).
func TestJudgeClusterAutoscaler(t *testing.T) {
	tests := []struct {
		image      string
		mech       Mechanism
		status     Status
		carries    string
		firstFixed string
	}{
		// kubernetes/autoscaler#2335: v1.14.4 uses the node role under IRSA.
		{"gcr.io/google-containers/cluster-autoscaler:v1.14.4", IRSA, TooOld, "github.com/aws/aws-sdk-go v1.16.26 or older", "v1.14.6"},
		{"k8s.gcr.io/cluster-autoscaler:v1.14.6", IRSA, Supported, "github.com/aws/aws-sdk-go v1.23.22", "v1.13.8"},
		// kubernetes/autoscaler#2951 and #2920: v1.15.5 carries v1.16.26.
		{"k8s.gcr.io/cluster-autoscaler:v1.15.5", IRSA, TooOld, "github.com/aws/aws-sdk-go v1.16.26", "v1.15.6"},
		{"k8s.gcr.io/cluster-autoscaler:v1.15.2", IRSA, TooOld, "github.com/aws/aws-sdk-go v1.16.26 or older", "v1.15.6"},
		{"k8s.gcr.io/cluster-autoscaler:v1.15.7", IRSA, Supported, "github.com/aws/aws-sdk-go v1.28.14 or newer", "v1.13.8"},
		{"k8s.gcr.io/cluster-autoscaler:v1.16.3", IRSA, TooOld, "github.com/aws/aws-sdk-go v1.23.12 or older", "v1.16.6"},
		{"k8s.gcr.io/autoscaling/cluster-autoscaler:v1.18.3", IRSA, Supported, "github.com/aws/aws-sdk-go v1.23.18 or newer", "v1.13.8"},
		{"registry.k8s.io/autoscaling/cluster-autoscaler:v1.28.2", PodIdentity, TooOld, "github.com/aws/aws-sdk-go v1.44.24", "v1.28.3"},
		{"registry.k8s.io/autoscaling/cluster-autoscaler:v1.28.1", PodIdentity, TooOld, "github.com/aws/aws-sdk-go v1.44.24 or older", "v1.28.3"},
		{"registry.k8s.io/autoscaling/cluster-autoscaler:v1.28.3", PodIdentity, Supported, "github.com/aws/aws-sdk-go v1.48.7", "v1.26.7"},
		{"registry.k8s.io/autoscaling/cluster-autoscaler:v1.30.2", PodIdentity, Supported, "github.com/aws/aws-sdk-go v1.48.7 or newer", "v1.26.7"},
		{"registry.k8s.io/autoscaling/cluster-autoscaler:v1.11.0", IRSA, Unknown, "", "v1.13.8"},
		{"registry.k8s.io/autoscaling/cluster-autoscaler@sha256:0123", IRSA, NoVersion, "", "v1.13.8"},
	}
	for _, tt := range tests {
		t.Run(tt.image+" "+tt.mech.String(), func(t *testing.T) {
			v := Judge(tt.image, tt.mech)
			if v.Image == nil || v.Image.ID != "cluster-autoscaler" {
				t.Fatalf("Judge(%q) image = %v, want cluster-autoscaler", tt.image, v.Image)
			}
			if v.Status != tt.status || v.Carries != tt.carries || v.FirstFixed != tt.firstFixed {
				t.Errorf("Judge(%q, %s) = status %d, carries %q, first fixed %q; want %d, %q, %q", tt.image, tt.mech, v.Status, v.Carries, v.FirstFixed, tt.status, tt.carries, tt.firstFixed)
			}
		})
	}
}

func TestJudgeExternalDNSWebIdentity(t *testing.T) {
	for image, want := range map[string]Status{
		"registry.opensource.zalan.do/teapot/external-dns:v0.5.14": TooOld,
		"registry.opensource.zalan.do/teapot/external-dns:v0.5.16": TooOld,
		"registry.opensource.zalan.do/teapot/external-dns:v0.5.17": Supported,
		"k8s.gcr.io/external-dns/external-dns:v0.7.6":              Supported,
	} {
		if got := Judge(image, IRSA).Status; got != want {
			t.Errorf("Judge(%q, IRSA) = %d, want %d", image, got, want)
		}
	}
}

// TestImageUser maps references to the USER their Dockerfile gives.
func TestImageUser(t *testing.T) {
	tests := []struct {
		image string
		known bool
		uid   int64
		basis string
	}{
		// kubernetes-sigs/external-dns#1185: external-dns runs as nobody.
		{"registry.opensource.zalan.do/teapot/external-dns:v0.5.14", true, 65534, "ExternalDNS v0.5.9 to v0.5.15 runs as nobody (UID 65534)"},
		{"k8s.gcr.io/external-dns/external-dns:v0.7.6", true, 65534, "ExternalDNS v0.5.16 to v0.13.5 runs as UID 65534"},
		{"registry.k8s.io/external-dns/external-dns:0.13.5", true, 65534, "ExternalDNS v0.5.16 to v0.13.5 runs as UID 65534"},
		{"registry.k8s.io/external-dns/external-dns:v0.14.0", false, 0, ""},
		{"registry.opensource.zalan.do/teapot/external-dns:v0.5.8", false, 0, ""},
		// fluxcd/source-controller#284: uid=100(controller).
		{"ghcr.io/fluxcd/source-controller:v0.7.4", true, 100, "Flux source-controller v0.0.1 to v0.14.0 runs as controller (UID 100)"},
		{"ghcr.io/fluxcd/source-controller:v0.17.0", false, 0, ""},
		{"ghcr.io/fluxcd/source-controller:v1.2.0@sha256:0123", true, 65534, "Flux source-controller v0.21.0 to v1.9.1 runs as UID 65534"},
		{"ghcr.io/fluxcd/source-controller@sha256:0123", false, 0, ""},
		{"quay.io/jetstack/cert-manager-controller:v1.5.4", true, 1000, "cert-manager controller v1.5.4 runs as UID 1000"},
		{"quay.io/jetstack/cert-manager-controller:v1.5.5", false, 0, ""},
		{"ghcr.io/external-secrets/external-secrets:v0.9.9", true, 65534, "External Secrets Operator v0.1.0 to v2.9.0 runs as UID 65534"},
		{"example.com/tool:v1.0.0", false, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.image, func(t *testing.T) {
			u := ImageUser(tt.image)
			if u.Known != tt.known || u.UID != tt.uid || u.Basis != tt.basis || tt.known && u.Source == "" {
				t.Errorf("ImageUser(%q) = %+v; want known %v, UID %d, basis %q", tt.image, u, tt.known, tt.uid, tt.basis)
			}
		})
	}
	// A row that knows only the USER says nothing about the SDK.
	if v := Judge("ghcr.io/fluxcd/source-controller:v0.7.4", IRSA); v.Status != Unknown || v.Image != nil {
		t.Errorf("Judge(source-controller) = %+v, want unknown", v)
	}
}

// TestJudgeCSIAndBackupImages: rows from go.mod at each tag, and the
// reports they explain (aws-ebs-csi-driver#1870, aws-efs-csi-driver#1257).
func TestJudgeCSIAndBackupImages(t *testing.T) {
	tests := []struct {
		image   string
		mech    Mechanism
		status  Status
		carries string
	}{
		{"602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-ebs-csi-driver:v1.25.0-eksbuild.1", PodIdentity, TooOld, "github.com/aws/aws-sdk-go v1.47.8"},
		{"public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.25.0", PodIdentity, TooOld, "github.com/aws/aws-sdk-go v1.47.8"},
		{"public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.26.1", PodIdentity, Supported, "github.com/aws/aws-sdk-go v1.49.1 or newer"},
		{"docker.io/amazon/aws-ebs-csi-driver:v0.4.0", IRSA, TooOld, "github.com/aws/aws-sdk-go v1.16.26"},
		{"amazon/aws-ebs-csi-driver:v0.5.0", IRSA, Supported, "github.com/aws/aws-sdk-go v1.23.21"},
		{"602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/aws-efs-csi-driver:v1.7.4", PodIdentity, TooOld, "github.com/aws/aws-sdk-go v1.44.116 or older"},
		{"public.ecr.aws/efs-csi-driver/amazon/aws-efs-csi-driver:v2.0.3", PodIdentity, Supported, "github.com/aws/aws-sdk-go v1.50.3"},
		{"amazon/aws-efs-csi-driver:v0.2.0", IRSA, TooOld, "github.com/aws/aws-sdk-go v1.16.5"},
		{"velero/velero-plugin-for-aws:v1.8.0", PodIdentity, TooOld, "github.com/aws/aws-sdk-go v1.44.253 or older"},
		{"docker.io/velero/velero-plugin-for-aws:v1.2.0", IRSA, Supported, "github.com/aws/aws-sdk-go v1.30.13"},
		{"velero/velero-plugin-for-aws:v1.9.0", PodIdentity, Unknown, ""},
		{"602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.15.4-eksbuild.1", PodIdentity, TooOld, "github.com/aws/aws-sdk-go v1.47.0"},
		{"602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon-k8s-cni:v1.6.3", IRSA, Supported, "github.com/aws/aws-sdk-go v1.26.8 or newer"},
		{"public.ecr.aws/karpenter/controller:v0.32.1@sha256:0123", PodIdentity, TooOld, "github.com/aws/aws-sdk-go v1.46.7"},
		{"public.ecr.aws/karpenter/controller:0.37.0", PodIdentity, Supported, "github.com/aws/aws-sdk-go v1.48.0 or newer"},
		{"public.ecr.aws/aws-ec2/aws-node-termination-handler:v1.20.0", PodIdentity, TooOld, "github.com/aws/aws-sdk-go v1.44.284"},
		{"ghcr.io/external-secrets/external-secrets:v0.9.10", PodIdentity, Supported, "github.com/aws/aws-sdk-go v1.48.16"},
		{"ghcr.io/external-secrets/external-secrets:v0.5.0", IRSA, Supported, "github.com/aws/aws-sdk-go v1.38.6 or newer"},
		// external-secrets/kubernetes-external-secrets: aws-sdk (JavaScript v2) in package-lock.json.
		{"godaddy/kubernetes-external-secrets:1.6.0", IRSA, TooOld, "aws-sdk 2.433.0"},
		{"docker.io/godaddy/kubernetes-external-secrets:1.2.1", IRSA, TooOld, "aws-sdk 2.433.0 or older"},
		{"godaddy/kubernetes-external-secrets:1.5.2", IRSA, Unknown, ""},
		{"godaddy/kubernetes-external-secrets:8.5.0", IRSA, Supported, "aws-sdk 2.566.0 or newer"},
		{"quay.io/jetstack/cert-manager-controller:v0.10.1", IRSA, TooOld, "github.com/aws/aws-sdk-go v0.0.0-20170809071707-58f4800ac6e7"},
		{"quay.io/jetstack/cert-manager-controller:v0.11.0", IRSA, Supported, "github.com/aws/aws-sdk-go v1.24.1"},
	}
	for _, tt := range tests {
		t.Run(tt.image+" "+tt.mech.String(), func(t *testing.T) {
			v := Judge(tt.image, tt.mech)
			if v.Status != tt.status || v.Carries != tt.carries {
				t.Errorf("Judge(%q, %s) = status %d, carries %q (%s); want %d, %q", tt.image, tt.mech, v.Status, v.Carries, v.Basis, tt.status, tt.carries)
			}
		})
	}
}
