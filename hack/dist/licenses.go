package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
)

// The licence types go-licenses check refuses (its classifier's types,
// https://github.com/google/go-licenses#check): forbidden and restricted
// (GPL-like) cannot ship in an Apache-2.0 binary; reciprocal (MPL, EPL)
// obliges the release to publish those files' source, which these release
// files do not do; unknown means nobody has read the licence. What is left,
// notice, permissive and unencumbered, is what the notices carry.
const disallowedTypes = "forbidden,restricted,reciprocal,unknown"

// mainPkg is the package whose dependency graph is released.
const mainPkg = "./cmd/irsa-doctor"

// reportTemplate makes go-licenses report print one tab-separated line a
// package: the fields its template data has (report.go, libraryDataFlat).
const reportTemplate = "{{range .}}{{.Name}}\t{{.Version}}\t{{.LicenseName}}\t{{.LicensePath}}\n{{end}}"

func runLicenses(args []string) error {
	fs := flag.NewFlagSet("licenses", flag.ContinueOnError)
	root := fs.String("root", ".", "the repository's root")
	tool := fs.String("go-licenses", "bin/go-licenses", "the go-licenses binary (make builds it from hack/tools)")
	platforms := fs.String("platforms", DefaultPlatforms, "the GOOS/GOARCH pairs whose dependencies the notices cover")
	out := fs.String("out", "THIRD_PARTY_NOTICES", "the notices file, relative to -root")
	check := fs.Bool("check", false, "run go-licenses check and fail when -out differs from what would be written, instead of writing it")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := absRoot(*root)
	if err != nil {
		return err
	}
	ps, err := parsePlatforms(*platforms)
	if err != nil {
		return err
	}
	toolPath, err := filepath.Abs(*tool)
	if err != nil {
		return err
	}
	if _, err := os.Stat(toolPath); err != nil {
		return fmt.Errorf("-go-licenses %s: not found: build it with make bin/go-licenses", *tool)
	}
	goroot, err := goEnv(r, "GOROOT")
	if err != nil {
		return err
	}
	if *check {
		for _, p := range ps {
			if err := licenseCheck(r, toolPath, goroot, p); err != nil {
				return err
			}
		}
	}
	var pkgs []reportLine
	for _, p := range ps {
		lines, err := licenseReport(r, toolPath, goroot, p)
		if err != nil {
			return err
		}
		pkgs = append(pkgs, lines...)
	}
	gomodcache, err := goEnv(r, "GOMODCACHE")
	if err != nil {
		return err
	}
	text, err := notices(pkgs, gomodcache, goroot, ps)
	if err != nil {
		return err
	}
	path := filepath.Join(r, *out)
	if *check {
		old, err := os.ReadFile(path)
		if err != nil {
			return fmt.Errorf("%s: %v: run make licenses", *out, err)
		}
		if !bytes.Equal(old, text) {
			return fmt.Errorf("%s is stale (the dependencies or their licences changed): run make licenses and commit it", *out)
		}
		fmt.Printf("licenses: every dependency's licence is allowed (not %s) on %d platforms; %s is up to date\n", disallowedTypes, len(ps), *out)
		return nil
	}
	if err := os.WriteFile(path, text, 0o644); err != nil {
		return err
	}
	fmt.Printf("licenses: wrote %s (%d bytes)\n", *out, len(text))
	return nil
}

// goEnv is `go env NAME` as the build in root sees it.
func goEnv(root, name string) (string, error) {
	cmd := exec.Command("go", "env", name)
	cmd.Dir = root
	out, err := cmd.Output()
	if err != nil || len(bytes.TrimSpace(out)) == 0 {
		return "", fmt.Errorf("go env %s: %v: is go on PATH?", name, err)
	}
	return strings.TrimSpace(string(out)), nil
}

// goLicenses runs go-licenses for one platform. GOROOT is set because
// go-licenses tells the standard library from dependencies by it (and fails
// without it when go was not installed where it was built to look).
func goLicenses(root, tool, goroot string, p Platform, args ...string) (stdout []byte, stderr string, err error) {
	cmd := exec.Command(tool, args...)
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "GOROOT="+goroot, "GOOS="+p.OS, "GOARCH="+p.Arch, "CGO_ENABLED=0")
	var so, se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &so, &se
	err = cmd.Run()
	return so.Bytes(), se.String(), err
}

func licenseCheck(root, tool, goroot string, p Platform) error {
	_, stderr, err := goLicenses(root, tool, goroot, p, "check", mainPkg, "--disallowed_types="+disallowedTypes)
	if err != nil {
		fmt.Fprint(os.Stderr, stderr)
		return fmt.Errorf("go-licenses check %s on %s: %v: a dependency's licence is unknown or not allowed (%s); see above", mainPkg, p, err, disallowedTypes)
	}
	return nil
}

// reportLine is one package of go-licenses report.
type reportLine struct{ Name, Version, License, Path string }

func licenseReport(root, tool, goroot string, p Platform) ([]reportLine, error) {
	tmpl, err := os.CreateTemp("", "irsa-dist-report-*.tmpl")
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmpl.Name())
	if _, err := tmpl.WriteString(reportTemplate); err != nil {
		return nil, err
	}
	if err := tmpl.Close(); err != nil {
		return nil, err
	}
	// --ignore: the project's own packages are under LICENSE, not a third party.
	out, stderr, err := goLicenses(root, tool, goroot, p, "report", mainPkg, "--template", tmpl.Name(),
		"--ignore", "github.com/irsa-doctor/irsa-doctor")
	if err != nil {
		fmt.Fprint(os.Stderr, stderr)
		return nil, fmt.Errorf("go-licenses report %s on %s: %v", mainPkg, p, err)
	}
	var lines []reportLine
	for _, l := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			return nil, fmt.Errorf("go-licenses report on %s: unexpected line %q", p, l)
		}
		rl := reportLine{f[0], f[1], f[2], f[3]}
		if rl.License == "Unknown" || !filepath.IsAbs(rl.Path) {
			return nil, fmt.Errorf("go-licenses found no licence for %s %s on %s: check the module's licence by hand before releasing", rl.Name, rl.Version, p)
		}
		lines = append(lines, rl)
	}
	return lines, nil
}

// notices renders THIRD_PARTY_NOTICES.
//
// Written here rather than by go-licenses report --template alone because
// that report has one entry per package and licence name, not per licence
// file, and carries no NOTICE files, while Apache-2.0 section 4(d) requires a
// redistribution to include the NOTICE text of the work it redistributes
// (https://www.apache.org/licenses/LICENSE-2.0#redistribution). It also adds
// Go's own licence: the standard library and runtime are in every binary,
// and their BSD licence asks binaries to reproduce it; go-licenses leaves the
// standard library out.
func notices(pkgs []reportLine, gomodcache, goroot string, ps []Platform) ([]byte, error) {
	type group struct {
		file     string          // the licence file, as module@version/path
		dir      string          // its folder on disk, for NOTICE files
		path     string          // the licence file on disk
		licenses map[string]bool // SPDX names
		pkgs     map[string]bool // "package version"
	}
	groups := map[string]*group{}
	for _, p := range pkgs {
		rel, err := filepath.Rel(gomodcache, p.Path)
		if err != nil || strings.HasPrefix(rel, "..") {
			return nil, fmt.Errorf("licence file %s of %s is not in the module cache %s", p.Path, p.Name, gomodcache)
		}
		key := unescapeModPath(filepath.ToSlash(rel))
		g := groups[key]
		if g == nil {
			g = &group{file: key, dir: filepath.Dir(p.Path), path: p.Path, licenses: map[string]bool{}, pkgs: map[string]bool{}}
			groups[key] = g
		}
		g.licenses[p.License] = true
		g.pkgs[p.Name+" "+p.Version] = true
	}
	keys := make([]string, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.Sort(keys)

	var b bytes.Buffer
	rule := strings.Repeat("=", 80) + "\n"
	var names []string
	for _, p := range ps {
		names = append(names, p.String())
	}
	fmt.Fprintf(&b, "THIRD_PARTY_NOTICES for irsa-doctor\n\n")
	fmt.Fprintf(&b, "irsa-doctor is licensed under the Apache License 2.0 (LICENSE). Its binaries\n")
	fmt.Fprintf(&b, "contain the third-party software below, each under the licence reproduced\n")
	fmt.Fprintf(&b, "with it, with the NOTICE files its authors ship. Generated by `make licenses`\n")
	fmt.Fprintf(&b, "(go-licenses over %s) for the builds\n%s; do not edit.\n\n", mainPkg, strings.Join(names, " "))

	goLicense, err := os.ReadFile(filepath.Join(goroot, "LICENSE"))
	if err != nil {
		return nil, fmt.Errorf("the Go licence: %v: is GOROOT %s a Go installation?", err, goroot)
	}
	b.WriteString(rule)
	b.WriteString("The Go programming language: standard library and runtime (in every binary)\n")
	b.WriteString("License: BSD-3-Clause\n")
	b.WriteString(strings.Repeat("-", 80) + "\n")
	b.Write(withNewline(goLicense))
	b.WriteString("\n")

	// One section a licence text: most dependencies ship the same Apache-2.0
	// or BSD text, which is reproduced once with every file and package it
	// covers, each group's NOTICE files after it.
	type section struct {
		text   []byte
		groups []*group
	}
	var sections []*section
	byText := map[string]*section{}
	for _, k := range keys {
		g := groups[k]
		raw, err := os.ReadFile(g.path)
		if err != nil {
			return nil, fmt.Errorf("licence file of %s: %v", k, err)
		}
		text := withNewline(raw)
		s := byText[string(text)]
		if s == nil {
			s = &section{text: text}
			byText[string(text)] = s
			sections = append(sections, s)
		}
		s.groups = append(s.groups, g)
	}
	for _, s := range sections {
		lic, pkgs := map[string]bool{}, map[string]bool{}
		b.WriteString(rule)
		b.WriteString("Licence files with this text:\n")
		for _, g := range s.groups {
			fmt.Fprintf(&b, "  %s\n", g.file)
			for l := range g.licenses {
				lic[l] = true
			}
			for p := range g.pkgs {
				pkgs[p] = true
			}
		}
		fmt.Fprintf(&b, "License: %s\n", strings.Join(sortedKeys(lic), ", "))
		b.WriteString("Packages:\n")
		for _, p := range sortedKeys(pkgs) {
			fmt.Fprintf(&b, "  %s\n", p)
		}
		b.WriteString(strings.Repeat("-", 80) + "\n")
		b.Write(s.text)
		for _, g := range s.groups {
			entries, err := os.ReadDir(g.dir)
			if err != nil {
				return nil, err
			}
			for _, e := range entries {
				if e.IsDir() || !strings.HasPrefix(strings.ToUpper(e.Name()), "NOTICE") {
					continue
				}
				n, err := os.ReadFile(filepath.Join(g.dir, e.Name()))
				if err != nil {
					return nil, err
				}
				fmt.Fprintf(&b, "\n--- NOTICE: %s ---\n", pathDir(g.file)+e.Name())
				b.Write(withNewline(n))
			}
		}
		b.WriteString("\n")
	}
	return b.Bytes(), nil
}

func pathDir(p string) string {
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[:i+1]
	}
	return ""
}

func withNewline(b []byte) []byte {
	b = bytes.ReplaceAll(b, []byte("\r\n"), []byte("\n"))
	if len(b) > 0 && b[len(b)-1] != '\n' {
		b = append(b, '\n')
	}
	return b
}

func sortedKeys(m map[string]bool) []string {
	ks := make([]string, 0, len(m))
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

// unescapeModPath undoes the module cache's case encoding, "!x" for "X"
// (https://go.dev/ref/mod#module-cache). By hand: golang.org/x/mod's
// module.UnescapePath would be this module's only dependency outside tests.
func unescapeModPath(p string) string {
	var b strings.Builder
	for i := 0; i < len(p); i++ {
		if p[i] == '!' && i+1 < len(p) && p[i+1] >= 'a' && p[i+1] <= 'z' {
			b.WriteByte(p[i+1] - 'a' + 'A')
			i++
			continue
		}
		b.WriteByte(p[i])
	}
	return b.String()
}
