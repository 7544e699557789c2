package bundle

import (
	"bytes"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// decodeMember decodes v, a value inside src, into dst; on error it records
// the problem at v's position and returns false.
func (r *result) decodeMember(src *jsonSrc, v jsontext.Value, dst any, what string) bool {
	if err := json.Unmarshal(v, dst, itemOpts); err != nil {
		r.failOff(src, offsetOf(src.data, v)+errOffset(err), what+": "+describeJSONError(err))
		return false
	}
	return true
}

// parseVersion reads `kubectl version -o json`. Only serverVersion is
// kept; a capture without it (the server was unreachable) is recognised
// but adds nothing.
func parseVersion(r *result, src *jsonSrc, o *object) {
	r.recognise("kubectl:Version")
	v, ok := o.get("serverVersion")
	if !ok || v.Kind() == 'n' {
		return
	}
	sv := &snapshot.ServerVersion{}
	if r.decodeMember(src, v, sv, "kubectl version serverVersion") {
		sv.Source = r.src
		r.versions = append(r.versions, sv)
	}
}

// eksCluster is the part of `aws eks describe-cluster --output json` the
// checks read; the EKS API spells its members in camelCase.
type eksCluster struct {
	Name            string `json:"name"`
	ARN             string `json:"arn"`
	Version         string `json:"version"`
	Endpoint        string `json:"endpoint"`
	PlatformVersion string `json:"platformVersion"`
	Identity        struct {
		OIDC struct {
			Issuer string `json:"issuer"`
		} `json:"oidc"`
	} `json:"identity"`
	ResourcesVpcConfig struct {
		EndpointPublicAccess  *bool `json:"endpointPublicAccess"`
		EndpointPrivateAccess *bool `json:"endpointPrivateAccess"`
	} `json:"resourcesVpcConfig"`
	ComputeConfig struct {
		Enabled *bool `json:"enabled"`
	} `json:"computeConfig"`
}

func parseDescribeCluster(r *result, src *jsonSrc, o *object) {
	v, ok := r.member(src, o, "describe-cluster", "cluster", '{')
	if !ok {
		return
	}
	var c eksCluster
	if !r.decodeMember(src, v, &c, "describe-cluster output") {
		return
	}
	if c.Name == "" && c.ARN == "" {
		r.failOff(src, offsetOf(src.data, v), "describe-cluster output without name or arn")
		return
	}
	cl := &snapshot.Cluster{Name: c.Name, ARN: c.ARN, Version: c.Version, Issuer: c.Identity.OIDC.Issuer,
		Endpoint: c.Endpoint, PlatformVersion: c.PlatformVersion, Source: r.src,
		EndpointPublicAccess: c.ResourcesVpcConfig.EndpointPublicAccess, EndpointPrivateAccess: c.ResourcesVpcConfig.EndpointPrivateAccess,
		AutoMode: c.ComputeConfig.Enabled}
	// arn:aws:eks:us-west-2:111122223333:cluster/prod: region and account
	// are the 4th and 5th fields.
	if a, ok := parseARN(c.ARN); ok {
		cl.Region, cl.Account = a.region, a.account
	} else {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("describe-cluster arn %q is not an ARN: region and account unknown", c.ARN))
	}
	r.clusters = append(r.clusters, cl)
	r.recognise("aws:DescribeCluster")
}

// iamRole is an IAM Role as get-role, get-role --query Role and list-roles
// print it.
type iamRole struct {
	Path                     string         `json:"Path"`
	RoleName                 string         `json:"RoleName"`
	RoleID                   string         `json:"RoleId"`
	ARN                      string         `json:"Arn"`
	AssumeRolePolicyDocument jsontext.Value `json:"AssumeRolePolicyDocument"`
	MaxSessionDuration       int            `json:"MaxSessionDuration"`
	CreateDate               string         `json:"CreateDate"`
	PermissionsBoundary      struct {
		ARN string `json:"PermissionsBoundaryArn"`
	} `json:"PermissionsBoundary"`
	Tags []struct {
		Key   string `json:"Key"`
		Value string `json:"Value"`
	} `json:"Tags"`
}

// role converts one role value; ok false when it was unusable (recorded).
func (r *result) role(src *jsonSrc, v jsontext.Value, what string) (*snapshot.Role, bool) {
	if v.Kind() != '{' {
		r.failOff(src, offsetOf(src.data, v), what+" is "+kindName(v.Kind())+", not an object")
		return nil, false
	}
	var ir iamRole
	if !r.decodeMember(src, v, &ir, what) {
		return nil, false
	}
	a, ok := parseARN(ir.ARN)
	if !ok || a.account == "" {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s %q has no usable Arn (%q)", what, ir.RoleName, ir.ARN))
		return nil, false
	}
	// A role is identified by its ARN. A capture whose RoleName or Path
	// says otherwise was edited: IAM never prints such a role. It is left
	// out, so that no command is built from a name the ARN does not
	// carry (a forged RoleName would otherwise aim a trust policy update
	// at another role).
	if why := roleIdentityMismatch(a, ir.RoleName, ir.Path); why != "" {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s with Arn %q is inconsistent: %s; IAM prints no such role, so the capture was edited: left out (capture it again: aws iam get-role --role-name NAME --output json)", what, ir.ARN, why))
		return nil, false
	}
	role := &snapshot.Role{ARN: ir.ARN, Name: ir.RoleName, Path: ir.Path, Account: a.account, RoleID: ir.RoleID,
		MaxSessionDuration: ir.MaxSessionDuration, PermissionsBoundary: ir.PermissionsBoundary.ARN, Source: r.src}
	policy, err := trustPolicy(ir.AssumeRolePolicyDocument)
	if err != nil {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s %s: AssumeRolePolicyDocument %v", what, ir.RoleName, err))
	}
	role.TrustPolicy = policy
	if ir.CreateDate != "" {
		// Only to tell which of several differing copies is newer
		// (copies.go): a role deleted and created again has a later one.
		if r.roleCreated == nil {
			r.roleCreated = map[*snapshot.Role]string{}
		}
		r.roleCreated[role] = ir.CreateDate
	}
	for _, tag := range ir.Tags {
		if role.Tags == nil {
			role.Tags = map[string]string{}
		}
		role.Tags[tag.Key] = tag.Value
	}
	return role, true
}

// trustPolicy returns the trust policy as JSON text. The AWS CLI prints
// AssumeRolePolicyDocument decoded, as an object; the IAM API returns it
// URL-encoded (RFC 3986), and a capture of the raw API response, or of an
// SDK, holds that string (STYLE.md "Snapshot"; IAM GetRole API reference).
func trustPolicy(doc jsontext.Value) (string, error) {
	switch doc.Kind() {
	case 0, 'n':
		return "", nil
	case '{':
		// Compact a copy: doc aliases the file's bytes.
		c := slices.Clone(doc)
		if err := c.Compact(); err != nil {
			return string(doc), err
		}
		return string(c), nil
	case '"':
		var s string
		if err := json.Unmarshal(doc, &s); err != nil {
			return "", err
		}
		if t := strings.TrimSpace(s); strings.HasPrefix(t, "{") {
			return s, nil // a JSON text in a string, not URL-encoded
		}
		dec, err := url.QueryUnescape(s)
		if err != nil {
			return s, fmt.Errorf("is neither JSON nor URL-encoded JSON: %w", err)
		}
		return dec, nil
	}
	return "", fmt.Errorf("is %s, not a policy document", kindName(doc.Kind()))
}

func parseGetRole(r *result, src *jsonSrc, o *object) {
	v, _ := o.get("Role")
	if role, ok := r.role(src, v, "get-role Role"); ok {
		r.roles = append(r.roles, role)
		r.iamp.named = append(r.iamp.named, role.Name)
		r.recognise("aws:GetRole")
	}
}

// parseBareRole reads `aws iam get-role --query Role`.
func parseBareRole(r *result, src *jsonSrc, o *object) {
	if o.raw == nil {
		return
	}
	if role, ok := r.role(src, o.raw, "role"); ok {
		r.roles = append(r.roles, role)
		r.iamp.named = append(r.iamp.named, role.Name)
		r.recognise("aws:GetRole")
	}
}

// parseListRoles reads `aws iam list-roles`. The CLI pages through every
// result itself; a Marker, NextToken or IsTruncated: true means the output
// is one page (--max-items, --no-paginate, or the raw API), so it proves no
// absence.
func parseListRoles(r *result, src *jsonSrc, o *object) {
	v, ok := r.member(src, o, "list-roles", "Roles", '[')
	if !ok {
		return
	}
	raws, err := elements(v)
	if err != nil {
		r.failOff(src, offsetOf(src.data, v)+errOffset(err), "list-roles Roles: "+describeJSONError(err))
		return
	}
	accounts := map[string]bool{}
	for i, raw := range raws {
		role, ok := r.role(src, raw, fmt.Sprintf("list-roles role %d", i))
		if !ok {
			continue
		}
		r.roles = append(r.roles, role)
		accounts[role.Account] = true
	}
	r.recognise("aws:ListRoles")
	truncated := o.str("Marker") != "" || o.str("NextToken") != ""
	if t, ok := o.get("IsTruncated"); ok && string(t) == "true" {
		truncated = true
	}
	if truncated {
		return
	}
	for _, a := range sortedKeys(accounts) {
		r.listings = append(r.listings, snapshot.Listing{Kind: snapshot.KindRole, Account: a, Source: r.src})
	}
}

// parseProviderList reads `aws iam list-open-id-connect-providers`.
func parseProviderList(r *result, src *jsonSrc, o *object) {
	v, ok := r.member(src, o, "list-open-id-connect-providers", "OpenIDConnectProviderList", '[')
	if !ok {
		return
	}
	var list []struct {
		ARN string `json:"Arn"`
	}
	if !r.decodeMember(src, v, &list, "list-open-id-connect-providers output") {
		return
	}
	byAccount := map[string][]string{}
	seen := map[string]bool{}
	for _, e := range list {
		a, ok := parseARN(e.ARN)
		if !ok || a.account == "" || providerURL(e.ARN) == "" {
			r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("list-open-id-connect-providers entry %q is not an OIDC provider ARN; skipped", e.ARN))
			continue
		}
		if firstOf(seen, e.ARN) { // an ARN names its account: one set serves all
			byAccount[a.account] = append(byAccount[a.account], e.ARN)
		}
	}
	r.recognise("aws:ListOpenIDConnectProviders")
	if len(list) == 0 {
		// The account is resolved once every file is read (merger.finish).
		r.providerLists = append(r.providerLists, snapshot.ProviderList{ARNs: []string{}, Source: r.src})
		return
	}
	for _, a := range sortedKeys(byAccount) {
		r.providerLists = append(r.providerLists, snapshot.ProviderList{Account: a, ARNs: byAccount[a], Source: r.src})
	}
}

// parseGetProvider reads `aws iam get-open-id-connect-provider`, which has
// no ARN: it is attributed in merger.finish.
func parseGetProvider(r *result, src *jsonSrc, o *object) {
	var p struct {
		URL         string   `json:"Url"`
		ClientIDs   []string `json:"ClientIDList"`
		Thumbprints []string `json:"ThumbprintList"`
	}
	if o.raw == nil || !r.decodeMember(src, o.raw, &p, "get-open-id-connect-provider output") {
		return
	}
	if p.URL == "" {
		r.failOff(src, o.start, "get-open-id-connect-provider output with an empty Url")
		return
	}
	// IAM stores and returns the Url without a scheme (docs/reference/trust-policy.md#principal).
	u := strings.TrimPrefix(p.URL, "https://")
	r.providers = append(r.providers, &snapshot.OIDCProvider{URL: u, ClientIDs: p.ClientIDs, Thumbprints: p.Thumbprints,
		Detailed: true, Source: r.src})
	r.recognise("aws:GetOpenIDConnectProvider")
}

// parseCallerIdentity reads `aws sts get-caller-identity`.
func parseCallerIdentity(r *result, src *jsonSrc, o *object) {
	c := &snapshot.CallerIdentity{Account: o.str("Account"), ARN: o.str("Arn"), UserID: o.str("UserId"), Source: r.src}
	if c.Account == "" {
		r.failOff(src, o.start, "get-caller-identity output with an empty Account")
		return
	}
	r.callers = append(r.callers, c)
	r.recognise("aws:GetCallerIdentity")
}

// elements splits an array into its elements, which alias v (and so the
// file's bytes: offsets into the file stay valid).
func elements(v jsontext.Value) ([]jsontext.Value, error) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(v), walkOpts)
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	var out []jsontext.Value
	for dec.PeekKind() != ']' {
		e, err := dec.ReadValue()
		if err != nil {
			return out, err
		}
		out = append(out, e)
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// roleIdentityMismatch says how RoleName and Path disagree with the role
// ARN (arn:PARTITION:iam::ACCOUNT:role/PATH/NAME), or "" when they agree
// (or are absent).
func roleIdentityMismatch(a arnParts, name, path string) string {
	res, ok := strings.CutPrefix(a.resource, "role/")
	if !ok || a.service != "iam" {
		return "the Arn is not an IAM role ARN"
	}
	arnName, arnPath := res, "/"
	if i := strings.LastIndexByte(res, '/'); i >= 0 {
		arnName, arnPath = res[i+1:], "/"+res[:i+1]
	}
	switch {
	case name != "" && name != arnName:
		return fmt.Sprintf("its RoleName %q is not the name in its Arn (%q)", name, arnName)
	case path != "" && path != arnPath:
		return fmt.Sprintf("its Path %q is not the path in its Arn (%q)", path, arnPath)
	}
	return ""
}
