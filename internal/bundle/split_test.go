package bundle

import (
	"bytes"
	"errors"
	"io/fs"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
)

// valueRef is splitter.value as it was before its string scan and its
// copies were made faster (commit 0201f76): the reference the differential
// test and fuzz target hold the current one to, byte for byte.
func (s *splitter) valueRef(dst []byte) ([]byte, error) {
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
				for i < len(b) && b[i] != '"' && b[i] != '\\' {
					i++
				}
				if i == len(b) {
					break
				}
				if b[i] == '\\' {
					i += 2
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
				continue
			}
			switch byteClass[b[i]] {
			case clSpace:
				dst = append(dst, b[run:i]...)
				i += skipWS(b[i:])
				run = i
				if depth == 0 {
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
		return dst, nil
	}
	return dst, s.endErr()
}

// splitSame splits content with value and with valueRef, reading chunks of
// the given size, and fails unless every step gives the same bytes, error
// and position. A step is a value (with a prefix in dst, which value must
// keep) and then one byte consumed by next, so that value starts at every
// kind of byte: objects, strings, literals, delimiters, the end.
func splitSame(t *testing.T, content []byte, chunk int) {
	t.Helper()
	defer func(v int) { splitChunk = v }(splitChunk)
	splitChunk = chunk
	got, want := newSplitter(bytes.NewReader(content)), newSplitter(bytes.NewReader(content))
	prefix := []byte("x1")
	for step := 0; ; step++ {
		g, gerr := got.value(append([]byte(nil), prefix...))
		w, werr := want.valueRef(append([]byte(nil), prefix...))
		if !bytes.Equal(g, w) || !errors.Is(gerr, werr) || gerr == nil != (werr == nil) || got.pos != want.pos || len(got.buf) != len(want.buf) {
			t.Fatalf("chunks of %d bytes, step %d: value gives %q, %v (pos %d of %d); the reference %q, %v (pos %d of %d)",
				chunk, step, g, gerr, got.pos, len(got.buf), w, werr, want.pos, len(want.buf))
		}
		gc, gok := got.next()
		wc, wok := want.next()
		if gc != wc || gok != wok {
			t.Fatalf("chunks of %d bytes, step %d: next gives %q, %v; the reference %q, %v", chunk, step, gc, gok, wc, wok)
		}
		if !gok {
			return
		}
	}
}

// splitCorpus is the testdata JSON files and values that reach the
// splitter's corners: escapes at every position, literals cut by white
// space, brackets and delimiters in strings, top-level literals.
func splitCorpus(t testing.TB) [][]byte {
	var corpus [][]byte
	err := filepath.WalkDir("testdata", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(path, ".json") {
			return err
		}
		b, err := os.ReadFile(path)
		corpus = append(corpus, b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{
		"{\n    \"a\": \"b\",\n    \"c\": [\n        1,\n        2 3,\n        tr ue\n    ]\n}\n",
		`{"a": "x\"y\\", "b\\": "\\\"", "\\": "\"", "c": "a \" ]}, {[ \\ \u0041 \"  b"}`,
		`"abcdefgh\"ijklmnop\\qrstuvwx" "0123456789abcdef" "\\\\\\\\\\\\\\\\\"" ""`,
		"1 2\ttrue\nfalse\rnull -1.5e+3,[1 , 2 ,3] {} [] ,: ] } \"",
		`{"k": "` + strings.Repeat("é\\n\\\"", 20) + `", "l": "` + strings.Repeat("a", 100) + `"}`,
		"{\"a\":\t \"b\" , \"c\" :\"d\",\"e\":  1,\"f\": \"\x01\x1f\"}",
		`[[[["deep"]]], {"x": {"y": {"z": null}}}]`,
		"{\"unterminated\": \"abc",
		"{\"unterminated\": \"abc\\",
		"[1, 2",
		"",
		"   \n\t ",
	} {
		corpus = append(corpus, []byte(s))
	}
	return corpus
}

// TestSplitSame holds value to the reference over the corpus, in chunks of
// every size up to 17 bytes and some larger ones, so that every value is cut
// at every byte.
func TestSplitSame(t *testing.T) {
	for _, content := range splitCorpus(t) {
		for chunk := 1; chunk <= 17; chunk++ {
			splitSame(t, content, chunk)
		}
		for _, chunk := range []int{31, 64, 100, 4096, 1 << 20} {
			splitSame(t, content, chunk)
		}
	}
	rng := rand.New(rand.NewPCG(1, 2))
	pod := []byte(strings.Repeat(saJSON+",\n", 3))
	for range 200 {
		splitSame(t, pod, 1+rng.IntN(len(pod)))
	}
}

// FuzzSplit: whatever the bytes and the size of the reads, value gives what
// the reference gives.
//
//	go test ./internal/bundle -run '^$' -fuzz FuzzSplit -fuzztime 2m
func FuzzSplit(f *testing.F) {
	for i, b := range splitCorpus(f) {
		f.Add(b, uint16(i%9+1))
	}
	f.Fuzz(func(t *testing.T, content []byte, chunk uint16) {
		splitSame(t, content, int(chunk%4096)+1)
		// One read, without making the 1 MB buffer of a real read (the
		// fuzzer minimises an input by running it thousands of times).
		splitSame(t, content, len(content)+1)
	})
}

// BenchmarkSplit splits the generated `kubectl get pods -A -o json` of
// BenchmarkRead (10,000 pods, about 120 MB) in memory, as walkStreamed
// does but without the decode: the serial part of a streamed read.
//
//	go test ./internal/bundle -run '^$' -bench Split -count 10
func BenchmarkSplit(b *testing.B) {
	dir := b.TempDir()
	if err := gen.Write(dir, gen.Config{}); err != nil {
		b.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, gen.PodsFile))
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	var scratch []byte
	for b.Loop() {
		s := newSplitter(bytes.NewReader(data))
		n := 0
		if c, ok := s.next(); !ok || c != '{' {
			b.Fatal("not an object")
		}
		for {
			if scratch, err = s.value(scratch[:0]); err != nil { // the name
				b.Fatal(err)
			}
			name := string(scratch)
			if c, ok := s.next(); !ok || c != ':' {
				b.Fatal("no ':'")
			}
			if name == `"items"` {
				s.next()
				for {
					if scratch, err = s.value(scratch[:0]); err != nil {
						b.Fatal(err)
					}
					n++
					if c, _ := s.next(); c != ',' {
						break
					}
				}
			} else if scratch, err = s.value(scratch[:0]); err != nil {
				b.Fatal(err)
			}
			if c, _ := s.next(); c != ',' {
				break
			}
		}
		if n != 10000 {
			b.Fatalf("split %d items", n)
		}
	}
}
