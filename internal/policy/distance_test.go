package policy_test

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

func TestOSADistance(t *testing.T) {
	tests := []struct {
		a, b string
		max  int
		want int
	}{
		{"payments", "payments", 2, 0},
		{"payments", "payment", 2, 1},
		{"s3-reader", "s3-raeder", 2, 1}, // a transposition counts 1
		{"eks.amazonaws.com/role-arn", "eks.amazonaws.com/rolearn", 2, 1},
		{"db", "ui", 2, 2},
		{"payments", "billing", 2, 3}, // beyond max: max+1
		{"a", "abcd", 2, 3},
		{"é", "e", 2, 1}, // runes, not bytes
	}
	for _, tt := range tests {
		t.Run(tt.a+" "+tt.b, func(t *testing.T) {
			if got := policy.OSADistance(tt.a, tt.b, tt.max); got != tt.want {
				t.Errorf("OSADistance(%q, %q, %d) = %d, want %d", tt.a, tt.b, tt.max, got, tt.want)
			}
		})
	}
}
