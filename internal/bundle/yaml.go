package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	yamlv3 "go.yaml.in/yaml/v3"
	"sigs.k8s.io/yaml"
)

// yamlDoc is one document of a YAML stream and the file line it starts on.
type yamlDoc struct {
	text []byte
	line int
}

// splitYAML splits a YAML stream at document markers (a line starting with
// `---`, as `kubectl get -o yaml` and `kubectl ... --dry-run -o yaml`
// separate objects). The marker line stays at the top of its document, so
// line numbers inside a document count from it.
func splitYAML(data []byte) []yamlDoc {
	var docs []yamlDoc
	start, startLine := 0, 1
	line := 1
	for i := 0; i < len(data); {
		end := bytes.IndexByte(data[i:], '\n')
		next := len(data)
		if end >= 0 {
			next = i + end + 1
		}
		l := data[i:next]
		if i > start && isDocMarker(l) {
			docs = append(docs, yamlDoc{data[start:i], startLine})
			start, startLine = i, line
		}
		i = next
		line++
	}
	return append(docs, yamlDoc{data[start:], startLine})
}

func isDocMarker(l []byte) bool {
	if !bytes.HasPrefix(l, []byte("---")) {
		return false
	}
	rest := l[3:]
	return len(rest) == 0 || rest[0] == ' ' || rest[0] == '\t' || rest[0] == '\r' || rest[0] == '\n'
}

// blankYAML reports a document of only whitespace, comments and markers.
func blankYAML(doc []byte) bool {
	for _, l := range bytes.Split(doc, []byte{'\n'}) {
		t := bytes.TrimSpace(l)
		if len(t) == 0 || t[0] == '#' || isDocMarker(t) || string(t) == "..." {
			continue
		}
		return false
	}
	return true
}

var yamlLineErr = regexp.MustCompile(`^yaml: line (\d+): (.*)$`)

// parseYAML converts each document to JSON (sigs.k8s.io/yaml, the
// conversion kubectl itself uses) and reads it as JSON.
func parseYAML(ctx context.Context, r *result, data []byte) {
	n := 0
	recognisedBefore := len(r.labels)
	var plain int
	limit := aliasLimit(int64(len(data)), r.maxSize)
	left := limit
	for _, d := range splitYAML(data) {
		if blankYAML(d.text) {
			continue
		}
		n++
		size, aliased, err := aliasedJSONSize(d.text, left)
		if err == nil && aliased && size > left {
			r.failAt(d.line, 1, fmt.Sprintf("YAML document %d: skipped: its aliases (*name) expand the file past %s of JSON, the most that %s of YAML may expand to (%d times its size, at least %s); kubectl never writes aliases: pass its own output",
				n, humanSize(limit), humanSize(int64(len(data))), aliasBudgetRatio, humanSize(aliasBudgetFloor)))
			continue
		}
		var j []byte
		if err == nil {
			left -= size
			j, err = yamlToJSON(d.text)
		}
		if err != nil {
			msg := err.Error()
			line := d.line
			if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
				rel, _ := strconv.Atoi(m[1])
				line = d.line + rel - 1
				msg = "yaml: " + m[2]
				if strings.Contains(m[2], "cannot start any token") && lineHasTab(d.text, rel) {
					msg += " (a tab: YAML indents with spaces only)"
				}
			}
			r.failAt(line, 1, "invalid YAML: "+oneLine(msg))
			continue
		}
		if t := bytes.TrimSpace(j); len(t) == 0 || t[0] != '{' {
			plain++
			continue
		}
		parseJSON(ctx, r, &jsonSrc{data: j, yamlDoc: n, docLine: d.line})
		if ctx.Err() != nil {
			return
		}
	}
	switch {
	case n == 0 || (plain > 0 && len(r.labels) == recognisedBefore && plain == n):
		r.fail("plain text, not JSON, YAML or an error text that kubectl or the aws CLI prints")
	case plain > 0:
		r.fail(fmt.Sprintf("%d YAML documents are plain values, not objects; skipped", plain))
	}
}

// YAML aliases (*name) repeat the node their anchor (&name) names, and the
// conversion to JSON writes each repetition out in full. The YAML library
// refuses only documents where most nodes come from aliases, so one long
// scalar repeated a few thousand times passes it: a 109 KB file became
// hundreds of MB of JSON and took 750 MB of memory, a 1 MB file exhausted
// it (issue 9). So before converting a document that has aliases, its
// JSON size is bounded on the parsed but unexpanded document, and a file's
// documents may expand to aliasBudgetRatio times the file's size (at least
// aliasBudgetFloor, at most the file size limit) in all. kubectl never
// writes aliases; a hand-written file that shares a few blocks stays far
// below this.
const (
	aliasBudgetRatio = 16
	aliasBudgetFloor = 1 << 20
)

// aliasLimit is what a YAML file of size bytes may expand to through
// aliases; maxSize is the file size limit (0: the default).
func aliasLimit(size, maxSize int64) int64 {
	if maxSize <= 0 {
		maxSize = DefaultMaxFileSize
	}
	return min(maxSize, max(aliasBudgetFloor, aliasBudgetRatio*size))
}

// aliasedJSONSize reports whether doc uses aliases and, if it does, an
// upper bound of the size of the JSON it converts to, or a value over
// limit as soon as it passes limit. The bound is computed on the document
// as go.yaml.in/yaml/v3 parses it into Nodes, which keeps an alias as a
// pointer to its anchor and never expands it: each anchored node is sized
// once. A document whose text has no "*" or no "&" has no alias; the
// parse is skipped. An error is a document the parser refuses; it is
// reported as invalid YAML, as the conversion would.
func aliasedJSONSize(doc []byte, limit int64) (size int64, aliased bool, err error) {
	if bytes.IndexByte(doc, '*') < 0 || bytes.IndexByte(doc, '&') < 0 {
		return 0, false, nil
	}
	var root yamlv3.Node
	if err := unmarshalNode(doc, &root); err != nil {
		return 0, false, err
	}
	e := &expansion{limit: limit, memo: map[*yamlv3.Node]int64{}, open: map[*yamlv3.Node]bool{}}
	size = e.size(&root)
	return size, e.aliased, e.err
}

func unmarshalNode(doc []byte, n *yamlv3.Node) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("yaml: the YAML parser failed on this document: %v", p)
		}
	}()
	return yamlv3.Unmarshal(doc, n)
}

// expansion sizes a Node tree with its aliases expanded. Sizes saturate at
// limit+1, so a billion-laughs document (aliases of aliases) cannot
// overflow them.
type expansion struct {
	limit   int64
	memo    map[*yamlv3.Node]int64 // anchored nodes already sized
	open    map[*yamlv3.Node]bool  // anchored nodes being sized: an alias to one is a cycle
	aliased bool
	err     error
}

func (e *expansion) size(n *yamlv3.Node) int64 {
	over := e.limit + 1
	if e.err != nil {
		return over
	}
	if n.Kind == yamlv3.AliasNode {
		e.aliased = true
		if n.Alias == nil {
			e.err = errors.New("yaml: an alias names no anchor")
			return over
		}
		return e.size(n.Alias)
	}
	if n.Anchor != "" {
		if s, ok := e.memo[n]; ok {
			return s
		}
		if e.open[n] {
			e.err = fmt.Errorf("yaml: line %d: the alias *%s is inside the node it names", n.Line, n.Anchor)
			return over
		}
		e.open[n] = true
		defer delete(e.open, n)
	}
	var s int64
	switch n.Kind {
	case yamlv3.DocumentNode:
		s = 4 // null
		if len(n.Content) > 0 {
			s = e.size(n.Content[0])
		}
	case yamlv3.SequenceNode, yamlv3.MappingNode:
		// [a,b] and {"k":v,"l":w}: brackets, and one byte after each
		// element (a comma, or a colon after a key) at most.
		s = 2
		for _, c := range n.Content {
			s += e.size(c) + 1
			if s > e.limit {
				break
			}
		}
	case yamlv3.ScalarNode:
		s = scalarJSONSize(n)
	}
	s = min(s, over)
	if n.Anchor != "" {
		e.memo[n] = s
	}
	return s
}

// scalarJSONSize bounds the JSON of one scalar. A quoted or block scalar
// is a string. A plain one may resolve to a number, whose JSON can be
// longer than its text (1e20 is 100000000000000000000), or to true, false
// or null (y is true). !!binary is decoded, and its bytes may each need a
// six-byte escape.
func scalarJSONSize(n *yamlv3.Node) int64 {
	s := jsonStringSize(n.Value)
	switch tag := n.ShortTag(); {
	case tag == "!!binary":
		return 2 + 6*(int64(len(n.Value))*3/4+3)
	case tag == "!!str" && n.Style&(yamlv3.DoubleQuotedStyle|yamlv3.SingleQuotedStyle|yamlv3.LiteralStyle|yamlv3.FoldedStyle) != 0:
		return s
	case n.Value != "" && strings.IndexByte("0123456789+-.", n.Value[0]) >= 0:
		return max(s, 32)
	}
	return max(s, 8)
}

// jsonStringSize is the size of s as a JSON string written by
// encoding/json, which sigs.k8s.io/yaml uses: control characters and <, >
// and & (HTML-safe escaping) take six bytes, invalid UTF-8 becomes \ufffd,
// and U+2028 and U+2029 are escaped.
func jsonStringSize(s string) int64 {
	n := int64(2)
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c < 0x20 || c == '<' || c == '>' || c == '&':
				n += 6
			case c == '"' || c == '\\':
				n += 2
			default:
				n++
			}
			i++
			continue
		}
		r, w := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && w == 1, r == '\u2028', r == '\u2029':
			n += 6
		default:
			n += int64(w)
		}
		i += w
	}
	return n
}

// yamlToJSON converts one document, turning a panic of the YAML library on
// hostile input into an error: no input may crash the reader.
func yamlToJSON(doc []byte) (j []byte, err error) {
	defer func() {
		if p := recover(); p != nil {
			j, err = nil, fmt.Errorf("yaml: the YAML parser failed on this document: %v", p)
		}
	}()
	return yaml.YAMLToJSON(doc)
}

// lineHasTab reports whether line (1-based) of doc holds a tab. It reads
// only up to that line of the one document, so that a file of many
// documents with errors is read in linear time.
func lineHasTab(doc []byte, line int) bool {
	for i := 1; i < line; i++ {
		nl := bytes.IndexByte(doc, '\n')
		if nl < 0 {
			work(len(doc))
			return false
		}
		work(nl + 1)
		doc = doc[nl+1:]
	}
	if nl := bytes.IndexByte(doc, '\n'); nl >= 0 {
		doc = doc[:nl]
	}
	work(len(doc))
	return bytes.IndexByte(doc, '\t') >= 0
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
