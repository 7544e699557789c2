package serve

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

func TestReason(t *testing.T) {
	for slug, want := range map[string]string{
		"trust-subject-mismatch":                   "TrustSubjectMismatch",
		"service-account-not-found":                "ServiceAccountNotFound",
		"node-role-cannot-assume-for-pod-identity": "NodeRoleCannotAssumeForPodIdentity",
		"x": "X",
	} {
		if got := Reason(slug); got != want {
			t.Errorf("Reason(%q) = %q, want %q", slug, got, want)
		}
	}
}

// TestRegarding: a failure's Events go on each target's workload (a pod's
// owner; a bare pod itself) and ServiceAccount, each object once: never
// one per pod of a Deployment, never on an IAM role.
func TestRegarding(t *testing.T) {
	owner := &finding.Ref{Kind: "Deployment", Namespace: "payments", Name: "api"}
	f := Failing{Check: "IRSA205", Subject: finding.Ref{Kind: "IAMRole", Name: "arn:aws:iam::111122223333:role/s3"}, Targets: []finding.Target{
		{Kind: "Deployment", Namespace: "payments", Name: "api", ServiceAccount: "s3-reader"},
		{Kind: "Pod", Namespace: "payments", Name: "api-7d9f-a", ServiceAccount: "s3-reader", Owner: owner},
		{Kind: "Pod", Namespace: "payments", Name: "api-7d9f-b", ServiceAccount: "s3-reader", Owner: owner},
		{Kind: "Pod", Namespace: "payments", Name: "debug", ServiceAccount: "s3-reader"},
		{Kind: "ServiceAccount", Namespace: "billing", Name: "unused", ServiceAccount: "unused"},
		{Kind: "PodIdentityAssociation", Namespace: "billing", Name: "a-123", ServiceAccount: "gone"},
	}}
	want := []finding.Ref{
		{Kind: "Deployment", Namespace: "payments", Name: "api"},
		{Kind: "ServiceAccount", Namespace: "payments", Name: "s3-reader"},
		{Kind: "Pod", Namespace: "payments", Name: "debug"},
		{Kind: "ServiceAccount", Namespace: "billing", Name: "unused"},
		{Kind: "ServiceAccount", Namespace: "billing", Name: "gone"},
	}
	if diff := cmp.Diff(want, regarding(f)); diff != "" {
		t.Errorf("regarding (-want +got):\n%s", diff)
	}
}
