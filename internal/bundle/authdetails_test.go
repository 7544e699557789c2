package bundle

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// authDetailsOut is `aws iam get-account-authorization-details --output
// json` as the CLI prints it (documents decoded into objects), except
// that the second role's trust policy and inline document are URL-encoded
// as the raw API returns them; one user, no group; two roles, the first
// with a permissions boundary, an AWS managed and a customer managed
// policy, the second with an inline policy; the customer managed policy
// has two versions, v2 the default, and the AWS managed policy one.
const (
	appRoleARN     = "arn:aws:iam::" + acctA + ":role/app/s3-reader"
	jobRoleARN     = "arn:aws:iam::" + acctA + ":role/batch-job"
	boundaryARN    = "arn:aws:iam::" + acctA + ":policy/eks-workload-boundary"
	s3PolicyARN    = "arn:aws:iam::" + acctA + ":policy/s3-read-reports"
	awsReadOnlyARN = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	authDetailsOut = `{
    "UserDetailList": [
        {
            "Path": "/",
            "UserName": "alice",
            "UserId": "AIDAEXAMPLEALICE00001",
            "Arn": "arn:aws:iam::` + acctA + `:user/alice",
            "CreateDate": "2025-01-10T08:00:00+00:00",
            "GroupList": [],
            "AttachedManagedPolicies": [],
            "Tags": []
        }
    ],
    "GroupDetailList": [],
    "RoleDetailList": [
        {
            "Path": "/app/",
            "RoleName": "s3-reader",
            "RoleId": "AROAEXAMPLES3READER01",
            "Arn": "` + appRoleARN + `",
            "CreateDate": "2026-02-01T09:00:00+00:00",
            "AssumeRolePolicyDocument": {
                "Version": "2012-10-17",
                "Statement": [
                    {
                        "Effect": "Allow",
                        "Principal": {
                            "Federated": "arn:aws:iam::` + acctA + `:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
                        },
                        "Action": "sts:AssumeRoleWithWebIdentity"
                    }
                ]
            },
            "InstanceProfileList": [],
            "RolePolicyList": [],
            "AttachedManagedPolicies": [
                {
                    "PolicyName": "AmazonS3ReadOnlyAccess",
                    "PolicyArn": "` + awsReadOnlyARN + `"
                },
                {
                    "PolicyName": "s3-read-reports",
                    "PolicyArn": "` + s3PolicyARN + `"
                }
            ],
            "PermissionsBoundary": {
                "PermissionsBoundaryType": "PermissionsBoundaryPolicy",
                "PermissionsBoundaryArn": "` + boundaryARN + `"
            },
            "Tags": [],
            "RoleLastUsed": {}
        },
        {
            "Path": "/",
            "RoleName": "batch-job",
            "RoleId": "AROAEXAMPLEBATCHJOB01",
            "Arn": "` + jobRoleARN + `",
            "CreateDate": "2026-02-02T09:00:00+00:00",
            "AssumeRolePolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D",
            "InstanceProfileList": [],
            "RolePolicyList": [
                {
                    "PolicyName": "sqs-send",
                    "PolicyDocument": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%7B%22Effect%22%3A%22Allow%22%2C%22Action%22%3A%22sqs%3ASendMessage%22%2C%22Resource%22%3A%22%2A%22%7D%5D%7D"
                }
            ],
            "AttachedManagedPolicies": [],
            "Tags": [],
            "RoleLastUsed": {
                "LastUsedDate": "2026-03-01T10:00:00+00:00",
                "Region": "us-west-2"
            }
        }
    ],
    "Policies": [
        {
            "PolicyName": "s3-read-reports",
            "PolicyId": "ANPAEXAMPLES3REPORTS1",
            "Arn": "` + s3PolicyARN + `",
            "Path": "/",
            "DefaultVersionId": "v2",
            "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true,
            "CreateDate": "2025-06-01T10:00:00+00:00",
            "UpdateDate": "2025-07-01T10:00:00+00:00",
            "PolicyVersionList": [
                {
                    "Document": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]
                    },
                    "VersionId": "v1",
                    "IsDefaultVersion": false,
                    "CreateDate": "2025-06-01T10:00:00+00:00"
                },
                {
                    "Document": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": "s3:GetObject", "Resource": "arn:aws:s3:::reports/*"}]
                    },
                    "VersionId": "v2",
                    "IsDefaultVersion": true,
                    "CreateDate": "2025-07-01T10:00:00+00:00"
                }
            ]
        },
        {
            "PolicyName": "AmazonS3ReadOnlyAccess",
            "PolicyId": "ANPAIZTJ4DXE7G6AGAE6M",
            "Arn": "` + awsReadOnlyARN + `",
            "Path": "/",
            "DefaultVersionId": "v3",
            "AttachmentCount": 1,
            "PermissionsBoundaryUsageCount": 0,
            "IsAttachable": true,
            "CreateDate": "2015-02-06T18:40:59+00:00",
            "UpdateDate": "2023-08-10T21:31:39+00:00",
            "PolicyVersionList": [
                {
                    "Document": {
                        "Version": "2012-10-17",
                        "Statement": [{"Effect": "Allow", "Action": ["s3:Get*", "s3:List*"], "Resource": "*"}]
                    },
                    "VersionId": "v3",
                    "IsDefaultVersion": true,
                    "CreateDate": "2023-08-10T21:31:39+00:00"
                }
            ]
        }
    ],
    "IsTruncated": false
}
`
	appTrustText = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Federated":"arn:aws:iam::` + acctA +
		`:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},"Action":"sts:AssumeRoleWithWebIdentity"}]}`
	sqsSendText     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`
	s3ReportsV2Text = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::reports/*"}]}`
	s3ReadOnlyText  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`
)

// authDetailsSnap is what authDetailsOut holds, read from ref.
func authDetailsSnap(ref string, complete bool) func(s *snapshot.Snapshot) {
	return func(s *snapshot.Snapshot) {
		s.Roles[appRoleARN] = &snapshot.Role{ARN: appRoleARN, Name: "s3-reader", Path: "/app/", Account: acctA, RoleID: "AROAEXAMPLES3READER01",
			TrustPolicy: appTrustText, PermissionsBoundary: boundaryARN, Source: src(ref)}
		s.Roles[jobRoleARN] = &snapshot.Role{ARN: jobRoleARN, Name: "batch-job", Path: "/", Account: acctA, RoleID: "AROAEXAMPLEBATCHJOB01",
			TrustPolicy: `{"Version":"2012-10-17","Statement":[]}`, Source: src(ref)}
		s.RolePolicies = []*snapshot.RolePolicies{
			{RoleName: "s3-reader", Attached: []snapshot.AttachedPolicy{{Name: "AmazonS3ReadOnlyAccess", ARN: awsReadOnlyARN}, {Name: "s3-read-reports", ARN: s3PolicyARN}},
				AttachedKnown: true, AttachedComplete: complete, AttachedSource: src(ref),
				InlineNames: []string{}, InlineKnown: true, InlineComplete: complete, InlineSource: src(ref)},
			{RoleName: "batch-job", Attached: []snapshot.AttachedPolicy{}, AttachedKnown: true, AttachedComplete: complete, AttachedSource: src(ref),
				InlineNames: []string{"sqs-send"}, InlineKnown: true, InlineComplete: complete, InlineSource: src(ref),
				Inline: []snapshot.InlinePolicy{{Name: "sqs-send", Document: sqsSendText, Source: src(ref)}}},
		}
		s.ManagedPolicies = []*snapshot.ManagedPolicy{
			{ARN: s3PolicyARN, Name: "s3-read-reports", DefaultVersionID: "v2", Source: src(ref), Document: s3ReportsV2Text, VersionID: "v2", DocumentSource: src(ref)},
			{ARN: awsReadOnlyARN, Name: "AmazonS3ReadOnlyAccess", DefaultVersionID: "v3", Source: src(ref), Document: s3ReadOnlyText, VersionID: "v3", DocumentSource: src(ref)},
		}
	}
}

func TestReadAuthDetails(t *testing.T) {
	t.Run("two roles, a boundary, an AWS managed policy, object and URL-encoded documents, default versions only", func(t *testing.T) {
		s := readStdin(t, authDetailsOut)
		cmpSnap(t, want(func(s *snapshot.Snapshot) {
			authDetailsSnap("-", true)(s)
			s.Files = file("aws:GetAccountAuthorizationDetails", "")
		}), s)
	})

	t.Run("the model's identity policies from this one file", func(t *testing.T) {
		c := &model.Context{Snap: readStdin(t, authDetailsOut)}
		type summary struct {
			Policies, Missing []string
			Complete          bool
		}
		for _, tc := range []struct {
			role string
			want summary
		}{
			// The boundary policy is not in the capture's Policies.
			{appRoleARN, summary{Policies: []string{awsReadOnlyARN, s3PolicyARN}, Missing: []string{
				"aws iam get-policy --policy-arn " + boundaryARN + " --output json",
				"aws iam get-policy-version --policy-arn " + boundaryARN + " --version-id DEFAULT_VERSION_ID --output json"}}},
			{jobRoleARN, summary{Policies: []string{"inline:sqs-send"}, Complete: true}},
		} {
			ip := model.IdentityPoliciesOf(c, tc.role)
			got := summary{Missing: ip.Missing, Complete: ip.Complete}
			for _, p := range ip.Policies {
				got.Policies = append(got.Policies, p.Name)
			}
			if d := cmp.Diff(tc.want, got); d != "" || len(ip.Problems) != 0 || ip.Boundary != nil {
				t.Errorf("%s (-want +got):\n%s\nproblems %v, boundary %v", tc.role, d, ip.Problems, ip.Boundary)
			}
		}
	})

	t.Run("one page of several: the lists are incomplete", func(t *testing.T) {
		in := authDetailsOut[:len(authDetailsOut)-len("    \"IsTruncated\": false\n}\n")] + `    "IsTruncated": true, "Marker": "AAEAAWvC"}`
		s := readStdin(t, in)
		cmpSnap(t, want(func(s *snapshot.Snapshot) {
			authDetailsSnap("-", false)(s)
			s.Files = file("aws:GetAccountAuthorizationDetails", "")
		}), s)
	})

	t.Run("a stray list after it is not its last role's", func(t *testing.T) {
		s := readStdin(t, authDetailsOut+listInlineOut)
		const wantErr = "-: list-role-policies output does not name its role, and the bundle names 2 roles: put it after the get-role (or get-instance-profile) output of its role in one file"
		if s.Files[0].Error != wantErr {
			t.Errorf("error\n%q, want\n%q", s.Files[0].Error, wantErr)
		}
		if rp := s.RolePoliciesFor("batch-job"); rp == nil || len(rp.InlineNames) != 1 || rp.InlineNames[0] != "sqs-send" {
			t.Errorf("batch-job policies %+v", rp)
		}
	})

	t.Run("the same role from list-roles, get-account-authorization-details and get-role is one copy", func(t *testing.T) {
		getRole := `{"Role": {"Path": "/app/", "RoleName": "s3-reader", "RoleId": "AROAEXAMPLES3READER01", "Arn": "` + appRoleARN + `",
            "CreateDate": "2026-02-01T09:00:00+00:00", "AssumeRolePolicyDocument": ` + appTrustText + `, "MaxSessionDuration": 3600,
            "PermissionsBoundary": {"PermissionsBoundaryType": "PermissionsBoundaryPolicy", "PermissionsBoundaryArn": "` + boundaryARN + `"},
            "Tags": [{"Key": "team", "Value": "payments"}]}}`
		listRoles := `{"Roles": [{"Path": "/app/", "RoleName": "s3-reader", "RoleId": "AROAEXAMPLES3READER01", "Arn": "` + appRoleARN + `",
            "CreateDate": "2026-02-01T09:00:00+00:00", "AssumeRolePolicyDocument": ` + appTrustText + `, "MaxSessionDuration": 3600}]}`
		for _, order := range [][]string{{"a.json", "b.json", "c.json"}, {"c.json", "b.json", "a.json"}} {
			writeTree(t, map[string]string{"a.json": listRoles, "b.json": authDetailsOut, "c.json": getRole})
			s := readPaths(t, order...)
			for _, f := range s.Files {
				if f.Error != "" {
					t.Errorf("%v: %s: %s", order, f.Path, f.Error)
				}
			}
			r := s.Roles[appRoleARN]
			if r == nil || r.PermissionsBoundary != boundaryARN || r.MaxSessionDuration != 3600 || r.Tags["team"] != "payments" || len(s.Gaps) != 0 {
				t.Errorf("%v: role %+v, gaps %+v", order, r, s.Gaps)
			}
		}
	})

	t.Run("a get-policy without a document, then the same policy with one", func(t *testing.T) {
		s := readStdin(t, getPolicyOut+`{"RoleDetailList": [], "Policies": [{"PolicyName": "eks-node-extra", "Arn": "`+customPolicy+
			`", "DefaultVersionId": "v2", "PolicyVersionList": [{"Document": {"Statement": []}, "VersionId": "v2", "IsDefaultVersion": true}]}], "IsTruncated": false}`)
		if mp := s.ManagedPolicyFor(customPolicy); mp == nil || mp.Document != `{"Statement":[]}` || mp.VersionID != "v2" {
			t.Errorf("policy %+v", mp)
		}
	})

	t.Run("bad shapes", func(t *testing.T) {
		for _, tc := range []struct{ name, in, err string }{
			{"roles not an array", `{"RoleDetailList": {}}`, `-:1:20: get-account-authorization-details output whose "RoleDetailList" is an object, not an array`},
			{"policy without arn", `{"RoleDetailList": [], "Policies": [{"PolicyName": "p"}]}`, `-:1:37: get-account-authorization-details policy "p" has no usable Arn ("")`},
			{"attached policy without arn", `{"RoleDetailList": [{"RoleName": "batch-job", "Arn": "` + jobRoleARN + `", "AttachedManagedPolicies": [{"PolicyName": "p"}]}]}`,
				`-:1:21: get-account-authorization-details role batch-job: attached policy "p" has no usable PolicyArn (""): its list proves nothing`},
			{"inline document a number", `{"RoleDetailList": [{"RoleName": "batch-job", "Arn": "` + jobRoleARN + `", "RolePolicyList": [{"PolicyName": "p", "PolicyDocument": 1}]}]}`,
				`-:1:21: get-account-authorization-details role batch-job: inline policy "p": PolicyDocument is a number, not a policy document: its list proves nothing`},
		} {
			t.Run(tc.name, func(t *testing.T) {
				s := readStdin(t, tc.in)
				if s.Files[0].Error != tc.err {
					t.Errorf("error\n%q, want\n%q", s.Files[0].Error, tc.err)
				}
			})
		}
	})
}
