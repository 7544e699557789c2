package bundle

import (
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// `aws iam get-account-authorization-details --output json`: one capture
// of an account's users, groups, roles and managed policies with their
// relationships, which support engineers ask for (IAM API reference,
// GetAccountAuthorizationDetails; the SDK's RoleDetail and
// ManagedPolicyDetail):
//
//	{"UserDetailList": [...], "GroupDetailList": [...],
//	 "RoleDetailList": [{"Path", "RoleName", "RoleId", "Arn", "CreateDate",
//	     "AssumeRolePolicyDocument", "InstanceProfileList",
//	     "RolePolicyList": [{"PolicyName", "PolicyDocument"}],
//	     "AttachedManagedPolicies": [{"PolicyName", "PolicyArn"}],
//	     "PermissionsBoundary": {"PermissionsBoundaryType", "PermissionsBoundaryArn"},
//	     "Tags", "RoleLastUsed"}],
//	 "Policies": [{"PolicyName", "PolicyId", "Arn", "Path", "DefaultVersionId",
//	     "AttachmentCount", "IsAttachable",
//	     "PolicyVersionList": [{"Document", "VersionId", "IsDefaultVersion", "CreateDate"}]}],
//	 "IsTruncated", "Marker"}
//
// Each role is a role as get-role prints it (its trust policy and
// boundary included), with its attached and inline policies, names and
// documents; each managed policy is one with its default version's
// document (IAM evaluates only the default version). The API returns
// the policies URL-encoded; the CLI prints them decoded: both are read.
//
// Which policies "Policies" holds: the --filter parameter (User, Role,
// Group, LocalManagedPolicy, AWSManagedPolicy) keeps "only the entities
// that match the types you specify" and is optional (IAM API reference,
// GetAccountAuthorizationDetails, Filter.member.N), so a capture without
// it holds every type, AWS managed policies included; one made with a
// filter that leaves them out lacks their documents, and the model then
// names the get-policy and get-policy-version commands that add them.
//
// The CLI pages through every result itself; IsTruncated: true or a
// Marker (--max-items, --no-paginate, the raw API) means one page of
// several: its roles' policy lists are then recorded as incomplete. The
// RoleDetailList is not a listing of the account's roles: a capture
// filtered without Role has none, and proves no absence.

// authRole is the part of a RoleDetail beyond what role() reads.
type authRole struct {
	RolePolicyList []struct {
		PolicyName     string         `json:"PolicyName"`
		PolicyDocument jsontext.Value `json:"PolicyDocument"`
	} `json:"RolePolicyList"`
	AttachedManagedPolicies []struct {
		PolicyName string `json:"PolicyName"`
		PolicyArn  string `json:"PolicyArn"`
	} `json:"AttachedManagedPolicies"`
}

type authPolicy struct {
	PolicyName        string `json:"PolicyName"`
	Arn               string `json:"Arn"`
	DefaultVersionID  string `json:"DefaultVersionId"`
	PolicyVersionList []struct {
		Document         jsontext.Value `json:"Document"`
		VersionID        string         `json:"VersionId"`
		IsDefaultVersion bool           `json:"IsDefaultVersion"`
	} `json:"PolicyVersionList"`
}

const authOp = "get-account-authorization-details"

func parseAuthDetails(r *result, src *jsonSrc, o *object) {
	truncated := o.str("Marker") != ""
	if t, ok := o.get("IsTruncated"); ok && string(t) == "true" {
		truncated = true
	}
	for _, raw := range r.authList(src, o, "RoleDetailList") {
		r.authRole(src, raw, truncated)
	}
	for i, raw := range r.authList(src, o, "Policies") {
		r.authPolicy(src, raw, i)
	}
	// The outputs after this one in the file belong to no role or policy
	// of it.
	r.setRole("")
	r.iamp.curPolicy = ""
	r.recognise("aws:GetAccountAuthorizationDetails")
}

// authList returns the elements of the array member key; nil when it is
// absent or null, or not an array (recorded).
func (r *result) authList(src *jsonSrc, o *object, key string) []jsontext.Value {
	v, ok := o.get(key)
	if !ok || v.Kind() == 'n' {
		return nil
	}
	if v, ok = r.member(src, o, authOp, key, '['); !ok {
		return nil
	}
	raws, err := elements(v)
	if err != nil {
		r.failOff(src, offsetOf(src.data, v)+errOffset(err), authOp+" "+key+": "+describeJSONError(err))
	}
	return raws
}

func (r *result) authRole(src *jsonSrc, raw jsontext.Value, truncated bool) {
	role, ok := r.role(src, raw, authOp+" role")
	if !ok {
		return
	}
	var d authRole
	if !r.decodeMember(src, raw, &d, fmt.Sprintf("%s role %s", authOp, role.Name)) {
		return
	}
	r.roles = append(r.roles, role)
	r.iamp.named = append(r.iamp.named, role.Name)
	attached := roleList{role: role.Name, attached: true, policies: []snapshot.AttachedPolicy{}, truncated: truncated, src: r.src}
	for _, a := range d.AttachedManagedPolicies {
		if p, ok := parseARN(a.PolicyArn); !ok || p.service != "iam" || !strings.HasPrefix(p.resource, "policy/") {
			r.failOff(src, offsetOf(src.data, raw), fmt.Sprintf("%s role %s: attached policy %q has no usable PolicyArn (%q): its list proves nothing", authOp, role.Name, a.PolicyName, a.PolicyArn))
			attached.truncated = true
			continue
		}
		attached.policies = append(attached.policies, snapshot.AttachedPolicy{Name: a.PolicyName, ARN: a.PolicyArn})
	}
	inline := roleList{role: role.Name, names: []string{}, truncated: truncated, src: r.src}
	for _, p := range d.RolePolicyList {
		doc, err := policyText(p.PolicyDocument)
		if p.PolicyName == "" || err != nil {
			r.failOff(src, offsetOf(src.data, raw), fmt.Sprintf("%s role %s: inline policy %q: PolicyDocument %v: its list proves nothing", authOp, role.Name, p.PolicyName, err))
			inline.truncated = true
			continue
		}
		inline.names = append(inline.names, p.PolicyName)
		r.iamp.inline = append(r.iamp.inline, inlineDoc{role: role.Name, doc: snapshot.InlinePolicy{Name: p.PolicyName, Document: doc, Source: r.src}})
	}
	r.iamp.lists = append(r.iamp.lists, attached, inline)
}

func (r *result) authPolicy(src *jsonSrc, raw jsontext.Value, i int) {
	if raw.Kind() != '{' {
		r.failOff(src, offsetOf(src.data, raw), fmt.Sprintf("%s policy %d is %s, not an object", authOp, i, kindName(raw.Kind())))
		return
	}
	var p authPolicy
	if !r.decodeMember(src, raw, &p, fmt.Sprintf("%s policy %d", authOp, i)) {
		return
	}
	if a, ok := parseARN(p.Arn); !ok || a.service != "iam" || !strings.HasPrefix(a.resource, "policy/") {
		r.failOff(src, offsetOf(src.data, raw), fmt.Sprintf("%s policy %q has no usable Arn (%q)", authOp, p.PolicyName, p.Arn))
		return
	}
	mp := &snapshot.ManagedPolicy{ARN: p.Arn, Name: p.PolicyName, DefaultVersionID: p.DefaultVersionID, Source: r.src}
	for _, v := range p.PolicyVersionList {
		// Only the default version counts: IAM evaluates no other.
		if !v.IsDefaultVersion && (v.VersionID == "" || v.VersionID != p.DefaultVersionID) {
			continue
		}
		doc, err := policyText(v.Document)
		if err != nil {
			r.failOff(src, offsetOf(src.data, raw), fmt.Sprintf("%s policy %s version %s: Document %v", authOp, p.Arn, v.VersionID, err))
			break
		}
		mp.Document, mp.VersionID, mp.DocumentSource = doc, v.VersionID, r.src
		break
	}
	r.iamp.policies = append(r.iamp.policies, mp)
}
