package check_test

import (
	"context"
	"runtime"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
	"github.com/irsa-doctor/irsa-doctor/internal/check"
)

// TestParallelRunIsDeterministic: the engine judges targets on every core;
// its output must equal a one-core run (run with -race in make test).
func TestParallelRunIsDeterministic(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(dir, gen.Config{Pods: 300, ServiceAccounts: 80, Roles: 20, Namespaces: 5, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	snap, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	run := func(procs int, dropPasses bool) *check.Output {
		prev := runtime.GOMAXPROCS(procs)
		defer runtime.GOMAXPROCS(prev)
		return check.Run(snap, check.Options{Now: check.ScenarioNow, DropPasses: dropPasses})
	}
	for _, drop := range []bool{false, true} {
		one, many := run(1, drop), run(4, drop)
		if len(one.Targets) < 64 {
			t.Fatalf("%d targets: too few to run in parallel", len(one.Targets))
		}
		if diff := cmp.Diff(one, many); diff != "" {
			t.Errorf("DropPasses %v: parallel run differs (-one core +four):\n%s", drop, diff)
		}
	}
}
