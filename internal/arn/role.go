package arn

import (
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
)

// IAM's limits for roles (IAM API reference, CreateRole: RoleName pattern
// [\w+=,.@-]+, length 1-64; Path pattern (\u002F)|(\u002F[\u0021-\u007E]+\u002F),
// length 1-512).
const (
	maxRoleName = 64
	maxPath     = 512
)

// roleTemplate is what an IAM role ARN looks like, for error messages.
const roleTemplate = "arn:PARTITION:iam::ACCOUNT:role/NAME"

// Role is a parsed IAM role ARN, arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME.
type Role struct {
	ARN       string
	Partition string
	Account   string
	// Path is "/" or "/a/b/" (with both slashes), as IAM reports it.
	Path string
	Name string
}

// String returns the role's ARN.
func (r Role) String() string { return r.ARN }

// RoleARN builds the ARN of the role name with path ("" or "/" for none) in
// an account of a partition. It does not validate.
func RoleARN(partition, account, path, name string) string {
	if path == "" {
		path = "/"
	}
	return "arn:" + partition + ":iam::" + account + ":role" + path + name
}

// ParseRole parses an IAM role ARN and validates it as IAM would: a known
// partition, service iam, no region, a 12-digit account, resource type role,
// a path of at most 512 printable characters between slashes, and a name of
// 1-64 characters of [A-Za-z0-9+=,.@_-]. Its *Error says what is wrong in
// words a user can act on.
func ParseRole(s string) (Role, error) {
	if e, ok := parsedRoles.Load(s); ok {
		r := e.(parsedRole)
		return r.role, r.err
	}
	r, err := run(s, "IAM role ARN", role)
	// A cluster's pods name a few hundred roles, each thousands of times:
	// each is parsed once. The cache stops growing at maxParsedRoles, so
	// that a hostile input of distinct strings costs no more than without
	// it. Role and *Error are values no caller changes.
	if parsedRoleCount.Load() < maxParsedRoles {
		if _, loaded := parsedRoles.LoadOrStore(s, parsedRole{r, err}); !loaded {
			parsedRoleCount.Add(1)
		}
	}
	return r, err
}

const maxParsedRoles = 1 << 14

var (
	parsedRoles     sync.Map // string -> parsedRole
	parsedRoleCount atomic.Int64
)

type parsedRole struct {
	role Role
	err  error
}

func role(s string) (Role, string) {
	if !strings.Contains(s, ":") && !strings.Contains(s, "/") && nameReason(s) == "" {
		return Role{}, fmt.Sprintf("it is a bare role name, not an ARN: the annotation needs the role's full ARN, %s", roleTemplate)
	}
	a, r := split(s)
	if r != "" {
		if strings.HasPrefix(r, "it has ") { // too few fields
			r += "; an IAM role ARN looks like " + roleTemplate + ", with an empty region field (\"::\")"
		}
		return Role{}, r
	}
	if a.Service != "iam" {
		if a.Service == "sts" && strings.HasPrefix(a.Resource, "assumed-role/") {
			name, _, _ := strings.Cut(strings.TrimPrefix(a.Resource, "assumed-role/"), "/")
			return Role{}, fmt.Sprintf("it is an STS assumed-role session ARN (what get-caller-identity prints), not a role ARN; the role's ARN is %s, with the role's path if it has one",
				RoleARN(a.Partition, a.Account, "/", name))
		}
		return Role{}, fmt.Sprintf("it is an ARN of service %q (resource %q), not an IAM role ARN: a role ARN's service is \"iam\"", a.Service, a.Resource)
	}
	if a.Region != "" {
		return Role{}, fmt.Sprintf("it has the region %q, but IAM is global: the region field of an IAM ARN is empty (%s)", a.Region, roleTemplate)
	}
	switch a.Account {
	case "":
		return Role{}, "the account ID is empty; a role ARN names the 12-digit account that owns the role"
	case "aws":
		return Role{}, "the account field is \"aws\", which only AWS-managed policies use; a role ARN names the 12-digit account that owns the role"
	}
	typ, rest, slash := strings.Cut(a.Resource, "/")
	if typ != "role" || !slash {
		return Role{}, resourceReason(a.Resource, typ, slash)
	}
	path, name := "/", rest
	if i := strings.LastIndexByte(rest, '/'); i >= 0 {
		path, name = "/"+rest[:i+1], rest[i+1:]
	}
	if name == "" {
		return Role{}, fmt.Sprintf("the role name is empty (the resource %q ends with \"/\")", a.Resource)
	}
	if r := nameReason(name); r != "" {
		return Role{}, r
	}
	if r := pathReason(path); r != "" {
		return Role{}, r
	}
	return Role{ARN: s, Partition: a.Partition, Account: a.Account, Path: path, Name: name}, ""
}

// resourceReason says why a resource is not role/[PATH/]NAME.
func resourceReason(resource, typ string, slash bool) string {
	if typ == "role" { // no slash
		return fmt.Sprintf("the role name is missing: the resource is %q, it should be role/NAME", resource)
	}
	if strings.HasPrefix(resource, "role:") {
		return fmt.Sprintf("the resource %q has \":\" after \"role\"; it should be %q", resource, "role/"+strings.TrimPrefix(resource, "role:"))
	}
	if !slash {
		return fmt.Sprintf("the resource %q has no type; a role ARN's resource is role/NAME or role/PATH/NAME", resource)
	}
	if strings.EqualFold(typ, "role") {
		return fmt.Sprintf("the resource type %q must be lower case (\"role\")", typ)
	}
	what := map[string]string{
		"user":               "an IAM user",
		"group":              "an IAM group",
		"policy":             "an IAM managed policy",
		"instance-profile":   "an EC2 instance profile",
		"oidc-provider":      "an IAM OIDC identity provider",
		"saml-provider":      "an IAM SAML provider",
		"server-certificate": "an IAM server certificate",
		"mfa":                "an MFA device",
		"assumed-role":       "an assumed-role session",
	}[typ]
	if what == "" {
		return fmt.Sprintf("the resource type is %q; a role ARN's resource is role/NAME or role/PATH/NAME", typ)
	}
	hint := map[string]string{
		"instance-profile": " (an instance profile holds a role but is not one)",
		"oidc-provider":    " (the provider's ARN belongs in the role's trust policy, as Principal.Federated)",
	}[typ]
	return fmt.Sprintf("it names %s (resource %q), not a role%s; a role ARN's resource is role/NAME or role/PATH/NAME", what, resource, hint)
}

// nameReason says why name is not a valid IAM role name, or "".
func nameReason(name string) string {
	if name == "" {
		return "the role name is empty"
	}
	if n := len(name); n > maxRoleName {
		return fmt.Sprintf("the role name %q is %d characters long; IAM role names have at most %d", name, n, maxRoleName)
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; !roleNameChar(c) {
			return fmt.Sprintf("the role name %q contains %q, which IAM does not allow in role names (letters, digits and + = , . @ _ -)", name, string(c))
		}
	}
	return ""
}

// roleNameChar is IAM's [\w+=,.@-] (\w being ASCII letters, digits and _).
func roleNameChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("_+=,.@-", c) >= 0
}

// pathReason says why path is not a valid IAM path, or "". ParseRole has
// already refused spaces and non-ASCII, so only the shape remains.
func pathReason(path string) string {
	if n := len(path); n > maxPath {
		return fmt.Sprintf("the role path is %d characters long; IAM paths have at most %d", n, maxPath)
	}
	if path == "/" {
		return ""
	}
	// Pattern (\u002F[\u0021-\u007E]+\u002F): at least one character
	// between the outer slashes.
	if len(path) < 3 {
		return fmt.Sprintf("the role path %q has nothing between its slashes", path)
	}
	for i := 0; i < len(path); i++ {
		if c := path[i]; c < 0x21 || c > 0x7e {
			return fmt.Sprintf("the role path %q contains %q, which IAM does not allow in paths", path, string(c))
		}
	}
	return ""
}
