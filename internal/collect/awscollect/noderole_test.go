package awscollect

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

const (
	nodeC       = "i-0c3d4e5f6071829a3"
	nodeRole    = "arn:aws:iam::" + acctA + ":role/eks-node-general"
	profile2    = "arn:aws:iam::" + acctA + ":instance-profile/karpenter/eks-general-karpenter"
	basePolicy  = "arn:aws:iam::" + acctA + ":policy/eks-node-base"
	workerNode  = "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"
	baseDoc     = `{"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "eks-auth:AssumeRoleForPodIdentity", "Resource": "*"}]}`
	inlineSSM   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}`
	nodeTrust   = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}]}`
	baseDocText = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"*"}]}`
)

// nodeRoleWorld: nodes A and B share one instance profile, node C has
// another profile of the same role; the role has an AWS managed policy, a
// customer-managed one and an inline one.
func nodeRoleWorld() awsfake.State {
	st := ec2World()
	st.Instances = append(st.Instances, awsfake.Instance{ID: nodeC, PrivateDNSName: "ip-10-0-61-5.us-west-2.compute.internal", InstanceProfileARN: profile2})
	st.Roles = append(st.Roles, awsfake.Role{ARN: nodeRole, TrustPolicy: nodeTrust, RoleID: "AROAEXAMPLENODEGEN01",
		AttachedPolicies: []string{workerNode, basePolicy}, InlinePolicies: map[string]string{"ssm": inlineSSM}})
	st.InstanceProfiles = []awsfake.InstanceProfile{{ARN: profile, RoleARN: nodeRole}, {ARN: profile2, RoleARN: nodeRole}}
	st.ManagedPolicies = []awsfake.ManagedPolicy{{ARN: basePolicy, VersionID: "v3", Document: baseDoc}}
	return st
}

// TestNodeRoles: each instance profile is read once, each role and
// customer-managed policy once, AWS managed policies never; the captures
// read back into the node role's policies.
func TestNodeRoles(t *testing.T) {
	f := awsfake.New(t, nodeRoleWorld())
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod",
		InstanceIDs: []string{nodeA}, NodeRoleInstanceIDs: []string{nodeA, nodeB, nodeC}})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]int{"sts:GetCallerIdentity": 1, "eks:DescribeCluster": 1, "ec2:DescribeInstances": 1,
		"iam:ListOpenIDConnectProviders": 1, "iam:GetOpenIDConnectProvider": 1,
		"iam:GetInstanceProfile": 2, "iam:ListAttachedRolePolicies": 1, "iam:ListRolePolicies": 1, "iam:GetRolePolicy": 1,
		"iam:GetPolicy": 1, "iam:GetPolicyVersion": 1}
	if d := cmp.Diff(want, f.Calls()); d != "" {
		t.Errorf("calls (-want +got):\n%s", d)
	}
	if len(res.Gaps) != 0 {
		t.Errorf("gaps %+v", res.Gaps)
	}
	var data string
	var paths []string
	for _, c := range res.Captures {
		if strings.Contains(c.Path, "instance-profile-") {
			paths = append(paths, c.Path)
		}
		if c.Path == acctA+"/instance-profile-eks-general-5ac8e0f2.json" {
			data = string(c.Data)
			if c.Source != (snapshot.Source{Kind: "aws", Ref: "iam:GetInstanceProfile eks-general-5ac8e0f2 and the policies of role eks-node-general"}) {
				t.Errorf("capture source %+v", c.Source)
			}
		}
	}
	if d := cmp.Diff([]string{acctA + "/instance-profile-eks-general-5ac8e0f2.json", acctA + "/instance-profile-eks-general-karpenter.json"}, paths); d != "" {
		t.Errorf("capture paths (-want +got):\n%s", d)
	}
	wantData := `{
    "InstanceProfile": {
        "Path": "/",
        "InstanceProfileName": "eks-general-5ac8e0f2",
        "InstanceProfileId": "` + profileID(t, data) + `",
        "Arn": "` + profile + `",
        "CreateDate": "2026-03-02T15:30:58+00:00",
        "Roles": [
            {
                "Path": "/",
                "RoleName": "eks-node-general",
                "RoleId": "AROAEXAMPLENODEGEN01",
                "Arn": "` + nodeRole + `",
                "CreateDate": "2026-09-14T08:05:12+00:00",
                "AssumeRolePolicyDocument": {
                    "Version": "2012-10-17",
                    "Statement": [
                        {
                            "Effect": "Allow",
                            "Principal": {
                                "Service": "ec2.amazonaws.com"
                            },
                            "Action": "sts:AssumeRole"
                        }
                    ]
                }
            }
        ]
    }
}
{
    "AttachedPolicies": [
        {
            "PolicyName": "AmazonEKSWorkerNodePolicy",
            "PolicyArn": "` + workerNode + `"
        },
        {
            "PolicyName": "eks-node-base",
            "PolicyArn": "` + basePolicy + `"
        }
    ]
}
{
    "PolicyNames": [
        "ssm"
    ]
}
{
    "RoleName": "eks-node-general",
    "PolicyName": "ssm",
    "PolicyDocument": {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ssm:GetParameter",
                "Resource": "*"
            }
        ]
    }
}
{
    "Policy": {
        "PolicyName": "eks-node-base",
        "PolicyId": "`
	if len(data) < len(wantData) || data[:len(wantData)] != wantData {
		t.Errorf("capture starts\n%s\nwant\n%s", data, wantData)
	}

	s, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files {
		if f.Error != "" {
			t.Errorf("read back %s: %s", f.Path, f.Error)
		}
	}
	if len(s.InstanceProfiles) != 2 || s.InstanceProfileFor(profile2) == nil || s.InstanceProfileFor(profile2).RoleName != "eks-node-general" {
		t.Errorf("instance profiles %+v", s.InstanceProfiles)
	}
	rp := s.RolePoliciesFor("eks-node-general")
	if rp == nil || !rp.AttachedComplete || !rp.InlineComplete || len(rp.Attached) != 2 || rp.InlineDocument("ssm") == nil || rp.InlineDocument("ssm").Document != inlineSSM {
		t.Errorf("role policies %+v", rp)
	}
	mp := s.ManagedPolicyFor(basePolicy)
	if mp == nil || mp.Document != baseDocText || mp.VersionID != "v3" {
		t.Errorf("managed policy %+v", mp)
	}
}

func profileID(t *testing.T, data string) string {
	t.Helper()
	const key = `"InstanceProfileId": "`
	i := strings.Index(data, key)
	if i < 0 {
		t.Fatalf("no InstanceProfileId in\n%s", data)
	}
	rest := data[i+len(key):]
	return rest[:strings.IndexByte(rest, '"')]
}

// TestNodeRolesDenied: a refused call is a gap naming the permission; the
// profile is still captured, so the check can say what is missing.
func TestNodeRolesDenied(t *testing.T) {
	f := awsfake.New(t, nodeRoleWorld())
	f.Deny("iam:ListAttachedRolePolicies", "")
	f.Deny("iam:GetInstanceProfile", profile2)
	res, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", NodeRoleInstanceIDs: []string{nodeA, nodeC}})
	if err != nil {
		t.Fatal(err)
	}
	want := []snapshot.Gap{
		{Source: "aws", Operation: "iam:GetInstanceProfile", Resource: profile2,
			Reason: "AccessDenied: User: " + callerARN + " is not authorized to perform: iam:GetInstanceProfile on resource: " + profile2 +
				" because no identity-based policy allows the iam:GetInstanceProfile action (grant iam:GetInstanceProfile on " + profile2 +
				"; deploy/iam-policy.json lists what irsa-doctor calls)"},
		{Source: "aws", Operation: "iam:ListAttachedRolePolicies", Resource: nodeRole,
			Reason: "AccessDenied: User: " + callerARN + " is not authorized to perform: iam:ListAttachedRolePolicies on resource: role eks-node-general" +
				" because no identity-based policy allows the iam:ListAttachedRolePolicies action (grant iam:ListAttachedRolePolicies on " + nodeRole +
				"; deploy/iam-policy.json lists what irsa-doctor calls)"},
	}
	if d := cmp.Diff(want, res.Gaps); d != "" {
		t.Errorf("gaps (-want +got):\n%s", d)
	}
	if n := f.Count("iam:GetPolicy"); n != 0 {
		t.Errorf("iam:GetPolicy called %d times after the list was refused", n)
	}
	s, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Gaps: res.Gaps})
	if err != nil {
		t.Fatal(err)
	}
	if s.InstanceProfileFor(profile) == nil || s.RolePoliciesFor("eks-node-general") != nil {
		t.Errorf("profiles %+v, role policies %+v", s.InstanceProfiles, s.RolePolicies)
	}
	if _, ok := s.GapFor("iam:ListAttachedRolePolicies", nodeRole); !ok {
		t.Error("no gap for the refused list")
	}
}

// TestNodeRolesNone: without Pod Identity nodes nothing is read.
func TestNodeRolesNone(t *testing.T) {
	f := awsfake.New(t, nodeRoleWorld())
	if _, err := Collect(context.Background(), f.Config(), Options{Cluster: "prod", InstanceIDs: []string{nodeA}}); err != nil {
		t.Fatal(err)
	}
	if n := f.Count("iam:GetInstanceProfile"); n != 0 {
		t.Errorf("iam:GetInstanceProfile called %d times without NodeRoleInstanceIDs", n)
	}
}
