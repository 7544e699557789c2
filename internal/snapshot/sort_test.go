package snapshot

import (
	"math/rand/v2"
	"strings"
	"testing"
)

// compareJoined must order exactly as the joined strings do, also when a
// part holds the separator or is empty, or one part is a prefix of the
// other's.
func TestCompareJoined(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 6))
	alphabet := []string{"a", "b", "-", "/", "\x00", "z"}
	word := func() string {
		var b strings.Builder
		for range r.IntN(4) {
			b.WriteString(alphabet[r.IntN(len(alphabet))])
		}
		return b.String()
	}
	for range 20000 {
		a := []string{word(), "/", word()}
		b := []string{word(), "/", word()}
		if r.IntN(3) == 0 {
			b[0] = a[0]
		}
		want := strings.Compare(strings.Join(a, ""), strings.Join(b, ""))
		if got := compareJoined(a, b); got != want {
			t.Fatalf("compareJoined(%q, %q) = %d, want %d", a, b, got, want)
		}
	}
	// The case a tuple comparison gets wrong: "a-b/x" sorts before "a/x".
	if got := compareJoined([]string{"a-b", "/", "x"}, []string{"a", "/", "x"}); got != -1 {
		t.Errorf(`compareJoined("a-b/x", "a/x") = %d, want -1`, got)
	}
}
