package main

import (
	"strings"
	"testing"
)

const linearOutput = `goos: linux
goarch: amd64
pkg: github.com/irsa-doctor/irsa-doctor/internal/cli
cpu: AMD EPYC
BenchmarkLinear/pods/n=1000-2  	       3	 159560933 ns/op	  41089667 cpu-ns/op	60843524 B/op	  476010 allocs/op
BenchmarkLinear/pods/n=10000-2 	       3	 969211662 ns/op	 400000000 cpu-ns/op	579898896 B/op	 4552976 allocs/op
BenchmarkLinear/workloads/n=1000-2         	       2	 100000000 ns/op	 100000000 cpu-ns/op	60439288 B/op	  526186 allocs/op
BenchmarkLinear/workloads/n=10000-2        	       2	1100000000 ns/op	1300000000 cpu-ns/op	524745708 B/op	 4571073 allocs/op
BenchmarkLinear/roles/n=1000 	       2	 100000000 ns/op
BenchmarkLinear/roles/n=10000 	       2	 1200000000 ns/op
PASS
`

// TestLinearReport: the growth per family from go test's output, and the
// families over 12x (a growth of exactly 12x passes), judged on CPU time
// when the benchmark reports it, else on wall time.
func TestLinearReport(t *testing.T) {
	rows, err := parseLinear(strings.NewReader(linearOutput))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	over := linearReport(&b, rows)
	want := `| family | n | 10n | wall(n) | wall(10n) | wall ratio | CPU(n) | CPU(10n) | CPU ratio | memory ratio |
|---|---|---|---|---|---|---|---|---|---|
| pods | 1000 | 10000 | 0.160 s | 0.969 s | 6.1x | 0.041 s | 0.400 s | 9.7x | 9.5x |
| workloads | 1000 | 10000 | 0.100 s | 1.100 s | 11.0x | 0.100 s | 1.300 s | 13.0x **> 12x** | 8.7x |
| roles | 1000 | 10000 | 0.100 s | 1.200 s | 12.0x | - | - | - | - |
`
	if b.String() != want {
		t.Errorf("report:\n%s\nwant:\n%s", b.String(), want)
	}
	if len(over) != 1 || over[0] != "workloads" {
		t.Errorf("over = %v, want [workloads]", over)
	}
}

func TestParseLinearErrors(t *testing.T) {
	if _, err := parseLinear(strings.NewReader("PASS\n")); err == nil || !strings.Contains(err.Error(), "no BenchmarkLinear results") {
		t.Errorf("no results: err = %v", err)
	}
	only := "BenchmarkLinear/pods/n=1000-2  1  5 ns/op\nBenchmarkLinear/pods/n=5000-2  1  9 ns/op\n"
	if _, err := parseLinear(strings.NewReader(only)); err == nil || !strings.Contains(err.Error(), "family pods: no result at n=1000 and 10n=10000") {
		t.Errorf("no 10n: err = %v", err)
	}
}
