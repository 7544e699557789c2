package report

import (
	"bytes"
	"encoding/json"
	"regexp"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// fleet is a multi-cluster report: a cluster with failures, a healthy
// one, and one whose API server did not answer.
func fleet() []Cluster {
	a, b := multiFailureResult(), healthyResult()
	a.Input.Context, b.Input.Context = "prod-eu", "staging"
	gone := result("live", nil, nil, nil, []finding.Gap{{Source: "live", Operation: "collect", Resource: "context dr",
		Reason: `get version: dial tcp 10.1.2.3:443: connect: connection refused`}})
	gone.Input.Context, gone.Input.Cluster, gone.Input.Region = "dr", "dr", "eu-central-1"
	gone.Summary.Incomplete = "incomplete: the cluster could not be scanned"
	return []Cluster{{Name: "prod-eu", Result: a}, {Name: "staging", Result: b},
		{Name: "dr", Result: gone, NotScanned: gone.Gaps[0].Reason}}
}

func renderClusters(t *testing.T, cs []Cluster, opts Options) []byte {
	t.Helper()
	var b bytes.Buffer
	if err := WriteClusters(&b, cs, opts); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestClustersJSON: the wrapper holds each cluster's document exactly as
// the one-cluster report writes it, and YAML is the same document.
func TestClustersJSON(t *testing.T) {
	cs := fleet()
	got := renderClusters(t, cs, Options{Format: FormatJSON})
	if !strings.HasPrefix(string(got), "{\n  \"schemaVersion\": 1,\n  \"clusters\": [\n    {\n      \"schemaVersion\": 1,\n") || !strings.HasSuffix(string(got), "\n    }\n  ]\n}\n") {
		t.Errorf("not the wrapper, indented as the documents are:\n%s", got)
	}
	var doc struct {
		SchemaVersion int               `json:"schemaVersion"`
		Clusters      []json.RawMessage `json:"clusters"`
	}
	if err := json.Unmarshal(got, &doc); err != nil {
		t.Fatalf("%v\n%s", err, got)
	}
	if doc.SchemaVersion != 1 || len(doc.Clusters) != len(cs) {
		t.Fatalf("schemaVersion %d, %d clusters", doc.SchemaVersion, len(doc.Clusters))
	}
	for i, c := range cs {
		var one bytes.Buffer
		if err := Write(&one, c.Result, Options{Format: FormatJSON}); err != nil {
			t.Fatal(err)
		}
		var want, have bytes.Buffer
		_ = json.Compact(&want, one.Bytes())
		_ = json.Compact(&have, doc.Clusters[i])
		if diff := cmp.Diff(want.String(), have.String()); diff != "" {
			t.Errorf("clusters[%d] is not its one-cluster document (-want +got):\n%s", i, diff)
		}
	}
	if !strings.Contains(string(got), "\n        \"context\": \"prod-eu\",\n") {
		t.Errorf("input.context missing:\n%s", got)
	}
	yaml := renderClusters(t, cs, Options{Format: FormatYAML})
	want, err := JSONToYAML(got)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(string(want), string(yaml)); diff != "" || !strings.HasPrefix(string(yaml), "schemaVersion: 1\nclusters:\n- schemaVersion: 1\n") {
		t.Errorf("YAML is not the JSON document (-want +got):\n%s\n%s", diff, yaml)
	}
}

// TestClustersGolden: the text, wide and markdown reports of several
// clusters (an overview row per cluster, a section each whose tables
// carry the CLUSTER column).
func TestClustersGolden(t *testing.T) {
	for _, tc := range []struct {
		name string
		opts Options
	}{
		{"clusters.txt", Options{Format: FormatText}},
		{"clusters-wide.txt", Options{Format: FormatWide}},
		{"clusters.md", Options{Format: FormatMarkdown}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			golden(t, tc.name, renderClusters(t, fleet(), tc.opts))
		})
	}
}

// TestClustersSARIF: one run per cluster, each the one-cluster log's run
// plus its automationDetails.id and properties.context.
func TestClustersSARIF(t *testing.T) {
	cs := fleet()
	var log sarifLog
	if err := json.Unmarshal(renderClusters(t, cs, Options{Format: FormatSARIF}), &log); err != nil {
		t.Fatal(err)
	}
	if len(log.Runs) != len(cs) || log.Version != sarifVersion {
		t.Fatalf("%d runs, version %s; want %d, %s", len(log.Runs), log.Version, len(cs), sarifVersion)
	}
	for i, c := range cs {
		run := log.Runs[i]
		if run.AutomationDetails == nil || run.AutomationDetails.ID != "irsa-doctor/"+c.Name+"/" || run.Properties == nil || run.Properties.Context != c.Name {
			t.Errorf("runs[%d]: automationDetails %+v, properties %+v; want the context %s", i, run.AutomationDetails, run.Properties, c.Name)
		}
		var one sarifLog
		var b bytes.Buffer
		if err := Write(&b, c.Result, Options{Format: FormatSARIF}); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(b.Bytes(), &one); err != nil {
			t.Fatal(err)
		}
		run.AutomationDetails, run.Properties.Context = nil, ""
		if diff := cmp.Diff(one.Runs[0], run); diff != "" {
			t.Errorf("runs[%d] differs from its one-cluster run (-want +got):\n%s", i, diff)
		}
	}
}

// TestClustersEscaped: a context's name is the kubeconfig's, untrusted:
// escaped in text and HTML, inert in Markdown.
func TestClustersEscaped(t *testing.T) {
	cs := fleet()[:1]
	cs[0].Name = "evil\x1b]52;c;aGk=\x07|*x*"
	text := renderClusters(t, cs, Options{Format: FormatText})
	if bytes.ContainsAny(text, "\x1b\x07") {
		t.Errorf("control characters reached the text report:\n%q", text)
	}
	html := renderClusters(t, cs, Options{Format: FormatHTML})
	if bytes.ContainsAny(html, "\x1b\x07") || !bytes.Contains(html, []byte(`<a href="#c1-cluster">evil\x1b]52;c;aGk=\x07|*x*</a>`)) {
		t.Errorf("the name is not escaped in HTML:\n%s", html)
	}
	md := renderClusters(t, cs, Options{Format: FormatMarkdown})
	if bytes.ContainsAny(md, "\x1b\x07") || bytes.Contains(md, []byte("|*x*")) {
		t.Errorf("the name is not escaped in Markdown:\n%s", md)
	}
}

// TestClustersHTML: one page, a row per cluster linking to its section;
// every id is unique and every in-page link lands on one.
func TestClustersHTML(t *testing.T) {
	page := renderClusters(t, fleet(), Options{Format: FormatHTML})
	golden(t, "clusters.html", page)
	ids := map[string]int{}
	for _, m := range regexp.MustCompile(` id="([^"]+)"`).FindAllStringSubmatch(string(page), -1) {
		ids[m[1]]++
	}
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q appears %d times", id, n)
		}
	}
	links := regexp.MustCompile(` href="#([^"]+)"`).FindAllStringSubmatch(string(page), -1)
	if len(links) < 4 {
		t.Errorf("%d in-page links, want the three clusters' and the failing target's", len(links))
	}
	for _, m := range links {
		if ids[m[1]] != 1 {
			t.Errorf("link #%s lands on no element", m[1])
		}
	}
	for _, want := range []string{`<a href="#c1-cluster">prod-eu</a>`, `<section class="cluster" id="c3-cluster">`, `id="filter-namespace"`,
		`<td>not scanned: get version: dial tcp 10.1.2.3:443: connect: connection refused</td>`} {
		if !strings.Contains(string(page), want) {
			t.Errorf("page lacks %s", want)
		}
	}
}
