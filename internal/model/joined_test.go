package model

import (
	"path"
	"testing"
)

// TestJoinedIsAsPathJoin: joinedIs answers as path.Join(dir, file) == p
// does, on the fast path (a clean dir and file) and off it.
func TestJoinedIsAsPathJoin(t *testing.T) {
	dirs := []string{"/var/run/secrets/eks.amazonaws.com/serviceaccount", "/var/run/secrets/", "/a//b", "/a/./b", "/", "", ".", "a", "/a/b/.."}
	files := []string{"token", "sub/token", "./token", "../token", "..", ".", "", "/token", "token/", "a//b"}
	ps := []string{"/var/run/secrets/eks.amazonaws.com/serviceaccount/token", "/var/run/secrets/token", "/var/run/token", "/a/b/token",
		"/token", "token", "a/token", "/a/token", "/a/b", "/a", "/var/run/secrets/sub/token", "/a/b/a/b", "."}
	n := 0
	for _, d := range dirs {
		for _, f := range files {
			for _, p := range ps {
				want := path.Join(d, f) == p
				if want {
					n++
				}
				if got := joinedIs(d, f, p); got != want {
					t.Errorf("joinedIs(%q, %q, %q) = %v, path.Join gives %q", d, f, p, got, path.Join(d, f))
				}
			}
		}
	}
	if n < 10 {
		t.Fatalf("only %d cases where the join matches: the table no longer tests the true answer", n)
	}
}
