package model

import (
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// identitySummary is IdentityPolicies with each policy as its name.
type identitySummary struct {
	Policies []string
	Boundary string
	Missing  []string
	Problems []string
	Complete bool
}

func summarise(t *testing.T, ip IdentityPolicies) identitySummary {
	t.Helper()
	out := identitySummary{Missing: ip.Missing, Problems: ip.Problems, Complete: ip.Complete}
	for _, p := range ip.Policies {
		if p.Doc == nil {
			t.Errorf("policy %s without a document", p.Name)
		}
		out.Policies = append(out.Policies, p.Name)
	}
	if ip.Boundary != nil {
		if ip.Boundary.Doc == nil {
			t.Errorf("boundary %s without a document", ip.Boundary.Name)
		}
		out.Boundary = ip.Boundary.Name
	}
	return out
}

func TestIdentityPoliciesOf(t *testing.T) {
	const (
		roleARN  = "arn:aws:iam::111122223333:role/app/s3-reader"
		boundary = "arn:aws:iam::111122223333:policy/eks-workload-boundary"
		custom   = "arn:aws:iam::111122223333:policy/s3-read-reports"
		awsRO    = "arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"
		other    = "arn:aws:iam::111122223333:policy/other"
		doc      = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:GetObject","Resource":"*"}]}`
	)
	role := func() *snapshot.Role {
		return &snapshot.Role{ARN: roleARN, Name: "s3-reader", Path: "/app/", Account: "111122223333", PermissionsBoundary: boundary}
	}
	full := func(s *snapshot.Snapshot) {
		s.Roles[roleARN] = role()
		s.RolePolicies = []*snapshot.RolePolicies{{RoleName: "s3-reader",
			Attached:      []snapshot.AttachedPolicy{{Name: "AmazonS3ReadOnlyAccess", ARN: awsRO}, {Name: "s3-read-reports", ARN: custom}},
			AttachedKnown: true, AttachedComplete: true,
			InlineNames: []string{"sqs-send"}, InlineKnown: true, InlineComplete: true,
			Inline: []snapshot.InlinePolicy{{Name: "sqs-send", Document: doc}}}}
		s.ManagedPolicies = []*snapshot.ManagedPolicy{
			{ARN: awsRO, Name: "AmazonS3ReadOnlyAccess", DefaultVersionID: "v3", Document: doc, VersionID: "v3"},
			{ARN: custom, Name: "s3-read-reports", DefaultVersionID: "v2", Document: doc, VersionID: "v2"},
			{ARN: boundary, Name: "eks-workload-boundary", DefaultVersionID: "v1", Document: doc, VersionID: "v1"},
		}
	}
	for _, tc := range []struct {
		name string
		fill func(s *snapshot.Snapshot)
		arn  string
		want identitySummary
	}{
		{"nothing in the input", func(*snapshot.Snapshot) {}, roleARN, identitySummary{Missing: []string{
			"aws iam get-role --role-name s3-reader --output json",
			"aws iam list-attached-role-policies --role-name s3-reader --output json",
			"aws iam list-role-policies --role-name s3-reader --output json",
		}}},
		{"complete: managed (AWS and customer), inline, boundary", full, roleARN, identitySummary{
			Policies: []string{awsRO, custom, "inline:sqs-send"}, Boundary: boundary, Complete: true}},
		{"a role without a boundary and without policies", func(s *snapshot.Snapshot) {
			r := role()
			r.PermissionsBoundary = ""
			s.Roles[roleARN] = r
			s.RolePolicies = []*snapshot.RolePolicies{{RoleName: "S3-Reader", AttachedKnown: true, AttachedComplete: true, InlineKnown: true, InlineComplete: true}}
		}, roleARN, identitySummary{Complete: true}},
		{"documents missing, one page of several, a document that does not parse", func(s *snapshot.Snapshot) {
			full(s)
			rp := s.RolePolicies[0]
			rp.Attached = append(rp.Attached, snapshot.AttachedPolicy{Name: "other", ARN: other})
			rp.InlineNames = append(rp.InlineNames, "broken", "kms-decrypt")
			rp.Inline = append(rp.Inline, snapshot.InlinePolicy{Name: "broken", Document: `{"Statement": 1}`})
			rp.InlineComplete = false
			rp.InlineSource = snapshot.Source{Kind: "bundle", Ref: "inline.json"}
			s.ManagedPolicies[1].Document = "" // get-policy only
			s.ManagedPolicies = s.ManagedPolicies[:2]
		}, roleARN, identitySummary{
			Policies: []string{awsRO, "inline:sqs-send"},
			Missing: []string{
				"aws iam get-policy-version --policy-arn " + custom + " --version-id v2 --output json",
				"aws iam get-policy --policy-arn " + other + " --output json",
				"aws iam get-policy-version --policy-arn " + other + " --version-id DEFAULT_VERSION_ID --output json",
				"aws iam list-role-policies --role-name s3-reader --output json",
				"aws iam get-role-policy --role-name s3-reader --policy-name kms-decrypt --output json",
				"aws iam get-policy --policy-arn " + boundary + " --output json",
				"aws iam get-policy-version --policy-arn " + boundary + " --version-id DEFAULT_VERSION_ID --output json",
			},
			Problems: []string{
				"the inline policy names of role s3-reader are one page of several (IsTruncated) in inline.json",
				`inline policy broken of role s3-reader does not parse: invalid policy at Statement: must be an object or a list of objects, not a number`,
			},
		}},
		{"not a role ARN", func(*snapshot.Snapshot) {}, "arn:aws:iam::111122223333:user/x", identitySummary{
			Problems: []string{`role ARN: "arn:aws:iam::111122223333:user/x" is not a valid IAM role ARN: it names an IAM user (resource "user/x"), not a role; a role ARN's resource is role/NAME or role/PATH/NAME`}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := snapshot.New("offline")
			tc.fill(s)
			c := &Context{Snap: s}
			got := summarise(t, IdentityPoliciesOf(c, tc.arn))
			if d := cmp.Diff(tc.want, got); d != "" {
				t.Errorf("(-want +got):\n%s", d)
			}
			if again := summarise(t, IdentityPoliciesOf(c, tc.arn)); !cmp.Equal(got, again) {
				t.Errorf("second call differs: %+v", again)
			}
		})
	}
}
