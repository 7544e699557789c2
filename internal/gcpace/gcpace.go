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
// GOGC=100 does, so a large input's peak stays proportional to its live
// heap. A GOGC the user set is honoured: then nothing changes.
package gcpace

import (
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
)

const (
	metricGoal = "/gc/heap/goal:bytes"
	metricLive = "/gc/heap/live:bytes"
	// normal is the GOGC the collector returns to: Go's default.
	normal = 100
)

var once sync.Once

// Start raises GOGC so that the heap may grow to about size bytes before
// the first collections, and gives GOGC back to 100 once a collection
// leaves so much live that the default pace would reach size by itself.
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
	s := []metrics.Sample{{Name: metricGoal}, {Name: metricLive}}
	metrics.Read(s)
	if s[0].Value.Kind() != metrics.KindUint64 || s[1].Value.Kind() != metrics.KindUint64 {
		return false
	}
	goal, live := s[0].Value.Uint64(), s[1].Value.Uint64()
	if goal == 0 || size <= goal*3/2 {
		return false
	}
	debug.SetGCPercent(startPercent(size, goal, live))
	eachGC(func() bool { return afterGC(size) })
	return true
}

// startPercent is the GOGC that puts the next goal at size. Before the
// first collection the goal scales with GOGC (the runtime's minimum heap,
// 4 MB, times GOGC/100). After one, it is what that collection left live
// times 1+GOGC/100, as afterGC keeps it. Package initialisation (the AWS
// SDK's and client-go's tables) allocates more than 4 MB, so a command
// usually starts after one or two collections: scaling the goal as if
// none had run set it at 112 MB, not 192 MiB (GODEBUG=gctrace=1).
func startPercent(size, goal, live uint64) int {
	if live == 0 {
		return int(normal * size / goal)
	}
	p, _ := next(size, live)
	return p
}

// afterGC sets GOGC for the next collection from what the last one left
// live, and reports whether to run again after the next collection.
func afterGC(size uint64) bool {
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

// next is the GOGC that sets the next goal at size when the last
// collection left live bytes live (the goal is live*(1+GOGC/100)), and
// whether to keep pacing; once GOGC=100 alone would reach size (2*live >=
// size), it is 100 and pacing stops. An unknown live heap (0) stops it too.
func next(size, live uint64) (percent int, again bool) {
	if live == 0 || 2*live >= size {
		return normal, false
	}
	return int(normal*size/live - normal), true
}

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
