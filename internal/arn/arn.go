package arn

import (
	"fmt"
	"strconv"
	"strings"
)

// ARN is arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE.
type ARN struct {
	Partition string
	Service   string
	Region    string
	Account   string
	// Resource is everything after the fifth colon; it may hold colons and
	// slashes of its own (role/path/name, assumed-role/name/session).
	Resource string
}

// String renders the ARN; Parse(a.String()) returns a again.
func (a ARN) String() string {
	return "arn:" + a.Partition + ":" + a.Service + ":" + a.Region + ":" + a.Account + ":" + a.Resource
}

// Error says what is wrong with a value that should have been an ARN.
type Error struct {
	// Input is the value as given.
	Input string
	// Want names what was expected: "ARN", "IAM role ARN", ...
	Want string
	// Reason says what is wrong, as a clause that completes
	// "... is not a valid IAM role ARN: ": lower case, no final period.
	Reason string
	// Suggestion is the corrected value when the correction is unambiguous
	// (surrounding quotes or whitespace, invisible characters removed) and
	// the result is valid; "" otherwise.
	Suggestion string
}

func (e *Error) Error() string {
	return fmt.Sprintf("%s is not a valid %s: %s", strconv.Quote(e.Input), e.Want, e.Reason)
}

// Parse parses and validates an ARN of any service. The account must be
// empty (S3 buckets), "aws" (AWS-managed policies) or 12 digits; the
// partition must be one of Partitions().
func Parse(s string) (ARN, error) {
	return run(s, "ARN", split)
}

// run applies the checks every ARN kind shares, then v. Surface problems
// (quotes, surrounding whitespace, invisible characters) come first: they
// are the usual copy-paste accidents, and when removing them leaves a valid
// value, that value is the suggestion.
func run[T any](s, want string, v func(string) (T, string)) (T, error) {
	var zero T
	if s == "" {
		return zero, &Error{Input: s, Want: want, Reason: "it is empty"}
	}
	clean, surface := cleanSurface(s)
	if surface != "" && clean == "" {
		if strings.HasPrefix(surface, "is only") {
			return zero, &Error{Input: s, Want: want, Reason: "it " + surface}
		}
		return zero, &Error{Input: s, Want: want, Reason: "it " + surface + " and holds nothing else"}
	}
	if r := badChar(clean); r != "" {
		return zero, &Error{Input: s, Want: want, Reason: join(surface, r)}
	}
	t, r := v(clean)
	if r != "" {
		return zero, &Error{Input: s, Want: want, Reason: join(surface, r)}
	}
	if surface != "" {
		return zero, &Error{Input: s, Want: want, Reason: "it " + surface, Suggestion: clean}
	}
	return t, nil
}

// join puts a surface problem and a structural one in one sentence.
func join(surface, reason string) string {
	if surface == "" {
		return reason
	}
	return "it " + surface + "; also, " + reason
}

// split checks the structure shared by every ARN.
func split(s string) (ARN, string) {
	if !strings.HasPrefix(s, "arn:") {
		if len(s) >= 4 && strings.EqualFold(s[:4], "arn:") {
			return ARN{}, fmt.Sprintf("it starts with %q; ARNs start with lower-case \"arn:\"", s[:4])
		}
		return ARN{}, "it is not an ARN: an ARN starts with \"arn:\""
	}
	parts := strings.SplitN(s, ":", 6)
	if len(parts) < 6 {
		return ARN{}, fmt.Sprintf("it has %d colon-separated fields; an ARN has 6 (arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE)", len(parts))
	}
	a := ARN{Partition: parts[1], Service: parts[2], Region: parts[3], Account: parts[4], Resource: parts[5]}
	if r := partitionReason(a.Partition); r != "" {
		return ARN{}, r
	}
	switch {
	case a.Service == "":
		return ARN{}, "the service (the third field) is empty"
	case !IsName(a.Service):
		return ARN{}, fmt.Sprintf("the service %q is not a service name (lower-case letters, digits and hyphens)", a.Service)
	case a.Region != "" && !IsName(a.Region):
		return ARN{}, fmt.Sprintf("the region %q is not a region name (lower-case letters, digits and hyphens)", a.Region)
	}
	if a.Account != "" && a.Account != "aws" {
		if r := accountReason(a.Account); r != "" {
			return ARN{}, r
		}
	}
	if a.Resource == "" {
		return ARN{}, "the resource (the sixth field) is empty"
	}
	return a, ""
}

// IsName reports a non-empty run of lower-case letters, digits and hyphens:
// the shape of service and region names.
func IsName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// IsAccountID reports a 12-digit AWS account ID.
func IsAccountID(s string) bool { return accountReason(s) == "" }

// accountReason says why s is not a 12-digit account ID, or "".
func accountReason(s string) string {
	if s == "" {
		return "the account ID is empty"
	}
	digits, other := 0, false
	var bare strings.Builder
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case '0' <= c && c <= '9':
			digits++
			bare.WriteByte(c)
		case c == '-' || c == ' ':
		default:
			other = true
		}
	}
	switch {
	case !other && digits == len(s) && digits == 12:
		return ""
	case !other && digits == len(s):
		return fmt.Sprintf("the account ID %q has %d digits; an AWS account ID has exactly 12", s, digits)
	case !other && digits == 12:
		// The console shows account IDs as 1111-2222-3333.
		return fmt.Sprintf("the account ID %q contains separators; an account ID is 12 digits without them (%s)", s, bare.String())
	case digits == 0:
		return fmt.Sprintf("the account ID %q is not a 12-digit number (an account alias cannot be used in an ARN)", s)
	}
	return fmt.Sprintf("the account ID %q is not a 12-digit number", s)
}
