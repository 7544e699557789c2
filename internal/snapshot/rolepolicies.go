package snapshot

import "strings"

// The permission policies of roles: the target roles' identity policies
// (with the permissions boundary, Role.PermissionsBoundary) and the node
// role's (noderole.go). The facts come from
//
//	aws iam list-attached-role-policies --role-name R         (managed policies)
//	aws iam list-role-policies --role-name R                  (inline policy names)
//	aws iam get-role-policy --role-name R --policy-name N     (an inline document)
//	aws iam get-policy --policy-arn A                         (a managed policy's default version)
//	aws iam get-policy-version --policy-arn A --version-id V  (its document)
//	aws iam get-account-authorization-details                 (all of these for every role and policy)

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
