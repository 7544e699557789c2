package policy

// Set relations between two IAM patterns ("*" any run of characters, "?"
// exactly one), for questions whose action or resource is itself a pattern:
// "can the pod do s3:Get* on arn:aws:s3:::invoices/*?" asks about every
// value the question's pattern stands for, so a statement answers it only
// when its own pattern covers all of them (covers), and touches it when the
// two patterns share at least one value (overlaps).
//
// Both work on the flattened tokens matchGlob uses (tok: one rune, or a
// wildcard), after compile (match.go) has split the policy value into
// pieces, and both assume what IAM's values allow: an alphabet far larger
// than the characters the two patterns name, so a wildcard of the question
// can always produce a character that no literal of the statement expects.
// That assumption is what makes the symbolic algorithms below exact; the
// tests check them against brute-force enumeration over a small alphabet
// with one character that neither pattern uses (globset_test.go).

// tokens flattens compiled pieces; fold maps each rune to its case-folding
// representative (canon), as action names compare.
func tokens(pieces []piece, fold bool) []tok {
	var out []tok
	for _, p := range pieces {
		if p.wild != 0 {
			out = append(out, tok{wild: p.wild})
			continue
		}
		for _, r := range p.lit {
			out = append(out, tok{r: canon(r, fold)})
		}
	}
	return out
}

// covers reports whether every string the question pattern q matches is
// also matched by the statement pattern p: L(q) ⊆ L(p).
//
// The algorithm aligns p with q symbolically. Split p into literal runes
// and wildcard runs (a maximal run of "*" and "?" tokens; within a run the
// order does not matter: "*?" and "?*" both mean "at least one character").
// Then p covers q when the items of p can consume q's tokens from left to
// right, each literal rune of p consuming exactly one equal literal rune of
// q, and each wildcard run of p consuming a contiguous slice of q's tokens
// it always matches:
//
//   - a run of k "?" and at least one "*" matches any expansion of a slice
//     whose shortest expansion has at least k characters, that is, a slice
//     with at least k tokens that are not "*";
//   - a run of k "?" alone matches every expansion of a slice exactly when
//     the slice has no "*" and exactly k tokens.
//
// A literal of p can never consume a "?" or "*" of q: q's wildcard can
// produce a character that is not that literal. The alignment is a
// dynamic programme over (item of p, position in q): reach[i][j] says the
// first i items of p can consume q[:j] for every expansion. Cost is
// O(len(p)·len(q)²) steps, a few hundred thousand for ARNs of policy size.
func covers(p, q []tok) bool {
	type item struct {
		lit  bool
		r    rune
		k    int  // "?" count of a wildcard run
		star bool // the run holds a "*"
	}
	var items []item
	for i := 0; i < len(p); {
		if p[i].wild == 0 {
			items = append(items, item{lit: true, r: p[i].r})
			i++
			continue
		}
		var it item
		for ; i < len(p) && p[i].wild != 0; i++ {
			if p[i].wild == '*' {
				it.star = true
			} else {
				it.k++
			}
		}
		items = append(items, it)
	}
	n := len(q)
	// nonStar[j] and stars[j] count q[:j]'s tokens of each kind.
	nonStar := make([]int, n+1)
	stars := make([]int, n+1)
	for j, t := range q {
		nonStar[j+1], stars[j+1] = nonStar[j], stars[j]
		if t.wild == '*' {
			stars[j+1]++
		} else {
			nonStar[j+1]++
		}
	}
	reach := make([]bool, n+1)
	reach[0] = true
	for _, it := range items {
		next := make([]bool, n+1)
		any := false
		for j := 0; j <= n; j++ {
			if !reach[j] {
				continue
			}
			switch {
			case it.lit:
				if j < n && q[j].wild == 0 && q[j].r == it.r {
					next[j+1], any = true, true
				}
			case it.star:
				for e := j; e <= n; e++ {
					if nonStar[e]-nonStar[j] >= it.k {
						next[e], any = true, true
					}
				}
			default:
				if e := j + it.k; e <= n && stars[e]-stars[j] == 0 {
					next[e], any = true, true
				}
			}
		}
		if !any {
			return false
		}
		reach = next
	}
	return reach[n]
}

// overlaps reports whether some string is matched by both p and q:
// L(p) ∩ L(q) ≠ ∅.
//
// It builds a common string one character at a time, as a search over
// pairs (i, j) of positions in p and q. From (i, j): a "*" of either side
// may stop (i+1, j) or (i, j+1); or both sides consume one character, p by
// staying on its "*" or passing its "?" or literal, q likewise, provided
// that two literals agree (a wildcard on either side accepts the other's
// literal, and two wildcards agree on a character neither names). The
// patterns overlap when (len(p), len(q)) is reachable. Each state is
// visited once: O(len(p)·len(q)).
func overlaps(p, q []tok) bool {
	m, n := len(p), len(q)
	seen := make([]bool, (m+1)*(n+1))
	stack := [][2]int{{0, 0}}
	seen[0] = true
	push := func(i, j int) {
		if k := i*(n+1) + j; !seen[k] {
			seen[k] = true
			stack = append(stack, [2]int{i, j})
		}
	}
	for len(stack) > 0 {
		s := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		i, j := s[0], s[1]
		if i == m && j == n {
			return true
		}
		if i < m && p[i].wild == '*' {
			push(i+1, j)
		}
		if j < n && q[j].wild == '*' {
			push(i, j+1)
		}
		if i == m || j == n {
			continue
		}
		if p[i].wild == 0 && q[j].wild == 0 && p[i].r != q[j].r {
			continue
		}
		ni, nj := i+1, j+1
		if p[i].wild == '*' {
			ni = i
		}
		if q[j].wild == '*' {
			nj = j
		}
		if ni != i || nj != j {
			push(ni, nj)
		}
	}
	return false
}

// coverage is how a statement's pattern relates to a question's.
type coverage int

const (
	disjoint coverage = iota // no value in common
	partial                  // some values in common, not all
	covered                  // every value of the question
)

// relate compares a statement's compiled pattern (the caller has reported
// any policy variable) with a question pattern; fold for action names.
func relate(stmt []piece, question string, fold bool) coverage {
	qp, _ := compile(question, true, false)
	p, q := tokens(stmt, fold), tokens(qp, fold)
	switch {
	case covers(p, q):
		return covered
	case overlaps(p, q):
		return partial
	}
	return disjoint
}
