package main

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"regexp"
	"strconv"
)

// maxGrowth is issue 14's linearity target: 10 times the input costs at
// most 12 times the time.
const maxGrowth = 12.0

// linearLine matches a result of BenchmarkLinear (internal/cli):
// BenchmarkLinear/FAMILY/n=N-PROCS  RUNS  NS ns/op [B B/op  A allocs/op].
var linearLine = regexp.MustCompile(`^BenchmarkLinear/([^/\s]+)/n=(\d+)(?:-\d+)?\s+\d+\s+([\d.]+) ns/op(?:\s+(\d+) B/op)?`)

// linearRow is one family at two sizes.
type linearRow struct {
	family         string
	n, n10         int
	ns, ns10       float64 // ns/op at n and 10n
	bytes, bytes10 float64 // B/op, 0 without -benchmem
}

func (r linearRow) growth() float64 { return r.ns10 / r.ns }

// parseLinear reads the output of `go test -bench BenchmarkLinear`: for
// each family, in the order of the output, the result at its smallest
// size n and at 10n.
func parseLinear(in io.Reader) ([]linearRow, error) {
	type result struct {
		n         int
		ns, bytes float64
	}
	var order []string
	results := map[string][]result{}
	sc := bufio.NewScanner(in)
	for sc.Scan() {
		m := linearLine.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[2])
		ns, _ := strconv.ParseFloat(m[3], 64)
		bytes, _ := strconv.ParseFloat(m[4], 64)
		if results[m[1]] == nil {
			order = append(order, m[1])
		}
		results[m[1]] = append(results[m[1]], result{n, ns, bytes})
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
		small := rs[0]
		for _, r := range rs {
			if r.n < small.n {
				small = r
			}
		}
		row := linearRow{family: fam, n: small.n, ns: small.ns, bytes: small.bytes}
		for _, r := range rs {
			if r.n == 10*small.n {
				row.n10, row.ns10, row.bytes10 = r.n, r.ns, r.bytes
			}
		}
		if row.n10 == 0 || row.ns <= 0 {
			return nil, fmt.Errorf("family %s: no result at n=%d and 10n=%d", fam, small.n, 10*small.n)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// linearReport prints the rows as a Markdown table and returns the
// families that grow more than maxGrowth times.
func linearReport(w io.Writer, rows []linearRow) (over []string) {
	fmt.Fprintln(w, "| family | n | 10n | time(n) | time(10n) | time(10n)/time(n) | memory(10n)/memory(n) |")
	fmt.Fprintln(w, "|---|---|---|---|---|---|---|")
	for _, r := range rows {
		mem := "-"
		if r.bytes > 0 {
			mem = fmt.Sprintf("%.1fx", r.bytes10/r.bytes)
		}
		flag := ""
		if r.growth() > maxGrowth {
			flag = fmt.Sprintf(" **> %gx**", maxGrowth)
			over = append(over, r.family)
		}
		fmt.Fprintf(w, "| %s | %d | %d | %.3f s | %.3f s | %.1fx%s | %s |\n", r.family, r.n, r.n10, r.ns/1e9, r.ns10/1e9, r.growth(), flag, mem)
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
		return fmt.Errorf("%s: 10 times the input costs more than %g times the time for %v", path, maxGrowth, over)
	}
	return nil
}
