package awscollect

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	smithy "github.com/aws/smithy-go"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// NoClusterError says that no readable EKS cluster of the region has the
// API server endpoint.
type NoClusterError struct {
	Endpoint string
	Region   string
	// Clusters are the region's clusters; Unreadable those whose
	// DescribeCluster failed, with the error code or text.
	Clusters   []string
	Unreadable map[string]string
}

func (e *NoClusterError) Error() string {
	msg := fmt.Sprintf("no EKS cluster in region %s has the API server endpoint %s", e.Region, e.Endpoint)
	if len(e.Clusters) == 0 {
		msg = fmt.Sprintf("region %s has no EKS cluster, so none has the API server endpoint %s", e.Region, e.Endpoint)
	} else {
		msg += " (clusters: " + strings.Join(e.Clusters, ", ") + ")"
	}
	if len(e.Unreadable) > 0 {
		var parts []string
		for _, n := range sortedKeys(e.Unreadable) {
			parts = append(parts, n+": "+e.Unreadable[n])
		}
		msg += "; eks:DescribeCluster failed for " + strings.Join(parts, ", ")
	}
	return msg
}

// listClustersError is a failed eks:ListClusters.
type listClustersError struct{ err error }

func (e *listClustersError) Error() string { return "eks:ListClusters: " + e.err.Error() }
func (e *listClustersError) Unwrap() error { return e.err }

type callFunc func(ctx context.Context, action string, fn func(ctx context.Context) error) error

// FindCluster returns the name of the EKS cluster of cfg's region whose
// API server endpoint is endpoint (the kubeconfig's server), with
// eks:ListClusters (every page) and eks:DescribeCluster of each cluster.
// Collect finds the cluster itself when Options.Cluster is "", reusing the
// matching DescribeCluster answer.
func FindCluster(ctx context.Context, cfg aws.Config, endpoint string) (string, error) {
	sem := make(chan struct{}, DefaultConcurrency)
	call := func(ctx context.Context, _ string, fn func(ctx context.Context) error) error {
		select {
		case sem <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		defer func() { <-sem }()
		cctx, cancel := context.WithTimeout(ctx, DefaultCallTimeout)
		defer cancel()
		return fn(cctx)
	}
	c, err := findCluster(ctx, eks.NewFromConfig(cfg), endpoint, call)
	if err != nil {
		var nc *NoClusterError
		if errors.As(err, &nc) {
			nc.Region = cfg.Region
		}
		return "", fmt.Errorf("find the EKS cluster: %w", err)
	}
	return aws.ToString(c.Name), nil
}

func findCluster(ctx context.Context, client *eks.Client, endpoint string, call callFunc) (*ekstypes.Cluster, error) {
	want, err := normalEndpoint(endpoint)
	if err != nil {
		return nil, err
	}
	var names []string
	pages := eks.NewListClustersPaginator(client, &eks.ListClustersInput{})
	for pages.HasMorePages() {
		var page *eks.ListClustersOutput
		err := call(ctx, "eks:ListClusters", func(ctx context.Context) error {
			var err error
			page, err = pages.NextPage(ctx)
			return err
		})
		if err != nil {
			return nil, &listClustersError{err}
		}
		names = append(names, page.Clusters...)
	}
	sort.Strings(names)
	found := make([]*ekstypes.Cluster, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			errs[i] = call(ctx, "eks:DescribeCluster", func(ctx context.Context) error {
				out, err := client.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
				if err == nil {
					found[i] = out.Cluster
				}
				return err
			})
		})
	}
	wg.Wait()
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	nc := &NoClusterError{Endpoint: endpoint, Clusters: names}
	for i, c := range found {
		if c != nil {
			if got, err := normalEndpoint(aws.ToString(c.Endpoint)); err == nil && got == want {
				return c, nil
			}
			continue
		}
		if nc.Unreadable == nil {
			nc.Unreadable = map[string]string{}
		}
		var ae smithy.APIError
		if errors.As(errs[i], &ae) {
			nc.Unreadable[names[i]] = ae.ErrorCode()
		} else {
			nc.Unreadable[names[i]] = errs[i].Error()
		}
	}
	return nil, nc
}

// normalEndpoint reduces an API server URL to what identifies it: the
// lower-cased host, and the port unless it is 443 (kubeconfigs write
// EKS endpoints with and without ":443" and a trailing slash).
func normalEndpoint(s string) (string, error) {
	raw := strings.TrimSpace(s)
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "", fmt.Errorf("API server endpoint %q is not a URL", s)
	}
	host := strings.ToLower(u.Hostname())
	if p := u.Port(); p != "" && p != "443" {
		host += ":" + p
	}
	return host + strings.TrimSuffix(u.EscapedPath(), "/"), nil
}

// findGap is the gap of a cluster that could not be found.
func findGap(err error, region, account string) snapshot.Gap {
	var nc *NoClusterError
	var le *listClustersError
	var ae smithy.APIError
	switch {
	case errors.As(err, &nc):
		nc.Region = region
		return snapshot.Gap{Source: "aws", Operation: "eks:DescribeCluster", Resource: "endpoint " + nc.Endpoint,
			Reason: nc.Error() + " in account " + account + " (pass --cluster NAME, with --region and --profile of the cluster's account)"}
	case errors.As(err, &le) && errors.As(err, &ae):
		h := "pass --cluster NAME"
		if deniedCodes[ae.ErrorCode()] {
			h = "grant eks:ListClusters, or pass --cluster NAME"
		}
		return snapshot.Gap{Source: "aws", Operation: "eks:ListClusters", Resource: "region " + region,
			Reason: fmt.Sprintf("%s: %s (%s)", ae.ErrorCode(), ae.ErrorMessage(), h)}
	}
	return snapshot.Gap{Source: "aws", Operation: "eks:ListClusters", Resource: "region " + region,
		Reason: fmt.Sprintf("the EKS cluster could not be found: %v (pass --cluster NAME)", err)}
}
