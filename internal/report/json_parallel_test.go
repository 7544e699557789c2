package report

import (
	"bufio"
	"bytes"
	"fmt"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestJSONTargetsInParallel: a report with many targets, whose targets
// and findings arrays are encoded on every core and spliced in, is byte
// for byte the report the single encoder writes (findings with and
// without fixes, evidence and affected targets included).
func TestJSONTargetsInParallel(t *testing.T) {
	var targets []finding.Target
	for i := range 1500 {
		tg := finding.Target{Kind: "Pod", Namespace: fmt.Sprintf("team-%03d", i%7), Name: fmt.Sprintf("web-%04d", i),
			ServiceAccount: "web", Mechanism: "irsa", RoleARN: roleARN, Links: links("pass", "fail:IRSA104", "unknown:not checked", "pass", "pass"),
			Images: []string{"app:1.0"},
			Containers: []finding.Container{{Name: "app", CredentialSource: "web-identity",
				Reason: "a reason with \"quotes\", <html>, a tab\tand \u202e and \xff"}}}
		if i%3 == 0 {
			tg.Owner = &finding.Ref{Kind: "Deployment", Namespace: tg.Namespace, Name: "web"}
		}
		targets = append(targets, tg)
	}
	findings := append(multiFailureResult().Findings, sharedResult().Findings...)
	if len(findings) < 3 {
		t.Fatalf("%d findings: the fixtures changed", len(findings))
	}
	r := result("offline", bundleFiles(), targets, findings, nil)
	write := func(threshold int) []byte {
		defer func(v int) { parallelTargets = v }(parallelTargets)
		parallelTargets = threshold
		var b bytes.Buffer
		if err := writeJSON(&b, r); err != nil {
			t.Fatal(err)
		}
		return b.Bytes()
	}
	parallel, single := write(1), write(len(targets)+1)
	if !bytes.Equal(parallel, single) {
		i := 0
		for i < len(parallel) && i < len(single) && parallel[i] == single[i] {
			i++
		}
		t.Fatalf("the reports differ at byte %d:\nparallel %q\nsingle   %q", i, parallel[max(0, i-80):min(len(parallel), i+80)], single[max(0, i-80):min(len(single), i+80)])
	}
	if !bytes.Contains(parallel, []byte(`"name": "web-1499"`)) || !bytes.Contains(parallel, []byte(`"checkId": "`+findings[len(findings)-1].CheckID+`"`)) {
		t.Fatalf("the targets or findings are not in the report")
	}
	// No target: the empty array stays.
	r.Targets = []finding.Target{}
	if empty := write(0); !bytes.Contains(empty, []byte("\n  \"targets\": [],\n")) {
		t.Fatalf("empty targets: %s", empty[:min(len(empty), 400)])
	}
}

// TestEscapingWriterSplitCharacters: what the encoder writes in pieces is
// escaped as it would be whole, wherever a piece ends, within a character
// to escape (U+202E, 3 bytes; U+2028), one to keep (é) or an invalid byte.
func TestEscapingWriterSplitCharacters(t *testing.T) {
	text := []byte("a\u202eb é \u2028\xff\u0085z\xe2\x80")
	want := string(escapeNonASCIIControls(text))
	if want == string(text) {
		t.Fatal("the text has nothing to escape")
	}
	for cut1 := range len(text) + 1 {
		for cut2 := cut1; cut2 <= len(text); cut2++ {
			var b bytes.Buffer
			bw := bufio.NewWriter(&b)
			ew := &escapingWriter{w: bw}
			for _, piece := range [][]byte{text[:cut1], text[cut1:cut2], text[cut2:]} {
				if n, err := ew.Write(piece); n != len(piece) || err != nil {
					t.Fatalf("Write = %d, %v; want %d, nil", n, err, len(piece))
				}
			}
			ew.flush()
			bw.Flush()
			if got := b.String(); got != want {
				t.Fatalf("cut at %d and %d: %q, want %q", cut1, cut2, got, want)
			}
		}
	}
}
