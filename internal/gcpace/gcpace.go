// Package gcpace lets a short-lived batch command (analyze, scan) grow its
// heap to a chosen size before the garbage collector takes its usual pace.
//
// With Go's defaults the first collection runs at a 4 MB heap and each
// later one when the heap has doubled what the last one left live. A run
// of `analyze` on 10,000 pods allocates about 220 MB while its live heap
// climbs from nothing to about 80 MB, so it collects about ten times, each
// marking a larger live heap: fewer collections save 12-17% of the run's
// CPU (docs/performance.md, "Issue 14, step 3"). Go's own compiler
// meets the same cost the same way (cmd/compile/internal/base's
// AdjustStartingHeap, golang/go#56546): it raises GOGC until the heap
// reaches a starting size, then gives GOGC back. The runtime offers no
// such setting, hence this package; it uses only supported interfaces
// (runtime/debug.SetGCPercent, runtime/metrics).
//
// It is not a memory limit: past the starting size the collector paces as
// GOGC=100 does, and on a live heap larger than four times the starting size it
// leaves less room to grow (down to GOGC=50, see next), so a large input's
// peak stays proportional to its live heap. A GOGC the user set is
// honoured: then nothing changes.
package gcpace

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

const (
	metricGoal    = "/gc/heap/goal:bytes"
	metricLive    = "/gc/heap/live:bytes"
	metricCycles  = "/gc/cycles/total:gc-cycles"
	metricStacks  = "/gc/scan/stack:bytes"
	metricGlobals = "/gc/scan/globals:bytes"
	// normal is the GOGC the collector returns to: Go's default.
	normal = 100
)

var once sync.Once

// current is the pacer of the last start (nil when it did not act): a
// pacer that is not current stops (afterGC), so that only one sets GOGC.
// mu guards current and its first.
var (
	mu      sync.Mutex
	current *pacer
)

type pacer struct {
	size uint64
	// first is what the goal of the first collection after start is
	// made of, which Expect raises; nil once a collection has run.
	first *firstGoal
}

type firstGoal struct {
	size             uint64 // Start's size plus what Expect added
	set              uint64 // the size the goal was last set for
	goal, live, scan uint64 // what start measured (startPercent)
	cycles           uint64 // completed collections when start measured
}

// Start raises GOGC so that the heap may grow to about size bytes before
// the first collections, gives GOGC back to 100 once a collection
// leaves so much live that the default pace would reach size by itself,
// and lowers it towards 50 for live heaps larger than size (next).
// getenv is os.Getenv (a test's own table otherwise): when GOGC is set,
// Start changes nothing. It reports whether it changed anything. Only the
// first call in a process acts: the pace is the process's.
func Start(size uint64, getenv func(string) string) bool {
	started := false
	once.Do(func() { started = start(size, getenv) })
	return started
}

func start(size uint64, getenv func(string) string) bool {
	if getenv("GOGC") != "" {
		return false
	}
	// A collection now, while the heap is the few MB of package
	// initialisation, takes about a millisecond and makes what follows
	// exact: none is under way (one that was would finish with its own
	// live heap, which the GOGC set here would then multiply), the live
	// heap is known, and the sentinel eachGC arms is not marked by a
	// cycle it was allocated during.
	runtime.GC()
	s := []metrics.Sample{{Name: metricGoal}, {Name: metricLive}, {Name: metricCycles}, {Name: metricStacks}, {Name: metricGlobals}}
	metrics.Read(s)
	for _, v := range s {
		if v.Value.Kind() != metrics.KindUint64 {
			return false
		}
	}
	goal, live := s[0].Value.Uint64(), s[1].Value.Uint64()
	scan := live + s[3].Value.Uint64() + s[4].Value.Uint64()
	if goal == 0 || size <= goal*3/2 {
		return false
	}
	p := &pacer{size: size, first: &firstGoal{size: size, set: size, goal: goal, live: live, scan: scan, cycles: s[2].Value.Uint64()}}
	mu.Lock()
	current = p
	debug.SetGCPercent(startPercent(size, goal, live, scan))
	mu.Unlock()
	eachGC(p.afterGC)
	return true
}

// Expect lets the heap grow n bytes more before the first collection after
// Start: room for what the command is about to allocate and keep (analyze
// hands it a share of each file it reads), so that the collector does not
// mark, again and again, a live heap that only grows. Past that first
// collection the pace is Start's (next, with Start's size), whatever
// Expect was told. The goal follows in steps of expectStep. It reports
// whether it took n into account: not when Start did not act (GOGC set)
// or once a collection has run. Safe for concurrent use.
func Expect(n uint64) bool {
	mu.Lock()
	defer mu.Unlock()
	if current == nil || current.first == nil {
		return false
	}
	f := current.first
	f.size += n
	if f.size < f.set+expectStep {
		// Small files (one pod each) add little at a time: the goal
		// follows in steps, not with a metrics read and a GOGC change
		// per file.
		return true
	}
	s := []metrics.Sample{{Name: metricCycles}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[0].Value.Uint64() != f.cycles {
		// A collection has run: its live heap, not start's, is the
		// base of GOGC now, and afterGC paces from it. (One that ends
		// between this read and SetGCPercent below runs afterGC after
		// it, which waits for mu and then sets the pace again.)
		current.first = nil
		return false
	}
	f.set = f.size
	debug.SetGCPercent(startPercent(f.size, f.goal, f.live, f.scan))
	return true
}

// expectStep is how far Expect lets what it was told run ahead of the goal.
const expectStep = 4 << 20

// startPercent is the GOGC that puts the next goal at size. Before the
// first collection the goal scales with GOGC (the runtime's minimum heap,
// 4 MB, times GOGC/100). After one, the runtime's goal is the larger of
// live + scan*GOGC/100, where scan is the live heap plus the stacks and
// globals the collection scanned, and that minimum times GOGC/100
// (runtime/mgcpacer.go, gcControllerState.heapGoalInternal and
// setGCPercent): a command starts after package initialisation's
// collections, with 2-3 MB live, so both bounds count. Scaling the goal as
// if no collection had run set it at 112 MB, and ignoring the minimum at
// about 238 MB, for 192 MiB (GODEBUG=gctrace=1).
func startPercent(size, goal, live, scan uint64) int {
	if live == 0 || scan == 0 {
		return int(normal * size / goal)
	}
	p := normal * (size - min(live, size)) / scan
	return int(max(1, min(p, normal*size/heapMinimum)))
}

// heapMinimum is the runtime's minimum heap goal at GOGC=100
// (defaultHeapMinimum in runtime/mgcpacer.go).
const heapMinimum = 4 << 20

// afterGC sets GOGC for the next collection from what the last one left
// live, and reports whether to run again after the next collection: not
// once another start has replaced p (tests start several times).
func (p *pacer) afterGC() bool {
	mu.Lock()
	defer mu.Unlock()
	if current != p {
		return false
	}
	p.first = nil
	size := p.size
	s := []metrics.Sample{{Name: metricLive}}
	metrics.Read(s)
	var live uint64
	if s[0].Value.Kind() == metrics.KindUint64 {
		live = s[0].Value.Uint64()
	}
	percent, again := next(size, live)
	debug.SetGCPercent(percent)
	return again
}

// next is the GOGC for the collection after one that left live bytes
// live (the goal is then live*(1+GOGC/100)), and whether to keep setting
// it after each collection:
//
//   - below size/2 live, the goal is size: the starting pace;
//   - from size/2 to wide*size, GOGC is 100, Go's default (the goal grows
//     from size to 2*wide*size);
//   - from wide*size to 2*wide*size, the goal is live+wide*size: the room
//     to grow stays wide*size while GOGC falls from 100 to 50;
//   - from 2*wide*size, GOGC is 50: the room is half the live heap.
//
// Each step starts where the one before ends, and the peak stays
// proportional to the live heap.
func next(size, live uint64) (percent int, again bool) {
	switch {
	case live == 0:
		return normal, false
	case 2*live < size:
		return int(normal*size/live - normal), true
	case live < wide*size:
		return normal, true
	case live < 2*wide*size:
		return int(normal * wide * size / live), true
	}
	return normal / 2, true
}

// wide*size is the live heap up to which GOGC stays at Go's default. A
// 100,000-pod bundle keeps up to about 420 MB live: at GOGC=100 it peaks
// at about 750 MB and takes 3.1 s; with GOGC falling to 50 from 384 MiB
// live (wide 2, the pace before), 660 MB and 3.3 s, a collection more
// (docs/performance.md, "Issue 14, step 5"). Past wide*size, GOGC=100
// would double a large heap, so GOGC falls to 50 there, at the cost of
// more collections, each marking the live heap. An unknown live heap (0)
// gives GOGC back to 100 and stops.
const wide = 4

// eachGC runs fn after each collection until fn returns false. A
// finalizer on an unreachable object runs after the collection that finds
// it unreachable; setting it again on the same object arms it for the
// next. The object is larger than 16 bytes so that the runtime's tiny
// allocator, which batches small objects, does not keep it alive.
func eachGC(fn func() bool) {
	type sentinel [32]byte
	var arm func(*sentinel)
	arm = func(p *sentinel) {
		if fn() {
			runtime.SetFinalizer(p, arm)
		}
	}
	runtime.SetFinalizer(new(sentinel), arm)
}
