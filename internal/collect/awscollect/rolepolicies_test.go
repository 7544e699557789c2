package awscollect

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

const (
	appRole     = "arn:aws:iam::" + acctA + ":role/app"
	jobRole     = "arn:aws:iam::" + acctA + ":role/jobs/batch"
	s3ReadOnly  = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
	boundary    = "arn:aws:iam::" + acctA + ":policy/eks-workload-boundary"
	s3ROdoc     = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:Get*","s3:List*"],"Resource":"*"}]}`
	boundaryDoc = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:*","sqs:*"],"Resource":"*"}]}`
	sqsDoc      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`
)

// identityWorld: the node role of nodeRoleWorld and three target roles:
// the reader attaches the node role's customer-managed policy and an AWS
// managed one, has an inline policy and a permissions boundary; app
// attaches the same two managed policies; batch attaches the AWS managed
// one only. Every managed policy is shared by two roles or more.
func identityWorld() awsfake.State {
	st := nodeRoleWorld()
	for i := range st.Roles {
		if st.Roles[i].ARN == reader {
			st.Roles[i].AttachedPolicies = []string{s3ReadOnly, basePolicy}
			st.Roles[i].InlinePolicies = map[string]string{"sqs-send": sqsDoc}
			st.Roles[i].PermissionsBoundary = boundary
		}
	}
	st.Roles = append(st.Roles,
		awsfake.Role{ARN: appRole, TrustPolicy: trustFor(provA, "payments:app"), RoleID: "AROAEXAMPLEAPP0000001", AttachedPolicies: []string{s3ReadOnly, basePolicy}},
		awsfake.Role{ARN: jobRole, TrustPolicy: trustFor(provA, "jobs:batch"), RoleID: "AROAEXAMPLEBATCH00001", AttachedPolicies: []string{s3ReadOnly}})
	st.ManagedPolicies = append(st.ManagedPolicies,
		awsfake.ManagedPolicy{ARN: s3ReadOnly, VersionID: "v3", Document: s3ROdoc},
		awsfake.ManagedPolicy{ARN: boundary, Document: boundaryDoc})
	return st
}

// TestIdentityPolicies: each target role's policies are read once, each
// managed policy once across the target and node roles (AWS managed ones
// and the boundary included), and the captures, read back directly and
// through a dump, give each role's complete identity policies.
func TestIdentityPolicies(t *testing.T) {
	f := awsfake.New(t, identityWorld())
	ctx := context.Background()
	res, err := Collect(ctx, f.Config(), Options{Cluster: "prod", IdentityPolicies: true,
		RoleARNs:    []string{reader, appRole, jobRole, appRole, reader},
		InstanceIDs: []string{nodeA}, NodeRoleInstanceIDs: []string{nodeA}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "ec2:DescribeInstances": 1,
		"iam:ListOpenIDConnectProviders": 1, "iam:GetOpenIDConnectProvider": 1, "iam:GetRole": 3, "iam:GetInstanceProfile": 1,
		// Three target roles and the node role.
		"iam:ListAttachedRolePolicies": 4, "iam:ListRolePolicies": 4,
		// sqs-send of the reader, ssm of the node role.
		"iam:GetRolePolicy": 2,
		// eks-node-base (reader, app, node role), AmazonS3ReadOnlyAccess
		// (reader, app, batch), the boundary: once each.
		"iam:GetPolicy": 3, "iam:GetPolicyVersion": 3}
	if d := cmp.Diff(want, f.Calls()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	perPolicy := map[string]int{}
	for _, c := range f.Log() {
		if c.Action == "iam:GetPolicy" || c.Action == "iam:GetPolicyVersion" {
			perPolicy[c.Action+" "+c.Resource]++
		}
	}
	for k, n := range perPolicy {
		if n != 1 {
			t.Errorf("%s: %d calls", k, n)
		}
	}
	if len(res.Gaps) != 0 {
		t.Errorf("gaps %+v", res.Gaps)
	}

	t.Run("the capture of a role", func(t *testing.T) {
		var src snapshot.Source
		for _, c := range res.Captures {
			if c.Path == acctA+"/get-role-batch.json" {
				src = c.Source
			}
		}
		if src != (snapshot.Source{Kind: "aws", Ref: "iam:GetRole batch and the policies of role batch"}) {
			t.Errorf("source %+v", src)
		}
		got := captureData(t, res, acctA+"/get-role-batch.json")
		// get-role, then the lists, then get-policy and get-policy-version.
		i := strings.Index(got, "}\n{\n    \"AttachedPolicies\"")
		if i < 0 {
			t.Fatalf("capture\n%s", got)
		}
		wantRest := `}
{
    "AttachedPolicies": [
        {
            "PolicyName": "AmazonS3ReadOnlyAccess",
            "PolicyArn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
        }
    ]
}
{
    "PolicyNames": []
}
{
    "Policy": {
        "PolicyName": "AmazonS3ReadOnlyAccess",
        "PolicyId": "` + policyID(t, got) + `",
        "Arn": "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess",
        "Path": "/",
        "DefaultVersionId": "v3",
        "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true,
        "CreateDate": "2026-03-02T15:30:58+00:00",
        "UpdateDate": "2026-03-02T15:30:58+00:00"
    }
}
{
    "PolicyVersion": {
        "Document": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": [
                        "s3:Get*",
                        "s3:List*"
                    ],
                    "Resource": "*"
                }
            ]
        },
        "VersionId": "v3",
        "IsDefaultVersion": true,
        "CreateDate": "2026-03-02T15:30:58+00:00"
    }
}
`
		if d := cmp.Diff(wantRest, got[i:]); d != "" {
			t.Errorf("capture after get-role (-want +got):\n%s", d)
		}
		if !strings.Contains(captureData(t, res, acctA+"/get-role-payments-s3-reader.json"), `"PermissionsBoundaryArn": "`+boundary+`"`) {
			t.Error("the reader's get-role capture has no PermissionsBoundaryArn")
		}
	})

	type summary struct {
		Policies []string
		Boundary string
		Missing  []string
		Problems []string
		Complete bool
	}
	wantPolicies := map[string]summary{
		reader:   {Policies: []string{s3ReadOnly, basePolicy, "inline:sqs-send"}, Boundary: boundary, Complete: true},
		appRole:  {Policies: []string{s3ReadOnly, basePolicy}, Complete: true},
		jobRole:  {Policies: []string{s3ReadOnly}, Complete: true},
		nodeRole: {Policies: []string{workerNode, basePolicy, "inline:ssm"}, Complete: false},
	}
	check := func(t *testing.T, s *snapshot.Snapshot) {
		t.Helper()
		c := &model.Context{Snap: s}
		for _, roleARN := range []string{reader, appRole, jobRole, nodeRole} {
			ip := model.IdentityPoliciesOf(c, roleARN)
			got := summary{Missing: ip.Missing, Problems: ip.Problems, Complete: ip.Complete}
			for _, p := range ip.Policies {
				got.Policies = append(got.Policies, p.Name)
			}
			if ip.Boundary != nil {
				got.Boundary = ip.Boundary.Name
			}
			w := wantPolicies[roleARN]
			if roleARN == nodeRole {
				// The node role's AWS managed policies are not read
				// (noderole.go), nor its get-role.
				w.Policies = []string{basePolicy, "inline:ssm"}
				w.Missing = []string{"aws iam get-role --role-name eks-node-general --output json",
					"aws iam get-policy --policy-arn " + workerNode + " --output json",
					"aws iam get-policy-version --policy-arn " + workerNode + " --version-id DEFAULT_VERSION_ID --output json"}
			}
			if d := cmp.Diff(w, got); d != "" {
				t.Errorf("%s (-want +got):\n%s", roleARN, d)
			}
		}
	}
	t.Run("read back", func(t *testing.T) { check(t, read(t, res)) })
	t.Run("dump and analyze", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "dump")
		m := bundle.Manifest{CollectedAt: "2026-11-26T11:58:03Z", Cluster: res.Cluster, Accounts: res.Accounts, Listed: res.Listed, Gaps: res.Gaps}
		if err := bundle.WriteDump(dir, res.Captures, m); err != nil {
			t.Fatal(err)
		}
		s, err := bundle.Read(ctx, []string{dir}, bundle.Options{})
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range s.Files {
			if f.Error != "" {
				t.Errorf("%s: %s", f.Path, f.Error)
			}
		}
		check(t, s)
	})
}

func policyID(t *testing.T, data string) string {
	t.Helper()
	const key = `"PolicyId": "`
	i := strings.Index(data, key)
	if i < 0 {
		t.Fatalf("no PolicyId in\n%s", data)
	}
	rest := data[i+len(key):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestIdentityPoliciesDenied: a refused list is a gap naming the
// permission and deploy/iam-policy.json; the role is still captured and
// the model names the capture command of what is missing.
func TestIdentityPoliciesDenied(t *testing.T) {
	f := awsfake.New(t, identityWorld())
	f.Deny("iam:ListRolePolicies", jobRole)
	f.Deny("iam:GetPolicyVersion", boundary)
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", IdentityPolicies: true, RoleARNs: []string{reader, jobRole}})
	if err != nil {
		t.Fatal(err)
	}
	grant := "; deploy/iam-policy.json lists what irsa-doctor calls)"
	who := "User: " + callerARN + " is not authorized to perform: "
	want := []snapshot.Gap{
		{Source: "aws", Operation: "iam:GetPolicyVersion", Resource: boundary,
			Reason: "AccessDenied: " + who + "iam:GetPolicyVersion on resource: " + boundary + " because no identity-based policy allows the iam:GetPolicyVersion action (grant iam:GetPolicyVersion on " + boundary + grant},
		{Source: "aws", Operation: "iam:ListRolePolicies", Resource: jobRole,
			Reason: "AccessDenied: " + who + "iam:ListRolePolicies on resource: role batch because no identity-based policy allows the iam:ListRolePolicies action (grant iam:ListRolePolicies on " + jobRole + grant},
	}
	if d := cmp.Diff(want, res.Gaps); d != "" {
		t.Errorf("gaps (-want +got):\n%s", d)
	}
	c := &model.Context{Snap: read(t, res)}
	if ip := model.IdentityPoliciesOf(c, jobRole); ip.Complete || !cmp.Equal(ip.Missing, []string{
		"aws iam list-attached-role-policies --role-name batch --output json", "aws iam list-role-policies --role-name batch --output json"}) {
		t.Errorf("batch: %+v", ip)
	}
	if ip := model.IdentityPoliciesOf(c, reader); ip.Complete || ip.Boundary != nil || !cmp.Equal(ip.Missing, []string{
		"aws iam get-policy --policy-arn " + boundary + " --output json",
		"aws iam get-policy-version --policy-arn " + boundary + " --version-id DEFAULT_VERSION_ID --output json"}) {
		t.Errorf("reader: %+v", ip)
	}
}

// TestIdentityPoliciesOff: without Options.IdentityPolicies no policy is
// read and the get-role capture is get-role alone.
func TestIdentityPoliciesOff(t *testing.T) {
	f := awsfake.New(t, identityWorld())
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", RoleARNs: []string{reader}})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []string{"iam:ListAttachedRolePolicies", "iam:ListRolePolicies", "iam:GetPolicy"} {
		if n := f.Count(a); n != 0 {
			t.Errorf("%s called %d times", a, n)
		}
	}
	if got := captureData(t, res, acctA+"/get-role-payments-s3-reader.json"); strings.Count(got, "\n{") != 0 {
		t.Errorf("capture holds more than get-role:\n%s", got)
	}
}

// TestIdentityPoliciesPages: lists IAM returns in pages (IsTruncated and
// Marker) are followed to the end and printed whole, as the AWS CLI
// prints them.
func TestIdentityPoliciesPages(t *testing.T) {
	st := identityWorld()
	st.RolePolicyPage = 1
	for i := range st.Roles {
		if st.Roles[i].ARN == reader {
			st.Roles[i].InlinePolicies["kms-decrypt"] = sqsDoc
		}
	}
	f := awsfake.New(t, st)
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", IdentityPolicies: true, RoleARNs: []string{reader}})
	if err != nil {
		t.Fatal(err)
	}
	if a, l := f.Count("iam:ListAttachedRolePolicies"), f.Count("iam:ListRolePolicies"); a != 2 || l != 2 {
		t.Errorf("%d ListAttachedRolePolicies and %d ListRolePolicies calls, want 2 pages each", a, l)
	}
	if n := f.Count("iam:GetRolePolicy"); n != 2 {
		t.Errorf("%d GetRolePolicy calls, want 2", n)
	}
	got := captureData(t, res, acctA+"/get-role-payments-s3-reader.json")
	if !strings.Contains(got, "{\n    \"PolicyNames\": [\n        \"kms-decrypt\",\n        \"sqs-send\"\n    ]\n}\n") {
		t.Errorf("capture without the whole inline list:\n%s", got)
	}
	ip := model.IdentityPoliciesOf(&model.Context{Snap: read(t, res)}, reader)
	var names []string
	for _, p := range ip.Policies {
		names = append(names, p.Name)
	}
	if want := []string{s3ReadOnly, basePolicy, "inline:kms-decrypt", "inline:sqs-send"}; !ip.Complete || !cmp.Equal(names, want) {
		t.Errorf("policies %v (complete %t, missing %v), want %v", names, ip.Complete, ip.Missing, want)
	}
}
