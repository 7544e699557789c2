package snapshot

import (
	"sort"
	"strings"
)

// The IAM role of the nodes' instance profiles and its permission
// policies. EKS Pod Identity needs the node's role to allow
// eks-auth:AssumeRoleForPodIdentity: the EKS Pod Identity Agent on the
// node calls EKS Auth with the node's credentials (docs/reference/pod-identity.md,
// §6.2 item 2). The facts come from
//
//	aws iam get-instance-profile --instance-profile-name P    (the role)
//	aws iam list-attached-role-policies --role-name R         (managed policies)
//	aws iam list-role-policies --role-name R                  (inline policy names)
//	aws iam get-role-policy --role-name R --policy-name N     (an inline document)
//	aws iam get-policy --policy-arn A                         (a managed policy's default version)
//	aws iam get-policy-version --policy-arn A --version-id V  (its document)

// InstanceProfile is the InstanceProfile of `aws iam get-instance-profile`.
type InstanceProfile struct {
	ARN     string `json:"arn"`
	Name    string `json:"name"`
	Account string `json:"account"`
	// RoleName and RoleARN are its role (Roles[0]: a profile holds at most
	// one); "" when the profile holds none.
	RoleName string `json:"roleName,omitempty"`
	RoleARN  string `json:"roleArn,omitempty"`
	Source   Source `json:"-"`
}

// AttachedPolicy is one entry of list-attached-role-policies.
type AttachedPolicy struct {
	Name string `json:"policyName"`
	ARN  string `json:"policyArn"`
}

// InlinePolicy is one get-role-policy output.
type InlinePolicy struct {
	Name     string `json:"policyName"`
	Document string `json:"document"` // JSON text, URL-decoded
	Source   Source `json:"-"`
}

// RolePolicies are the permission policies of one role, as far as the
// input holds them.
type RolePolicies struct {
	RoleName string `json:"roleName"`
	// Attached is the list-attached-role-policies output; AttachedKnown is
	// false when the input has none for the role, AttachedComplete false
	// when it holds one page of several (IsTruncated).
	Attached         []AttachedPolicy `json:"attached,omitempty"`
	AttachedKnown    bool             `json:"attachedKnown"`
	AttachedComplete bool             `json:"attachedComplete"`
	AttachedSource   Source           `json:"-"`
	// InlineNames is the list-role-policies output, with the same flags.
	InlineNames    []string `json:"inlineNames,omitempty"`
	InlineKnown    bool     `json:"inlineKnown"`
	InlineComplete bool     `json:"inlineComplete"`
	InlineSource   Source   `json:"-"`
	// Inline holds the inline documents the input has (get-role-policy).
	Inline []InlinePolicy `json:"inline,omitempty"`
}

// InlineDocument returns the inline policy called name, or nil.
func (rp *RolePolicies) InlineDocument(name string) *InlinePolicy {
	for i := range rp.Inline {
		if rp.Inline[i].Name == name {
			return &rp.Inline[i]
		}
	}
	return nil
}

// ManagedPolicy is a managed policy (get-policy) and, when the input has
// it, the document of its default version (get-policy-version).
type ManagedPolicy struct {
	ARN              string `json:"arn"`
	Name             string `json:"name"`
	DefaultVersionID string `json:"defaultVersionId,omitempty"`
	Source           Source `json:"-"`
	// Document is the default version's document as JSON text; "" when
	// the input does not hold it.
	Document       string `json:"document,omitempty"`
	VersionID      string `json:"versionId,omitempty"`
	DocumentSource Source `json:"-"`
}

// InstanceProfileFor returns the instance profile an EC2 instance's
// IamInstanceProfile.Arn names, or nil. The ARN carries the profile's
// path; a profile whose ARN differs only in case matches too (IAM names
// are unique case-insensitively).
func (s *Snapshot) InstanceProfileFor(arn string) *InstanceProfile {
	if arn == "" {
		return nil
	}
	for _, p := range s.InstanceProfiles {
		if strings.EqualFold(p.ARN, arn) {
			return p
		}
	}
	return nil
}

// RolePoliciesFor returns the permission policies the input holds for the
// role called name, or nil. IAM role names are unique case-insensitively
// within an account (IAM API reference, CreateRole).
func (s *Snapshot) RolePoliciesFor(name string) *RolePolicies {
	for _, rp := range s.RolePolicies {
		if strings.EqualFold(rp.RoleName, name) {
			return rp
		}
	}
	return nil
}

// ManagedPolicyFor returns the managed policy with that ARN, or nil.
func (s *Snapshot) ManagedPolicyFor(arn string) *ManagedPolicy {
	for _, p := range s.ManagedPolicies {
		if p.ARN == arn {
			return p
		}
	}
	return nil
}

// PodIdentityInstanceIDs returns the distinct EC2 instance IDs of the
// nodes that unfinished pods using EKS Pod Identity run on, sorted: the
// instances whose node roles the live collector reads. A pod uses Pod
// Identity when it carries what the webhook injects for it: the
// eks-pod-identity-token volume or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
// (docs/reference/webhook.md#pod-identity-mode).
func (s *Snapshot) PodIdentityInstanceIDs() []string {
	used := map[string]bool{}
	for _, p := range s.Pods {
		if p.Spec.NodeName == "" || p.Finished() || !podUsesPodIdentity(p) {
			continue
		}
		used[p.Spec.NodeName] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range s.Nodes {
		if !used[n.Name] {
			continue
		}
		if id := n.InstanceID(); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func podUsesPodIdentity(p *Pod) bool {
	for _, v := range p.Spec.Volumes {
		if v.Name == "eks-pod-identity-token" {
			return true
		}
	}
	for _, list := range [][]Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range list {
			for _, e := range c.Env {
				if e.Name == "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" {
					return true
				}
			}
		}
	}
	return false
}
