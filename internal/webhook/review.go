package webhook

import (
	"strconv"
	"strings"
)

// AdmissionReview versions (docs/reference/webhook.md#admissionreview-versions).
//
// The API server sends a webhook the first version in its
// admissionReviewVersions that the server supports (v1, v1beta1). Every
// release of the webhook up to LastV1beta1OnlyRelease decodes and answers
// AdmissionReview v1beta1 only, and writes its answer without apiVersion
// and kind: the API server accepts that for v1beta1 and rejects it for v1
// ("expected webhook response of admission.k8s.io/v1, Kind=AdmissionReview,
// got /, Kind="). The fix (pull request #310, merged 2026-08-11) is in no
// release tag yet.
const (
	ReviewV1      = "v1"
	ReviewV1beta1 = "v1beta1"

	LastV1beta1OnlyRelease = "v0.6.17"

	// ImageName is the webhook's image repository name
	// (amazon/amazon-eks-pod-identity-webhook, public.ecr.aws/eks/...).
	ImageName = "amazon-eks-pod-identity-webhook"
)

// SentReviewVersion returns the AdmissionReview version the API server
// sends for a configuration's admissionReviewVersions: the first it
// supports, or "" when none is listed.
func SentReviewVersion(versions []string) string {
	for _, v := range versions {
		if v == ReviewV1 || v == ReviewV1beta1 {
			return v
		}
	}
	return ""
}

// V1beta1Only reports an image whose tag is a release of the webhook up
// to LastV1beta1OnlyRelease, which answers AdmissionReview v1beta1 only.
// It is false when the tag is not a release version (latest, a digest, a
// branch build) or is a later release: this tool cannot tell what those
// answer.
func V1beta1Only(image string) bool {
	v, ok := releaseVersion(ImageTag(image))
	if !ok {
		return false
	}
	last, _ := releaseVersion(LastV1beta1OnlyRelease)
	return compareVersions(v, last) <= 0
}

// ImageTag returns the tag of an image reference, or "" (none, or a digest
// only).
func ImageTag(image string) string {
	if i := strings.Index(image, "@"); i >= 0 {
		image = image[:i]
	}
	slash := strings.LastIndex(image, "/")
	if i := strings.LastIndex(image, ":"); i > slash {
		return image[i+1:]
	}
	return ""
}

func releaseVersion(tag string) ([3]int, bool) {
	var out [3]int
	parts := strings.Split(strings.TrimPrefix(tag, "v"), ".")
	if len(parts) != 3 || !strings.HasPrefix(tag, "v") {
		return out, false
	}
	for i, p := range parts {
		n, err := strconv.Atoi(p)
		if err != nil || n < 0 {
			return out, false
		}
		out[i] = n
	}
	return out, true
}

func compareVersions(a, b [3]int) int {
	for i := range a {
		if a[i] != b[i] {
			if a[i] < b[i] {
				return -1
			}
			return 1
		}
	}
	return 0
}
