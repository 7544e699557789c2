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
	"slices"
	"strings"
	"text/template"
	"time"
)

// versionVar is the variable the Makefile's LDFLAGS sets with -X (the build
// target's `make build VERSION=v1.2.3`; internal/cli/version.go).
const versionVar = "github.com/irsa-doctor/irsa-doctor/internal/cli.Version"

// docs are the files every archive holds beside the binary, in this order.
var docs = []string{"LICENSE", "README.md", "THIRD_PARTY_NOTICES"}

// BuildOptions is one `irsa-dist build`.
type BuildOptions struct {
	Root, Out, Version, URIBase string
	Platforms                   []Platform
	Epoch                       time.Time
	SBOMTool                    string // cyclonedx-gomod; empty: no SBOMs
	KrewTemplate                string // empty: no krew manifest
	KrewCopy                    string // a second place for the manifest (deploy/krew/irsa.yaml); empty: none
}

func runBuild(args []string) error {
	fs := flag.NewFlagSet("build", flag.ContinueOnError)
	var o BuildOptions
	fs.StringVar(&o.Root, "root", ".", "the repository's root")
	fs.StringVar(&o.Out, "out", "dist", "the folder to write the release files to")
	fs.StringVar(&o.Version, "version", "", "the release's version, vMAJOR.MINOR.PATCH[-PRE] (the binaries' -X version, the archive names, krew's spec.version)")
	fs.StringVar(&o.URIBase, "uri-base", "", "where the archives will be downloaded from: krew's uri is URI-BASE/ARCHIVE")
	platforms := fs.String("platforms", DefaultPlatforms, "GOOS/GOARCH pairs to build")
	fs.StringVar(&o.SBOMTool, "sbom", "", "the cyclonedx-gomod binary: one CycloneDX SBOM a platform (empty: none)")
	fs.StringVar(&o.KrewTemplate, "krew-template", "", "the krew manifest's template (empty: no manifest)")
	fs.StringVar(&o.KrewCopy, "krew-out", "", "also write the krew manifest here (relative to -root)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var err error
	if o.Root, err = absRoot(o.Root); err != nil {
		return err
	}
	if o.Platforms, err = parsePlatforms(*platforms); err != nil {
		return err
	}
	if err := checkVersion(o.Version); err != nil {
		return err
	}
	if o.KrewTemplate != "" && !strings.HasPrefix(o.URIBase, "https://") {
		return fmt.Errorf("-uri-base %q: krew downloads over https: give https://HOST/PATH (make dist DIST_URI_BASE=...)", o.URIBase)
	}
	if o.Epoch, err = sourceEpoch(o.Root); err != nil {
		return err
	}
	if o.Out, err = filepath.Abs(o.Out); err != nil {
		return err
	}
	return Build(o)
}

// Build writes, under o.Out: build/OS-ARCH/irsa-doctor[.exe], one archive a
// platform, SBOMs, irsa.yaml and SHA256SUMS of everything else it wrote.
// Release files of an earlier run are removed first; other files in o.Out
// (make image's dist/image) are left alone.
func Build(o BuildOptions) error {
	if err := os.MkdirAll(o.Out, 0o755); err != nil {
		return err
	}
	old, _ := filepath.Glob(filepath.Join(o.Out, "irsa-doctor_*"))
	old = append(old, filepath.Join(o.Out, "SHA256SUMS"), filepath.Join(o.Out, "irsa.yaml"), filepath.Join(o.Out, "build"))
	for _, f := range old {
		if err := os.RemoveAll(f); err != nil {
			return err
		}
	}
	var docFiles []archiveFile
	for _, d := range docs {
		b, err := os.ReadFile(filepath.Join(o.Root, d))
		if err != nil {
			return fmt.Errorf("%s: %v: every archive holds it (make licenses writes THIRD_PARTY_NOTICES)", d, err)
		}
		docFiles = append(docFiles, archiveFile{Name: d, Mode: 0o644, Data: b})
	}

	var written []string
	var krew []krewPlatform
	for _, p := range o.Platforms {
		start := time.Now()
		bin := filepath.Join(o.Out, "build", p.OS+"-"+p.Arch, p.Binary())
		if err := goBuild(o.Root, bin, o.Version, p); err != nil {
			return err
		}
		data, err := os.ReadFile(bin)
		if err != nil {
			return err
		}
		files := append([]archiveFile{{Name: p.Binary(), Mode: 0o755, Data: data}}, docFiles...)
		var archive []byte
		if p.OS == "windows" {
			archive, err = writeZip(files, o.Epoch)
		} else {
			archive, err = writeTarGz(files, o.Epoch)
		}
		if err != nil {
			return fmt.Errorf("archive for %s: %v", p, err)
		}
		name := p.Archive(o.Version)
		if err := os.WriteFile(filepath.Join(o.Out, name), archive, 0o644); err != nil {
			return err
		}
		written = append(written, name)
		sum := sha256.Sum256(archive)
		krew = append(krew, krewPlatform{OS: p.OS, Arch: p.Arch, URI: strings.TrimSuffix(o.URIBase, "/") + "/" + name,
			SHA256: hex.EncodeToString(sum[:]), Binary: p.Binary(), Bin: p.PluginBin()})
		fmt.Printf("dist: %s (%d bytes, binary %d bytes) in %.1fs\n", name, len(archive), len(data), time.Since(start).Seconds())

		if o.SBOMTool != "" {
			start := time.Now()
			sbom := p.SBOM(o.Version)
			if err := writeSBOM(o.SBOMTool, filepath.Join(o.Out, sbom), o.Version, bin); err != nil {
				return err
			}
			written = append(written, sbom)
			fmt.Printf("dist: %s in %.1fs\n", sbom, time.Since(start).Seconds())
		}
	}

	if o.KrewTemplate != "" {
		m, err := krewManifest(filepath.Join(o.Root, o.KrewTemplate), o.Version, krew)
		if err != nil {
			return err
		}
		if err := os.WriteFile(filepath.Join(o.Out, "irsa.yaml"), m, 0o644); err != nil {
			return err
		}
		written = append(written, "irsa.yaml")
		if o.KrewCopy != "" {
			if err := os.WriteFile(filepath.Join(o.Root, o.KrewCopy), m, 0o644); err != nil {
				return err
			}
		}
		fmt.Printf("dist: irsa.yaml (krew manifest, %d platforms)\n", len(krew))
	}

	sums, err := sha256Sums(o.Out, written)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(o.Out, "SHA256SUMS"), sums, 0o644); err != nil {
		return err
	}
	fmt.Printf("dist: SHA256SUMS (%d files) in %s\n", len(written), o.Out)
	return nil
}

// goBuild is the release build of one platform: static (CGO_ENABLED=0),
// without local paths (-trimpath), stripped (-s -w), the version set with the
// Makefile's -X. -buildvcs=false explicitly, whatever GOFLAGS says: the go
// command stamps VCS facts only when .git is a directory
// (cmd/go/internal/vcs, RootNames), so a `git worktree` checkout or a source
// tarball would build other bytes than a clone of the same commit. The
// version names the commit instead: a release's tag, or the pseudo-version
// make dist derives from HEAD (its last 12 hex digits are the revision).
func goBuild(root, out, version string, p Platform) error {
	ldflags := "-s -w -X " + versionVar + "=" + version
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags", ldflags, "-o", out, "./cmd/irsa-doctor")
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+p.OS, "GOARCH="+p.Arch, "GOFLAGS=")
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go build for %s: %v (see above)", p, err)
	}
	return nil
}

// writeSBOM runs cyclonedx-gomod in bin mode on the platform's binary: the
// modules it lists are those the linker put in (the binary's build info, with
// their go.sum hashes), so each platform gets its own (mousetrap is in the
// windows binaries only, procfs in the linux ones), with the Go standard
// library as a component (-std) and VERSION as the main component's version.
// Not app mode: it takes the main module's version from git tags (not
// VERSION) and cannot read a `git worktree` checkout. Without -licenses: in
// bin mode it would download the main module at VERSION from the module
// proxy, which a release being cut is not on yet; the licences are in
// THIRD_PARTY_NOTICES. No serial number and no timestamp: both would change
// at every run, and the SBOM describes the build, not the moment.
func writeSBOM(tool, out, version, binary string) error {
	cmd := exec.Command(tool, "bin", "-json", "-std", "-noserial", "-notimestamp", "-version", version, "-output", out, binary)
	var se bytes.Buffer
	cmd.Stdout, cmd.Stderr = &se, &se
	if err := cmd.Run(); err != nil {
		fmt.Fprint(os.Stderr, se.String())
		return fmt.Errorf("cyclonedx-gomod bin %s: %v (see above)", binary, err)
	}
	return nil
}

// krewPlatform is one entry of the krew manifest's spec.platforms.
type krewPlatform struct {
	OS, Arch, URI, SHA256 string
	Binary                string // the file in the archive
	Bin                   string // what krew copies it to and runs
}

func krewManifest(tmplPath, version string, ps []krewPlatform) ([]byte, error) {
	t, err := template.New(filepath.Base(tmplPath)).Option("missingkey=error").ParseFiles(tmplPath)
	if err != nil {
		return nil, fmt.Errorf("-krew-template %s: %v", tmplPath, err)
	}
	var b bytes.Buffer
	if err := t.Execute(&b, struct {
		Version   string
		Platforms []krewPlatform
	}{version, ps}); err != nil {
		return nil, fmt.Errorf("-krew-template %s: %v", tmplPath, err)
	}
	return b.Bytes(), nil
}

// sha256Sums is the file `sha256sum -c` reads: "HEX  NAME" a line, by name.
func sha256Sums(dir string, names []string) ([]byte, error) {
	names = slices.Clone(names)
	slices.Sort(names)
	var b bytes.Buffer
	for _, n := range names {
		data, err := os.ReadFile(filepath.Join(dir, n))
		if err != nil {
			return nil, err
		}
		sum := sha256.Sum256(data)
		fmt.Fprintf(&b, "%s  %s\n", hex.EncodeToString(sum[:]), n)
	}
	return b.Bytes(), nil
}
