package report

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"net/url"
	"path"
	"regexp"
	"strconv"
	"strings"

	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// -o sarif: a SARIF 2.1.0 log (https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html)
// for code-scanning UIs and CI. One run; one rule per check of the
// registry; one result per root cause (Groups), failing or ignored.
//
// Own encoder rather than github.com/owenrumney/go-sarif: the log uses a
// dozen SARIF objects, the typed structs below are the whole of it, and the
// output must be byte-stable for golden files and keep the JSON report's
// handling of untrusted strings (invalid UTF-8, C1 and bidi characters),
// which a library's encoder would not. go-sarif would also bring its JSON
// schema and test libraries into go.mod. The output is checked against the
// SARIF 2.1.0 JSON schema and Microsoft's SARIF validator
// (@microsoft/sarif-multitool) in sarif_examples_test.go, which CI runs.

// FormatSARIF is declared in report.go with the other formats.

// Rule is a check as SARIF describes it. report must not import
// internal/check (doc.go: it imports only finding and termsafe), so the
// CLI fills Options.Rules from the registry (check.All). A finding whose
// check is not among them gets a rule built from the finding itself (ID,
// slug, title, severity), so the log stays valid without the registry.
type Rule struct {
	ID       string           // IRSA205
	Slug     string           // trust-subject-mismatch
	Title    string           // one line
	Severity finding.Severity // the check's default
	// Description is why the failure breaks IRSA (the first section of
	// docs/checks/IRSAnnn.md); Help is the check's whole documentation as
	// Markdown, what `irsa-doctor explain` prints.
	Description string
	Help        string
}

const (
	sarifSchema  = "https://json.schemastore.org/sarif-2.1.0.json"
	sarifVersion = "2.1.0"
	projectURI   = "https://github.com/irsa-doctor/irsa-doctor"
	// srcRoot is the uriBaseId of bundle files. Bundle paths are relative
	// to the directory irsa-doctor ran in (internal/bundle refBase); in CI
	// that is the checkout, which is what GitHub code scanning resolves
	// %SRCROOT% against. Its absolute path is not written: renderers read
	// no environment, and golden files and uploads stay machine-independent.
	srcRoot = "%SRCROOT%"
	// fingerprintKey names the partialFingerprints entry; /v1 so that a
	// change of what is hashed can get a new key rather than silently
	// re-identify every alert.
	fingerprintKey = "irsaDoctorRootCause/v1"
	// maxRelated caps a result's related locations: GitHub code scanning
	// rejects a result with more than 1,000 locations and shows 100
	// (docs.github.com, "SARIF results exceed limit"). A Deployment of
	// 300 pods is one result; the message's Affects line and
	// properties.affects still name every pod.
	maxRelated = 100
)

type sarifLog struct {
	Schema  string     `json:"$schema"`
	Version string     `json:"version"`
	Runs    []sarifRun `json:"runs"`
}

type sarifRun struct {
	Tool               sarifTool                        `json:"tool"`
	Invocations        []sarifInvocation                `json:"invocations"`
	OriginalURIBaseIDs map[string]sarifArtifactLocation `json:"originalUriBaseIds,omitempty"`
	Results            []sarifResult                    `json:"results"`
	Properties         *sarifRunProperties              `json:"properties,omitempty"`
	// AutomationDetails tells the runs of a multi-cluster log apart
	// (SARIF 2.1.0 §3.17, runAutomationDetails); absent for one cluster.
	AutomationDetails *sarifAutomationDetails `json:"automationDetails,omitempty"`
}

type sarifAutomationDetails struct {
	ID string `json:"id"`
}

// sarifInvocation says what the run could not see: each gap (a fact that
// could not be collected, whose checks were skipped) and each input file
// that could not be read is a tool execution notification, so that a run
// with AccessDenied on iam:GetRole does not look clean in a code-scanning
// UI (unknown is an outcome, never a silent pass). The run itself
// succeeded: a report was written.
type sarifInvocation struct {
	ExecutionSuccessful        bool                `json:"executionSuccessful"`
	ToolExecutionNotifications []sarifNotification `json:"toolExecutionNotifications,omitempty"`
}

type sarifNotification struct {
	Level     string          `json:"level"`
	Message   sarifMessage    `json:"message"`
	Locations []sarifLocation `json:"locations,omitempty"`
}

type sarifRunProperties struct {
	Mode      string `json:"mode,omitempty"`
	Cluster   string `json:"cluster,omitempty"`
	Region    string `json:"region,omitempty"`
	AccountID string `json:"accountId,omitempty"`
	// Context is the kubeconfig context of a multi-cluster log's run.
	Context string `json:"context,omitempty"`
}

type sarifTool struct {
	Driver sarifDriver `json:"driver"`
}

type sarifDriver struct {
	Name           string      `json:"name"`
	Version        string      `json:"version,omitempty"`
	InformationURI string      `json:"informationUri"`
	Rules          []sarifRule `json:"rules"`
	// Properties keep the version as irsa-doctor prints it (tool.version
	// of the JSON report), which Version may have had to reshape.
	Properties *sarifDriverProperties `json:"properties,omitempty"`
}

type sarifDriverProperties struct {
	ToolVersion string `json:"toolVersion,omitempty"`
}

type sarifRule struct {
	ID                   string             `json:"id"`
	Name                 string             `json:"name,omitempty"`
	ShortDescription     *sarifMessage      `json:"shortDescription,omitempty"`
	FullDescription      *sarifMessage      `json:"fullDescription,omitempty"`
	Help                 *sarifMessage      `json:"help,omitempty"`
	HelpURI              string             `json:"helpUri,omitempty"`
	DefaultConfiguration sarifConfiguration `json:"defaultConfiguration"`
}

type sarifConfiguration struct {
	Level string `json:"level"`
}

// sarifMessage is SARIF's message and multiformatMessageString: text is
// required, markdown optional.
type sarifMessage struct {
	Text     string `json:"text"`
	Markdown string `json:"markdown,omitempty"`
}

type sarifResult struct {
	RuleID              string              `json:"ruleId"`
	RuleIndex           int                 `json:"ruleIndex"`
	Level               string              `json:"level"`
	Message             sarifMessage        `json:"message"`
	Locations           []sarifLocation     `json:"locations"`
	RelatedLocations    []sarifLocation     `json:"relatedLocations,omitempty"`
	PartialFingerprints map[string]string   `json:"partialFingerprints"`
	Suppressions        []sarifSuppression  `json:"suppressions,omitempty"`
	Properties          sarifResultProperty `json:"properties"`
}

// sarifResultProperty carries what SARIF has no field for. Fixes are not
// SARIF fixes (those are edits of the analysed files); fixScript is the
// finding's lines of fix.sh, quoted as fix.sh has them (`--fix-dir` writes
// fix.sh whole, with the helper functions its commands call).
type sarifResultProperty struct {
	Subject     finding.Subject    `json:"subject"`
	Affects     []finding.Ref      `json:"affects,omitempty"`
	Evidence    []finding.Evidence `json:"evidence,omitempty"`
	Remediation string             `json:"remediation,omitempty"`
	FixScript   []string           `json:"fixScript,omitempty"`
}

type sarifLocation struct {
	ID               *int                   `json:"id,omitempty"`
	PhysicalLocation *sarifPhysicalLocation `json:"physicalLocation,omitempty"`
	LogicalLocations []sarifLogicalLocation `json:"logicalLocations,omitempty"`
	Message          *sarifMessage          `json:"message,omitempty"`
}

// sarifPhysicalLocation is a bundle file. The bundle reader does not keep
// the line a fact came from, so the region is the whole file, lines 1 to
// the file's last (InputFile.Lines): the form SARIF validators ask for
// when a result concerns a whole artifact, and the start line GitHub code
// scanning needs to show an alert. A file whose line count is not known
// has no region.
type sarifPhysicalLocation struct {
	ArtifactLocation sarifArtifactLocation `json:"artifactLocation"`
	Region           *sarifRegion          `json:"region,omitempty"`
}

type sarifRegion struct {
	StartLine int `json:"startLine"`
	EndLine   int `json:"endLine"`
}

type sarifArtifactLocation struct {
	URI         string        `json:"uri,omitempty"`
	URIBaseID   string        `json:"uriBaseId,omitempty"`
	Description *sarifMessage `json:"description,omitempty"`
}

// sarifLogicalLocation names a Kubernetes or AWS object. Kind "resource"
// is SARIF's kind for a named resource that is not code (§3.33.7);
// fullyQualifiedName is NAMESPACE/KIND/NAME for a namespaced Kubernetes
// object, KIND/NAME for a cluster-scoped one, the ARN for an AWS one, with
// /container/NAME for a container.
type sarifLogicalLocation struct {
	Name               string `json:"name,omitempty"`
	FullyQualifiedName string `json:"fullyQualifiedName"`
	Kind               string `json:"kind"`
}

type sarifSuppression struct {
	Kind          string `json:"kind"`
	Status        string `json:"status"`
	Justification string `json:"justification,omitempty"`
}

// writeSARIF writes the log, two-space indented with a trailing newline,
// like the JSON report.
func writeSARIF(w io.Writer, r *finding.Result, opts Options) error {
	log := buildSARIF(r, opts.Rules)
	var buf bytes.Buffer
	err := json.MarshalWrite(&buf, log,
		jsontext.WithIndent("  "),
		json.Deterministic(true),
		// Messages and evidence quote input files verbatim; invalid UTF-8
		// there becomes U+FFFD rather than failing the whole log (SARIF is
		// UTF-8 JSON).
		jsontext.AllowInvalidUTF8(true),
	)
	if err != nil {
		return fmt.Errorf("encode sarif report: %w", err)
	}
	buf.WriteByte('\n')
	// As in the JSON report: terminal-active characters above ASCII are
	// written as \u escapes, so `cat report.sarif` is safe too.
	if _, err := w.Write(escapeNonASCIIControls(buf.Bytes())); err != nil {
		return fmt.Errorf("write sarif report: %w", err)
	}
	return nil
}

func buildSARIF(r *finding.Result, rules []Rule) *sarifLog {
	version := r.Tool.Version
	ref := docsRef(version)
	run := sarifRun{
		Tool: sarifTool{Driver: sarifDriver{
			Name:           "irsa-doctor",
			Version:        sarifToolVersion(version),
			InformationURI: projectURI,
			Rules:          []sarifRule{},
			Properties:     &sarifDriverProperties{ToolVersion: version},
		}},
		Results: []sarifResult{},
	}
	if r.Tool.Name != "" {
		run.Tool.Driver.Name = r.Tool.Name
	}
	if in := r.Input; in.Mode != "" || in.Cluster != "" || in.Region != "" || in.AccountID != "" {
		run.Properties = &sarifRunProperties{Mode: in.Mode, Cluster: in.Cluster, Region: in.Region, AccountID: in.AccountID}
	}

	index := map[string]int{}
	addRule := func(rl Rule) {
		if _, ok := index[rl.ID]; ok || rl.ID == "" {
			return
		}
		index[rl.ID] = len(run.Tool.Driver.Rules)
		run.Tool.Driver.Rules = append(run.Tool.Driver.Rules, sarifRuleOf(rl, ref))
	}
	for _, rl := range rules {
		addRule(rl)
	}

	owners := map[finding.Ref]finding.Ref{}
	for _, tg := range r.Targets {
		if tg.Kind == "Pod" && tg.Owner != nil {
			owners[finding.Ref{Kind: tg.Kind, Namespace: tg.Namespace, Name: tg.Name}] = *tg.Owner
		}
	}
	lines := map[string]int{}
	for _, in := range r.Input.Files {
		lines[in.Path] = in.Lines
	}
	usesBundle := false
	seenPrints := map[string]int{}
	keep := func(f finding.Finding) bool {
		return f.Status == finding.StatusFail || f.Status == finding.StatusIgnored
	}
	for _, g := range Groups(r, keep) {
		f := r.Findings[g.Findings[0]]
		addRule(Rule{ID: f.CheckID, Slug: f.Slug, Title: f.Title, Severity: f.Severity})
		res := sarifResult{
			RuleID:    f.CheckID,
			RuleIndex: index[f.CheckID],
			Level:     sarifLevel(f.Severity),
			Message:   sarifMessage{Text: f.Message},
			Properties: sarifResultProperty{
				Subject:     f.Subject,
				Affects:     g.Affected,
				Evidence:    f.Evidence,
				Remediation: f.Remediation,
				FixScript:   f.Fix.Script(),
			},
		}
		if a := Affects(r, g.Affected); a != "" {
			res.Message.Text += "\nAffects: " + a
		}

		// The primary location: the subject, and the first bundle file
		// the evidence came from. The other files and the affected
		// objects are related locations (GitHub shows one location per
		// alert; SARIF's logicalLocations of one location must all name
		// the same thing).
		files := evidenceFiles(r, g, lines)
		primary := sarifLocation{LogicalLocations: []sarifLogicalLocation{subjectLocation(f.Subject)}}
		if len(files) > 0 {
			primary.PhysicalLocation = files[0].physical()
		}
		res.Locations = []sarifLocation{primary}
		id := 0
		related := func(l sarifLocation) {
			l.ID = new(int)
			*l.ID = id
			id++
			res.RelatedLocations = append(res.RelatedLocations, l)
		}
		for _, ef := range files[min(1, len(files)):] {
			related(sarifLocation{
				PhysicalLocation: ef.physical(),
				Message:          &sarifMessage{Text: strings.Join(ef.values, "\n")},
			})
		}
		for _, a := range g.Affected {
			if id >= maxRelated {
				break
			}
			related(sarifLocation{
				LogicalLocations: []sarifLogicalLocation{refLocation(a)},
				Message:          &sarifMessage{Text: "affected: " + refString(a)},
			})
		}
		for _, ef := range files {
			if ef.loc.URIBaseID == srcRoot {
				usesBundle = true
			}
		}

		fp := fingerprint(f, owners)
		seenPrints[fp]++
		if n := seenPrints[fp]; n > 1 {
			// Two root causes on one object (rare: two messages for one
			// check and subject): keep the alerts apart, in engine order.
			fp += ":" + strconv.Itoa(n)
		}
		res.PartialFingerprints = map[string]string{fingerprintKey: fp}

		if f.Status == finding.StatusIgnored {
			res.Suppressions = []sarifSuppression{suppression(f.Ignored)}
		}
		run.Results = append(run.Results, res)
	}
	run.Invocations = []sarifInvocation{invocation(r)}
	if usesBundle {
		run.OriginalURIBaseIDs = map[string]sarifArtifactLocation{srcRoot: {
			Description: &sarifMessage{Text: "The directory irsa-doctor ran in: bundle file paths are relative to it."},
		}}
	}
	return &sarifLog{Schema: sarifSchema, Version: sarifVersion, Runs: []sarifRun{run}}
}

func invocation(r *finding.Result) sarifInvocation {
	inv := sarifInvocation{ExecutionSuccessful: true}
	if r.Summary.Incomplete != "" {
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "error", Message: sarifMessage{Text: r.Summary.Incomplete + ": targets not diagnosed are listed with the gaps"}})
	}
	for _, f := range r.Input.Files {
		if f.Error == "" {
			continue
		}
		n := sarifNotification{Level: "warning", Message: sarifMessage{Text: "input file not read in full: " + f.Error}}
		if loc, ok := bundleLocation(f.Path); ok {
			n.Locations = []sarifLocation{{PhysicalLocation: &sarifPhysicalLocation{ArtifactLocation: loc}}}
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, n)
	}
	for _, g := range r.Gaps {
		text := "not collected: " + strings.Join(nonEmpty(g.Source, g.Operation, g.Resource), " ")
		if g.Reason != "" {
			text += ": " + g.Reason
		}
		inv.ToolExecutionNotifications = append(inv.ToolExecutionNotifications, sarifNotification{
			Level: "warning", Message: sarifMessage{Text: text + " (the checks that need it are skipped)"}})
	}
	return inv
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func sarifRuleOf(rl Rule, ref string) sarifRule {
	out := sarifRule{
		ID:                   rl.ID,
		Name:                 rl.Slug,
		HelpURI:              projectURI + "/blob/" + ref + "/docs/checks/" + url.PathEscape(rl.ID) + ".md",
		DefaultConfiguration: sarifConfiguration{Level: sarifLevel(rl.Severity)},
	}
	if rl.Title != "" {
		out.ShortDescription = &sarifMessage{Text: rl.Title}
	}
	if rl.Description != "" {
		out.FullDescription = &sarifMessage{Text: rl.Description}
	}
	if rl.Help != "" {
		// Markdown reads well as plain text too; help.text is required
		// beside help.markdown.
		out.Help = &sarifMessage{Text: rl.Help, Markdown: rl.Help}
	}
	return out
}

// sarifLevel maps a severity to SARIF's level: info is SARIF's note.
func sarifLevel(s finding.Severity) string {
	switch s {
	case finding.SeverityError:
		return "error"
	case finding.SeverityInfo:
		return "note"
	}
	return "warning"
}

// releaseRE is a release tag; anything else (devel, a pre-release, a
// pseudo-version of a checkout) links the docs on main.
var releaseRE = regexp.MustCompile(`^v[0-9]+\.[0-9]+\.[0-9]+$`)

// sarifToolVersion is driver.version: SARIF consumers compare versions
// that start with an integer (the validator's SARIF2005 warns about any
// other), so Go's "v1.2.3" loses its v and a version that is not a number
// ("devel", what `go run` and test builds report) becomes the pre-release
// 0.0.0-devel. toolVersion keeps the original.
func sarifToolVersion(v string) string {
	v = strings.TrimPrefix(v, "v")
	if v != "" && v[0] >= '0' && v[0] <= '9' {
		return v
	}
	clean := strings.Trim(strings.Map(func(r rune) rune {
		if r == '.' || r == '-' || (r >= '0' && r <= '9') || (r >= 'a' && r <= 'z') || (r >= 'A' && r <= 'Z') {
			return r
		}
		return '-'
	}, v), "-.")
	if clean == "" {
		clean = "unknown"
	}
	return "0.0.0-" + clean
}

// docsRef is the git ref the rules' helpUri points into: the check's page
// at the tool's version when that is a release tag.
func docsRef(version string) string {
	if releaseRE.MatchString(version) {
		return version
	}
	return "main"
}

// evidenceFile is one bundle file a group's evidence came from, and the
// values read from it.
type evidenceFile struct {
	loc    sarifArtifactLocation
	lines  int
	values []string
}

func (ef evidenceFile) physical() *sarifPhysicalLocation {
	p := &sarifPhysicalLocation{ArtifactLocation: ef.loc}
	if ef.lines > 0 {
		p.Region = &sarifRegion{StartLine: 1, EndLine: ef.lines}
	}
	return p
}

// evidenceFiles lists the bundle files of a group's evidence, each once, in
// the order met: the first finding's, then the other findings' (the pods
// the group counts may come from other files).
func evidenceFiles(r *finding.Result, g Group, lines map[string]int) []evidenceFile {
	var out []evidenceFile
	at := map[string]int{}
	for _, i := range g.Findings {
		for _, e := range r.Findings[i].Evidence {
			if e.Source != "bundle" {
				continue
			}
			loc, ok := bundleLocation(e.Ref)
			if !ok {
				continue
			}
			k, ok := at[e.Ref]
			if !ok {
				k = len(out)
				at[e.Ref] = k
				out = append(out, evidenceFile{loc: loc, lines: lines[e.Ref]})
			}
			if i == g.Findings[0] {
				out[k].values = append(out[k].values, e.Value)
			}
		}
	}
	for k := range out {
		if len(out[k].values) == 0 {
			out[k].values = []string{"evidence of another finding of this group"}
		}
	}
	return out
}

// bundleLocation is the artifact location of a bundle file: relative
// paths under %SRCROOT%, absolute ones as file: URIs. Standard input ("-")
// has none.
func bundleLocation(ref string) (sarifArtifactLocation, bool) {
	if ref == "" || ref == "-" {
		return sarifArtifactLocation{}, false
	}
	if path.IsAbs(ref) {
		return sarifArtifactLocation{URI: (&url.URL{Scheme: "file", Path: ref}).String()}, true
	}
	// url.URL escapes what a URI cannot hold (spaces, %, #, ?, non-ASCII)
	// and writes ./ before a first segment with a colon, which would
	// otherwise read as a scheme.
	return sarifArtifactLocation{URI: (&url.URL{Path: ref}).String(), URIBaseID: srcRoot}, true
}

// subjectLocation names a finding's subject.
func subjectLocation(s finding.Subject) sarifLogicalLocation {
	var fqn, name string
	switch {
	case s.Namespace != "":
		fqn, name = s.Namespace+"/"+s.Kind+"/"+s.Name, s.Name
	case s.ARN != "":
		fqn, name = s.ARN, s.Name
	case s.Name != "":
		fqn, name = s.Kind+"/"+s.Name, s.Name
	default:
		fqn = s.Kind
	}
	if s.Container != "" {
		fqn, name = fqn+"/container/"+s.Container, s.Container
	}
	if name == "" {
		name = fqn
	}
	return sarifLogicalLocation{Name: name, FullyQualifiedName: fqn, Kind: "resource"}
}

func refLocation(r finding.Ref) sarifLogicalLocation {
	return subjectLocation(finding.Subject{Kind: r.Kind, Namespace: r.Namespace, Name: r.Name})
}

// fingerprint identifies a root cause across runs: the check and the
// object its fix changes. A pod's name changes with every rollout, so a
// pod is identified by its owner (or its namespace) and container.
// Messages are left out: they quote values (a policy's sub) that the fix
// changes.
func fingerprint(f finding.Finding, owners map[finding.Ref]finding.Ref) string {
	s := f.Subject
	object := []string{s.Kind, s.Namespace, s.Name, s.Container, s.ARN}
	if s.Kind == "Pod" {
		o, ok := owners[finding.Ref{Kind: s.Kind, Namespace: s.Namespace, Name: s.Name}]
		if !ok {
			o = finding.Ref{Kind: "Pod", Namespace: s.Namespace}
		}
		object = []string{"Pod of", o.Kind, o.Namespace, o.Name, s.Container}
	}
	sum := sha256.Sum256([]byte(strings.Join(append([]string{f.CheckID}, object...), "\x00")))
	return hex.EncodeToString(sum[:16])
}

// suppression is how an ignored finding is suppressed: an annotation on an
// object of the input is in the analysed files (inSource); --ignore and
// the ignore file are outside them (external).
func suppression(ig *finding.Ignored) sarifSuppression {
	s := sarifSuppression{Kind: "external", Status: "accepted"}
	if ig == nil {
		return s
	}
	if strings.HasPrefix(ig.Source, "annotation") {
		s.Kind = "inSource"
	}
	var why []string
	if ig.Reason != "" {
		why = append(why, ig.Reason)
	}
	if ig.Source != "" {
		why = append(why, "("+ig.Source+")")
	}
	if ig.Expires != "" {
		why = append(why, "until "+ig.Expires)
	}
	s.Justification = strings.Join(why, " ")
	return s
}
