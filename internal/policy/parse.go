package policy

import (
	"fmt"
	"net/url"
	"regexp"
	"strconv"
	"strings"
)

// Policy language versions IAM accepts. Without a Version element IAM uses
// 2008-10-17, under which "${...}" is literal text rather than a policy
// variable (IAM User Guide, "IAM JSON policy elements: Version",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_version.html).
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Document is a parsed policy document. Raw and JSON keep the input so a fix
// can be made to the user's own document rather than a re-rendering of it.
type Document struct {
	Raw  string // the input exactly as given
	JSON string // the JSON text parsed: Raw after URL-decoding or string unwrapping
	// Version is the Version element, "" when absent (IAM then applies
	// 2008-10-17).
	Version string
	ID      string
	// StatementList is true when Statement is a JSON list, false when it is a
	// single object; a fix keeps the user's form.
	StatementList bool
	Statements    []Statement
	// Duplicates lists JSON keys repeated in one object outside any
	// statement, as `"Statement" at the top level`. IAM does not document which copy it
	// uses, so every evaluation of such a document is Unknown.
	Duplicates []string
}

// Effect is a statement's Effect.
type Effect string

const (
	Allow Effect = "Allow"
	Deny  Effect = "Deny"
)

// Statement is one entry of Statement. Slices are in document order.
type Statement struct {
	Index int
	Path  string // "Statement[1]", or "Statement" when Statement is one object
	Sid   string
	// EffectText is the Effect as written; Effect is its canonical form.
	Effect     Effect
	EffectText string
	// Principal is the Principal or NotPrincipal element (NotPrincipal tells
	// which); nil when the statement has neither.
	Principal    *Principals
	NotPrincipal bool
	// Actions is the Action or NotAction element (NotAction tells which).
	Actions   []string
	NotAction bool
	// Resources is the Resource or NotResource element; HasResource is false
	// when the statement has neither, as trust policies must (IAM rejects a
	// Resource there).
	Resources   []string
	NotResource bool
	HasResource bool
	Conditions  []Condition
	// Duplicates lists JSON keys repeated inside this statement; see
	// Document.Duplicates.
	Duplicates []string
}

// Name is how explanations refer to the statement: its Sid when it has one,
// otherwise its path ("Statement[2]").
func (s *Statement) Name() string {
	if s.Sid != "" {
		return "statement " + quote(s.Sid)
	}
	return s.Path
}

// PrincipalType is a key of a Principal object.
type PrincipalType string

const (
	PrincipalAWS           PrincipalType = "AWS"
	PrincipalFederated     PrincipalType = "Federated"
	PrincipalService       PrincipalType = "Service"
	PrincipalCanonicalUser PrincipalType = "CanonicalUser"
)

// Principal is one principal: a type and a value.
type Principal struct {
	Type  PrincipalType
	Value string
}

func (p Principal) String() string { return string(p.Type) + " " + quote(p.Value) }

// Principals is a Principal or NotPrincipal element. Any is the bare string
// form "Principal": "*", which matches every principal; {"AWS": "*"} is an
// entry instead, because IAM treats it differently for some principal types
// (see evaluatePrincipal).
type Principals struct {
	Any     bool
	Entries []Principal
}

// Set operators that may prefix a condition operator.
const (
	ForAnyValue  = "ForAnyValue"
	ForAllValues = "ForAllValues"
)

// Condition is one (operator, key) pair of a Condition element, with its
// values as written (numbers as their literal text, booleans as
// "true"/"false").
type Condition struct {
	Operator string // as written: "ForAnyValue:StringLikeIfExists"
	Set      string // "", ForAnyValue or ForAllValues
	Base     string // "StringLike"
	IfExists bool
	Key      string // as written; IAM compares keys case-insensitively
	Values   []string
}

// ParseError is a document IAM would have rejected, or text that is no
// policy at all. Path names the element ("Statement[0].Condition"), "" for
// the document as a whole.
type ParseError struct {
	Path string
	Msg  string
}

func (e *ParseError) Error() string {
	if e.Path == "" {
		return "invalid policy: " + e.Msg
	}
	return "invalid policy at " + e.Path + ": " + e.Msg
}

// ParseDocument parses a policy document. It accepts the JSON text, the
// URL-encoded form the IAM API returns for AssumeRolePolicyDocument ("Policies
// returned by this operation are URL-encoded compliant with RFC 3986", IAM API
// reference, GetRole), and a JSON string holding the document (as some tools
// print it).
func ParseDocument(raw string) (*Document, error) {
	text := strings.TrimSpace(raw)
	if strings.HasPrefix(text, "%") {
		// The IAM docs point to java.net.URLDecoder, which also turns "+"
		// into a space; QueryUnescape does the same, and an RFC 3986 encoder
		// never emits a bare "+" for anything else.
		dec, err := url.QueryUnescape(text)
		if err != nil {
			return nil, &ParseError{Msg: "the URL-encoded document does not decode: " + err.Error()}
		}
		text = strings.TrimSpace(dec)
	}
	root, err := parseJSON(text)
	if err != nil {
		return nil, err
	}
	if root.kind == kindString {
		text = strings.TrimSpace(root.text)
		if strings.HasPrefix(text, "%") {
			dec, err := url.QueryUnescape(text)
			if err != nil {
				return nil, &ParseError{Msg: "the URL-encoded document does not decode: " + err.Error()}
			}
			text = strings.TrimSpace(dec)
		}
		if root, err = parseJSON(text); err != nil {
			return nil, err
		}
	}
	doc := &Document{Raw: raw, JSON: text}
	if err := doc.fill(root); err != nil {
		return nil, err
	}
	return doc, nil
}

func (d *Document) fill(root *node) error {
	if root.kind != kindObject {
		return &ParseError{Msg: "a policy document is a JSON object, not " + root.kind.String()}
	}
	d.Duplicates = duplicates(root, "")
	var stmt *node
	for _, m := range root.members {
		switch m.key {
		case "Version":
			if m.val.kind != kindString {
				return &ParseError{Path: "Version", Msg: "must be a string, not " + m.val.kind.String()}
			}
			if m.val.text != Version2012 && m.val.text != Version2008 {
				return &ParseError{Path: "Version", Msg: fmt.Sprintf("%s is not a policy language version; IAM accepts %q and %q", quote(m.val.text), Version2012, Version2008)}
			}
			d.Version = m.val.text
		case "Id":
			if m.val.kind != kindString {
				return &ParseError{Path: "Id", Msg: "must be a string, not " + m.val.kind.String()}
			}
			d.ID = m.val.text
		case "Statement":
			stmt = m.val
		default:
			return &ParseError{Msg: fmt.Sprintf("unknown top-level element %s; IAM allows Version, Id and Statement", quote(m.key))}
		}
	}
	if stmt == nil {
		return &ParseError{Msg: "missing the Statement element"}
	}
	switch stmt.kind {
	case kindObject:
		s, err := parseStatement(stmt, 0, "Statement")
		if err != nil {
			return err
		}
		d.Statements = []Statement{s}
	case kindArray:
		d.StatementList = true
		for i, item := range stmt.items {
			path := fmt.Sprintf("Statement[%d]", i)
			if item.kind != kindObject {
				return &ParseError{Path: path, Msg: "a statement is a JSON object, not " + item.kind.String()}
			}
			s, err := parseStatement(item, i, path)
			if err != nil {
				return err
			}
			d.Statements = append(d.Statements, s)
		}
	default:
		return &ParseError{Path: "Statement", Msg: "must be an object or a list of objects, not " + stmt.kind.String()}
	}
	return nil
}

// duplicates reports keys repeated within one object of n, outside
// statements (which report their own).
func duplicates(n *node, path string) []string {
	var out []string
	var seen map[string]bool
	if len(n.members) > manyMembers {
		seen = make(map[string]bool, len(n.members))
	}
	for i, m := range n.members {
		if seen != nil && seen[m.key] || seen == nil && repeated(n, i) {
			out = append(out, fmt.Sprintf("%s at %s", quote(m.key), orTop(path)))
		}
		if seen != nil {
			seen[m.key] = true
		}
	}
	return out
}

// manyMembers is where duplicates and hasDuplicates look keys up in a map
// rather than compare them by pairs (not a policy an editor wrote).
const manyMembers = 64

// repeated reports whether the key of the object's member i is that of
// an earlier member. An object of a policy has a few members: they are
// compared, without a map per object.
func repeated(n *node, i int) bool {
	for _, m := range n.members[:i] {
		if m.key == n.members[i].key {
			return true
		}
	}
	return false
}

// hasDuplicates reports whether an object in n repeats a key: allDuplicates
// builds the path of a subtree only when it does.
func hasDuplicates(n *node) bool {
	switch n.kind {
	case kindObject:
		if len(n.members) > manyMembers {
			seen := make(map[string]bool, len(n.members))
			for _, m := range n.members {
				if seen[m.key] {
					return true
				}
				seen[m.key] = true
			}
		} else {
			for i := range n.members {
				if repeated(n, i) {
					return true
				}
			}
		}
		for _, m := range n.members {
			if hasDuplicates(m.val) {
				return true
			}
		}
	case kindArray:
		for _, it := range n.items {
			if hasDuplicates(it) {
				return true
			}
		}
	}
	return false
}

func orTop(path string) string {
	if path == "" {
		return "the top level"
	}
	return path
}

// allDuplicates walks n and reports every repeated key in every object.
func allDuplicates(n *node, path string) []string {
	var out []string
	if !hasDuplicates(n) {
		return nil
	}
	switch n.kind {
	case kindObject:
		out = append(out, duplicates(n, path)...)
		for _, m := range n.members {
			if hasDuplicates(m.val) {
				out = append(out, allDuplicates(m.val, path+"."+m.key)...)
			}
		}
	case kindArray:
		for i, it := range n.items {
			if hasDuplicates(it) {
				out = append(out, allDuplicates(it, fmt.Sprintf("%s[%d]", path, i))...)
			}
		}
	}
	return out
}

func parseStatement(n *node, index int, path string) (Statement, error) {
	s := Statement{Index: index, Path: path, Duplicates: allDuplicates(n, path)}
	var effect, principal, notPrincipal, action, notAction, resource, notResource, condition *node
	for _, m := range n.members {
		switch m.key {
		case "Sid":
			if m.val.kind != kindString {
				return s, &ParseError{Path: path + ".Sid", Msg: "must be a string, not " + m.val.kind.String()}
			}
			s.Sid = m.val.text
		case "Effect":
			effect = m.val
		case "Principal":
			principal = m.val
		case "NotPrincipal":
			notPrincipal = m.val
		case "Action":
			action = m.val
		case "NotAction":
			notAction = m.val
		case "Resource":
			resource = m.val
		case "NotResource":
			notResource = m.val
		case "Condition":
			condition = m.val
		default:
			return s, &ParseError{Path: path, Msg: fmt.Sprintf("unknown element %s; a statement allows Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition", quote(m.key))}
		}
	}

	switch {
	case effect == nil:
		return s, &ParseError{Path: path, Msg: "missing Effect"}
	case effect.kind != kindString:
		return s, &ParseError{Path: path + ".Effect", Msg: "must be \"Allow\" or \"Deny\", not " + effect.kind.String()}
	}
	// IAM's grammar spells the values "Allow" and "Deny"; policies read back
	// from AWS have been seen with other capitalisation (mozilla-iam/
	// mozilla-aws-cli PR #73 "Accommodate case insensitive values like the
	// Effect value"), so any case is accepted.
	switch strings.ToLower(effect.text) {
	case "allow":
		s.Effect = Allow
	case "deny":
		s.Effect = Deny
	default:
		return s, &ParseError{Path: path + ".Effect", Msg: fmt.Sprintf("must be \"Allow\" or \"Deny\", not %s", quote(effect.text))}
	}
	s.EffectText = effect.text

	if principal != nil && notPrincipal != nil {
		return s, &ParseError{Path: path, Msg: "has both Principal and NotPrincipal; IAM allows one"}
	}
	if principal != nil || notPrincipal != nil {
		el, name := principal, "Principal"
		if notPrincipal != nil {
			el, name, s.NotPrincipal = notPrincipal, "NotPrincipal", true
		}
		p, err := parsePrincipals(el, path+"."+name)
		if err != nil {
			return s, err
		}
		s.Principal = p
	}

	switch {
	case action != nil && notAction != nil:
		return s, &ParseError{Path: path, Msg: "has both Action and NotAction; IAM allows one"}
	case action == nil && notAction == nil:
		// IAM: "Policy statement must contain actions."
		return s, &ParseError{Path: path, Msg: "missing Action or NotAction"}
	}
	el, name := action, "Action"
	if notAction != nil {
		el, name, s.NotAction = notAction, "NotAction", true
	}
	acts, err := stringList(el, path+"."+name)
	if err != nil {
		return s, err
	}
	for i, a := range acts {
		if err := checkAction(a); err != "" {
			return s, &ParseError{Path: itemPath(el, path+"."+name, i), Msg: err}
		}
	}
	s.Actions = acts

	if resource != nil && notResource != nil {
		return s, &ParseError{Path: path, Msg: "has both Resource and NotResource; IAM allows one"}
	}
	if resource != nil || notResource != nil {
		el, name := resource, "Resource"
		if notResource != nil {
			el, name, s.NotResource = notResource, "NotResource", true
		}
		res, err := stringList(el, path+"."+name)
		if err != nil {
			return s, err
		}
		s.Resources, s.HasResource = res, true
	}

	if condition != nil {
		conds, err := parseConditions(condition, path+".Condition")
		if err != nil {
			return s, err
		}
		s.Conditions = conds
	}
	return s, nil
}

func itemPath(el *node, path string, i int) string {
	if el.kind == kindArray {
		return fmt.Sprintf("%s[%d]", path, i)
	}
	return path
}

// stringList reads an element that is a string or a non-empty list of
// strings.
func stringList(n *node, path string) ([]string, error) {
	switch n.kind {
	case kindString:
		return []string{n.text}, nil
	case kindArray:
		if len(n.items) == 0 {
			return nil, &ParseError{Path: path, Msg: "is an empty list"}
		}
		out := make([]string, 0, len(n.items))
		for i, it := range n.items {
			if it.kind != kindString {
				return nil, &ParseError{Path: fmt.Sprintf("%s[%d]", path, i), Msg: "must be a string, not " + it.kind.String()}
			}
			out = append(out, it.text)
		}
		return out, nil
	}
	return nil, &ParseError{Path: path, Msg: "must be a string or a list of strings, not " + n.kind.String()}
}

// checkAction returns why IAM would reject an action name, or "". IAM's own
// messages: "Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb,
// ec2, etc.", "Actions/Condition can contain only one colon." and "Action
// vendors (e.g., aws, ec2, etc.) must not contain wildcards".
func checkAction(a string) string {
	if a == "*" {
		return ""
	}
	vendor, name, ok := strings.Cut(a, ":")
	switch {
	case !ok || vendor == "":
		return fmt.Sprintf("action %s has no service prefix (IAM: \"Actions/Conditions must be prefaced by a vendor\")", quote(a))
	case strings.Contains(name, ":"):
		return fmt.Sprintf("action %s has more than one colon (IAM: \"Actions/Condition can contain only one colon\")", quote(a))
	case strings.ContainsAny(vendor, "*?"):
		return fmt.Sprintf("action %s has a wildcard in its service prefix (IAM: \"Action vendors must not contain wildcards\")", quote(a))
	case name == "":
		return fmt.Sprintf("action %s has no action name after the colon", quote(a))
	}
	return ""
}

var principalTypes = map[string]PrincipalType{
	"AWS":           PrincipalAWS,
	"Federated":     PrincipalFederated,
	"Service":       PrincipalService,
	"CanonicalUser": PrincipalCanonicalUser,
}

func parsePrincipals(n *node, path string) (*Principals, error) {
	switch n.kind {
	case kindString:
		if n.text != "*" {
			return nil, &ParseError{Path: path, Msg: fmt.Sprintf("a principal given as a string must be \"*\", not %s; name others as {\"AWS\": ...}, {\"Federated\": ...} or {\"Service\": ...}", quote(n.text))}
		}
		return &Principals{Any: true}, nil
	case kindObject:
	default:
		return nil, &ParseError{Path: path, Msg: "must be \"*\" or an object, not " + n.kind.String()}
	}
	p := &Principals{}
	for _, m := range n.members {
		t, ok := principalTypes[m.key]
		if !ok {
			return nil, &ParseError{Path: path, Msg: fmt.Sprintf("unknown principal type %s; IAM allows AWS, Federated, Service and CanonicalUser", quote(m.key))}
		}
		vals, err := stringList(m.val, path+"."+m.key)
		if err != nil {
			return nil, err
		}
		for i, v := range vals {
			// "You cannot use a wildcard to match part of a principal name or
			// ARN" (IAM User Guide, "AWS JSON policy elements: Principal");
			// IAM rejects such a trust policy with "Invalid principal in
			// policy".
			if v != "*" && strings.ContainsAny(v, "*?") {
				return nil, &ParseError{Path: itemPath(m.val, path+"."+m.key, i), Msg: fmt.Sprintf("%s uses a wildcard; IAM allows \"*\" only on its own in a principal", quote(v))}
			}
			p.Entries = append(p.Entries, Principal{Type: t, Value: v})
		}
	}
	return p, nil
}

// conditionOperators lists every base operator IAM defines (IAM User Guide,
// "IAM JSON policy elements: Condition operators",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_policies_elements_condition_operators.html).
// The value says whether this package evaluates it on a present key.
var conditionOperators = map[string]bool{
	"StringEquals": true, "StringNotEquals": true,
	"StringEqualsIgnoreCase": true, "StringNotEqualsIgnoreCase": true,
	"StringLike": true, "StringNotLike": true,
	"Bool":          true,
	"Null":          true,
	"NumericEquals": false, "NumericNotEquals": false,
	"NumericLessThan": false, "NumericLessThanEquals": false,
	"NumericGreaterThan": false, "NumericGreaterThanEquals": false,
	"DateEquals": false, "DateNotEquals": false,
	"DateLessThan": false, "DateLessThanEquals": false,
	"DateGreaterThan": false, "DateGreaterThanEquals": false,
	"BinaryEquals": false,
	"IpAddress":    false, "NotIpAddress": false,
	"ArnEquals": false, "ArnLike": false, "ArnNotEquals": false, "ArnNotLike": false,
}

// negated operators match when the key matches none of the values, and
// match when the key is absent ("If the policy condition requires that the
// key is not matched, such as StringNotLike or ArnNotLike, and the right key
// is not present, the condition is true", Condition operators page).
var negated = map[string]bool{
	"StringNotEquals": true, "StringNotEqualsIgnoreCase": true, "StringNotLike": true,
	"NumericNotEquals": true, "DateNotEquals": true, "NotIpAddress": true,
	"ArnNotEquals": true, "ArnNotLike": true,
}

var operatorShape = regexp.MustCompile(`^(?:(ForAnyValue|ForAllValues):)?([A-Za-z]+?)(IfExists)?$`)

// parseOperator splits "ForAnyValue:StringLikeIfExists". Names are
// case-sensitive: IAM rejects "stringEquals" with "MalformedPolicyDocument:
// Invalid Condition type : stringEquals" (seen in ministryofjustice/
// modernisation-platform-environments PR #8893).
func parseOperator(op string) (set, base string, ifExists bool, ok bool) {
	m := operatorShape.FindStringSubmatch(op)
	if m == nil {
		return "", "", false, false
	}
	set, base, ifExists = m[1], m[2], m[3] != ""
	if _, known := conditionOperators[base]; !known {
		return "", "", false, false
	}
	// "You can add IfExists to the end of any condition operator name except
	// the Null condition" (Condition operators page, "...IfExists condition
	// operators").
	if base == "Null" && ifExists {
		return "", "", false, false
	}
	return set, base, ifExists, true
}

func parseConditions(n *node, path string) ([]Condition, error) {
	if n.kind != kindObject {
		return nil, &ParseError{Path: path, Msg: "must be an object of condition operators, not " + n.kind.String()}
	}
	var out []Condition
	for _, op := range n.members {
		set, base, ifExists, ok := parseOperator(op.key)
		if !ok {
			return nil, &ParseError{Path: path, Msg: fmt.Sprintf("unknown condition operator %s (IAM: \"Invalid Condition type\")", quote(op.key))}
		}
		opPath := path + "." + op.key
		if op.val.kind != kindObject {
			return nil, &ParseError{Path: opPath, Msg: "must be an object of condition keys, not " + op.val.kind.String()}
		}
		for _, kv := range op.val.members {
			keyPath := opPath + "." + quote(kv.key)
			// Condition keys carry a service or provider prefix
			// ("aws:SourceIp", "oidc.eks.REGION.amazonaws.com/id/ID:sub");
			// IAM: "Actions/Conditions must be prefaced by a vendor".
			if !strings.Contains(kv.key, ":") {
				return nil, &ParseError{Path: opPath, Msg: fmt.Sprintf("condition key %s has no prefix such as \"aws:\" or the OIDC provider (IAM: \"Actions/Conditions must be prefaced by a vendor\")", quote(kv.key))}
			}
			vals, err := conditionValues(kv.val, keyPath)
			if err != nil {
				return nil, err
			}
			out = append(out, Condition{Operator: op.key, Set: set, Base: base, IfExists: ifExists, Key: kv.key, Values: vals})
		}
	}
	return out, nil
}

func conditionValues(n *node, path string) ([]string, error) {
	one := func(n *node, path string) (string, error) {
		switch n.kind {
		case kindString, kindNumber:
			return n.text, nil
		case kindBool:
			if n.boolean {
				return "true", nil
			}
			return "false", nil
		}
		return "", &ParseError{Path: path, Msg: "a condition value must be a string, number or boolean, not " + n.kind.String()}
	}
	if n.kind != kindArray {
		v, err := one(n, path)
		if err != nil {
			return nil, err
		}
		return []string{v}, nil
	}
	out := make([]string, 0, len(n.items))
	for i, it := range n.items {
		if it.kind != kindString && it.kind != kindNumber && it.kind != kindBool {
			// The item's path, for the error, only when there is one.
			_, err := one(it, fmt.Sprintf("%s[%d]", path, i))
			return nil, err
		}
		v, _ := one(it, "")
		out = append(out, v)
	}
	return out, nil
}

func quote(s string) string { return strconv.Quote(s) } // as %q writes it
