package report

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"sort"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// severityOrder is the order summary.bySeverity lists its keys in, the
// order of CONTRACT.md's example (worst first).
var severityOrder = []string{string(finding.SeverityError), string(finding.SeverityWarning), string(finding.SeverityInfo)}

// writeJSON writes the CONTRACT.md document: two-space indent, a trailing
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
		// A finding without a fix still carries the object of CONTRACT.md's
		// document, with empty lists, so a consumer can read
		// fix.commands without a null check. ErrUnsupported hands any other
		// fix back to the default struct encoding.
		json.MarshalToFunc(func(enc *jsontext.Encoder, f *finding.Fix) error {
			if f.Empty() {
				return json.MarshalEncode(enc, noFix{Commands: []string{}, Files: []finding.File{}})
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
	var buf bytes.Buffer
	err := json.MarshalWrite(&buf, &cp,
		json.WithMarshalers(marshalers),
		jsontext.WithIndent("  "),
		// Messages and evidence quote input files verbatim; invalid UTF-8
		// there becomes U+FFFD rather than failing the whole report.
		jsontext.AllowInvalidUTF8(true),
	)
	if err != nil {
		return fmt.Errorf("encode json report: %w", err)
	}
	buf.WriteByte('\n')
	if _, err := w.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write json report: %w", err)
	}
	return nil
}

// noFix is the fix of a finding that has none; a type of its own, so that
// the *finding.Fix marshaler above is not called for it again.
type noFix struct {
	Commands []string       `json:"commands"`
	Files    []finding.File `json:"files"`
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
