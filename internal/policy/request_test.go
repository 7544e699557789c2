package policy_test

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

func TestSplitServiceAccountSubject(t *testing.T) {
	tests := []struct {
		sub, ns, name string
		ok            bool
	}{
		{"system:serviceaccount:payments:api", "payments", "api", true},
		{policy.ServiceAccountSubject("kube-system", "aws-node"), "kube-system", "aws-node", true},
		{"system:serviceaccount:payments:a:b", "payments", "a:b", true},
		{"system:serviceaccount:*:api", "*", "api", true},
		{"system:serviceaccount:payments", "", "", false},
		{"system:node:ip-10-0-0-1", "", "", false},
		{"sts.amazonaws.com", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.sub, func(t *testing.T) {
			ns, name, ok := policy.SplitServiceAccountSubject(tt.sub)
			if ns != tt.ns || name != tt.name || ok != tt.ok {
				t.Errorf("SplitServiceAccountSubject(%q) = %q, %q, %v; want %q, %q, %v", tt.sub, ns, name, ok, tt.ns, tt.name, tt.ok)
			}
		})
	}
}
