package awscollect

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	json "github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

const (
	acctA     = "111122223333"
	acctB     = "444455556666"
	acctC     = "777788889999"
	issuer    = "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	issuerHP  = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	apiServer = "https://EXAMPLED539D4633E53DE1B71EXAMPLE.gr7.us-west-2.eks.amazonaws.com"
	provA     = "arn:aws:iam::" + acctA + ":oidc-provider/" + issuerHP
	provB     = "arn:aws:iam::" + acctB + ":oidc-provider/" + issuerHP
	github    = "arn:aws:iam::" + acctA + ":oidc-provider/token.actions.githubusercontent.com"
	reader    = "arn:aws:iam::" + acctA + ":role/payments-s3-reader"
	reporter  = "arn:aws:iam::" + acctA + ":role/service/reporter"
	crossRole = "arn:aws:iam::" + acctB + ":role/cross-reader"
	farRole   = "arn:aws:iam::" + acctC + ":role/far"
	callerARN = "arn:aws:sts::" + acctA + ":assumed-role/ReadOnly/alice"
)

func trustFor(provider, sa string) string {
	return `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"` + provider + `"},"Action":"sts:AssumeRoleWithWebIdentity",` +
		`"Condition":{"StringEquals":{"` + issuerHP + `:sub":"system:serviceaccount:` + sa + `","` + issuerHP + `:aud":"sts.amazonaws.com"}}}]}`
}

// podIdentityTrust is written with spaces and an unusual key order, which
// the capture must keep (the CLI prints the document as IAM stores it).
const podIdentityTrust = `{"Version": "2012-10-17", "Statement": [{"Action": ["sts:AssumeRole", "sts:TagSession"], "Principal": {"Service": "pods.eks.amazonaws.com"}, "Effect": "Allow"}]}`

func world() awsfake.State {
	return awsfake.State{
		Principals: []awsfake.Principal{{Account: acctA, ARN: callerARN}, {Account: acctB}},
		Clusters: []awsfake.Cluster{
			{Name: "prod", Endpoint: apiServer, Issuer: issuer, Version: "1.31", PlatformVersion: "eks.12"},
			{Name: "staging", Endpoint: "https://0123456789ABCDEF0123456789ABCDEF.yl4.us-west-2.eks.amazonaws.com",
				Issuer: "https://oidc.eks.us-west-2.amazonaws.com/id/0123456789ABCDEF0123456789ABCDEF"},
		},
		Roles: []awsfake.Role{
			{ARN: reader, TrustPolicy: trustFor(provA, "payments:s3-reader"), RoleID: "AROAEXAMPLEREADER0001"},
			{ARN: reporter, TrustPolicy: podIdentityTrust, MaxSessionDuration: 7200, Description: "reports", RoleID: "AROAEXAMPLEREPORTER01"},
			{ARN: crossRole, TrustPolicy: trustFor(provB, "payments:cross"), RoleID: "AROAEXAMPLECROSS00001"},
		},
		Providers: []awsfake.OIDCProvider{
			{ARN: provA, ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}},
			{ARN: github, ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{"6938fd4d98bab03faadb97b34396831e3780aea1"}},
			{ARN: provB, ClientIDs: []string{"sts.amazonaws.com", "sts.amazonaws.com.cn"}, Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}},
		},
		// Read only with Options.PodIdentity (podidentity_test.go).
		PodIdentityAssociations: []awsfake.PodIdentityAssociation{
			{Cluster: "prod", ID: "a-0reports000000000", Namespace: "payments", ServiceAccount: "reports", RoleARN: reporter,
				CreatedAt: time.Date(2026, 10, 1, 9, 30, 0, 0, time.UTC)},
			{Cluster: "prod", ID: "a-0billing000000000", Namespace: "billing", ServiceAccount: "invoices", RoleARN: "arn:aws:iam::" + acctA + ":role/invoices",
				CreatedAt: time.Date(2026, 10, 2, 9, 30, 0, 0, time.UTC)},
			{Cluster: "staging", ID: "a-0staging00000000", Namespace: "payments", ServiceAccount: "reports", RoleARN: reporter},
		},
	}
}

func read(t *testing.T, res Result) *snapshot.Snapshot {
	t.Helper()
	s, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Cluster: res.Cluster, Accounts: res.Accounts, Listed: res.Listed, Gaps: res.Gaps})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files {
		if f.Error != "" || f.RecognisedAs == "" {
			t.Errorf("capture %s read as %q with problem %q", f.Path, f.RecognisedAs, f.Error)
		}
	}
	return s
}

func captureData(t *testing.T, res Result, path string) string {
	t.Helper()
	for _, c := range res.Captures {
		if c.Path == path {
			return string(c.Data)
		}
	}
	t.Fatalf("no capture %s", path)
	return ""
}

// TestCollectReadsBack: every capture, read back through the bundle
// reader (as `scan` does) and through a dump on disk (as `dump` +
// `analyze` do), gives the expected facts.
func TestCollectReadsBack(t *testing.T) {
	f := awsfake.New(t, world())
	ctx := context.Background()
	res, err := Collect(ctx, f.Config(), Options{
		Endpoint: "https://exampled539d4633e53de1b71example.gr7.us-west-2.eks.amazonaws.com:443/",
		// The reporter's annotation misses its path: GetRole takes the name
		// and answers with the role's real ARN.
		RoleARNs:     []string{reader, "arn:aws:iam::" + acctA + ":role/reporter", "arn:aws:iam::" + acctA + ":role/ghost", crossRole, farRole, "not-an-arn"},
		RoleProfiles: map[string]aws.Config{acctB: f.ConfigAs(acctB)},
	})
	if err != nil {
		t.Fatal(err)
	}

	t.Run("result", func(t *testing.T) {
		got := []any{res.Account, res.Accounts, res.Cluster, res.ClusterARN, res.Issuer}
		want := []any{acctA, []string{acctA, acctB}, "prod", "arn:aws:eks:us-west-2:" + acctA + ":cluster/prod", issuer}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("(-want +got):\n%s", diff)
		}
		wantListed := []bundle.ManifestEntry{
			{Kind: snapshot.KindOIDCProvider, Account: acctA, File: acctA + "/list-open-id-connect-providers.json"},
			{Kind: snapshot.KindOIDCProvider, Account: acctB, File: acctB + "/list-open-id-connect-providers.json"},
		}
		if diff := cmp.Diff(wantListed, res.Listed); diff != "" {
			t.Errorf("listed (-want +got):\n%s", diff)
		}
		wantGaps := []snapshot.Gap{
			{Source: "aws", Operation: "iam:GetRole", Resource: farRole, Reason: "not read: the role is in account 777788889999 and the AWS credentials are in account 111122223333; " +
				"iam:GetRole takes a role name and reads the caller's own account (pass --role-profile 777788889999=PROFILE with a profile of that account allowed iam:GetRole and iam:ListOpenIDConnectProviders)"},
			{Source: "aws", Operation: "iam:ListOpenIDConnectProviders", Resource: "account 777788889999",
				Reason: "not read: no credentials for account 777788889999, whose roles need its IAM OIDC providers (pass --role-profile 777788889999=PROFILE)"},
		}
		if diff := cmp.Diff(wantGaps, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
		type capture struct{ Path, Source string }
		var caps []capture
		for _, c := range res.Captures {
			caps = append(caps, capture{c.Path, c.Source.String()})
		}
		wantCaps := []capture{
			{acctA + "/describe-cluster-prod.json", "aws:eks:DescribeCluster prod"},
			{acctA + "/get-caller-identity.json", "aws:sts:GetCallerIdentity"},
			{acctA + "/get-open-id-connect-provider-" + "oidc.eks.us-west-2.amazonaws.com-id-EXAMPLED539D4633E53DE1B71EXAMPLE.json", "aws:iam:GetOpenIDConnectProvider " + provA},
			{acctA + "/get-role-ghost.txt", "aws:iam:GetRole ghost"},
			{acctA + "/get-role-payments-s3-reader.json", "aws:iam:GetRole payments-s3-reader"},
			{acctA + "/get-role-reporter.json", "aws:iam:GetRole reporter"},
			{acctA + "/list-open-id-connect-providers.json", "aws:iam:ListOpenIDConnectProviders " + acctA},
			{acctB + "/get-open-id-connect-provider-" + "oidc.eks.us-west-2.amazonaws.com-id-EXAMPLED539D4633E53DE1B71EXAMPLE.json", "aws:iam:GetOpenIDConnectProvider " + provB},
			{acctB + "/get-role-cross-reader.json", "aws:iam:GetRole cross-reader in " + acctB},
			{acctB + "/list-open-id-connect-providers.json", "aws:iam:ListOpenIDConnectProviders " + acctB},
		}
		if diff := cmp.Diff(wantCaps, caps); diff != "" {
			t.Errorf("captures (-want +got):\n%s", diff)
		}
	})

	t.Run("captures are what the AWS CLI prints", func(t *testing.T) {
		tests := []struct{ path, want string }{
			{acctA + "/get-caller-identity.json", `{
    "UserId": "AIDAFAKE11112222333300",
    "Account": "111122223333",
    "Arn": "arn:aws:sts::111122223333:assumed-role/ReadOnly/alice"
}
`},
			{acctA + "/get-role-reporter.json", `{
    "Role": {
        "Path": "/service/",
        "RoleName": "reporter",
        "RoleId": "AROAEXAMPLEREPORTER01",
        "Arn": "arn:aws:iam::111122223333:role/service/reporter",
        "CreateDate": "2026-09-14T08:05:12+00:00",
        "AssumeRolePolicyDocument": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Action": [
                        "sts:AssumeRole",
                        "sts:TagSession"
                    ],
                    "Principal": {
                        "Service": "pods.eks.amazonaws.com"
                    },
                    "Effect": "Allow"
                }
            ]
        },
        "Description": "reports",
        "MaxSessionDuration": 7200,
        "RoleLastUsed": {}
    }
}
`},
			{acctA + "/list-open-id-connect-providers.json", `{
    "OpenIDConnectProviderList": [
        {
            "Arn": "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
        },
        {
            "Arn": "arn:aws:iam::111122223333:oidc-provider/token.actions.githubusercontent.com"
        }
    ]
}
`},
			{acctA + "/get-open-id-connect-provider-oidc.eks.us-west-2.amazonaws.com-id-EXAMPLED539D4633E53DE1B71EXAMPLE.json", `{
    "Url": "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
    "ClientIDList": [
        "sts.amazonaws.com"
    ],
    "ThumbprintList": [
        "9e99a48a9960b14926bb7f3b02e22da2b0ab7280"
    ],
    "CreateDate": "2026-03-02T15:30:01.120000+00:00",
    "Tags": []
}
`},
			{acctA + "/get-role-ghost.txt", "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name ghost cannot be found.\n"},
		}
		for _, tt := range tests {
			t.Run(tt.path, func(t *testing.T) {
				if diff := cmp.Diff(tt.want, captureData(t, res, tt.path)); diff != "" {
					t.Errorf("(-want +got):\n%s", diff)
				}
			})
		}
		cl := captureData(t, res, acctA+"/describe-cluster-prod.json")
		for _, want := range []string{"{\n    \"cluster\": {\n        \"name\": \"prod\",\n        \"arn\": \"arn:aws:eks:us-west-2:111122223333:cluster/prod\",\n        \"createdAt\": \"2026-03-02T15:10:44.512000+00:00\",\n        \"version\": \"1.31\",\n        \"endpoint\": \"" + apiServer + "\",",
			"        \"identity\": {\n            \"oidc\": {\n                \"issuer\": \"" + issuer + "\"\n            }\n        },\n        \"status\": \"ACTIVE\","} {
			if !strings.Contains(cl, want) {
				t.Errorf("describe-cluster capture lacks\n%s\nin\n%s", want, cl)
			}
		}
	})

	want := func() *snapshot.Snapshot {
		s := snapshot.New("live")
		yes := true // the fake's cluster has both endpoints
		s.Caller = &snapshot.CallerIdentity{Account: acctA, ARN: callerARN, UserID: "AIDAFAKE11112222333300"}
		s.Clusters = []*snapshot.Cluster{{Name: "prod", ARN: "arn:aws:eks:us-west-2:" + acctA + ":cluster/prod", Region: "us-west-2", Account: acctA,
			Version: "1.31", Issuer: issuer, Endpoint: apiServer, PlatformVersion: "eks.12",
			EndpointPublicAccess: &yes, EndpointPrivateAccess: &yes}}
		s.Roles[reader] = &snapshot.Role{ARN: reader, Name: "payments-s3-reader", Path: "/", Account: acctA, RoleID: "AROAEXAMPLEREADER0001",
			TrustPolicy: trustFor(provA, "payments:s3-reader"), MaxSessionDuration: 3600}
		s.Roles[reporter] = &snapshot.Role{ARN: reporter, Name: "reporter", Path: "/service/", Account: acctA, RoleID: "AROAEXAMPLEREPORTER01",
			TrustPolicy:        `{"Version":"2012-10-17","Statement":[{"Action":["sts:AssumeRole","sts:TagSession"],"Principal":{"Service":"pods.eks.amazonaws.com"},"Effect":"Allow"}]}`,
			MaxSessionDuration: 7200}
		s.Roles[crossRole] = &snapshot.Role{ARN: crossRole, Name: "cross-reader", Path: "/", Account: acctB, RoleID: "AROAEXAMPLECROSS00001",
			TrustPolicy: trustFor(provB, "payments:cross"), MaxSessionDuration: 3600}
		s.OIDCProviders = []*snapshot.OIDCProvider{
			{ARN: provA, Account: acctA, URL: issuerHP, ClientIDs: []string{"sts.amazonaws.com"}, Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}, Detailed: true},
			{ARN: github, Account: acctA, URL: "token.actions.githubusercontent.com"},
			{ARN: provB, Account: acctB, URL: issuerHP, ClientIDs: []string{"sts.amazonaws.com", "sts.amazonaws.com.cn"}, Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}, Detailed: true},
		}
		s.ProviderLists = []snapshot.ProviderList{{Account: acctA, ARNs: []string{provA, github}}, {Account: acctB, ARNs: []string{provB}}}
		s.Listings = []snapshot.Listing{{Kind: snapshot.KindOIDCProvider, Account: acctA}, {Kind: snapshot.KindOIDCProvider, Account: acctB}}
		s.NotFounds = []snapshot.NotFound{{Kind: snapshot.KindRole, Name: "ghost",
			Message: "An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name ghost cannot be found."}}
		s.Gaps = res.Gaps
		return s
	}()
	ignore := cmp.Options{
		cmpopts.IgnoreFields(snapshot.Snapshot{}, "Mode", "Files"),
		cmpopts.IgnoreTypes(snapshot.Source{}),
		cmpopts.EquateEmpty(),
		cmpopts.SortSlices(func(a, b *snapshot.OIDCProvider) bool { return a.ARN < b.ARN }),
		cmpopts.SortSlices(func(a, b snapshot.ProviderList) bool { return a.Account < b.Account }),
	}

	t.Run("scan reads the captures", func(t *testing.T) {
		s := read(t, res)
		if diff := cmp.Diff(want, s, ignore); diff != "" {
			t.Errorf("snapshot (-want +got):\n%s", diff)
		}
		if got := s.Roles[reader].Source; got != (snapshot.Source{Kind: "aws", Ref: "iam:GetRole payments-s3-reader"}) {
			t.Errorf("role evidence source %+v", got)
		}
	})

	t.Run("analyze reads the dump", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "dump")
		m := bundle.Manifest{CollectedAt: "2026-11-26T11:58:03Z", Cluster: res.Cluster, Accounts: res.Accounts, Listed: res.Listed, Gaps: res.Gaps}
		if err := bundle.WriteDump(dir, res.Captures, m); err != nil {
			t.Fatal(err)
		}
		s, err := bundle.Read(ctx, []string{dir}, bundle.Options{})
		if err != nil {
			t.Fatal(err)
		}
		want.CollectedAt = "2026-11-26T11:58:03Z"
		if diff := cmp.Diff(want, s, ignore); diff != "" {
			t.Errorf("snapshot (-want +got):\n%s", diff)
		}
	})
}

// TestCallCounts: 1,000 pods' worth of role ARNs over 50 roles read each
// role exactly once, concurrently within the bound; nothing is called per
// pod.
func TestCallCounts(t *testing.T) {
	st := world()
	st.Roles = nil
	for i := range 50 {
		st.Roles = append(st.Roles, awsfake.Role{ARN: fmt.Sprintf("arn:aws:iam::%s:role/app-%02d", acctA, i), TrustPolicy: trustFor(provA, fmt.Sprintf("ns:app-%02d", i))})
	}
	// Latency makes calls overlap, so that the bound is what limits them.
	st.Delays = map[string]time.Duration{"iam:GetRole": 5 * time.Millisecond}
	f := awsfake.New(t, st)
	var arns []string
	for pod := range 1000 {
		arns = append(arns, st.Roles[pod%50].ARN)
	}
	arns = append(arns, farRole, farRole)
	var mu sync.Mutex
	progress := map[string]int{}
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", RoleARNs: arns, Concurrency: 4,
		Progress: func(action string) {
			mu.Lock()
			progress[action]++
			mu.Unlock()
		}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "iam:ListOpenIDConnectProviders": 1,
		"iam:GetOpenIDConnectProvider": 1, "iam:GetRole": 50}
	if diff := cmp.Diff(want, f.Calls()); diff != "" {
		t.Errorf("calls (-want +got):\n%s", diff)
	}
	if diff := cmp.Diff(want, progress); diff != "" {
		t.Errorf("progress reports (-want +got):\n%s", diff)
	}
	perRole := map[string]int{}
	for _, c := range f.Log() {
		if c.Action == "iam:GetRole" {
			perRole[c.Resource]++
			if c.Account != acctA {
				t.Errorf("GetRole %s signed by account %s", c.Resource, c.Account)
			}
		}
	}
	for name, n := range perRole {
		if n != 1 {
			t.Errorf("role %s read %d times", name, n)
		}
	}
	if len(perRole) != 50 {
		t.Errorf("%d roles read, want 50", len(perRole))
	}
	if p := f.Peak(); p > 4 || p < 2 {
		t.Errorf("%d calls in flight at most, want 2 to 4 (the bound)", p)
	}
	if n := len(res.Captures); n != 1+1+1+1+50 {
		t.Errorf("%d captures, want 54", n)
	}
}

func TestDenied(t *testing.T) {
	grant := "; deploy/iam-policy.json lists what irsa-doctor calls)"
	who := "User: " + callerARN + " is not authorized to perform: "
	tests := []struct {
		name  string
		deny  [][2]string
		opts  Options
		gaps  []snapshot.Gap
		calls map[string]int
		// paths are the captures expected besides the caller identity.
		paths []string
	}{
		{name: "iam:GetRole of one role", deny: [][2]string{{"iam:GetRole", reader}},
			opts: Options{Cluster: "prod", RoleARNs: []string{reader, reporter}},
			gaps: []snapshot.Gap{{Source: "aws", Operation: "iam:GetRole", Resource: reader,
				Reason: "AccessDenied: " + who + "iam:GetRole on resource: role payments-s3-reader because no identity-based policy allows the iam:GetRole action (grant iam:GetRole on " + reader + grant}},
			calls: map[string]int{"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "iam:ListOpenIDConnectProviders": 1, "iam:GetOpenIDConnectProvider": 1, "iam:GetRole": 2},
			paths: []string{"describe-cluster-prod.json", "get-open-id-connect-provider-oidc.eks.us-west-2.amazonaws.com-id-EXAMPLED539D4633E53DE1B71EXAMPLE.json", "get-role-reporter.json", "list-open-id-connect-providers.json"}},
		{name: "eks:DescribeCluster: no issuer, so no provider details", deny: [][2]string{{"eks:DescribeCluster", "prod"}},
			opts: Options{Cluster: "prod"},
			gaps: []snapshot.Gap{{Source: "aws", Operation: "eks:DescribeCluster", Resource: "arn:aws:eks:us-west-2:" + acctA + ":cluster/prod",
				Reason: "AccessDeniedException: " + who + "eks:DescribeCluster on resource: arn:aws:eks:us-west-2:" + acctA + ":cluster/prod because no identity-based policy allows the eks:DescribeCluster action (grant eks:DescribeCluster on arn:aws:eks:us-west-2:" + acctA + ":cluster/prod" + grant}},
			calls: map[string]int{"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "iam:ListOpenIDConnectProviders": 1},
			paths: []string{"list-open-id-connect-providers.json"}},
		{name: "iam:ListOpenIDConnectProviders", deny: [][2]string{{"iam:ListOpenIDConnectProviders", ""}},
			opts: Options{Cluster: "prod"},
			gaps: []snapshot.Gap{{Source: "aws", Operation: "iam:ListOpenIDConnectProviders", Resource: "account " + acctA,
				Reason: "AccessDenied: " + who + "iam:ListOpenIDConnectProviders on resource: arn:aws:iam::" + acctA + ":oidc-provider/* because no identity-based policy allows the iam:ListOpenIDConnectProviders action (grant iam:ListOpenIDConnectProviders on arn:aws:iam::" + acctA + ":oidc-provider/*" + grant}},
			calls: map[string]int{"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "iam:ListOpenIDConnectProviders": 1},
			paths: []string{"describe-cluster-prod.json"}},
		{name: "iam:GetOpenIDConnectProvider", deny: [][2]string{{"iam:GetOpenIDConnectProvider", provA}},
			opts: Options{Cluster: "prod"},
			gaps: []snapshot.Gap{{Source: "aws", Operation: "iam:GetOpenIDConnectProvider", Resource: provA,
				Reason: "AccessDenied: " + who + "iam:GetOpenIDConnectProvider on resource: " + provA + " because no identity-based policy allows the iam:GetOpenIDConnectProvider action (grant iam:GetOpenIDConnectProvider on " + provA + grant}},
			calls: map[string]int{"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "iam:ListOpenIDConnectProviders": 1, "iam:GetOpenIDConnectProvider": 1},
			paths: []string{"describe-cluster-prod.json", "list-open-id-connect-providers.json"}},
		{name: "eks:ListClusters when the cluster is found by endpoint", deny: [][2]string{{"eks:ListClusters", ""}},
			opts: Options{Endpoint: apiServer},
			gaps: []snapshot.Gap{{Source: "aws", Operation: "eks:ListClusters", Resource: "region us-west-2",
				Reason: "AccessDeniedException: " + who + "eks:ListClusters on resource: arn:aws:eks:us-west-2:" + acctA + ":cluster/* because no identity-based policy allows the eks:ListClusters action (grant eks:ListClusters, or pass --cluster NAME)"}},
			calls: map[string]int{"sts:GetCallerIdentity": 1, "eks:ListClusters": 1, "iam:ListOpenIDConnectProviders": 1},
			paths: []string{"list-open-id-connect-providers.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := awsfake.New(t, world())
			for _, d := range tt.deny {
				f.Deny(d[0], d[1])
			}
			res, err := Collect(context.Background(), f.Config(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.gaps, res.Gaps); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.calls, f.Calls()); diff != "" {
				t.Errorf("calls (-want +got):\n%s", diff)
			}
			var paths []string
			for _, c := range res.Captures {
				if p := strings.TrimPrefix(c.Path, acctA+"/"); p != "get-caller-identity.json" {
					paths = append(paths, p)
				}
			}
			if diff := cmp.Diff(tt.paths, paths); diff != "" {
				t.Errorf("captures (-want +got):\n%s", diff)
			}
			// The gaps reach the snapshot through the manifest.
			if diff := cmp.Diff(tt.gaps, read(t, res).Gaps); diff != "" {
				t.Errorf("snapshot gaps (-want +got):\n%s", diff)
			}
		})
	}
}

func TestCrossAccount(t *testing.T) {
	tests := []struct {
		name     string
		profiles func(f *awsfake.Fake) map[string]aws.Config
		gaps     []snapshot.Gap
		// getRole are the GetRole calls, as "account/name".
		getRole  []string
		accounts []string
	}{
		{name: "no profile: not read with the caller's credentials", profiles: func(*awsfake.Fake) map[string]aws.Config { return nil },
			gaps: []snapshot.Gap{
				{Source: "aws", Operation: "iam:GetRole", Resource: crossRole, Reason: "not read: the role is in account 444455556666 and the AWS credentials are in account 111122223333; " +
					"iam:GetRole takes a role name and reads the caller's own account (pass --role-profile 444455556666=PROFILE with a profile of that account allowed iam:GetRole and iam:ListOpenIDConnectProviders)"},
				{Source: "aws", Operation: "iam:ListOpenIDConnectProviders", Resource: "account 444455556666",
					Reason: "not read: no credentials for account 444455556666, whose roles need its IAM OIDC providers (pass --role-profile 444455556666=PROFILE)"},
			},
			getRole: []string{acctA + "/payments-s3-reader"}, accounts: []string{acctA}},
		{name: "a profile of the role's account", profiles: func(f *awsfake.Fake) map[string]aws.Config { return map[string]aws.Config{acctB: f.ConfigAs(acctB)} },
			getRole: []string{acctA + "/payments-s3-reader", acctB + "/cross-reader"}, accounts: []string{acctA, acctB}},
		{name: "a profile that signs in to another account", profiles: func(f *awsfake.Fake) map[string]aws.Config { return map[string]aws.Config{acctB: f.Config()} },
			gaps: []snapshot.Gap{{Source: "aws", Operation: "iam:ListOpenIDConnectProviders", Resource: "account 444455556666",
				Reason: "the --role-profile given for account 444455556666 signs in to account 111122223333 (it lists " + provA + "): its answers are not used; pass a profile of account 444455556666"}},
			getRole: []string{acctA + "/payments-s3-reader"}, accounts: []string{acctA}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := awsfake.New(t, world())
			res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", RoleARNs: []string{reader, crossRole}, RoleProfiles: tt.profiles(f)})
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(tt.gaps, res.Gaps, cmpopts.EquateEmpty()); diff != "" {
				t.Errorf("gaps (-want +got):\n%s", diff)
			}
			var got []string
			for _, c := range f.Log() {
				if c.Action == "iam:GetRole" {
					got = append(got, c.Account+"/"+c.Resource)
				}
			}
			sort.Strings(got)
			if diff := cmp.Diff(tt.getRole, got); diff != "" {
				t.Errorf("GetRole calls (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff(tt.accounts, res.Accounts); diff != "" {
				t.Errorf("accounts (-want +got):\n%s", diff)
			}
			s := read(t, res)
			if _, ok := s.Roles[crossRole]; ok != (len(tt.getRole) == 2) {
				t.Errorf("role %s in the snapshot: %t", crossRole, ok)
			}
		})
	}
}

func TestThrottling(t *testing.T) {
	t.Run("retried", func(t *testing.T) {
		f := awsfake.New(t, world())
		f.Throttle("iam:GetRole", 2)
		f.Throttle("eks:DescribeCluster", 1)
		f.Throttle("sts:GetCallerIdentity", 1)
		res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", RoleARNs: []string{reader, reporter}})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Gaps) != 0 {
			t.Errorf("gaps %+v, want none: throttling is retried", res.Gaps)
		}
		want := map[string]int{"sts:GetCallerIdentity": 2, "eks:DescribeCluster": 2, "iam:ListOpenIDConnectProviders": 1,
			"iam:GetOpenIDConnectProvider": 1, "iam:GetRole": 4}
		if diff := cmp.Diff(want, f.Calls()); diff != "" {
			t.Errorf("calls (-want +got):\n%s", diff)
		}
		if s := read(t, res); len(s.Roles) != 2 {
			t.Errorf("%d roles read, want 2", len(s.Roles))
		}
	})
	t.Run("beyond the SDK's attempts", func(t *testing.T) {
		f := awsfake.New(t, world())
		f.Inject(awsfake.Fault{Action: "iam:GetRole", Resource: reader, Code: "Throttling"})
		res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", RoleARNs: []string{reader, reporter}})
		if err != nil {
			t.Fatal(err)
		}
		want := []snapshot.Gap{{Source: "aws", Operation: "iam:GetRole", Resource: reader, Reason: "Throttling: Rate exceeded (still throttled after 3 attempts; run again later)"}}
		if diff := cmp.Diff(want, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
		if n := f.Count("iam:GetRole"); n != 4 {
			t.Errorf("%d GetRole calls, want 3 for the throttled role and 1 for the other", n)
		}
	})
}

func TestNotFound(t *testing.T) {
	f := awsfake.New(t, world())
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "gone"})
	if err != nil {
		t.Fatal(err)
	}
	want := "An error occurred (ResourceNotFoundException) when calling the DescribeCluster operation: No cluster found for name: gone.\n"
	if diff := cmp.Diff(want, captureData(t, res, acctA+"/describe-cluster-gone.txt")); diff != "" {
		t.Errorf("capture (-want +got):\n%s", diff)
	}
	if res.Cluster != "" || res.Issuer != "" || len(res.Gaps) != 0 {
		t.Errorf("cluster %q, issuer %q, gaps %+v", res.Cluster, res.Issuer, res.Gaps)
	}
	s := read(t, res)
	if _, ok := s.NotFoundFor(snapshot.KindCluster, "", "gone"); !ok {
		t.Errorf("the capture proves no absence: %+v", s.NotFounds)
	}
}

func TestFindCluster(t *testing.T) {
	st := world()
	st.ListClustersPageSize = 1
	f := awsfake.New(t, st)
	tests := []struct {
		endpoint string
		want     string
		err      string
	}{
		{endpoint: apiServer, want: "prod"},
		{endpoint: "https://exampled539d4633e53de1b71example.GR7.us-west-2.eks.amazonaws.com:443/", want: "prod"},
		{endpoint: "0123456789ABCDEF0123456789ABCDEF.yl4.us-west-2.eks.amazonaws.com", want: "staging"},
		{endpoint: "https://127.0.0.1:6443", err: "find the EKS cluster: no EKS cluster in region us-west-2 has the API server endpoint https://127.0.0.1:6443 (clusters: prod, staging)"},
		{endpoint: "https://%zz", err: `find the EKS cluster: API server endpoint "https://%zz" is not a URL`},
	}
	for _, tt := range tests {
		t.Run(tt.endpoint, func(t *testing.T) {
			f.Reset()
			got, err := FindCluster(context.Background(), f.Config(), tt.endpoint)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("error %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("FindCluster = %q, %v; want %q", got, err, tt.want)
			}
			want := map[string]int{"eks:ListClusters": 2, "eks:DescribeCluster": 2}
			if diff := cmp.Diff(want, f.Calls()); diff != "" {
				t.Errorf("calls, pages of one cluster (-want +got):\n%s", diff)
			}
		})
	}
	t.Run("a cluster that cannot be described", func(t *testing.T) {
		f := awsfake.New(t, world())
		f.Deny("eks:DescribeCluster", "staging")
		res, err := Collect(context.Background(), f.Config(), Options{Endpoint: "https://127.0.0.1:6443"})
		if err != nil {
			t.Fatal(err)
		}
		want := []snapshot.Gap{{Source: "aws", Operation: "eks:DescribeCluster", Resource: "endpoint https://127.0.0.1:6443",
			Reason: "no EKS cluster in region us-west-2 has the API server endpoint https://127.0.0.1:6443 (clusters: prod, staging); eks:DescribeCluster failed for staging: AccessDeniedException in account 111122223333 (pass --cluster NAME, with --region and --profile of the cluster's account)"}}
		if diff := cmp.Diff(want, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
	})
}

func TestCollectFails(t *testing.T) {
	t.Run("AWS unreachable", func(t *testing.T) {
		f := awsfake.New(t, world())
		cfg := f.Config()
		cfg.BaseEndpoint = aws.String("http://127.0.0.1:1")
		_, err := Collect(context.Background(), cfg, Options{Cluster: "prod"})
		if err == nil || !strings.HasPrefix(err.Error(), "aws: sts:GetCallerIdentity at http://127.0.0.1:1 failed, so no AWS fact can be read: ") ||
			!strings.Contains(err.Error(), "connection refused") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("credentials rejected", func(t *testing.T) {
		f := awsfake.New(t, world())
		cfg := f.Config()
		cfg.Credentials = aws.CredentialsProviderFunc(func(context.Context) (aws.Credentials, error) {
			return aws.Credentials{AccessKeyID: "AKIAREVOKED", SecretAccessKey: "x"}, nil
		})
		_, err := Collect(context.Background(), cfg, Options{Cluster: "prod"})
		if err == nil || !strings.Contains(err.Error(), "InvalidClientTokenId: The security token included in the request is invalid.") {
			t.Errorf("error %v", err)
		}
	})
	t.Run("canceled", func(t *testing.T) {
		st := world()
		st.Delays = map[string]time.Duration{"iam:GetRole": time.Second}
		f := awsfake.New(t, st)
		ctx, cancel := context.WithCancel(context.Background())
		time.AfterFunc(100*time.Millisecond, cancel)
		start := time.Now()
		res, err := Collect(ctx, f.Config(), Options{Cluster: "prod", RoleARNs: []string{reader}})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("error %v, want context.Canceled", err)
		}
		if d := time.Since(start); d > 900*time.Millisecond {
			t.Errorf("Collect took %s after the cancel", d)
		}
		// What was read before the end is kept (issue 10, item 9): the
		// caller and the cluster, not the role cut short.
		var paths []string
		for _, c := range res.Captures {
			paths = append(paths, c.Path)
		}
		want := []string{acctA + "/describe-cluster-prod.json", acctA + "/get-caller-identity.json"}
		for _, w := range want {
			if !slices.Contains(paths, w) {
				t.Errorf("captures %v lack %s", paths, w)
			}
		}
		for _, p := range paths {
			if strings.Contains(p, "get-role") {
				t.Errorf("capture %s of a call cut short", p)
			}
		}
		if res.Cluster != "prod" {
			t.Errorf("cluster %q, want prod", res.Cluster)
		}
	})
	t.Run("per-call timeout", func(t *testing.T) {
		st := world()
		st.Delays = map[string]time.Duration{"iam:GetRole": time.Second}
		f := awsfake.New(t, st)
		res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", RoleARNs: []string{reader}, CallTimeout: 100 * time.Millisecond})
		if err != nil {
			t.Fatal(err)
		}
		want := []snapshot.Gap{{Source: "aws", Operation: "iam:GetRole", Resource: reader,
			Reason: "timed out after 100ms (run again, or capture it with `aws iam get-role --role-name payments-s3-reader --output json`)"}}
		if diff := cmp.Diff(want, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
	})
}

// TestPolicyMatchesCalls: deploy/iam-policy.json's read-only statement
// grants exactly the actions a full collection calls. sts:AssumeRoleWithWebIdentity, the
// opt-in probe's call, is not in it: it is authorised by the service
// account token and the role's trust policy, not by an IAM policy of the
// caller.
func TestPolicyMatchesCalls(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join("..", "..", "..", "deploy", "iam-policy.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Version   string
		Statement []struct {
			Sid, Effect string
			Action      []string
			Resource    string
		}
	}
	if err := json.Unmarshal(raw, &doc, json.RejectUnknownMembers(true)); err != nil {
		t.Fatalf("deploy/iam-policy.json: %v", err)
	}
	// The read-only statement, the optional one of `--cloudtrail`
	// (cloudtrail:LookupEvents, which TestCollectCloudTrail calls and
	// nothing else) and the optional one of `--simulate`
	// (iam:SimulatePrincipalPolicy, which TestSimulate calls and nothing
	// else).
	if doc.Version != "2012-10-17" || len(doc.Statement) != 3 || doc.Statement[0].Effect != "Allow" || doc.Statement[0].Resource != "*" {
		t.Fatalf("deploy/iam-policy.json is not the read-only and the two optional Allow statements: %+v", doc)
	}
	for i, want := range []struct{ sid, action string }{{TrailPolicySid, "cloudtrail:LookupEvents"}, {SimulatePolicySid, "iam:SimulatePrincipalPolicy"}} {
		if opt := doc.Statement[i+1]; opt.Sid != want.sid || opt.Effect != "Allow" || opt.Resource != "*" || !cmp.Equal(opt.Action, []string{want.action}) {
			t.Errorf("deploy/iam-policy.json's statement %d is not %s allowing %s alone: %+v", i+2, want.sid, want.action, opt)
		}
	}
	st := nodeRoleWorld() // ec2_test.go, noderole_test.go
	f := awsfake.New(t, st)
	_, err = Collect(context.Background(), f.Config(), Options{Endpoint: apiServer, RoleARNs: []string{reader, crossRole}, IdentityPolicies: true,
		RoleProfiles: map[string]aws.Config{acctB: f.ConfigAs(acctB)}, PodIdentity: &PodIdentityScope{AllNamespaces: true},
		InstanceIDs: []string{nodeA}, NodeRoleInstanceIDs: []string{nodeA}})
	if err != nil {
		t.Fatal(err)
	}
	policy := append([]string(nil), doc.Statement[0].Action...)
	sort.Strings(policy)
	if diff := cmp.Diff(policy, f.Actions()); diff != "" {
		t.Errorf("policy actions (-) and actions called (+) differ:\n%s", diff)
	}
}
