package model

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

// IdentityPolicies are a role's identity-based policies and permissions
// boundary as far as the input holds them: what policy.EvaluateIdentity
// takes. The facts come from get-role (the boundary's ARN),
// list-attached-role-policies, list-role-policies, get-role-policy,
// get-policy and get-policy-version, or from one
// get-account-authorization-details (bundle/rolepolicies.go).
type IdentityPolicies struct {
	// Policies are the attached managed policies (their default
	// versions; AWS managed ones too), named by ARN, in list order, then
	// the inline policies, named "inline:NAME" (policy.InlinePrefix), in
	// list order. Only documents that parse are here.
	Policies []policy.NamedPolicy
	// Boundary is the permissions boundary, named by its ARN; nil when the
	// role has none, or its document is missing or does not parse (then
	// Missing or Problems says so, and Complete is false).
	Boundary *policy.NamedPolicy
	// Missing are the capture commands of what the input lacks, each
	// the exact aws CLI command line, in the order above (get-role first).
	Missing []string
	// Problems are the documents that do not parse, and policy lists that
	// are one page of several.
	Problems []string
	// Complete is true when nothing is missing and every document parses:
	// Policies and Boundary are then all the role's identity policies.
	Complete bool
}

type identityKey string

// IdentityPoliciesOf returns the identity policies of the role with that
// ARN, once per run. A role ARN that does not parse has nothing (a
// Problem). Role policies are found by role name: the input's list
// outputs name no account (IAM role names are unique within an account).
func IdentityPoliciesOf(c *Context, roleARN string) IdentityPolicies {
	return Once(c, identityKey(roleARN), func() IdentityPolicies { return identityPolicies(c, roleARN) })
}

func identityPolicies(c *Context, roleARN string) IdentityPolicies {
	var out IdentityPolicies
	ref, err := arn.ParseRole(roleARN)
	if err != nil {
		out.Problems = append(out.Problems, "role ARN: "+err.Error())
		return out
	}
	s := c.Snap
	line := func(args ...string) string {
		return finding.Line(append(append([]string{"aws", "iam"}, args...), "--output", "json"))
	}
	need := func(args ...string) { out.Missing = append(out.Missing, line(args...)) }
	// managed adds the document of a managed policy, or what is missing.
	managed := func(policyARN string) *policy.NamedPolicy {
		mp := s.ManagedPolicyFor(policyARN)
		switch {
		case mp == nil:
			need("get-policy", "--policy-arn", policyARN)
			need("get-policy-version", "--policy-arn", policyARN, "--version-id", "DEFAULT_VERSION_ID")
			return nil
		case mp.Document == "":
			v := mp.DefaultVersionID
			if v == "" {
				v = "DEFAULT_VERSION_ID"
			}
			need("get-policy-version", "--policy-arn", policyARN, "--version-id", v)
			return nil
		}
		doc, err := c.TrustDocument(mp.Document) // parsed once per run
		if err != nil {
			out.Problems = append(out.Problems, fmt.Sprintf("the default version (%s) of managed policy %s does not parse: %v", mp.VersionID, policyARN, err))
			return nil
		}
		return &policy.NamedPolicy{Name: policyARN, Doc: doc}
	}

	role := FindRole(s, ref).Role
	if role == nil {
		// The boundary is known from get-role only.
		need("get-role", "--role-name", ref.Name)
	}
	rp := s.RolePoliciesFor(ref.Name)
	switch {
	case rp == nil || !rp.AttachedKnown:
		need("list-attached-role-policies", "--role-name", ref.Name)
	case !rp.AttachedComplete:
		out.Problems = append(out.Problems, fmt.Sprintf("the managed policies attached to role %s are one page of several (IsTruncated) in %s", ref.Name, rp.AttachedSource.Ref))
		need("list-attached-role-policies", "--role-name", ref.Name)
	}
	if rp != nil && rp.AttachedKnown {
		for _, a := range rp.Attached {
			if np := managed(a.ARN); np != nil {
				out.Policies = append(out.Policies, *np)
			}
		}
	}
	switch {
	case rp == nil || !rp.InlineKnown:
		need("list-role-policies", "--role-name", ref.Name)
	case !rp.InlineComplete:
		out.Problems = append(out.Problems, fmt.Sprintf("the inline policy names of role %s are one page of several (IsTruncated) in %s", ref.Name, rp.InlineSource.Ref))
		need("list-role-policies", "--role-name", ref.Name)
	}
	if rp != nil && rp.InlineKnown {
		for _, n := range rp.InlineNames {
			d := rp.InlineDocument(n)
			if d == nil {
				need("get-role-policy", "--role-name", ref.Name, "--policy-name", n)
				continue
			}
			doc, err := c.TrustDocument(d.Document)
			if err != nil {
				out.Problems = append(out.Problems, fmt.Sprintf("inline policy %s of role %s does not parse: %v", n, ref.Name, err))
				continue
			}
			out.Policies = append(out.Policies, policy.NamedPolicy{Name: policy.InlinePrefix + n, Doc: doc})
		}
	}
	if role != nil && role.PermissionsBoundary != "" {
		out.Boundary = managed(role.PermissionsBoundary)
	}
	out.Missing = dedupe(out.Missing)
	out.Complete = len(out.Missing) == 0 && len(out.Problems) == 0
	return out
}

func dedupe(lines []string) []string {
	seen := map[string]bool{}
	out := lines[:0]
	for _, l := range lines {
		if !seen[l] {
			seen[l] = true
			out = append(out, l)
		}
	}
	return out
}
