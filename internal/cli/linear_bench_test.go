//go:build linux || darwin

package cli

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
)

// linearFamilies are the input families of issue 14's linearity target:
// 10 times the input costs at most 12 times the time. Each grows one
// family from n to 10n on a small fixed rest (linearBase), so that the
// family dominates the cost at both sizes.
var linearFamilies = []struct {
	name string
	n    int
	set  func(c *gen.Config, n int)
}{
	{"pods", 1000, func(c *gen.Config, n int) { c.Pods = n }},
	// The roles stay 20, so each role's trust policy names n/25 of the
	// ServiceAccounts (the annotated four fifths): the policies grow with n.
	{"serviceaccounts", 1000, func(c *gen.Config, n int) { c.ServiceAccounts = n }},
	// The same with a role for every five ServiceAccounts, as in the default
	// bundle (2,000 and 500): each trust policy names four, at both sizes.
	{"serviceaccounts+roles", 1000, func(c *gen.Config, n int) { c.ServiceAccounts, c.Roles = n, n/5 }},
	{"roles", 1000, func(c *gen.Config, n int) { c.Roles = n }},
	// Deployments beyond the pods' count own none (replicas 0): each is
	// still a target, its template diagnosed.
	{"workloads", 1000, func(c *gen.Config, n int) { c.Deployments = n }},
	{"podidentityassociations", 1000, func(c *gen.Config, n int) { c.PodIdentityAssociations = n }},
	// The pods again, one `kubectl get pod -o json` per file: files in a folder.
	{"files", 1000, func(c *gen.Config, n int) { c.Pods, c.PodLayout = n, gen.PodFiles }},
	// The pods again, one value each in one file: values in one file.
	{"values", 1000, func(c *gen.Config, n int) { c.Pods, c.PodLayout = n, gen.PodValues }},
}

// linearBase is the rest of every bundle: 100 pods, 100 ServiceAccounts,
// 20 roles in 10 namespaces, no Deployments or associations.
var linearBase = gen.Config{Pods: 100, ServiceAccounts: 100, Roles: 20, Namespaces: 10, Seed: 14}

// BenchmarkLinear times the whole `analyze -o json DIR` (cli.Main, report
// to io.Discard) for each family at n and 10n (issue 14). The bundles are
// written once per family, into a folder removed when the family is done,
// before the timed loop. Beside the wall time it reports cpu-ns/op, the
// process's user+sys CPU time per run (the analysis's goroutines and the
// garbage collector's): on a shared machine the wall time also measures
// the neighbours. `make bench-linear` runs it and prints time(10n)/time(n)
// per family (irsa-bundlegen -linear).
func BenchmarkLinear(b *testing.B) {
	for _, f := range linearFamilies {
		b.Run(f.name, func(b *testing.B) {
			dir := b.TempDir()
			for _, n := range []int{f.n, 10 * f.n} {
				b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
					cfg := linearBase
					f.set(&cfg, n)
					path := filepath.Join(dir, fmt.Sprint(n))
					if _, err := os.Stat(path); err != nil {
						if err := gen.Write(path, cfg); err != nil {
							b.Fatal(err)
						}
					}
					var errOut strings.Builder
					deps := Deps{
						In: strings.NewReader(""), Out: io.Discard, ErrOut: &errOut,
						Getenv: func(string) string { return "" }, Now: time.Now, Version: "bench",
					}
					cpu := processCPU()
					for b.Loop() {
						if code := Main([]string{"analyze", "-o", "json", path}, deps); code != ExitOK && code != ExitFindings {
							b.Fatalf("analyze %s (%+v): exit %d: %s", path, cfg, code, errOut.String())
						}
					}
					b.ReportMetric(float64(processCPU()-cpu)/float64(b.N), "cpu-ns/op")
				})
			}
		})
	}
}
