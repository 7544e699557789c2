package gcpace

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
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
		{size: 192 * mb, live: 460 * mb, percent: 100, again: true},
		{size: 192 * mb, live: 767 * mb, percent: 100, again: true},
		{size: 192 * mb, live: 768 * mb, percent: 100, again: true},
		{size: 192 * mb, live: 1024 * mb, percent: 75, again: true},
		{size: 192 * mb, live: 1535 * mb, percent: 50, again: true},
		{size: 192 * mb, live: 1536 * mb, percent: 50, again: true},
		{size: 192 * mb, live: 3000 * mb, percent: 50, again: true},
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
		size, goal, live, scan uint64
		want                   int
	}{
		// No collection yet: the 4 MB minimum goal scales with GOGC.
		{size: 192 * mb, goal: 4 * mb, live: 0, scan: 0, want: 4800},
		// After start-up collections left 2 MB live: the goal would be
		// live + scan*GOGC/100 = 192 MiB at 9500, but the minimum, 4 MiB
		// times GOGC/100, would then be 380 MiB: 4800 puts the larger of
		// the two (the minimum) at 192 MiB.
		{size: 192 * mb, goal: 4 * mb, live: 2 * mb, scan: 2 * mb, want: 4800},
		// 8 MiB live and 2 MiB of stacks and globals: the live heap's
		// bound decides, (192-8)/10*100.
		{size: 192 * mb, goal: 16 * mb, live: 8 * mb, scan: 10 * mb, want: 1840},
		// Expect raised the size: the same live heap, a larger goal.
		{size: 512 * mb, goal: 16 * mb, live: 8 * mb, scan: 10 * mb, want: 5040},
	} {
		if got := startPercent(tc.size, tc.goal, tc.live, tc.scan); got != tc.want {
			t.Errorf("startPercent(%d MiB, goal %d MiB, live %d MiB, scan %d MiB) = %d, want %d", tc.size/mb, tc.goal/mb, tc.live/mb, tc.scan/mb, got, tc.want)
		}
	}
}

// stopPacers stops the pacers earlier tests started and gives GOGC back
// to 100, with a collection at that pace.
func stopPacers() {
	mu.Lock()
	current = nil
	mu.Unlock()
	debug.SetGCPercent(100)
	runtime.GC()
}

func heapGoal(t *testing.T) uint64 {
	s := []metrics.Sample{{Name: metricGoal}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 {
		t.Fatal("no heap goal metric")
	}
	return s[0].Value.Uint64()
}

// TestExpectRaisesFirstGoal: Expect adds what it is told to the goal of
// the first collection after start, and changes nothing once one has run
// (afterGC paces from then on).
func TestExpectRaisesFirstGoal(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())
	stopPacers()
	const size, more = 64 << 20, 32 << 20
	if !start(size, func(string) string { return "" }) {
		t.Fatal("start did not change the pace")
	}
	before := heapGoal(t)
	if !Expect(more) {
		t.Fatal("Expect did not raise the goal before any collection")
	}
	// GOGC is a whole percent of a live heap of a few MB, and the goal
	// counts stacks and globals too: within 1 MiB.
	if rose := int64(heapGoal(t)) - int64(before); rose < more-1<<20 || rose > more+1<<20 {
		t.Errorf("Expect(%d MiB) raised the goal by %.1f MiB", more>>20, float64(rose)/(1<<20))
	}
	// Less than a step at a time: the goal moves once the step is made.
	before = heapGoal(t)
	for range expectStep/(1<<20) - 1 {
		Expect(1 << 20)
	}
	if got := heapGoal(t); got != before {
		t.Errorf("the goal moved by %d bytes before a step was made", int64(got)-int64(before))
	}
	Expect(1 << 20)
	if rose := int64(heapGoal(t)) - int64(before); rose < expectStep-1<<20 || rose > expectStep+1<<20 {
		t.Errorf("a step of %d MiB raised the goal by %.1f MiB", expectStep>>20, float64(rose)/(1<<20))
	}
	runtime.GC()
	if Expect(more) {
		t.Error("Expect raised the goal after a collection")
	}
}

// TestStartStopsEarlierPacer: a pacer that a later start replaced
// neither sets GOGC after a collection nor asks to run after the next.
func TestStartStopsEarlierPacer(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())
	stopPacers()
	if !start(64<<20, func(string) string { return "" }) {
		t.Fatal("start did not change the pace")
	}
	earlier := current
	mu.Lock()
	current = &pacer{size: 256 << 20} // what a later start leaves
	mu.Unlock()
	debug.SetGCPercent(123)
	if earlier.afterGC() {
		t.Error("the replaced pacer asks to run after the next collection")
	}
	if got := gcPercent(); got != 123 {
		t.Errorf("the replaced pacer set GOGC to %d", got)
	}
	if !current.afterGC() {
		t.Error("the current pacer stopped")
	}
}
