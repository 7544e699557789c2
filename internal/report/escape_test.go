package report

import (
	"bytes"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	json "github.com/go-json-experiment/json"
	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// The attacks of issue 9, as a bundle can carry them in any name, value or
// file name: clear the screen, write the clipboard (OSC 52), plant a link
// (OSC 8), overwrite the line (CR), reverse the text (U+202E), and the C1
// NEL (U+0085) that encoding/json writes raw.
const (
	evilClear = "\x1b[2J\x1b[H"
	evilOSC52 = "\x1b]52;c;cm0gLXJmIH4K\x07"
	evilOSC8  = "\x1b]8;;https://evil.example/\x1b\\here\x1b]8;;\x1b\\"
	evilCR    = "\rIRSA000 pass"
	evilBidi  = "\u202egnp.exe"
	evilNEL   = "\u0085"
)

// hostileResult puts them in every field the renderers print.
func hostileResult() *finding.Result {
	podName := "api" + evilClear
	saName := "s3" + evilBidi
	roleARN := "arn:aws:iam::111122223333:role/r" + evilNEL + "x"
	target := finding.Target{Kind: "Pod", Namespace: "pay" + evilCR, Name: podName, ServiceAccount: saName,
		Mechanism: "irsa", RoleARN: roleARN,
		Links: []finding.Link{
			{Link: finding.LinkServiceAccount, Status: finding.LinkFail, Detail: "IRSA205 " + evilOSC52},
			{Link: finding.LinkWebhook, Status: finding.LinkPass},
			{Link: finding.LinkIAMRole, Status: finding.LinkFail, Detail: "IRSA205"},
			{Link: finding.LinkOIDCProvider, Status: finding.LinkUnknown, Detail: "no " + evilOSC8},
			{Link: finding.LinkIssuer, Status: finding.LinkPass},
		},
		Containers: []finding.Container{{Name: "app" + evilNEL, CredentialSource: "web-identity", Reason: "role " + roleARN + evilCR}},
	}
	subj := finding.Subject{Kind: "Pod", Namespace: target.Namespace, Name: podName, Container: "app" + evilNEL}
	f := finding.Finding{CheckID: "IRSA205", Slug: "trust-subject-mismatch", Title: "t", Severity: finding.SeverityError,
		Status: finding.StatusFail, Subject: subj,
		Message: `trust policy allows sub "system:serviceaccount:pay:` + saName + `"` + evilOSC8,
		Evidence: []finding.Evidence{
			{Source: "bundle", Ref: "b/role" + evilOSC52 + ".json", Value: "{\n  \"sub\": \"x" + evilClear + "\"\r\n}"},
		},
		Remediation: "Edit the role `" + roleARN + "` " + evilCR,
		Fix: &finding.Fix{Commands: []string{"aws iam update-assume-role-policy --role-name 'r" + evilClear + "'"},
			Files: []finding.File{{Name: "r" + evilBidi + ".json", Content: "{\"a\": \"" + evilOSC52 + "\"}\n"}}},
	}
	skip := finding.Finding{CheckID: "IRSA303", Slug: "thumbprint", Title: "t", Severity: finding.SeverityWarning,
		Status: finding.StatusSkipped, Subject: subj, Message: "no chain" + evilCR + "\nfake line", Evidence: []finding.Evidence{}}
	r := &finding.Result{
		SchemaVersion: finding.SchemaVersion,
		Tool:          finding.Tool{Name: "irsa-doctor", Version: "v0.1.0"},
		Input: finding.Input{Mode: "offline", Cluster: "prod" + evilOSC8, Region: "us-west-2", AccountID: "111122223333",
			Files: []finding.InputFile{{Path: "b/x" + evilClear + ".json", Error: "b/x" + evilClear + ".json: line 1: bad " + evilNEL}}},
		Targets:  []finding.Target{target},
		Findings: []finding.Finding{f, skip},
		Gaps:     []finding.Gap{{Source: "aws", Operation: "iam:GetRole", Resource: roleARN, Reason: "AccessDenied" + evilBidi}},
	}
	r.Summarise()
	return r
}

// rawControl finds a raw control character (bar the line breaks of the
// layout) or invalid UTF-8, and allows the painter's colours when color.
func rawControl(t *testing.T, out string, color bool) {
	t.Helper()
	if color {
		out = regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(out, "")
	}
	if !utf8.ValidString(out) {
		t.Errorf("output is not valid UTF-8")
	}
	for i, r := range out {
		if termsafe.Unsafe(r) && r != '\n' {
			t.Errorf("raw %U at byte %d: %q", r, i, out[max(0, i-20):min(len(out), i+20)])
		}
	}
}

// TestTextEscapesInputValues: every value from the input is printed with
// its control characters as visible escapes, with and without colour.
func TestTextEscapesInputValues(t *testing.T) {
	plain := string(render(t, hostileResult(), Options{Format: FormatText}))
	rawControl(t, plain, false)
	golden(t, "hostile.txt", []byte(plain))

	color := string(render(t, hostileResult(), Options{Format: FormatText, Color: true}))
	rawControl(t, color, true)
	// The only escape sequences are the painter's colours.
	for _, m := range regexp.MustCompile("\x1b.{0,8}").FindAllString(color, -1) {
		if !regexp.MustCompile("^\x1b\\[[0-9;]*m").MatchString(m) {
			t.Errorf("an escape sequence that is not a colour: %q", m)
		}
	}
	// The same words as without colour.
	if got := regexp.MustCompile("\x1b\\[[0-9;]*m").ReplaceAllString(color, ""); !strings.Contains(got, `Pod pay\rIRSA000 pass/api\x1b[2J\x1b[H`) {
		t.Errorf("coloured report lacks the escaped pod name:\n%s", got)
	}
}

// TestTextEscapesExactly pins the escapes of a few lines.
func TestTextEscapesExactly(t *testing.T) {
	out := string(render(t, hostileResult(), Options{Format: FormatText, Verbose: true}))
	for _, want := range []string{
		`Analysed offline: cluster prod\x1b]8;;https://evil.example/\x1b\here\x1b]8;;\x1b\, region us-west-2, account 111122223333; 1 file (1 not used), 1 target`,
		`Pod pay\rIRSA000 pass/api\x1b[2J\x1b[H  (sa: s3\u202egnp.exe, mechanism: irsa)`,
		`  [FAIL] ServiceAccount  IRSA205 \x1b]52;c;cm0gLXJmIH4K\x07`,
		`  [FAIL] IAM role        arn:aws:iam::111122223333:role/r\u0085x (IRSA205)`,
		`    app\u0085  web-identity  role arn:aws:iam::111122223333:role/r\u0085x\rIRSA000 pass`,
		`    bundle b/role\x1b]52;c;cm0gLXJmIH4K\x07.json: {`,
		`        "sub": "x\x1b[2J\x1b[H"`,
		`    aws iam update-assume-role-policy --role-name 'r\x1b[2J\x1b[H'`,
		`    cat > 'r\u202egnp.exe.json' <<'IRSA_DOCTOR_EOF'`,
		`    {"a": "\x1b]52;c;cm0gLXJmIH4K\x07"}`,
		`Pod pay\rIRSA000 pass/api\x1b[2J\x1b[H  irsa       ✗   ✓        ✗     ?     ✓       IRSA205`,
		`  b/x\x1b[2J\x1b[H.json: line 1: bad \u0085`,
		`  aws iam:GetRole arn:aws:iam::111122223333:role/r\u0085x: AccessDenied\u202egnp.exe`,
		`no chain\rIRSA000`,
	} {
		if !strings.Contains(out, want+"\n") && !strings.Contains(out, want) {
			t.Errorf("text report lacks %s\n%s", want, out)
		}
	}
}

// TestJSONEscapesC1AndFormatCharacters: encoding/json escapes the C0
// controls; the C1 controls, bidi overrides and U+2028/2029 are escaped
// too, and the document still decodes to the same values.
func TestJSONEscapesC1AndFormatCharacters(t *testing.T) {
	r := hostileResult()
	r.Findings[0].Message += "\u2028\u2029\U000E0041"
	out := render(t, r, Options{Format: FormatJSON})
	rawControl(t, string(out), false)
	for _, want := range []string{
		`"name": "app\u0085"`,
		`"serviceAccount": "s3\u202egnp.exe"`,
		`"cluster": "prod\u001b]8;;https://evil.example/\u001b\\here\u001b]8;;\u001b\\"`,
		`\u2028\u2029\udb40\udc41"`,
		`"path": "b/x\u001b[2J\u001b[H.json"`,
	} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("json lacks %s\n%s", want, out)
		}
	}
	var back finding.Result
	if err := json.Unmarshal(out, &back); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(r.Findings[0].Message, back.Findings[0].Message); diff != "" {
		t.Errorf("message does not decode back (-want +got):\n%s", diff)
	}
	if back.Targets[0].Containers[0].Name != "app\u0085" {
		t.Errorf("container name decodes as %q", back.Targets[0].Containers[0].Name)
	}
}

// TestEscapeNonASCIIControlsEveryOffset: the eight-bytes-at-a-time skip of
// ASCII (asciiEnd) finds an unsafe character, and passes a safe one,
// wherever it falls in or after a word.
func TestEscapeNonASCIIControlsEveryOffset(t *testing.T) {
	for n := 0; n < 20; n++ {
		for k := 0; k <= n; k++ {
			pad := strings.Repeat("a", n)
			in := pad[:k] + "\u0085" + pad[k:] + "é"
			want := pad[:k] + `\u0085` + pad[k:] + "é"
			if got := string(escapeNonASCIIControls([]byte(in))); got != want {
				t.Errorf("n=%d k=%d: %q, want %q", n, k, got, want)
			}
			if got := asciiEnd([]byte(pad), k); got != n {
				t.Errorf("asciiEnd(%d a's, %d) = %d", n, k, got)
			}
		}
	}
}
