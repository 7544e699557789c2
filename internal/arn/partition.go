package arn

import (
	"fmt"
	"strings"
)

// partitions are the AWS partitions: eksctl's list (docs/reference/trust-policy.md#partitions-issuer-hosts-and-audience, docs/reference/trust-policy.md#sts-endpoints,
// eksctl pkg/apis/eksctl.io/v1alpha5/partitions.go) plus aws-eusc, the
// European Sovereign Cloud that the webhook's region switch knows
// (webhook main.go:160-176).
var partitions = []string{"aws", "aws-cn", "aws-us-gov", "aws-iso", "aws-iso-b", "aws-iso-e", "aws-iso-f", "aws-eusc"}

// Partitions returns the known partitions.
func Partitions() []string { return append([]string(nil), partitions...) }

// KnownPartition reports whether p is an AWS partition (exact, lower case).
func KnownPartition(p string) bool {
	for _, k := range partitions {
		if p == k {
			return true
		}
	}
	return false
}

// PartitionForRegion returns the partition a region belongs to. The prefixes
// cn-, us-gov-, us-iso-, us-isob- and eusc- are the webhook's own mapping
// (docs/reference/trust-policy.md#partitions-issuer-hosts-and-audience, docs/reference/trust-policy.md#sts-endpoints, webhook main.go:160-176); eu-isoe- and us-isof- come
// from the SDKs' partition table (aws-sdk-go-v2
// internal/endpoints/awsrulesfn/partitions.json, regionRegex
// "^eu\-isoe\-\w+\-\d+$" and "^us\-isof\-\w+\-\d+$"), which the webhook
// lacks. Anything else, "" included, is aws.
func PartitionForRegion(region string) string {
	switch {
	case strings.HasPrefix(region, "cn-"):
		return "aws-cn"
	case strings.HasPrefix(region, "us-gov-"):
		return "aws-us-gov"
	case strings.HasPrefix(region, "us-isob-"):
		return "aws-iso-b"
	case strings.HasPrefix(region, "us-isof-"):
		return "aws-iso-f"
	case strings.HasPrefix(region, "us-iso-"):
		return "aws-iso"
	case strings.HasPrefix(region, "eu-isoe-"):
		return "aws-iso-e"
	case strings.HasPrefix(region, "eusc-"):
		return "aws-eusc"
	}
	return "aws"
}

// partitionReason says why p is not a partition, or "".
func partitionReason(p string) string {
	switch {
	case KnownPartition(p):
		return ""
	case p == "":
		return "the partition (the second field) is empty"
	case KnownPartition(strings.ToLower(p)):
		return fmt.Sprintf("the partition %q must be lower case (%q)", p, strings.ToLower(p))
	}
	return fmt.Sprintf("the partition %q is not an AWS partition (%s)", p, strings.Join(partitions, ", "))
}
