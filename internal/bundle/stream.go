package bundle

import (
	"bufio"
	"bytes"
	"context"
	"io"
	"os"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"sync/atomic"
)

// A large `kubectl get ... -A -o json` List is decoded as it is read
// rather than read whole first: a 10,000-pod List is 120 MB, and holding
// it while its items are decoded doubled the reader's memory (and its
// garbage collector's work) for nothing the items need. Only what this
// path handles exactly as the whole-file path does is streamed: a file
// that starts, after white space, with "{" and holds Kubernetes Lists
// that parse without a problem. Anything else (a problem to report with
// its line and column, which needs the file's bytes; a kubectl warning
// after the JSON; an object that is not a List; items without a kind)
// makes readStreamed give up, and the file is read again whole, so the
// findings and messages are those of the whole-file path.

// streamMin is the size from which a regular file is streamed: below it,
// reading it whole costs little. A variable for tests, which stream small
// files.
var streamMin int64 = 8 << 20

// streamedFiles counts the files read by readStreamed to the end, for
// tests that must know which path read a file.
var streamedFiles atomic.Int64

// streamHead is how much of the file is looked at before streaming: the
// checks parseContent makes on a file's start (encoding, NUL bytes, the
// first line of a log) read no further.
const streamHead = 64 << 10

// readStreamed reads a large JSON file as a stream. ok is false when the
// file is not one it handles: the caller reads it whole.
func readStreamed(ctx context.Context, in input, opts Options) (r *result, ok bool) {
	if in.path == "" || in.stdin != nil || in.source.Kind != "" || in.err != "" {
		return nil, false
	}
	f, err := os.Open(in.path)
	if err != nil {
		return nil, false
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil || !st.Mode().IsRegular() || st.Size() < streamMin || st.Size() > opts.MaxFileSize {
		return nil, false
	}
	var (
		head  []byte
		sp    *splitter
		lines func() int
	)
	if w := mapWindows(f, st.Size()); w != nil && mapStreamed {
		defer w.close()
		// A fault reading a window (the file shrank under it) is a
		// panic here, not the end of the process: recovered below, it
		// sends the file to the whole-file read.
		defer debug.SetPanicOnFault(debug.SetPanicOnFault(true))
		defer func() {
			if e := recover(); e != nil {
				if _, fault := e.(interface{ Addr() uintptr }); !fault {
					panic(e)
				}
				r, ok = nil, false
			}
		}()
		first, err := w.next()
		if err != nil {
			return nil, false
		}
		head = first[:min(len(first), streamHead)]
		sp, lines = newWindowSplitter(w, first), w.lines
	} else {
		br := readers.Get().(*bufio.Reader)
		br.Reset(f)
		defer func() { br.Reset(nil); readers.Put(br) }()
		head, _ = br.Peek(streamHead)
		lc := &lineCounter{r: br}
		sp, lines = newSplitter(lc), lc.lines
		defer sp.release()
	}
	if !streamableHead(head) {
		return nil, false
	}
	r = newResult(in.ref)
	r.maxSize = opts.MaxFileSize
	r.dir = filepath.Dir(in.path)
	src := &jsonSrc{stream: f}
	for first := true; first || !sp.atEnd(); first = false {
		obj, err := walkStreamed(ctx, sp, src, r)
		if !streamable(obj, err) {
			return nil, false
		}
		classify(ctx, r, src, obj, nil)
		if src.abort {
			return nil, false
		}
	}
	if sp.err != nil || src.abort || len(r.errs) > 0 || r.moreErrs > 0 || ctx.Err() != nil {
		return nil, false
	}
	r.lines = lines()
	streamedFiles.Add(1)
	return r, true
}

// windowSize is how much of a streamed file is mapped at once (Linux,
// mmap_linux.go): a multiple of the page size, small beside the heap
// (mapped pages count in the process's resident memory). mapStreamed
// false reads streamed files with read(2) on Linux too. Both are for
// tests, which cut Lists at every window and read both ways.
var (
	windowSize  int64 = 4 << 20
	mapStreamed       = true
)

// readers are the buffered readers of the streamed files, reused from file
// to file (1 MiB each: 52 MB of garbage for a 100,000-pod bundle in 50
// files otherwise). Nothing read through one outlives readStreamed.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 1<<20) }}

// streamableHead reports a file start that parseContent would send to
// parseJSON unchanged: no byte-order mark or compressed or binary data
// (normaliseEncoding), no kubectl warning before the JSON
// (blankKubectlWarnings), an object first, and a first line that is not
// a JSON log entry.
func streamableHead(head []byte) bool {
	if data, problem := normaliseEncoding(head); problem != "" || len(data) != len(head) {
		return false
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) == 0 || trimmed[0] != '{' {
		return false
	}
	if bytes.IndexByte(trimmed, '\n') < 0 && len(trimmed) <= maxEntryBytes {
		// The first line does not end within the head, yet would be
		// short enough for a log entry: only the whole file can tell.
		return false
	}
	return !looksLikeJSONLog(trimmed) && !looksLikeTextLog(trimmed)
}

// streamable reports a top-level object the streaming path can classify
// as the whole-file path does: a complete Kubernetes List, each of whose
// items was decoded or skipped (an item without a kind waits for the
// List's, which needs the item's bytes).
func streamable(o *object, err error) bool {
	if err != nil || o == nil || !o.hasItems {
		return false
	}
	if !strings.HasSuffix(o.str("kind"), "List") {
		return false
	}
	for _, it := range o.decoded {
		if it.kind == "" && it.obj == nil && it.err == nil {
			return false
		}
	}
	return true
}

// lineCounter counts the lines of what is read through it, as lineCount
// does of a whole file.
type lineCounter struct {
	r    io.Reader
	n    int
	last byte
	any  bool
}

func (c *lineCounter) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	if n > 0 {
		c.n += bytes.Count(p[:n], []byte("\n"))
		c.last, c.any = p[n-1], true
	}
	return n, err
}

func (c *lineCounter) lines() int {
	if c.any && c.last != '\n' {
		return c.n + 1
	}
	return c.n
}
