package gcpace

import (
	"runtime"
	"runtime/debug"
	"testing"
	"time"
)

func TestNext(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		size, live uint64
		percent    int
		again      bool
	}{
		{size: 192 * mb, live: 4 * mb, percent: 4700, again: true},
		{size: 192 * mb, live: 48 * mb, percent: 300, again: true},
		{size: 192 * mb, live: 95 * mb, percent: 102, again: true},
		{size: 192 * mb, live: 96 * mb, percent: 100, again: true},
		{size: 192 * mb, live: 191 * mb, percent: 100, again: true},
		{size: 192 * mb, live: 192 * mb, percent: 100, again: true},
		{size: 192 * mb, live: 256 * mb, percent: 75, again: true},
		{size: 192 * mb, live: 383 * mb, percent: 50, again: true},
		{size: 192 * mb, live: 384 * mb, percent: 50, again: true},
		{size: 192 * mb, live: 700 * mb, percent: 50, again: true},
		{size: 192 * mb, live: 0, percent: 100, again: false},
	} {
		percent, again := next(tc.size, tc.live)
		if percent != tc.percent || again != tc.again {
			t.Errorf("next(%d MiB, %d MiB) = %d, %v; want %d, %v", tc.size/mb, tc.live/mb, percent, again, tc.percent, tc.again)
		}
	}
}

// gcPercent reads GOGC (SetGCPercent returns the previous value).
func gcPercent() int {
	p := debug.SetGCPercent(100)
	debug.SetGCPercent(p)
	return p
}

func TestStartHonoursGOGC(t *testing.T) {
	before := gcPercent()
	env := map[string]string{"GOGC": "50"}
	if start(1<<30, func(k string) string { return env[k] }) {
		t.Fatal("start changed the pace with GOGC=50 set")
	}
	if got := gcPercent(); got != before {
		t.Fatalf("GOGC = %d, want %d unchanged", got, before)
	}
}

func TestStartBelowGoalChangesNothing(t *testing.T) {
	before := gcPercent()
	if start(1<<10, func(string) string { return "" }) {
		t.Fatal("start changed the pace for a 1 KiB size, below the heap goal")
	}
	if got := gcPercent(); got != before {
		t.Fatalf("GOGC = %d, want %d unchanged", got, before)
	}
}

// TestStartThenNormal: Start raises GOGC, and once a collection leaves
// more than half the size live, GOGC is 100 again.
func TestStartThenNormal(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())
	debug.SetGCPercent(100)
	runtime.GC()
	const size = 64 << 20
	if !Start(size, func(string) string { return "" }) {
		t.Fatal("Start did not change the pace")
	}
	if got := gcPercent(); got <= 100 {
		t.Fatalf("GOGC after Start = %d, want above 100", got)
	}
	if Start(size, func(string) string { return "" }) {
		t.Fatal("a second Start changed the pace again")
	}
	keep := make([][]byte, 0, 48)
	for range 48 { // 48 MiB live: more than half of 64 MiB
		keep = append(keep, make([]byte, 1<<20))
	}
	deadline := time.Now().Add(10 * time.Second)
	for gcPercent() != 100 {
		if time.Now().After(deadline) {
			t.Fatalf("GOGC = %d 10 s after collections left 48 MiB live, want 100", gcPercent())
		}
		runtime.GC() // the finalizer that sets GOGC runs after a collection
		time.Sleep(10 * time.Millisecond)
	}
	runtime.KeepAlive(keep)
}

func TestStartPercent(t *testing.T) {
	const mb = 1 << 20
	for _, tc := range []struct {
		size, goal, live uint64
		want             int
	}{
		// No collection yet: the 4 MB minimum goal scales with GOGC.
		{size: 192 * mb, goal: 4 * mb, live: 0, want: 4800},
		// After start-up collections left 2.4 MB live (the goal then is
		// live*2): the next goal is live*(1+GOGC/100) = 192 MiB.
		{size: 192 * mb, goal: 4 * mb, live: 2 * mb, want: 9500},
		{size: 192 * mb, goal: 8 * mb, live: 4 * mb, want: 4700},
	} {
		if got := startPercent(tc.size, tc.goal, tc.live); got != tc.want {
			t.Errorf("startPercent(%d MiB, goal %d MiB, live %d MiB) = %d, want %d", tc.size/mb, tc.goal/mb, tc.live/mb, got, tc.want)
		}
	}
}
