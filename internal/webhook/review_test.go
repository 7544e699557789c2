package webhook

import "testing"

func TestSentReviewVersion(t *testing.T) {
	for _, tc := range []struct {
		in   []string
		want string
	}{
		{[]string{"v1"}, "v1"},
		{[]string{"v1beta1"}, "v1beta1"},
		{[]string{"v1", "v1beta1"}, "v1"},
		{[]string{"v1beta1", "v1"}, "v1beta1"},
		{[]string{"v2", "v1beta1"}, "v1beta1"},
		{nil, ""},
	} {
		if got := SentReviewVersion(tc.in); got != tc.want {
			t.Errorf("SentReviewVersion(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestV1beta1Only(t *testing.T) {
	for _, tc := range []struct {
		image string
		want  bool
	}{
		{"amazon/amazon-eks-pod-identity-webhook:v0.5.0", true},
		{"public.ecr.aws/eks/amazon-eks-pod-identity-webhook:v0.6.17", true},
		{"registry:5000/amazon-eks-pod-identity-webhook:v0.6.18", false},
		{"amazon/amazon-eks-pod-identity-webhook:latest", false},
		{"amazon/amazon-eks-pod-identity-webhook@sha256:0123", false},
		{"amazon/amazon-eks-pod-identity-webhook:v0.4.0@sha256:0123", true},
		{"registry:5000/amazon-eks-pod-identity-webhook", false},
	} {
		if got := V1beta1Only(tc.image); got != tc.want {
			t.Errorf("V1beta1Only(%q) = %v, want %v", tc.image, got, tc.want)
		}
	}
}
