package model

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestClusterIssuer: the issuer comes from describe-cluster, else from the
// one bare issuer URL of the input; without either, or with several URLs
// and no cluster, it is unknown with the capture command, and a cluster
// without an issuer proves it missing.
func TestClusterIssuer(t *testing.T) {
	src := snapshot.Source{Kind: "bundle", Ref: "in.json"}
	cluster := func(issuer string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.Clusters = append(s.Clusters, &snapshot.Cluster{Name: "prod", Region: "eu-west-1", Issuer: issuer, Source: src})
		}
	}
	url := func(u string) func(*snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.IssuerURLs = append(s.IssuerURLs, snapshot.IssuerURL{URL: u, Source: src})
		}
	}
	tests := []struct {
		name                  string
		mods                  []func(*snapshot.Snapshot)
		hostPath, region, why string
		missing               bool
	}{
		{name: "describe-cluster", mods: []func(*snapshot.Snapshot){cluster(iamIssuer)},
			hostPath: iamHP, region: "eu-west-1"},
		{name: "a cluster without an issuer", mods: []func(*snapshot.Snapshot){cluster("")},
			region: "eu-west-1", why: "cluster prod has no OIDC issuer (describe-cluster shows no identity.oidc.issuer)", missing: true},
		{name: "a bare issuer URL", mods: []func(*snapshot.Snapshot){url(iamIssuer + "\n")},
			hostPath: iamHP, region: "us-west-2"},
		{name: "nothing", why: "the input has no EKS cluster and no issuer URL (capture: aws eks describe-cluster --name CLUSTER --output json)"},
		// Issue 10, item 10: the reason names the exact missing fact.
		{name: "eks:DescribeCluster refused", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.Gaps = append(s.Gaps, snapshot.Gap{Source: "aws", Operation: "eks:DescribeCluster", Resource: "arn:aws:eks:us-west-2:111122223333:cluster/prod",
				Reason: "AccessDeniedException: User: arn:aws:iam::111122223333:user/dev is not authorized to perform: eks:DescribeCluster (grant eks:DescribeCluster)"})
		}},
			why: "eks:DescribeCluster was refused (AccessDeniedException), so the cluster's issuer is unknown (capture: aws eks describe-cluster --name prod --output json)"},
		{name: "eks:DescribeCluster timed out", mods: []func(*snapshot.Snapshot){func(s *snapshot.Snapshot) {
			s.Gaps = append(s.Gaps, snapshot.Gap{Source: "aws", Operation: "eks:DescribeCluster", Resource: "arn:aws:eks:us-west-2:111122223333:cluster/prod",
				Reason: "timed out after 30s (run again)"})
		}},
			why: "eks:DescribeCluster could not describe the cluster (timed out after 30s (run again)), so the cluster's issuer is unknown (capture: aws eks describe-cluster --name prod --output json)"},
		{name: "two URLs", mods: []func(*snapshot.Snapshot){url("https://oidc.eks.eu-west-1.amazonaws.com/id/B"), url("https://oidc.eks.eu-west-1.amazonaws.com/id/A")},
			why: "the input holds several issuer URLs (https://oidc.eks.eu-west-1.amazonaws.com/id/A, https://oidc.eks.eu-west-1.amazonaws.com/id/B) and no describe-cluster output to choose one (capture: aws eks describe-cluster --name CLUSTER --output json)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := snapshot.New("offline")
			for _, m := range tt.mods {
				m(s)
			}
			fact, why, missing := ClusterIssuer(s)
			if fact.HostPath != tt.hostPath || fact.Region != tt.region || why != tt.why || missing != tt.missing {
				t.Errorf("ClusterIssuer = (host path %q, region %q, %q, %v), want (%q, %q, %q, %v)",
					fact.HostPath, fact.Region, why, missing, tt.hostPath, tt.region, tt.why, tt.missing)
			}
		})
	}
}
