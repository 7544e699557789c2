package sdk

import "testing"

// TestJudgeMoreImages judges real references to the ACK service
// controllers and Crossplane provider-aws around each boundary their go.mod
// files show: registry forms, tags with and without "v", digests.
func TestJudgeMoreImages(t *testing.T) {
	const ack = "public.ecr.aws/aws-controllers-k8s/"
	tests := []verdictCase{
		// ACK S3: v1.0.6 carries aws-sdk-go v1.44.93, v1.0.7 v1.49.0.
		{ack + "s3-controller:1.0.6", PodIdentity, TooOld, "ack-s3-controller", "github.com/aws/aws-sdk-go v1.44.93", "v1.0.7"},
		{ack + "s3-controller:1.0.6", IRSA, Supported, "ack-s3-controller", "github.com/aws/aws-sdk-go v1.44.93", "v0.0.3"},
		{ack + "s3-controller:v1.0.7", PodIdentity, Supported, "ack-s3-controller", "github.com/aws/aws-sdk-go v1.49.0", "v1.0.7"},
		{ack + "s3-controller:1.0.3", PodIdentity, TooOld, "ack-s3-controller", "github.com/aws/aws-sdk-go v1.44.93 or older", "v1.0.7"},
		{ack + "s3-controller:1.2.0", PodIdentity, Supported, "ack-s3-controller", "github.com/aws/aws-sdk-go v1.49.0 or newer", "v1.0.7"},
		{ack + "s3-controller:v0.0.3", IRSA, Supported, "ack-s3-controller", "github.com/aws/aws-sdk-go v1.37.10 or newer", "v0.0.3"},
		// An earlier line is not bounded by v1.0.6; v0.0.3 gives a lower
		// bound only.
		{ack + "s3-controller:0.1.8", PodIdentity, Unknown, "ack-s3-controller", "", "v1.0.7"},
		{ack + "s3-controller@sha256:0123abcd", PodIdentity, NoVersion, "ack-s3-controller", "", "v1.0.7"},
		// ACK IAM, RDS, EC2, EKS, DynamoDB.
		{ack + "iam-controller:1.3.1", PodIdentity, TooOld, "ack-iam-controller", "github.com/aws/aws-sdk-go v1.44.93", "v1.3.2"},
		{ack + "iam-controller:v1.3.2", PodIdentity, Supported, "ack-iam-controller", "github.com/aws/aws-sdk-go v1.49.0", "v1.3.2"},
		{ack + "rds-controller:1.1.8", PodIdentity, TooOld, "ack-rds-controller", "github.com/aws/aws-sdk-go v1.44.232", "v1.1.9"},
		{ack + "rds-controller:1.1.9", PodIdentity, Supported, "ack-rds-controller", "github.com/aws/aws-sdk-go v1.49.0", "v1.1.9"},
		{ack + "rds-controller:1.1.8", IRSA, Supported, "ack-rds-controller", "github.com/aws/aws-sdk-go v1.44.232", "v0.0.1"},
		{ack + "ec2-controller:1.1.1", PodIdentity, TooOld, "ack-ec2-controller", "github.com/aws/aws-sdk-go v1.44.93", "v1.1.2"},
		{ack + "ec2-controller:1.1.2", PodIdentity, Supported, "ack-ec2-controller", "github.com/aws/aws-sdk-go v1.49.0", "v1.1.2"},
		{ack + "eks-controller:1.0.5", PodIdentity, TooOld, "ack-eks-controller", "github.com/aws/aws-sdk-go v1.44.195", "v1.1.0"},
		{ack + "eks-controller:1.1.0", PodIdentity, Supported, "ack-eks-controller", "github.com/aws/aws-sdk-go v1.48.4", "v1.1.0"},
		{ack + "dynamodb-controller:1.2.5", PodIdentity, TooOld, "ack-dynamodb-controller", "github.com/aws/aws-sdk-go v1.45.3", "v1.2.6"},
		{ack + "dynamodb-controller:1.2.6@sha256:0123abcd", PodIdentity, Supported, "ack-dynamodb-controller", "github.com/aws/aws-sdk-go v1.49.0", "v1.2.6"},
		// Crossplane provider-aws: v0.50.7 carries v1.44.334, v0.51.0
		// v1.47.11 (PR #2132).
		{"xpkg.upbound.io/crossplane-contrib/provider-aws:v0.50.7", PodIdentity, TooOld, "crossplane-provider-aws", "github.com/aws/aws-sdk-go v1.44.334", "v0.51.0"},
		{"xpkg.upbound.io/crossplane-contrib/provider-aws:v0.51.0", PodIdentity, Supported, "crossplane-provider-aws", "github.com/aws/aws-sdk-go v1.47.11", "v0.51.0"},
		{"crossplanecontrib/provider-aws:v0.50.2", PodIdentity, TooOld, "crossplane-provider-aws", "github.com/aws/aws-sdk-go v1.44.334 or older", "v0.51.0"},
		{"docker.io/crossplanecontrib/provider-aws:v0.44.0", IRSA, Supported, "crossplane-provider-aws", "github.com/aws/aws-sdk-go v1.34.32 or newer", "v0.15.0"},
		{"docker.io/crossplanecontrib/provider-aws:v0.44.0", PodIdentity, Unknown, "crossplane-provider-aws", "", "v0.51.0"},
		// Before v0.15.0 its go.mod names aws-sdk-go-v2 only: not judged.
		{"xpkg.upbound.io/crossplane-contrib/provider-aws:v0.14.0", IRSA, Unknown, "crossplane-provider-aws", "", "v0.15.0"},
		// Argo CD: argocd-k8s-auth aws (v2.4.0 on) carries aws-sdk-go;
		// v2.10.2 is the first with v1.50.8 (PR #17225); v2.9.x never got it.
		{"quay.io/argoproj/argocd:v2.10.1", PodIdentity, TooOld, "argocd", "github.com/aws/aws-sdk-go v1.44.317", "v2.10.2"},
		{"quay.io/argoproj/argocd:v2.10.2", PodIdentity, Supported, "argocd", "github.com/aws/aws-sdk-go v1.50.8", "v2.10.2"},
		{"quay.io/argoproj/argocd:v2.10.0", PodIdentity, TooOld, "argocd", "github.com/aws/aws-sdk-go v1.44.317 or older", "v2.10.2"},
		{"quay.io/argoproj/argocd:v2.9.5", PodIdentity, TooOld, "argocd", "github.com/aws/aws-sdk-go v1.44.317 or older", "v2.10.2"},
		{"quay.io/argoproj/argocd:v2.9.22", IRSA, Supported, "argocd", "github.com/aws/aws-sdk-go v1.44.317", "v2.4.0"},
		{"quay.io/argoproj/argocd:v3.0.0", PodIdentity, Supported, "argocd", "github.com/aws/aws-sdk-go v1.50.8 or newer", "v2.10.2"},
		{"argoproj/argocd:v2.8.3@sha256:0123abcd", PodIdentity, TooOld, "argocd", "github.com/aws/aws-sdk-go v1.44.289 or older", "v2.10.2"},
		{"quay.io/argoproj/argocd@sha256:0123abcd", PodIdentity, NoVersion, "argocd", "", "v2.10.2"},
		// Before v2.4.0 the go.mod names no aws-sdk-go; v2.6.x is not listed.
		{"quay.io/argoproj/argocd:v2.3.0", IRSA, Unknown, "argocd", "", "v2.4.0"},
		{"quay.io/argoproj/argocd:v2.6.15", PodIdentity, Unknown, "argocd", "", "v2.10.2"},
		// Velero server: the AWS provider built in up to v1.1.0 (aws-sdk-go
		// 1.13.12); from v1.12.0 the repository credentials come from the
		// SDK's chain (v1.44.253); v1.13.0 on carry aws-sdk-go-v2.
		{"velero/velero:v1.1.0", IRSA, TooOld, "velero", "github.com/aws/aws-sdk-go v1.13.12", "v1.12.0"},
		{"docker.io/velero/velero:v1.0.0", IRSA, TooOld, "velero", "github.com/aws/aws-sdk-go v1.13.12 or older", "v1.12.0"},
		{"velero/velero:v0.11.0", IRSA, TooOld, "velero", "github.com/aws/aws-sdk-go v1.13.12 or older", "v1.12.0"},
		{"velero/velero:v1.12.0", IRSA, Supported, "velero", "github.com/aws/aws-sdk-go v1.44.253", "v1.12.0"},
		{"velero/velero:v1.12.3", PodIdentity, TooOld, "velero", "github.com/aws/aws-sdk-go v1.44.253 or older", ""},
		{"velero/velero:v1.14.0", IRSA, Supported, "velero", "github.com/aws/aws-sdk-go v1.44.253 or newer", "v1.12.0"},
		{"velero/velero:v1.14.0", PodIdentity, Unknown, "velero", "", ""},
		{"velero/velero:v1.5.0", IRSA, Unknown, "velero", "", "v1.12.0"},
		{"velero/velero-plugin-for-aws:v1.8.2", PodIdentity, TooOld, "velero-plugin-for-aws", "github.com/aws/aws-sdk-go v1.44.253", ""},
		// Upbound's providers are not in the table.
		{"xpkg.upbound.io/upbound/provider-aws-s3:v1.0.0", PodIdentity, Unknown, "", "", ""},
	}
	checkVerdicts(t, tests)
}

// verdictCase is a reference judged for a mechanism, with the image row
// (its id), what it carries and the first release known to work.
type verdictCase struct {
	image      string
	mech       Mechanism
	status     Status
	id         string
	carries    string
	firstFixed string
}

// checkVerdicts judges each case with the embedded data; a verdict that
// decides (Supported, TooOld) must name its sources.
func checkVerdicts(t *testing.T, tests []verdictCase) {
	t.Helper()
	for _, tc := range tests {
		v := Judge(tc.image, tc.mech)
		id := ""
		if v.Image != nil {
			id = v.Image.ID
		}
		if v.Status != tc.status || id != tc.id || v.Carries != tc.carries || v.FirstFixed != tc.firstFixed {
			t.Errorf("Judge(%q, %v) = status %d, image %q, carries %q, first fixed %q; want %d, %q, %q, %q",
				tc.image, tc.mech, v.Status, id, v.Carries, v.FirstFixed, tc.status, tc.id, tc.carries, tc.firstFixed)
		}
		if (v.Status == Supported || v.Status == TooOld) && len(v.Sources) == 0 {
			t.Errorf("Judge(%q, %v): no sources", tc.image, tc.mech)
		}
	}
}
