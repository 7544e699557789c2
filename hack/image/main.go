// Command image builds irsa-doctor's container image without a Docker daemon
// or a base image (`make image`, docs/image.md): from go-containerregistry's
// empty image, one layer with /etc/passwd, /etc/group, the CA bundle vendored
// beside this file, the nonroot home, /tmp and the notices under
// /usr/share/doc (-doc), and one layer with the static
// binary, per platform; written as an OCI image layout and as `docker save`
// tarballs. Every timestamp is the commit's, so the same commit and binaries
// give the same digests.
package main

import (
	"flag"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// binFlag collects repeated -bin PLATFORM=PATH.
type binFlag map[string]string

func (b binFlag) String() string { return fmt.Sprint(map[string]string(b)) }

func (b binFlag) Set(s string) error {
	p, path, ok := strings.Cut(s, "=")
	if !ok || p == "" || path == "" {
		return fmt.Errorf("want PLATFORM=PATH (linux/amd64=bin/irsa-doctor), got %q", s)
	}
	if _, dup := b[p]; dup {
		return fmt.Errorf("platform %s given twice", p)
	}
	b[p] = path
	return nil
}

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "image:", err)
		os.Exit(1)
	}
}

func run(args []string) error {
	fs := flag.NewFlagSet("image", flag.ContinueOnError)
	bins := binFlag{}
	fs.Var(bins, "bin", "PLATFORM=PATH of a static irsa-doctor (repeatable: one image per platform in the index)")
	o := Options{Binaries: bins}
	fs.StringVar(&o.CACerts, "ca", "ca-certificates.crt", "the PEM CA bundle to install")
	fs.Func("doc", "FOLDER/FILE=PATH: install PATH as /usr/share/doc/FOLDER/FILE (repeatable: the licences and notices the image's files carry)", func(v string) error {
		dest, src, ok := strings.Cut(v, "=")
		if !ok || dest == "" || src == "" {
			return fmt.Errorf("want FOLDER/FILE=PATH, got %q", v)
		}
		o.Docs = append(o.Docs, Doc{Dest: dest, Src: src})
		return nil
	})
	fs.StringVar(&o.Version, "version", "", "the -X version the binaries carry (empty: the one Go stamped)")
	fs.StringVar(&o.Revision, "revision", "", "the commit the binaries were built from")
	created := fs.String("created", "", "creation time: Unix seconds (git log -1 --format=%ct) or RFC 3339")
	fs.StringVar(&o.Source, "source", "https://github.com/irsa-doctor/irsa-doctor", "the org.opencontainers.image.source label")
	out := fs.String("out", "", "the folder to write (emptied first)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *out == "" {
		return fmt.Errorf("-out is required")
	}
	t, err := parseTime(*created)
	if err != nil {
		return err
	}
	o.Created = t
	r, err := Build(o)
	if err != nil {
		return err
	}
	if err := r.Write(*out); err != nil {
		return err
	}
	d, err := r.Index.Digest()
	if err != nil {
		return err
	}
	fmt.Printf("%s:%s %s (index, %s/oci)\n", repository, r.Tag, d, *out)
	for _, p := range slices.Sorted(func(yield func(string) bool) {
		for p := range r.Images {
			if !yield(p) {
				return
			}
		}
	}) {
		d, err := r.Images[p].Digest()
		if err != nil {
			return err
		}
		fmt.Printf("  %s %s (%s/%s)\n", p, d, *out, TarballName(p))
	}
	return nil
}

func parseTime(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, fmt.Errorf("-created is required (the commit time: git log -1 --format=%%ct)")
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return time.Unix(n, 0).UTC(), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("-created %q: neither Unix seconds nor RFC 3339", s)
	}
	return t, nil
}
