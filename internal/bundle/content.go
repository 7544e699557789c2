package bundle

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// parseContent recognises and parses the content of one file.
func parseContent(ctx context.Context, r *result, data []byte) {
	data, problem := normaliseEncoding(data)
	if problem != "" {
		r.fail(problem)
		return
	}
	data = blankKubectlWarnings(data)
	trimmed := bytes.TrimLeft(data, " \t\r\n")
	if len(trimmed) == 0 {
		r.fail("empty: the command printed nothing to stdout (errors go to stderr: use `> FILE 2>&1`)")
		return
	}
	if looksLikeJSONLog(trimmed) || looksLikeTextLog(trimmed) {
		if utf8.Valid(data) {
			parseLog(r, data)
			return
		}
	}
	switch trimmed[0] {
	case '{', '[':
		parseJSON(ctx, r, &jsonSrc{data: data})
		return
	}
	if !utf8.Valid(data) {
		off := invalidUTF8Offset(data)
		line, col := lineCol(data, int64(off))
		r.failAt(line, col, fmt.Sprintf("not valid UTF-8 text (byte 0x%02x at offset %d): save the file as UTF-8", data[off], off))
		return
	}
	if parseOIDCText(r, data) {
		return
	}
	if parseKubectlText(r, data) {
		return
	}
	if looksLikeErrorText(trimmed) {
		parseErrorText(r, data)
		return
	}
	// Text that is no capture may be a log or a pasted error (logs.go):
	// tried after YAML, so that a YAML capture is never scanned for
	// errors, and its problems are dropped when the catalogue finds one.
	errs, more := len(r.errs), r.moreErrs
	parseYAML(ctx, r, data)
	if len(r.labels) == 0 && !kubeYAML.Match(data) && parseObservedText(r, data) {
		r.errs, r.moreErrs = r.errs[:errs], more
	}
}

// kubeYAML finds a Kubernetes object's YAML, which is never read as a log.
var kubeYAML = regexp.MustCompile(`(?m)^(?:apiVersion|kind): `)

// kubectlWarning starts a line kubectl writes to stderr beside its output:
// an API server's warning header ("Warning: policy/v1beta1 ... is
// deprecated", client-go's warning handler) or kubectl version's
// "WARNING: version difference between client and server". A capture made
// as the README says (`> FILE 2>&1`) holds them before or after the
// object.
var kubectlWarning = [][]byte{[]byte("Warning: "), []byte("WARNING: ")}

// blankKubectlWarnings overwrites with spaces the kubectl warning lines at
// the start and at the end of data, so that the object around them parses
// and every offset and line number stays that of the file. Lines inside
// the content are left alone: there they are part of what was captured.
func blankKubectlWarnings(data []byte) []byte {
	isWarning := func(line []byte) bool {
		for _, w := range kubectlWarning {
			if bytes.HasPrefix(line, w) {
				return true
			}
		}
		return false
	}
	var out []byte
	blank := func(from, to int) {
		if out == nil {
			out = bytes.Clone(data)
		}
		for i := from; i < to; i++ {
			if out[i] != '\n' && out[i] != '\r' {
				out[i] = ' '
			}
		}
	}
	// Leading lines.
	start := 0
	for start < len(data) {
		end := bytes.IndexByte(data[start:], '\n')
		if end < 0 {
			end = len(data)
		} else {
			end += start + 1
		}
		line := data[start:end]
		if !isWarning(line) {
			break
		}
		blank(start, end)
		start = end
	}
	// Trailing lines (blank ones between them are skipped).
	end := len(data)
	for end > start {
		trimmed := bytes.TrimRight(data[start:end], " \t\r\n")
		if len(trimmed) == 0 {
			break
		}
		lineStart := bytes.LastIndexByte(trimmed, '\n') + 1
		if !isWarning(trimmed[lineStart:]) {
			break
		}
		blank(start+lineStart, start+len(trimmed))
		end = start + lineStart
	}
	if out == nil {
		return data
	}
	return out
}

// normaliseEncoding strips a UTF-8 byte order mark, converts UTF-16 with a
// byte order mark (what Windows PowerShell 5 writes for `kubectl ... >
// file`) to UTF-8, and rejects binary content.
func normaliseEncoding(data []byte) ([]byte, string) {
	switch {
	case bytes.HasPrefix(data, []byte{0xEF, 0xBB, 0xBF}):
		return data[3:], ""
	case bytes.HasPrefix(data, []byte{0xFF, 0xFE}), bytes.HasPrefix(data, []byte{0xFE, 0xFF}):
		return fromUTF16(data)
	case bytes.HasPrefix(data, []byte{0x1F, 0x8B}):
		return nil, "gzip-compressed file: decompress it (gunzip) and pass the result"
	case bytes.HasPrefix(data, []byte("PK\x03\x04")):
		return nil, "zip archive: extract it and pass the folder"
	}
	head := data[:min(len(data), 8000)]
	if i := bytes.IndexByte(head, 0); i >= 0 {
		// The test git and grep use: text has no NUL bytes.
		return nil, fmt.Sprintf("binary file (NUL byte at offset %d), not kubectl or aws CLI output", i)
	}
	return data, ""
}

func fromUTF16(data []byte) ([]byte, string) {
	le := data[0] == 0xFF
	data = data[2:]
	if len(data)%2 != 0 {
		return nil, "UTF-16 file with an odd number of bytes: it is cut short; save it again as UTF-8"
	}
	u := make([]uint16, len(data)/2)
	for i := range u {
		if le {
			u[i] = uint16(data[2*i]) | uint16(data[2*i+1])<<8
		} else {
			u[i] = uint16(data[2*i])<<8 | uint16(data[2*i+1])
		}
	}
	out := make([]byte, 0, len(u))
	for _, r := range utf16.Decode(u) {
		out = utf8.AppendRune(out, r)
	}
	if i := bytes.IndexByte(out, 0); i >= 0 {
		return nil, "binary file (NUL character in UTF-16 text), not kubectl or aws CLI output"
	}
	return out, ""
}

func invalidUTF8Offset(data []byte) int {
	for i := 0; i < len(data); {
		r, n := utf8.DecodeRune(data[i:])
		if r == utf8.RuneError && n == 1 {
			return i
		}
		i += n
	}
	return 0
}

// lineCol turns a byte offset into a 1-based line and column (in bytes).
// It scans data up to off: callers use it for the few problems a file
// lists (result.full), never per value.
func lineCol(data []byte, off int64) (line, col int) {
	off = max(0, min(off, int64(len(data))))
	before := data[:off]
	work(len(before))
	line = bytes.Count(before, []byte{'\n'}) + 1
	col = int(off) - (bytes.LastIndexByte(before, '\n') + 1) + 1
	return line, col
}

// jsonSrc is the JSON text being parsed: a file, or one YAML document
// converted to JSON, whose offsets mean nothing in the file and are
// reported as the document number and JSON pointer instead.
type jsonSrc struct {
	data    []byte
	yamlDoc int // 1-based; 0 for a JSON file
	docLine int // line of the YAML document in the file

	// stream, when set, is the file read as it is decoded (stream.go):
	// data is nil, and anything that would need the file's bytes (a
	// problem to locate, an object that is not a List) sets abort
	// instead, and the file is read again whole.
	stream io.Reader
	abort  bool
}

// failOff records a problem at a byte offset of src.
func (r *result) failOff(src *jsonSrc, off int64, msg string) {
	if src.stream != nil {
		src.abort = true
		return
	}
	if r.full() {
		return
	}
	if src.yamlDoc == 0 {
		line, col := lineCol(src.data, off)
		r.failAt(line, col, msg)
		return
	}
	r.failAt(src.docLine, 1, fmt.Sprintf("YAML document %d: %s", src.yamlDoc, msg))
}

// errOffset is the byte offset a jsontext or json error points at.
func errOffset(err error) int64 {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		return se.ByteOffset
	}
	var me *json.SemanticError
	if errors.As(err, &me) {
		return me.ByteOffset
	}
	return 0
}

// describeJSONError is a one-line description of a JSON error without the
// package prefix or the byte offset (the caller gives line and column).
func describeJSONError(err error) string {
	var se *jsontext.SyntacticError
	if errors.As(err, &se) {
		msg := "invalid JSON"
		switch {
		case errors.Is(se.Err, io.ErrUnexpectedEOF):
			msg = "unexpected end of input: the JSON is cut short"
		case se.Err != nil:
			msg = "invalid JSON: " + se.Err.Error()
			switch {
			case strings.Contains(msg, "invalid UTF-8"):
				msg = "invalid JSON: invalid UTF-8: save the file as UTF-8"
			case strings.Contains(msg, "exceeded max depth"):
				msg = "invalid JSON: nested more than 10000 levels deep"
			}
		}
		if se.JSONPointer != "" {
			msg += " (at " + shortPointer(string(se.JSONPointer)) + ")"
		}
		return msg
	}
	var me *json.SemanticError
	if errors.As(err, &me) {
		var b strings.Builder
		if me.JSONPointer != "" {
			b.WriteString(shortPointer(string(me.JSONPointer)) + ": ")
		}
		found := kindName(me.JSONKind)
		if len(me.JSONValue) > 0 && len(me.JSONValue) < 60 && me.JSONValue.Kind() == me.JSONKind {
			found += " " + string(me.JSONValue)
		}
		if me.GoType != nil {
			fmt.Fprintf(&b, "%s where %s is expected", found, goKindName(me.GoType))
		} else {
			b.WriteString(found)
		}
		if me.Err != nil {
			b.WriteString(": " + me.Err.Error())
		}
		return b.String()
	}
	return strings.TrimPrefix(strings.TrimPrefix(err.Error(), "json: "), "jsontext: ")
}

// shortPointer keeps an error on one short line when the JSON pointer is
// long (a deeply nested document).
func shortPointer(p string) string {
	if len(p) <= 100 {
		return p
	}
	return p[:60] + "..." + p[len(p)-30:]
}

func kindName(k jsontext.Kind) string {
	switch k {
	case 'n':
		return "null"
	case 't', 'f':
		return "a boolean"
	case '"':
		return "a string"
	case '0':
		return "a number"
	case '{', '}':
		return "an object"
	case '[', ']':
		return "an array"
	}
	return "a value"
}

func goKindName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return "an array"
	case reflect.Struct, reflect.Map:
		return "an object"
	}
	return t.String()
}

// walkOpts: the walk validates every value once (UTF-8 included, for a
// clean error on a file in another encoding); duplicate names are allowed,
// as kubectl never prints them and tracking them costs time.
var walkOpts = jsontext.AllowDuplicateNames(true)

// parseJSON reads every top-level JSON value of src (kubectl and the AWS
// CLI print one each, but a bundle file may hold several, concatenated or
// one per line). A top-level array is read as a sequence of values (what
// `--query 'Roles[]'` prints).
func parseJSON(ctx context.Context, r *result, src *jsonSrc) {
	dec := jsontext.NewDecoder(bytes.NewBuffer(src.data), walkOpts)
	for {
		if src.abort {
			return
		}
		switch dec.PeekKind() {
		case '{':
			obj, err := walkObject(ctx, dec, src.data, r.src)
			classify(ctx, r, src, obj, err)
			if err != nil {
				return
			}
		case '[':
			start := dec.InputOffset()
			if _, err := dec.ReadToken(); err != nil {
				r.failOff(src, errOffset(err), describeJSONError(err))
				return
			}
			if dec.PeekKind() == ']' {
				// What `aws ... --query` prints when it selects nothing:
				// an empty list of what, it does not say.
				r.failOff(src, start+int64(bytes.IndexByte(src.data[start:], '[')), "an empty JSON array: it does not say what it lists; capture the command's whole output, without --query")
			}
			for dec.PeekKind() == '{' {
				obj, err := walkObject(ctx, dec, src.data, r.src)
				classify(ctx, r, src, obj, err)
				if err != nil {
					return
				}
			}
			if k := dec.PeekKind(); k != ']' && k != 0 {
				v, err := dec.ReadValue()
				if err != nil {
					r.failOff(src, errOffset(err), describeJSONError(err))
					return
				}
				r.failOff(src, offsetOf(src.data, v), "an array element that is not an object: not kubectl or aws CLI output; the rest of the array is skipped")
				if err := skipRest(dec); err != nil {
					r.failOff(src, errOffset(err), describeJSONError(err))
					return
				}
				continue
			}
			if _, err := dec.ReadToken(); err != nil {
				r.failOff(src, errOffset(err), describeJSONError(err))
				return
			}
		default:
			v, err := dec.ReadValue()
			if err == io.EOF {
				return
			}
			if err != nil {
				r.failOff(src, errOffset(err), describeJSONError(err))
				return
			}
			r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("a top-level JSON %s: not kubectl or aws CLI output", strings.TrimPrefix(kindName(v.Kind()), "a ")))
		}
		if ctx.Err() != nil {
			return
		}
	}
}

// skipRest skips to the end of the array the decoder is in.
func skipRest(dec *jsontext.Decoder) error {
	for {
		switch dec.PeekKind() {
		case ']':
			_, err := dec.ReadToken()
			return err
		case 0:
			_, err := dec.ReadToken()
			return err
		}
		if err := dec.SkipValue(); err != nil {
			return err
		}
	}
}

// object is one top-level JSON object, walked member by member. Values
// alias the file's bytes (jsontext reads a bytes.Buffer in place), so
// nothing is copied.
type object struct {
	raw     []byte // the whole object; nil when it was cut short
	start   int64  // offset of raw in the data
	members []member
	// items of a member "items" that is an array (a kubectl List), split
	// while walking and decoded by an itemPipeline meanwhile: decoded[i]
	// is items[i], pending (kind "") when the item names no kind.
	items    []jsontext.Value
	decoded  []item
	hasItems bool
}

type member struct {
	name  string
	value jsontext.Value
}

// member returns the member key of an AWS CLI output, or records that it
// is not what the command op prints there (want '{', an object, or '[', an
// array) and returns false.
func (r *result) member(src *jsonSrc, o *object, op, key string, want jsontext.Kind) (jsontext.Value, bool) {
	v, _ := o.get(key)
	if v.Kind() != want {
		what := "an object"
		if want == '[' {
			what = "an array"
		}
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s output whose %q is %s, not %s", op, key, kindName(v.Kind()), what))
		return nil, false
	}
	return v, true
}

// itemOffset returns the offset of item i in src, for a problem to
// locate; 0 for a streamed file, which keeps no items (a problem there
// makes the file be read again whole).
func (o *object) itemOffset(src *jsonSrc) func(i int) int64 {
	return func(i int) int64 {
		if i >= len(o.items) {
			return 0
		}
		return offsetOf(src.data, o.items[i])
	}
}

func (o *object) get(name string) (jsontext.Value, bool) {
	for _, m := range o.members {
		if m.name == name {
			return m.value, true
		}
	}
	return nil, false
}

func (o *object) has(names ...string) bool {
	for _, n := range names {
		if _, ok := o.get(n); !ok {
			return false
		}
	}
	return true
}

// str is the string value of a member, "" when absent or not a string.
func (o *object) str(name string) string {
	v, ok := o.get(name)
	if !ok || v.Kind() != '"' {
		return ""
	}
	var s string
	if json.Unmarshal(v, &s) != nil {
		return ""
	}
	return s
}

// offsetOf is the offset of v in data, when v is a slice of data's bytes
// (jsontext reads a bytes.Buffer in place, so values it returns are), else
// 0. jsontext caps the capacity of the values it returns, so the offset is
// found by address; the addresses are only compared, never dereferenced.
func offsetOf(data []byte, v []byte) int64 {
	if len(v) == 0 || len(data) == 0 {
		return 0
	}
	d := uintptr(unsafe.Pointer(unsafe.SliceData(data)))
	p := uintptr(unsafe.Pointer(unsafe.SliceData(v)))
	if p < d || p >= d+uintptr(len(data)) {
		return 0
	}
	return int64(p - d)
}

// walkObject reads one object. On error it returns what was read so far
// (complete members and items). A streamed file is walked by
// walkStreamed instead (split.go).
func walkObject(ctx context.Context, dec *jsontext.Decoder, data []byte, src snapshot.Source) (*object, error) {
	if _, err := dec.ReadToken(); err != nil {
		return nil, err
	}
	o := &object{start: dec.InputOffset() - 1}
	var pipe *itemPipeline
	defer func() {
		if pipe != nil {
			o.decoded = pipe.wait()
		}
	}()
	for dec.PeekKind() != '}' {
		tok, err := dec.ReadToken()
		if err != nil {
			return o, err
		}
		name := tok.String()
		if name == "items" && dec.PeekKind() == '[' {
			o.hasItems = true
			if _, err := dec.ReadToken(); err != nil {
				return o, err
			}
			pipe = newItemPipeline(ctx, src)
			for dec.PeekKind() != ']' {
				v, err := dec.ReadValue()
				if err != nil {
					return o, err
				}
				o.items = append(o.items, v)
				pipe.add(v)
			}
			if _, err := dec.ReadToken(); err != nil {
				return o, err
			}
			continue
		}
		v, err := dec.ReadValue()
		if err != nil {
			return o, err
		}
		o.members = append(o.members, member{name, v})
	}
	if _, err := dec.ReadToken(); err != nil {
		return o, err
	}
	o.raw = data[o.start:dec.InputOffset()]
	return o, nil
}

// classify recognises one top-level object by its shape and adds its facts.
// walkErr is the error that cut the object short, if any: complete items of
// a List are still used, but the List proves nothing.
func classify(ctx context.Context, r *result, src *jsonSrc, o *object, walkErr error) {
	if walkErr != nil {
		r.failOff(src, errOffset(walkErr), describeJSONError(walkErr))
		if o == nil || (len(o.items) == 0) {
			return
		}
		// A List cut short: its kind, printed after items, is lost; items
		// that name their kind (kubectl adds it) are still good facts.
		if used, _ := r.addKube(o.decoded, o.itemOffset(src), src, false); len(used) > 0 {
			r.recognise("kubectl:List")
			r.notePartial(src, len(o.items))
		}
		return
	}
	if classifyOIDC(r, src, o) || classifyProbe(r, src, o) || classifyRolePolicies(r, src, o) {
		return
	}
	kind, apiVersion := o.str("kind"), o.str("apiVersion")
	switch {
	case kind != "" && apiVersion != "":
		classifyKube(ctx, r, src, o, kind, apiVersion)
	case o.has("serverVersion") || o.has("clientVersion"):
		parseVersion(r, src, o)
	case o.has("cluster"):
		parseDescribeCluster(r, src, o)
	case o.has("Role"):
		parseGetRole(r, src, o)
	case o.has("Roles"):
		parseListRoles(r, src, o)
	case o.has("OpenIDConnectProviderList"):
		parseProviderList(r, src, o)
	case o.has("Url", "ClientIDList"):
		parseGetProvider(r, src, o)
	case o.has("Account", "Arn", "UserId"):
		parseCallerIdentity(r, src, o)
	case o.has("RoleName", "Arn"):
		parseBareRole(r, src, o)
	case o.has("associations"):
		parseListPodIdentity(r, src, o)
	case o.has("association"):
		parseDescribePodIdentity(r, src, o)
	case o.has("Reservations"):
		parseDescribeInstances(r, src, o)
	case o.has("InstanceId", "MetadataOptions"):
		parseBareInstance(r, src, o)
	case o.has("Events"):
		parseLookupEvents(r, src, o)
	default:
		r.failOff(src, o.start, "an object "+describeKeys(o)+": not a kubectl or aws CLI output irsa-doctor reads")
	}
}

// notePartial says what was kept from a List cut short.
func (r *result) notePartial(src *jsonSrc, n int) {
	if !r.full() {
		r.errs = append(r.errs, fmt.Sprintf("%s: kept the %d complete items before the error; this List proves no absence", r.ref, n))
	}
}

// kindTokenRE is what a kind or apiVersion looks like.
var kindTokenRE = regexp.MustCompile(`^[A-Za-z0-9./-]+$`)

// token shows a kind or apiVersion read from a file: as it is when it
// looks like one, quoted otherwise (a YAML plain scalar may fold a line
// break into it).
func token(s string) string {
	if kindTokenRE.MatchString(s) {
		return s
	}
	return strconv.Quote(s)
}

func describeKeys(o *object) string {
	if len(o.members) == 0 && !o.hasItems {
		return "with no members"
	}
	var names []string
	for _, m := range o.members {
		names = append(names, strconv.Quote(m.name))
		if len(names) == 5 {
			break
		}
	}
	if o.hasItems && len(names) < 5 {
		names = append(names, `"items"`)
	}
	more := ""
	if n := len(o.members); n > len(names) {
		more = ", ..."
	}
	return "with keys " + strings.Join(names, ", ") + more
}

// classifyKube handles a Kubernetes object or List.
func classifyKube(ctx context.Context, r *result, src *jsonSrc, o *object, kind, apiVersion string) {
	if kind == "List" || (strings.HasSuffix(kind, "List") && o.hasItems) {
		hint := ""
		if kind != "List" {
			hint = strings.TrimSuffix(kind, "List")
		}
		resolvePending(ctx, o.decoded, o.items, hint, apiVersion, r.src)
		used, unused := r.addKube(o.decoded, o.itemOffset(src), src, true)
		switch {
		case len(used) == 0 && len(unused) > 0:
			r.failOff(src, o.start, fmt.Sprintf("a kubectl %s of %s objects, which irsa-doctor does not use", kind, strings.Join(unused, ", ")))
		case kind != "List":
			r.recognise("kubectl:" + kind)
		case len(used) == 1 && len(unused) == 0:
			r.recognise("kubectl:" + used[0] + "List")
		default:
			r.recognise("kubectl:List")
		}
		return
	}
	if !used(kind, apiVersion) {
		why := "irsa-doctor does not use this kind"
		if kind == "Secret" {
			why = "not read: irsa-doctor never reads Secrets"
		}
		r.failOff(src, o.start, fmt.Sprintf("a kubectl %s (%s): %s", token(kind), token(apiVersion), why))
		return
	}
	it := decodeKube(o.raw, kind, apiVersion, r.src)
	r.addKube([]item{it}, func(int) int64 { return o.start }, src, false)
	if it.err == nil {
		r.recognise("kubectl:" + kind)
	}
}
