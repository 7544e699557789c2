package suppress

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestParseFile(t *testing.T) {
	data := `# accepted risks
ignore:
  - check: IRSA207
    object: ServiceAccount/payments/s3-reader
    reason: accepted risk, see TICKET-12
    expires: 2027-01-31
  - check: trust-subject-mismatch
    reason: >
      migrating,
      see TICKET-13
`
	got, err := ParseFile("ignore.yaml", []byte(data))
	if err != nil {
		t.Fatal(err)
	}
	want := []Rule{
		{Check: "IRSA207", Object: &Object{Kind: "ServiceAccount", Namespace: "payments", Name: "s3-reader"},
			Reason: "accepted risk, see TICKET-12", Source: "ignore.yaml:3", Expires: "2027-01-31"},
		{Check: "IRSA205", Reason: "migrating, see TICKET-13", Source: "ignore.yaml:7"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
}

func TestParseFileEmpty(t *testing.T) {
	for _, data := range []string{"", "# nothing\n", "ignore:\n", "ignore: []\n"} {
		got, err := ParseFile("f", []byte(data))
		if err != nil || len(got) != 0 {
			t.Errorf("%q: %v, %v; want no rules, no error", data, got, err)
		}
	}
}

func TestParseFileErrors(t *testing.T) {
	tests := []struct{ name, data, err string }{
		{"unknown field", "ignore:\n  - check: IRSA207\n    reason: r\n    until: 2027-01-01\n",
			`f.yaml:4: unknown field "until" (want check, object, reason, expires)`},
		{"missing reason", "ignore:\n  - check: IRSA207\n",
			`f.yaml:2: entry for IRSA207 without a reason; add reason: WHY (a suppression must say why)`},
		{"blank reason", "ignore:\n  - check: IRSA207\n    reason: \"  \"\n",
			`f.yaml:2: entry for IRSA207 without a reason; add reason: WHY (a suppression must say why)`},
		{"missing check", "ignore:\n  - reason: r\n",
			`f.yaml:2: entry without a check; add check: ID (e.g. IRSA207)`},
		{"unknown check", "ignore:\n  - reason: r\n    check: IRSA999\n",
			`f.yaml:3: unknown check "IRSA999" (see 'irsa-doctor checks')`},
		{"bad date", "ignore:\n  - check: IRSA207\n    reason: r\n    expires: 31/01/2027\n",
			`f.yaml:4: expires "31/01/2027" is not a date; want YYYY-MM-DD (e.g. 2027-01-31)`},
		{"impossible date", "ignore:\n  - check: IRSA207\n    reason: r\n    expires: 2027-02-30\n",
			`f.yaml:4: expires "2027-02-30" is not a date; want YYYY-MM-DD (e.g. 2027-01-31)`},
		{"bad object", "ignore:\n  - check: IRSA207\n    reason: r\n    object: pod/x\n",
			`f.yaml:4: object "pod/x": a Pod is namespaced: want pod/NAMESPACE/NAME`},
		{"unknown key", "suppress:\n  - check: IRSA207\n",
			`f.yaml:1: unknown key "suppress" (the file holds only 'ignore:' and its list)`},
		{"not a mapping", "- check: IRSA207\n",
			`f.yaml:1: want a mapping with the key 'ignore' holding a list of entries`},
		{"not a list", "ignore: IRSA207\n",
			`f.yaml:1: 'ignore' must be a list of entries (- check: ID, reason: WHY)`},
		{"entry not a mapping", "ignore:\n  - IRSA207\n",
			`f.yaml:2: an entry must be a mapping with check and reason (and optionally object, expires)`},
		{"list value", "ignore:\n  - check: [IRSA207]\n    reason: r\n",
			`f.yaml:2: check must be a single value, not a list or mapping`},
		{"twice", "ignore:\n  - check: IRSA207\n    reason: r\n    reason: s\n",
			`f.yaml:4: field "reason" given twice in one entry`},
		{"syntax", "ignore:\n  - check: IRSA207\n    reason: r\n  bad\n",
			`f.yaml:4: not valid YAML: could not find expected ':'`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseFile("f.yaml", []byte(tt.data))
			if err == nil || err.Error() != tt.err {
				t.Fatalf("error %v\nwant  %s", err, tt.err)
			}
		})
	}
}

// FuzzParseFile: an ignore file is user input; it must never panic, and
// an error is always one line naming the file.
func FuzzParseFile(f *testing.F) {
	for _, seed := range []string{
		"ignore:\n  - check: IRSA207\n    object: ServiceAccount/payments/s3-reader\n    reason: r\n    expires: 2027-01-31\n",
		"ignore:\n  - check: trust-too-broad\n    reason: r\n",
		"ignore: []\n", "", "ignore:\n  - {}\n", "ignore:\n  - [a]\n", "x: y\n", "ignore: &a [*a]\n",
		"ignore:\n  - check: IRSA207\n    reason: !!binary aGk=\n", "ignore:\n  - check: IRSA207\n    object: role/arn:aws:iam::1:role/x\n    reason: r\n",
		"\t", "ignore:\n- check: ", "---\n---\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		rules, err := ParseFile("fuzz.yaml", data)
		if err != nil {
			msg := err.Error()
			if len(msg) < len("fuzz.yaml:") || msg[:len("fuzz.yaml")] != "fuzz.yaml" {
				t.Fatalf("error does not name the file: %q", msg)
			}
			for _, c := range msg {
				if c == '\n' {
					t.Fatalf("error on several lines: %q", msg)
				}
			}
			return
		}
		for _, r := range rules {
			if r.Check == "" || r.Reason == "" || r.Source == "" {
				t.Fatalf("rule without check, reason or source: %+v", r)
			}
		}
	})
}
