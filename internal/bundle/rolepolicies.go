package bundle

import (
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// The permission policies of roles (snapshot/rolepolicies.go): the target
// roles' identity policies and permissions boundaries, and what EKS Pod
// Identity needs of the node's IAM role (docs/reference/pod-identity.md).
// Each output is recognised by its top-level key, as the AWS CLI prints it:
//
//	get-instance-profile        {"InstanceProfile": {..., "Roles": [role]}}
//	list-attached-role-policies {"AttachedPolicies": [{"PolicyName", "PolicyArn"}], "IsTruncated"}
//	list-role-policies          {"PolicyNames": [...], "IsTruncated"}
//	get-role-policy             {"RoleName", "PolicyName", "PolicyDocument"}
//	get-policy                  {"Policy": {"PolicyName", "Arn", "DefaultVersionId", ...}}
//	get-policy-version          {"PolicyVersion": {"Document", "VersionId", "IsDefaultVersion"}}
//	get-account-authorization-details {"RoleDetailList", "Policies", ...} (authdetails.go)
//
// list-attached-role-policies and list-role-policies do not name their
// role, and get-policy-version does not name its policy. They belong to
// the role (or policy) of the output before them in the same file (a
// get-role, get-instance-profile or get-role-policy; a get-policy), the
// way `irsa-doctor dump` writes them and a shell loop appending to one
// file collects them; failing that, to the only role the bundle names
// (in get-role, get-instance-profile, get-role-policy,
// get-account-authorization-details or an attributed list; list-roles, an
// inventory of the account, does not count) or the only get-policy output
// without a document. Otherwise the file is listed with the problem and
// its facts are not used. AWS managed policies are read like customer
// managed ones, by ARN.

// iamFacts is what one file holds of roles' permission policies, before
// attribution.
type iamFacts struct {
	// named are the names of the roles the file's get-role outputs name.
	named []string

	// curRole is the role of the last get-instance-profile or
	// get-role-policy output in the file; rolesAt is len(result.roles)
	// then, so that a get-role output after it takes over.
	curRole   string
	rolesAt   int
	curPolicy string // ARN of the last get-policy output

	profiles []*snapshot.InstanceProfile
	lists    []roleList
	inline   []inlineDoc
	policies []*snapshot.ManagedPolicy
	versions []policyVersion
}

// roleList is one list-attached-role-policies (attached) or
// list-role-policies output; role "" when the file did not say.
type roleList struct {
	role      string
	attached  bool
	policies  []snapshot.AttachedPolicy
	names     []string
	truncated bool
	src       snapshot.Source
}

type inlineDoc struct {
	role string
	doc  snapshot.InlinePolicy
}

type policyVersion struct {
	policy    string // ARN, "" when the file did not say
	versionID string
	isDefault bool
	document  string
	src       snapshot.Source
}

// classifyRolePolicies handles the outputs above; false for anything else.
func classifyRolePolicies(r *result, src *jsonSrc, o *object) bool {
	switch {
	case o.has("RoleDetailList") || o.has("UserDetailList") || o.has("GroupDetailList"):
		parseAuthDetails(r, src, o)
	case o.has("InstanceProfile"):
		parseGetInstanceProfile(r, src, o)
	case o.has("AttachedPolicies"):
		parseRoleList(r, src, o, true)
	case o.has("PolicyNames"):
		parseRoleList(r, src, o, false)
	case o.has("RoleName", "PolicyName", "PolicyDocument"):
		parseGetRolePolicy(r, src, o)
	case o.has("PolicyVersion"):
		parseGetPolicyVersion(r, src, o)
	case o.has("Policy"):
		parseGetPolicy(r, src, o)
	default:
		return false
	}
	return true
}

// currentRole is the role the outputs before this one in the file name:
// the last get-instance-profile or get-role-policy, or a get-role after it.
func (r *result) currentRole() string {
	if len(r.roles) > r.iamp.rolesAt {
		return r.roles[len(r.roles)-1].Name
	}
	return r.iamp.curRole
}

func (r *result) setRole(name string) {
	r.iamp.curRole, r.iamp.rolesAt = name, len(r.roles)
}

func parseGetInstanceProfile(r *result, src *jsonSrc, o *object) {
	v, ok := r.member(src, o, "get-instance-profile", "InstanceProfile", '{')
	if !ok {
		return
	}
	var ip struct {
		Name  string `json:"InstanceProfileName"`
		ARN   string `json:"Arn"`
		Roles []struct {
			RoleName string `json:"RoleName"`
			ARN      string `json:"Arn"`
		} `json:"Roles"`
	}
	if !r.decodeMember(src, v, &ip, "get-instance-profile InstanceProfile") {
		return
	}
	a, ok := parseARN(ip.ARN)
	if !ok || a.service != "iam" || !strings.HasPrefix(a.resource, "instance-profile/") || a.account == "" {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("get-instance-profile InstanceProfile %q has no usable Arn (%q)", ip.Name, ip.ARN))
		return
	}
	p := &snapshot.InstanceProfile{ARN: ip.ARN, Name: ip.Name, Account: a.account, Source: r.src}
	if len(ip.Roles) > 0 {
		p.RoleName, p.RoleARN = ip.Roles[0].RoleName, ip.Roles[0].ARN
	}
	r.iamp.profiles = append(r.iamp.profiles, p)
	r.setRole(p.RoleName)
	r.recognise("aws:GetInstanceProfile")
}

// parseRoleList reads list-attached-role-policies (attached) or
// list-role-policies. The CLI pages through every result itself; a
// Marker or IsTruncated: true means the output is one page.
func parseRoleList(r *result, src *jsonSrc, o *object, attached bool) {
	op, key := "list-role-policies", "PolicyNames"
	if attached {
		op, key = "list-attached-role-policies", "AttachedPolicies"
	}
	v, ok := r.member(src, o, op, key, '[')
	if !ok {
		return
	}
	l := roleList{role: r.currentRole(), attached: attached, src: r.src}
	if attached {
		var list []struct {
			Name string `json:"PolicyName"`
			ARN  string `json:"PolicyArn"`
		}
		if !r.decodeMember(src, v, &list, op+" output") {
			return
		}
		l.policies = []snapshot.AttachedPolicy{}
		for _, e := range list {
			if a, ok := parseARN(e.ARN); !ok || a.service != "iam" || !strings.HasPrefix(a.resource, "policy/") {
				r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s entry %q has no usable PolicyArn (%q): the list proves nothing", op, e.Name, e.ARN))
				l.truncated = true
				continue
			}
			l.policies = append(l.policies, snapshot.AttachedPolicy{Name: e.Name, ARN: e.ARN})
		}
	} else {
		l.names = []string{}
		if !r.decodeMember(src, v, &l.names, op+" output") {
			return
		}
	}
	if o.str("Marker") != "" || o.str("NextToken") != "" {
		l.truncated = true
	}
	if t, ok := o.get("IsTruncated"); ok && string(t) == "true" {
		l.truncated = true
	}
	r.iamp.lists = append(r.iamp.lists, l)
	if attached {
		r.recognise("aws:ListAttachedRolePolicies")
	} else {
		r.recognise("aws:ListRolePolicies")
	}
}

func parseGetRolePolicy(r *result, src *jsonSrc, o *object) {
	role, name := o.str("RoleName"), o.str("PolicyName")
	if role == "" || name == "" {
		r.failOff(src, o.start, fmt.Sprintf("get-role-policy output without RoleName or PolicyName (%q, %q)", role, name))
		return
	}
	v, _ := o.get("PolicyDocument")
	doc, err := policyText(v)
	if err != nil {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("get-role-policy %s of role %s: PolicyDocument %v", name, role, err))
		return
	}
	r.iamp.inline = append(r.iamp.inline, inlineDoc{role: role, doc: snapshot.InlinePolicy{Name: name, Document: doc, Source: r.src}})
	r.setRole(role)
	r.recognise("aws:GetRolePolicy")
}

// policyText is a policy document as JSON text: the CLI prints it decoded
// as an object; the IAM API returns it URL-encoded (IAM API reference,
// GetRolePolicy and GetPolicyVersion: "URL-encoded compliant with RFC
// 3986").
func policyText(v jsontext.Value) (string, error) {
	if v.Kind() != '{' && v.Kind() != '"' {
		return "", fmt.Errorf("is %s, not a policy document", kindName(v.Kind()))
	}
	return trustPolicy(v)
}

func parseGetPolicy(r *result, src *jsonSrc, o *object) {
	v, ok := r.member(src, o, "get-policy", "Policy", '{')
	if !ok {
		return
	}
	var p struct {
		Name             string `json:"PolicyName"`
		ARN              string `json:"Arn"`
		DefaultVersionID string `json:"DefaultVersionId"`
	}
	if !r.decodeMember(src, v, &p, "get-policy Policy") {
		return
	}
	if a, ok := parseARN(p.ARN); !ok || a.service != "iam" || !strings.HasPrefix(a.resource, "policy/") {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("get-policy Policy %q has no usable Arn (%q)", p.Name, p.ARN))
		return
	}
	r.iamp.policies = append(r.iamp.policies, &snapshot.ManagedPolicy{ARN: p.ARN, Name: p.Name, DefaultVersionID: p.DefaultVersionID, Source: r.src})
	r.iamp.curPolicy = p.ARN
	r.recognise("aws:GetPolicy")
}

func parseGetPolicyVersion(r *result, src *jsonSrc, o *object) {
	v, ok := r.member(src, o, "get-policy-version", "PolicyVersion", '{')
	if !ok {
		return
	}
	var pv struct {
		Document         jsontext.Value `json:"Document"`
		VersionID        string         `json:"VersionId"`
		IsDefaultVersion bool           `json:"IsDefaultVersion"`
	}
	if !r.decodeMember(src, v, &pv, "get-policy-version PolicyVersion") {
		return
	}
	doc, err := policyText(pv.Document)
	if err != nil {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("get-policy-version %s: Document %v", pv.VersionID, err))
		return
	}
	r.iamp.versions = append(r.iamp.versions, policyVersion{policy: r.iamp.curPolicy, versionID: pv.VersionID,
		isDefault: pv.IsDefaultVersion, document: doc, src: r.src})
	r.recognise("aws:GetPolicyVersion")
}

// finishRolePolicies merges every file's role-policy facts, attributing the
// outputs that do not name their role or policy (see the top of the
// file); the first occurrence of a fact wins, as for every other object.
//
// The lookups go through maps keyed as the snapshot's lookups compare
// (InstanceProfileFor and RolePoliciesFor ignore case: foldKey), so that
// N outputs cost O(N).
func (m *merger) finishRolePolicies() {
	s := m.s
	profiles := map[string]bool{}
	for _, r := range m.results {
		for _, p := range r.iamp.profiles {
			// InstanceProfileFor finds no profile of ARN "": keep each.
			if p.ARN == "" || firstOf(profiles, foldKey(p.ARN)) {
				s.InstanceProfiles = append(s.InstanceProfiles, p)
			}
		}
	}
	// The roles the bundle names, for outputs that do not.
	named := map[string]string{}
	note := func(role string) {
		if role != "" {
			named[strings.ToLower(role)] = role
		}
	}
	for _, p := range s.InstanceProfiles {
		note(p.RoleName)
	}
	for _, r := range m.results {
		for _, n := range r.iamp.named {
			note(n)
		}
		for _, l := range r.iamp.lists {
			note(l.role)
		}
		for _, d := range r.iamp.inline {
			note(d.role)
		}
	}
	byRole := map[string]*snapshot.RolePolicies{}
	inlineNames := map[*snapshot.RolePolicies]map[string]bool{}
	rolePolicies := func(role string) *snapshot.RolePolicies {
		work(1)
		k := foldKey(role)
		if rp := byRole[k]; rp != nil {
			return rp
		}
		rp := &snapshot.RolePolicies{RoleName: role}
		byRole[k] = rp
		inlineNames[rp] = map[string]bool{}
		s.RolePolicies = append(s.RolePolicies, rp)
		return rp
	}
	for _, r := range m.results {
		for _, l := range r.iamp.lists {
			role := l.role
			if role == "" {
				if len(named) != 1 {
					what := "list-role-policies"
					if l.attached {
						what = "list-attached-role-policies"
					}
					r.fail(fmt.Sprintf("%s output does not name its role, and the bundle names %d roles: put it after the get-role (or get-instance-profile) output of its role in one file", what, len(named)))
					continue
				}
				for _, n := range named {
					role = n
				}
			}
			rp := rolePolicies(role)
			switch {
			case l.attached && !rp.AttachedKnown:
				rp.Attached, rp.AttachedKnown, rp.AttachedComplete, rp.AttachedSource = l.policies, true, !l.truncated, l.src
			case !l.attached && !rp.InlineKnown:
				rp.InlineNames, rp.InlineKnown, rp.InlineComplete, rp.InlineSource = l.names, true, !l.truncated, l.src
			}
		}
		for _, d := range r.iamp.inline {
			rp := rolePolicies(d.role)
			if firstOf(inlineNames[rp], d.doc.Name) {
				rp.Inline = append(rp.Inline, d.doc)
			}
		}
	}
	policies := map[string]*snapshot.ManagedPolicy{}
	// docless are the kept policies without a document yet, for the
	// versions that do not name theirs.
	docless := map[string]bool{}
	for _, r := range m.results {
		for _, p := range r.iamp.policies {
			work(1)
			switch have := policies[p.ARN]; {
			case have == nil:
				policies[p.ARN] = p
				s.ManagedPolicies = append(s.ManagedPolicies, p)
				if p.Document == "" {
					docless[p.ARN] = true
				}
			case have.Document == "" && p.Document != "" && (have.DefaultVersionID == "" || have.DefaultVersionID == p.VersionID):
				// A get-policy output, then the same policy with its
				// default version's document (get-account-authorization-details).
				have.Document, have.VersionID, have.DocumentSource = p.Document, p.VersionID, p.DocumentSource
				delete(docless, p.ARN)
			}
		}
	}
	for _, r := range m.results {
		for _, v := range r.iamp.versions {
			arn := v.policy
			if arn == "" {
				if len(docless) != 1 {
					r.fail(fmt.Sprintf("get-policy-version output (version %s) does not name its policy, and the bundle has %d get-policy outputs without a document: put it after the get-policy output of its policy in one file", v.versionID, len(docless)))
					continue
				}
				for a := range docless {
					arn = a
				}
			}
			work(1)
			p := policies[arn]
			if p == nil {
				// Unreachable: a version is attributed to a get-policy output.
				continue
			}
			if !v.isDefault && v.versionID != p.DefaultVersionID {
				r.fail(fmt.Sprintf("get-policy-version output is version %s of %s, not its default version %s: IAM evaluates only the default version; not used", v.versionID, arn, p.DefaultVersionID))
				continue
			}
			if p.Document == "" {
				p.Document, p.VersionID, p.DocumentSource = v.document, v.versionID, v.src
				if p.Document != "" {
					delete(docless, p.ARN)
				}
			}
		}
	}
}
