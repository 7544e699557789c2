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
		// Look-alikes are not the well-known images.
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
