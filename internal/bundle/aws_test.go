package bundle

import (
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

const (
	acctA    = "111122223333"
	acctB    = "444455556666"
	issuer   = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	provA    = "arn:aws:iam::" + acctA + ":oidc-provider/" + issuer
	provB    = "arn:aws:iam::" + acctB + ":oidc-provider/" + issuer
	getProv  = `{"Url": "` + issuer + `", "ClientIDList": ["sts.amazonaws.com"], "ThumbprintList": ["9e99a48a9960b14926bb7f3b02e22da2b0ab7280"], "CreateDate": "2023-11-02T10:30:00Z", "Tags": []}`
	callerA  = `{"UserId": "AROAEXAMPLE:alice", "Account": "` + acctA + `", "Arn": "arn:aws:sts::` + acctA + `:assumed-role/Admin/alice"}`
	callerCN = `{"UserId": "AIDAEXAMPLE", "Account": "` + acctB + `", "Arn": "arn:aws-cn:iam::` + acctB + `:user/bob"}`
)

func providerList(arns ...string) string {
	out := `{"OpenIDConnectProviderList": [`
	for i, a := range arns {
		if i > 0 {
			out += ","
		}
		out += `{"Arn": "` + a + `"}`
	}
	return out + "]}"
}

// TestProviderAttribution: get-open-id-connect-provider output has no ARN
// (docs/contract.md#bundles).
func TestProviderAttribution(t *testing.T) {
	detailed := func(arn, account, ambiguous, ref string) *snapshot.OIDCProvider {
		return &snapshot.OIDCProvider{ARN: arn, Account: account, URL: issuer, ClientIDs: []string{"sts.amazonaws.com"},
			Thumbprints: []string{"9e99a48a9960b14926bb7f3b02e22da2b0ab7280"}, Detailed: true, Ambiguous: ambiguous, Source: src(ref)}
	}
	listed := func(arn, account, ref string) *snapshot.OIDCProvider {
		return &snapshot.OIDCProvider{ARN: arn, Account: account, URL: issuer, Source: src(ref)}
	}
	tests := []struct {
		name          string
		files         map[string]string
		wantProviders []*snapshot.OIDCProvider
		wantLists     []snapshot.ProviderList
		wantGaps      []snapshot.Gap
	}{
		{
			name:          "the one listed provider with that Url",
			files:         map[string]string{"b/list.json": providerList(provA), "b/get.json": getProv},
			wantProviders: []*snapshot.OIDCProvider{detailed(provA, acctA, "", "b/get.json")},
			wantLists:     []snapshot.ProviderList{{Account: acctA, ARNs: []string{provA}, Source: src("b/list.json")}},
		},
		{
			name:  "two accounts list the Url: ambiguous",
			files: map[string]string{"b/a.json": providerList(provA), "b/b.json": providerList(provB), "b/get.json": getProv},
			wantProviders: []*snapshot.OIDCProvider{
				detailed("", "", "the provider "+issuer+" is listed in accounts "+acctA+" and "+acctB+", and get-open-id-connect-provider output does not say which account it came from", "b/get.json"),
				listed(provA, acctA, "b/a.json"), listed(provB, acctB, "b/b.json"),
			},
			wantLists: []snapshot.ProviderList{{Account: acctA, ARNs: []string{provA}, Source: src("b/a.json")}, {Account: acctB, ARNs: []string{provB}, Source: src("b/b.json")}},
		},
		{
			name: "two accounts, but a list in the same folder (dump's per-account layout) settles it",
			files: map[string]string{"b/" + acctA + "/list.json": providerList(provA), "b/" + acctB + "/list.json": providerList(provB),
				"b/" + acctB + "/get.json": getProv},
			wantProviders: []*snapshot.OIDCProvider{listed(provA, acctA, "b/"+acctA+"/list.json"), detailed(provB, acctB, "", "b/"+acctB+"/get.json")},
			wantLists: []snapshot.ProviderList{{Account: acctA, ARNs: []string{provA}, Source: src("b/" + acctA + "/list.json")},
				{Account: acctB, ARNs: []string{provB}, Source: src("b/" + acctB + "/list.json")}},
		},
		{
			name:          "not listed: ARN derived from the one known account, with its partition",
			files:         map[string]string{"b/caller.json": callerCN, "b/get.json": getProv},
			wantProviders: []*snapshot.OIDCProvider{detailed("arn:aws-cn:iam::"+acctB+":oidc-provider/"+issuer, acctB, "", "b/get.json")},
		},
		{
			name:  "not listed and no account known",
			files: map[string]string{"b/get.json": getProv},
			wantProviders: []*snapshot.OIDCProvider{detailed("", "",
				"no list-open-id-connect-providers output lists "+issuer+" and no AWS account is known (no get-caller-identity, describe-cluster or provider list output), so its ARN cannot be derived", "b/get.json")},
		},
		{
			name:  "not listed and two accounts known",
			files: map[string]string{"b/caller.json": callerA, "b/other.json": providerList("arn:aws:iam::" + acctB + ":oidc-provider/example.com"), "b/get.json": getProv},
			wantProviders: []*snapshot.OIDCProvider{
				detailed("", "", "no list-open-id-connect-providers output lists "+issuer+" and the bundle names several accounts ("+acctA+", "+acctB+"), so its ARN cannot be derived", "b/get.json"),
				{ARN: "arn:aws:iam::" + acctB + ":oidc-provider/example.com", Account: acctB, URL: "example.com", Source: src("b/other.json")},
			},
			wantLists: []snapshot.ProviderList{{Account: acctB, ARNs: []string{"arn:aws:iam::" + acctB + ":oidc-provider/example.com"}, Source: src("b/other.json")}},
		},
		{
			name:      "an empty provider list belongs to the caller's account",
			files:     map[string]string{"b/caller.json": callerA, "b/list.json": `{"OpenIDConnectProviderList": []}`},
			wantLists: []snapshot.ProviderList{{Account: acctA, ARNs: []string{}, Source: src("b/list.json")}},
		},
		{
			name:  "an empty provider list with no account known is a gap",
			files: map[string]string{"b/list.json": `{"OpenIDConnectProviderList": []}`},
			wantGaps: []snapshot.Gap{{Source: "bundle", Operation: "iam:ListOpenIDConnectProviders", Resource: "b/list.json",
				Reason: "the list is empty and no AWS account is known (no get-caller-identity, describe-cluster or provider list output): add the `aws sts get-caller-identity --output json` output of the same account"}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeTree(t, tt.files)
			s := readPaths(t, "b")
			opts := cmpopts.EquateEmpty()
			if d := cmp.Diff(tt.wantProviders, s.OIDCProviders, opts); d != "" {
				t.Errorf("OIDCProviders (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantLists, s.ProviderLists, opts); d != "" {
				t.Errorf("ProviderLists (-want +got):\n%s", d)
			}
			if d := cmp.Diff(tt.wantGaps, s.Gaps, opts); d != "" {
				t.Errorf("Gaps (-want +got):\n%s", d)
			}
			for _, f := range s.Files {
				if f.Error != "" || f.RecognisedAs == "" {
					t.Errorf("file %s: recognised %q, error %q", f.Path, f.RecognisedAs, f.Error)
				}
			}
		})
	}
}

func TestReadAWSRoles(t *testing.T) {
	const (
		arn    = "arn:aws:iam::111122223333:role/app/s3-reader"
		policy = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::111122223333:oidc-provider/x"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	)
	role := func(trust string) *snapshot.Role {
		return &snapshot.Role{ARN: arn, Name: "s3-reader", Path: "/app/", Account: "111122223333", RoleID: "AROAEXAMPLE",
			TrustPolicy: trust, MaxSessionDuration: 3600, Source: stdinSrc}
	}
	roleJSON := func(doc string) string {
		return `{"Path": "/app/", "RoleName": "s3-reader", "RoleId": "AROAEXAMPLE", "Arn": "` + arn +
			`", "CreateDate": "2024-04-01T09:10:00+00:00", "AssumeRolePolicyDocument": ` + doc + `, "MaxSessionDuration": 3600}`
	}
	tests := []struct {
		name  string
		input string
		want  *snapshot.Snapshot
	}{
		{
			name: "get-role: the CLI prints the policy decoded, as an object",
			input: `{"Role": ` + roleJSON(`{
                "Version": "2012-10-17",
                "Statement": [{"Effect": "Allow", "Principal": {"Federated": "arn:aws:iam::111122223333:oidc-provider/x"}, "Action": "sts:AssumeRoleWithWebIdentity"}]
            }`) + `}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Roles[arn] = role(policy)
				s.Files = file("aws:GetRole", "")
			}),
		},
		{
			name:  "get-role: the API form, URL-encoded",
			input: `{"Role": ` + roleJSON(`"%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Principal%22%3A%7B%22Federated%22%3A%22arn%3Aaws%3Aiam%3A%3A111122223333%3Aoidc-provider%2Fx%22%7D%2C%22Action%22%3A%22sts%3AAssumeRoleWithWebIdentity%22%7D%5D%7D"`) + `}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Roles[arn] = role(policy)
				s.Files = file("aws:GetRole", "")
			}),
		},
		{
			name:  "get-role --query Role: the bare role, policy as a JSON string",
			input: roleJSON(`"{\"Version\":\"2012-10-17\",\"Statement\":[]}"`),
			want: want(func(s *snapshot.Snapshot) {
				s.Roles[arn] = role(`{"Version":"2012-10-17","Statement":[]}`)
				s.Files = file("aws:GetRole", "")
			}),
		},
		{
			name: "get-role with a permissions boundary",
			input: `{"Role": {"Path": "/app/", "RoleName": "s3-reader", "RoleId": "AROAEXAMPLE", "Arn": "` + arn + `", "AssumeRolePolicyDocument": {}, "MaxSessionDuration": 3600,
                "PermissionsBoundary": {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/boundary"}}}`,
			want: want(func(s *snapshot.Snapshot) {
				r := role(`{}`)
				r.PermissionsBoundary = "arn:aws:iam::111122223333:policy/boundary"
				s.Roles[arn] = r
				s.Files = file("aws:GetRole", "")
			}),
		},
		{
			name:  "list-roles proves absence in each account it lists",
			input: `{"Roles": [` + roleJSON(`{}`) + `, {"RoleName": "b", "Arn": "arn:aws:iam::444455556666:role/b", "Path": "/"}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Roles[arn] = role(`{}`)
				s.Roles["arn:aws:iam::444455556666:role/b"] = &snapshot.Role{ARN: "arn:aws:iam::444455556666:role/b", Name: "b", Path: "/", Account: "444455556666", Source: stdinSrc}
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindRole, Account: "111122223333", Source: stdinSrc}, {Kind: snapshot.KindRole, Account: "444455556666", Source: stdinSrc}}
				s.Files = file("aws:ListRoles", "")
			}),
		},
		{
			name:  "list-roles with a NextToken is one page: no listing",
			input: `{"Roles": [` + roleJSON(`{}`) + `], "NextToken": "eyJNYXJrZXIiOiBudWxsfQ=="}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Roles[arn] = role(`{}`)
				s.Files = file("aws:ListRoles", "")
			}),
		},
		{
			name:  "list-roles with IsTruncated and Marker (the raw API) is one page: no listing",
			input: `{"Roles": [` + roleJSON(`{}`) + `], "IsTruncated": true, "Marker": "AAE"}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Roles[arn] = role(`{}`)
				s.Files = file("aws:ListRoles", "")
			}),
		},
		{
			name:  "a role without an ARN is skipped with its position",
			input: `{"Roles": [` + "\n" + `{"RoleName": "x", "Arn": ""}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("aws:ListRoles", `-:2:1: list-roles role 0 "x" has no usable Arn ("")`)
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmpSnap(t, tt.want, readStdin(t, tt.input))
		})
	}
}

func TestReadAWSOther(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  *snapshot.Snapshot
	}{
		{
			name: "describe-cluster: region and account from the ARN",
			input: `{"cluster": {"name": "prod", "arn": "arn:aws-us-gov:eks:us-gov-west-1:111122223333:cluster/prod", "version": "1.30",
				"identity": {"oidc": {"issuer": "https://oidc.eks.us-gov-west-1.amazonaws.com/id/ABC"}}, "platformVersion": "eks.3", "status": "ACTIVE"}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Clusters = []*snapshot.Cluster{{Name: "prod", ARN: "arn:aws-us-gov:eks:us-gov-west-1:111122223333:cluster/prod", Region: "us-gov-west-1",
					Account: "111122223333", Version: "1.30", Issuer: "https://oidc.eks.us-gov-west-1.amazonaws.com/id/ABC", PlatformVersion: "eks.3", Source: stdinSrc}}
				s.Files = file("aws:DescribeCluster", "")
			}),
		},
		{
			name:  "describe-cluster of a cluster without an issuer",
			input: `{"cluster": {"name": "old", "arn": "arn:aws:eks:eu-west-1:111122223333:cluster/old", "identity": {}}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Clusters = []*snapshot.Cluster{{Name: "old", ARN: "arn:aws:eks:eu-west-1:111122223333:cluster/old", Region: "eu-west-1", Account: "111122223333", Source: stdinSrc}}
				s.Files = file("aws:DescribeCluster", "")
			}),
		},
		{
			name:  "get-caller-identity",
			input: callerA,
			want: want(func(s *snapshot.Snapshot) {
				s.Caller = &snapshot.CallerIdentity{Account: acctA, ARN: "arn:aws:sts::" + acctA + ":assumed-role/Admin/alice", UserID: "AROAEXAMPLE:alice", Source: stdinSrc}
				s.Files = file("aws:GetCallerIdentity", "")
			}),
		},
		{
			name:  "an object of unknown shape",
			input: `{"Clusters": ["prod"], "NextToken": null}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:1: an object with keys "Clusters", "NextToken": not a kubectl or aws CLI output irsa-doctor reads`)
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmpSnap(t, tt.want, readStdin(t, tt.input))
		})
	}
}

// TestGetRoleIdentity: a role is its ARN. get-role's Tags are kept (they
// tell infrastructure as code); a capture whose RoleName or Path says
// another role than its Arn is left out, with the reason.
func TestGetRoleIdentity(t *testing.T) {
	role := func(name, path, arn string) string {
		return `{"Role": {"Path": "` + path + `", "RoleName": "` + name + `", "RoleId": "AROAEXAMPLE", "Arn": "` + arn + `",
  "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []},
  "Tags": [{"Key": "aws:cloudformation:stack-name", "Value": "payments-iam"}]}}`
	}
	s := readStdin(t, role("s3-reader", "/", "arn:aws:iam::111122223333:role/s3-reader"))
	if len(s.Roles) != 1 {
		t.Fatalf("roles: %+v", s.Roles)
	}
	for _, r := range s.Roles {
		if r.Tags["aws:cloudformation:stack-name"] != "payments-iam" {
			t.Errorf("tags: %v", r.Tags)
		}
	}
	for _, tc := range []struct{ name, path, arn, why string }{
		{"admin", "/", "arn:aws:iam::111122223333:role/s3-reader", `its RoleName "admin" is not the name in its Arn ("s3-reader")`},
		{"s3-reader", "/", "arn:aws:iam::111122223333:role/team/s3-reader", `its Path "/" is not the path in its Arn ("/team/")`},
	} {
		s := readStdin(t, role(tc.name, tc.path, tc.arn))
		if len(s.Roles) != 0 {
			t.Errorf("%s: an inconsistent capture was kept: %+v", tc.name, s.Roles)
		}
		if len(s.Files) != 1 || !strings.Contains(s.Files[0].Error, tc.why) {
			t.Errorf("%s: file error %+v, want it to say %q", tc.name, s.Files, tc.why)
		}
	}
}
