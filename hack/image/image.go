package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"debug/buildinfo"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/layout"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/tarball"
	"github.com/google/go-containerregistry/pkg/v1/types"
)

// The image's fixed facts. 65532 is distroless's "nonroot": the same numbers
// as the images users already run, and no name lookup needed (Kubernetes'
// runAsNonRoot can only verify a numeric user).
const (
	user       = "65532:65532"
	uid        = 65532
	home       = "/home/nonroot"
	binaryPath = "/irsa-doctor"
	caPath     = "/etc/ssl/certs/ca-certificates.crt"
	repository = "irsa-doctor"

	passwd = "root:x:0:0:root:/root:/sbin/nologin\nnonroot:x:65532:65532:nonroot:/home/nonroot:/sbin/nologin\n"
	group  = "root:x:0:\nnonroot:x:65532:\n"
)

// Options are the inputs of one image build; the same Options build the same
// bytes.
type Options struct {
	// Binaries maps a platform ("linux/amd64") to its static irsa-doctor.
	Binaries map[string]string
	// CACerts is the PEM bundle installed at /etc/ssl/certs/ca-certificates.crt.
	CACerts string
	// Version is the -X version the binaries were built with ("" when none):
	// the label then takes the version Go stamped, as `irsa-doctor version` does.
	Version string
	// Revision is the commit the binaries were built from.
	Revision string
	// Created is the time of every file, the config and the history: the
	// commit time, so that a rebuild of the commit is the same image.
	Created time.Time
	// Source is the org.opencontainers.image.source label.
	Source string
	// Docs are the notices installed under /usr/share/doc: the licences
	// that the image's contents carry (irsa-doctor's LICENSE and
	// THIRD_PARTY_NOTICES, the CA bundle's copyright file, whose Mozilla
	// data is MPL-2.0), as Debian and distroless images ship them.
	Docs []Doc
}

// Doc is one file under /usr/share/doc: Dest is its path there
// ("ca-certificates/copyright"), Src the file to read.
type Doc struct {
	Dest, Src string
}

// Result is a built image: an index of one image per platform, under Tag.
type Result struct {
	Tag     string
	Version string
	Index   v1.ImageIndex
	Images  map[string]v1.Image // by platform
}

// Build assembles the image. Nothing is read but Options' files.
func Build(o Options) (*Result, error) {
	if len(o.Binaries) == 0 {
		return nil, fmt.Errorf("no binary given (-bin linux/amd64=PATH)")
	}
	if o.Created.IsZero() {
		return nil, fmt.Errorf("no creation time given (-created)")
	}
	created := o.Created.UTC().Truncate(time.Second)
	platforms := slices.Sorted(func(yield func(string) bool) {
		for p := range o.Binaries {
			if !yield(p) {
				return
			}
		}
	})
	version, err := labelVersion(o, platforms)
	if err != nil {
		return nil, err
	}
	ca, err := os.ReadFile(o.CACerts)
	if err != nil {
		return nil, fmt.Errorf("read the CA bundle: %w", err)
	}
	if !bytes.Contains(ca, []byte("-----BEGIN CERTIFICATE-----")) {
		return nil, fmt.Errorf("%s holds no PEM certificate", o.CACerts)
	}
	docs, err := docEntries(o.Docs)
	if err != nil {
		return nil, err
	}
	entries := []entry{
		{name: "etc/", mode: 0o755},
		{name: "etc/group", mode: 0o644, data: []byte(group)},
		{name: "etc/passwd", mode: 0o644, data: []byte(passwd)},
		{name: "etc/ssl/", mode: 0o755},
		{name: "etc/ssl/certs/", mode: 0o755},
		{name: strings.TrimPrefix(caPath, "/"), mode: 0o644, data: ca},
		{name: "home/", mode: 0o755},
		{name: strings.TrimPrefix(home, "/") + "/", mode: 0o700, owner: uid},
		{name: "tmp/", mode: 0o1777},
	}
	base, err := layer(created, append(entries, docs...))
	if err != nil {
		return nil, err
	}
	labels := map[string]string{
		"org.opencontainers.image.title":    "irsa-doctor",
		"org.opencontainers.image.version":  version,
		"org.opencontainers.image.revision": o.Revision,
		"org.opencontainers.image.source":   o.Source,
		"org.opencontainers.image.licenses": "Apache-2.0",
		"org.opencontainers.image.created":  created.Format(time.RFC3339),
	}
	res := &Result{Tag: tagOf(version), Version: version, Images: map[string]v1.Image{}}
	idx := mutate.IndexMediaType(empty.Index, types.OCIImageIndex)
	for _, p := range platforms {
		plat, err := v1.ParsePlatform(p)
		if err != nil {
			return nil, fmt.Errorf("platform %q: %w", p, err)
		}
		if plat.OS != "linux" {
			return nil, fmt.Errorf("platform %q: the image is for linux only", p)
		}
		if plat.Architecture == "arm64" && plat.Variant == "" {
			plat.Variant = "v8" // what docker and containerd record for arm64
		}
		bin, err := os.ReadFile(o.Binaries[p])
		if err != nil {
			return nil, fmt.Errorf("read the %s binary: %w", p, err)
		}
		app, err := layer(created, []entry{{name: strings.TrimPrefix(binaryPath, "/"), mode: 0o755, data: bin}})
		if err != nil {
			return nil, err
		}
		img := mutate.ConfigMediaType(mutate.MediaType(empty.Image, types.OCIManifestSchema1), types.OCIConfigJSON)
		img, err = mutate.Append(img,
			mutate.Addendum{Layer: base, MediaType: types.OCILayer, History: v1.History{
				Created: v1.Time{Time: created}, CreatedBy: "hack/image: /etc/passwd, /etc/group, " + caPath + " (" + filepath.Base(o.CACerts) + "), " + home + ", /tmp"}},
			mutate.Addendum{Layer: app, MediaType: types.OCILayer, History: v1.History{
				Created: v1.Time{Time: created}, CreatedBy: "hack/image: " + binaryPath + " (CGO_ENABLED=0 go build -trimpath -ldflags=-s -w)"}},
		)
		if err != nil {
			return nil, err
		}
		cf, err := img.ConfigFile()
		if err != nil {
			return nil, err
		}
		cf = cf.DeepCopy()
		cf.OS, cf.Architecture, cf.Variant = plat.OS, plat.Architecture, plat.Variant
		cf.Created = v1.Time{Time: created}
		cf.Author = ""
		cf.Config = v1.Config{
			User:       user,
			Entrypoint: []string{binaryPath},
			WorkingDir: home,
			Env:        []string{"SSL_CERT_FILE=" + caPath},
			Labels:     labels,
		}
		if img, err = mutate.ConfigFile(img, cf); err != nil {
			return nil, err
		}
		res.Images[p] = img
		idx = mutate.AppendManifests(idx, mutate.IndexAddendum{Add: img, Descriptor: v1.Descriptor{Platform: plat}})
	}
	res.Index = idx
	return res, nil
}

// Write puts the image under dir: oci/, an OCI image layout whose index names
// the tag (org.opencontainers.image.ref.name), and one `docker save` tarball
// per platform (irsa-doctor-linux-amd64.tar) for `podman load` / `docker
// load`. dir is emptied first: nothing of an older build stays.
func (r *Result) Write(dir string) error {
	if err := os.RemoveAll(dir); err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	p, err := layout.Write(filepath.Join(dir, "oci"), empty.Index)
	if err != nil {
		return fmt.Errorf("write the OCI layout: %w", err)
	}
	if err := p.AppendIndex(r.Index, layout.WithAnnotations(map[string]string{
		"org.opencontainers.image.ref.name": r.Tag,
	})); err != nil {
		return fmt.Errorf("write the OCI layout: %w", err)
	}
	ref, err := name.NewTag(repository + ":" + r.Tag)
	if err != nil {
		return err
	}
	for p, img := range r.Images {
		f := filepath.Join(dir, TarballName(p))
		if err := tarball.WriteToFile(f, ref, img); err != nil {
			return fmt.Errorf("write %s: %w", f, err)
		}
	}
	return nil
}

// TarballName is the `docker save` file of a platform.
func TarballName(platform string) string {
	return "irsa-doctor-" + strings.ReplaceAll(platform, "/", "-") + ".tar"
}

// labelVersion is the version `irsa-doctor version` prints (internal/cli's
// readBuildInfo): the -X value, else the module version Go stamped, else
// "devel". Read from the binaries themselves, so that it holds for a
// cross-compiled one too; every platform must agree.
func labelVersion(o Options, platforms []string) (string, error) {
	if o.Version != "" {
		return o.Version, nil
	}
	var v string
	for i, p := range platforms {
		bi, err := buildinfo.ReadFile(o.Binaries[p])
		if err != nil {
			return "", fmt.Errorf("read the build info of %s: %w", o.Binaries[p], err)
		}
		got := bi.Main.Version
		if got == "" || got == "(devel)" {
			got = "devel"
		}
		if i > 0 && got != v {
			return "", fmt.Errorf("the binaries disagree on their version: %s is %q, %s is %q", platforms[0], v, p, got)
		}
		v = got
	}
	return v, nil
}

var notInTag = regexp.MustCompile(`[^A-Za-z0-9_.-]`)

// tagOf turns a version into an image tag: a pseudo-version's "+dirty" has a
// character tags do not allow.
func tagOf(version string) string {
	t := notInTag.ReplaceAllString(version, "-")
	if len(t) > 128 {
		t = t[:128]
	}
	return t
}

// entry is one file or (name ending in "/") directory of a layer.
type entry struct {
	name  string
	mode  int64
	owner int
	data  []byte
}

// docEntries are the layer's entries for docs: usr/share/doc/ and each
// file's folder once, in sorted order, then the files.
func docEntries(docs []Doc) ([]entry, error) {
	if len(docs) == 0 {
		return nil, nil
	}
	sorted := slices.SortedFunc(slices.Values(docs), func(a, b Doc) int { return strings.Compare(a.Dest, b.Dest) })
	out := []entry{{name: "usr/", mode: 0o755}, {name: "usr/share/", mode: 0o755}, {name: "usr/share/doc/", mode: 0o755}}
	dirs := map[string]bool{}
	for i, d := range sorted {
		dir, file, ok := strings.Cut(d.Dest, "/")
		if !ok || dir == "" || file == "" || strings.Contains(file, "/") || dir == "." || dir == ".." || file == "." || file == ".." {
			return nil, fmt.Errorf("-doc %s=%s: want FOLDER/FILE under /usr/share/doc (ca-certificates/copyright)", d.Dest, d.Src)
		}
		if i > 0 && sorted[i-1].Dest == d.Dest {
			return nil, fmt.Errorf("-doc %s given twice", d.Dest)
		}
		data, err := os.ReadFile(d.Src)
		if err != nil {
			return nil, fmt.Errorf("-doc %s: %w", d.Dest, err)
		}
		if !dirs[dir] {
			dirs[dir] = true
			out = append(out, entry{name: "usr/share/doc/" + dir + "/", mode: 0o755})
		}
		out = append(out, entry{name: "usr/share/doc/" + d.Dest, mode: 0o644, data: data})
	}
	return out, nil
}

// layer is a gzip-compressed tar of entries, in their order, with every
// field that could vary fixed: mtime, uid/gid, no user or group names, USTAR
// format (no PAX records carrying access times), gzip without name or time.
func layer(mtime time.Time, entries []entry) (v1.Layer, error) {
	var tb bytes.Buffer
	tw := tar.NewWriter(&tb)
	for _, e := range entries {
		h := &tar.Header{
			Name:    e.name,
			Mode:    e.mode,
			Uid:     e.owner,
			Gid:     e.owner,
			ModTime: mtime,
			Format:  tar.FormatUSTAR,
		}
		if strings.HasSuffix(e.name, "/") {
			h.Typeflag = tar.TypeDir
		} else {
			h.Typeflag = tar.TypeReg
			h.Size = int64(len(e.data))
		}
		if err := tw.WriteHeader(h); err != nil {
			return nil, fmt.Errorf("layer entry %s: %w", e.name, err)
		}
		if _, err := tw.Write(e.data); err != nil {
			return nil, err
		}
	}
	if err := tw.Close(); err != nil {
		return nil, err
	}
	// Compressed once here rather than by go-containerregistry at every
	// digest and write; the level is compress/gzip's default.
	var gb bytes.Buffer
	zw, err := gzip.NewWriterLevel(&gb, gzip.DefaultCompression)
	if err != nil {
		return nil, err
	}
	if _, err := zw.Write(tb.Bytes()); err != nil {
		return nil, err
	}
	if err := zw.Close(); err != nil {
		return nil, err
	}
	z := gb.Bytes()
	return tarball.LayerFromOpener(func() (io.ReadCloser, error) {
		return io.NopCloser(bytes.NewReader(z)), nil
	}, tarball.WithMediaType(types.OCILayer))
}
