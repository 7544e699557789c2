package sdk

import "testing"

// TestJudgeObjectStorageImages judges real references of the object
// storage images around each boundary: Thanos (minio-go's own credential
// chain, support from a release on), Grafana Loki (aws-sdk-go v1, listed
func TestJudgeObjectStorageImages(t *testing.T) {
	const (
		minioWith    = "minio-go's credential chain with "
		minioWithout = "minio-go's credential chain without "
		goV1         = "github.com/aws/aws-sdk-go "
	)
	tests := []verdictCase{
		// Thanos, IRSA: web identity works from v0.13.0 (the https STS URL).
		{"quay.io/thanos/thanos:v0.10.1", IRSA, TooOld, "thanos", minioWithout + "IRSA support", "v0.13.0"},
		{"quay.io/thanos/thanos:v0.12.2", IRSA, TooOld, "thanos", minioWithout + "IRSA support", "v0.13.0"},
		{"thanosio/thanos:v0.13.0", IRSA, Supported, "thanos", minioWith + "IRSA support", "v0.13.0"},
		{"docker.io/thanosio/thanos:v0.13.0-rc.0", IRSA, Unknown, "thanos", "", "v0.13.0"},
		{"quay.io/thanos/thanos:v0.35.1", IRSA, Supported, "thanos", minioWith + "IRSA support", "v0.13.0"},
		// Thanos, EKS Pod Identity: not listed. minio-go has it from v0.36.0
		// (v7.0.70), but objstore's aws_sdk_auth takes the credentials from
		// aws-sdk-go-v2 instead, which the pod spec does not show: unknown.
		{"quay.io/thanos/thanos:v0.35.1", PodIdentity, Unknown, "thanos", "", ""},
		{"quay.io/thanos/thanos:v0.36.0", PodIdentity, Unknown, "thanos", "", ""},
		{"quay.io/thanos/thanos:latest", IRSA, NoVersion, "thanos", "", "v0.13.0"},

		// Loki, IRSA (aws-sdk-go 1.23.13): v0.4.0 carries 1.23.12.
		{"grafana/loki:v0.4.0", IRSA, TooOld, "loki", goV1 + "v1.23.12", "v1.0.0"},
		{"grafana/loki:0.4.0", IRSA, TooOld, "loki", goV1 + "v1.23.12", "v1.0.0"},
		{"grafana/loki:1.0.0", IRSA, Supported, "loki", goV1 + "v1.25.22", "v1.0.0"},
		{"docker.io/grafana/loki:2.6.1", IRSA, Supported, "loki", goV1 + "v1.43.10", "v1.0.0"},
		// Loki, EKS Pod Identity (aws-sdk-go v1.47.11): from 3.0.0.
		{"grafana/loki:2.8.11", PodIdentity, TooOld, "loki", goV1 + "v1.44.187", "v3.0.0"},
		{"grafana/loki:2.9.4", PodIdentity, TooOld, "loki", goV1 + "v1.44.321 or older", "v3.0.0"},
		{"grafana/loki:2.9.17", PodIdentity, TooOld, "loki", goV1 + "v1.44.321", "v3.0.0"},
		{"grafana/loki:3.0.0", PodIdentity, Supported, "loki", goV1 + "v1.50.32", "v3.0.0"},
		{"grafana/loki:3.4.2@sha256:4e5c1d9d0f3b", PodIdentity, Supported, "loki", goV1 + "v1.50.32 or newer", "v3.0.0"},
		{"grafana/loki@sha256:4e5c1d9d0f3b", PodIdentity, NoVersion, "loki", "", "v3.0.0"},

		// Not listed (see above).
		{"quay.io/argoproj/argoexec:v3.6.0", PodIdentity, Unknown, "", "", ""},
		{"quay.io/cortexproject/cortex:v1.16.1", PodIdentity, Unknown, "", "", ""},
	}
	checkVerdicts(t, tests)
}
