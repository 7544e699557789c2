package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"debug/elf"
	"debug/macho"
	"debug/pe"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"sigs.k8s.io/krew/pkg/index"
	"sigs.k8s.io/yaml"
)

// TestDist is `make dist-check`: the release files in IRSA_DOCTOR_DIST
// against the krew manifest in IRSA_DOCTOR_KREW_MANIFEST. It skips without
// them, and fails instead when CI is set (CI runs make dist first).
func TestDist(t *testing.T) {
	dist := os.Getenv("IRSA_DOCTOR_DIST")
	manifestPath := os.Getenv("IRSA_DOCTOR_KREW_MANIFEST")
	if dist == "" || manifestPath == "" {
		missing(t, "IRSA_DOCTOR_DIST and IRSA_DOCTOR_KREW_MANIFEST are not set: run make dist-check")
		return
	}
	if _, err := os.Stat(filepath.Join(dist, "SHA256SUMS")); err != nil {
		missing(t, "IRSA_DOCTOR_DIST "+dist+" has no SHA256SUMS: run make dist first")
		return
	}
	version := os.Getenv("IRSA_DOCTOR_DIST_VERSION")
	uriBase := os.Getenv("IRSA_DOCTOR_DIST_URI_BASE")
	platforms, err := parsePlatforms(os.Getenv("IRSA_DOCTOR_DIST_PLATFORMS"))
	if err != nil || version == "" || uriBase == "" {
		t.Fatalf("IRSA_DOCTOR_DIST_VERSION %q, IRSA_DOCTOR_DIST_URI_BASE %q, IRSA_DOCTOR_DIST_PLATFORMS: %v: make dist-check sets them", version, uriBase, err)
	}

	raw, err := os.ReadFile(manifestPath)
	if err != nil {
		t.Fatal(err)
	}
	if copy, err := os.ReadFile(filepath.Join(dist, "irsa.yaml")); err != nil || !bytes.Equal(copy, raw) {
		t.Errorf("%s differs from %s (err %v): make dist writes both", filepath.Join(dist, "irsa.yaml"), manifestPath, err)
	}
	var plugin index.Plugin
	if err := yaml.UnmarshalStrict(raw, &plugin); err != nil {
		t.Fatalf("%s: %v", manifestPath, err)
	}
	if plugin.Name != "irsa" || plugin.Kind != "Plugin" || plugin.Spec.Version != version {
		t.Errorf("manifest: name %q kind %q version %q, want irsa Plugin %s", plugin.Name, plugin.Kind, plugin.Spec.Version, version)
	}
	sums := readSums(t, filepath.Join(dist, "SHA256SUMS"))
	repoFile := func(name string) []byte {
		b, err := os.ReadFile(filepath.Join("..", "..", name))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}

	if len(plugin.Spec.Platforms) != len(platforms) {
		t.Fatalf("manifest has %d platforms, want %d (%v)", len(plugin.Spec.Platforms), len(platforms), platforms)
	}
	for i, p := range platforms {
		mp := plugin.Spec.Platforms[i]
		t.Run(p.OS+"-"+p.Arch, func(t *testing.T) {
			labels := mp.Selector.MatchLabels
			if len(labels) != 2 || labels["os"] != p.OS || labels["arch"] != p.Arch || len(mp.Selector.MatchExpressions) != 0 {
				t.Errorf("selector %+v, want matchLabels os=%s arch=%s", mp.Selector, p.OS, p.Arch)
			}
			name := p.Archive(version)
			if want := strings.TrimSuffix(uriBase, "/") + "/" + name; mp.URI != want {
				t.Errorf("uri %q, want %q", mp.URI, want)
			}
			archive, err := os.ReadFile(filepath.Join(dist, name))
			if err != nil {
				t.Fatal(err)
			}
			sum := sha256.Sum256(archive)
			if got := hex.EncodeToString(sum[:]); mp.Sha256 != got || sums[name] != got {
				t.Errorf("%s: sha256 %s; the manifest says %s, SHA256SUMS %s", name, got, mp.Sha256, sums[name])
			}
			entries := readArchive(t, name, archive)
			var names []string
			for _, e := range entries {
				names = append(names, e.Name)
			}
			if want := append([]string{p.Binary()}, docs...); !slices.Equal(names, want) {
				t.Errorf("%s holds %q, want %q", name, names, want)
			}
			for _, d := range docs {
				if e := find(entries, d); e == nil || !bytes.Equal(e.Data, repoFile(d)) || e.Mode != 0o644 {
					t.Errorf("%s: %s is missing, mode %v or differs from the repository's", name, d, e)
				}
			}

			// krew copies each `from` (a path in the archive) to `to` and runs bin.
			if mp.Bin != p.PluginBin() {
				t.Errorf("bin %q, want %q", mp.Bin, p.PluginBin())
			}
			installed := map[string]string{} // installed name -> archive name
			for _, f := range mp.Files {
				if find(entries, f.From) == nil {
					t.Errorf("files: from %q is not in %s", f.From, name)
				}
				to := f.To
				if to == "." {
					to = path.Base(f.From)
				}
				installed[to] = f.From
			}
			binEntry := find(entries, installed[mp.Bin])
			if binEntry == nil || binEntry.Name != p.Binary() || binEntry.Mode != 0o755 {
				t.Fatalf("bin %q is installed from %q (%v), want the executable %s", mp.Bin, installed[mp.Bin], binEntry, p.Binary())
			}
			if installed["LICENSE"] != "LICENSE" || installed["THIRD_PARTY_NOTICES"] != "THIRD_PARTY_NOTICES" {
				t.Errorf("files install %v: want LICENSE and THIRD_PARTY_NOTICES beside the binary", installed)
			}
			if err := checkExecutable(binEntry.Data, p); err != nil {
				t.Errorf("%s in %s: %v", p.Binary(), name, err)
			}
			built, err := os.ReadFile(filepath.Join(dist, "build", p.OS+"-"+p.Arch, p.Binary()))
			if err != nil || !bytes.Equal(built, binEntry.Data) {
				t.Errorf("%s in %s differs from build/ (err %v)", p.Binary(), name, err)
			}
			if p.OS == runtime.GOOS && p.Arch == runtime.GOARCH {
				runInstalled(t, binEntry.Data, mp.Bin, version)
			}
			krewInstall(t, manifestPath, filepath.Join(dist, name), p, version, binEntry.Data)

			sbomName := p.SBOM(version)
			sbom, err := os.ReadFile(filepath.Join(dist, sbomName))
			if err != nil {
				t.Fatal(err)
			}
			sbomSum := sha256.Sum256(sbom)
			if sums[sbomName] != hex.EncodeToString(sbomSum[:]) {
				t.Errorf("SHA256SUMS has %q for %s", sums[sbomName], sbomName)
			}
			checkSBOM(t, sbomName, sbom, p, version)
		})
	}
	want := []string{"irsa.yaml"}
	for _, p := range platforms {
		want = append(want, p.Archive(version), p.SBOM(version))
	}
	slices.Sort(want)
	var got []string
	for n := range sums {
		got = append(got, n)
	}
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("SHA256SUMS lists %q, want %q", got, want)
	}
}

func missing(t *testing.T, why string) {
	t.Helper()
	if os.Getenv("CI") == "true" {
		t.Fatal(why)
	}
	t.Skip(why)
}

// readSums reads `sha256sum` output: "HEX  NAME" a line.
func readSums(t *testing.T, file string) map[string]string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]string{}
	for _, l := range strings.Split(strings.TrimSuffix(string(b), "\n"), "\n") {
		sum, name, ok := strings.Cut(l, "  ")
		if !ok || len(sum) != 64 || name == "" {
			t.Fatalf("%s: line %q is not HEX  NAME", file, l)
		}
		m[name] = sum
	}
	return m
}

func find(es []archiveFile, name string) *archiveFile {
	for i := range es {
		if es[i].Name == name {
			return &es[i]
		}
	}
	return nil
}

// readArchive lists a .tar.gz or .zip and checks the fields that make it
// reproducible: every mtime the same, owner 0:0 without names.
func readArchive(t *testing.T, name string, b []byte) []archiveFile {
	t.Helper()
	var out []archiveFile
	var mtimes []time.Time
	if strings.HasSuffix(name, ".zip") {
		zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for _, f := range zr.File {
			rc, err := f.Open()
			if err != nil {
				t.Fatal(err)
			}
			data, err := io.ReadAll(rc)
			rc.Close()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, archiveFile{Name: f.Name, Mode: f.Mode(), Data: data})
			mtimes = append(mtimes, f.Modified)
		}
	} else {
		zr, err := gzip.NewReader(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if zr.Name != "" || !zr.ModTime.IsZero() {
			t.Errorf("%s: gzip header name %q mtime %v, want none", name, zr.Name, zr.ModTime)
		}
		tr := tar.NewReader(zr)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if h.Uid != 0 || h.Gid != 0 || h.Uname != "" || h.Gname != "" || h.Typeflag != tar.TypeReg {
				t.Errorf("%s: %s owner %d:%d %q:%q type %c, want a regular file of 0:0 without names", name, h.Name, h.Uid, h.Gid, h.Uname, h.Gname, h.Typeflag)
			}
			data, err := io.ReadAll(tr)
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, archiveFile{Name: h.Name, Mode: h.FileInfo().Mode(), Data: data})
			mtimes = append(mtimes, h.ModTime)
		}
	}
	for _, m := range mtimes {
		if !m.Equal(mtimes[0]) {
			t.Errorf("%s: entries have mtimes %v, want one", name, mtimes)
			break
		}
	}
	return out
}

// checkExecutable checks the binary's format and machine against p.
func checkExecutable(b []byte, p Platform) error {
	r := bytes.NewReader(b)
	var got string
	switch p.OS {
	case "linux":
		f, err := elf.NewFile(r)
		if err != nil {
			return err
		}
		got = map[elf.Machine]string{elf.EM_X86_64: "amd64", elf.EM_AARCH64: "arm64"}[f.Machine]
		if f.Type != elf.ET_EXEC {
			return fmt.Errorf("ELF type %v, want a static ET_EXEC", f.Type)
		}
		for _, p := range f.Progs {
			if p.Type == elf.PT_INTERP {
				return fmt.Errorf("has an ELF interpreter: not static (CGO_ENABLED=0?)")
			}
		}
	case "darwin":
		f, err := macho.NewFile(r)
		if err != nil {
			return err
		}
		got = map[macho.Cpu]string{macho.CpuAmd64: "amd64", macho.CpuArm64: "arm64"}[f.Cpu]
	case "windows":
		f, err := pe.NewFile(r)
		if err != nil {
			return err
		}
		got = map[uint16]string{pe.IMAGE_FILE_MACHINE_AMD64: "amd64", pe.IMAGE_FILE_MACHINE_ARM64: "arm64"}[f.Machine]
	}
	if got != p.Arch {
		return fmt.Errorf("architecture %q, want %s", got, p.Arch)
	}
	return nil
}

// runInstalled runs the host's binary as krew installs it (under bin) and
// checks the version it reports and that it behaves as `kubectl irsa`.
func runInstalled(t *testing.T, data []byte, bin, version string) {
	t.Helper()
	exe := filepath.Join(t.TempDir(), bin)
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(exe, "version", "-o", "json").Output()
	if err != nil {
		t.Fatalf("%s version -o json: %v", bin, err)
	}
	var v struct {
		Version, Revision, Time string
		Modified                bool
	}
	if err := json.Unmarshal(out, &v); err != nil {
		t.Fatalf("%s version -o json: %v: %s", bin, err, out)
	}
	// -buildvcs=false (goBuild): the version alone names the commit.
	if v.Version != version || v.Revision != "" || v.Time != "" || v.Modified {
		t.Errorf("%s version -o json: %s, want version %s and no VCS stamp", bin, out, version)
	}
	help, err := exec.Command(exe, "--help").Output()
	if err != nil {
		t.Fatalf("%s --help: %v", bin, err)
	}
	if !strings.Contains(string(help), "\n  kubectl irsa [command]\n") {
		t.Errorf("%s --help does not name itself `kubectl irsa`:\n%s", bin, help)
	}
}

// checkSBOM reads the CycloneDX document: its format, the main component
// and its version, and the platform's modules (the standard library, cobra
// everywhere, mousetrap on windows only: cobra imports it there alone).
func checkSBOM(t *testing.T, name string, b []byte, p Platform, version string) {
	t.Helper()
	var doc struct {
		BOMFormat, SpecVersion string
		SerialNumber           string
		Metadata               struct {
			Timestamp string
			Component struct{ Name, Version string }
		}
		Components []struct{ Name, Version, Purl string }
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if doc.BOMFormat != "CycloneDX" || doc.SerialNumber != "" || doc.Metadata.Timestamp != "" {
		t.Errorf("%s: bomFormat %q serial %q timestamp %q, want CycloneDX without serial or timestamp", name, doc.BOMFormat, doc.SerialNumber, doc.Metadata.Timestamp)
	}
	if doc.Metadata.Component.Name != "github.com/irsa-doctor/irsa-doctor" || doc.Metadata.Component.Version != version {
		t.Errorf("%s: main component %q %q, want github.com/irsa-doctor/irsa-doctor %s", name, doc.Metadata.Component.Name, doc.Metadata.Component.Version, version)
	}
	has := map[string]bool{}
	for _, c := range doc.Components {
		has[c.Name] = true
	}
	if !has["std"] || !has["github.com/spf13/cobra"] || !has["github.com/aws/aws-sdk-go-v2"] {
		t.Errorf("%s: components lack std, cobra or aws-sdk-go-v2 (%d components)", name, len(doc.Components))
	}
	if has["github.com/inconshreveable/mousetrap"] != (p.OS == "windows") {
		t.Errorf("%s: mousetrap listed %v, want it on windows only", name, has["github.com/inconshreveable/mousetrap"])
	}
}

// krewInstall has krew itself (IRSA_DOCTOR_KREW, built from hack/tools)
// install the platform's archive with the manifest, as a user of that
// platform would (KREW_OS, KREW_ARCH), offline (--archive: krew checks the
// file's sha256 against the manifest), and checks what it put in the store.
func krewInstall(t *testing.T, manifest, archive string, p Platform, version string, binary []byte) {
	t.Helper()
	krew := os.Getenv("IRSA_DOCTOR_KREW")
	if krew == "" {
		missing(t, "IRSA_DOCTOR_KREW is not set: make dist-check builds bin/krew and sets it")
		return
	}
	root := t.TempDir()
	cmd := exec.Command(krew, "install", "--manifest="+manifest, "--archive="+archive, "--no-update-index")
	cmd.Env = append(os.Environ(), "KREW_ROOT="+root, "KREW_OS="+p.OS, "KREW_ARCH="+p.Arch)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("krew install --manifest=%s --archive=%s (KREW_OS=%s KREW_ARCH=%s): %v\n%s", manifest, archive, p.OS, p.Arch, err, out)
	}
	store := filepath.Join(root, "store", "irsa", version)
	entries, err := os.ReadDir(store)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	want := []string{"LICENSE", "THIRD_PARTY_NOTICES", p.PluginBin()}
	slices.Sort(want)
	if !slices.Equal(names, want) {
		t.Errorf("krew installed %q in %s, want %q", names, store, want)
	}
	if got, err := os.ReadFile(filepath.Join(store, p.PluginBin())); err != nil || !bytes.Equal(got, binary) {
		t.Errorf("krew's %s is not the archive's %s (err %v)", p.PluginBin(), p.Binary(), err)
	}
}
