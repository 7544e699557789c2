package policy

import "strings"

// piece is one element of a compiled policy value: literal text, or a
// wildcard ("*" any run of characters, "?" exactly one).
type piece struct {
	lit  string
	wild byte // 0, '*' or '?'
}

// compile turns a policy value into pieces. With wildcards false (the
// StringEquals family) "*" and "?" are literal: "a * inside StringEquals is
// literal, so it never matches" (irsa-facts.md §3.2). Under Version
// 2012-10-17 "${...}" is a policy variable; ${*}, ${?} and ${$} stand for the
// literal characters (IAM User Guide, "IAM policy elements: Variables and
// tags", special characters), and any other variable is returned in variable
// so the caller can report it instead of guessing its value. Under 2008-10-17
// (or no Version) "${...}" is plain text.
func compile(value string, wildcards, variables bool) (pieces []piece, variable string) {
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			pieces = append(pieces, piece{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(value); {
		c := value[i]
		if variables && c == '$' && i+1 < len(value) && value[i+1] == '{' {
			end := strings.IndexByte(value[i:], '}')
			if end < 0 {
				// An unterminated "${" cannot be resolved either way.
				return nil, value[i:]
			}
			name := value[i+2 : i+end]
			switch name {
			case "*", "?", "$":
				lit.WriteString(name)
			default:
				return nil, value[i : i+end+1]
			}
			i += end + 1
			continue
		}
		if wildcards && (c == '*' || c == '?') {
			flush()
			pieces = append(pieces, piece{wild: c})
			i++
			continue
		}
		lit.WriteByte(c)
		i++
	}
	flush()
	return pieces, ""
}

// literal joins pieces that hold no wildcard.
func literal(pieces []piece) string {
	var b strings.Builder
	for _, p := range pieces {
		b.WriteString(p.lit)
	}
	return b.String()
}

// globMatch reports whether s matches the pattern; fold compares
// case-insensitively (action names). It is iterative with single-star
// backtracking, so it runs in O(len(s)*len(pattern)) at worst.
func globMatch(pattern []piece, s string, fold bool) bool {
	// Flatten into runes with wildcard markers so "?" consumes one rune.
	type tok struct {
		r    rune
		wild byte
	}
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
		if a == b {
			return true
		}
		return fold && strings.EqualFold(string(a), string(b))
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

// matchAction compares a request action with a policy action: "*" and "?"
// are wildcards and names are case-insensitive ("sts:AssumeRole*",
// "STS:assumerolewithwebidentity").
func matchAction(pattern, action string) bool {
	pieces, _ := compile(pattern, true, false)
	return globMatch(pieces, action, true)
}

// MatchLike reports whether s matches an IAM pattern where "*" is any run
// of characters and "?" exactly one (StringLike; IAM User Guide,
// "Condition operators"), with no policy variables; fold compares
// case-insensitively, as both strings lower-cased. It serves the callers
// that judge a pattern outside an evaluation (the fixer, the explanations
// of a subject mismatch).
func MatchLike(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	pieces, _ := compile(pattern, true, false)
	return globMatch(pieces, s, false)
}
