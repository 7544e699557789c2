package symptom

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"net/url"
	"regexp"
	"sort"
	"strings"

	"sigs.k8s.io/yaml"
)

//go:embed signatures.yaml
var signaturesYAML []byte

// MaxInput is how much of a text Match reads: the first MaxInput bytes.
// Go's regexp is linear in the input but runs every signature's patterns
// through its NFA (there is no DFA): a megabyte took 1.6 s (19 s under
// the race detector), 64 KiB, a long stack trace, about a sixteenth of
// that. A log is matched line by line, not whole.
const MaxInput = 64 << 10

// MaxMatches is the most matches Match returns.
const MaxMatches = 4

// Fields are the names a signature's regexps may capture with named
// groups. role is derived from role_arn when a regexp does not capture it.
var Fields = []string{"role_arn", "role", "session", "account", "user", "action", "resource",
	"issuer", "audience", "request_id", "code", "path"}

// Signature is one recognised error.
type Signature struct {
	ID    string `json:"id"`
	Title string `json:"title"`
	// Means says what the error means, one paragraph.
	Means string `json:"means"`
	// Match holds RE2 regexps; any of them matching the text selects the
	// signature. Named groups extract Fields.
	Match []string `json:"match"`
	// Candidates are the checks that can cause the error, most likely first.
	Candidates []Candidate `json:"candidates"`
	// Capture holds command templates; {field} is replaced by the field's
	// value (shell-quoted), or by the template's upper-case placeholder
	// (written {field|PLACEHOLDER}) when the text did not carry it.
	Capture []string `json:"capture"`
	Sources []string `json:"sources"`

	res []*regexp.Regexp
}

// Candidate is a check that can cause a signature's error.
type Candidate struct {
	Check string `json:"check"`
	Why   string `json:"why"`
}

// Catalog is the loaded catalogue, in priority order: a text that matches
// several signatures lists the earlier (the more specific) first.
type Catalog struct {
	Signatures []*Signature
	// extract holds regexps applied to every matched text for the fields
	// that any signature's error can carry (a request id, a role ARN).
	extract []*regexp.Regexp
}

type file struct {
	Extract    []string     `json:"extract"`
	Signatures []*Signature `json:"signatures"`
}

// Match is one signature found in a text.
type Match struct {
	Signature *Signature
	// Fields are what the text carried, by name (see Fields).
	Fields map[string]string
	// Line is the matched excerpt: the whole lines the match spans, with
	// tokens, access key IDs and secret keys redacted (Redact).
	Line string
}

// Load parses and validates the embedded catalogue.
func Load() (*Catalog, error) { return parse(signaturesYAML) }

func parse(data []byte) (*Catalog, error) {
	var f file
	if err := yaml.UnmarshalStrict(data, &f); err != nil {
		return nil, fmt.Errorf("signatures.yaml: %w", err)
	}
	c := &Catalog{Signatures: f.Signatures}
	known := map[string]bool{}
	for _, n := range Fields {
		known[n] = true
	}
	compile := func(where, expr string) (*regexp.Regexp, error) {
		re, err := regexp.Compile(expr)
		if err != nil {
			return nil, fmt.Errorf("signatures.yaml: %s: %w", where, err)
		}
		for _, n := range re.SubexpNames()[1:] {
			if n != "" && !known[n] {
				return nil, fmt.Errorf("signatures.yaml: %s: group %q is not a known field (%s)", where, n, strings.Join(Fields, ", "))
			}
		}
		return re, nil
	}
	for _, e := range f.Extract {
		re, err := compile("extract", e)
		if err != nil {
			return nil, err
		}
		c.extract = append(c.extract, re)
	}
	ids := map[string]bool{}
	for i, s := range c.Signatures {
		where := fmt.Sprintf("signature %d (%s)", i, s.ID)
		switch {
		case s.ID == "" || s.Title == "" || s.Means == "":
			return nil, fmt.Errorf("signatures.yaml: %s: id, title and means are required", where)
		case ids[s.ID]:
			return nil, fmt.Errorf("signatures.yaml: %s: duplicate id", where)
		case len(s.Match) == 0 || len(s.Sources) == 0:
			return nil, fmt.Errorf("signatures.yaml: %s: match and sources are required", where)
		case len(s.Candidates) > MaxMatches:
			return nil, fmt.Errorf("signatures.yaml: %s: at most %d candidates", where, MaxMatches)
		}
		ids[s.ID] = true
		for _, m := range s.Match {
			re, err := compile(where, m)
			if err != nil {
				return nil, err
			}
			s.res = append(s.res, re)
		}
		for _, c := range s.Candidates {
			if c.Check == "" || c.Why == "" {
				return nil, fmt.Errorf("signatures.yaml: %s: a candidate needs check and why", where)
			}
		}
		for _, src := range s.Sources {
			u, err := url.Parse(src)
			if err != nil || u.Scheme != "https" || u.Host == "" {
				return nil, fmt.Errorf("signatures.yaml: %s: source %q is not an https URL", where, src)
			}
		}
		for _, t := range s.Capture {
			if err := checkTemplate(t); err != nil {
				return nil, fmt.Errorf("signatures.yaml: %s: capture %q: %w", where, t, err)
			}
		}
	}
	return c, nil
}

// Match returns the signatures text matches, best first, at most
// MaxMatches. JSON log lines are read through their string fields, and a
// match may span lines (a Go v1 "caused by:", a Java stack trace).
func (c *Catalog) Match(text string) []Match {
	norm := Normalize(text)
	var out []Match
	for _, s := range c.Signatures {
		for _, re := range s.res {
			loc := re.FindStringSubmatchIndex(norm)
			if loc == nil {
				continue
			}
			out = append(out, Match{Signature: s, Fields: c.fields(norm, re, loc), Line: excerpt(norm, loc[0], loc[1])})
			break
		}
		if len(out) == MaxMatches {
			break
		}
	}
	return out
}

// fields collects the named groups of the match, then what the catalogue's
// extract regexps find anywhere in the text, without overriding.
func (c *Catalog) fields(norm string, re *regexp.Regexp, loc []int) map[string]string {
	f := map[string]string{}
	add := func(re *regexp.Regexp, loc []int) {
		for i, n := range re.SubexpNames() {
			if n == "" || loc[2*i] < 0 {
				continue
			}
			// A value ends before the sentence does: "…/id/ABC." is ABC.
			v := strings.TrimRight(strings.TrimSpace(norm[loc[2*i]:loc[2*i+1]]), `.,;:'"`)
			if v != "" && f[n] == "" {
				f[n] = redact(v)
			}
		}
	}
	add(re, loc)
	for _, x := range c.extract {
		if l := x.FindStringSubmatchIndex(norm); l != nil {
			add(x, l)
		}
	}
	if f["role"] == "" && f["role_arn"] != "" {
		// arn:aws:iam::111122223333:role/path/name: the name is the last segment.
		if _, rest, ok := strings.Cut(f["role_arn"], ":role/"); ok {
			f["role"] = rest[strings.LastIndex(rest, "/")+1:]
		}
	}
	return f
}

// Closest returns the signature whose title and meaning share the most
// words with text, or nil when none shares two: the hint printed for a
// text no signature matches.
func (c *Catalog) Closest(text string) *Signature {
	if len(text) > MaxInput {
		text = text[:MaxInput]
	}
	words := wordSet(Normalize(text))
	var best *Signature
	bestScore := 1
	for _, s := range c.Signatures {
		n := 0
		for w := range wordSet(s.Title + " " + s.ID) {
			if words[w] {
				n++
			}
		}
		if n > bestScore {
			best, bestScore = s, n
		}
	}
	return best
}

// stopWords are too common in error texts to tell signatures apart.
var stopWords = map[string]bool{"the": true, "a": true, "an": true, "of": true, "to": true, "in": true,
	"is": true, "not": true, "no": true, "or": true, "and": true, "for": true, "from": true, "on": true,
	"by": true, "with": true, "error": true, "its": true, "it": true, "be": true, "pod": true, "aws": true}

func wordSet(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9')
	}) {
		if len(w) > 2 && !stopWords[w] {
			m[w] = true
		}
	}
	return m
}

// Normalize is the text Match reads: at most MaxInput bytes; a line that
// ends with a JSON object replaced by its prefix and the object's string
// values, one a line (so that escaped quotes and "\n" inside a "msg" are
// read as written); CRLF as LF.
func Normalize(text string) string {
	if len(text) > MaxInput {
		text = text[:MaxInput]
	}
	text = strings.ReplaceAll(text, "\r\n", "\n")
	if !strings.Contains(text, "{") {
		return text
	}
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		t := strings.TrimSpace(l)
		// A prefix (kubectl logs --timestamps, a container name) may come
		// before the object; it is kept.
		start := strings.IndexByte(t, '{')
		if start < 0 || !strings.HasSuffix(t, "}") {
			continue
		}
		var v map[string]any
		if json.Unmarshal([]byte(t[start:]), &v) != nil {
			continue
		}
		vals := []string{}
		if p := strings.TrimSpace(t[:start]); p != "" {
			vals = append(vals, p)
		}
		collect(v, &vals, 0)
		lines[i] = strings.Join(vals, "\n")
	}
	return strings.Join(lines, "\n")
}

// collect appends the string values of v, keys sorted, depth-bounded.
func collect(v any, out *[]string, depth int) {
	if depth > 8 {
		return
	}
	switch t := v.(type) {
	case string:
		*out = append(*out, t)
	case map[string]any:
		keys := make([]string, 0, len(t))
		for k := range t {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			collect(t[k], out, depth+1)
		}
	case []any:
		for _, e := range t {
			collect(e, out, depth+1)
		}
	}
}

// maxExcerpt bounds Line.
const maxExcerpt = 600

// excerpt is the whole lines around [start, end), redacted, bounded.
func excerpt(s string, start, end int) string {
	if i := strings.LastIndexByte(s[:start], '\n'); i >= 0 {
		start = i + 1
	} else {
		start = 0
	}
	if i := strings.IndexByte(s[end:], '\n'); i >= 0 {
		end += i
	} else {
		end = len(s)
	}
	line := strings.TrimSpace(s[start:end])
	if len(line) > maxExcerpt {
		cut := maxExcerpt
		for cut > 0 && !utf8RuneStart(line[cut]) {
			cut--
		}
		line = line[:cut] + "…"
	}
	return redact(line)
}

func utf8RuneStart(b byte) bool { return b&0xC0 != 0x80 }

var (
	// A JWT (the projected token): three base64url parts, the first "eyJ".
	jwtRE = regexp.MustCompile(`eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)
	// Access key IDs: AKIA (long-term), ASIA (temporary).
	keyIDRE = regexp.MustCompile(`\b(AKIA|ASIA)[A-Z0-9]{16}\b`)
)

// redact hides tokens, access key IDs and secret keys: logs carry
// secrets.
func redact(s string) string { return Redact(s) }

// Redact hides what a log line can carry of a credential: a JWT (the
// projected token: "eyJ…(token redacted)"), an access key ID (AKIA or
// ASIA and 16 more: "AKIA…(redacted)"), and a secret access key: a run of
// exactly 40 characters of [A-Za-z0-9/+] bounded by none of them, with an
// upper- and a lower-case letter and a digit, "/" or "+" ("…(secret
// redacted)"). A git SHA (lower-case hex) and a 40-letter identifier (a
// Java class name) are kept; a random 40-character key lacks a digit, "/"
// and "+" once in 4,000.
//
// Redact(Redact(s)) == Redact(s): a replacement can join what is left
// around it into a new match, which the next round hides.
func Redact(s string) string {
	for range 8 {
		r := jwtRE.ReplaceAllString(s, "eyJ…(token redacted)")
		r = keyIDRE.ReplaceAllString(r, "${1}…(redacted)")
		r = redactSecretKeys(r)
		if r == s {
			break
		}
		s = r
	}
	return s
}

// SecretRedacted replaces a secret access key (Redact).
const SecretRedacted = "…(secret redacted)"

// secretKeyLen is the length of an AWS secret access key.
const secretKeyLen = 40

func secretKeyByte(b byte) bool {
	return 'A' <= b && b <= 'Z' || 'a' <= b && b <= 'z' || '0' <= b && b <= '9' || b == '/' || b == '+'
}

// redactSecretKeys replaces each run of secretKeyLen secretKeyBytes that
// looks random (Redact) by SecretRedacted.
func redactSecretKeys(s string) string {
	var b strings.Builder
	last := 0
	for i := 0; i < len(s); {
		if !secretKeyByte(s[i]) {
			i++
			continue
		}
		j := i
		for j < len(s) && secretKeyByte(s[j]) {
			j++
		}
		if j-i == secretKeyLen && randomLooking(s[i:j]) {
			if b.Len() == 0 {
				b.Grow(len(s))
			}
			b.WriteString(s[last:i])
			b.WriteString(SecretRedacted)
			last = j
		}
		i = j
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// randomLooking reports a run with an upper- and a lower-case letter and
// a digit, "/" or "+".
func randomLooking(run string) bool {
	var upper, lower, other bool
	for i := 0; i < len(run); i++ {
		switch c := run[i]; {
		case 'A' <= c && c <= 'Z':
			upper = true
		case 'a' <= c && c <= 'z':
			lower = true
		default:
			other = true
		}
	}
	return upper && lower && other
}

// placeholderRE is a template's {field} or {field|PLACEHOLDER}.
var placeholderRE = regexp.MustCompile(`\{([a-z_]+)(?:\|([A-Z][A-Z0-9_]*))?\}`)

func checkTemplate(t string) error {
	for _, m := range placeholderRE.FindAllStringSubmatch(t, -1) {
		ok := false
		for _, f := range Fields {
			ok = ok || f == m[1]
		}
		if !ok {
			return fmt.Errorf("unknown field {%s}", m[1])
		}
	}
	if rest := placeholderRE.ReplaceAllString(t, ""); strings.ContainsAny(rest, "{}") {
		return fmt.Errorf("a brace that is no {field} or {field|PLACEHOLDER}")
	}
	return nil
}

// Commands are s's capture templates filled in with fields; quote renders
// a value for a shell (finding.Quote). A field the text did not carry
// leaves the template's placeholder (ROLE_NAME), or the field's name in
// upper case.
func (s *Signature) Commands(fields map[string]string, quote func(string) string) []string {
	out := make([]string, 0, len(s.Capture))
	for _, t := range s.Capture {
		out = append(out, placeholderRE.ReplaceAllStringFunc(t, func(p string) string {
			m := placeholderRE.FindStringSubmatch(p)
			if v := fields[m[1]]; v != "" {
				return quote(v)
			}
			if m[2] != "" {
				return m[2]
			}
			return strings.ToUpper(m[1])
		}))
	}
	return out
}
