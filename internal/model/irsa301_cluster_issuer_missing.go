package model

import (
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// clusterSubject is the EKS cluster as a finding subject; without a
// describe-cluster output it has no name.
func ClusterSubject(i IssuerFact) finding.Subject {
	if i.Cluster == nil {
		return finding.Subject{Kind: "EKSCluster"}
	}
	return finding.Subject{Kind: "EKSCluster", Name: i.Cluster.Name, ARN: i.Cluster.ARN}
}
