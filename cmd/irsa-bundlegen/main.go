// Command irsa-bundlegen writes a synthetic bundle (kubectl and AWS CLI
// outputs of a large cluster) for benchmarking `irsa-doctor analyze`, and
// times the bundle reader on a bundle:
//
//	irsa-bundlegen -out /tmp/bundle -pods 10000
//	irsa-bundlegen -read /tmp/bundle -runs 5
//	irsa-bundlegen -analyze bin/irsa-doctor -read /tmp/bundle -runs 7
//	irsa-bundlegen -baseline /tmp/bundle
//	irsa-bundlegen -analyze bin/irsa-doctor -read /tmp/bundle -runs 5 -ratio-record docs/performance.md
//	irsa-bundlegen -analyze bin/irsa-doctor -read /tmp/bundle -identical c8b584e
//	irsa-bundlegen -linear /tmp/irsa-doctor-bench-linear.txt
//
// With -analyze, each run of `irsa-doctor analyze` is followed by a run of
// the parse-only baseline (this program with -baseline: decode every file
// of the bundle into any, nothing else), both with GOMEMLIMIT=off, and the
// medians of both and their ratio are printed; with -ratio-record, the
// ratio of the median wall times is checked against the budget that
// docs/performance.md records (make bench-ci). With -identical REV, the
// reports of BIN and of irsa-doctor built at REV are compared (make
// bench-identical). With -linear, the output of internal/cli's
// BenchmarkLinear is summed up per input family (make bench-linear).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
)

func main() {
	var cfg gen.Config
	out := flag.String("out", "", "folder to write the bundle into")
	read := flag.String("read", "", "instead of writing, time bundle.Read on this bundle")
	runs := flag.Int("runs", 5, "with -read: how many reads to time")
	analyze := flag.String("analyze", "", "with -read: time whole `irsa-doctor analyze -o json` processes of this binary instead of bundle.Read, interleaved with the parse-only baseline")
	baseline := flag.String("baseline", "", "parse-only baseline: decode every file under this folder into any, and nothing else")
	record := flag.String("ratio-record", "", "with -analyze: fail (exit 3) when the analyze/baseline ratio of the median wall times exceeds -ratio-factor times the `ci-ratio-wall: R` line of this file (docs/performance.md)")
	identical := flag.String("identical", "", "with -analyze BIN -read DIR: build irsa-doctor at this git revision in a temporary worktree and compare its `analyze -o json DIR` with BIN's, byte for byte, tool.version aside")
	linear := flag.String("linear", "", "print time(10n)/time(n) per family from this output of `go test ./internal/cli -bench BenchmarkLinear` (make bench-linear); fail when one exceeds 12")
	factor := flag.Float64("ratio-factor", 1.6, "with -ratio-record: the budget is this times the recorded ratio")
	flag.IntVar(&cfg.Pods, "pods", 10000, "pods, in one `kubectl get pods -A -o json`")
	flag.IntVar(&cfg.ServiceAccounts, "service-accounts", 2000, "service accounts, the namespaces' default ones included")
	flag.IntVar(&cfg.Roles, "roles", 500, "IAM roles, as get-role outputs in one file")
	flag.IntVar(&cfg.Namespaces, "namespaces", 50, "namespaces")
	flag.Uint64Var(&cfg.Seed, "seed", 0, "random seed; the same seed gives the same bundle")
	flag.IntVar(&cfg.Deployments, "deployments", 0, "Deployments, in one `kubectl get deployments -A -o json`, owning the pods (0: none, the pods' ReplicaSets' Deployments are absent)")
	flag.IntVar(&cfg.PodIdentityAssociations, "pod-identity-associations", 0, "EKS Pod Identity associations: one list-pod-identity-associations output and one describe output each")
	layout := flag.String("pod-layout", "list", "how the pods are printed: list (one kubectl get pods -A), files (one file per pod), values (one value per pod, in one file) or namespaces (one kubectl get pods -n NS per namespace: 100,000 pods in files under the reader's 256 MiB limit)")
	flag.Parse()
	var err error
	if cfg.PodLayout, err = gen.ParseLayout(*layout); err != nil {
		fmt.Fprintln(os.Stderr, "irsa-bundlegen: -pod-layout:", err)
		os.Exit(2)
	}
	switch {
	case *baseline != "" && flag.NArg() == 0 && *out == "" && *read == "":
		err = parseOnly(*baseline)
	case *linear != "" && flag.NArg() == 0 && *out == "" && *read == "":
		err = reportLinear(*linear)
	case flag.NArg() > 0 || (*out == "") == (*read == "") || *runs < 1:
		fmt.Fprintln(os.Stderr, "usage: irsa-bundlegen -out DIR [-pods N] [-service-accounts N] [-roles N] [-namespaces N] [-seed N] [-deployments N] [-pod-identity-associations N] [-pod-layout list|files|values|namespaces]")
		fmt.Fprintln(os.Stderr, "       irsa-bundlegen -read DIR [-runs N] [-analyze IRSA_DOCTOR_BINARY]")
		fmt.Fprintln(os.Stderr, "       irsa-bundlegen -read DIR -analyze IRSA_DOCTOR_BINARY -runs N -ratio-record docs/performance.md [-ratio-factor 1.6]")
		fmt.Fprintln(os.Stderr, "       irsa-bundlegen -read DIR -analyze IRSA_DOCTOR_BINARY -identical GIT_REVISION")
		fmt.Fprintln(os.Stderr, "       irsa-bundlegen -baseline DIR")
		fmt.Fprintln(os.Stderr, "       irsa-bundlegen -linear GO_TEST_BENCH_OUTPUT")
		os.Exit(2)
	case *record != "" && (*analyze == "" || *factor <= 0):
		fmt.Fprintln(os.Stderr, "irsa-bundlegen: -ratio-record needs -analyze BIN -read DIR, and -ratio-factor > 0")
		os.Exit(2)
	case *identical != "" && (*analyze == "" || *read == "" || *record != ""):
		fmt.Fprintln(os.Stderr, "irsa-bundlegen: -identical REF needs -analyze BIN -read DIR, and no -ratio-record")
		os.Exit(2)
	case *identical != "":
		err = compareAtRef(*identical, *analyze, *read)
	case *read != "" && *analyze != "":
		var recorded float64
		if *record != "" {
			// Read before measuring: a missing record fails at once.
			if recorded, err = readRecordedRatio(*record); err != nil {
				break
			}
		}
		var ratio float64
		if ratio, err = timeAnalyze(*analyze, *read, *runs); err != nil || *record == "" {
			break
		}
		ok, msg := checkRatio(ratio, recorded, *factor)
		msg += " in " + *record
		if !ok {
			err = overBudget(msg)
			break
		}
		fmt.Println(msg)
	case *read != "":
		err = timeRead(*read, *runs)
	default:
		err = write(*out, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "irsa-bundlegen:", err)
		if _, ok := err.(overBudget); ok {
			os.Exit(3)
		}
		os.Exit(1)
	}
}

func write(dir string, cfg gen.Config) error {
	if err := gen.Write(dir, cfg); err != nil {
		return err
	}
	var files int
	var size int64
	err := filepath.WalkDir(dir, func(_ string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		info, err := d.Info()
		if err != nil {
			return err
		}
		files++
		size += info.Size()
		return nil
	})
	if err != nil {
		return err
	}
	fmt.Printf("wrote %d files, %.1f MB, to %s\n", files, float64(size)/1e6, dir)
	return nil
}

// timeRead reads the bundle runs times and prints each wall time, the
// median, and the process's peak RSS (the reader alone: nothing else runs).
func timeRead(dir string, runs int) error {
	var times []time.Duration
	for range runs {
		start := time.Now()
		s, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
		if err != nil {
			return err
		}
		d := time.Since(start)
		times = append(times, d)
		fmt.Printf("read %d files: %d pods, %d service accounts, %d roles in %v\n", len(s.Files), len(s.Pods), len(s.ServiceAccounts), len(s.Roles), d.Round(time.Millisecond))
	}
	slices.Sort(times)
	fmt.Printf("median %v", times[len(times)/2].Round(time.Millisecond))
	if rss := peakRSS(); rss > 0 {
		fmt.Printf(", peak RSS %d MB", rss>>20)
	}
	fmt.Println()
	return nil
}

// timeAnalyze runs `BIN analyze -o json DIR` runs times, as a user would,
// interleaved with as many runs of the parse-only baseline (this program
// with -baseline DIR: it decodes every file into any and does nothing else),
// both with GOMEMLIMIT=off, so that both share the machine's noise. It prints
// each run, then for each the median wall time, the median CPU time
// (user+sys from the child's rusage), the largest peak RSS, and the ratios
// analyze/baseline of the medians. It returns the ratio of the median wall
// times.
func timeAnalyze(bin, dir string, runs int) (float64, error) {
	self, err := os.Executable()
	if err != nil {
		return 0, err
	}
	env := append(os.Environ(), "GOMEMLIMIT=off")
	procs := []struct {
		name string
		args []string
		st   stats
	}{
		{name: "analyze", args: []string{bin, "analyze", "-o", "json", dir}},
		{name: "baseline", args: []string{self, "-baseline", dir}},
	}
	for i := range runs {
		for j := range procs {
			p := &procs[j]
			cmd := exec.Command(p.args[0], p.args[1:]...)
			cmd.Env = env
			cmd.Stdout = io.Discard
			var stderr strings.Builder
			cmd.Stderr = &stderr
			start := time.Now()
			err := cmd.Run()
			d := time.Since(start)
			var ee *exec.ExitError
			if err != nil && !(p.name == "analyze" && errors.As(err, &ee) && ee.ExitCode() == 1) {
				return 0, fmt.Errorf("%s: %v: %s", strings.Join(p.args, " "), err, stderr.String())
			}
			ps := cmd.ProcessState
			cpu := ps.UserTime() + ps.SystemTime()
			rss := childRSS(ps)
			p.st.add(d, cpu, rss)
			fmt.Printf("run %d %-8s exit %d  wall %.3f s  cpu %.3f s  peak RSS %d MB\n", i+1, p.name, ps.ExitCode(), d.Seconds(), cpu.Seconds(), rss>>20)
		}
	}
	a, b := &procs[0].st, &procs[1].st
	fmt.Printf("\n%d runs each, interleaved, GOMEMLIMIT=off, GOMAXPROCS default, %d CPUs\n", runs, runtime.NumCPU())
	fmt.Printf("| process | median wall | median CPU (user+sys) | peak RSS |\n|---|---|---|---|\n")
	for _, p := range procs {
		fmt.Printf("| %s | %.3f s | %.3f s | %d MB |\n", p.name, p.st.wall().Seconds(), p.st.cpu().Seconds(), p.st.rss>>20)
	}
	ratio := a.wall().Seconds() / b.wall().Seconds()
	fmt.Printf("| analyze/baseline | %.2fx | %.2fx | %.2fx |\n", ratio, a.cpu().Seconds()/b.cpu().Seconds(), float64(a.rss)/float64(max(b.rss, 1)))
	return ratio, nil
}

// stats collects the measurements of one kind of process.
type stats struct {
	walls, cpus []time.Duration
	rss         int64
}

func (s *stats) add(wall, cpu time.Duration, rss int64) {
	s.walls = append(s.walls, wall)
	s.cpus = append(s.cpus, cpu)
	s.rss = max(s.rss, rss)
}

func (s *stats) wall() time.Duration { return median(s.walls) }
func (s *stats) cpu() time.Duration  { return median(s.cpus) }

// median is the middle value (the lower of the two middle ones for an even count).
func median(d []time.Duration) time.Duration {
	d = slices.Clone(d)
	slices.Sort(d)
	return d[(len(d)-1)/2]
}
