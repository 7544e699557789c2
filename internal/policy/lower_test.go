package policy

import (
	"slices"
	"strings"
	"testing"
)

// TestLookupLower: lookupLower finds the values of the key that
// strings.ToLower makes of the one asked, for ASCII keys (compared byte by
// byte), other keys and long ones.
func TestLookupLower(t *testing.T) {
	long := strings.Repeat("Ab", 100)
	m := map[string][]string{"oidc.eks.us-west-2.amazonaws.com/id/abc:sub": {"s"}, "ǆx": {"u"}, strings.ToLower(long): {"l"}, "k": {"k"}, "K:x": {"kx"}}
	ctx := Request{Context: m}.lowerContext()
	for _, key := range []string{"oidc.eks.us-west-2.amazonaws.com/id/ABC:sub", "OIDC.EKS.US-WEST-2.AMAZONAWS.COM/ID/abc:SUB", "oidc.eks.us-west-2.amazonaws.com/id/ABC:aud", "ǅX", "Ǆx", long, "K", "\u212a", "", "k\x00", "k:X", "K:x", "kx"} {
		// What indexing by strings.ToLower finds (not strings.EqualFold,
		// which folds more).
		var want []string
		lk := strings.ToLower(key)
		for k, v := range m {
			if strings.ToLower(k) == lk {
				want = v
			}
		}
		if got := lookupLower(ctx, key); !slices.Equal(got, want) || (got == nil) != (want == nil) {
			t.Errorf("lookupLower(%q) = %q, want %q", key, got, want)
		}
	}
}

// TestLowerContextDoesNotWriteRequest: keys that lower to one name have
// their values joined in an array of their own, not appended into the
// room of the request's arrays.
func TestLowerContextDoesNotWriteRequest(t *testing.T) {
	a := append(make([]string, 0, 4), "a")
	req := Request{Context: map[string][]string{"K": a, "k": {"b"}}}
	ctx := req.lowerContext()
	if got := lookupLower(ctx, "k"); len(got) != 2 {
		t.Fatalf("ctx[k] = %q, want both values", got)
	}
	if full := a[:cap(a)]; full[1] != "" {
		t.Errorf("the request's array was written past its length: %q", full)
	}
	if !slices.Equal(req.Context["K"], []string{"a"}) || !slices.Equal(req.Context["k"], []string{"b"}) {
		t.Errorf("request changed: %v", req.Context)
	}
}
