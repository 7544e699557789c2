package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// runRepro proves that `make dist` is reproducible without rebuilding all six
// platforms (CI's time is short): it clones HEAD of -root into a temporary
// folder (another path, so -trimpath and the VCS stamp are tested), builds
// -platform there with an empty GOCACHE (nothing reused from the first
// build), and compares the binary and the archive with those in -dist byte
// for byte. The module cache is shared: go.sum pins its contents.
func runRepro(args []string) error {
	fs := flag.NewFlagSet("repro", flag.ContinueOnError)
	root := fs.String("root", ".", "the repository's root")
	dist := fs.String("dist", "dist", "the folder `irsa-dist build` wrote")
	version := fs.String("version", "", "the version that build was given")
	platform := fs.String("platform", "linux/amd64", "the GOOS/GOARCH to rebuild")
	keep := fs.Bool("keep", false, "keep the temporary folder (printed) for inspection")
	if err := fs.Parse(args); err != nil {
		return err
	}
	r, err := absRoot(*root)
	if err != nil {
		return err
	}
	if err := checkVersion(*version); err != nil {
		return err
	}
	ps, err := parsePlatforms(*platform)
	if err != nil {
		return err
	}
	if len(ps) != 1 {
		return fmt.Errorf("-platform: give one GOOS/GOARCH, got %q", *platform)
	}
	p := ps[0]
	d, err := filepath.Abs(*dist)
	if err != nil {
		return err
	}
	firstArchive := filepath.Join(d, p.Archive(*version))
	firstBin := filepath.Join(d, "build", p.OS+"-"+p.Arch, p.Binary())
	for _, f := range []string{firstArchive, firstBin} {
		if _, err := os.Stat(f); err != nil {
			return fmt.Errorf("%s: %v: run make dist VERSION=%s first", f, err, *version)
		}
	}

	status, err := git(r, "status", "--porcelain")
	if err != nil {
		return err
	}
	if status != "" {
		fmt.Fprintf(os.Stderr, "irsa-dist repro: warning: %s has uncommitted changes; the clone builds HEAD, so where they touch the build or the archived files the bytes differ:\n%s\n", r, status)
	}
	head, err := git(r, "rev-parse", "HEAD")
	if err != nil {
		return err
	}

	tmp, err := os.MkdirTemp("", "irsa-dist-repro-")
	if err != nil {
		return err
	}
	if *keep {
		fmt.Printf("repro: keeping %s\n", tmp)
	} else {
		defer os.RemoveAll(tmp)
	}
	src := filepath.Join(tmp, "src")
	if _, err := git(tmp, "clone", "--quiet", "--no-checkout", r, src); err != nil {
		return err
	}
	if _, err := git(src, "checkout", "--quiet", "--detach", head); err != nil {
		return err
	}
	cache := filepath.Join(tmp, "gocache")
	if err := os.Setenv("GOCACHE", cache); err != nil {
		return err
	}
	start := time.Now()
	o := BuildOptions{Root: src, Out: filepath.Join(tmp, "dist"), Version: *version, Platforms: ps}
	if o.Epoch, err = sourceEpoch(src); err != nil {
		return err
	}
	if err := Build(o); err != nil {
		return err
	}
	fmt.Printf("repro: rebuilt %s at %s in %s with an empty GOCACHE in %.0fs\n", p, head[:12], src, time.Since(start).Seconds())

	for _, pair := range [][2]string{
		{firstBin, filepath.Join(o.Out, "build", p.OS+"-"+p.Arch, p.Binary())},
		{firstArchive, filepath.Join(o.Out, p.Archive(*version))},
	} {
		if err := sameBytes(pair[0], pair[1]); err != nil {
			return err
		}
	}
	return nil
}

// sameBytes compares two files and prints "identical: ..." or returns where
// they first differ.
func sameBytes(a, b string) error {
	x, err := os.ReadFile(a)
	if err != nil {
		return err
	}
	y, err := os.ReadFile(b)
	if err != nil {
		return err
	}
	if !bytes.Equal(x, y) {
		i := 0
		for i < len(x) && i < len(y) && x[i] == y[i] {
			i++
		}
		return fmt.Errorf("not reproducible: %s (%d bytes) and %s (%d bytes) first differ at byte %d", a, len(x), b, len(y), i)
	}
	sum := sha256.Sum256(x)
	fmt.Printf("repro: identical: %s, %d bytes, sha256 %s\n", filepath.Base(a), len(x), hex.EncodeToString(sum[:]))
	return nil
}

func git(dir string, args ...string) (string, error) {
	cmd := exec.Command("git", args...)
	cmd.Dir = dir
	var se bytes.Buffer
	cmd.Stderr = &se
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("git %s in %s: %v: %s", strings.Join(args, " "), dir, err, strings.TrimSpace(se.String()))
	}
	return strings.TrimSpace(string(out)), nil
}
