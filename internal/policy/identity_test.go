package policy_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

// The role's account and policies in the identity tests.
const (
	appPolicy      = "arn:aws:iam::111122223333:policy/app"
	guardPolicy    = "arn:aws:iam::111122223333:policy/guard"
	boundaryPolicy = "arn:aws:iam::111122223333:policy/boundary"
	roleARN        = "arn:aws:iam::111122223333:role/payments-api"
	invoice        = "arn:aws:s3:::invoices/2026/03/a.pdf"
	queue          = "arn:aws:sqs:us-east-1:111122223333:jobs"
)

// Citations, each checked against the public IAM documentation text
// (quoted where the words are AWS's; otherwise the rule as the page states
// it).
const (
	citeDenyOverrides   = `IAM User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access": "An explicit deny overrides an explicit allow."`
	citeDenyTrumps      = `IAM User Guide, "The difference between explicit and implicit denies": "If policies that apply to a request include an Allow statement and a Deny statement, the Deny statement trumps the Allow statement."`
	citeDefaultDeny     = `IAM User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access": "By default, all requests are implicitly denied"`
	citeImplicit        = `IAM User Guide, "The difference between explicit and implicit denies": "An implicit denial occurs when there is no applicable Deny statement but also no applicable Allow statement."`
	citeExplicitAllow   = `IAM User Guide, "How AWS enforcement code logic evaluates requests to allow or deny access": "Requests must be explicitly allowed by a policy or set of policies"`
	citeNotActionAllow  = `IAM User Guide, "IAM JSON policy elements: NotAction": "all of the applicable actions or services that are not listed are allowed if you use the Allow effect"`
	citeNotActionDeny   = `IAM User Guide, "IAM JSON policy elements: NotAction": "such unlisted actions or services are denied if you use the Deny effect"`
	citeNotResource     = `IAM User Guide, "IAM JSON policy elements: NotResource": "NotResource is an advanced policy element that explicitly matches every resource except those specified."`
	citeActionWildcard  = `IAM User Guide, "IAM JSON policy elements: Action": wildcards (* or ?) may be used as part of the action name, e.g. "s3:*" applies to all Amazon S3 actions`
	citeActionCase      = `IAM User Guide, "IAM JSON policy elements: Action": "The prefix and the action name are case insensitive."`
	citeResourceCase    = `IAM User Guide, "IAM JSON policy elements: Resource": "In the Resource element, the IAM user name is case sensitive."`
	citeResourceWild    = `IAM User Guide, "IAM JSON policy elements: Resource", Using wildcards in resource ARNs: * is any combination of characters and ? any single character, and * can expand to replace everything within a segment, including a forward slash (/)`
	citeMissingKey      = `IAM User Guide, "IAM JSON policy elements: Condition operators": "If the key that you specify in a policy condition is not present in the request context, the values do not match and the condition is false."`
	citeIfExists        = `IAM User Guide, "IAM JSON policy elements: Condition operators": the missing-key rule "applies to all condition operators except ...IfExists and Null check. These operators test whether the key is present (exists) in the request context."`
	citeForAllValues    = `IAM User Guide, "Single-valued vs. multivalued context keys", ForAllValues: the condition "also returns true if there are no context keys in the request"`
	citeBoundaryBoth    = `IAM User Guide, "Permissions boundaries for IAM entities": "An entity's permissions boundary allows it to perform only the actions that are allowed by both its identity-based policies and its permissions boundaries."`
	citeBoundaryNoGrant = `IAM API Reference, "PutRolePermissionsBoundary", PermissionsBoundary: "A permissions boundary policy defines the maximum permissions that identity-based policies can grant to an entity, but does not grant permissions."`
	citeBoundaryDeny    = `IAM User Guide, "Permissions boundaries for IAM entities", Evaluating effective permissions with boundaries: "The effective permissions are the intersection of both policy types. An explicit deny in either of these policies overrides the allow."`
	citeCrossAccount    = `IAM User Guide, "Cross-account policy evaluation logic": for a request to another account the resource's account must allow it too (its resource-based policy), besides the identity-based policies`
)

func named(t *testing.T, name, text string) policy.NamedPolicy {
	t.Helper()
	d, err := policy.ParseDocument(text)
	if err != nil {
		t.Fatalf("policy %s: %v", name, err)
	}
	return policy.NamedPolicy{Name: name, Doc: d}
}

// ask is a request for action on resource whose context holds no key: every
// key a condition tests is known to be absent.
func ask(action, resource string) policy.Request {
	return policy.Request{Action: action, Resource: resource}
}

func TestEvaluateIdentity(t *testing.T) {
	type pol struct{ name, doc string }
	allowS3All := pol{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"S3","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}
	allowInvoices := pol{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"ReadInvoices","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices/*"}]}`}
	unknownAWS := func(r policy.Request) policy.Request { r.UnknownKeys = []string{"aws:*"}; return r }

	tests := []struct {
		name     string
		cite     string
		policies []pol
		boundary *pol
		req      policy.Request
		want     policy.Decision
		blocked  bool
		refs     []policy.StatementRef
		reason   string
	}{
		// Allow and deny across policies.
		{
			name:     "a Deny in one policy overrides an Allow in another",
			cite:     citeDenyOverrides,
			policies: []pol{allowS3All, {guardPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Keep","Effect":"Allow","Action":"s3:ListBucket","Resource":"*"},{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::invoices/*"}]}`}},
			req:      ask("s3:DeleteObject", invoice),
			want:     policy.ExplicitDeny,
			refs:     []policy.StatementRef{{Policy: guardPolicy, Sid: "NoDelete", Index: 1}},
			reason:   `explicitly denied: statement "NoDelete" of policy arn:aws:iam::111122223333:policy/guard denies s3:DeleteObject on "arn:aws:s3:::invoices/2026/03/a.pdf", which overrides the Allow in statement "S3" of policy arn:aws:iam::111122223333:policy/app`,
		},
		{
			name:     "the same policies allow what the Deny does not cover",
			cite:     citeExplicitAllow,
			policies: []pol{allowS3All, {guardPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"NoDelete","Effect":"Deny","Action":"s3:DeleteObject","Resource":"arn:aws:s3:::invoices/*"}]}`}},
			req:      ask("s3:GetObject", invoice),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "S3", Index: 0}},
			reason:   `allowed: statement "S3" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf"`,
		},
		{
			name:     "an Allow and a Deny in one policy: the Deny trumps",
			cite:     citeDenyTrumps,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:*","Resource":"*"},{"Effect":"Deny","Action":"sqs:SendMessage","Resource":"*"}]}`}},
			req:      ask("sqs:SendMessage", queue),
			want:     policy.ExplicitDeny,
			refs:     []policy.StatementRef{{Policy: appPolicy, Index: 1}},
			reason:   `explicitly denied: Statement[1] of policy arn:aws:iam::111122223333:policy/app denies sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs", which overrides the Allow in Statement[0] of policy arn:aws:iam::111122223333:policy/app`,
		},
		// Implicit deny.
		{
			name:     "no statement applies: implicit deny, with the closest Allow",
			cite:     citeImplicit,
			policies: []pol{allowInvoices},
			req:      ask("s3:PutObject", invoice),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows s3:PutObject on "arn:aws:s3:::invoices/2026/03/a.pdf"; the closest, statement "ReadInvoices" of policy arn:aws:iam::111122223333:policy/app, allows action "s3:GetObject"; the request is for "s3:PutObject"`,
		},
		{
			name:   "a role without policies is denied everything",
			cite:   citeDefaultDeny,
			req:    ask("sqs:SendMessage", queue),
			want:   policy.ImplicitDeny,
			reason: `implicitly denied: the role has no identity policies, so nothing allows sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs"`,
		},
		// NotAction and NotResource.
		{
			name:     "NotAction with Allow allows every action not listed",
			cite:     citeNotActionAllow,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"AllButIAM","Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`}},
			req:      ask("sqs:SendMessage", queue),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "AllButIAM"}},
			reason:   `allowed: statement "AllButIAM" of policy arn:aws:iam::111122223333:policy/app allows sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs"`,
		},
		{
			name:     "NotAction with Allow does not allow a listed action",
			cite:     citeNotActionAllow,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"AllButIAM","Effect":"Allow","NotAction":"iam:*","Resource":"*"}]}`}},
			req:      ask("iam:CreateUser", "arn:aws:iam::111122223333:user/x"),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows iam:CreateUser on "arn:aws:iam::111122223333:user/x"; the closest, statement "AllButIAM" of policy arn:aws:iam::111122223333:policy/app, excludes action "iam:*" with NotAction; the request is for "iam:CreateUser"`,
		},
		{
			name:     "NotAction with Deny denies every action not listed",
			cite:     citeNotActionDeny,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"OnlyS3","Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}`}},
			req:      ask("sqs:SendMessage", queue),
			want:     policy.ExplicitDeny,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "OnlyS3", Index: 1}},
			reason:   `explicitly denied: statement "OnlyS3" of policy arn:aws:iam::111122223333:policy/app denies sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs", which overrides the Allow in statement "All" of policy arn:aws:iam::111122223333:policy/app`,
		},
		{
			name:     "NotAction with Deny leaves a listed action to the Allow",
			cite:     citeNotActionDeny,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"OnlyS3","Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}`}},
			req:      ask("s3:GetObject", invoice),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "All"}},
			reason:   `allowed: statement "All" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf"`,
		},
		{
			name:     "NotResource allows every resource except those listed",
			cite:     citeNotResource,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"NotSecrets","Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secrets/*"}]}`}},
			req:      ask("s3:GetObject", invoice),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "NotSecrets"}},
			reason:   `allowed: statement "NotSecrets" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf"`,
		},
		{
			name:     "NotResource does not allow a listed resource",
			cite:     citeNotResource,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"NotSecrets","Effect":"Allow","Action":"s3:GetObject","NotResource":"arn:aws:s3:::secrets/*"}]}`}},
			req:      ask("s3:GetObject", "arn:aws:s3:::secrets/db"),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows s3:GetObject on "arn:aws:s3:::secrets/db"; the closest, statement "NotSecrets" of policy arn:aws:iam::111122223333:policy/app, excludes resource "arn:aws:s3:::secrets/*" with NotResource; the request is for "arn:aws:s3:::secrets/db"`,
		},
		// Wildcards and case.
		{
			name:     "s3:Get* allows s3:GetObject",
			cite:     citeActionWildcard,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::invoices/*"}]}`}},
			req:      ask("s3:GetObject", invoice),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Read"}},
			reason:   `allowed: statement "Read" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf"`,
		},
		{
			name:     `"*" allows every action`,
			cite:     citeActionWildcard,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Admin","Effect":"Allow","Action":"*","Resource":"*"}]}`}},
			req:      ask("kms:Decrypt", "arn:aws:kms:us-east-1:111122223333:key/k"),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Admin"}},
			reason:   `allowed: statement "Admin" of policy arn:aws:iam::111122223333:policy/app allows kms:Decrypt on "arn:aws:kms:us-east-1:111122223333:key/k"`,
		},
		{
			name:     "action names match case-insensitively",
			cite:     citeActionCase,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"S3:getobject","Resource":"arn:aws:s3:::invoices/*"}]}`}},
			req:      ask("s3:GetObject", invoice),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Read"}},
			reason:   `allowed: statement "Read" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf"`,
		},
		{
			name:     "resources match case-sensitively",
			cite:     citeResourceCase,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Bob","Effect":"Allow","Action":"iam:GetUser","Resource":"arn:aws:iam::111122223333:user/bob"}]}`}},
			req:      ask("iam:GetUser", "arn:aws:iam::111122223333:user/Bob"),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows iam:GetUser on "arn:aws:iam::111122223333:user/Bob"; the closest, statement "Bob" of policy arn:aws:iam::111122223333:policy/app, covers resource "arn:aws:iam::111122223333:user/bob"; the request is for "arn:aws:iam::111122223333:user/Bob"`,
		},
		{
			name:     `"?" is one character and "*" crosses "/"`,
			cite:     citeResourceWild,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Year","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices/202?/*"}]}`}},
			req:      ask("s3:GetObject", invoice),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Year"}},
			reason:   `allowed: statement "Year" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf"`,
		},
		{
			name:     `"?" is not two characters`,
			cite:     citeResourceWild,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Year","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices/20?/*"}]}`}},
			req:      ask("s3:GetObject", invoice),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf"; the closest, statement "Year" of policy arn:aws:iam::111122223333:policy/app, covers resource "arn:aws:s3:::invoices/20?/*"; the request is for "arn:aws:s3:::invoices/2026/03/a.pdf"`,
		},
		// Questions with wildcards.
		{
			name:     "a question about every object under invoices/ is covered by invoices/*",
			cite:     citeResourceWild,
			policies: []pol{allowInvoices},
			req:      ask("s3:GetObject", "arn:aws:s3:::invoices/*"),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "ReadInvoices"}},
			reason:   `allowed: statement "ReadInvoices" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/*"`,
		},
		{
			name:     "invoices/2026/* covers only part of invoices/*",
			cite:     citeResourceWild,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"ThisYear","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices/2026/*"}]}`}},
			req:      ask("s3:GetObject", "arn:aws:s3:::invoices/*"),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows s3:GetObject on "arn:aws:s3:::invoices/*"; the closest, statement "ThisYear" of policy arn:aws:iam::111122223333:policy/app, covers resource "arn:aws:s3:::invoices/2026/*", only part of "arn:aws:s3:::invoices/*"`,
		},
		{
			name:     "a Deny on part of the question may deny it",
			cite:     citeDenyOverrides,
			policies: []pol{allowS3All, {guardPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"NoOld","Effect":"Deny","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices/2019/*"}]}`}},
			req:      ask("s3:GetObject", "arn:aws:s3:::invoices/*"),
			want:     policy.Unknown,
			refs:     []policy.StatementRef{{Policy: guardPolicy, Sid: "NoOld"}},
			reason:   `undetermined: statement "S3" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/*", but statement "NoOld" of policy arn:aws:iam::111122223333:policy/guard may deny it: it denies resource "arn:aws:s3:::invoices/2019/*", only part of "arn:aws:s3:::invoices/*"`,
		},
		{
			name:     "s3:GetObject is only part of s3:Get*",
			cite:     citeActionWildcard,
			policies: []pol{allowInvoices},
			req:      ask("s3:Get*", "arn:aws:s3:::invoices/a"),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows s3:Get* on "arn:aws:s3:::invoices/a"; the closest, statement "ReadInvoices" of policy arn:aws:iam::111122223333:policy/app, allows action "s3:GetObject", only part of "s3:Get*"`,
		},
		{
			name:     "a question without a resource is allowed by a statement on every resource",
			cite:     citeExplicitAllow,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`}},
			req:      ask("sqs:SendMessage", ""),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Send"}},
			reason:   `allowed: statement "Send" of policy arn:aws:iam::111122223333:policy/app allows sqs:SendMessage`,
		},
		{
			name:     "a question without a resource is undetermined by a statement on named resources",
			cite:     citeExplicitAllow,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"` + queue + `"}]}`}},
			req:      ask("sqs:SendMessage", ""),
			want:     policy.Unknown,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Send"}},
			reason:   `undetermined: statement "Send" of policy arn:aws:iam::111122223333:policy/app may allow sqs:SendMessage: it allows it only on "arn:aws:sqs:us-east-1:111122223333:jobs"; name the resource with --can sqs:SendMessage=RESOURCE`,
		},
		// Conditions on missing keys.
		{
			name:     "StringEquals on a key the request lacks does not match",
			cite:     citeMissingKey,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Team","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/team":"payments"}}}]}`}},
			req:      ask("sqs:SendMessage", queue),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs"; the closest, statement "Team" of policy arn:aws:iam::111122223333:policy/app, requires aws:PrincipalTag/team StringEquals "payments"; the request has no aws:PrincipalTag/team`,
		},
		{
			name:     "StringEqualsIfExists on a key the request lacks matches",
			cite:     citeIfExists,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Team","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEqualsIfExists":{"aws:PrincipalTag/team":"payments"}}}]}`}},
			req:      ask("sqs:SendMessage", queue),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Team"}},
			reason:   `allowed: statement "Team" of policy arn:aws:iam::111122223333:policy/app allows sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs"`,
		},
		{
			name:     `Null "true" matches a key the request lacks`,
			cite:     citeIfExists,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"NoTag","Effect":"Deny","Action":"sqs:*","Resource":"*","Condition":{"Null":{"aws:PrincipalTag/team":"true"}}},{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`}},
			req:      ask("sqs:SendMessage", queue),
			want:     policy.ExplicitDeny,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "NoTag"}},
			reason:   `explicitly denied: statement "NoTag" of policy arn:aws:iam::111122223333:policy/app denies sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs", which overrides the Allow in statement "Send" of policy arn:aws:iam::111122223333:policy/app`,
		},
		{
			name:     `Null "true" does not match a key the request has`,
			cite:     citeIfExists,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"NoTag","Effect":"Deny","Action":"sqs:*","Resource":"*","Condition":{"Null":{"aws:PrincipalTag/team":"true"}}},{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`}},
			req:      policy.Request{Action: "sqs:SendMessage", Resource: queue, Context: map[string][]string{"aws:PrincipalTag/team": {"payments"}}},
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Send", Index: 1}},
			reason:   `allowed: statement "Send" of policy arn:aws:iam::111122223333:policy/app allows sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs"`,
		},
		{
			name:     "a Deny on aws:SourceIp, which the input cannot know, makes an allow unknown, not denied",
			cite:     citeDenyOverrides,
			policies: []pol{allowS3All, {"inline:network", `{"Version":"2012-10-17","Statement":[{"Sid":"OfficeOnly","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`}},
			req:      unknownAWS(ask("s3:GetObject", invoice)),
			want:     policy.Unknown,
			refs:     []policy.StatementRef{{Policy: "inline:network", Sid: "OfficeOnly"}},
			reason:   `undetermined: statement "S3" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf", but statement "OfficeOnly" of inline policy "network" may deny it: it tests aws:SourceIp with NotIpAddress, a key the request may carry but this evaluator was not given`,
		},
		{
			name:     "an Allow on a tag the input cannot know is unknown when nothing else allows",
			cite:     citeExplicitAllow,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Team","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"payments"}}}]}`}},
			req:      unknownAWS(ask("sqs:SendMessage", queue)),
			want:     policy.Unknown,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Team"}},
			reason:   `undetermined: statement "Team" of policy arn:aws:iam::111122223333:policy/app may allow sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs": it tests aws:ResourceTag/team with StringEquals, a key the request may carry but this evaluator was not given`,
		},
		{
			name:     "ForAllValues on a key the request lacks matches",
			cite:     citeForAllValues,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Tags","Effect":"Allow","Action":"sqs:TagQueue","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}}]}`}},
			req:      ask("sqs:TagQueue", queue),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Tags"}},
			reason:   `allowed: statement "Tags" of policy arn:aws:iam::111122223333:policy/app allows sqs:TagQueue on "arn:aws:sqs:us-east-1:111122223333:jobs"`,
		},
		{
			name:     "ForAllValues fails when one request value is not listed",
			cite:     citeForAllValues,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Tags","Effect":"Allow","Action":"sqs:TagQueue","Resource":"*","Condition":{"ForAllValues:StringEquals":{"aws:TagKeys":["team","env"]}}}]}`}},
			req:      policy.Request{Action: "sqs:TagQueue", Resource: queue, Context: map[string][]string{"aws:TagKeys": {"team", "owner"}}},
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows sqs:TagQueue on "arn:aws:sqs:us-east-1:111122223333:jobs"; the closest, statement "Tags" of policy arn:aws:iam::111122223333:policy/app, requires aws:TagKeys ForAllValues:StringEquals "team" or "env"; the request has "team" and "owner"`,
		},
		{
			name:     "ForAnyValue on a key the request lacks does not match",
			cite:     citeMissingKey,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Tags","Effect":"Allow","Action":"sqs:TagQueue","Resource":"*","Condition":{"ForAnyValue:StringEquals":{"aws:TagKeys":"team"}}}]}`}},
			req:      ask("sqs:TagQueue", queue),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows sqs:TagQueue on "arn:aws:sqs:us-east-1:111122223333:jobs"; the closest, statement "Tags" of policy arn:aws:iam::111122223333:policy/app, requires aws:TagKeys ForAnyValue:StringEquals "team"; the request has no aws:TagKeys`,
		},
		// Permissions boundaries.
		{
			name:     "identity allows and the boundary allows: allowed",
			cite:     citeBoundaryBoth,
			policies: []pol{allowInvoices},
			boundary: &pol{boundaryPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"S3Only","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`},
			req:      ask("s3:GetObject", invoice),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "ReadInvoices"}, {Policy: boundaryPolicy, Sid: "S3Only"}},
			reason:   `allowed: statement "ReadInvoices" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf", and statement "S3Only" of permissions boundary arn:aws:iam::111122223333:policy/boundary allows it`,
		},
		{
			name:     "identity allows and the boundary is silent: implicitly denied by the boundary",
			cite:     citeBoundaryBoth,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`}},
			boundary: &pol{boundaryPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"S3Only","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`},
			req:      ask("sqs:SendMessage", queue),
			want:     policy.ImplicitDeny,
			blocked:  true,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Send"}},
			reason:   `implicitly denied: statement "Send" of policy arn:aws:iam::111122223333:policy/app allows sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs", but the permissions boundary arn:aws:iam::111122223333:policy/boundary does not allow it`,
		},
		{
			name:     "the boundary allows but no identity policy does: implicitly denied",
			cite:     citeBoundaryNoGrant,
			policies: []pol{allowInvoices},
			boundary: &pol{boundaryPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"SQS","Effect":"Allow","Action":"sqs:*","Resource":"*"}]}`},
			req:      ask("sqs:SendMessage", queue),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs"; the closest, statement "ReadInvoices" of policy arn:aws:iam::111122223333:policy/app, allows action "s3:GetObject"; the request is for "sqs:SendMessage"; and covers resource "arn:aws:s3:::invoices/*"; the request is for "arn:aws:sqs:us-east-1:111122223333:jobs"`,
		},
		{
			name:     "a Deny in the boundary is an explicit deny",
			cite:     citeBoundaryDeny,
			policies: []pol{allowS3All},
			boundary: &pol{boundaryPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"All","Effect":"Allow","Action":"*","Resource":"*"},{"Sid":"NoDelete","Effect":"Deny","Action":"s3:Delete*","Resource":"*"}]}`},
			req:      ask("s3:DeleteObject", invoice),
			want:     policy.ExplicitDeny,
			refs:     []policy.StatementRef{{Policy: boundaryPolicy, Sid: "NoDelete", Index: 1}},
			reason:   `explicitly denied: statement "NoDelete" of permissions boundary arn:aws:iam::111122223333:policy/boundary denies s3:DeleteObject on "arn:aws:s3:::invoices/2026/03/a.pdf", which overrides the Allow in statement "S3" of policy arn:aws:iam::111122223333:policy/app`,
		},
		{
			name:     "a boundary Allow that may apply leaves an identity allow undetermined",
			cite:     citeBoundaryBoth,
			policies: []pol{allowInvoices},
			boundary: &pol{boundaryPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Tagged","Effect":"Allow","Action":"s3:*","Resource":"*","Condition":{"StringEquals":{"aws:PrincipalTag/tier":"app"}}}]}`},
			req:      unknownAWS(ask("s3:GetObject", invoice)),
			want:     policy.Unknown,
			refs:     []policy.StatementRef{{Policy: boundaryPolicy, Sid: "Tagged"}},
			reason:   `undetermined: statement "ReadInvoices" of policy arn:aws:iam::111122223333:policy/app allows s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf", and statement "Tagged" of permissions boundary arn:aws:iam::111122223333:policy/boundary may allow it: it tests aws:PrincipalTag/tier with StringEquals, a key the request may carry but this evaluator was not given`,
		},
		{
			name:     "a boundary that allows nothing like it denies whatever an uncertain identity Allow decides",
			cite:     citeBoundaryBoth,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Team","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"payments"}}}]}`}},
			boundary: &pol{boundaryPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"S3Only","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`},
			req:      unknownAWS(ask("sqs:SendMessage", queue)),
			want:     policy.ImplicitDeny,
			blocked:  true,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Team"}},
			reason:   `implicitly denied: the permissions boundary arn:aws:iam::111122223333:policy/boundary does not allow sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs", whatever statement "Team" of policy arn:aws:iam::111122223333:policy/app decides`,
		},
		{
			name:     "a Deny that may apply does not matter when nothing allows",
			cite:     citeImplicit,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"OfficeOnly","Effect":"Deny","Action":"*","Resource":"*","Condition":{"NotIpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`}},
			req:      unknownAWS(ask("sqs:SendMessage", queue)),
			want:     policy.ImplicitDeny,
			reason:   `implicitly denied: no statement of the role's policy allows sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs"`,
		},
		{
			name:     "an Allow that may apply does not matter when another Allow certainly does",
			cite:     citeExplicitAllow,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Team","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*","Condition":{"StringEquals":{"aws:ResourceTag/team":"payments"}}}]}`}, {"inline:send", `{"Version":"2012-10-17","Statement":[{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"` + queue + `"}]}`}},
			req:      unknownAWS(ask("sqs:SendMessage", queue)),
			want:     policy.Allowed,
			refs:     []policy.StatementRef{{Policy: "inline:send", Sid: "Send"}},
			reason:   `allowed: statement "Send" of inline policy "send" allows sqs:SendMessage on "arn:aws:sqs:us-east-1:111122223333:jobs"`,
		},
		// Managed and inline policies together.
		{
			name:     "an Allow in a managed policy and a Deny in an inline policy: explicit deny naming the inline policy",
			cite:     citeDenyOverrides,
			policies: []pol{allowInvoices, {"inline:freeze", `{"Version":"2012-10-17","Statement":[{"Sid":"Freeze2026","Effect":"Deny","Action":"s3:*","Resource":"arn:aws:s3:::invoices/2026/*"}]}`}},
			req:      ask("s3:GetObject", invoice),
			want:     policy.ExplicitDeny,
			refs:     []policy.StatementRef{{Policy: "inline:freeze", Sid: "Freeze2026"}},
			reason:   `explicitly denied: statement "Freeze2026" of inline policy "freeze" denies s3:GetObject on "arn:aws:s3:::invoices/2026/03/a.pdf", which overrides the Allow in statement "ReadInvoices" of policy arn:aws:iam::111122223333:policy/app`,
		},
		// A resource in another account.
		{
			name:     "an identity allow on another account's resource is undetermined",
			cite:     citeCrossAccount,
			policies: []pol{{appPolicy, `{"Version":"2012-10-17","Statement":[{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"*"}]}`}},
			req:      policy.Request{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:us-east-1:444455556666:shared", Principal: policy.Principal{Type: policy.PrincipalAWS, Value: roleARN}},
			want:     policy.Unknown,
			refs:     []policy.StatementRef{{Policy: appPolicy, Sid: "Send"}},
			reason:   `undetermined: statement "Send" of policy arn:aws:iam::111122223333:policy/app allows sqs:SendMessage on "arn:aws:sqs:us-east-1:444455556666:shared", but the resource is in account 444455556666 and the role in 111122223333, so the resource's own policy must allow it too, and it is not in the input`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.HasPrefix(tt.cite, "IAM ") {
				t.Fatalf("row cites no rule: %q", tt.cite)
			}
			var policies []policy.NamedPolicy
			for _, p := range tt.policies {
				policies = append(policies, named(t, p.name, p.doc))
			}
			var boundary *policy.NamedPolicy
			if tt.boundary != nil {
				b := named(t, tt.boundary.name, tt.boundary.doc)
				boundary = &b
			}
			got := policy.EvaluateIdentity(policies, boundary, tt.req)
			if got.Decision != tt.want || got.BlockedByBoundary != tt.blocked {
				t.Errorf("Decision = %s (blocked %t), want %s (blocked %t)\nrule: %s", got.Decision, got.BlockedByBoundary, tt.want, tt.blocked, tt.cite)
			}
			if !slices.Equal(got.Statements, tt.refs) {
				t.Errorf("Statements = %+v\nwant %+v", got.Statements, tt.refs)
			}
			if got.Reason != tt.reason {
				t.Errorf("Reason:\n got %s\nwant %s", got.Reason, tt.reason)
			}
			var caveats []string
			switch {
			case got.Decision == policy.Allowed:
				caveats = []string{policy.CaveatUnevaluatedDeny}
			case got.Decision == policy.ImplicitDeny && !got.BlockedByBoundary:
				caveats = []string{policy.CaveatResourcePolicyAllow}
			}
			if !slices.Equal(got.Caveats, caveats) {
				t.Errorf("Caveats = %q, want %q", got.Caveats, caveats)
			}
			if len(got.Identity) != len(policies) || (boundary != nil) != (got.Boundary != nil) {
				t.Errorf("%d identity results and boundary %v for %d policies and boundary %v", len(got.Identity), got.Boundary != nil, len(policies), boundary != nil)
			}
		})
	}
}

// A concrete request evaluates as Document.Evaluate does, policy by policy:
// the question semantics only differ for patterns.
func TestEvaluateIdentityAgreesWithEvaluate(t *testing.T) {
	docs := []string{
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::invoices/*"},{"Effect":"Deny","NotAction":"s3:*","Resource":"*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","NotAction":"iam:*","NotResource":"arn:aws:s3:::secrets/*"}]}`,
		`{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:*:111122223333:jobs-?"}]}`,
	}
	reqs := []policy.Request{
		ask("s3:GetObject", invoice), ask("s3:PutObject", invoice), ask("sqs:SendMessage", queue),
		ask("sqs:SendMessage", "arn:aws:sqs:us-east-1:111122223333:jobs-1"), ask("s3:GetObject", "arn:aws:s3:::secrets/x"),
		ask("iam:GetRole", "arn:aws:iam::111122223333:role/x"),
	}
	for _, text := range docs {
		p := named(t, appPolicy, text)
		for _, r := range reqs {
			want := p.Doc.Evaluate(r).Decision
			if got := policy.EvaluateIdentity([]policy.NamedPolicy{p}, nil, r).Decision; got != want {
				t.Errorf("%s on %s under %s: EvaluateIdentity %s, Evaluate %s", r.Action, r.Resource, text, got, want)
			}
		}
	}
}

// FuzzEvaluateIdentity: any parsed policy, used as identity policy and as
// boundary, with any question, gives a known decision with a reason, and
// refs only to statements that exist.
func FuzzEvaluateIdentity(f *testing.F) {
	f.Add(`{"Version":"2012-10-17","Statement":[{"Sid":"A","Effect":"Allow","Action":"s3:Get*","Resource":"arn:aws:s3:::invoices/*"},{"Effect":"Deny","NotAction":"s3:*","NotResource":"arn:aws:s3:::${aws:username}/*","Condition":{"IpAddress":{"aws:SourceIp":"192.0.2.0/24"}}}]}`, "s3:GetObject=arn:aws:s3:::invoices/*")
	f.Add(`{"Statement":{"Effect":"Allow","Action":"*","Resource":"*"}}`, "sqs:Send?essage")
	f.Fuzz(func(t *testing.T, text, question string) {
		d, err := policy.ParseDocument(text)
		if err != nil {
			return
		}
		q, err := policy.ParseQuestion(question)
		if err != nil {
			return
		}
		p := policy.NamedPolicy{Name: appPolicy, Doc: d}
		b := policy.NamedPolicy{Name: boundaryPolicy, Doc: d}
		for _, boundary := range []*policy.NamedPolicy{nil, &b} {
			res := policy.EvaluateIdentity([]policy.NamedPolicy{p}, boundary, q.Request())
			switch res.Decision {
			case policy.Allowed, policy.ImplicitDeny, policy.ExplicitDeny, policy.Unknown:
			default:
				t.Fatalf("Decision = %q", res.Decision)
			}
			if res.Reason == "" {
				t.Fatal("empty reason")
			}
			for _, r := range res.Statements {
				if r.Index < 0 || r.Index >= len(d.Statements) || r.Sid != d.Statements[r.Index].Sid {
					t.Fatalf("ref %+v names no statement", r)
				}
			}
			_ = policy.NearMisses([]policy.NamedPolicy{p}, q.Request())
		}
	})
}
