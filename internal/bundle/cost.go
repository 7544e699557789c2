package bundle

import "sync/atomic"

// workCounter, when a test sets it, adds up the work of the scans and
// lookups whose cost grows with the number of values a bundle holds: the
// bytes scanned to turn an offset into a line number, and the lookups that
// keep the first of duplicate objects. linear_test.go reads it to show that
// ten times the values cost about ten times the work (issue 9: bundles are
// untrusted, and a file of 3 million tiny values took 275 s). It is nil
// otherwise, and counting costs a nil check.
var workCounter *atomic.Int64

func work(n int) {
	if c := workCounter; c != nil {
		c.Add(int64(n))
	}
}
