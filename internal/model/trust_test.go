package model

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestSubjectFacts: a :sub value's ServiceAccount counts as gone only when
// the input proves it (docs/contract.md#absence-needs-proof).
func TestSubjectFacts(t *testing.T) {
	s := &snapshot.Snapshot{ServiceAccounts: map[string]*snapshot.ServiceAccount{
		"payments/s3-reader": {ObjectMeta: snapshot.ObjectMeta{Namespace: "payments", Name: "s3-reader"}},
	}}
	s.Listings = append(s.Listings, snapshot.Listing{Kind: snapshot.KindServiceAccount, Namespace: "payments", Source: snapshot.Source{Kind: "bundle", Ref: "serviceaccounts.json"}})
	s.NotFounds = append(s.NotFounds, snapshot.NotFound{Kind: snapshot.KindServiceAccount, Namespace: "billing", Name: "exporter",
		Message: `Error from server (NotFound): serviceaccounts "exporter" not found`, Source: snapshot.Source{Kind: "bundle", Ref: "sa-exporter.txt"}})
	c := &Context{Snap: s}
	tests := []struct {
		sub    string
		exists bool
		gone   string
	}{
		{sub: iamSub, exists: true},
		{sub: "system:serviceaccount:payments:s3-writer", gone: "ServiceAccount payments/s3-writer does not exist: serviceaccounts.json lists the ServiceAccounts of namespace payments without it"},
		{sub: "system:serviceaccount:billing:exporter", gone: `ServiceAccount billing/exporter does not exist: sa-exporter.txt says Error from server (NotFound): serviceaccounts "exporter" not found`},
		{sub: "system:serviceaccount:staging:s3-reader"},
		{sub: "system:serviceaccount:payments:s3-*"},
		{sub: "sts.amazonaws.com"},
	}
	for _, tt := range tests {
		t.Run(tt.sub, func(t *testing.T) {
			exists, gone := c.subjectFacts(tt.sub)
			if exists != tt.exists || gone != tt.gone {
				t.Errorf("subjectFacts = (%v, %q), want (%v, %q)", exists, gone, tt.exists, tt.gone)
			}
		})
	}
}

// TestManagedBy: the tags that tell a role infrastructure as code manages.
func TestManagedBy(t *testing.T) {
	tests := []struct {
		tags map[string]string
		want string
	}{
		{map[string]string{"aws:cloudformation:stack-name": "payments-iam"}, `CloudFormation stack "payments-iam" (change the role's AssumeRolePolicyDocument in the stack's template)`},
		{map[string]string{"alpha.eksctl.io/cluster-name": "prod", "alpha.eksctl.io/iamserviceaccount-name": "payments/s3-reader"}, `eksctl (cluster "prod": change the iamserviceaccount or podidentityassociation in its config file, then run eksctl again)`},
		{map[string]string{"ManagedBy": "Terraform"}, "Terraform (tag ManagedBy=Terraform: change the role's assume_role_policy in its configuration)"},
		{map[string]string{"team": "payments"}, ""},
		{nil, ""},
	}
	for _, tt := range tests {
		if got := ManagedBy(&snapshot.Role{Tags: tt.tags}); got != tt.want {
			t.Errorf("ManagedBy(%v) = %q, want %q", tt.tags, got, tt.want)
		}
	}
}
