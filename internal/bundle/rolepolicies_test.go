package bundle

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// As the AWS CLI prints `aws iam get-instance-profile`,
// `list-attached-role-policies`, `list-role-policies`, `get-role-policy`,
// `get-policy` and `get-policy-version` with --output json (IAM API
// reference; the CLI decodes the URL-encoded documents into objects).
const (
	nodeProfileARN = "arn:aws:iam::" + acctA + ":instance-profile/eks-general-5ac8e0f2"
	nodeRoleARN    = "arn:aws:iam::" + acctA + ":role/eks-node-general"
	customPolicy   = "arn:aws:iam::" + acctA + ":policy/eks-node-extra"
	getProfileOut  = `{
    "InstanceProfile": {
        "Path": "/",
        "InstanceProfileName": "eks-general-5ac8e0f2",
        "InstanceProfileId": "AIPAEXAMPLEPROFILE0001",
        "Arn": "` + nodeProfileARN + `",
        "CreateDate": "2026-03-02T15:40:11+00:00",
        "Roles": [
            {
                "Path": "/",
                "RoleName": "eks-node-general",
                "RoleId": "AROAEXAMPLENODEROLE01",
                "Arn": "` + nodeRoleARN + `",
                "CreateDate": "2026-03-02T15:39:58+00:00",
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
        ],
        "Tags": []
    }
}
`
	listAttachedOut = `{
    "AttachedPolicies": [
        {
            "PolicyName": "AmazonEKS_CNI_Policy",
            "PolicyArn": "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"
        },
        {
            "PolicyName": "eks-node-extra",
            "PolicyArn": "` + customPolicy + `"
        }
    ]
}
`
	listInlineOut = `{
    "PolicyNames": [
        "ssm-parameters"
    ]
}
`
	getRolePolicyOut = `{
    "RoleName": "eks-node-general",
    "PolicyName": "ssm-parameters",
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
`
	getPolicyOut = `{
    "Policy": {
        "PolicyName": "eks-node-extra",
        "PolicyId": "ANPAEXAMPLEEXTRA00001",
        "Arn": "` + customPolicy + `",
        "Path": "/",
        "DefaultVersionId": "v2",
        "AttachmentCount": 1,
        "PermissionsBoundaryUsageCount": 0,
        "IsAttachable": true,
        "CreateDate": "2025-06-01T10:00:00+00:00",
        "UpdateDate": "2025-07-01T10:00:00+00:00",
        "Tags": []
    }
}
`
	getPolicyVersionOut = `{
    "PolicyVersion": {
        "Document": {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "eks-auth:AssumeRoleForPodIdentity",
                    "Resource": "*"
                }
            ]
        },
        "VersionId": "v2",
        "IsDefaultVersion": true,
        "CreateDate": "2025-07-01T10:00:00+00:00"
    }
}
`
)

const (
	inlineDocText = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"ssm:GetParameter","Resource":"*"}]}`
	extraDocText  = `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"eks-auth:AssumeRoleForPodIdentity","Resource":"*"}]}`
)

func nodeProfile(ref string) *snapshot.InstanceProfile {
	return &snapshot.InstanceProfile{ARN: nodeProfileARN, Name: "eks-general-5ac8e0f2", Account: acctA,
		RoleName: "eks-node-general", RoleARN: nodeRoleARN, Source: src(ref)}
}

func TestReadNodeRole(t *testing.T) {
	attached := []snapshot.AttachedPolicy{{Name: "AmazonEKS_CNI_Policy", ARN: "arn:aws:iam::aws:policy/AmazonEKS_CNI_Policy"},
		{Name: "eks-node-extra", ARN: customPolicy}}
	full := func(ref string) func(s *snapshot.Snapshot) {
		return func(s *snapshot.Snapshot) {
			s.InstanceProfiles = []*snapshot.InstanceProfile{nodeProfile(ref)}
			s.RolePolicies = []*snapshot.RolePolicies{{RoleName: "eks-node-general",
				Attached: attached, AttachedKnown: true, AttachedComplete: true, AttachedSource: src(ref),
				InlineNames: []string{"ssm-parameters"}, InlineKnown: true, InlineComplete: true, InlineSource: src(ref),
				Inline: []snapshot.InlinePolicy{{Name: "ssm-parameters", Document: inlineDocText, Source: src(ref)}}}}
			s.ManagedPolicies = []*snapshot.ManagedPolicy{{ARN: customPolicy, Name: "eks-node-extra", DefaultVersionID: "v2", Source: src(ref),
				Document: extraDocText, VersionID: "v2", DocumentSource: src(ref)}}
		}
	}
	all := "aws:GetInstanceProfile,aws:ListAttachedRolePolicies,aws:ListRolePolicies,aws:GetRolePolicy,aws:GetPolicy,aws:GetPolicyVersion"

	t.Run("one file in order", func(t *testing.T) {
		s := readStdin(t, getProfileOut+listAttachedOut+listInlineOut+getRolePolicyOut+getPolicyOut+getPolicyVersionOut)
		cmpSnap(t, want(func(s *snapshot.Snapshot) { full("-")(s); s.Files = file(all, "") }), s)
	})

	t.Run("separate files, one node role", func(t *testing.T) {
		writeTree(t, map[string]string{"profile.json": getProfileOut, "attached.json": listAttachedOut, "inline.json": listInlineOut,
			"inline-doc.json": getRolePolicyOut, "policy.json": getPolicyOut, "version.json": getPolicyVersionOut})
		s := readPaths(t, ".")
		if len(s.RolePolicies) != 1 || !s.RolePolicies[0].AttachedKnown || !s.RolePolicies[0].InlineKnown ||
			s.RolePolicies[0].AttachedSource != src("attached.json") || s.RolePolicies[0].InlineSource != src("inline.json") {
			t.Errorf("role policies %+v", s.RolePolicies)
		}
		if len(s.ManagedPolicies) != 1 || s.ManagedPolicies[0].Document != extraDocText || s.ManagedPolicies[0].DocumentSource != src("version.json") {
			t.Errorf("managed policies %+v", s.ManagedPolicies)
		}
		for _, f := range s.Files {
			if f.Error != "" {
				t.Errorf("file %s: %s", f.Path, f.Error)
			}
		}
	})

	t.Run("list naming no role in a bundle of two roles", func(t *testing.T) {
		other := `{"RoleName": "other-node", "PolicyName": "x", "PolicyDocument": {"Version": "2012-10-17", "Statement": []}}`
		writeTree(t, map[string]string{"a.json": getProfileOut + other, "b.json": listAttachedOut})
		s := readPaths(t, "b.json", "a.json")
		var got string
		for _, f := range s.Files {
			if f.Path == "b.json" {
				got = f.Error
			}
		}
		const wantErr = "b.json: list-attached-role-policies output does not name its role, and the bundle names 2 roles: put it after the get-role (or get-instance-profile) output of its role in one file"
		if got != wantErr {
			t.Errorf("error %q, want %q", got, wantErr)
		}
		if rp := s.RolePoliciesFor("eks-node-general"); rp != nil && rp.AttachedKnown {
			t.Errorf("attached list attributed: %+v", rp)
		}
	})

	t.Run("a get-role before the list names the role", func(t *testing.T) {
		getRole := `{"Role": {"Path": "/", "RoleName": "karpenter-node", "RoleId": "AROAEXAMPLEKARPENTER1", "Arn": "arn:aws:iam::` + acctA + `:role/karpenter-node", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}}`
		s := readStdin(t, getProfileOut+getRole+listInlineOut)
		if rp := s.RolePoliciesFor("karpenter-node"); rp == nil || !rp.InlineKnown || rp.InlineNames[0] != "ssm-parameters" {
			t.Errorf("karpenter-node policies %+v", rp)
		}
		if rp := s.RolePoliciesFor("eks-node-general"); rp != nil {
			t.Errorf("eks-node-general got %+v", rp)
		}
	})

	t.Run("truncated list", func(t *testing.T) {
		s := readStdin(t, getProfileOut+`{"AttachedPolicies": [], "IsTruncated": true, "Marker": "AAE="}`)
		rp := s.RolePoliciesFor("eks-node-general")
		if rp == nil || !rp.AttachedKnown || rp.AttachedComplete {
			t.Errorf("role policies %+v, want known and incomplete", rp)
		}
	})

	t.Run("URL-encoded documents", func(t *testing.T) {
		s := readStdin(t, getPolicyOut+`{"PolicyVersion": {"Document": "%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D", "VersionId": "v2", "IsDefaultVersion": true}}`)
		if len(s.ManagedPolicies) != 1 || s.ManagedPolicies[0].Document != `{"Version":"2012-10-17","Statement":[]}` {
			t.Errorf("managed policies %+v", s.ManagedPolicies)
		}
	})

	t.Run("not the default version", func(t *testing.T) {
		s := readStdin(t, getPolicyOut+`{"PolicyVersion": {"Document": {"Statement": []}, "VersionId": "v1", "IsDefaultVersion": false}}`)
		const wantErr = "-: get-policy-version output is version v1 of " + customPolicy + ", not its default version v2: IAM evaluates only the default version; not used"
		if s.Files[0].Error != wantErr || s.ManagedPolicies[0].Document != "" {
			t.Errorf("file %+v, policy %+v", s.Files[0], s.ManagedPolicies[0])
		}
	})

	t.Run("denied and missing calls", func(t *testing.T) {
		s := readStdin(t, "An error occurred (AccessDenied) when calling the ListAttachedRolePolicies operation: User: arn:aws:sts::"+acctA+
			":assumed-role/ReadOnly/alice is not authorized to perform: iam:ListAttachedRolePolicies on resource: role eks-node-general because no identity-based policy allows the iam:ListAttachedRolePolicies action\n"+
			"An error occurred (NoSuchEntity) when calling the GetInstanceProfile operation: Instance Profile eks-old cannot be found.\n")
		gaps := []snapshot.Gap{
			{Source: "aws", Operation: "iam:GetInstanceProfile", Reason: "NoSuchEntity"},
			{Source: "aws", Operation: "iam:ListAttachedRolePolicies", Resource: "role eks-node-general", Reason: "AccessDenied"},
		}
		cmpSnap(t, want(func(s *snapshot.Snapshot) { s.Gaps = gaps; s.Files = file("aws:Error", "") }), s)
	})

	t.Run("bad shapes", func(t *testing.T) {
		for _, tc := range []struct{ name, in, err string }{
			{"profile not an object", `{"InstanceProfile": []}`, `-:1:21: get-instance-profile output whose "InstanceProfile" is an array, not an object`},
			{"profile without arn", `{"InstanceProfile": {"InstanceProfileName": "p"}}`, `-:1:21: get-instance-profile InstanceProfile "p" has no usable Arn ("")`},
			{"policy names not strings", `{"PolicyNames": [1]}`, `-:1:18: list-role-policies output: /0: a number where a string is expected`},
			{"inline without role", `{"RoleName": "", "PolicyName": "p", "PolicyDocument": {}}`, `-:1:1: get-role-policy output without RoleName or PolicyName ("", "p")`},
			{"version without policy", `{"PolicyVersion": {"Document": {}, "VersionId": "v1", "IsDefaultVersion": true}}`, `-: get-policy-version output (version v1) does not name its policy, and the bundle has 0 get-policy outputs without a document: put it after the get-policy output of its policy in one file`},
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

// The target roles' policies: the roles ServiceAccounts name, read with
// get-role, whose list outputs name no role either.
func TestReadTargetRolePolicies(t *testing.T) {
	getRole := func(name string) string {
		return `{"Role": {"Path": "/", "RoleName": "` + name + `", "RoleId": "AROAEXAMPLE` + name + `", "Arn": "arn:aws:iam::` + acctA + `:role/` + name +
			`", "AssumeRolePolicyDocument": {"Version": "2012-10-17", "Statement": []}}}` + "\n"
	}
	errOf := func(s *snapshot.Snapshot, path string) string {
		for _, f := range s.Files {
			if f.Path == path {
				return f.Error
			}
		}
		return "no file " + path
	}

	t.Run("separate files, one role: the only role the bundle names", func(t *testing.T) {
		writeTree(t, map[string]string{"role.json": getRole("app"), "attached.json": listAttachedOut, "inline.json": listInlineOut,
			"policy.json": getPolicyOut, "version.json": getPolicyVersionOut})
		s := readPaths(t, ".")
		rp := s.RolePoliciesFor("app")
		if rp == nil || !rp.AttachedKnown || !rp.AttachedComplete || len(rp.Attached) != 2 || rp.AttachedSource != src("attached.json") ||
			!rp.InlineKnown || len(rp.InlineNames) != 1 || rp.InlineSource != src("inline.json") {
			t.Errorf("app policies %+v", rp)
		}
		if mp := s.ManagedPolicyFor(customPolicy); mp == nil || mp.Document != extraDocText || mp.DocumentSource != src("version.json") {
			t.Errorf("managed policy %+v", mp)
		}
	})

	t.Run("two roles in separate files: ambiguous", func(t *testing.T) {
		writeTree(t, map[string]string{"a.json": getRole("app"), "b.json": getRole("worker"), "c.json": listInlineOut})
		s := readPaths(t, ".")
		const wantErr = "c.json: list-role-policies output does not name its role, and the bundle names 2 roles: put it after the get-role (or get-instance-profile) output of its role in one file"
		if got := errOf(s, "c.json"); got != wantErr {
			t.Errorf("error\n%q, want\n%q", got, wantErr)
		}
		if len(s.RolePolicies) != 0 {
			t.Errorf("attributed: %+v", s.RolePolicies[0])
		}
	})

	t.Run("two roles, each list after its get-role", func(t *testing.T) {
		writeTree(t, map[string]string{"a.json": getRole("app") + listAttachedOut + listInlineOut, "b.json": getRole("worker") + `{"AttachedPolicies": []}` + `{"PolicyNames": []}`})
		s := readPaths(t, ".")
		if a := s.RolePoliciesFor("app"); a == nil || len(a.Attached) != 2 || len(a.InlineNames) != 1 {
			t.Errorf("app %+v", a)
		}
		if w := s.RolePoliciesFor("worker"); w == nil || !w.AttachedKnown || len(w.Attached) != 0 || !w.InlineKnown || len(w.InlineNames) != 0 {
			t.Errorf("worker %+v", w)
		}
		for _, f := range s.Files {
			if f.Error != "" {
				t.Errorf("%s: %s", f.Path, f.Error)
			}
		}
	})

	t.Run("list-roles names no role for the lists", func(t *testing.T) {
		writeTree(t, map[string]string{"a.json": getRole("app"), "roles.json": `{"Roles": [` + getRole("x")[len(`{"Role": `):len(getRole("x"))-2] + `]}`, "c.json": listInlineOut})
		s := readPaths(t, ".")
		if rp := s.RolePoliciesFor("app"); rp == nil || !rp.InlineKnown || errOf(s, "c.json") != "" {
			t.Errorf("app %+v, c.json %q", rp, errOf(s, "c.json"))
		}
	})

	t.Run("a version without its get-policy, two policies: ambiguous", func(t *testing.T) {
		other := `{"Policy": {"PolicyName": "other", "Arn": "arn:aws:iam::` + acctA + `:policy/other", "DefaultVersionId": "v1"}}`
		writeTree(t, map[string]string{"p.json": getPolicyOut, "q.json": other, "v.json": getPolicyVersionOut})
		s := readPaths(t, ".")
		const wantErr = "v.json: get-policy-version output (version v2) does not name its policy, and the bundle has 2 get-policy outputs without a document: put it after the get-policy output of its policy in one file"
		if got := errOf(s, "v.json"); got != wantErr {
			t.Errorf("error\n%q, want\n%q", got, wantErr)
		}
	})

	t.Run("the default version by DefaultVersionId when IsDefaultVersion is absent", func(t *testing.T) {
		s := readStdin(t, getPolicyOut+`{"PolicyVersion": {"Document": {"Statement": []}, "VersionId": "v2"}}`)
		if mp := s.ManagedPolicyFor(customPolicy); mp == nil || mp.Document != `{"Statement":[]}` || s.Files[0].Error != "" {
			t.Errorf("policy %+v, file %+v", mp, s.Files[0])
		}
	})
}
