package policy

import (
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, s string
		fold       bool
		want       bool
	}{
		{"", "", false, true},
		{"", "a", false, false},
		{"*", "", false, true},
		{"*", "anything", false, true},
		{"**", "", false, true},
		{"?", "", false, false},
		{"?", "é", false, true}, // one character, two bytes
		{"??", "é", false, false},
		{"system:serviceaccount:payments:*", "system:serviceaccount:payments:api", false, true},
		{"system:serviceaccount:payments:*", "system:serviceaccount:payment:api", false, false},
		{"system:serviceaccount:*:api", "system:serviceaccount:payments:api", false, true},
		{"system:serviceaccount:*:api", "system:serviceaccount:payments:api2", false, false},
		{"system:serviceaccount:payments:api-?", "system:serviceaccount:payments:api-1", false, true},
		{"system:serviceaccount:payments:api-?", "system:serviceaccount:payments:api-12", false, false},
		{"*a*b*c*", "xaxbxcx", false, true},
		{"*a*b*c*", "xcxbxax", false, false},
		{"a*a", "a", false, false}, // the anchored ends may not overlap
		{"a*a", "aa", false, true},
		{"*aab", "aaab", false, true}, // a retry after a partial match
		{"*ab?d*", "abcabd", false, false},
		{"*ab?d*", "abcabxdab1d", false, true},
		{"*?a", "a", false, false},
		{"?*a", "ba", false, true},
		{"*a?", "aab", false, true},
		{"S", "s", false, false}, // StringLike and resources are case-sensitive
		{"sts:AssumeRole*", "STS:assumerolewithwebidentity", true, true},
		{"sts:AssumeRole?", "sts:assumeroles", true, true},
		{"k", "\u212a", true, true}, // Kelvin sign folds to k
		{"\u212a*", "K8s", true, true},
		{"ß", "SS", true, false}, // simple folding only, as strings.EqualFold
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%q~%q/fold=%t", tt.pattern, tt.s, tt.fold), func(t *testing.T) {
			pieces, _ := compile(tt.pattern, true, false)
			if got := globMatch(pieces, tt.s, tt.fold); got != tt.want {
				t.Errorf("globMatch = %t, want %t", got, tt.want)
			}
			if got := backtrackMatch(pieces, tt.s, tt.fold); got != tt.want {
				t.Errorf("reference backtrackMatch = %t, want %t", got, tt.want)
			}
		})
	}
}

// TestGlobMatchLinear: the shapes that cost the backtracking matcher
// O(len(s)*len(pattern)) comparisons (issue 9: a trust policy value and a
// token subject from a bundle are untrusted, and a 100,000-character pair
// took 16 s) cost O(len(s)+len(pattern)) now. Counted, not timed: ten times
// the input may cost at most twelve times the comparisons.
func TestGlobMatchLinear(t *testing.T) {
	shapes := []struct {
		name string
		make func(n int) (pattern, s string)
		fold bool
	}{
		{"star then a long literal that fails at its end", func(n int) (string, string) {
			return "*" + strings.Repeat("a", n/2) + "b", strings.Repeat("a", n)
		}, false},
		{"the same, case-insensitive", func(n int) (string, string) {
			return "*" + strings.Repeat("A", n/2) + "b", strings.Repeat("a", n)
		}, true},
		{"star then many question marks", func(n int) (string, string) {
			return "*" + strings.Repeat("?", n/2) + "b", strings.Repeat("a", n)
		}, false},
		{"many stars", func(n int) (string, string) {
			return strings.Repeat("*a", n/10) + "*b", strings.Repeat("a", n)
		}, false},
		{"many stars and long segments", func(n int) (string, string) {
			seg := "*" + strings.Repeat("a", 50) + "b"
			return strings.Repeat(seg, n/100), strings.Repeat("a", n)
		}, false},
		{"a middle segment that is never found", func(n int) (string, string) {
			return "*" + strings.Repeat("a", n/2) + "b*", strings.Repeat("a", n)
		}, false},
		{"a middle segment of question marks and a literal", func(n int) (string, string) {
			return "x*" + strings.Repeat("?", n/2) + "b*", "x" + strings.Repeat("a", n)
		}, false},
		{"a match at the very end", func(n int) (string, string) {
			return "*" + strings.Repeat("a", n/2) + "b*", strings.Repeat("a", n) + "b"
		}, false},
	}
	for _, sh := range shapes {
		t.Run(sh.name, func(t *testing.T) {
			cost := func(n int) int {
				p, s := sh.make(n)
				pieces, _ := compile(p, true, false)
				_, steps := matchGlob(pieces, s, sh.fold)
				return steps
			}
			small, large := cost(2000), cost(20000)
			t.Logf("%d comparisons for 2,000 characters, %d for 20,000", small, large)
			if large > 12*small+1000 {
				t.Errorf("%d comparisons for 2,000 characters, %d for 20,000: not linear", small, large)
			}
		})
	}
}

// TestGlobMatchQuestionBound: a "?" after a literal inside a segment is the
// one shape that is not linear; it stays within len(s)*len(pattern).
func TestGlobMatchQuestionBound(t *testing.T) {
	n := 4000
	p := "*" + strings.Repeat("a?", n/4) + "b"
	s := strings.Repeat("a", n)
	pieces, _ := compile(p, true, false)
	ok, steps := matchGlob(pieces, s, false)
	if ok {
		t.Fatal("matched")
	}
	if bound := (len(s) + 1) * (len(p) + 1); steps > bound {
		t.Errorf("%d comparisons, over len(s)*len(pattern) = %d", steps, bound)
	}
}

// FuzzMatch compares globMatch with a regular expression built from the
// same pieces ("*" is ".*", "?" is ".", a literal is quoted; (?i) folds
// case as strings.EqualFold does) and with the backtracking matcher it
// replaced.
//
//	go test ./internal/policy -run '^$' -fuzz FuzzMatch -fuzztime 60s
func FuzzMatch(f *testing.F) {
	for _, s := range [][3]string{
		{"system:serviceaccount:payments:*", "system:serviceaccount:payments:api", ""},
		{"*a?b*c", "xxaybzzc", ""},
		{"sts:AssumeRole*", "STS:assumerolewithwebidentity", "fold"},
		{"${*}a${?}*", "*a?b", ""},
		{"*aab", "aaab", ""},
		{"k?", "\u212a\u00e9", "fold"},
		{"a\xffb*", "a\xffb\xfe", ""},
	} {
		f.Add(s[0], s[1], s[2] != "")
	}
	f.Fuzz(func(t *testing.T, pattern, s string, fold bool) {
		if len(pattern) > 64 || len(s) > 64 {
			return
		}
		pieces, variable := compile(pattern, true, true)
		if variable != "" {
			return
		}
		got := globMatch(pieces, s, fold)
		if want := backtrackMatch(pieces, s, fold); got != want {
			t.Fatalf("globMatch(%q, %q, fold=%t) = %t, the backtracking matcher says %t", pattern, s, fold, got, want)
		}
		if !utf8.ValidString(pattern) {
			return // regexp refuses invalid UTF-8 in a pattern
		}
		var re strings.Builder
		re.WriteString("^(?s)")
		if fold {
			re.WriteString("(?i)")
		}
		for _, p := range pieces {
			switch p.wild {
			case '*':
				re.WriteString(".*")
			case '?':
				re.WriteString(".")
			default:
				re.WriteString(regexp.QuoteMeta(p.lit))
			}
		}
		re.WriteString("$")
		if want := regexp.MustCompile(re.String()).MatchString(s); got != want {
			t.Fatalf("globMatch(%q, %q, fold=%t) = %t, regexp %s says %t", pattern, s, fold, got, re.String(), want)
		}
	})
}

// backtrackMatch is the matcher globMatch replaced (iterative, single-star
// backtracking, O(len(s)*len(pattern)) comparisons): the reference whose
// answers globMatch must keep.
func backtrackMatch(pattern []piece, s string, fold bool) bool {
	var pat []tok
	for _, p := range pattern {
		if p.wild != 0 {
			pat = append(pat, tok{wild: p.wild})
			continue
		}
		for _, r := range p.lit {
			pat = append(pat, tok{r: r})
		}
	}
	str := []rune(s)
	eq := func(a, b rune) bool {
		return a == b || fold && strings.EqualFold(string(a), string(b))
	}
	pi, si := 0, 0
	star, mark := -1, 0
	for si < len(str) {
		switch {
		case pi < len(pat) && pat[pi].wild == '?':
			pi++
			si++
		case pi < len(pat) && pat[pi].wild == '*':
			star, mark = pi, si
			pi++
		case pi < len(pat) && pat[pi].wild == 0 && eq(pat[pi].r, str[si]):
			pi++
			si++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(pat) && pat[pi].wild == '*' {
		pi++
	}
	return pi == len(pat)
}
