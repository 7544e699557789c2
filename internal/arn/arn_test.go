package arn

import (
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

const acct = "111122223333"

func TestParseRole(t *testing.T) {
	tests := []struct {
		name       string
		in         string
		want       Role
		reason     string
		suggestion string
	}{
		{name: "plain", in: "arn:aws:iam::111122223333:role/api",
			want: Role{ARN: "arn:aws:iam::111122223333:role/api", Partition: "aws", Account: acct, Path: "/", Name: "api"}},
		{name: "path", in: "arn:aws:iam::111122223333:role/teams/payments/api",
			want: Role{ARN: "arn:aws:iam::111122223333:role/teams/payments/api", Partition: "aws", Account: acct, Path: "/teams/payments/", Name: "api"}},
		{name: "china", in: "arn:aws-cn:iam::111122223333:role/api",
			want: Role{ARN: "arn:aws-cn:iam::111122223333:role/api", Partition: "aws-cn", Account: acct, Path: "/", Name: "api"}},
		{name: "govcloud", in: "arn:aws-us-gov:iam::111122223333:role/api",
			want: Role{ARN: "arn:aws-us-gov:iam::111122223333:role/api", Partition: "aws-us-gov", Account: acct, Path: "/", Name: "api"}},
		{name: "eusc", in: "arn:aws-eusc:iam::111122223333:role/api",
			want: Role{ARN: "arn:aws-eusc:iam::111122223333:role/api", Partition: "aws-eusc", Account: acct, Path: "/", Name: "api"}},
		{name: "every name character", in: "arn:aws:iam::111122223333:role/A-z_0+9=,.@x",
			want: Role{ARN: "arn:aws:iam::111122223333:role/A-z_0+9=,.@x", Partition: "aws", Account: acct, Path: "/", Name: "A-z_0+9=,.@x"}},
		{name: "name of 64", in: "arn:aws:iam::111122223333:role/" + strings.Repeat("n", 64),
			want: Role{ARN: "arn:aws:iam::111122223333:role/" + strings.Repeat("n", 64), Partition: "aws", Account: acct, Path: "/", Name: strings.Repeat("n", 64)}},
		{name: "path characters IAM allows", in: "arn:aws:iam::111122223333:role/a!b~c/api",
			want: Role{ARN: "arn:aws:iam::111122223333:role/a!b~c/api", Partition: "aws", Account: acct, Path: "/a!b~c/", Name: "api"}},
		{name: "path of 512", in: "arn:aws:iam::111122223333:role/" + strings.Repeat("p", 510) + "/api",
			want: Role{ARN: "arn:aws:iam::111122223333:role/" + strings.Repeat("p", 510) + "/api", Partition: "aws", Account: acct, Path: "/" + strings.Repeat("p", 510) + "/", Name: "api"}},

		// Surface accidents: the fix is unambiguous.
		{name: "leading space", in: " arn:aws:iam::111122223333:role/api",
			reason: "it starts with a space", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "trailing newline", in: "arn:aws:iam::111122223333:role/api\n",
			reason: "it ends with a newline", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "windows line ending", in: "arn:aws:iam::111122223333:role/api\r\n",
			reason: `it ends with a Windows line ending (\r\n)`, suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "trailing spaces", in: "arn:aws:iam::111122223333:role/api  ",
			reason: "it ends with 2 spaces", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "tab", in: "\tarn:aws:iam::111122223333:role/api",
			reason: "it starts with a tab", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "non-breaking space", in: "arn:aws:iam::111122223333:role/api\u00a0",
			reason: "it ends with U+00A0 (non-breaking space)", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "double quotes", in: `"arn:aws:iam::111122223333:role/api"`,
			reason: "it is wrapped in double quotes", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "single quotes", in: `'arn:aws:iam::111122223333:role/api'`,
			reason: "it is wrapped in single quotes", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "typographic quotes", in: "“arn:aws:iam::111122223333:role/api”",
			reason: "it is wrapped in typographic quotes “…”", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "stray closing quote", in: `arn:aws:iam::111122223333:role/api"`,
			reason: "it ends with a stray double quote", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "stray typographic quote", in: "arn:aws:iam::111122223333:role/api”",
			reason: "it ends with a stray typographic quote ”", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "whitespace around and inside quotes", in: ` " arn:aws:iam::111122223333:role/api" `,
			reason:     "it starts with a space, ends with a space, is wrapped in double quotes and starts with a space",
			suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "several layers", in: `"'“ arn:aws:iam::111122223333:role/api ”'"`,
			reason: "it is wrapped in several layers of quotes and whitespace", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "too many layers", in: strings.Repeat(`"`, 20) + "arn:aws:iam::111122223333:role/api" + strings.Repeat(`"`, 20),
			reason: "it is wrapped in several layers of quotes and whitespace; also, it is not an ARN: an ARN starts with \"arn:\""},
		{name: "zero-width space inside", in: "arn:aws:iam::111122223333:role/\u200bapi",
			reason:     `it contains the invisible character U+200B (zero-width space) after "arn:aws:iam::111122223333:role/"`,
			suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "byte order mark", in: "\ufeffarn:aws:iam::111122223333:role/api",
			reason: "it starts with U+FEFF (byte order mark)", suggestion: "arn:aws:iam::111122223333:role/api"},
		{name: "quoted and wrong", in: `"arn:aws:iam::1111:role/api"`,
			reason: `it is wrapped in double quotes; also, the account ID "1111" has 4 digits; an AWS account ID has exactly 12`},
		{name: "empty", in: "", reason: "it is empty"},
		{name: "only whitespace", in: "   ", reason: "it is only whitespace (3 spaces)"},
		{name: "empty quotes", in: `""`, reason: "it is wrapped in double quotes and holds nothing else"},

		// Characters no ARN holds: no guess at the fix.
		{name: "inner space", in: "arn:aws:iam::111122223333:role/my api",
			reason: `it contains a space after "arn:aws:iam::111122223333:role/my"; ARNs hold only printable ASCII without spaces`},
		{name: "inner newline", in: "arn:aws:iam::111122223333:\nrole/api",
			reason: `it contains a newline after "arn:aws:iam::111122223333:"; ARNs hold only printable ASCII without spaces`},
		{name: "en dash", in: "arn:aws:iam::111122223333:role/my–api",
			reason: `it contains the non-ASCII character "–" (U+2013) after "arn:aws:iam::111122223333:role/my"; ARNs hold only printable ASCII without spaces`},
		{name: "control character", in: "arn:aws:iam::111122223333:role/a\x07pi",
			reason: `it contains the control character U+0007 after "arn:aws:iam::111122223333:role/a"; ARNs hold only printable ASCII without spaces`},
		{name: "invalid utf-8", in: "arn:aws:iam::111122223333:role/a\xffpi",
			reason: `it contains a byte that is not valid UTF-8 after "arn:aws:iam::111122223333:role/a"; ARNs hold only printable ASCII without spaces`},

		// Not an ARN.
		{name: "bare role name", in: "api-role",
			reason: "it is a bare role name, not an ARN: the annotation needs the role's full ARN, arn:PARTITION:iam::ACCOUNT:role/NAME"},
		{name: "url", in: "https://console.aws.amazon.com/iam/home#/roles/api",
			reason: `it is not an ARN: an ARN starts with "arn:"`},
		{name: "upper-case prefix", in: "ARN:aws:iam::111122223333:role/api",
			reason: `it starts with "ARN:"; ARNs start with lower-case "arn:"`},
		{name: "missing region colon", in: "arn:aws:iam:111122223333:role/api",
			reason: `it has 5 colon-separated fields; an ARN has 6 (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE); an IAM role ARN looks like arn:PARTITION:iam::ACCOUNT:role/NAME, with an empty region field ("::")`},

		// Partition.
		{name: "unknown partition", in: "arn:aws-gov:iam::111122223333:role/api",
			reason: `the partition "aws-gov" is not an AWS partition (aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc)`},
		{name: "upper-case partition", in: "arn:AWS:iam::111122223333:role/api",
			reason: `the partition "AWS" must be lower case ("aws")`},
		{name: "empty partition", in: "arn::iam::111122223333:role/api",
			reason: "the partition (the second field) is empty"},

		// Service.
		{name: "sts assumed role", in: "arn:aws:sts::111122223333:assumed-role/api/1700000000000000000",
			reason: "it is an STS assumed-role session ARN (what get-caller-identity prints), not a role ARN; the role's ARN is arn:aws:iam::111122223333:role/api, with the role's path if it has one"},
		{name: "eks cluster", in: "arn:aws:eks:us-west-2:111122223333:cluster/prod",
			reason: `it is an ARN of service "eks" (resource "cluster/prod"), not an IAM role ARN: a role ARN's service is "iam"`},
		{name: "upper-case service", in: "arn:aws:IAM::111122223333:role/api",
			reason: `the service "IAM" is not a service name (lower-case letters, digits and hyphens)`},
		{name: "empty service", in: "arn:aws:::111122223333:role/api",
			reason: "the service (the third field) is empty"},

		// Region and account.
		{name: "region", in: "arn:aws:iam:us-east-1:111122223333:role/api",
			reason: `it has the region "us-east-1", but IAM is global: the region field of an IAM ARN is empty (arn:PARTITION:iam::ACCOUNT:role/NAME)`},
		{name: "eleven digits", in: "arn:aws:iam::11112222333:role/api",
			reason: `the account ID "11112222333" has 11 digits; an AWS account ID has exactly 12`},
		{name: "thirteen digits", in: "arn:aws:iam::1111222233334:role/api",
			reason: `the account ID "1111222233334" has 13 digits; an AWS account ID has exactly 12`},
		{name: "console account format", in: "arn:aws:iam::1111-2222-3333:role/api",
			reason: `the account ID "1111-2222-3333" contains separators; an account ID is 12 digits without them (111122223333)`},
		{name: "account alias", in: "arn:aws:iam::prod:role/api",
			reason: `the account ID "prod" is not a 12-digit number (an account alias cannot be used in an ARN)`},
		{name: "placeholder account", in: "arn:aws:iam::ACCOUNT_ID:role/api",
			reason: `the account ID "ACCOUNT_ID" is not a 12-digit number (an account alias cannot be used in an ARN)`},
		{name: "digits and letters", in: "arn:aws:iam::11112222333x:role/api",
			reason: `the account ID "11112222333x" is not a 12-digit number`},
		{name: "empty account", in: "arn:aws:iam:::role/api",
			reason: "the account ID is empty; a role ARN names the 12-digit account that owns the role"},
		{name: "aws account", in: "arn:aws:iam::aws:role/api",
			reason: `the account field is "aws", which only AWS-managed policies use; a role ARN names the 12-digit account that owns the role`},

		// Resource type.
		{name: "user", in: "arn:aws:iam::111122223333:user/api",
			reason: `it names an IAM user (resource "user/api"), not a role; a role ARN's resource is role/NAME or role/PATH/NAME`},
		{name: "policy", in: "arn:aws:iam::111122223333:policy/api-s3",
			reason: `it names an IAM managed policy (resource "policy/api-s3"), not a role; a role ARN's resource is role/NAME or role/PATH/NAME`},
		{name: "oidc provider", in: "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE",
			reason: `it names an IAM OIDC identity provider (resource "oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"), not a role (the provider's ARN belongs in the role's trust policy, as Principal.Federated); a role ARN's resource is role/NAME or role/PATH/NAME`},
		{name: "instance profile", in: "arn:aws:iam::111122223333:instance-profile/api",
			reason: `it names an EC2 instance profile (resource "instance-profile/api"), not a role (an instance profile holds a role but is not one); a role ARN's resource is role/NAME or role/PATH/NAME`},
		{name: "unknown type", in: "arn:aws:iam::111122223333:thing/api",
			reason: `the resource type is "thing"; a role ARN's resource is role/NAME or role/PATH/NAME`},
		{name: "upper-case type", in: "arn:aws:iam::111122223333:Role/api",
			reason: `the resource type "Role" must be lower case ("role")`},
		{name: "colon after role", in: "arn:aws:iam::111122223333:role:api",
			reason: `the resource "role:api" has ":" after "role"; it should be "role/api"`},
		{name: "no type", in: "arn:aws:iam::111122223333:api",
			reason: `the resource "api" has no type; a role ARN's resource is role/NAME or role/PATH/NAME`},
		{name: "role without name", in: "arn:aws:iam::111122223333:role",
			reason: `the role name is missing: the resource is "role", it should be role/NAME`},
		{name: "empty resource", in: "arn:aws:iam::111122223333:",
			reason: "the resource (the sixth field) is empty"},

		// Name and path.
		{name: "empty name", in: "arn:aws:iam::111122223333:role/",
			reason: `the role name is empty (the resource "role/" ends with "/")`},
		{name: "path without name", in: "arn:aws:iam::111122223333:role/teams/",
			reason: `the role name is empty (the resource "role/teams/" ends with "/")`},
		{name: "name of 65", in: "arn:aws:iam::111122223333:role/" + strings.Repeat("n", 65),
			reason: `the role name "` + strings.Repeat("n", 65) + `" is 65 characters long; IAM role names have at most 64`},
		{name: "dollar in name", in: "arn:aws:iam::111122223333:role/api$1",
			reason: `the role name "api$1" contains "$", which IAM does not allow in role names (letters, digits and + = , . @ _ -)`},
		{name: "colon in name", in: "arn:aws:iam::111122223333:role/api:v2",
			reason: `the role name "api:v2" contains ":", which IAM does not allow in role names (letters, digits and + = , . @ _ -)`},
		{name: "empty path segment", in: "arn:aws:iam::111122223333:role//api",
			reason: `the role path "//" has nothing between its slashes`},
		{name: "path of 513", in: "arn:aws:iam::111122223333:role/" + strings.Repeat("p", 511) + "/api",
			reason: "the role path is 513 characters long; IAM paths have at most 512"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseRole(tt.in)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("ParseRole(%q): unexpected error %v", tt.in, err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("ParseRole(%q) mismatch (-want +got):\n%s", tt.in, diff)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("ParseRole(%q) = %+v, %v; want an *Error", tt.in, got, err)
			}
			want := &Error{Input: tt.in, Want: "IAM role ARN", Reason: tt.reason, Suggestion: tt.suggestion}
			if diff := cmp.Diff(want, e); diff != "" {
				t.Errorf("ParseRole(%q) error mismatch (-want +got):\n%s", tt.in, diff)
			}
			if got != (Role{}) {
				t.Errorf("ParseRole(%q) returned %+v with an error", tt.in, got)
			}
			if tt.suggestion != "" {
				if _, err := ParseRole(tt.suggestion); err != nil {
					t.Errorf("suggestion %q does not parse: %v", tt.suggestion, err)
				}
			}
		})
	}
}

func TestErrorMessage(t *testing.T) {
	_, err := ParseRole("arn:aws:iam::111122223333:role/api\n")
	want := `"arn:aws:iam::111122223333:role/api\n" is not a valid IAM role ARN: it ends with a newline`
	if err == nil || err.Error() != want {
		t.Errorf("error = %v, want %s", err, want)
	}
}

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		in     string
		want   ARN
		reason string
	}{
		{name: "role", in: "arn:aws:iam::111122223333:role/api",
			want: ARN{Partition: "aws", Service: "iam", Account: acct, Resource: "role/api"}},
		{name: "s3 bucket without account", in: "arn:aws:s3:::my-bucket/key:with:colons",
			want: ARN{Partition: "aws", Service: "s3", Resource: "my-bucket/key:with:colons"}},
		{name: "managed policy", in: "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
			want: ARN{Partition: "aws", Service: "iam", Account: "aws", Resource: "policy/AmazonS3ReadOnlyAccess"}},
		{name: "eks cluster", in: "arn:aws-cn:eks:cn-north-1:111122223333:cluster/prod",
			want: ARN{Partition: "aws-cn", Service: "eks", Region: "cn-north-1", Account: acct, Resource: "cluster/prod"}},
		{name: "assumed role", in: "arn:aws:sts::111122223333:assumed-role/api/1700000000",
			want: ARN{Partition: "aws", Service: "sts", Account: acct, Resource: "assumed-role/api/1700000000"}},
		{name: "execute-api", in: "arn:aws:execute-api:us-east-1:111122223333:abc123/prod/GET/items",
			want: ARN{Partition: "aws", Service: "execute-api", Region: "us-east-1", Account: acct, Resource: "abc123/prod/GET/items"}},
		{name: "too few fields", in: "arn:aws:s3:my-bucket",
			reason: "it has 4 colon-separated fields; an ARN has 6 (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)"},
		{name: "bad region", in: "arn:aws:eks:US_EAST_1:111122223333:cluster/prod",
			reason: `the region "US_EAST_1" is not a region name (lower-case letters, digits and hyphens)`},
		{name: "bare name", in: "api-role", reason: `it is not an ARN: an ARN starts with "arn:"`},
		{name: "quoted", in: `"arn:aws:s3:::b"`, reason: "it is wrapped in double quotes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Parse(tt.in)
			if tt.reason == "" {
				if err != nil {
					t.Fatalf("Parse(%q): %v", tt.in, err)
				}
				if diff := cmp.Diff(tt.want, got); diff != "" {
					t.Errorf("Parse(%q) mismatch (-want +got):\n%s", tt.in, diff)
				}
				if s := got.String(); s != tt.in {
					t.Errorf("String() = %q, want %q", s, tt.in)
				}
				return
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("Parse(%q) = %+v, %v; want an *Error", tt.in, got, err)
			}
			if e.Reason != tt.reason || e.Want != "ARN" {
				t.Errorf("Parse(%q) error = %+v, want reason %q", tt.in, e, tt.reason)
			}
		})
	}
}

func TestPartitionForRegion(t *testing.T) {
	tests := map[string]string{
		"us-west-2":       "aws",
		"eu-central-1":    "aws",
		"":                "aws",
		"cn-north-1":      "aws-cn",
		"cn-northwest-1":  "aws-cn",
		"us-gov-west-1":   "aws-us-gov",
		"us-iso-east-1":   "aws-iso",
		"us-isob-east-1":  "aws-iso-b",
		"us-isof-south-1": "aws-iso-f",
		"eu-isoe-west-1":  "aws-iso-e",
		"eusc-de-east-1":  "aws-eusc",
	}
	for region, want := range tests {
		t.Run(region, func(t *testing.T) {
			if got := PartitionForRegion(region); got != want {
				t.Errorf("PartitionForRegion(%q) = %q, want %q", region, got, want)
			}
			if !KnownPartition(want) {
				t.Errorf("KnownPartition(%q) = false", want)
			}
		})
	}
}

func TestIsAccountID(t *testing.T) {
	for in, want := range map[string]bool{"111122223333": true, "11112222333": false, "": false, "aws": false, "1111-2222-3333": false} {
		if got := IsAccountID(in); got != want {
			t.Errorf("IsAccountID(%q) = %v, want %v", in, got, want)
		}
	}
}

func TestRoleARN(t *testing.T) {
	tests := []struct{ partition, account, path, name, want string }{
		{"aws", acct, "", "api", "arn:aws:iam::111122223333:role/api"},
		{"aws", acct, "/", "api", "arn:aws:iam::111122223333:role/api"},
		{"aws-cn", acct, "/teams/", "api", "arn:aws-cn:iam::111122223333:role/teams/api"},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			got := RoleARN(tt.partition, tt.account, tt.path, tt.name)
			if got != tt.want {
				t.Fatalf("RoleARN = %q, want %q", got, tt.want)
			}
			r, err := ParseRole(got)
			if err != nil {
				t.Fatal(err)
			}
			if r.Name != tt.name || r.Account != tt.account {
				t.Errorf("round trip: %+v", r)
			}
		})
	}
}
