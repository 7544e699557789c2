package bundle

import (
	"context"
	"encoding/binary"
	"errors"
	"io"
	"math/bits"
	"sync"

	"github.com/go-json-experiment/json/jsontext"
)

// A streamed List (stream.go) is split into its items by splitter rather
// than by a jsontext.Decoder: the decoder validates every byte of an item
// on the one goroutine that reads the file, and the worker that decodes
// the item reads every byte again. splitter only finds where each value
// ends, copying it without the white space between tokens (kubectl indents
// with four spaces: two thirds of a List's bytes), and leaves validation
// to the worker's decode, which reads every byte anyway: decodeStrict
// decodes with the walk's options, and any item that does not decode
// makes the streamed read give up for the whole-file path, which reports
// the problem with its line and column. No JSON library offers a split
// that skips validation (jsontext's ReadValue and SkipValue validate), so
// this one is written here; it decides nothing about what the bytes mean.

var (
	errSplit    = errors.New("not a value the splitter handles")
	errSplitEOF = errors.New("unexpected end of input")
)

// splitter reads JSON text from r in large chunks, or takes it window by
// window from a file mapped into memory (win, mmap_linux.go).
type splitter struct {
	r   io.Reader
	win *windows
	// chunk is what r is read into (buf is chunk, or the window).
	chunk []byte
	buf   []byte
	pos   int
	eof   bool
	err   error
}

// splitChunk is the size of the reads; a variable for tests, which cut
// values at every byte.
var splitChunk = 1 << 20

func newSplitter(r io.Reader) *splitter {
	chunk, ok := spareChunks.Get().(*[]byte)
	if !ok || cap(*chunk) != splitChunk {
		c := make([]byte, 0, splitChunk)
		chunk = &c
	}
	return &splitter{r: r, chunk: (*chunk)[:0], buf: (*chunk)[:0]}
}

// newWindowSplitter splits the file w maps, from its first window.
func newWindowSplitter(w *windows, first []byte) *splitter {
	return &splitter{win: w, buf: first}
}

// spareChunks holds the chunks of splitters done with their file, for the
// next file's: what value returns is copied out of the chunk, never a
// slice of it. A 100,000-pod bundle in 50 files made 52 MB of chunks
// garbage, one per file.
var spareChunks sync.Pool

// release hands s's chunk to the next splitter; s is not used after.
func (s *splitter) release() {
	if s.chunk == nil {
		return
	}
	b := s.chunk[:0]
	s.chunk, s.buf = nil, nil
	spareChunks.Put(&b)
}

// fill reads the next chunk once buf is consumed; false at the end of the
// input or on a read error.
func (s *splitter) fill() bool {
	if s.pos < len(s.buf) {
		return true
	}
	if s.eof {
		return false
	}
	if s.win != nil {
		w, err := s.win.next()
		s.buf, s.pos = w, 0
		if err != nil {
			s.eof = true
			if err != io.EOF {
				s.err = err
			}
		}
		return len(w) > 0
	}
	n, err := io.ReadAtLeast(s.r, s.chunk[:cap(s.chunk)], 1)
	s.buf, s.pos = s.chunk[:n], 0
	if err != nil {
		s.eof = true
		if err != io.EOF && err != io.ErrUnexpectedEOF {
			s.err = err
		}
	}
	return n > 0
}

// skipSpace skips JSON white space and returns the next byte without
// consuming it, or false at the end of the input.
func (s *splitter) skipSpace() (byte, bool) {
	for s.fill() {
		b := s.buf[s.pos:]
		i := skipWS(b)
		s.pos += i
		if i < len(b) {
			return b[i], true
		}
	}
	return 0, false
}

// next consumes the byte skipSpace returns.
func (s *splitter) next() (byte, bool) {
	c, ok := s.skipSpace()
	if ok {
		s.pos++
	}
	return c, ok
}

const spaces8 = 0x2020202020202020

// skipWS returns the length of the white space that starts b. Runs of
// spaces (indentation) are skipped eight bytes at a time, the first byte
// other than a space found with the word's trailing zeros.
func skipWS(b []byte) int {
	i := 0
	for i < len(b) {
		switch b[i] {
		case ' ', '\n', '\t', '\r':
			// This byte, and the spaces after it: a newline is followed
			// by the next line's indentation.
			i++
			for {
				if len(b)-i < 8 {
					for i < len(b) && b[i] == ' ' {
						i++
					}
					break
				}
				x := binary.LittleEndian.Uint64(b[i:i+8]) ^ spaces8
				if x != 0 {
					i += bits.TrailingZeros64(x) / 8
					break
				}
				i += 8
			}
		default:
			return i
		}
	}
	return i
}

// Multiples of these are eight copies of a byte, for the "has a zero byte"
// test on a word: (x - lsb8) &^ x & msb8 has the high bit set in the
// first zero byte of x and in no byte below it (a borrow runs only upward:
// bytes above it may be set falsely), so its trailing zeros find the first.
const (
	lsb8 = 0x0101010101010101
	msb8 = 0x8080808080808080
)

// stringEnd returns the index of the first '"' or '\\' in b at or after i,
// or len(b). Eight bytes are tested at a time: a label's or an image's
// value is tens of bytes.
func stringEnd(b []byte, i int) int {
	for ; len(b)-i >= 8; i += 8 {
		x := binary.LittleEndian.Uint64(b[i : i+8])
		q := x ^ (lsb8 * '"')
		e := x ^ (lsb8 * '\\')
		if m := ((q-lsb8)&^q | (e-lsb8)&^e) & msb8; m != 0 {
			return i + bits.TrailingZeros64(m)/8
		}
	}
	for i < len(b) && b[i] != '"' && b[i] != '\\' {
		i++
	}
	return i
}

// Byte classes of the splitter.
const (
	clLiteral = iota // part of a number, true, false or null (or not JSON)
	clSpace
	clQuote
	clOpen
	clClose
	clSep // ',' or ':'
)

var byteClass = func() (t [256]uint8) {
	for _, c := range " \n\t\r" {
		t[c] = clSpace
	}
	t['"'] = clQuote
	t['{'], t['['] = clOpen, clOpen
	t['}'], t[']'] = clClose, clClose
	t[','], t[':'] = clSep, clSep
	return t
}()

// value appends the next value to dst without the white space between its
// tokens (one space is kept between two literal characters, so that
// "1 2" stays invalid rather than becoming 12). It stops after the value:
// at the byte that closes it, or before the delimiter that ends a number
// or literal. It does not validate: brackets are counted, not matched,
// and a worker's decode rejects what is not JSON. Runs of bytes between
// white space are copied whole, strings are searched a word at a time.
func (s *splitter) value(dst []byte) ([]byte, error) {
	if _, ok := s.skipSpace(); !ok {
		return dst, s.endErr()
	}
	depth := 0
	inString, escaped, spaced := false, false, false
	for s.fill() {
		b := s.buf[s.pos:]
		i, run := 0, 0
		if escaped {
			i, escaped = 1, false
		}
		for i < len(b) {
			if inString {
				// Strings are short (names, labels): too short for two
				// IndexByte calls to pay; stringEnd tests a word at a time.
				i = stringEnd(b, i)
				if i == len(b) {
					break
				}
				if b[i] == '\\' {
					i += 2 // the backslash and the byte it escapes
					if i > len(b) {
						i, escaped = len(b), true
					}
					continue
				}
				i++
				inString = false
				if depth == 0 {
					s.pos += i
					return append(dst, b[run:i]...), nil
				}
				// kubectl writes a member as `"key": value`: copy the run
				// through the ':' and drop the one space after it here,
				// rather than a byte at a time through the switch. Nothing
				// is lost by not setting spaced: the byte before the next
				// is the ':', not a literal one.
				if i+1 < len(b) && b[i] == ':' && b[i+1] == ' ' {
					dst = append(dst, b[run:i+1]...)
					i += 2
					run = i
					continue
				}
				// And it ends a member's line with `",\n` or `"\n`: copy
				// through the ',' and skip the newline and the next line's
				// indentation here, as the switch would.
				j := i
				if j < len(b) && b[j] == ',' {
					j++
				}
				if j < len(b) && b[j] == '\n' {
					dst = append(dst, b[run:j]...)
					i = j + skipWS(b[j:])
					run = i
					spaced = true
				}
				continue
			}
			switch byteClass[b[i]] {
			case clSpace:
				dst = append(dst, b[run:i]...)
				i += skipWS(b[i:])
				run = i
				if depth == 0 {
					// A top-level number or literal ends at white space.
					s.pos += i
					return dst, nil
				}
				spaced = true
				continue
			case clQuote:
				inString = true
			case clOpen:
				depth++
			case clClose:
				if depth == 0 {
					s.pos += i
					return append(dst, b[run:i]...), nil
				}
				depth--
				if depth == 0 {
					s.pos += i + 1
					return append(dst, b[run:i+1]...), nil
				}
			case clSep:
				if depth == 0 {
					s.pos += i
					return append(dst, b[run:i]...), nil
				}
			default:
				if spaced && run == i && len(dst) > 0 && byteClass[dst[len(dst)-1]] == clLiteral {
					dst = append(dst, ' ')
				}
			}
			spaced = false
			i++
		}
		dst = append(dst, b[run:]...)
		s.pos += len(b)
	}
	if depth == 0 && !inString && len(dst) > 0 {
		return dst, nil // a number or literal that ends the input
	}
	return dst, s.endErr()
}

func (s *splitter) endErr() error {
	if s.err != nil {
		return s.err
	}
	return errSplitEOF
}

// walkStreamed splits one top-level object of a streamed file: its members
// other than "items" whole (validated here: they are small), the items of
// an "items" array into the pipeline, which decodes them strictly on
// every core meanwhile. Anything but a single object with at most one
// "items" array, whose items are objects, is errSplit: the caller gives
// up streaming.
func walkStreamed(ctx context.Context, s *splitter, src *jsonSrc, r *result) (*object, error) {
	if c, ok := s.next(); !ok || c != '{' {
		return nil, errSplit
	}
	o := &object{}
	var pipe *itemPipeline
	defer func() {
		if pipe != nil {
			o.decoded = pipe.wait()
		}
	}()
	if c, ok := s.skipSpace(); ok && c == '}' {
		s.pos++
		return o, nil
	}
	var scratch []byte
	for {
		if c, ok := s.skipSpace(); !ok || c != '"' {
			return o, errSplit
		}
		raw, err := s.value(scratch[:0])
		if err != nil {
			return o, err
		}
		scratch = raw
		name, err := jsontext.AppendUnquote(nil, raw)
		if err != nil {
			return o, errSplit
		}
		if c, ok := s.next(); !ok || c != ':' {
			return o, errSplit
		}
		if c, ok := s.skipSpace(); ok && c == '[' && string(name) == "items" {
			if o.hasItems {
				return o, errSplit
			}
			o.hasItems = true
			s.pos++
			pipe = newItemPipeline(ctx, r.src)
			pipe.strict = true
			if err := splitItems(ctx, s, pipe); err != nil {
				return o, err
			}
		} else {
			v, err := s.value(nil)
			if err != nil {
				return o, err
			}
			if !jsontext.Value(v).IsValid(walkOpts) {
				return o, errSplit
			}
			o.members = append(o.members, member{string(name), v})
		}
		c, ok := s.next()
		switch {
		case ok && c == ',':
			continue
		case ok && c == '}':
			return o, nil
		}
		return o, errSplit
	}
}

// splitItems hands each item of the array whose '[' was read to pipe.
func splitItems(ctx context.Context, s *splitter, pipe *itemPipeline) error {
	if c, ok := s.skipSpace(); ok && c == ']' {
		s.pos++
		return nil
	}
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if c, ok := s.skipSpace(); !ok || c != '{' {
			return errSplit
		}
		if err := pipe.addFrom(s.value); err != nil {
			return err
		}
		c, ok := s.next()
		switch {
		case ok && c == ',':
			continue
		case ok && c == ']':
			return nil
		}
		return errSplit
	}
}

// atEnd reports whether nothing but white space is left.
func (s *splitter) atEnd() bool {
	_, more := s.skipSpace()
	return !more && s.err == nil
}
