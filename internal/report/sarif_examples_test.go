package report_test

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/irsa-doctor/irsa-doctor/internal/cli"
	"github.com/irsa-doctor/irsa-doctor/internal/report"
)

// The SARIF of every bundled example, as `irsa-doctor analyze examples/NAME
// -o sarif` writes it from the repository's root (bundle paths relative to
// it, as in CI), checked against the SARIF 2.1.0 JSON schema and by
// Microsoft's SARIF validator. An external test package: it runs the CLI,
// which imports report.

// multitoolEnv names the Sarif.Multitool executable of the npm package
// @microsoft/sarif-multitool (make test-tools installs it; the Makefile
// exports this variable).
const multitoolEnv = "IRSA_DOCTOR_SARIF_MULTITOOL"

// exampleSARIF runs analyze -o sarif on every example, from the
// repository's root; it returns the logs by example name.
func exampleSARIF(t *testing.T) map[string][]byte {
	t.Helper()
	t.Chdir("../..")
	dirs, err := os.ReadDir("examples")
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, d := range dirs {
		if !d.IsDir() {
			continue
		}
		var stdout, stderr bytes.Buffer
		code := cli.Main([]string{"analyze", "examples/" + d.Name(), "-o", "sarif"}, cli.Deps{
			In: strings.NewReader(""), Out: &stdout, ErrOut: &stderr,
			Getenv:  func(string) string { return "" },
			Now:     func() time.Time { return time.Date(2026, 11, 26, 12, 0, 0, 0, time.UTC) },
			Version: "v0.0.0-test",
		})
		if code > 1 || stderr.Len() != 0 {
			t.Fatalf("analyze examples/%s -o sarif: exit %d, stderr %q", d.Name(), code, stderr.String())
		}
		out[d.Name()] = stdout.Bytes()
	}
	if len(out) == 0 {
		t.Fatal("no examples")
	}
	return out
}

// allSARIF is every log the validators check: the examples, `checks -o
// sarif` and the unit tests' fixtures (ignored findings, hostile text;
// gaps, an unreadable file and a collection cut short; several clusters).
func allSARIF(t *testing.T) map[string][]byte {
	t.Helper()
	logs := exampleSARIF(t)
	var stdout bytes.Buffer
	if code := cli.Main([]string{"checks", "-o", "sarif"}, cli.Deps{In: strings.NewReader(""), Out: &stdout, ErrOut: &stdout,
		Getenv: func(string) string { return "" }, Version: "v0.0.0-test"}); code != 0 {
		t.Fatalf("checks -o sarif: exit %d: %s", code, stdout.String())
	}
	logs["checks"] = stdout.Bytes()
	var fixture bytes.Buffer
	if err := report.Write(&fixture, report.SARIFFixture(), report.Options{Format: report.FormatSARIF, Rules: report.SARIFRules()}); err != nil {
		t.Fatal(err)
	}
	logs["fixture"] = fixture.Bytes()
	var gaps bytes.Buffer
	r := report.GapsResult()
	r.Summary.Incomplete = "incomplete: timed out after 5m"
	if err := report.Write(&gaps, r, report.Options{Format: report.FormatSARIF}); err != nil {
		t.Fatal(err)
	}
	logs["gaps"] = gaps.Bytes()
	// Several clusters: one run each (scan --context A --context B).
	var clusters bytes.Buffer
	if err := report.WriteClusters(&clusters, report.SARIFClustersFixture(), report.Options{Format: report.FormatSARIF, Rules: report.SARIFRules()}); err != nil {
		t.Fatal(err)
	}
	logs["clusters"] = clusters.Bytes()
	return logs
}

func TestSARIFExamplesGolden(t *testing.T) {
	logs := exampleSARIF(t)
	for _, name := range []string{"trust-subject-mismatch", "healthy"} {
		path := filepath.Join("internal", "report", "testdata", "example-"+name+".sarif")
		if os.Getenv("UPDATE_GOLDEN") != "" {
			if err := os.WriteFile(path, logs[name], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(path)
		if err != nil {
			t.Fatalf("read golden (refresh with UPDATE_GOLDEN=1 go test ./internal/report/): %v", err)
		}
		if d := cmp.Diff(string(want), string(logs[name])); d != "" {
			t.Errorf("%s differs (-want +got); refresh with UPDATE_GOLDEN=1 if intended:\n%s", path, d)
		}
	}
}

// multitool is the validator's path, or "" after t.Skip. CI must run
// it: there a missing validator fails the test.
func multitool(t *testing.T) string {
	t.Helper()
	path := os.Getenv(multitoolEnv)
	if path != "" {
		if _, err := os.Stat(path); err == nil {
			return path
		}
	}
	msg := multitoolEnv + "=" + path + ": no SARIF validator; install it with `make test-tools` (npm install @microsoft/sarif-multitool into ~/.cache/irsa-doctor/npm) and run the tests through make, or set " + multitoolEnv + " to its Sarif.Multitool"
	if os.Getenv("CI") != "" {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// schemaFile is the SARIF 2.1.0 JSON schema: the copy the validator's npm
// package ships when it is installed, else the one vendored from that
// package into testdata (MIT, see testdata/README.md).
func schemaFile(t *testing.T) string {
	t.Helper()
	if p := os.Getenv(multitoolEnv); p != "" {
		s := filepath.Join(filepath.Dir(p), "sarif-2.1.0.json")
		if _, err := os.Stat(s); err == nil {
			return s
		}
	}
	return "testdata/sarif-2.1.0.json"
}

func TestSARIFSchema(t *testing.T) {
	schemaPath, err := filepath.Abs(schemaFile(t))
	if err != nil {
		t.Fatal(err)
	}
	logs := allSARIF(t) // changes directory
	f, err := os.Open(schemaPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatalf("%s: %v", schemaPath, err)
	}
	c := jsonschema.NewCompiler()
	// format: uri and uri-reference are assertions here (helpUri,
	// artifactLocation.uri), not annotations.
	c.AssertFormat()
	if err := c.AddResource("sarif-2.1.0.json", doc); err != nil {
		t.Fatal(err)
	}
	schema, err := c.Compile("sarif-2.1.0.json")
	if err != nil {
		t.Fatalf("compile %s: %v", schemaPath, err)
	}
	for name, data := range logs {
		inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Errorf("%s: not JSON: %v", name, err)
			continue
		}
		if err := schema.Validate(inst); err != nil {
			t.Errorf("%s: not valid against the SARIF 2.1.0 schema: %v", name, err)
		}
	}
	// The schema is strict enough to catch a mistake: an unknown
	// property of a result.
	bad, _ := jsonschema.UnmarshalJSON(strings.NewReader(`{"version": "2.1.0", "runs": [{"tool": {"driver": {"name": "x"}}, "results": [{"message": {"text": "m"}, "severity": "error"}]}]}`))
	if schema.Validate(bad) == nil {
		t.Error("the schema accepts a result with an unknown property")
	}
}

// TestSARIFMultitool runs `Sarif.Multitool validate` once over every log
// and fails on any result of level error or warning in its output. Its
// exit status proves nothing (it is 0 even for truncated JSON), so a
// truncated log is validated beside them and must be reported.
func TestSARIFMultitool(t *testing.T) {
	tool := multitool(t)
	logs := allSARIF(t)
	dir := t.TempDir()
	var files []string
	for name, data := range logs {
		p := filepath.Join(dir, name+".sarif")
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
		files = append(files, p)
	}
	truncated := filepath.Join(dir, "truncated.sarif")
	if err := os.WriteFile(truncated, logs["trust-subject-mismatch"][:200], 0o644); err != nil {
		t.Fatal(err)
	}
	files = append(files, truncated)
	outPath := filepath.Join(dir, "validation", "out.sarif")
	if err := os.MkdirAll(filepath.Dir(outPath), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(tool, append(append([]string{"validate"}, files...), "-o", outPath)...)
	// A .NET single-file app extracts itself under HOME by default: keep
	// that out of the user's home (and away from a read-only one). The
	// invariant culture spares the validator libicu, which it does not
	// need to read JSON.
	cmd.Env = append(os.Environ(), "DOTNET_CLI_TELEMETRY_OPTOUT=1", "DOTNET_BUNDLE_EXTRACT_BASE_DIR="+filepath.Join(dir, "dotnet"),
		"DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1")
	console, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("%s validate: %v\n%s", tool, err, console)
	}
	data, err := os.ReadFile(outPath)
	if err != nil {
		t.Fatalf("the validator wrote no log: %v\n%s", err, console)
	}
	var out struct {
		Runs []struct {
			Tool struct {
				Driver struct {
					Rules []struct {
						ID                   string `json:"id"`
						DefaultConfiguration struct {
							Level string `json:"level"`
						} `json:"defaultConfiguration"`
					} `json:"rules"`
				} `json:"driver"`
			} `json:"tool"`
			Results []struct {
				RuleID    string `json:"ruleId"`
				RuleIndex *int   `json:"ruleIndex"`
				Level     string `json:"level"`
				Message   struct {
					Text      string   `json:"text"`
					ID        string   `json:"id"`
					Arguments []string `json:"arguments"`
				} `json:"message"`
				Locations []struct {
					PhysicalLocation struct {
						ArtifactLocation struct {
							URI string `json:"uri"`
						} `json:"artifactLocation"`
					} `json:"physicalLocation"`
				} `json:"locations"`
			} `json:"results"`
			Invocations []struct {
				ExecutionSuccessful bool `json:"executionSuccessful"`
			} `json:"invocations"`
		} `json:"runs"`
	}
	if err := json.Unmarshal(data, &out); err != nil || len(out.Runs) != 1 {
		t.Fatalf("the validator's log does not decode (%v):\n%s", err, data)
	}
	run := out.Runs[0]
	if len(run.Invocations) != 1 || !run.Invocations[0].ExecutionSuccessful {
		t.Errorf("the validator did not run successfully:\n%s", console)
	}
	truncatedCaught := false
	for _, r := range run.Results {
		// A result without a level has its rule's default level, and
		// SARIF's default is warning (§3.27.10).
		level := r.Level
		if level == "" && r.RuleIndex != nil && *r.RuleIndex < len(run.Tool.Driver.Rules) {
			level = run.Tool.Driver.Rules[*r.RuleIndex].DefaultConfiguration.Level
		}
		if level == "" {
			level = "warning"
		}
		if level != "error" && level != "warning" {
			continue
		}
		file := ""
		if len(r.Locations) > 0 {
			file = r.Locations[0].PhysicalLocation.ArtifactLocation.URI
		}
		if strings.HasSuffix(file, "truncated.sarif") {
			truncatedCaught = true
			continue
		}
		t.Errorf("%s: %s %s: %s %s %q", file, level, r.RuleID, r.Message.Text, r.Message.ID, r.Message.Arguments)
	}
	if !truncatedCaught {
		t.Errorf("the validator reported nothing on a truncated log: it did not validate\n%s", console)
	}
	if t.Failed() {
		t.Logf("validator console:\n%s", console)
	}
}
