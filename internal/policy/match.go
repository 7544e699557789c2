package policy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// piece is one element of a compiled policy value: literal text, or a
// wildcard ("*" any run of characters, "?" exactly one).
type piece struct {
	lit  string
	wild byte // 0, '*' or '?'
}

// compile turns a policy value into pieces. With wildcards false (the
// StringEquals family) "*" and "?" are literal: "a * inside StringEquals is
// literal, so it never matches" (docs/reference/trust-policy.md#condition-keys). Under Version
// 2012-10-17 "${...}" is a policy variable; ${*}, ${?} and ${$} stand for the
// literal characters (IAM User Guide, "IAM policy elements: Variables and
// tags", special characters), and any other variable is returned in variable
// so the caller can report it instead of guessing its value. Under 2008-10-17
// (or no Version) "${...}" is plain text.
func compile(value string, wildcards, variables bool) (pieces []piece, variable string) {
	// Most values are plain text (a subject, an audience): one piece that
	// is the value itself, without copying it.
	if plain(value, wildcards, variables) {
		if value == "" {
			return nil, ""
		}
		return []piece{{lit: value}}, ""
	}
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

// plain reports a value that compile would turn into one literal piece
// (or none, for ""): no policy variable, and no wildcard where wildcards
// count.
func plain(value string, wildcards, variables bool) bool {
	return (!variables || !strings.Contains(value, "${")) && (!wildcards || !strings.ContainsAny(value, "*?"))
}

// literal joins pieces that hold no wildcard.
func literal(pieces []piece) string {
	if len(pieces) == 1 {
		return pieces[0].lit
	}
	var b strings.Builder
	for _, p := range pieces {
		b.WriteString(p.lit)
	}
	return b.String()
}

// globMatch reports whether s matches the pattern; fold compares
// case-insensitively (action names). "?" matches exactly one character
// (rune) and "*" any run of them, the empty run included.
func globMatch(pattern []piece, s string, fold bool) bool {
	ok, _ := matchGlob(pattern, s, fold)
	return ok
}

// tok is one rune of a flattened pattern, or a wildcard.
type tok struct {
	r    rune
	wild byte // 0, '*' or '?'
}

// matchGlob is globMatch, and also returns how many runes it compared, so
// that tests can assert the cost (match_test.go) without timing anything.
//
// Both the policy value and the request value can come from a bundle, which
// is untrusted input, so the cost must not blow up. The pattern is split at
// its stars into segments: the first is anchored at the start, the last at
// the end, and each segment between two stars is placed at its leftmost
// occurrence after the previous one. Leftmost is always safe (a later
// segment only gains room), so nothing is ever retried: that is the
// classic two-pointer wildcard algorithm with its backtracking removed. A
// segment is searched for with KMP on its leading literal run, so patterns
// of literals and stars ("system:serviceaccount:*:api-*") take
// O(len(s)+len(pattern)) comparisons whatever the input; only a "?" inside
// a segment, after a literal ("*a?b*"), makes the candidates to verify cost
// up to O(len(s)*len(segment)), and never more than that.
func matchGlob(pattern []piece, s string, fold bool) (ok bool, steps int) {
	size := 0
	for _, p := range pattern {
		size += max(1, utf8.RuneCountInString(p.lit))
	}
	pat := make([]tok, 0, size) // one allocation, not one per doubling
	for _, p := range pattern {
		if p.wild != 0 {
			pat = append(pat, tok{wild: p.wild})
			continue
		}
		for _, r := range p.lit {
			pat = append(pat, tok{r: canon(r, fold)})
		}
	}
	str := []rune(s)
	if fold {
		for i, r := range str {
			str[i] = canon(r, true)
		}
	}

	// Segments between stars; consecutive stars give empty segments.
	var segs [][]tok
	from := 0
	for i, t := range pat {
		if t.wild == '*' {
			segs = append(segs, pat[from:i])
			from = i + 1
		}
	}
	segs = append(segs, pat[from:])

	if len(segs) == 1 { // no star
		if len(pat) != len(str) {
			return false, steps
		}
		ok, n := matchAt(pat, str)
		return ok, steps + n
	}
	first, last := segs[0], segs[len(segs)-1]
	if len(first)+len(last) > len(str) {
		return false, steps
	}
	ok, n := matchAt(first, str)
	steps += n
	if !ok {
		return false, steps
	}
	ok, n = matchAt(last, str[len(str)-len(last):])
	steps += n
	if !ok {
		return false, steps
	}
	lo, hi := len(first), len(str)-len(last)
	for _, seg := range segs[1 : len(segs)-1] {
		at, n := find(seg, str[lo:hi])
		steps += n
		if at < 0 {
			return false, steps
		}
		lo += at + len(seg)
	}
	return true, steps
}

// canon maps a rune to one representative of its case-folding orbit (the
// smallest rune of it), so that fold-insensitive comparison is ==: two
// runes are strings.EqualFold exactly when unicode.SimpleFold leads from
// one to the other.
func canon(r rune, fold bool) rune {
	if !fold {
		return r
	}
	if r < utf8.RuneSelf {
		if 'a' <= r && r <= 'z' {
			return r - 'a' + 'A'
		}
		return r
	}
	m := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		m = min(m, f)
	}
	return m
}

// matchAt reports whether seg (literals and "?", no star) matches the
// start of str, which is at least as long.
func matchAt(seg []tok, str []rune) (bool, int) {
	n := 0
	for i, t := range seg {
		if t.wild != 0 {
			continue
		}
		n++
		if t.r != str[i] {
			return false, n
		}
	}
	return true, n
}

// find returns the leftmost index at which seg (literals and "?", no star)
// matches str, or -1.
func find(seg []tok, str []rune) (int, int) {
	if len(seg) > len(str) {
		return -1, 0
	}
	// Leading "?"s match any rune: search for the rest after them.
	q := 0
	for q < len(seg) && seg[q].wild == '?' {
		q++
	}
	if q == len(seg) {
		return 0, 0
	}
	// lit is the literal run the rest starts with; tail follows it.
	end := q
	for end < len(seg) && seg[end].wild == 0 {
		end++
	}
	lit, tail := seg[q:end], seg[end:]
	steps := 0
	// KMP failure function of lit.
	fail := make([]int, len(lit))
	for i, k := 1, 0; i < len(lit); i++ {
		for {
			steps++
			if lit[i].r == lit[k].r {
				k++
				break
			}
			if k == 0 {
				break
			}
			k = fail[k-1]
		}
		fail[i] = k
	}
	// Scan: an occurrence of lit at j-len(lit)+1 is a candidate when seg
	// fits around it; the tail is then verified in place.
	limit := len(str) - len(tail) // lit must end before the tail's room
	for j, k := q, 0; j < limit; j++ {
		for {
			steps++
			if str[j] == lit[k].r {
				k++
				break
			}
			if k == 0 {
				break
			}
			k = fail[k-1]
		}
		if k < len(lit) {
			continue
		}
		start := j + 1 - len(lit) - q
		ok, n := matchAt(tail, str[j+1:])
		steps += n
		if ok {
			return start, steps
		}
		k = fail[k-1]
	}
	return -1, steps
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
