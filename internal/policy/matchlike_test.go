package policy_test

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

func TestMatchLike(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold, want bool
	}{
		{"system:serviceaccount:payments:*", "system:serviceaccount:payments:api", false, true},
		{"system:serviceaccount:payments:*", "system:serviceaccount:billing:api", false, false},
		{"system:serviceaccount:*:api", "system:serviceaccount:a:b:api", false, true},
		{"sts.amazonaws.co?", "sts.amazonaws.com", false, true},
		{"sts.amazonaws.co?", "sts.amazonaws.cn", false, false},
		{"STS.*", "sts.amazonaws.com", true, true},
		{"STS.*", "sts.amazonaws.com", false, false},
		{"*", "", false, true},
		{"a*b*c", "aXbYbZc", false, true},
		{"?", "é", false, true},     // "?" is one character, not one byte
		{"${*}", "x", false, false}, // no policy variables: literal text
		{"${*}", "${*}", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.s, func(t *testing.T) {
			if got := policy.MatchLike(tt.pattern, tt.s, tt.fold); got != tt.want {
				t.Errorf("MatchLike(%q, %q, %v) = %v, want %v", tt.pattern, tt.s, tt.fold, got, tt.want)
			}
		})
	}
}
