package cli

import (
	"context"
	"io"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
)

// The benchmarks of issue 14 split `analyze` of the generated 10,000-pod
// bundle (docs/performance.md) into its phases, for profiling:
//
//	GOMEMLIMIT=off go test ./internal/cli -run '^$' -bench 'Engine|Analyze' -benchtime 5x -cpuprofile cpu.prof
//
// BenchmarkEngine times the checks alone (check.Run on a snapshot read
// once), BenchmarkAnalyze the whole command as a user runs it.

func benchBundle(b *testing.B) string {
	b.Helper()
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Config{}); err != nil {
		b.Fatal(err)
	}
	return dir
}

func BenchmarkEngine(b *testing.B) {
	dir := benchBundle(b)
	snap, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
	if err != nil {
		b.Fatal(err)
	}
	now := time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC)
	b.ReportAllocs()
	for b.Loop() {
		out := check.Run(snap, check.Options{Now: now, DropPasses: true})
		if len(out.Targets) != 7800 {
			b.Fatalf("%d targets, want 7800", len(out.Targets))
		}
	}
}

func BenchmarkAnalyze(b *testing.B) {
	dir := benchBundle(b)
	deps := Deps{Out: io.Discard, ErrOut: io.Discard, Getenv: func(string) string { return "" }, Now: time.Now, Version: "bench"}
	b.ReportAllocs()
	for b.Loop() {
		if code := Main([]string{"analyze", "-o", "json", dir}, deps); code != ExitOK {
			b.Fatalf("exit %d, want %d", code, ExitOK)
		}
	}
}
