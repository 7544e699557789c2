package awscollect

import (
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/google/go-cmp/cmp"
)

func TestCLITime(t *testing.T) {
	tests := []struct {
		name string
		in   time.Time
		want string
	}{
		{"whole seconds", time.Date(2026, 9, 14, 8, 5, 12, 0, time.UTC), "2026-09-14T08:05:12+00:00"},
		{"milliseconds as microseconds", time.Date(2026, 3, 2, 15, 10, 44, 512000000, time.UTC), "2026-03-02T15:10:44.512000+00:00"},
		{"another zone is printed in UTC", time.Date(2026, 3, 2, 17, 10, 44, 0, time.FixedZone("CEST", 2*3600)), "2026-03-02T15:10:44+00:00"},
		{"nanoseconds round to microseconds", time.Date(2026, 3, 2, 15, 10, 44, 1500, time.UTC), "2026-03-02T15:10:44.000002+00:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := *cliTime(&tt.in); got != tt.want {
				t.Errorf("cliTime = %q, want %q", got, tt.want)
			}
		})
	}
	if cliTime(nil) != nil {
		t.Errorf("cliTime(nil) is not nil")
	}
}

func TestDecodePolicy(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"URL-encoded JSON is decoded", "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D", `{"Version":"2012-10-17","Statement":[]}`},
		{"%20 is a space, + stays a plus", "%7B%22Sid%22%3A%20%22a+b%22%7D", `{"Sid": "a+b"}`},
		{"a repeated key stays URL-encoded", "%7B%22Version%22%3A%221%22%2C%22Version%22%3A%222%22%7D", `"%7B%22Version%22%3A%221%22%2C%22Version%22%3A%222%22%7D"`},
		{"not JSON stays a string", "not%20json", `"not%20json"`},
		{"a bad escape stays a string", "%7B%zz", `"%7B%zz"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := string(decodePolicy(tt.in)); got != tt.want {
				t.Errorf("decodePolicy = %s, want %s", got, tt.want)
			}
		})
	}
}

func TestRenderGetRole(t *testing.T) {
	created := time.Date(2024, 4, 1, 9, 10, 0, 0, time.UTC)
	used := time.Date(2026, 11, 20, 7, 0, 1, 250000000, time.UTC)
	out := &iam.GetRoleOutput{Role: &iamtypes.Role{
		Arn: aws.String("arn:aws:iam::111122223333:role/r"), RoleName: aws.String("r"), RoleId: aws.String("AROA1"), Path: aws.String("/"),
		CreateDate: &created, AssumeRolePolicyDocument: aws.String("%7B%7D"), MaxSessionDuration: aws.Int32(3600),
		PermissionsBoundary: &iamtypes.AttachedPermissionsBoundary{PermissionsBoundaryType: iamtypes.PermissionsBoundaryAttachmentTypePolicy,
			PermissionsBoundaryArn: aws.String("arn:aws:iam::111122223333:policy/b")},
		Tags:         []iamtypes.Tag{{Key: aws.String("team"), Value: aws.String("payments")}},
		RoleLastUsed: &iamtypes.RoleLastUsed{LastUsedDate: &used, Region: aws.String("us-west-2")},
	}}
	got, err := renderGetRole(out)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
    "Role": {
        "Path": "/",
        "RoleName": "r",
        "RoleId": "AROA1",
        "Arn": "arn:aws:iam::111122223333:role/r",
        "CreateDate": "2024-04-01T09:10:00+00:00",
        "AssumeRolePolicyDocument": {},
        "MaxSessionDuration": 3600,
        "PermissionsBoundary": {
            "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
            "PermissionsBoundaryArn": "arn:aws:iam::111122223333:policy/b"
        },
        "Tags": [
            {
                "Key": "team",
                "Value": "payments"
            }
        ],
        "RoleLastUsed": {
            "LastUsedDate": "2026-11-20T07:00:01.250000+00:00",
            "Region": "us-west-2"
        }
    }
}
`
	if diff := cmp.Diff(want, string(got)); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestNormalEndpoint(t *testing.T) {
	tests := []struct{ in, want string }{
		{"https://ABC.gr7.us-west-2.eks.amazonaws.com", "abc.gr7.us-west-2.eks.amazonaws.com"},
		{"https://abc.gr7.us-west-2.eks.amazonaws.com:443/", "abc.gr7.us-west-2.eks.amazonaws.com"},
		{"abc.gr7.us-west-2.eks.amazonaws.com", "abc.gr7.us-west-2.eks.amazonaws.com"},
		{"https://127.0.0.1:6443", "127.0.0.1:6443"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := normalEndpoint(tt.in)
			if err != nil || got != tt.want {
				t.Errorf("normalEndpoint = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}
