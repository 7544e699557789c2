package model

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// ClusterSubject is the EKS cluster as a finding subject; without a
// describe-cluster output it has no name.
func ClusterSubject(i IssuerFact) finding.Subject {
	if i.Cluster == nil {
		return finding.Subject{Kind: "EKSCluster"}
	}
	return finding.Subject{Kind: "EKSCluster", Name: i.Cluster.Name, ARN: i.Cluster.ARN}
}

// IssuerFact is the cluster's OIDC issuer and where it came from.
type IssuerFact struct {
	URL      string // as EKS reports it: https://oidc.eks.REGION.amazonaws.com/id/ID
	HostPath string // without https://, as IAM names the provider and its keys
	// Cluster is the describe-cluster output it came from; nil when it came
	// from a bare issuer URL file.
	Cluster *snapshot.Cluster
	Region  string // "" when unknown
	Source  snapshot.Source
}

// Evidence names the issuer and its origin.
func (i IssuerFact) Evidence() Detail {
	if i.Cluster != nil {
		return Ev(i.Source, fmt.Sprintf("cluster %s issuer: %s", i.Cluster.Name, i.URL))
	}
	return Ev(i.Source, "issuer URL: "+i.URL)
}

// ClusterName is the cluster's name, or "" when the issuer came from a bare
// issuer URL.
func (i IssuerFact) ClusterName() string {
	if i.Cluster == nil {
		return ""
	}
	return i.Cluster.Name
}

// Partition is the cluster's partition, from its ARN or else its region;
// "" when neither is known.
func (i IssuerFact) Partition() string {
	if i.Cluster != nil {
		if a, err := arn.Parse(i.Cluster.ARN); err == nil {
			return a.Partition
		}
	}
	if i.Region != "" {
		return arn.PartitionForRegion(i.Region)
	}
	return ""
}

// Account is the cluster's account, "" when unknown.
func (i IssuerFact) Account() string {
	if i.Cluster != nil && arn.IsAccountID(i.Cluster.Account) {
		return i.Cluster.Account
	}
	return ""
}

// describeClusterGapWhy names the exact missing fact when the collector
// could not describe the cluster (a gap of eks:DescribeCluster): "" when
// the input has no such gap.
func describeClusterGapWhy(s *snapshot.Snapshot) string {
	for _, g := range s.Gaps {
		if g.Source != "aws" || g.Operation != "eks:DescribeCluster" {
			continue
		}
		name := ""
		if _, after, ok := strings.Cut(g.Resource, ":cluster/"); ok {
			name = after
		}
		capture := " (capture: " + describeClusterCmd(name) + ")"
		code, _, ok := strings.Cut(g.Reason, ": ")
		if ok && code != "" && !strings.ContainsAny(code, " \t") {
			verb := "failed"
			if strings.Contains(code, "AccessDenied") || strings.Contains(code, "Unauthorized") {
				verb = "was refused"
			}
			return fmt.Sprintf("eks:DescribeCluster %s (%s), so the cluster's issuer is unknown%s", verb, code, capture)
		}
		return fmt.Sprintf("eks:DescribeCluster could not describe the cluster (%s), so the cluster's issuer is unknown%s", g.Reason, capture)
	}
	return ""
}

// describeClusterCmd is the capture command for the cluster.
func describeClusterCmd(name string) string {
	if name == "" {
		name = "CLUSTER"
	}
	return "aws eks describe-cluster --name " + finding.Quote(name) + " --output json"
}

// eksIssuerHost matches the issuer hosts EKS uses, oidc.eks.REGION.amazonaws.com
// and, in China, oidc.eks.REGION.amazonaws.com.cn (docs/reference/trust-policy.md#partitions-issuer-hosts-and-audience, docs/reference/trust-policy.md#sts-endpoints).
var eksIssuerHost = regexp.MustCompile(`^oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$`)

// issuerRegion returns the region of an EKS issuer host and path, or "".
func issuerRegion(hostPath string) string {
	host, _, _ := strings.Cut(hostPath, "/")
	if m := eksIssuerHost.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

// ClusterIssuer returns the issuer of the cluster the input describes:
// describe-cluster's identity.oidc.issuer, or else a bare issuer URL file
// (docs/contract.md#bundles). why says what is missing when ok is false;
// missing is true when the cluster is known and has no issuer (IRSA301).
func ClusterIssuer(s *snapshot.Snapshot) (fact IssuerFact, why string, missing bool) {
	if cl := s.Cluster(); cl != nil {
		if strings.TrimSpace(cl.Issuer) == "" {
			return IssuerFact{Cluster: cl, Region: cl.Region, Source: cl.Source},
				fmt.Sprintf("cluster %s has no OIDC issuer (describe-cluster shows no identity.oidc.issuer)", cl.Name), true
		}
		hp, err := arn.IssuerHostPath(strings.TrimSpace(cl.Issuer))
		if err != nil {
			return IssuerFact{Cluster: cl, Region: cl.Region, Source: cl.Source}, fmt.Sprintf("cluster %s: %v", cl.Name, err), true
		}
		region := cl.Region
		if region == "" {
			region = issuerRegion(hp)
		}
		return IssuerFact{URL: strings.TrimSpace(cl.Issuer), HostPath: hp, Cluster: cl, Region: region, Source: cl.Source}, "", false
	}
	var urls []snapshot.IssuerURL
	seen := map[string]bool{}
	for _, u := range s.IssuerURLs {
		v := strings.TrimSpace(u.URL)
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		urls = append(urls, u)
	}
	switch len(urls) {
	case 0:
		if why := describeClusterGapWhy(s); why != "" {
			return IssuerFact{}, why, false
		}
		return IssuerFact{}, "the input has no EKS cluster and no issuer URL (capture: " + describeClusterCmd("") + ")", false
	case 1:
		v := strings.TrimSpace(urls[0].URL)
		hp, err := arn.IssuerHostPath(v)
		if err != nil {
			return IssuerFact{Source: urls[0].Source}, err.Error(), false
		}
		return IssuerFact{URL: v, HostPath: hp, Region: issuerRegion(hp), Source: urls[0].Source}, "", false
	}
	var vs []string
	for _, u := range urls {
		vs = append(vs, strings.TrimSpace(u.URL))
	}
	sort.Strings(vs)
	return IssuerFact{}, fmt.Sprintf("the input holds several issuer URLs (%s) and no describe-cluster output to choose one (capture: %s)",
		strings.Join(vs, ", "), describeClusterCmd("")), false
}
