package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
	"strings"
)

// maxGrowth is issue 14's linearity target: 10 times the input costs at
// most 12 times the time.
const maxGrowth = 12.0

// linearName matches the name of a result of BenchmarkLinear
// (internal/cli): BenchmarkLinear/FAMILY/n=N-PROCS, followed by the runs
// and value-unit pairs: ns/op, cpu-ns/op, B/op, allocs/op.
var linearName = regexp.MustCompile(`^BenchmarkLinear/([^/]+)/n=(\d+)(?:-\d+)?$`)

// linearResult is one size of one family: its metrics by unit.
type linearResult struct {
	n       int
	metrics map[string]float64
}

// linearRow is one family at two sizes.
type linearRow struct {
	family      string
	small, big  linearResult // n and 10n
	growthUnit  string       // the metric judged: cpu-ns/op when reported, else ns/op
	growthValue float64
}

func (r linearRow) growth(unit string) float64 {
	if r.small.metrics[unit] <= 0 {
		return 0
	}
	return r.big.metrics[unit] / r.small.metrics[unit]
}

// parseLinear reads the output of `go test -bench BenchmarkLinear`: for
// each family, in the order of the output, the result at its smallest
// size n and at 10n.
func parseLinear(in io.Reader) ([]linearRow, error) {
	var order []string
	results := map[string][]linearResult{}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		if len(fields) < 4 || len(fields)%2 != 0 {
			continue
		}
		m := linearName.FindStringSubmatch(fields[0])
		if m == nil {
			continue
		}
		r := linearResult{metrics: map[string]float64{}}
		r.n, _ = strconv.Atoi(m[2])
		for i := 2; i+1 < len(fields); i += 2 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				return nil, fmt.Errorf("%s: %q is not a number", fields[0], fields[i])
			}
			r.metrics[fields[i+1]] = v
		}
		if results[m[1]] == nil {
			order = append(order, m[1])
		}
		results[m[1]] = append(results[m[1]], r)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if len(order) == 0 {
		return nil, fmt.Errorf("no BenchmarkLinear results: run go test ./internal/cli -run '^$' -bench '^BenchmarkLinear$' and give its output")
	}
	var rows []linearRow
	for _, fam := range order {
		rs := results[fam]
		row := linearRow{family: fam, small: rs[0]}
		for _, r := range rs {
			if r.n < row.small.n {
				row.small = r
			}
		}
		for _, r := range rs {
			if r.n == 10*row.small.n {
				row.big = r
			}
		}
		row.growthUnit = "ns/op"
		if row.small.metrics["cpu-ns/op"] > 0 {
			row.growthUnit = "cpu-ns/op"
		}
		row.growthValue = row.growth(row.growthUnit)
		if row.big.n == 0 || row.growthValue == 0 {
			return nil, fmt.Errorf("family %s: no result at n=%d and 10n=%d", fam, row.small.n, 10*row.small.n)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// linearReport prints the rows as a Markdown table and returns the
// families whose judged metric (CPU time when reported, else wall time)
// grows more than maxGrowth times.
func linearReport(w io.Writer, rows []linearRow) (over []string) {
	fmt.Fprintln(w, "| family | n | 10n | wall(n) | wall(10n) | wall ratio | CPU(n) | CPU(10n) | CPU ratio | memory ratio |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|---|---|---|")
	for _, r := range rows {
		cell := func(unit string, format func(float64) string) (small, big, ratio string) {
			if r.small.metrics[unit] <= 0 {
				return "-", "-", "-"
			}
			ratio = fmt.Sprintf("%.1fx", r.growth(unit))
			if unit == r.growthUnit && r.growthValue > maxGrowth {
				ratio += fmt.Sprintf(" **> %gx**", maxGrowth)
			}
			return format(r.small.metrics[unit]), format(r.big.metrics[unit]), ratio
		}
		secs := func(ns float64) string { return fmt.Sprintf("%.3f s", ns/1e9) }
		w1, w10, wr := cell("ns/op", secs)
		c1, c10, cr := cell("cpu-ns/op", secs)
		_, _, mr := cell("B/op", secs)
		if r.growthValue > maxGrowth {
			over = append(over, r.family)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s |\n", r.family, r.small.n, r.big.n, w1, w10, wr, c1, c10, cr, mr)
	}
	return over
}

// reportLinear is -linear FILE: the table, and an error naming the
// families over the target.
func reportLinear(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("-linear: %w", err)
	}
	defer f.Close()
	rows, err := parseLinear(f)
	if err != nil {
		return fmt.Errorf("-linear %s: %w", path, err)
	}
	if over := linearReport(os.Stdout, rows); len(over) > 0 {
		return fmt.Errorf("%s: 10 times the input costs more than %g times the time (CPU time when reported) for %v", path, maxGrowth, over)
	}
	return nil
}
