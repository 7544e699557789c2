package bundle

import (
	"bytes"
	"encoding/json"
	"math"
	"path"
	"regexp"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/symptom"
)

// Logs and pasted error texts (issue 12): the errors a user saw, matched
// against the symptom catalogue and kept as snapshot.Observations.
//
// Recognised by content:
//   - `kubectl logs` output: lines prefixed with an RFC 3339 time
//     (`--timestamps`) or with kubectl's `--prefix` ("[pod/NAME/CONTAINER] "),
//     or one JSON object a line (a structured logger: zap, logrus,
//     slog); and any text the catalogue matches in a file named as a log
//     (below). Recognised as kubectl:Logs, source "log".
//   - a pasted error text: any other text in which the catalogue finds a
//     signature, and the lines of an AWS CLI error text (errtext.go) that
//     are no capture's error. Recognised as text:ErrorText, source "file".
//
// Attribution (the dump naming convention): a file whose path ends
// logs/NAMESPACE/POD/CONTAINER.log, or is named NAMESPACE_POD_CONTAINER.log
// (no Kubernetes name holds "_"), is that container's log, and
// CONTAINER.previous.log its previous instance's (`kubectl logs
// --previous`); a line with
// kubectl's --prefix names its pod and container. Otherwise the
// observation is unattributed, and model.ObservationsOf gives it to the
// bundle's only target pod or workload, if it has one.
//
// Logs are untrusted and can be large: only the last maxLogBytes and
// maxLogLines of a file are read, an entry (a line and its continuation
// lines, a Java stack trace) is cut at maxEntryBytes, and samples are
// redacted by the catalogue (JWTs, access key IDs).

const (
	maxLogBytes   = 4 << 20
	maxLogLines   = 20000
	maxEntryBytes = 16 << 10
	maxEntryLines = 64
)

// catalog is the symptom catalogue, loaded once.
var catalog = sync.OnceValues(symptom.Load)

var (
	// 2026-12-07T00:12:03.123456789Z (kubectl logs --timestamps).
	logTimeRE = regexp.MustCompile(`^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?(?:Z|[+-]\d\d:\d\d))\s`)
	// [pod/api-7d9f8b6c5-x2k4p/app] (kubectl logs --prefix).
	logPrefixRE = regexp.MustCompile(`^\[pod/([a-z0-9.-]+)/([a-z0-9-]+)\] `)
	// logs/NAMESPACE/POD/CONTAINER.log, or NAMESPACE_POD_CONTAINER.log;
	// the previous instance's (kubectl logs --previous) is
	// CONTAINER.previous.log (a container name has no dot).
	logPathRE  = regexp.MustCompile(`(?:^|/)logs/([a-z0-9-]+)/([a-z0-9.-]+)/([a-z0-9-]+)(?:\.previous)?\.log$`)
	logNameRE  = regexp.MustCompile(`(?:^|/)([a-z0-9-]+)_([a-z0-9.-]+)_([a-z0-9-]+)(?:\.previous)?\.log$`)
	jsonLogKey = []string{"msg", "message", "level", "lvl", "severity", "time", "ts", "timestamp", "@timestamp", "log", "error", "err", "caller", "logger"}
	jsonTimeKs = []string{"time", "ts", "timestamp", "@timestamp"}
)

// logOwner is the pod and container a file's name attributes it to.
type logOwner struct{ namespace, pod, container string }

func logOwnerOf(ref string) (logOwner, bool) {
	ref = path.Clean(strings.ReplaceAll(ref, `\`, "/"))
	if m := logPathRE.FindStringSubmatch(ref); m != nil {
		return logOwner{m[1], m[2], m[3]}, true
	}
	if m := logNameRE.FindStringSubmatch(ref); m != nil {
		return logOwner{m[1], m[2], m[3]}, true
	}
	return logOwner{}, false
}

// namedAsLog reports a file whose name says it is a log.
func namedAsLog(ref string) bool {
	_, ok := logOwnerOf(ref)
	return ok || strings.HasSuffix(ref, ".log")
}

// looksLikeJSONLog reports text whose first line is a whole JSON object
// with a structured logger's keys and no kubectl or AWS CLI shape (kind,
// apiVersion): kubectl and the AWS CLI print JSON over several lines.
func looksLikeJSONLog(trimmed []byte) bool {
	first, _, _ := bytes.Cut(trimmed, []byte{'\n'})
	first = bytes.TrimSpace(first)
	// A log line is short; a long first line is a compact capture (jq -c),
	// which is not parsed twice.
	if len(first) < 2 || len(first) > maxEntryBytes || first[0] != '{' || first[len(first)-1] != '}' {
		return false
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(first, &m) != nil {
		return false
	}
	if _, ok := m["kind"]; ok {
		return false
	}
	if _, ok := m["apiVersion"]; ok {
		return false
	}
	for _, k := range jsonLogKey {
		if _, ok := m[k]; ok {
			return true
		}
	}
	return false
}

// looksLikeTextLog reports text whose first line carries kubectl logs'
// --timestamps or --prefix.
func looksLikeTextLog(trimmed []byte) bool {
	first, _, _ := bytes.Cut(trimmed, []byte{'\n'})
	return logTimeRE.Match(first) || logPrefixRE.Match(first)
}

// observer counts the signatures found in one file's entries.
type observer struct {
	r      *result
	source string
	owner  logOwner
	byKey  map[[4]string]*snapshot.Observation
	// times are the parsed first and last times, by observation.
	first, last map[*snapshot.Observation]time.Time
}

func newObserver(r *result, source string) *observer {
	o := &observer{r: r, source: source, byKey: map[[4]string]*snapshot.Observation{},
		first: map[*snapshot.Observation]time.Time{}, last: map[*snapshot.Observation]time.Time{}}
	o.owner, _ = logOwnerOf(r.ref)
	return o
}

// entry is one log entry: a line and its continuation lines.
type entry struct {
	text      []string
	bytes     int
	at        time.Time
	pod, cont string
	// from and to index the entry's first and last lines (splitEntries).
	from, to int
}

// isContinuation reports a line that continues the entry before it: an
// indented line (a Java stack frame, a Go "caused by" block) or a
// "Caused by" / "caused by:" line.
func isContinuation(line string) bool {
	return strings.HasPrefix(line, " ") || strings.HasPrefix(line, "\t") ||
		strings.HasPrefix(line, "Caused by") || strings.HasPrefix(line, "caused by:")
}

// scan reads data as log entries and matches each. It returns the number
// of entries the catalogue matched.
func (o *observer) scan(data []byte) int {
	cat, err := catalog()
	if err != nil {
		return 0
	}
	matched := 0
	splitEntries(data, func(e *entry) {
		if o.match(cat, e) {
			matched++
		}
	})
	return matched
}

// logLines are the lines of data that are read: the last maxLogBytes and
// maxLogLines.
func logLines(data []byte) []string {
	if len(data) > maxLogBytes {
		data = data[len(data)-maxLogBytes:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	lines := strings.Split(strings.ReplaceAll(string(data), "\r\n", "\n"), "\n")
	if len(lines) > maxLogLines {
		lines = lines[len(lines)-maxLogLines:]
	}
	return lines
}

// splitEntries calls fn with each entry of data's logLines, in order; an
// entry's from and to are the indexes of its first and last lines.
func splitEntries(data []byte, fn func(e *entry)) []string {
	lines := logLines(data)
	var cur *entry
	flush := func() {
		if cur != nil {
			fn(cur)
		}
		cur = nil
	}
	for i, line := range lines {
		if strings.TrimSpace(line) == "" {
			continue
		}
		// kubectl's --prefix and --timestamps come before every line, a
		// stack trace's continuation lines too.
		var pod, cont string
		var at time.Time
		rest := line
		if m := logPrefixRE.FindStringSubmatch(rest); m != nil {
			pod, cont = m[1], m[2]
			rest = rest[len(m[0]):]
		}
		if m := logTimeRE.FindStringSubmatch(rest); m != nil {
			if t, err := time.Parse(time.RFC3339Nano, m[1]); err == nil {
				at = t
			}
			rest = rest[len(m[0]):]
		}
		if cur != nil && isContinuation(rest) && pod == cur.pod && cont == cur.cont {
			if len(cur.text) < maxEntryLines && cur.bytes+len(rest) <= maxEntryBytes {
				cur.text = append(cur.text, rest)
				cur.bytes += len(rest)
			}
			cur.to = i
			continue
		}
		flush()
		cur = &entry{pod: pod, cont: cont, at: at, from: i, to: i}
		if cur.at.IsZero() && len(rest) <= maxEntryBytes {
			cur.at = jsonTime(rest)
		}
		if len(rest) > maxEntryBytes {
			rest = rest[:maxEntryBytes]
		}
		cur.text = append(cur.text, rest)
		cur.bytes = len(rest)
	}
	flush()
	return lines
}

// LogContext is how many lines FilterLog keeps before and after each
// matched entry.
const LogContext = 2

// LogSeparator is the line FilterLog puts between runs of lines that were
// not adjacent in the log, as grep -C does; it is no continuation line,
// so no entry spans it.
const LogSeparator = "--"

// FilterLog keeps of a container's log what analyze reads of it: the
// entries the symptom catalogue matches (a line and its continuation
// lines), each with LogContext lines before and after, redacted
// (symptom.Redact: JWTs, access key IDs, secret keys), runs apart joined
// by a LogSeparator line. An entry is matched as redacted: a
// secret-shaped run that overlaps an error's words hides it. Each byte that is not UTF-8 text, and each NUL,
// becomes U+FFFD (as the catalogue's regexps read it), so that the
// result is always read as text. It reads the log as analyze does (the last
// maxLogBytes and maxLogLines), so that the filtered text reads back to
// the same observations. It returns nil when nothing matches.
func FilterLog(data []byte) []byte {
	cat, err := catalog()
	if err != nil {
		return nil
	}
	// Redacted first, then matched: what is kept is what matches in the
	// text written, so that it reads back the same.
	lines := logLines(data)
	for i, l := range lines {
		lines[i] = symptom.Redact(textOnly(l))
	}
	var keep [][2]int
	lines = splitEntries([]byte(strings.Join(lines, "\n")), func(e *entry) {
		if len(cat.Match(strings.Join(e.text, "\n"))) > 0 {
			keep = append(keep, [2]int{e.from, e.to})
		}
	})
	if len(keep) == 0 {
		return nil
	}
	// The empty string after the last newline is no line of the log.
	if n := len(lines); lines[n-1] == "" {
		lines = lines[:n-1]
	}
	var b bytes.Buffer
	next := 0 // the first line not written yet
	for i, k := range keep {
		from, to := max(k[0]-LogContext, next), min(k[1]+LogContext, len(lines)-1)
		// Context after an entry stops where the next matched entry's
		// context begins; the loop writes that one.
		if i+1 < len(keep) {
			to = min(to, max(keep[i+1][0]-LogContext-1, k[1]))
		}
		if from > next && b.Len() > 0 {
			b.WriteString(LogSeparator + "\n")
		}
		for _, l := range lines[from : to+1] {
			b.WriteString(l)
			b.WriteByte('\n')
		}
		next = to + 1
	}
	return b.Bytes()
}

// jsonTime is the time a JSON log line carries in a time, ts, timestamp
// or @timestamp field: an RFC 3339 string, or seconds since the epoch
// (zap's ts).
func jsonTime(line string) time.Time {
	t := strings.TrimSpace(line)
	if !strings.HasPrefix(t, "{") || !strings.HasSuffix(t, "}") {
		return time.Time{}
	}
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(t), &m) != nil {
		return time.Time{}
	}
	for _, k := range jsonTimeKs {
		raw, ok := m[k]
		if !ok {
			continue
		}
		var s string
		if json.Unmarshal(raw, &s) == nil {
			if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
				return v
			}
			continue
		}
		var f float64
		if json.Unmarshal(raw, &f) == nil && f > 0 && f < 1e11 {
			sec, frac := math.Modf(f)
			return time.Unix(int64(sec), int64(frac*1e9))
		}
	}
	return time.Time{}
}

// match records the entry's best signature, if any.
func (o *observer) match(cat *symptom.Catalog, e *entry) bool {
	ms := cat.Match(strings.Join(e.text, "\n"))
	if len(ms) == 0 {
		return false
	}
	m := ms[0]
	owner := o.owner
	if e.pod != "" {
		owner.pod, owner.container = e.pod, e.cont
	}
	// A refusal is a question (its action and resource): two refusals of
	// one signature in one container are two observations, so that each is
	// judged (IRSA601-603).
	key := [4]string{m.Signature.ID, owner.pod, owner.container, m.Fields["action"] + " " + m.Fields["resource"]}
	ob := o.byKey[key]
	if ob == nil {
		ob = &snapshot.Observation{Source: o.source, Namespace: owner.namespace, Pod: owner.pod, Container: owner.container,
			Signature: m.Signature.ID, Title: m.Signature.Title, Fields: m.Fields, File: o.r.src}
		for _, c := range m.Signature.Candidates {
			ob.Candidates = append(ob.Candidates, c.Check)
		}
		ob.Capture = m.Signature.Commands(m.Fields, shellQuote)
		o.byKey[key] = ob
		o.r.observations = append(o.r.observations, ob)
	}
	ob.Count++
	ob.Sample = m.Line
	if !e.at.IsZero() {
		at := e.at.UTC()
		if f, ok := o.first[ob]; !ok || at.Before(f) {
			o.first[ob] = at
			ob.First = at.Format(time.RFC3339Nano)
		}
		if l, ok := o.last[ob]; !ok || at.After(l) {
			o.last[ob] = at
			ob.Last = at.Format(time.RFC3339Nano)
		}
	}
	return true
}

// parseLog reads a file recognised as kubectl logs output.
func parseLog(r *result, data []byte) {
	newObserver(r, snapshot.ObservedInLog).scan(data)
	r.recognise("kubectl:Logs")
}

// parseObservedText reads text no other reader took: a log when its name
// says so, else a pasted error text, when the catalogue finds a signature
// in it. It reports false (nothing recorded) when it finds none.
func parseObservedText(r *result, data []byte) bool {
	source, label := snapshot.ObservedInFile, "text:ErrorText"
	if namedAsLog(r.ref) {
		source, label = snapshot.ObservedInLog, "kubectl:Logs"
	}
	before := len(r.observations)
	if newObserver(r, source).scan(data) == 0 {
		r.observations = r.observations[:before]
		return false
	}
	r.recognise(label)
	return true
}

// textOnly replaces each byte of s that is not part of valid UTF-8, and
// each NUL, by U+FFFD.
func textOnly(s string) string {
	if utf8.ValidString(s) && strings.IndexByte(s, 0) < 0 {
		return s
	}
	var b strings.Builder
	for i := 0; i < len(s); {
		r, n := utf8.DecodeRuneInString(s[i:])
		if r == 0 || r == utf8.RuneError && n == 1 {
			r = utf8.RuneError
		}
		b.WriteRune(r)
		i += n
	}
	return b.String()
}

// shellQuote quotes a word for POSIX shells (finding.Quote, which bundle
// may not import).
func shellQuote(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}
