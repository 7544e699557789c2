package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// DefaultMaxFileSize is the size above which a file is skipped and listed
// (docs/contract.md#bundles: files over 256 MiB are skipped).
const DefaultMaxFileSize int64 = 256 << 20

// Options configure Read.
type Options struct {
	Stdin       io.Reader // for "-"
	MaxFileSize int64     // 0 = DefaultMaxFileSize; larger files are skipped and listed
	// Reading, when set, is called (from any goroutine) with the size of
	// each regular file about to be read, before it is read: analyze
	// paces the garbage collector with it (internal/gcpace.Expect).
	Reading func(size int64)
}

// Read reads every PATH (a folder, read recursively; a file; or "-" for
// Options.Stdin) into an offline snapshot.
//
// It returns an error only for usage problems: a PATH that does not exist or
// cannot be opened (the CLI exits 2). Every per-file problem (not
// recognised, malformed, too large, binary) is recorded in snap.Files with
// Error set, and reading goes on. A file that was partly used (say one bad
// item in a List, or a second JSON value cut short) keeps its RecognisedAs
// and has Error set too.
func Read(ctx context.Context, paths []string, opts Options) (*snapshot.Snapshot, error) {
	if len(paths) == 0 {
		return nil, errors.New("no PATH given: name a bundle folder, a file, or - for standard input")
	}
	if opts.MaxFileSize <= 0 {
		opts.MaxFileSize = DefaultMaxFileSize
	}
	inputs, err := collect(paths, opts)
	if err != nil {
		return nil, err
	}
	return readInputs(ctx, inputs, opts, "offline")
}

// readInputs parses the inputs concurrently and merges them in order.
func readInputs(ctx context.Context, inputs []input, opts Options, mode string) (*snapshot.Snapshot, error) {

	// Files are parsed concurrently; large Lists inside a file are also
	// split across workers (decodeItems). Results are merged in input order
	// so that the snapshot does not depend on scheduling.
	results := make([]*result, len(inputs))
	workers := min(runtime.GOMAXPROCS(0), len(inputs))
	next := make(chan int)
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for i := range next {
				results[i] = readInput(ctx, inputs[i], opts)
			}
		})
	}
feed:
	for i := range inputs {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("read bundle: %w", err)
	}

	snap := snapshot.New(mode)
	m := newMerger(snap)
	for _, r := range results {
		m.add(r)
	}
	m.finish()
	snap.Sort()
	return snap, nil
}

// input is one file to read: a path on disk, or stdin.
type input struct {
	ref   string // Source.Ref and File.Path
	path  string // on disk; "" for stdin
	stdin io.Reader
	// explicit is true for a file named on the command line, which may be
	// a pipe (`<(kubectl ...)`) and is read whatever its type.
	explicit bool
	// err is a problem found while walking (a symlink to a folder, a
	// device): the file is listed with it and not read.
	err string
	// data and source are set for a live capture (ReadCaptures): its
	// bytes, and where the facts came from.
	data   []byte
	source snapshot.Source
}

// collect expands the PATH arguments into the files to read, in argument
// order and, inside a folder, in lexical order (filepath.WalkDir).
func collect(paths []string, opts Options) ([]input, error) {
	var out []input
	seen := map[string]bool{}
	stdinUsed := false
	for _, p := range paths {
		if p == "-" {
			if opts.Stdin == nil {
				return nil, errors.New("PATH -: no standard input is available")
			}
			if stdinUsed {
				return nil, errors.New("PATH - given twice: standard input can be read only once")
			}
			stdinUsed = true
			out = append(out, input{ref: "-", stdin: opts.Stdin, explicit: true})
			continue
		}
		fi, err := os.Stat(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("PATH %q does not exist: check the path, or use - to read standard input", p)
			}
			return nil, fmt.Errorf("PATH %q cannot be opened (%w): check its permissions", p, unwrapPath(err))
		}
		base := refBase(p)
		if !fi.IsDir() {
			if f, err := os.Open(p); err != nil {
				return nil, fmt.Errorf("PATH %q cannot be opened (%w): check its permissions", p, unwrapPath(err))
			} else {
				f.Close()
			}
			if key := absKey(p); !seen[key] {
				seen[key] = true
				out = append(out, input{ref: base, path: p, explicit: true})
			}
			continue
		}
		if _, err := os.ReadDir(p); err != nil {
			return nil, fmt.Errorf("PATH %q is a folder that cannot be read (%w): check its permissions", p, unwrapPath(err))
		}
		root := filepath.Clean(p)
		err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			rel, _ := filepath.Rel(root, path)
			ref := filepath.ToSlash(filepath.Join(base, rel))
			if err != nil {
				// A subfolder or file that cannot be read: list it, go on.
				out = append(out, input{ref: ref, path: path, err: "cannot read: " + unwrapPath(err).Error()})
				if d != nil && d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if path != root && strings.HasPrefix(d.Name(), ".") {
				// Hidden entries (.git, .DS_Store, editor swap files) are
				// never kubectl or aws output; reading .git would flood the
				// file list.
				if d.IsDir() {
					return fs.SkipDir
				}
				return nil
			}
			if d.IsDir() {
				return nil
			}
			in := input{ref: ref, path: path}
			switch t := d.Type(); {
			case t&fs.ModeSymlink != 0:
				st, err := os.Stat(path)
				switch {
				case err != nil:
					in.err = "broken symbolic link: " + unwrapPath(err).Error()
				case st.IsDir():
					// Not followed: a link to a parent folder would loop.
					in.err = "symbolic link to a folder, not followed: name the folder itself"
				case !st.Mode().IsRegular():
					in.err = "not a regular file (" + st.Mode().Type().String() + ")"
				}
			case !t.IsRegular():
				in.err = "not a regular file (" + t.String() + ")"
			}
			key := absKey(path)
			if seen[key] {
				return nil
			}
			seen[key] = true
			out = append(out, in)
			return nil
		})
		if err != nil {
			return nil, fmt.Errorf("walk %q: %w", p, err)
		}
	}
	return out, nil
}

// refBase is how a PATH argument appears in Source.Ref: as given when it
// is relative, else relative to its parent folder (an absolute temporary
// path says nothing to the reader of a report).
func refBase(p string) string {
	c := filepath.Clean(p)
	if filepath.IsAbs(c) {
		if b := filepath.Base(c); b != string(filepath.Separator) {
			return b
		}
	}
	return filepath.ToSlash(c)
}

func absKey(p string) string {
	if a, err := filepath.Abs(p); err == nil {
		return a
	}
	return p
}

// unwrapPath drops the *fs.PathError wrapper, whose text repeats the path
// that our own message already names.
func unwrapPath(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

// readInput reads one file and parses it. It never fails: problems are
// recorded in the result.
func readInput(ctx context.Context, in input, opts Options) *result {
	r := newResult(in.ref)
	r.maxSize = opts.MaxFileSize
	if in.source.Kind != "" {
		r.src = in.source
		// A live capture's folder names its AWS account
		// ("111122223333/get-open-id-connect-provider-....json"), as a
		// dump's folders do once written: merger.attribute needs it to say
		// which account a provider listed in two accounts came from.
		if d := filepath.Dir(filepath.FromSlash(in.ref)); d != "." {
			r.dir = "capture:" + filepath.ToSlash(d)
		}
		parseContent(ctx, r, in.data)
		return r
	}
	if opts.Reading != nil && in.path != "" && in.err == "" {
		if st, err := os.Stat(in.path); err == nil && st.Mode().IsRegular() && st.Size() <= opts.MaxFileSize {
			opts.Reading(st.Size())
		}
	}
	if r, ok := readStreamed(ctx, in, opts); ok {
		return r
	}
	if in.path != "" {
		r.dir = filepath.Dir(in.path)
	}
	if in.err != "" {
		r.fail(in.err)
		return r
	}
	data, problem := load(in, opts.MaxFileSize)
	if problem != "" {
		r.fail(problem)
		return r
	}
	if in.path != "" {
		// Standard input has no file a report could point at.
		r.lines = lineCount(data)
	}
	parseContent(ctx, r, data)
	return r
}

// lineCount counts lines as editors number them: a last line without a
// newline counts too.
func lineCount(data []byte) int {
	n := bytes.Count(data, []byte("\n"))
	if len(data) > 0 && data[len(data)-1] != '\n' {
		n++
	}
	return n
}

// load reads the file, enforcing the size limit before reading when the
// size is known (a regular file) and while reading otherwise (stdin, pipes).
func load(in input, max int64) ([]byte, string) {
	var rd io.Reader
	if in.stdin != nil {
		rd = in.stdin
	} else {
		f, err := os.Open(in.path)
		if err != nil {
			return nil, "cannot open: " + unwrapPath(err).Error()
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			return nil, "cannot stat: " + unwrapPath(err).Error()
		}
		switch {
		case st.IsDir():
			return nil, "is a folder"
		case st.Mode().IsRegular():
			if st.Size() > max {
				return nil, fmt.Sprintf("file is %s, over the %s limit: skipped (split it, or pass only the files needed)", humanSize(st.Size()), humanSize(max))
			}
			data := make([]byte, st.Size())
			n, err := io.ReadFull(f, data)
			if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) {
				return nil, "cannot read: " + unwrapPath(err).Error()
			}
			// A file that grew while we read it: take what we have; one
			// that shrank: take the n bytes read.
			return data[:n], ""
		case !in.explicit:
			return nil, "not a regular file"
		}
		rd = f
	}
	data, err := io.ReadAll(io.LimitReader(rd, max+1))
	if err != nil {
		return nil, "cannot read: " + unwrapPath(err).Error()
	}
	if int64(len(data)) > max {
		return nil, fmt.Sprintf("input is over the %s limit: skipped", humanSize(max))
	}
	return data, ""
}

func humanSize(n int64) string {
	switch {
	case n >= 1<<30 && n%(1<<30) == 0:
		return fmt.Sprintf("%d GiB", n>>30)
	case n >= 1<<20:
		if n%(1<<20) == 0 {
			return fmt.Sprintf("%d MiB", n>>20)
		}
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
