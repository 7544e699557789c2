package awsfake

import (
	"encoding/xml"
	"net/http"
	"net/url"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
)

// IAM answers (IAM API reference: GetRole, ListOpenIDConnectProviders,
// GetOpenIDConnectProvider). Every read is in the signing principal's
// account: IAM has no cross-account reads.

type xmlTag struct {
	Key   string `xml:"Key"`
	Value string `xml:"Value"`
}

type xmlTags struct {
	Member []xmlTag `xml:"member"`
}

type xmlRole struct {
	Path                     string       `xml:"Path"`
	AssumeRolePolicyDocument string       `xml:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int32        `xml:"MaxSessionDuration"`
	RoleID                   string       `xml:"RoleId"`
	RoleLastUsed             struct{}     `xml:"RoleLastUsed"`
	RoleName                 string       `xml:"RoleName"`
	Description              string       `xml:"Description,omitempty"`
	Arn                      string       `xml:"Arn"`
	CreateDate               string       `xml:"CreateDate"`
	PermissionsBoundary      *xmlBoundary `xml:"PermissionsBoundary,omitempty"`
}

// xmlBoundary is a role's AttachedPermissionsBoundary; IAM has one type,
// PermissionsBoundaryPolicy (IAM API reference, AttachedPermissionsBoundary).
type xmlBoundary struct {
	Type string `xml:"PermissionsBoundaryType"`
	ARN  string `xml:"PermissionsBoundaryArn"`
}

type getRoleResult struct {
	XMLName xml.Name `xml:"GetRoleResult"`
	Role    xmlRole  `xml:"Role"`
}

type providerEntry struct {
	Arn string `xml:"Arn"`
}

type listProvidersResult struct {
	XMLName xml.Name `xml:"ListOpenIDConnectProvidersResult"`
	List    struct {
		Member []providerEntry `xml:"member"`
	} `xml:"OpenIDConnectProviderList"`
}

type getProviderResult struct {
	XMLName     xml.Name `xml:"GetOpenIDConnectProviderResult"`
	Thumbprints members  `xml:"ThumbprintList"`
	CreateDate  string   `xml:"CreateDate"`
	ClientIDs   members  `xml:"ClientIDList"`
	Tags        xmlTags  `xml:"Tags"`
	URL         string   `xml:"Url"`
}

func (f *Fake) serveIAM(w http.ResponseWriter, req *request) {
	if !f.checkQuery(w, req) {
		return
	}
	st := f.state()
	p := req.principal
	switch req.action {
	case "GetRole":
		name := req.form.Get("RoleName")
		req.resource = name
		req.resources = []string{arn.RoleARN(st.Partition, p.Account, "/", name)}
		// IAM role names are unique case-insensitively (IAM API reference,
		// CreateRole: "Role names are not distinguished by case"), and
		// GetRole finds a role whatever the case of the name asked for.
		var found *Role
		for i, r := range st.Roles {
			ref, _ := arn.ParseRole(r.ARN)
			if ref.Account == p.Account && strings.EqualFold(ref.Name, name) {
				found = &st.Roles[i]
				req.resources = []string{r.ARN}
				break
			}
		}
		if e := f.fault(req); e != nil {
			f.answerError(w, req, e)
			return
		}
		if found == nil {
			f.answerError(w, req, &apiError{Code: "NoSuchEntity", Message: "The role with name " + name + " cannot be found.", Status: http.StatusNotFound})
			return
		}
		ref, _ := arn.ParseRole(found.ARN)
		res := getRoleResult{Role: xmlRole{
			Path: ref.Path, AssumeRolePolicyDocument: encodePolicy(found.TrustPolicy),
			MaxSessionDuration: found.MaxSessionDuration, RoleID: found.RoleID, RoleName: ref.Name,
			Description: found.Description, Arn: found.ARN, CreateDate: isoTime(found.CreateDate)}}
		if found.PermissionsBoundary != "" {
			res.Role.PermissionsBoundary = &xmlBoundary{Type: "PermissionsBoundaryPolicy", ARN: found.PermissionsBoundary}
		}
		f.answerQuery(w, req, res)
	case "ListOpenIDConnectProviders":
		req.resource = p.Account
		req.resources = []string{"arn:" + st.Partition + ":iam::" + p.Account + ":oidc-provider/*"}
		if e := f.fault(req); e != nil {
			f.answerError(w, req, e)
			return
		}
		var res listProvidersResult
		res.List.Member = []providerEntry{}
		for _, pr := range accountProviders(st, p.Account) {
			res.List.Member = append(res.List.Member, providerEntry{Arn: pr.ARN})
		}
		f.answerQuery(w, req, res)
	case "GetOpenIDConnectProvider":
		want := req.form.Get("OpenIDConnectProviderArn")
		req.resource = want
		if e := f.fault(req); e != nil {
			f.answerError(w, req, e)
			return
		}
		acct, _, ok := providerParts(want)
		if !ok {
			f.answerError(w, req, &apiError{Code: "InvalidInput", Message: "ARN " + want + " is not valid.", Status: http.StatusBadRequest})
			return
		}
		if acct != p.Account {
			f.answerError(w, req, &apiError{Code: "AccessDenied", Message: defaultMessage(req, "AccessDenied"), Status: http.StatusForbidden})
			return
		}
		for _, pr := range accountProviders(st, p.Account) {
			if pr.ARN == want {
				_, u, _ := providerParts(pr.ARN)
				f.answerQuery(w, req, getProviderResult{Thumbprints: members{Member: pr.Thumbprints}, CreateDate: isoTime(pr.CreateDate),
					ClientIDs: members{Member: pr.ClientIDs}, URL: u})
				return
			}
		}
		f.answerError(w, req, &apiError{Code: "NoSuchEntity", Message: "OpenIDConnect Provider not found for arn " + want, Status: http.StatusNotFound})
	case "SimulatePrincipalPolicy":
		f.serveSimulate(w, req, st)
	default:
		if f.serveIAMNode(w, req, st) {
			return
		}
		f.answerError(w, req, &apiError{Code: "InvalidAction", Message: "Could not find operation " + req.action + " for version " + versions["iam"], Status: http.StatusBadRequest})
	}
}

func accountProviders(st State, account string) []OIDCProvider {
	var out []OIDCProvider
	for _, pr := range st.Providers {
		if acct, _, ok := providerParts(pr.ARN); ok && acct == account {
			out = append(out, pr)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ARN < out[j].ARN })
	return out
}

// encodePolicy URL-encodes a policy document as IAM returns it (RFC 3986:
// a space is %20, not +; IAM GetRole API reference: "The policy is
// URL-encoded according to RFC 3986").
func encodePolicy(doc string) string {
	return strings.ReplaceAll(url.QueryEscape(doc), "+", "%20")
}
