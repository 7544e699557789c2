package policy

import (
	"strings"
	"testing"
)

func toks(pattern string, fold bool) []tok {
	pieces, _ := compile(pattern, true, false)
	return tokens(pieces, fold)
}

func TestCoversOverlaps(t *testing.T) {
	tests := []struct {
		stmt, question string
		fold           bool
		want           coverage
	}{
		{"arn:aws:s3:::invoices/*", "arn:aws:s3:::invoices/*", false, covered},
		{"arn:aws:s3:::*", "arn:aws:s3:::invoices/*", false, covered},
		{"*", "arn:aws:s3:::invoices/*", false, covered},
		{"arn:aws:s3:::invoices/2026/*", "arn:aws:s3:::invoices/*", false, partial},
		{"arn:aws:s3:::invoices", "arn:aws:s3:::invoices/*", false, disjoint},
		{"arn:aws:s3:::invoice?/*", "arn:aws:s3:::invoices/a", false, covered},
		{"arn:aws:s3:::Invoices/*", "arn:aws:s3:::invoices/a", false, disjoint}, // resources are case-sensitive
		{"s3:Get*", "s3:GetObject", false, covered},
		{"S3:get*", "s3:GetObject*", true, covered}, // actions are not
		{"s3:GetObject", "s3:Get*", true, partial},
		{"s3:Put*", "s3:Get*", true, disjoint},
		{"*?*?", "a*b", false, covered}, // a run's "?" may take a literal on either side of q's "*"
		{"??*", "a*", false, partial},
		{"?*", "*?", false, covered},
		{"*", "", false, covered},
		{"?", "*", false, partial},
		{"a", "*", false, partial},
		{"ab", "a?", false, partial},
	}
	for _, tt := range tests {
		t.Run(tt.stmt+" ⊇ "+tt.question, func(t *testing.T) {
			pieces, _ := compile(tt.stmt, true, false)
			if got := relate(pieces, tt.question, tt.fold); got != tt.want {
				t.Errorf("relate = %d, want %d", got, tt.want)
			}
		})
	}
}

// bruteAlphabet is the alphabet of the enumeration: the patterns' two
// literals and "c", which neither pattern names (the "fresh" character
// globset.go assumes IAM's alphabet always has).
const bruteAlphabet = "abc"

// enumerate lists every string over bruteAlphabet up to length max.
func enumerate(max int) []string {
	out := []string{""}
	level := []string{""}
	for l := 1; l <= max; l++ {
		var next []string
		for _, s := range level {
			for _, c := range bruteAlphabet {
				next = append(next, s+string(c))
			}
		}
		out = append(out, next...)
		level = next
	}
	return out
}

// matches is the set of strings (by index) the pattern matches.
func matches(pattern string, strs []string) []bool {
	pieces, _ := compile(pattern, true, false)
	out := make([]bool, len(strs))
	for i, s := range strs {
		out[i] = globMatch(pieces, s, false)
	}
	return out
}

// brute decides containment and overlap by enumeration: q ⊆ p when no
// string matched by q is missed by p, overlap when some string is matched
// by both.
func brute(p, q []bool) (contained, overlap bool) {
	contained = true
	for i := range p {
		if q[i] && !p[i] {
			contained = false
		}
		if q[i] && p[i] {
			overlap = true
		}
	}
	return contained, overlap
}

// TestGlobSetsBruteForce checks covers and overlaps against enumeration
// for every pair of patterns over {a, b, *, ?} of up to 3 tokens, on every
// string over {a, b, c} of up to 8 characters: long enough for a
// counterexample to either relation to show (a witness never needs more
// characters than both patterns have tokens, plus one per star).
func TestGlobSetsBruteForce(t *testing.T) {
	var patterns []string
	level := []string{""}
	patterns = append(patterns, "")
	for l := 1; l <= 3; l++ {
		var next []string
		for _, s := range level {
			for _, c := range "ab*?" {
				next = append(next, s+string(c))
			}
		}
		patterns = append(patterns, next...)
		level = next
	}
	strs := enumerate(8)
	sets := make(map[string][]bool, len(patterns))
	for _, p := range patterns {
		sets[p] = matches(p, strs)
	}
	for _, p := range patterns {
		for _, q := range patterns {
			wantCover, wantOverlap := brute(sets[p], sets[q])
			if got := covers(toks(p, false), toks(q, false)); got != wantCover {
				t.Errorf("covers(%q, %q) = %t, enumeration says %t", p, q, got, wantCover)
			}
			if got := overlaps(toks(p, false), toks(q, false)); got != wantOverlap {
				t.Errorf("overlaps(%q, %q) = %t, enumeration says %t", p, q, got, wantOverlap)
			}
		}
	}
}

// FuzzGlobSets compares covers and overlaps with enumeration for patterns
// of up to 5 tokens over {a, b, *, ?}, each byte of the input choosing one.
func FuzzGlobSets(f *testing.F) {
	f.Add("a*b", "*?*?")
	f.Add("?*", "*?")
	f.Add("a?a", "a*a")
	strs := enumerate(8)
	pattern := func(s string) string {
		var b strings.Builder
		for i := 0; i < len(s) && i < 5; i++ {
			b.WriteByte("ab*?"[s[i]%4])
		}
		return b.String()
	}
	f.Fuzz(func(t *testing.T, rawP, rawQ string) {
		p, q := pattern(rawP), pattern(rawQ)
		wantCover, wantOverlap := brute(matches(p, strs), matches(q, strs))
		if got := covers(toks(p, false), toks(q, false)); got != wantCover {
			t.Errorf("covers(%q, %q) = %t, enumeration says %t", p, q, got, wantCover)
		}
		if got := overlaps(toks(p, false), toks(q, false)); got != wantOverlap {
			t.Errorf("overlaps(%q, %q) = %t, enumeration says %t", p, q, got, wantOverlap)
		}
	})
}
