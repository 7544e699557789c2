package arn

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

var seeds = []string{
	"arn:aws:iam::111122223333:role/api",
	"arn:aws:iam::111122223333:role/a/b/api",
	" \"arn:aws-cn:iam::111122223333:role/api\"\n",
	"arn:aws:sts::111122223333:assumed-role/api/1",
	"arn:aws:s3:::bucket/key:x",
	"arn:aws:iam::aws:policy/P",
	"arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/X",
	"“arn:aws:iam::111122223333:role/\u200bapi”",
	"arn:aws:iam::1111-2222-3333:role//",
	"", "\"", "'\"", "arn:", "arn:::::", "\xff",
}

// checkError asserts the invariants of every refusal: an *Error naming the
// input, a non-empty reason, and a suggestion only when it is valid.
func checkError[T any](t *testing.T, s string, err error, parse func(string) (T, error)) {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("%q: error %v is not an *Error", s, err)
	}
	if e.Input != s || e.Reason == "" {
		t.Fatalf("%q: bad error %+v", s, e)
	}
	if !utf8.ValidString(e.Error()) {
		t.Fatalf("%q: message is not valid UTF-8: %q", s, e.Error())
	}
	if e.Suggestion != "" {
		if _, err := parse(e.Suggestion); err != nil {
			t.Fatalf("%q: suggestion %q does not parse: %v", s, e.Suggestion, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := Parse(s)
		if err != nil {
			checkError(t, s, err, Parse)
			return
		}
		if a.String() != s {
			t.Fatalf("String() = %q, input %q", a.String(), s)
		}
		b, err := Parse(a.String())
		if err != nil || b != a {
			t.Fatalf("round trip of %q: %+v, %v", s, b, err)
		}
		if !KnownPartition(a.Partition) || a.Service == "" || a.Resource == "" {
			t.Fatalf("accepted %q as %+v", s, a)
		}
	})
}

func FuzzParseRole(f *testing.F) {
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		r, err := ParseRole(s)
		if err != nil {
			checkError(t, s, err, ParseRole)
			return
		}
		b, err := ParseRole(r.String())
		if err != nil || b != r {
			t.Fatalf("round trip of %q: %+v, %v", s, b, err)
		}
		if RoleARN(r.Partition, r.Account, r.Path, r.Name) != r.ARN {
			t.Fatalf("RoleARN(%+v) = %q", r, RoleARN(r.Partition, r.Account, r.Path, r.Name))
		}
		if !IsAccountID(r.Account) || len(r.Name) == 0 || len(r.Name) > maxRoleName ||
			!strings.HasPrefix(r.Path, "/") || !strings.HasSuffix(r.Path, "/") || len(r.Path) > maxPath {
			t.Fatalf("accepted %q as %+v", s, r)
		}
		// Whatever the webhook's looser regexp accepts or not, a role
		// that parses is one IAM could have created.
		for i := 0; i < len(r.Name); i++ {
			if !roleNameChar(r.Name[i]) {
				t.Fatalf("accepted name %q", r.Name)
			}
		}
	})
}
