package report

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"runtime"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"unicode/utf16"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// severityOrder is the order summary.bySeverity lists its keys in, the
// order of docs/contract.md's example (worst first).
var severityOrder = []string{string(finding.SeverityError), string(finding.SeverityWarning), string(finding.SeverityInfo)}

// writeJSON writes the docs/contract.md document: two-space indent, a trailing
// newline, arrays never null (the v2 encoder writes a nil slice as []),
// findings in the order the engine sorted them.
func writeJSON(w io.Writer, r *finding.Result) error {
	marshalers := json.JoinMarshalers(
		// bySeverity always names error, warning and info, in that order, so
		// consumers can index it without a presence check and diffs of two
		// runs stay line-for-line.
		json.MarshalToFunc(func(enc *jsontext.Encoder, m map[string]int) error {
			return encodeBySeverity(enc, m)
		}),
		// A finding without a fix still carries the object of docs/contract.md's
		// document, with empty lists, so a consumer can read
		// fix.commands without a null check. ErrUnsupported hands any other
		// fix back to the default struct encoding.
		json.MarshalToFunc(func(enc *jsontext.Encoder, f *finding.Fix) error {
			if f.Empty() {
				return json.MarshalEncode(enc, noFix{Commands: []string{}, Argv: [][]string{}, Files: []finding.File{}})
			}
			return errors.ErrUnsupported
		}),
	)
	// The encoder writes a nil pointer as null without asking the
	// marshaler above: give every finding without a fix an empty one.
	cp := *r
	cp.Findings = make([]finding.Finding, len(r.Findings))
	for i, f := range r.Findings {
		if f.Fix == nil {
			f.Fix = &finding.Fix{}
		}
		cp.Findings[i] = f
	}
	opts := json.JoinOptions(
		json.WithMarshalers(marshalers),
		jsontext.WithIndent("  "),
		// Messages and evidence quote input files verbatim; invalid UTF-8
		// there becomes U+FFFD rather than failing the whole report.
		jsontext.AllowInvalidUTF8(true),
	)
	// The two long arrays, targets and findings (a finding lists every
	// target it affects), are encoded on every core and put in place of
	// empty ones.
	var arrays map[string]arrayWriter
	parallel := len(cp.Targets)+len(cp.Findings) >= max(parallelTargets, 1)
	if parallel {
		arrays = map[string]arrayWriter{"targets": streamArray(cp.Targets, opts), "findings": streamArray(cp.Findings, opts)}
		cp.Targets, cp.Findings = []finding.Target{}, []finding.Finding{}
	}
	var buf bytes.Buffer
	if err := json.MarshalWrite(&buf, &cp, opts); err != nil {
		return fmt.Errorf("encode json report: %w", err)
	}
	buf.WriteByte('\n')
	if !parallel {
		if _, err := w.Write(escapeNonASCIIControls(buf.Bytes())); err != nil {
			return fmt.Errorf("write json report: %w", err)
		}
		return nil
	}
	if err := writeSpliced(w, buf.Bytes(), arrays); err != nil {
		if ee := (encodeError{}); errors.As(err, &ee) {
			return fmt.Errorf("encode json report: %w", ee.err)
		}
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// noFix is the fix of a finding that has none; a type of its own, so that
// the *finding.Fix marshaler above is not called for it again.
type noFix struct {
	Commands []string       `json:"commands"`
	Argv     [][]string     `json:"argv"`
	Files    []finding.File `json:"files"`
}

// parallelTargets is the number of targets and findings from which the
// report's two arrays are encoded on every core: 10,000 targets and the
// findings that list them are most of a 13 MB report.
var parallelTargets = 1024

// arrayChunk is how many elements an encoding worker takes at a time;
// inFlight (times GOMAXPROCS) is how many chunks may be encoded ahead of
// the one being written.
const (
	arrayChunk = 16
	inFlight   = 4
)

// arrayWriter writes a first-level array of the document, "[" to "]", as
// the document's encoder would: each element on a line of its own,
// indented by four spaces.
type arrayWriter func(bw *bufio.Writer) error

// streamArray returns the arrayWriter of items: their elements are
// encoded on every core, a chunk at a time, and written in order as they
// are ready. At most inFlight chunks per core wait to be written, and
// their buffers are reused, so the encoded report is never held whole
// (it was 13 MB for 10,000 pods, held until the last element was written).
func streamArray[T any](items []T, opts json.Options) arrayWriter {
	return func(bw *bufio.Writer) error {
		if len(items) == 0 {
			_, err := bw.WriteString("[]")
			return err
		}
		if len(items) <= arrayChunk {
			// One chunk, which one worker would encode anyway: encode it
			// here, straight to the writer. These are the few findings
			// of a large cluster, each listing thousands of targets (a
			// finding was 2.5 MB for 10,000 pods), whose buffers grew to
			// 17 MB of garbage.
			ew := &escapingWriter{w: bw}
			o := json.JoinOptions(opts, jsontext.WithIndentPrefix("    "))
			bw.WriteByte('[')
			for i := range items {
				if i > 0 {
					bw.WriteByte(',')
				}
				bw.WriteString("\n    ")
				if err := json.MarshalWrite(ew, &items[i], o); err != nil {
					return encodeError{err}
				}
			}
			ew.flush()
			_, err := bw.WriteString("\n  ]")
			return err
		}
		type chunk struct {
			buf *bytes.Buffer
			err error
		}
		n := (len(items) + arrayChunk - 1) / arrayChunk
		ready := make([]chan chunk, n)
		for k := range ready {
			ready[k] = make(chan chunk, 1)
		}
		procs := runtime.GOMAXPROCS(0)
		// A worker takes a slot before it takes the next chunk, and the
		// writer gives the slot back once that chunk is written. Chunks
		// are taken in order, so the one the writer waits for is always
		// held by a worker or done: the window never stalls.
		slots := make(chan struct{}, inFlight*procs)
		stop := make(chan struct{})
		bufs := sync.Pool{New: func() any { return new(bytes.Buffer) }}
		var next atomic.Int64
		var wg sync.WaitGroup
		defer wg.Wait()
		for range procs {
			wg.Go(func() {
				o := json.JoinOptions(opts, jsontext.WithIndentPrefix("    "))
				for {
					select {
					case slots <- struct{}{}:
					case <-stop:
						return
					}
					k := int(next.Add(1) - 1)
					if k >= n {
						return
					}
					buf := bufs.Get().(*bytes.Buffer)
					buf.Reset()
					var err error
					for i := k * arrayChunk; i < min((k+1)*arrayChunk, len(items)) && err == nil; i++ {
						if i > 0 {
							buf.WriteByte(',')
						}
						buf.WriteString("\n    ")
						err = json.MarshalWrite(buf, &items[i], o)
					}
					ready[k] <- chunk{buf, err}
				}
			})
		}
		defer close(stop)
		bw.WriteByte('[')
		for k := range n {
			c := <-ready[k]
			if c.err != nil {
				return encodeError{c.err}
			}
			bw.Write(escapeNonASCIIControls(c.buf.Bytes())) // the error stays in bw
			bufs.Put(c.buf)
			<-slots
		}
		_, err := bw.WriteString("\n  ]")
		return err
	}
}

// escapingWriter passes what the encoder writes through
// escapeNonASCIIControls to w. The encoder writes in pieces, which may cut
// a character in two: the bytes of a character not yet complete wait for
// the next piece.
type escapingWriter struct {
	w    *bufio.Writer
	held []byte
}

func (e *escapingWriter) Write(p []byte) (int, error) {
	n := len(p)
	if len(e.held) > 0 {
		p = append(e.held, p...)
		e.held = nil
	}
	cut := len(p)
	for i := len(p) - 1; i >= 0 && i >= len(p)-utf8.UTFMax+1; i-- {
		if utf8.RuneStart(p[i]) {
			if !utf8.FullRune(p[i:]) {
				cut = i
			}
			break
		}
	}
	if cut < len(p) {
		e.held = append([]byte(nil), p[cut:]...)
	}
	e.w.Write(escapeNonASCIIControls(p[:cut])) // the error stays in w
	return n, nil
}

// flush writes a character left incomplete as it is (the encoder writes
// valid UTF-8: nothing is left once it is done).
func (e *escapingWriter) flush() {
	e.w.Write(e.held)
	e.held = nil
}

// encodeError is an element streamArray could not encode, told apart
// from the writer's errors.
type encodeError struct{ err error }

func (e encodeError) Error() string { return e.err.Error() }

// writeSpliced writes doc with each first-level member "NAME": [] filled
// by arrays[NAME]. At that level (two-space indent) the text "NAME": []
// can be nothing else: a string escapes its quotes.
func writeSpliced(w io.Writer, doc []byte, arrays map[string]arrayWriter) error {
	type hole struct {
		at    int
		write arrayWriter
	}
	var holes []hole
	for name, write := range arrays {
		empty := "\n  \"" + name + "\": []"
		i := bytes.Index(doc, []byte(empty))
		if i < 0 {
			return fmt.Errorf("no empty %s array to fill in", name)
		}
		holes = append(holes, hole{i + len(empty) - len("[]"), write})
	}
	sort.Slice(holes, func(i, j int) bool { return holes[i].at < holes[j].at })
	bw := bufio.NewWriterSize(w, 256<<10)
	write := func(b []byte) {
		bw.Write(escapeNonASCIIControls(b)) // the error stays in bw
	}
	last := 0
	for _, h := range holes {
		write(doc[last:h.at])
		last = h.at + len("[]")
		if err := h.write(bw); err != nil {
			return err
		}
	}
	write(doc[last:])
	return bw.Flush()
}

func encodeBySeverity(enc *jsontext.Encoder, m map[string]int) error {
	keys := append([]string(nil), severityOrder...)
	var extra []string
	for k := range m {
		if k != severityOrder[0] && k != severityOrder[1] && k != severityOrder[2] {
			extra = append(extra, k)
		}
	}
	sort.Strings(extra)
	keys = append(keys, extra...)
	if err := enc.WriteToken(jsontext.BeginObject); err != nil {
		return err
	}
	for _, k := range keys {
		if err := enc.WriteToken(jsontext.String(k)); err != nil {
			return err
		}
		if err := enc.WriteToken(jsontext.Int(int64(m[k]))); err != nil {
			return err
		}
	}
	return enc.WriteToken(jsontext.EndObject)
}

// escapeNonASCIIControls writes the characters above ASCII that a terminal
// acts on as \uXXXX escapes: the C1 controls U+0080–U+009F, the format
// characters (bidi overrides and isolates, zero-width characters) and
// U+2028/U+2029. The encoder escapes the C0 controls itself but writes
// these raw, so `cat report.json` would hand them to the terminal. JSON
// outside strings is ASCII, so every such rune is inside a string, where
// the escape means the same character to every JSON reader.
func escapeNonASCIIControls(b []byte) []byte {
	var out []byte
	last := 0
	for i := 0; i < len(b); {
		if b[i] < utf8.RuneSelf {
			i = asciiEnd(b, i+1)
			continue
		}
		r, size := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError || !termsafe.Unsafe(r) {
			i += size
			continue
		}
		if out == nil {
			out = make([]byte, 0, len(b)+32)
		}
		out = append(out, b[last:i]...)
		units := []rune{r}
		if r > 0xffff {
			r1, r2 := utf16.EncodeRune(r)
			units = []rune{r1, r2}
		}
		for _, u := range units {
			h := strconv.FormatUint(uint64(u), 16)
			out = append(out, `\u`...)
			for n := len(h); n < 4; n++ {
				out = append(out, '0')
			}
			out = append(out, h...)
		}
		i += size
		last = i
	}
	if out == nil {
		return b
	}
	return append(out, b[last:]...)
}

// asciiEnd is the index of the first byte from i on that is not ASCII, or
// len(b): eight bytes at a time, since a report is nearly all ASCII (a byte
// at a time took 8 ms of a 10,000-pod report's 13 MB).
func asciiEnd(b []byte, i int) int {
	for ; i+8 <= len(b); i += 8 {
		if binary.LittleEndian.Uint64(b[i:])&0x8080808080808080 != 0 {
			break
		}
	}
	for ; i < len(b) && b[i] < utf8.RuneSelf; i++ {
	}
	return i
}
