package cli

import (
	"slices"
	"testing"
)

// TestExpectInput: the reader's hook hands the collector's pace three
// quarters of each file, and no more than maxExpected in all.
func TestExpectInput(t *testing.T) {
	var handed []uint64
	hook := expectInput(func(n uint64) bool { handed = append(handed, n); return true })
	const mb = 1 << 20
	for range 11 {
		hook(100 * mb)
	}
	want := []uint64{75 * mb, 75 * mb, 75 * mb, 75 * mb, 75 * mb, 75 * mb, 75 * mb, 75 * mb, 75 * mb, 75 * mb, 18 * mb}
	if !slices.Equal(handed, want) {
		t.Errorf("handed %v MiB, want %v", mib(handed), mib(want))
	}
}

func mib(ns []uint64) []uint64 {
	out := make([]uint64, len(ns))
	for i, n := range ns {
		out[i] = n >> 20
	}
	return out
}
