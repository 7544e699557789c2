package main

// How the image is tested (docs/image.md): `make image-test` builds the image
// twice, into IRSA_DOCTOR_IMAGE and IRSA_DOCTOR_IMAGE_REBUILD, and runs these
// tests on what it wrote.
//
// Running the image: the test extracts the image's layers with
// go-containerregistry (mutate.Extract) into a temporary root and runs
// /irsa-doctor from it, chrooted into that root as 65532:65532 with the
// config's working directory and environment: what a container runtime does
// but for the namespaces. Not `podman run`, because podman cannot start a
// container in this project's VMs: crun and runc both fail to apply the
// container's rlimits (`setrlimit RLIMIT_NOFILE/NPROC: Operation not
// permitted`), the VM's capability bounding set lacking CAP_SYS_RESOURCE.
// Podman still loads the `docker save` tarball into a private store and
// reports the image's config (TestPodmanLoad); IRSA_DOCTOR_PODMAN_RUN=1 adds
// `podman run --rm --network=none` on a machine where containers can run.

import (
	"archive/tar"
	"bytes"
	"crypto/x509"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
)

const hostPlatform = runtime.GOOS + "/" + runtime.GOARCH

// built is the folder `make image` wrote; without it the test skips, and
// fails in CI.
func built(t *testing.T, env string) string {
	t.Helper()
	dir := os.Getenv(env)
	if dir == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set: run `make image-test`", env)
		}
		t.Skipf("%s is not set: run `make image-test`", env)
	}
	return dir
}

// hostImage is the image of the machine's platform in the built layout, and
// the index's digest.
func hostImage(t *testing.T, dir string) (v1.Image, v1.Hash) {
	t.Helper()
	p, err := layout.FromPath(filepath.Join(dir, "oci"))
	if err != nil {
		t.Fatal(err)
	}
	top, err := p.ImageIndex()
	if err != nil {
		t.Fatal(err)
	}
	tm, err := top.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	if len(tm.Manifests) != 1 {
		t.Fatalf("index.json lists %d entries, want the one image index", len(tm.Manifests))
	}
	if got := tm.Manifests[0].Annotations["org.opencontainers.image.ref.name"]; got == "" {
		t.Errorf("index.json names no tag (org.opencontainers.image.ref.name)")
	}
	idx, err := top.ImageIndex(tm.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	im, err := idx.IndexManifest()
	if err != nil {
		t.Fatal(err)
	}
	var plats []string
	var img v1.Image
	for _, m := range im.Manifests {
		if m.Platform == nil {
			t.Fatalf("manifest %s has no platform", m.Digest)
		}
		pl := m.Platform.OS + "/" + m.Platform.Architecture
		plats = append(plats, pl)
		if pl == hostPlatform {
			if img, err = idx.Image(m.Digest); err != nil {
				t.Fatal(err)
			}
		}
	}
	if want := strings.Fields(os.Getenv("IRSA_DOCTOR_IMAGE_PLATFORMS")); len(want) > 0 {
		slices.Sort(want)
		slices.Sort(plats)
		if !slices.Equal(plats, want) {
			t.Errorf("the index holds %v, want %v", plats, want)
		}
	}
	if img == nil {
		t.Fatalf("no %s image in the index (it holds %v)", hostPlatform, plats)
	}
	return img, tm.Manifests[0].Digest
}

func TestImageConfig(t *testing.T) {
	img, _ := hostImage(t, built(t, "IRSA_DOCTOR_IMAGE"))
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	c := cf.Config
	if c.User != "65532:65532" {
		t.Errorf("User %q, want 65532:65532 (numeric, so that runAsNonRoot can verify it)", c.User)
	}
	if !slices.Equal(c.Entrypoint, []string{"/irsa-doctor"}) {
		t.Errorf("Entrypoint %q, want [/irsa-doctor]", c.Entrypoint)
	}
	if c.WorkingDir != "/home/nonroot" {
		t.Errorf("WorkingDir %q, want /home/nonroot", c.WorkingDir)
	}
	if !slices.Contains(c.Env, "SSL_CERT_FILE=/etc/ssl/certs/ca-certificates.crt") {
		t.Errorf("Env %q lacks SSL_CERT_FILE", c.Env)
	}
	for k, want := range map[string]string{
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.created":  cf.Created.UTC().Format(time.RFC3339),
		"org.opencontainers.image.revision": os.Getenv("IRSA_DOCTOR_IMAGE_REVISION"),
	} {
		if got := c.Labels[k]; got != want {
			t.Errorf("label %s %q, want %q", k, got, want)
		}
	}
	for _, k := range []string{"org.opencontainers.image.version", "org.opencontainers.image.source"} {
		if c.Labels[k] == "" {
			t.Errorf("label %s is empty", k)
		}
	}
	if cf.Created.Unix() <= 0 {
		t.Errorf("created %v: want the commit time", cf.Created)
	}
	if cf.OS+"/"+cf.Architecture != hostPlatform {
		t.Errorf("config platform %s/%s, want %s", cf.OS, cf.Architecture, hostPlatform)
	}
}

// TestImageRuns extracts the image and runs `irsa-doctor version` from it
// (see the top of this file for why not podman run).
func TestImageRuns(t *testing.T) {
	img, _ := hostImage(t, built(t, "IRSA_DOCTOR_IMAGE"))
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	// The root's own mode: t.TempDir makes it 0700, which user 65532 could
	// not search once it is "/".
	if err := os.Chmod(root, 0o755); err != nil {
		t.Fatal(err)
	}
	headers := extract(t, mutate.Extract(img), root)

	for name, want := range map[string]struct {
		mode     fs.FileMode
		uid, gid int
	}{
		"irsa-doctor":                       {0o755, 0, 0},
		"etc/ssl/certs/ca-certificates.crt": {0o644, 0, 0},
		"etc/passwd":                        {0o644, 0, 0},
		"home/nonroot":                      {fs.ModeDir | 0o700, 65532, 65532},
		"tmp":                               {fs.ModeDir | fs.ModeSticky | 0o777, 0, 0},
		"usr/share/doc/ca-certificates/copyright":       {0o644, 0, 0},
		"usr/share/doc/irsa-doctor/LICENSE":             {0o644, 0, 0},
		"usr/share/doc/irsa-doctor/THIRD_PARTY_NOTICES": {0o644, 0, 0},
	} {
		h, ok := headers[name]
		if !ok {
			t.Errorf("the image has no /%s", name)
			continue
		}
		if got := h.FileInfo().Mode(); got != want.mode || h.Uid != want.uid || h.Gid != want.gid {
			t.Errorf("/%s: mode %v uid %d gid %d, want %v %d %d", name, got, h.Uid, h.Gid, want.mode, want.uid, want.gid)
		}
		if !h.ModTime.Equal(cf.Created.Time) {
			t.Errorf("/%s: mtime %v, want the image's creation time %v", name, h.ModTime, cf.Created.Time)
		}
	}
	ca, err := os.ReadFile(filepath.Join(root, "etc/ssl/certs/ca-certificates.crt"))
	if err != nil {
		t.Fatal(err)
	}
	vendored, err := os.ReadFile("ca-certificates.crt")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(ca, vendored) {
		t.Errorf("the image's CA bundle differs from hack/image/ca-certificates.crt")
	}
	if !x509.NewCertPool().AppendCertsFromPEM(ca) || bytes.Count(ca, []byte("BEGIN CERTIFICATE")) < 100 {
		t.Errorf("the image's CA bundle holds %d certificates, want Debian's (over 100)", bytes.Count(ca, []byte("BEGIN CERTIFICATE")))
	}
	// The notices the image's files carry, as the repository holds them.
	for dest, src := range map[string]string{
		"usr/share/doc/ca-certificates/copyright":       "ca-certificates.copyright",
		"usr/share/doc/irsa-doctor/LICENSE":             "../../LICENSE",
		"usr/share/doc/irsa-doctor/THIRD_PARTY_NOTICES": "../../THIRD_PARTY_NOTICES",
	} {
		got, err := os.ReadFile(filepath.Join(root, dest))
		if err != nil {
			t.Errorf("the image's /%s: %v", dest, err)
			continue
		}
		want, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("the image's /%s differs from hack/image/%s", dest, src)
		}
	}
	if cp, _ := os.ReadFile(filepath.Join(root, "usr/share/doc/ca-certificates/copyright")); !bytes.Contains(cp, []byte("License: MPL-2.0")) {
		t.Errorf("the CA bundle's copyright file does not state MPL-2.0, the licence of Mozilla's certificate data")
	}
	pw, err := os.ReadFile(filepath.Join(root, "etc/passwd"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(pw), "nonroot:x:65532:65532:") {
		t.Errorf("/etc/passwd has no nonroot 65532:\n%s", pw)
	}

	label := cf.Config.Labels["org.opencontainers.image.version"]
	out := runInRoot(t, root, cf, "version", "-o", "json")
	var bi struct{ Name, Version string }
	if err := json.Unmarshal(out, &bi); err != nil {
		t.Fatalf("version -o json: %v\n%s", err, out)
	}
	if bi.Name != "irsa-doctor" || bi.Version != label {
		t.Errorf("irsa-doctor version -o json in the image says %s %q; the image's version label is %q", bi.Name, bi.Version, label)
	}
	if out := string(runInRoot(t, root, cf, "version")); !strings.HasPrefix(out, "irsa-doctor "+label) {
		t.Errorf("irsa-doctor version in the image printed %q, want it to start with %q", out, "irsa-doctor "+label)
	}
}

// runInRoot runs the image's entrypoint with args as the container would:
// chrooted into root, as the config's user, in its working directory, with
// its environment only. Needs root (CI runs as root); elsewhere the binary
// runs from the extracted root without the chroot.
func runInRoot(t *testing.T, root string, cf *v1.ConfigFile, args ...string) []byte {
	t.Helper()
	c := cf.Config
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		cmd = exec.Command(c.Entrypoint[0], args...)
		var uid, gid uint32 = 65532, 65532
		if c.User != "65532:65532" {
			t.Fatalf("unexpected user %q", c.User)
		}
		cmd.SysProcAttr = &syscall.SysProcAttr{Chroot: root, Credential: &syscall.Credential{Uid: uid, Gid: gid}}
		// The child chroots, then changes to Dir, then execs Path: both
		// are paths inside the image.
		cmd.Dir = c.WorkingDir
	} else {
		t.Logf("not root: running %s from the extracted root without chroot", c.Entrypoint[0])
		cmd = exec.Command(filepath.Join(root, c.Entrypoint[0]), args...)
		cmd.Dir = filepath.Join(root, c.WorkingDir)
	}
	cmd.Env = c.Env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("%s %s in the image: %v\n%s", c.Entrypoint[0], strings.Join(args, " "), err, stderr.String())
	}
	return out
}

// extract writes the flattened file system to root and returns each entry's
// header, by path without a leading slash or trailing "/".
func extract(t *testing.T, rc io.ReadCloser, root string) map[string]*tar.Header {
	t.Helper()
	defer rc.Close()
	headers := map[string]*tar.Header{}
	tr := tar.NewReader(rc)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		name := strings.Trim(filepath.Clean("/"+h.Name), "/")
		headers[name] = h
		dst := filepath.Join(root, name)
		switch h.Typeflag {
		case tar.TypeDir:
			if err := os.MkdirAll(dst, 0o755); err != nil {
				t.Fatal(err)
			}
		case tar.TypeReg:
			if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
				t.Fatal(err)
			}
			f, err := os.OpenFile(dst, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := io.Copy(f, tr); err != nil {
				t.Fatal(err)
			}
			if err := f.Close(); err != nil {
				t.Fatal(err)
			}
		default:
			t.Fatalf("unexpected entry %s of type %c", h.Name, h.Typeflag)
		}
	}
	// Modes and owners last: a 0700 directory owned by 65532 is still
	// writable while its files are created.
	for name, h := range headers {
		dst := filepath.Join(root, name)
		if err := os.Chmod(dst, h.FileInfo().Mode().Perm()|h.FileInfo().Mode()&fs.ModeSticky); err != nil {
			t.Fatal(err)
		}
		if os.Geteuid() == 0 {
			if err := os.Lchown(dst, h.Uid, h.Gid); err != nil {
				t.Fatal(err)
			}
		}
	}
	return headers
}

// TestTarballMatchesLayout: the `docker save` tarball holds the same config
// and layers as the layout's image.
func TestTarballMatchesLayout(t *testing.T) {
	dir := built(t, "IRSA_DOCTOR_IMAGE")
	img, _ := hostImage(t, dir)
	tb, err := tarball.ImageFromPath(filepath.Join(dir, TarballName(hostPlatform)), nil)
	if err != nil {
		t.Fatal(err)
	}
	want, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	got, err := tb.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	if got != want {
		t.Errorf("tarball config %s, layout config %s", got, want)
	}
}

// TestReproducible: the second build of `make image-test` (another process,
// another folder) wrote the same bytes, file by file, so the same digests.
func TestReproducible(t *testing.T) {
	a := built(t, "IRSA_DOCTOR_IMAGE")
	b := built(t, "IRSA_DOCTOR_IMAGE_REBUILD")
	fa, fb := files(t, a), files(t, b)
	if !slices.Equal(slices.Sorted(mapKeys(fa)), slices.Sorted(mapKeys(fb))) {
		t.Fatalf("the builds wrote different files:\n%v\n%v", slices.Sorted(mapKeys(fa)), slices.Sorted(mapKeys(fb)))
	}
	for name, da := range fa {
		if !bytes.Equal(da, fb[name]) {
			t.Errorf("%s differs between the two builds", name)
		}
	}
	_, da := hostImage(t, a)
	_, db := hostImage(t, b)
	if da != db {
		t.Errorf("index digests differ: %s, %s", da, db)
	}
	t.Logf("both builds: index %s", da)
}

func mapKeys(m map[string][]byte) func(func(string) bool) {
	return func(yield func(string) bool) {
		for k := range m {
			if !yield(k) {
				return
			}
		}
	}
}

func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	m := map[string][]byte{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		m[rel] = b
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// TestBuildDeterministic needs no `make image`: two in-process builds of the
// same inputs have one digest, and a different commit time another.
func TestBuildDeterministic(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "irsa-doctor")
	if err := os.WriteFile(bin, []byte("#!/bin/sh\necho not a real binary\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	o := Options{
		Binaries: map[string]string{"linux/amd64": bin, "linux/arm64": bin},
		CACerts:  "ca-certificates.crt",
		Version:  "v1.2.3+dirty",
		Revision: "0123456789abcdef0123456789abcdef01234567",
		Created:  time.Date(2026, 12, 1, 10, 0, 0, 0, time.UTC),
		Source:   "https://example.com/irsa-doctor",
	}
	digest := func(o Options) v1.Hash {
		t.Helper()
		r, err := Build(o)
		if err != nil {
			t.Fatal(err)
		}
		if r.Tag != "v1.2.3-dirty" {
			t.Errorf("tag %q, want v1.2.3-dirty", r.Tag)
		}
		d, err := r.Index.Digest()
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	first, second := digest(o), digest(o)
	if first != second {
		t.Errorf("two builds of the same inputs: %s, %s", first, second)
	}
	o.Created = o.Created.Add(time.Second)
	if third := digest(o); third == first {
		t.Errorf("another commit time gave the same digest %s", third)
	}
}

// TestPodmanLoad loads the `docker save` tarball with Debian's podman, into
// a private store, and checks what podman reports: the image's ID (its
// config digest), user, entrypoint and version label. Without podman it
// skips, and fails in CI.
func TestPodmanLoad(t *testing.T) {
	dir := built(t, "IRSA_DOCTOR_IMAGE")
	img, _ := hostImage(t, dir)
	podman, err := exec.LookPath("podman")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("podman is not installed (apt-get install podman)")
		}
		t.Skip("podman is not installed (apt-get install podman)")
	}
	store := t.TempDir()
	pm := func(args ...string) []byte {
		t.Helper()
		args = append([]string{"--root", filepath.Join(store, "root"), "--runroot", filepath.Join(store, "run"), "--storage-driver", "vfs"}, args...)
		cmd := exec.Command(podman, args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("podman %s: %v\n%s%s", strings.Join(args, " "), err, out, stderr.String())
		}
		return out
	}
	t.Cleanup(func() {
		// vfs layers of a store are plain files, but podman may leave
		// mounts or read-only files behind: let it remove its own.
		exec.Command(podman, "--root", filepath.Join(store, "root"), "--runroot", filepath.Join(store, "run"), "--storage-driver", "vfs", "system", "reset", "--force").Run()
	})
	out := pm("load", "--input", filepath.Join(dir, TarballName(hostPlatform)))
	t.Logf("podman load: %s", bytes.TrimSpace(out))
	cf, err := img.ConfigFile()
	if err != nil {
		t.Fatal(err)
	}
	cfgDigest, err := img.ConfigName()
	if err != nil {
		t.Fatal(err)
	}
	label := cf.Config.Labels["org.opencontainers.image.version"]
	ref := "irsa-doctor:" + tagOf(label)
	var inspect []struct {
		ID     string `json:"Id"`
		Config struct {
			User       string
			Entrypoint []string
			Labels     map[string]string
		}
	}
	if err := json.Unmarshal(pm("image", "inspect", ref), &inspect); err != nil {
		t.Fatal(err)
	}
	if len(inspect) != 1 {
		t.Fatalf("podman image inspect %s: %d images", ref, len(inspect))
	}
	got := inspect[0]
	if got.ID != cfgDigest.Hex {
		t.Errorf("podman's image ID %s, want the config digest %s", got.ID, cfgDigest.Hex)
	}
	if got.Config.User != "65532:65532" || !slices.Equal(got.Config.Entrypoint, []string{"/irsa-doctor"}) || got.Config.Labels["org.opencontainers.image.version"] != label {
		t.Errorf("podman sees user %q, entrypoint %q, version label %q", got.Config.User, got.Config.Entrypoint, got.Config.Labels["org.opencontainers.image.version"])
	}
	if os.Getenv("IRSA_DOCTOR_PODMAN_RUN") != "1" {
		return
	}
	out = pm("run", "--rm", "--network=none", ref, "version", "-o", "json")
	var bi struct{ Version string }
	if err := json.Unmarshal(out, &bi); err != nil || bi.Version != label {
		t.Errorf("podman run %s version -o json: %s (%v), want version %q", ref, out, err, label)
	}
}

// TestDocEntries: the notices' folders come once each, sorted, before
// their files; a destination that is not FOLDER/FILE, or given twice, is
// refused with the flag's words.
func TestDocEntries(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
	for _, f := range []string{a, b} {
		if err := os.WriteFile(f, []byte(filepath.Base(f)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	es, err := docEntries([]Doc{{"z/NOTICE", a}, {"x/LICENSE", b}, {"z/COPYING", b}})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range es {
		got = append(got, e.name+":"+string(e.data))
	}
	want := []string{"usr/:", "usr/share/:", "usr/share/doc/:", "usr/share/doc/x/:", "usr/share/doc/x/LICENSE:b",
		"usr/share/doc/z/:", "usr/share/doc/z/COPYING:b", "usr/share/doc/z/NOTICE:a"}
	if !slices.Equal(got, want) {
		t.Errorf("docEntries:\n got %q\nwant %q", got, want)
	}
	for _, tc := range []struct {
		docs []Doc
		want string
	}{
		{[]Doc{{"LICENSE", a}}, "-doc LICENSE=" + a + ": want FOLDER/FILE under /usr/share/doc (ca-certificates/copyright)"},
		{[]Doc{{"x/y/z", a}}, "-doc x/y/z=" + a + ": want FOLDER/FILE under /usr/share/doc (ca-certificates/copyright)"},
		{[]Doc{{"../x", a}}, "-doc ../x=" + a + ": want FOLDER/FILE under /usr/share/doc (ca-certificates/copyright)"},
		{[]Doc{{"x/..", a}}, "-doc x/..=" + a + ": want FOLDER/FILE under /usr/share/doc (ca-certificates/copyright)"},
		{[]Doc{{"x/a", a}, {"x/a", b}}, "-doc x/a given twice"},
		{[]Doc{{"x/a", filepath.Join(dir, "missing")}}, "-doc x/a: open " + filepath.Join(dir, "missing") + ": no such file or directory"},
	} {
		if _, err := docEntries(tc.docs); err == nil || err.Error() != tc.want {
			t.Errorf("docEntries(%v) = %v, want %q", tc.docs, err, tc.want)
		}
	}
}
