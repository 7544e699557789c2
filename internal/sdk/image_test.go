package sdk

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseImage(t *testing.T) {
	tests := []struct {
		in   string
		want ImageRef
	}{
		{in: "amazon/aws-cli:2.13.0", want: ImageRef{Raw: "amazon/aws-cli:2.13.0", Name: "amazon/aws-cli", Tag: "2.13.0"}},
		{in: "docker.io/amazon/aws-cli:2.13.0", want: ImageRef{Raw: "docker.io/amazon/aws-cli:2.13.0", Name: "amazon/aws-cli", Tag: "2.13.0"}},
		{in: "index.docker.io/Amazon/AWS-CLI", want: ImageRef{Raw: "index.docker.io/Amazon/AWS-CLI", Name: "amazon/aws-cli"}},
		{in: "public.ecr.aws/aws-cli/aws-cli:2.15.0@sha256:0123", want: ImageRef{Raw: "public.ecr.aws/aws-cli/aws-cli:2.15.0@sha256:0123", Name: "public.ecr.aws/aws-cli/aws-cli", Tag: "2.15.0", Digest: "sha256:0123"}},
		{in: "public.ecr.aws/aws-cli/aws-cli@sha256:0123", want: ImageRef{Raw: "public.ecr.aws/aws-cli/aws-cli@sha256:0123", Name: "public.ecr.aws/aws-cli/aws-cli", Digest: "sha256:0123"}},
		{in: "localhost:5000/tools/aws-cli", want: ImageRef{Raw: "localhost:5000/tools/aws-cli", Name: "localhost:5000/tools/aws-cli"}},
		{in: "localhost:5000/tools/aws-cli:2.9.0", want: ImageRef{Raw: "localhost:5000/tools/aws-cli:2.9.0", Name: "localhost:5000/tools/aws-cli", Tag: "2.9.0"}},
		{in: " 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-load-balancer-controller:v2.6.2 ",
			want: ImageRef{Raw: " 602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-load-balancer-controller:v2.6.2 ", Name: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-load-balancer-controller", Tag: "v2.6.2"}},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			if diff := cmp.Diff(tt.want, ParseImage(tt.in)); diff != "" {
				t.Errorf("ParseImage mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

func TestImageMatch(t *testing.T) {
	d, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ in, want string }{
		{in: "amazon/aws-cli:2.13.0", want: "aws-cli-v2"},
		{in: "docker.io/amazon/aws-cli", want: "aws-cli-v2"},
		{in: "public.ecr.aws/aws-cli/aws-cli:2.15.0", want: "aws-cli-v2"},
		{in: "602401143452.dkr.ecr.us-west-2.amazonaws.com/amazon/aws-load-balancer-controller:v2.6.2", want: "aws-load-balancer-controller"},
		{in: "public.ecr.aws/eks/aws-load-balancer-controller:v2.7.0", want: "aws-load-balancer-controller"},
		{in: "registry.k8s.io/external-dns/external-dns:v0.14.0", want: "external-dns"},
		{in: "quay.io/jetstack/cert-manager-controller:v1.13.3", want: "cert-manager-controller"},
		// Registries and spellings seen in real reports
		// (kubernetes/autoscaler#2335, #2951; external-dns#1185;
		// fluxcd/source-controller#284).
		{in: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.29.0", want: "cluster-autoscaler"},
		{in: "k8s.gcr.io/autoscaling/cluster-autoscaler:v1.17.3", want: "cluster-autoscaler"},
		{in: "k8s.gcr.io/cluster-autoscaler:v1.15.5", want: "cluster-autoscaler"},
		{in: "gcr.io/google-containers/cluster-autoscaler:v1.14.4", want: "cluster-autoscaler"},
		{in: "registry.k8s.io/autoscaling/cluster-autoscaler@sha256:0123", want: "cluster-autoscaler"},
		{in: "registry.k8s.io/autoscaling/cluster-autoscaler:v1.28.2@sha256:0123", want: "cluster-autoscaler"},
		{in: "k8s.gcr.io/external-dns/external-dns:v0.7.6", want: "external-dns"},
		{in: "registry.opensource.zalan.do/teapot/external-dns:v0.5.17", want: "external-dns"},
		{in: "602401143452.dkr.ecr.eu-west-1.amazonaws.com/amazon/aws-load-balancer-controller:v2.7.0", want: "aws-load-balancer-controller"},
		{in: "docker.io/amazon/aws-alb-ingress-controller:v1.1.9", want: "aws-alb-ingress-controller"},
		{in: "public.ecr.aws/aws-observability/aws-for-fluent-bit:2.32.5", want: "aws-for-fluent-bit"},
		{in: "ghcr.io/fluxcd/source-controller:v0.7.4", want: "flux-source-controller"},
		{in: "docker.io/fluxcd/source-controller:v0.7.4", want: "flux-source-controller"},
		{in: "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/aws-ebs-csi-driver:v1.25.0-eksbuild.1", want: "aws-ebs-csi-driver"},
		{in: "public.ecr.aws/ebs-csi-driver/aws-ebs-csi-driver:v1.26.1", want: "aws-ebs-csi-driver"},
		{in: "602401143452.dkr.ecr.eu-west-1.amazonaws.com/eks/aws-efs-csi-driver:v1.7.4", want: "aws-efs-csi-driver"},
		{in: "public.ecr.aws/efs-csi-driver/amazon/aws-efs-csi-driver:v2.0.3", want: "aws-efs-csi-driver"},
		{in: "docker.io/velero/velero-plugin-for-aws:v1.8.2@sha256:0123", want: "velero-plugin-for-aws"},
		// Look-alikes are not the well-known images.
		{in: "velero/velero-plugin-for-gcp:v1.8.0", want: ""},
		{in: "registry.k8s.io/autoscaling/cluster-autoscaler-arm64:v1.29.0", want: ""},
		{in: "bitnami/cluster-autoscaler:1.29.0", want: ""},
		{in: "ghcr.io/example/aws-cli:2.13.0", want: ""},
		{in: "amazon/aws-cli-extra:2.13.0", want: ""},
		{in: "602401143452.dkr.ecr.us-west-2.amazonaws.com/evil/amazon/aws-load-balancer-controller:v2.6.2", want: ""},
		{in: "bitnami/external-dns:0.14.0", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := ""
			if im := d.Image(ParseImage(tt.in)); im != nil {
				got = im.ID
			}
			if got != tt.want {
				t.Errorf("Image(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}
