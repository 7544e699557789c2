package main

import (
	"bufio"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// ratioKey starts the one line of docs/performance.md ("CI ratio budget")
// that records the analyze/baseline ratio of median wall times the CI step
// compares with: `ci-ratio-wall: 1.31`.
const ratioKey = "ci-ratio-wall:"

// overBudget is the CI step's failure, checkRatio's message: the measured
// ratio exceeds the budget. main exits 3 for it (1 for any other error), so
// that `make bench-ci` measures again only for it.
type overBudget string

func (e overBudget) Error() string { return string(e) }

// readRecordedRatio reads the ratio of the first line of path that starts
// with ratioKey.
func readRecordedRatio(path string) (float64, error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, fmt.Errorf("-ratio-record: %w", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		rest, ok := strings.CutPrefix(strings.TrimSpace(sc.Text()), ratioKey)
		if !ok {
			continue
		}
		r, err := strconv.ParseFloat(strings.TrimSpace(rest), 64)
		if err != nil || r <= 0 {
			return 0, fmt.Errorf("%s:%d: %q is not a positive ratio: write %s R, R as measured by make bench-ci-record", path, line, strings.TrimSpace(rest), ratioKey)
		}
		return r, nil
	}
	if err := sc.Err(); err != nil {
		return 0, fmt.Errorf("-ratio-record %s: %w", path, err)
	}
	return 0, fmt.Errorf("%s: no line %q: add one (section \"CI ratio budget\"), measured by make bench-ci-record", path, ratioKey+" R")
}

// checkRatio is the CI step's decision: the measured ratio passes when it
// is at most factor times the recorded one. The message says either way
// what was measured, what was recorded and the budget.
func checkRatio(measured, recorded, factor float64) (ok bool, msg string) {
	budget := factor * recorded
	ok = measured <= budget
	verdict, cmp := "ok", "<="
	if !ok {
		verdict, cmp = "over budget", ">"
	}
	return ok, fmt.Sprintf("ratio %s: analyze/baseline median wall %.3fx %s budget %.3fx (%.2f x %.3fx recorded)", verdict, measured, cmp, budget, factor, recorded)
}
