package policy

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
)

// Question is "can this role do ACTION on RESOURCE?", as a user writes it:
// ACTION[=RESOURCE]. Both may hold the wildcards "*" and "?", which stand
// for every value they match: "s3:Get*" asks about every s3:Get action,
// "arn:aws:s3:::invoices/*" about every object under invoices/.
type Question struct {
	Action string // "s3:GetObject", "s3:Get*"
	// Resource is "*", an ARN or an ARN pattern; "" when the question
	// names none (then it is about some resource the question does not
	// say).
	Resource string
}

func (q Question) String() string {
	if q.Resource == "" {
		return q.Action
	}
	return q.Action + "=" + q.Resource
}

// Request is the question as a request to EvaluateIdentity. Every
// condition key is unknown to it (UnknownKeys "*"): a condition on
// aws:SourceIp, a tag or any other key makes the statement Uncertain
// rather than being evaluated as absent. A caller that knows some keys
// (aws:PrincipalArn, ...) adds them to Context, and sets Principal to the
// role's ARN (type AWS) so that EvaluateIdentity recognises a resource in
// another account.
func (q Question) Request() Request {
	return Request{Action: q.Action, Resource: q.Resource, UnknownKeys: []string{"*"}}
}

// ParseQuestion parses ACTION[=RESOURCE]. ACTION is SERVICE:NAME with
// SERVICE of lower-case letters, digits and hyphens and NAME of letters,
// digits, "*" and "?"; RESOURCE is "*" or an ARN
// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE checked for syntax only
// (a known partition, a service name, a region and account that are empty,
// a name or a pattern, a non-empty resource; S3 bucket and object ARNs
// have an empty region and account). The error is one line naming the bad
// part and what to write instead.
func ParseQuestion(s string) (Question, error) {
	action, resource, hasResource := strings.Cut(s, "=")
	if why := actionSyntax(action, true); why != "" {
		return Question{}, fmt.Errorf("question %q: %s", s, why)
	}
	if hasResource {
		if resource == "" {
			return Question{}, fmt.Errorf(`question %q: the resource after "=" is empty; write ACTION=RESOURCE with an ARN or "*", or the action alone`, s)
		}
		if why := resourceSyntax(resource); why != "" {
			return Question{}, fmt.Errorf("question %q: %s", s, why)
		}
	}
	return Question{Action: action, Resource: resource}, nil
}

// actionSyntax says why a is not SERVICE:NAME, or "". wildcards admits
// "*" and "?" in NAME.
func actionSyntax(a string, wildcards bool) string {
	const want = "write SERVICE:ACTION, e.g. s3:GetObject"
	if a == "" {
		return "the action is empty; " + want
	}
	service, name, ok := strings.Cut(a, ":")
	switch {
	case !ok:
		return fmt.Sprintf("the action %q has no service prefix; %s", a, want)
	case service == "":
		return fmt.Sprintf("the action %q has an empty service before the colon; %s", a, want)
	case strings.ContainsAny(service, "*?"):
		return fmt.Sprintf("the service %q of the action holds a wildcard, which IAM does not allow there; %s", service, want)
	case !arn.IsName(service):
		return fmt.Sprintf("the service %q of the action is not a service name (lower-case letters, digits and hyphens); %s", service, want)
	case name == "":
		return fmt.Sprintf("the action %q has no action name after the colon; %s", a, want)
	}
	for _, r := range name {
		switch {
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
		case (r == '*' || r == '?') && wildcards:
		case r == '*' || r == '?':
			return fmt.Sprintf("the action %q holds the wildcard %q; name one action, e.g. s3:GetObject", a, r)
		default:
			return fmt.Sprintf("the action name %q holds %q; an action name has only letters and digits (and * or ? as wildcards); %s", name, r, want)
		}
	}
	return ""
}

// s3Typed are the S3 resource types whose ARNs name a region and account
// (access points, Batch Operations jobs, Storage Lens); bucket and object
// ARNs have neither (IAM User Guide, "IAM identifiers"; Amazon S3 User
// Guide, "Policy resources for Amazon S3").
var s3Typed = []string{"accesspoint/", "job/", "storage-lens/", "storage-lens-group/", "access-grants/", "outpost/", "async-request/"}

// resourceSyntax says why r is neither "*" nor an ARN (or ARN pattern), or
// "".
func resourceSyntax(r string) string {
	const want = "write an ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (e.g. arn:aws:s3:::my-bucket/*) or \"*\""
	if r == "*" {
		return ""
	}
	for i, c := range r {
		if c <= ' ' || c > '~' {
			return fmt.Sprintf("the resource %q holds %q after %q; an ARN has only printable ASCII without spaces", r, c, r[:i])
		}
	}
	if !strings.HasPrefix(r, "arn:") {
		return fmt.Sprintf("the resource %q is not an ARN; %s", r, want)
	}
	parts := strings.SplitN(r, ":", 6)
	if len(parts) < 6 {
		return fmt.Sprintf("the resource %q has %d colon-separated fields, an ARN 6; %s", r, len(parts), want)
	}
	partition, service, region, account, res := parts[1], parts[2], parts[3], parts[4], parts[5]
	switch {
	case !arn.KnownPartition(partition):
		return fmt.Sprintf("the partition %q of the resource is not one of %s; %s", partition, strings.Join(arn.Partitions(), ", "), want)
	case !arn.IsName(service):
		return fmt.Sprintf("the service %q of the resource ARN is not a service name (lower-case letters, digits and hyphens; no wildcard); %s", service, want)
	case region != "" && !patternOf(region, "abcdefghijklmnopqrstuvwxyz0123456789-"):
		return fmt.Sprintf("the region %q of the resource ARN is not a region name such as us-east-1; %s", region, want)
	case account != "" && account != "aws" && !accountPattern(account):
		return fmt.Sprintf("the account %q of the resource ARN is not a 12-digit account ID; %s", account, want)
	case res == "":
		return fmt.Sprintf("the resource %q has nothing after the account field; %s", r, want)
	}
	if service == "s3" && (region != "" || account != "") {
		typed := false
		for _, p := range s3Typed {
			typed = typed || strings.HasPrefix(res, p)
		}
		if !typed {
			return fmt.Sprintf("the S3 ARN %q names a region or account; bucket and object ARNs leave both empty: arn:%s:s3:::%s", r, partition, res)
		}
	}
	return ""
}

// patternOf reports a non-empty s of allowed characters and wildcards.
func patternOf(s, allowed string) bool {
	if s == "" {
		return false
	}
	for _, c := range s {
		if c != '*' && c != '?' && !strings.ContainsRune(allowed, c) {
			return false
		}
	}
	return true
}

// accountPattern reports 12 digits, or digits and wildcards that can
// stand for 12 digits.
func accountPattern(s string) bool {
	if !patternOf(s, "0123456789") {
		return false
	}
	if !strings.ContainsAny(s, "*?") {
		return len(s) == 12
	}
	fixed := len(s) - strings.Count(s, "*")
	return fixed <= 12 && (strings.Contains(s, "*") || fixed == 12)
}
