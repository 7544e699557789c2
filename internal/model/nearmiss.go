package model

import (
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// NearMissKey returns the first annotation key (sorted) that is a near miss
// of eks.amazonaws.com/role-arn, or "". The exact key is not a near miss.
func NearMissKey(annotations map[string]string) string {
	var keys []string
	for k := range annotations {
		if k != webhook.AnnotationRoleARN && IsNearMiss(k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return ""
	}
	sort.Strings(keys)
	return keys[0]
}

// IsNearMiss applies docs/contract.md's rule: after lower-casing, trimming, `_`
// -> `-` and `amazon.com` -> `amazonaws.com`, the key equals
// eks.amazonaws.com/role-arn or is within Damerau-Levenshtein distance 2 of
// it. iam.amazonaws.com/* (kube2iam, kiam) is another mechanism, never a
// near miss. The exact key itself returns false.
func IsNearMiss(key string) bool {
	if key == webhook.AnnotationRoleARN {
		return false
	}
	n := strings.ToLower(strings.TrimSpace(key))
	if strings.HasPrefix(n, "iam.amazonaws.com/") {
		return false
	}
	n = strings.ReplaceAll(n, "_", "-")
	n = strings.ReplaceAll(n, "amazon.com", "amazonaws.com")
	if n == webhook.AnnotationRoleARN {
		return true
	}
	return policy.OSADistance(n, webhook.AnnotationRoleARN, 2) <= 2
}
