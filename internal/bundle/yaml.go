package bundle

import (
	"bytes"
	"context"
	"fmt"
	"regexp"
	"strconv"
	"strings"

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
	for _, d := range splitYAML(data) {
		if blankYAML(d.text) {
			continue
		}
		n++
		j, err := yamlToJSON(d.text)
		if err != nil {
			msg := err.Error()
			line := d.line
			if m := yamlLineErr.FindStringSubmatch(msg); m != nil {
				rel, _ := strconv.Atoi(m[1])
				line = d.line + rel - 1
				msg = "yaml: " + m[2]
				if strings.Contains(m[2], "cannot start any token") && lineHasTab(data, line) {
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

func lineHasTab(data []byte, line int) bool {
	lines := bytes.SplitN(data, []byte{'\n'}, line+1)
	if line-1 < len(lines) {
		return bytes.IndexByte(lines[line-1], '\t') >= 0
	}
	return false
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	return strings.Join(strings.Fields(strings.ReplaceAll(s, "\n", " ")), " ")
}
