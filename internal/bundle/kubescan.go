package bundle

import (
	"encoding/binary"
	"math/bits"

	"github.com/go-json-experiment/json/jsontext"
)

// scan is the hand-written decode's tokenizer (kubefast.go): a validating
// cursor over the bytes of one item, which the reader already holds in
// memory. It is written by hand because no library offers what this needs:
// jsontext's Decoder (what the decode used before) reads through an
// io.Reader and keeps state for every token (its place in each object
// and array, for errors' JSON pointers) behind several layers of calls;
// jsontext.Value.IsValid and encoding/json.Valid validate a whole value
// but hand nothing back; the fast third-party parsers (fastjson,
// simdjson-go) build a tree of the whole item first, or do not validate
// what they skip (jsonparser), and what each accepts would still have to
// be matched against jsontext's grammar. Here the bytes are scanned once,
// in place, strings eight bytes at a time, nothing allocated (a string
// with an escape or non-ASCII is unquoted into a reused buffer).
//
// Measured on `irsa-doctor analyze -o json` of the generated 10,000-pod
// bundle (126 MB), CPU profile of 10 runs on 2 cores shared with other
// work: bundle.(*batch).decode took 0.15-0.19 s of CPU a run with
// jsontext's Decoder (its tokenizer about 0.10 s of it), 0.09-0.11 s
// with this cursor; BenchmarkRead's user CPU time went from about 0.24
// to 0.18 s a read.
//
// The cursor accepts only RFC 8259 JSON, a subset of what the reflective
// decode accepts with the options the reader uses (duplicate names
// allowed; invalid UTF-8 allowed or not): whitespace is space, tab, line
// feed and carriage return; names are strings; numbers follow
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?; a string holds no byte
// below 0x20, and one with an escape or a byte of 0x80 or more is checked
// (and unquoted) by jsontext.AppendUnquote, any error of which (invalid
// UTF-8, a lone surrogate) falls back, even where the options would allow
// it; nesting deeper than maxScanDepth falls back; only whitespace may
// follow the item. Everything it passes over, members skipped included,
// is validated so; anything else is errFallback, and the reflective decode
// decides (and words the error).
type scan struct {
	b     []byte
	i     int
	depth int    // objects and arrays open
	unq   []byte // the last unquoted string
}

// maxScanDepth is the deepest nesting the cursor follows, well under
// jsontext's limit (10,000); deeper falls back.
const maxScanDepth = 1000

// plain marks the bytes a string holds as they are: printable ASCII but
// '"' and '\\'.
var plain = func() (t [256]bool) {
	for c := 0x20; c < 0x80; c++ {
		t[c] = c != '"' && c != '\\'
	}
	return t
}()

func (s *scan) reset(b []byte) {
	s.b, s.i, s.depth = b, 0, 0
}

// peek skips whitespace and returns the next byte, 0 at the end.
func (s *scan) peek() byte {
	for s.i < len(s.b) {
		switch c := s.b[s.i]; c {
		case ' ', '\t', '\n', '\r':
			s.i++
		default:
			return c
		}
	}
	return 0
}

// end reports whether nothing but whitespace is left.
func (s *scan) end() bool {
	s.peek()
	return s.i == len(s.b)
}

// literal consumes lit (true, false or null), which must be next.
func (s *scan) literal(lit string) error {
	if len(s.b)-s.i < len(lit) || string(s.b[s.i:s.i+len(lit)]) != lit {
		return errFallback
	}
	s.i += len(lit)
	return nil
}

// null consumes null, if it is next.
func (s *scan) null() bool {
	if s.peek() == 'n' && s.literal("null") == nil {
		return true
	}
	return false
}

// enter consumes the '{' or '[' that peek returned.
func (s *scan) enter() error {
	s.i++
	s.depth++
	if s.depth > maxScanDepth {
		return errFallback
	}
	return nil
}

// more reports whether the object or array whose close is end has
// another member or element: after its opening (first) or after the last
// one read. It consumes the ',' before the next one or the close. What
// follows a ',' is left for the reader of the name or value to check.
func (s *scan) more(end byte, first bool) (bool, error) {
	switch c := s.peek(); {
	case c == end:
		s.i++
		s.depth--
		return false, nil
	case first:
		return true, nil
	case c == ',':
		s.i++
		return true, nil
	}
	return false, errFallback
}

// name reads a member's name and the ':' after it. The bytes are valid
// until the next read; never nil.
func (s *scan) name() ([]byte, error) {
	if s.peek() != '"' {
		return nil, errFallback
	}
	n, err := s.str()
	if err != nil {
		return nil, err
	}
	if s.peek() != ':' {
		return nil, errFallback
	}
	s.i++
	return n, nil
}

// str reads the string that peek found next ('"'), unquoted. The bytes
// are the item's own, or, for a string with an escape or non-ASCII, the
// unquoted copy in s.unq, valid until the next read.
func (s *scan) str() ([]byte, error) {
	b := s.b
	start := s.i
	i := start + 1
	other := false // an escape or a byte >= 0x80
	for {
		// Eight bytes at a time to the first that is not plain: a byte
		// of each word's mask is set for '"', '\\', a byte below 0x20 or
		// one of 0x80 or more; the lowest such is exact (a borrow of the
		// subtractions only runs upwards from one).
		if i+8 <= len(b) {
			x := binary.LittleEndian.Uint64(b[i:])
			t := ((x - ones*0x20) | ((x ^ ones*'"') - ones) | ((x ^ ones*'\\') - ones) | x) & highs
			if t == 0 {
				i += 8
				continue
			}
			i += bits.TrailingZeros64(t) >> 3
		} else {
			for i < len(b) && plain[b[i]] {
				i++
			}
			if i >= len(b) {
				return nil, errFallback // unterminated
			}
		}
		c := b[i]
		if c == '"' {
			break
		}
		switch {
		case c == '\\':
			i += 2 // the escaped byte: AppendUnquote checks the escape
		case c < 0x20:
			return nil, errFallback
		default:
			i++
		}
		other = true
	}
	s.i = i + 1
	if !other {
		return b[start+1 : i], nil
	}
	var err error
	s.unq, err = jsontext.AppendUnquote(s.unq[:0], b[start:i+1])
	if err != nil {
		return nil, errFallback
	}
	return s.unq, nil
}

const (
	ones  = 0x0101010101010101
	highs = 0x8080808080808080
)

func digit(c byte) bool { return '0' <= c && c <= '9' }

// digits is the index of the first byte from i on that is not a digit.
func digits(b []byte, i int) int {
	for i < len(b) && digit(b[i]) {
		i++
	}
	return i
}

// number reads the number that peek found next ('-' or a digit) and
// returns its bytes.
func (s *scan) number() ([]byte, error) {
	b, i := s.b, s.i
	if i < len(b) && b[i] == '-' {
		i++
	}
	switch {
	case i >= len(b):
		return nil, errFallback
	case b[i] == '0':
		i++
	case digit(b[i]):
		i = digits(b, i+1)
	default:
		return nil, errFallback
	}
	if i < len(b) && b[i] == '.' {
		d := i + 1
		if i = digits(b, d); i == d {
			return nil, errFallback
		}
	}
	if i < len(b) && (b[i] == 'e' || b[i] == 'E') {
		i++
		if i < len(b) && (b[i] == '+' || b[i] == '-') {
			i++
		}
		d := i
		if i = digits(b, i); i == d {
			return nil, errFallback
		}
	}
	v := b[s.i:i]
	s.i = i
	return v, nil
}

// skip validates and passes over the next value.
func (s *scan) skip() error {
	switch c := s.peek(); c {
	case '{', '[':
		end := byte(']')
		if c == '{' {
			end = '}'
		}
		if err := s.enter(); err != nil {
			return err
		}
		for first := true; ; first = false {
			more, err := s.more(end, first)
			if !more || err != nil {
				return err
			}
			if c == '{' {
				if _, err := s.name(); err != nil {
					return err
				}
			}
			if err := s.skip(); err != nil {
				return err
			}
		}
	case '"':
		_, err := s.str()
		return err
	case 't':
		return s.literal("true")
	case 'f':
		return s.literal("false")
	case 'n':
		return s.literal("null")
	default:
		_, err := s.number()
		return err
	}
}
