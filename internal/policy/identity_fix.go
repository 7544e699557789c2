package policy

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
)

// AllowStatementFor is the smallest identity policy that allows exactly one
// action on one resource:
//
//	{"Version":"2012-10-17","Statement":[{"Sid":"AllowS3GetObject","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices/a.pdf"}]}
//
// rendered as the package renders every policy (two-space indent). It
// refuses what would grant more than the one request or could not be
// pasted: a wildcard in the action or resource (iam:*, sts:*, *:* and the
// like grant every action of a service, or all of AWS), an action that is
// not SERVICE:NAME, and a resource that is not a valid ARN. The policy is
// evaluated before it is returned and must allow the request.
func AllowStatementFor(action, resource string) (string, error) {
	service, name, _ := strings.Cut(action, ":")
	switch {
	case action == "*" || strings.HasPrefix(action, "*:"):
		return "", fmt.Errorf("refusing an Allow for action %q: it would allow every action of every service; name one action, e.g. s3:GetObject", action)
	case (service == "iam" || service == "sts") && strings.ContainsAny(name, "*?"):
		return "", fmt.Errorf("refusing an Allow for action %q: a wildcard over %s actions lets the role grant itself more; name the one action the pod calls", action, service)
	case strings.ContainsAny(action, "*?"):
		return "", fmt.Errorf("refusing an Allow for action %q: a wildcard allows more than the request; name the one action the pod calls, e.g. s3:GetObject", action)
	}
	if why := actionSyntax(action, false); why != "" {
		return "", errors.New("allow statement: " + why)
	}
	switch {
	case resource == "" || resource == "*":
		return "", fmt.Errorf("refusing an Allow on resource %q: name the one resource ARN the pod uses", resource)
	case strings.ContainsAny(resource, "*?"):
		return "", fmt.Errorf("refusing an Allow on resource %q: a wildcard allows more than the request; name the one resource ARN the pod uses", resource)
	}
	if _, err := arn.Parse(resource); err != nil {
		return "", fmt.Errorf("allow statement: %w", err)
	}
	if why := resourceSyntax(resource); why != "" {
		return "", errors.New("allow statement: " + why)
	}

	tree := object(
		member{"Version", str(Version2012)},
		member{"Statement", array(object(
			member{"Sid", str("Allow" + sidWord(service) + sidWord(name))},
			member{"Effect", str("Allow")},
			member{"Action", str(action)},
			member{"Resource", str(resource)},
		))},
	)
	text, err := tree.render()
	if err != nil {
		return "", err
	}
	doc, err := ParseDocument(text)
	if err != nil {
		return "", fmt.Errorf("allow statement: the policy written does not parse: %w", err)
	}
	check := EvaluateIdentity([]NamedPolicy{{Name: InlinePrefix + "fix", Doc: doc}}, nil, Request{Action: action, Resource: resource})
	if check.Decision != Allowed {
		return "", fmt.Errorf("allow statement: the policy written does not allow %s: %s", Request{Action: action, Resource: resource}.describe(), check.Reason)
	}
	return text, nil
}

// sidWord is s as a Sid word: letters and digits only (IAM: "the Sid
// element supports ASCII uppercase letters (A-Z), lowercase letters (a-z),
// and numbers (0-9)"), its first letter and each letter after a hyphen in
// upper case: "s3" → "S3", "secrets-manager" → "SecretsManager".
func sidWord(s string) string {
	var b strings.Builder
	up := true
	for _, r := range s {
		switch {
		case r == '-':
			up = true
		case 'a' <= r && r <= 'z' && up:
			b.WriteRune(r - 'a' + 'A')
			up = false
		case 'a' <= r && r <= 'z', 'A' <= r && r <= 'Z', '0' <= r && r <= '9':
			b.WriteRune(r)
			up = false
		}
	}
	return b.String()
}

// NearMissKind classifies how an Allow statement's resource misses the
// request's.
type NearMissKind string

const (
	// MissingObjectWildcard: the statement names an S3 bucket, the request
	// an object in it; the statement needs BUCKET/*.
	MissingObjectWildcard NearMissKind = "missing-object-wildcard"
	// OtherRegion, OtherAccount: the ARN differs from the request's in
	// that field alone.
	OtherRegion  NearMissKind = "different-region"
	OtherAccount NearMissKind = "different-account"
	// OtherBucket: an S3 ARN naming another bucket.
	OtherBucket NearMissKind = "different-bucket"
	// OtherName: the same resource type, another name.
	OtherName NearMissKind = "different-name"
	// OtherResourceType: the same service, another resource type
	// (table/ and index/, queue and topic, ...).
	OtherResourceType NearMissKind = "different-resource-type"
)

// nearRank orders the kinds from the smallest edit to the largest.
var nearRank = map[NearMissKind]int{MissingObjectWildcard: 0, OtherRegion: 1, OtherAccount: 2, OtherBucket: 3, OtherName: 4, OtherResourceType: 5}

// NearMiss is an Allow statement whose Action covers the request and whose
// Resource misses it by one part.
type NearMiss struct {
	Statement StatementRef
	// Resource is the statement's Resource value that came closest.
	Resource string
	Kind     NearMissKind
	// Why is a clause for the user: `missing "/*" (the statement names the
	// bucket "invoices", the request an object in it)`.
	Why string
	// Distance is the edit distance between the names for OtherBucket and
	// OtherName, 0 otherwise.
	Distance int
	// Fixed is Resource with the missing part changed so that it covers
	// the request ("" for OtherResourceType, where a new statement is the
	// better fix).
	Fixed string
}

// NearMisses lists, for a request the identity policies implicitly deny,
// the Allow statements whose Action (not NotAction) covers the request's
// action and whose Resource (not NotResource) misses its resource, each
// with how it misses; the smallest edits first (missing "/*", region,
// account, bucket, name, then resource type; then edit distance; then
// policy and statement order). Conditions are not considered: a statement
// listed here may still fail on one. Nil when the request names no
// resource.
func NearMisses(policies []NamedPolicy, req Request) []NearMiss {
	if req.Resource == "" {
		return nil
	}
	var out []NearMiss
	for _, p := range policies {
		variables := p.Doc.Version == Version2012
		for i := range p.Doc.Statements {
			s := &p.Doc.Statements[i]
			if s.Effect != Allow || s.NotAction || !s.HasResource || s.NotResource {
				continue
			}
			if questionAction(s, req.Action).Outcome != Match || questionResource(s, req.Action, req.Resource, variables).Outcome != NoMatch {
				continue
			}
			var best *NearMiss
			for _, r := range s.Resources {
				if _, v := compile(r, true, variables); v != "" {
					continue
				}
				m, ok := nearMiss(r, req.Resource)
				if ok && (best == nil || nearRank[m.Kind] < nearRank[best.Kind] || nearRank[m.Kind] == nearRank[best.Kind] && m.Distance < best.Distance) {
					best = &m
				}
			}
			if best != nil {
				best.Statement = StatementRef{Policy: p.Name, Sid: s.Sid, Index: s.Index}
				out = append(out, *best)
			}
		}
	}
	slices.SortStableFunc(out, func(a, b NearMiss) int {
		if d := nearRank[a.Kind] - nearRank[b.Kind]; d != 0 {
			return d
		}
		return a.Distance - b.Distance
	})
	return out
}

// coversResource reports whether the resource pattern covers the request's
// resource (itself a pattern for a question).
func coversResource(pattern, resource string) bool {
	pieces, _ := compile(pattern, true, false)
	return relate(pieces, resource, false) == covered
}

// nearMiss classifies how the ARN pattern misses resource; ok is false
// when it is not one edit away (another partition or service, or not an
// ARN).
func nearMiss(pattern, resource string) (NearMiss, bool) {
	pp, rp := strings.SplitN(pattern, ":", 6), strings.SplitN(resource, ":", 6)
	if len(pp) != 6 || len(rp) != 6 || pp[0] != "arn" || rp[0] != "arn" {
		return NearMiss{}, false
	}
	if !coversResource(pp[1], rp[1]) || !coversResource(pp[2], rp[2]) {
		return NearMiss{}, false
	}
	with := func(field int, v string) string {
		q := slices.Clone(pp)
		q[field] = v
		return strings.Join(q, ":")
	}
	m := NearMiss{Resource: pattern}
	pres, rres := pp[5], rp[5]
	if pp[2] == "s3" {
		pBucket, pKey, pHasKey := strings.Cut(pres, "/")
		rBucket, _, rHasKey := strings.Cut(rres, "/")
		if !pHasKey && rHasKey && coversResource(pattern+"/*", resource) {
			m.Kind, m.Fixed = MissingObjectWildcard, pattern+"/*"
			m.Why = fmt.Sprintf(`missing "/*" (the statement names the bucket %s, the request an object in it)`, quote(pBucket))
			return m, true
		}
		if pBucket != rBucket && pHasKey == rHasKey {
			fixed := rBucket
			if pHasKey {
				fixed += "/" + pKey
			}
			if f := with(5, fixed); coversResource(f, resource) {
				m.Kind, m.Fixed = OtherBucket, f
				m.Distance = OSADistance(pBucket, rBucket, max(len(pBucket), len(rBucket)))
				m.Why = fmt.Sprintf("different bucket name (closest: %s, edit distance %d; the request is for bucket %s)", quote(pBucket), m.Distance, quote(rBucket))
				return m, true
			}
		}
	}
	if pp[3] != rp[3] {
		if f := with(3, rp[3]); coversResource(f, resource) {
			m.Kind, m.Fixed = OtherRegion, f
			m.Why = fmt.Sprintf("different region (the statement names %s, the request %s)", quote(pp[3]), quote(rp[3]))
			return m, true
		}
	}
	if pp[4] != rp[4] {
		if f := with(4, rp[4]); coversResource(f, resource) {
			m.Kind, m.Fixed = OtherAccount, f
			m.Why = fmt.Sprintf("different account (the statement names %s, the request %s)", quote(pp[4]), quote(rp[4]))
			return m, true
		}
	}
	if !coversResource(strings.Join(pp[:5], ":"), strings.Join(rp[:5], ":")) {
		return NearMiss{}, false // two fields differ
	}
	pType, rType := resourceType(pres), resourceType(rres)
	if pp[2] != "s3" && pType != rType {
		m.Kind = OtherResourceType
		m.Why = fmt.Sprintf("different resource type (the statement names %s, the request %s)", quote(pType), quote(rType))
		return m, true
	}
	if pp[2] == "s3" {
		return NearMiss{}, false
	}
	m.Kind, m.Fixed = OtherName, with(5, rres)
	m.Distance = OSADistance(pres, rres, max(len(pres), len(rres)))
	m.Why = fmt.Sprintf("different name (closest: %s, edit distance %d)", quote(pres), m.Distance)
	return m, true
}

// resourceType is the type prefix of an ARN's resource part: what comes
// before its first "/" or ":" ("table" of "table/orders"), "" for a bare
// name (SQS queues, SNS topics).
func resourceType(res string) string {
	if i := strings.IndexAny(res, "/:"); i >= 0 {
		return res[:i]
	}
	return ""
}
