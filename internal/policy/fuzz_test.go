package policy_test

import (
	"errors"
	"net/url"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

// FuzzParse feeds arbitrary text to ParseDocument and, when it parses,
// evaluates the document for the IRSA, Pod Identity and a generic request.
// Neither may panic; a failure must be a *ParseError; an evaluation must
// return a known decision with one result per statement and a non-empty
// explanation; and re-parsing the decoded JSON must give the same
// statements.
func FuzzParse(f *testing.F) {
	seeds := []string{
		expand(doc(stmt("AllowS3Reader", eksctlCondition))),
		expand(doc(stmt("", `{"StringLike":{"$ISS:sub":"system:serviceaccount:payments:*"},"ForAnyValue:StringNotEqualsIfExists":{"aws:TagKeys":["a","b"]}}`))),
		`{"Version":"2008-10-17","Statement":{"Effect":"Deny","NotPrincipal":{"AWS":"*"},"NotAction":"sts:*","NotResource":"arn:aws:s3:::${aws:username}/*","Condition":{"Null":{"aws:x":true},"NumericLessThan":{"aws:y":3}}}}`,
		`{"Statement":[{"Effect":"Allow","Principal":"*","Action":"*","Condition":{"StringEquals":{"a:b":"${x}"},"StringEquals":{"a:c":"${*}${?}${$}${"}}}]}`,
		url.QueryEscape(expand(doc(stmt("X", eksctlCondition)))),
		`"{\"Statement\":[]}"`,
		`{"Statement":[{"Effect":"Allow","Principal":{"AWS":["111122223333","arn:aws:iam::1:root"]},"Action":"sts:AssumeRole?","Condition":{"Bool":{"aws:SecureTransport":"yes"}}}]}`,
		"%7B%ZZ", "", "{", "[[[[", `{"Statement":[],"Statement":{}}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	requests := []policy.Request{
		irsa(),
		policy.PodIdentityRequest("sts:TagSession"),
		generic(map[string][]string{"aws:TagKeys": {"a", "c"}, "a:b": {"x"}, "aws:x": {""}, "aws:y": {"2"}}),
	}
	f.Fuzz(func(t *testing.T, raw string) {
		d, err := policy.ParseDocument(raw)
		if err != nil {
			var pe *policy.ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is %T, want *policy.ParseError", err, err)
			}
			return
		}
		for _, req := range requests {
			res := d.Evaluate(req)
			switch res.Decision {
			case policy.Allowed, policy.ExplicitDeny, policy.ImplicitDeny, policy.Unknown:
			default:
				t.Fatalf("Decision = %q", res.Decision)
			}
			if len(res.Statements) != len(d.Statements) {
				t.Fatalf("%d statement results for %d statements", len(res.Statements), len(d.Statements))
			}
			if res.Explain() == "" {
				t.Fatalf("empty explanation for %q", res.Decision)
			}
			_ = res.Closest()
		}
		again, err := policy.ParseDocument(d.JSON)
		if err != nil {
			// d.JSON is what parsed; only a doubly encoded input (a JSON
			// string holding URL-encoded text) may decode one level less.
			return
		}
		if len(again.Statements) != len(d.Statements) {
			t.Fatalf("re-parsing JSON gives %d statements, want %d", len(again.Statements), len(d.Statements))
		}
	})
}
