package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA301(t *testing.T) {
	tests := []struct {
		name  string
		mods  []func(*snapshot.Snapshot)
		heads bool
		want  []string
	}{
		{name: "describe-cluster", want: []string{
			"IRSA301 pass EKSCluster prod: cluster prod has the OIDC issuer https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\n  evidence: bundle describe-cluster.json: cluster prod issuer: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
		}},
		{name: "bare issuer URL", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.Clusters = nil
			s.IssuerURLs = []snapshot.IssuerURL{{URL: iamIssuer, Source: snapshot.Source{Kind: "bundle", Ref: "issuer.txt"}}}
		}}, want: []string{
			"IRSA301 pass EKSCluster: the cluster's OIDC issuer is https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE\n  evidence: bundle issuer.txt: issuer URL: https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
		}},
		{name: "no issuer", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { s.Clusters[0].Issuer = "" }}, want: []string{
			"IRSA301 fail EKSCluster prod: cluster prod has no OIDC issuer (describe-cluster shows no identity.oidc.issuer)\n  evidence: bundle describe-cluster.json: cluster prod issuer: \"\"",
		}},
		{name: "no cluster", heads: true, mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) { s.Clusters = nil }}, want: []string{
			"IRSA301 skipped EKSCluster: the input has no EKS cluster and no issuer URL (capture: aws eks describe-cluster --name CLUSTER --output json)",
		}},
		{name: "ServiceAccount without a role", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.ServiceAccounts["payments/s3-reader"].Annotations = nil
		}}, want: nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := iamRender(t, iamSnapshot(tt.mods...), irsa301)
			if tt.heads {
				got = headsOf(got)
			}
			assertBlocks(t, got, tt.want)
		})
	}
}
