// Command irsa-bundlegen writes a synthetic bundle (kubectl and AWS CLI
// outputs of a large cluster) for benchmarking `irsa-doctor analyze`, and
// times the bundle reader on a bundle:
//
//	irsa-bundlegen -out /tmp/bundle -pods 10000
//	irsa-bundlegen -read /tmp/bundle -runs 5
//	irsa-bundlegen -analyze bin/irsa-doctor -read /tmp/bundle -runs 5
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
	analyze := flag.String("analyze", "", "with -read: time whole `irsa-doctor analyze -o json` processes of this binary instead of bundle.Read")
	flag.IntVar(&cfg.Pods, "pods", 10000, "pods, in one `kubectl get pods -A -o json`")
	flag.IntVar(&cfg.ServiceAccounts, "service-accounts", 2000, "service accounts, the namespaces' default ones included")
	flag.IntVar(&cfg.Roles, "roles", 500, "IAM roles, as get-role outputs in one file")
	flag.IntVar(&cfg.Namespaces, "namespaces", 50, "namespaces")
	flag.Uint64Var(&cfg.Seed, "seed", 0, "random seed; the same seed gives the same bundle")
	flag.Parse()
	var err error
	switch {
	case flag.NArg() > 0 || (*out == "") == (*read == "") || *runs < 1:
		fmt.Fprintln(os.Stderr, "usage: irsa-bundlegen -out DIR [-pods N] [-service-accounts N] [-roles N] [-namespaces N] [-seed N]")
		fmt.Fprintln(os.Stderr, "       irsa-bundlegen -read DIR [-runs N] [-analyze IRSA_DOCTOR_BINARY]")
		os.Exit(2)
	case *read != "" && *analyze != "":
		err = timeAnalyze(*analyze, *read, *runs)
	case *read != "":
		err = timeRead(*read, *runs)
	default:
		err = write(*out, cfg)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "irsa-bundlegen:", err)
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

// timeAnalyze runs `BIN analyze DIR -o json` runs times, as a user would,
// and prints each wall time, the median, and the largest peak RSS of the
// child processes (getrusage of each child).
func timeAnalyze(bin, dir string, runs int) error {
	var times []time.Duration
	var peak int64
	for range runs {
		cmd := exec.Command(bin, "analyze", dir, "-o", "json")
		cmd.Stdout = io.Discard
		var stderr strings.Builder
		cmd.Stderr = &stderr
		start := time.Now()
		err := cmd.Run()
		d := time.Since(start)
		var ee *exec.ExitError
		if err != nil && !(errors.As(err, &ee) && ee.ExitCode() == 1) {
			return fmt.Errorf("%s analyze %s: %v: %s", bin, dir, err, stderr.String())
		}
		rss := childRSS(cmd.ProcessState)
		peak = max(peak, rss)
		times = append(times, d)
		fmt.Printf("analyze: exit %d in %v, peak RSS %d MB\n", cmd.ProcessState.ExitCode(), d.Round(time.Millisecond), rss>>20)
	}
	slices.Sort(times)
	fmt.Printf("median %v, peak RSS %d MB\n", times[len(times)/2].Round(time.Millisecond), peak>>20)
	return nil
}
