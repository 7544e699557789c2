package awsfake

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
)

// The node role's IAM reads (IAM API reference: GetInstanceProfile,
// ListAttachedRolePolicies, ListRolePolicies, GetRolePolicy, GetPolicy,
// GetPolicyVersion): what the EKS Pod Identity check reads of the role the
// nodes' instances run as. Policy documents are URL-encoded, as IAM
// returns them. Lists are answered whole (IsTruncated false), or in pages
// of State.RolePolicyPage.

// InstanceProfile is an IAM instance profile; its account and name come
// from ARN (arn:PARTITION:iam::ACCOUNT:instance-profile/PATH/NAME).
type InstanceProfile struct {
	ARN     string
	RoleARN string // "" for a profile without a role
}

// ManagedPolicy is a managed policy with one version, its default; an AWS
// managed policy has the account "aws" in its ARN and is readable from
// every account.
type ManagedPolicy struct {
	ARN       string
	VersionID string // default "v1"
	Document  string
}

// xmlProfileRole is a role as an instance profile lists it: IAM leaves
// out MaxSessionDuration and RoleLastUsed there (IAM API reference,
// GetInstanceProfile example).
type xmlProfileRole struct {
	Path                     string `xml:"Path"`
	AssumeRolePolicyDocument string `xml:"AssumeRolePolicyDocument"`
	RoleID                   string `xml:"RoleId"`
	RoleName                 string `xml:"RoleName"`
	Arn                      string `xml:"Arn"`
	CreateDate               string `xml:"CreateDate"`
}

type xmlInstanceProfile struct {
	InstanceProfileID string `xml:"InstanceProfileId"`
	Roles             struct {
		Member []xmlProfileRole `xml:"member"`
	} `xml:"Roles"`
	InstanceProfileName string `xml:"InstanceProfileName"`
	Path                string `xml:"Path"`
	Arn                 string `xml:"Arn"`
	CreateDate          string `xml:"CreateDate"`
}

type getInstanceProfileResult struct {
	XMLName         xml.Name           `xml:"GetInstanceProfileResult"`
	InstanceProfile xmlInstanceProfile `xml:"InstanceProfile"`
}

type attachedPolicy struct {
	PolicyName string `xml:"PolicyName"`
	PolicyArn  string `xml:"PolicyArn"`
}

type listAttachedResult struct {
	XMLName     xml.Name `xml:"ListAttachedRolePoliciesResult"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
	Attached    struct {
		Member []attachedPolicy `xml:"member"`
	} `xml:"AttachedPolicies"`
}

type listRolePoliciesResult struct {
	XMLName     xml.Name `xml:"ListRolePoliciesResult"`
	IsTruncated bool     `xml:"IsTruncated"`
	Marker      string   `xml:"Marker,omitempty"`
	Names       members  `xml:"PolicyNames"`
}

// page returns the window [from, to) of n items that the request's Marker
// (an opaque token to clients; here the index of the first item) and the
// page size select, and the Marker of the next page ("" for the last).
func page(form url.Values, size, n int) (from, to int, next string) {
	from, _ = strconv.Atoi(form.Get("Marker"))
	from = min(max(from, 0), n)
	if size <= 0 {
		return from, n, ""
	}
	to = min(from+size, n)
	if to < n {
		next = strconv.Itoa(to)
	}
	return from, to, next
}

type getRolePolicyResult struct {
	XMLName        xml.Name `xml:"GetRolePolicyResult"`
	PolicyName     string   `xml:"PolicyName"`
	RoleName       string   `xml:"RoleName"`
	PolicyDocument string   `xml:"PolicyDocument"`
}

type getPolicyResult struct {
	XMLName xml.Name `xml:"GetPolicyResult"`
	Policy  struct {
		PolicyName                    string `xml:"PolicyName"`
		DefaultVersionID              string `xml:"DefaultVersionId"`
		PolicyID                      string `xml:"PolicyId"`
		Path                          string `xml:"Path"`
		Arn                           string `xml:"Arn"`
		AttachmentCount               int    `xml:"AttachmentCount"`
		PermissionsBoundaryUsageCount int    `xml:"PermissionsBoundaryUsageCount"`
		IsAttachable                  bool   `xml:"IsAttachable"`
		CreateDate                    string `xml:"CreateDate"`
		UpdateDate                    string `xml:"UpdateDate"`
	} `xml:"Policy"`
}

type getPolicyVersionResult struct {
	XMLName       xml.Name `xml:"GetPolicyVersionResult"`
	PolicyVersion struct {
		Document         string `xml:"Document"`
		VersionID        string `xml:"VersionId"`
		IsDefaultVersion bool   `xml:"IsDefaultVersion"`
		CreateDate       string `xml:"CreateDate"`
	} `xml:"PolicyVersion"`
}

var nodeCreated = time.Date(2026, 3, 2, 15, 30, 58, 0, time.UTC)

// serveIAMNode answers the node-role calls; false for any other action.
func (f *Fake) serveIAMNode(w http.ResponseWriter, req *request, st State) bool {
	p := req.principal
	switch req.action {
	case "GetInstanceProfile":
		name := req.form.Get("InstanceProfileName")
		req.resource = name
		req.resources = []string{"arn:" + st.Partition + ":iam::" + p.Account + ":instance-profile/" + name}
		var found *InstanceProfile
		for i, ip := range st.InstanceProfiles {
			acct, _, pname, ok := iamPathName(ip.ARN, "instance-profile/")
			if ok && acct == p.Account && strings.EqualFold(pname, name) {
				found = &st.InstanceProfiles[i]
				req.resources = []string{ip.ARN}
				break
			}
		}
		if e := f.fault(req); e != nil {
			f.answerError(w, req, e)
			return true
		}
		if found == nil {
			f.answerError(w, req, &apiError{Code: "NoSuchEntity", Message: "Instance Profile " + name + " cannot be found.", Status: http.StatusNotFound})
			return true
		}
		_, path, pname, _ := iamPathName(found.ARN, "instance-profile/")
		res := getInstanceProfileResult{InstanceProfile: xmlInstanceProfile{InstanceProfileID: fakeID("AIPA", found.ARN),
			InstanceProfileName: pname, Path: path, Arn: found.ARN, CreateDate: isoTime(nodeCreated)}}
		res.InstanceProfile.Roles.Member = []xmlProfileRole{}
		if r := findRole(st, found.RoleARN); r != nil {
			ref, _ := arn.ParseRole(r.ARN)
			res.InstanceProfile.Roles.Member = append(res.InstanceProfile.Roles.Member, xmlProfileRole{Path: ref.Path,
				AssumeRolePolicyDocument: encodePolicy(r.TrustPolicy), RoleID: r.RoleID, RoleName: ref.Name, Arn: r.ARN, CreateDate: isoTime(r.CreateDate)})
		}
		f.answerQuery(w, req, res)
	case "ListAttachedRolePolicies", "ListRolePolicies", "GetRolePolicy":
		name := req.form.Get("RoleName")
		req.resource = name
		req.resources = []string{arn.RoleARN(st.Partition, p.Account, "/", name)}
		var role *Role
		for i, r := range st.Roles {
			ref, _ := arn.ParseRole(r.ARN)
			if ref.Account == p.Account && strings.EqualFold(ref.Name, name) {
				role = &st.Roles[i]
				req.resources = []string{r.ARN}
				break
			}
		}
		if e := f.fault(req); e != nil {
			f.answerError(w, req, e)
			return true
		}
		if role == nil {
			f.answerError(w, req, &apiError{Code: "NoSuchEntity", Message: "The role with name " + name + " cannot be found.", Status: http.StatusNotFound})
			return true
		}
		switch req.action {
		case "ListAttachedRolePolicies":
			var res listAttachedResult
			res.Attached.Member = []attachedPolicy{}
			from, to, next := page(req.form, st.RolePolicyPage, len(role.AttachedPolicies))
			for _, a := range role.AttachedPolicies[from:to] {
				res.Attached.Member = append(res.Attached.Member, attachedPolicy{PolicyName: a[strings.LastIndexByte(a, '/')+1:], PolicyArn: a})
			}
			res.IsTruncated, res.Marker = next != "", next
			f.answerQuery(w, req, res)
		case "ListRolePolicies":
			var res listRolePoliciesResult
			names := sortedKeys(role.InlinePolicies)
			from, to, next := page(req.form, st.RolePolicyPage, len(names))
			res.Names.Member = names[from:to]
			res.IsTruncated, res.Marker = next != "", next
			f.answerQuery(w, req, res)
		default:
			pol := req.form.Get("PolicyName")
			doc, ok := role.InlinePolicies[pol]
			if !ok {
				f.answerError(w, req, &apiError{Code: "NoSuchEntity", Message: "The role policy with name " + pol + " cannot be found.", Status: http.StatusNotFound})
				return true
			}
			ref, _ := arn.ParseRole(role.ARN)
			f.answerQuery(w, req, getRolePolicyResult{PolicyName: pol, RoleName: ref.Name, PolicyDocument: encodePolicy(doc)})
		}
	case "GetPolicy", "GetPolicyVersion":
		want := req.form.Get("PolicyArn")
		req.resource = want
		req.resources = []string{want}
		if e := f.fault(req); e != nil {
			f.answerError(w, req, e)
			return true
		}
		var mp *ManagedPolicy
		for i, m := range st.ManagedPolicies {
			acct, _, _, ok := iamPathName(m.ARN, "policy/")
			if m.ARN == want && ok && (acct == p.Account || acct == "aws") {
				mp = &st.ManagedPolicies[i]
			}
		}
		if mp == nil {
			f.answerError(w, req, &apiError{Code: "NoSuchEntity", Message: "Policy " + want + " was not found.", Status: http.StatusNotFound})
			return true
		}
		version := mp.VersionID
		if version == "" {
			version = "v1"
		}
		if req.action == "GetPolicy" {
			_, path, name, _ := iamPathName(mp.ARN, "policy/")
			var res getPolicyResult
			res.Policy.PolicyName, res.Policy.DefaultVersionID, res.Policy.PolicyID = name, version, fakeID("ANPA", mp.ARN)
			res.Policy.Path, res.Policy.Arn, res.Policy.AttachmentCount, res.Policy.IsAttachable = path, mp.ARN, 1, true
			res.Policy.CreateDate, res.Policy.UpdateDate = isoTime(nodeCreated), isoTime(nodeCreated)
			f.answerQuery(w, req, res)
			return true
		}
		if v := req.form.Get("VersionId"); v != version {
			f.answerError(w, req, &apiError{Code: "NoSuchEntity", Message: "Policy " + want + " version " + v + " does not exist or is not attachable.", Status: http.StatusNotFound})
			return true
		}
		var res getPolicyVersionResult
		res.PolicyVersion.Document, res.PolicyVersion.VersionID, res.PolicyVersion.IsDefaultVersion = encodePolicy(mp.Document), version, true
		res.PolicyVersion.CreateDate = isoTime(nodeCreated)
		f.answerQuery(w, req, res)
	default:
		return false
	}
	return true
}

// iamPathName splits arn:PARTITION:iam::ACCOUNT:KIND/PATH/NAME into the
// account, the path ("/" or "/a/b/") and the name.
func iamPathName(s, kind string) (account, path, name string, ok bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" {
		return "", "", "", false
	}
	rest, ok := strings.CutPrefix(f[5], kind)
	if !ok || rest == "" {
		return "", "", "", false
	}
	i := strings.LastIndexByte(rest, '/')
	return f[4], "/" + rest[:i+1], rest[i+1:], true
}

func findRole(st State, roleARN string) *Role {
	for i, r := range st.Roles {
		if roleARN != "" && r.ARN == roleARN {
			return &st.Roles[i]
		}
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
