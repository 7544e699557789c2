package symptom

import (
	"strings"
	"testing"
)

// TestRedact: JWTs, access key IDs and 40-character secret keys are
// hidden; what only looks like one (a git SHA, a 40-letter identifier, a
// 39- or 41-character run, an issuer path) is kept.
func TestRedact(t *testing.T) {
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY" // AWS's documented example secret key
	if len(secret) != 40 {
		t.Fatalf("example secret is %d characters", len(secret))
	}
	for _, tc := range []struct{ in, want string }{
		{"key=" + secret + " done", "key=" + SecretRedacted + " done"},
		{secret, SecretRedacted},
		{`"` + secret + `","` + secret + `"`, `"` + SecretRedacted + `","` + SecretRedacted + `"`},
		{"AWS_SECRET_ACCESS_KEY=" + secret, "AWS_SECRET_ACCESS_KEY=" + SecretRedacted},
		// A git SHA: lower-case hex.
		{"commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904", "commit 4b825dc642cb6eb9a060e54bf8d69288fbee4904"},
		// 40 letters, no digit, "/" or "+": an identifier.
		{"at AbcdefghijAbcdefghijAbcdefghijAbcdefghij.run", "at AbcdefghijAbcdefghijAbcdefghijAbcdefghij.run"},
		// 41 and 39 characters: not a secret key.
		{"x" + secret + " " + secret[1:], "x" + secret + " " + secret[1:]},
		// An EKS issuer: "com/id/" and 32 hex digits, 39 characters.
		{"https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE", "https://oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"},
		{"token eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOlsic3RzIl19.c2lnbmF0dXJl end", "token eyJ…(token redacted) end"},
		{"id AKIAIOSFODNN7EXAMPLE and ASIAIOSFODNN7EXAMPLE", "id AKIA…(redacted) and ASIA…(redacted)"},
		// What is left before a redacted token makes a secret-shaped run.
		{strings.Repeat("Ab1", 12) + "xeyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln", SecretRedacted + "…(token redacted)"},
		{"", ""},
	} {
		got := Redact(tc.in)
		if got != tc.want {
			t.Errorf("Redact(%q)\n got %q\nwant %q", tc.in, got, tc.want)
		}
		if again := Redact(got); again != got {
			t.Errorf("Redact(Redact(%q)) = %q, want %q", tc.in, again, got)
		}
	}
}

// TestMatchRedactsSecretKeys: a matched line's sample hides a secret key
// too.
func TestMatchRedactsSecretKeys(t *testing.T) {
	c := load(t)
	ms := c.Match("InvalidIdentityToken: Incorrect token audience (secret wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY)")
	if len(ms) == 0 {
		t.Fatal("no match")
	}
	if strings.Contains(ms[0].Line, "wJalrXUtnFEMI") || !strings.Contains(ms[0].Line, SecretRedacted) {
		t.Errorf("Line %q, want the secret key redacted", ms[0].Line)
	}
}
