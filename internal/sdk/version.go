package sdk

import (
	"fmt"
	"strconv"
	"strings"
)

// Version is a parsed version: dotted numbers ("1.47.11", "v2.7.0",
// "3.3.659.1"), or a release date ("release-2023-11-14": aws-sdk-go-v2 and
// the Rust SDK tag releases by date). An image tag may carry a suffix after
// the numbers ("2.15.0-amd64", "v2.7.1-eks-1-29-2", "0.14.0-debian-11-r2"):
// it names a build of that version and is ignored when comparing, except
// a pre-release label ("-rc.1", "-beta2", "-alpha.0"), which sorts before
// the release, as in Semantic Versioning.
type Version struct {
	Raw string
	// Date is true for release-YYYY-MM-DD; Parts is then year, month, day.
	Date  bool
	Parts []int
	// Pre is the pre-release label, lower-cased ("rc.1"); "" for a release.
	Pre string
	// Suffix is any other text after the numbers ("-amd64").
	Suffix string
}

// preLabels start a pre-release suffix.
var preLabels = []string{"alpha", "beta", "rc", "pre", "preview", "dev", "snapshot"}

// Parse reads a version or an image tag. "latest", a bare major ("2"),
// a digest or any word is an error: it names no version.
func Parse(s string) (Version, error) {
	v := Version{Raw: s}
	t := strings.TrimSpace(s)
	if rest, ok := strings.CutPrefix(t, "release-"); ok {
		p := strings.Split(rest, "-")
		if len(p) != 3 || len(p[0]) != 4 || len(p[1]) != 2 || len(p[2]) != 2 {
			return Version{}, fmt.Errorf("version %q: want release-YYYY-MM-DD", s)
		}
		for _, x := range p {
			n, err := strconv.Atoi(x)
			if err != nil || n < 0 {
				return Version{}, fmt.Errorf("version %q: want release-YYYY-MM-DD", s)
			}
			v.Parts = append(v.Parts, n)
		}
		if v.Parts[1] < 1 || v.Parts[1] > 12 || v.Parts[2] < 1 || v.Parts[2] > 31 {
			return Version{}, fmt.Errorf("version %q: not a date", s)
		}
		v.Date = true
		return v, nil
	}
	if len(t) > 0 && (t[0] == 'v' || t[0] == 'V') {
		t = t[1:]
	}
	i := 0
	for {
		j := i
		for j < len(t) && t[j] >= '0' && t[j] <= '9' {
			j++
		}
		if j == i || j-i > 12 {
			return Version{}, fmt.Errorf("version %q: names no version", s)
		}
		n, err := strconv.Atoi(t[i:j])
		if err != nil {
			return Version{}, fmt.Errorf("version %q: %w", s, err)
		}
		v.Parts = append(v.Parts, n)
		i = j
		if i+1 < len(t) && t[i] == '.' && t[i+1] >= '0' && t[i+1] <= '9' {
			i++
			continue
		}
		break
	}
	if len(v.Parts) < 2 {
		// "2" or "v1" is a moving tag for a major version, not a version.
		return Version{}, fmt.Errorf("version %q: names no version (a major version alone moves)", s)
	}
	rest := t[i:]
	if rest == "" {
		return v, nil
	}
	if !strings.ContainsRune("-+_.", rune(rest[0])) {
		return Version{}, fmt.Errorf("version %q: unexpected %q after the version", s, rest)
	}
	label := strings.ToLower(rest[1:])
	if rest[0] != '+' {
		for _, p := range preLabels {
			if strings.HasPrefix(label, p) {
				v.Pre = label
				return v, nil
			}
		}
	}
	v.Suffix = rest
	return v, nil
}

// Core is the version without suffix, as written in the data ("1.47.11",
// "release-2023-11-14").
func (v Version) Core() string {
	if v.Date {
		return fmt.Sprintf("release-%04d-%02d-%02d", v.Parts[0], v.Parts[1], v.Parts[2])
	}
	s := make([]string, len(v.Parts))
	for i, p := range v.Parts {
		s[i] = strconv.Itoa(p)
	}
	return strings.Join(s, ".")
}

// Compare orders a and b: -1, 0 or 1. A date and a dotted version cannot be
// compared. Missing trailing parts count as 0 (2.15 == 2.15.0); a
// pre-release sorts before its release; other suffixes are ignored.
func Compare(a, b Version) (int, error) {
	if len(a.Parts) == 0 || len(b.Parts) == 0 {
		return 0, fmt.Errorf("compare %q with %q: not a version", a.Raw, b.Raw)
	}
	if a.Date != b.Date {
		return 0, fmt.Errorf("compare %q with %q: a release date and a version number do not compare", a.Raw, b.Raw)
	}
	if c := compareParts(a.Parts, b.Parts); c != 0 {
		return c, nil
	}
	switch {
	case a.Pre == b.Pre:
		return 0, nil
	case a.Pre == "":
		return 1, nil
	case b.Pre == "":
		return -1, nil
	case a.Pre < b.Pre:
		return -1, nil
	}
	return 1, nil
}

func compareParts(a, b []int) int {
	for i := 0; i < len(a) || i < len(b); i++ {
		x, y := 0, 0
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		switch {
		case x < y:
			return -1
		case x > y:
			return 1
		}
	}
	return 0
}

// sameLine reports whether a and b are releases of one major.minor line.
func sameLine(a, b Version) bool {
	return !a.Date && !b.Date && len(a.Parts) >= 2 && len(b.Parts) >= 2 && a.Parts[0] == b.Parts[0] && a.Parts[1] == b.Parts[1]
}
