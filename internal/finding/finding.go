package finding

import (
	"fmt"
	"sort"
	"strings"
)

// SchemaVersion is the version of the JSON document (docs/contract.md).
const SchemaVersion = 1

// Severity is how bad a failing finding is.
type Severity string

const (
	SeverityError   Severity = "error"
	SeverityWarning Severity = "warning"
	SeverityInfo    Severity = "info"
)

// Rank orders severities: error 3, warning 2, info 1, anything else 0.
func (s Severity) Rank() int {
	switch s {
	case SeverityError:
		return 3
	case SeverityWarning:
		return 2
	case SeverityInfo:
		return 1
	}
	return 0
}

// Severities lists the severities, worst first.
var Severities = []Severity{SeverityError, SeverityWarning, SeverityInfo}

// ParseSeverity accepts one of Severities.
func ParseSeverity(s string) (Severity, error) {
	for _, sev := range Severities {
		if Severity(s) == sev {
			return sev, nil
		}
	}
	return "", fmt.Errorf("unknown severity %q (want error, warning or info)", s)
}

// Status is the outcome of one check for one subject.
type Status string

const (
	StatusFail    Status = "fail"
	StatusSkipped Status = "skipped"
	StatusPass    Status = "pass"
	// StatusIgnored is a failure the user suppressed (--ignore,
	// --ignore-file, the irsa-doctor.io/ignore annotation): kept in the
	// document with the reason (Finding.Ignored), never counted for the
	// exit code.
	StatusIgnored Status = "ignored"
)

// Subject is what a finding is about.
type Subject struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
	Container string `json:"container"`
	ARN       string `json:"arn"`
}

// String renders kind/namespace/name[container], for text output and sorting.
func (s Subject) String() string {
	var b strings.Builder
	b.WriteString(s.Kind)
	if s.Namespace != "" {
		b.WriteString(" " + s.Namespace + "/" + s.Name)
	} else if s.Name != "" {
		b.WriteString(" " + s.Name)
	} else if s.ARN != "" {
		b.WriteString(" " + s.ARN)
	}
	if s.Container != "" {
		b.WriteString(" container " + s.Container)
	}
	return b.String()
}

func (s Subject) sortKey() string {
	return strings.Join([]string{s.Namespace, s.Kind, s.Name, s.Container, s.ARN}, "\x00")
}

// Evidence is one fact a finding compared, and where it came from.
type Evidence struct {
	Source string `json:"source"` // bundle, kube, aws, oidc
	Ref    string `json:"ref"`    // the file or API object
	Value  string `json:"value"`
}

// File is a file a fix writes (a corrected policy, a manifest).
type File struct {
	Name    string `json:"name"`
	Content string `json:"content"`
}

// Fix is what to paste: files to write, and commands. Commands[i] is the
// line of fix.sh that runs (or, commented out, offers) the command whose
// argv is Argv[i]; Steps holds the same commands with why a commented one
// must not run as it stands. Add commands with AddStep.
type Fix struct {
	Commands []string   `json:"commands"`
	Argv     [][]string `json:"argv"`
	Files    []File     `json:"files"`
	Steps    []Step     `json:"-"`
	// Refused says why a command could not be offered: a value from the
	// input that the API would reject, and that no command may carry.
	Refused []string `json:"-"`
}

// Empty reports a fix with nothing in it.
func (f *Fix) Empty() bool { return f == nil || (len(f.Commands) == 0 && len(f.Files) == 0) }

// Finding is the outcome of one check for one subject.
type Finding struct {
	CheckID     string     `json:"checkId"`
	Slug        string     `json:"slug"`
	Title       string     `json:"title"`
	Severity    Severity   `json:"severity"`
	Status      Status     `json:"status"`
	Subject     Subject    `json:"subject"`
	Message     string     `json:"message"`
	Evidence    []Evidence `json:"evidence"`
	Remediation string     `json:"remediation"`
	Fix         *Fix       `json:"fix"`
	// Affects lists the targets a finding the engine merged concerns (a
	// ServiceAccount's finding, a workload's template shared by its pods);
	// the evidence names the same targets in words.
	Affects []Ref `json:"affects,omitempty"`
	// Ignored says who suppressed a finding whose status is ignored.
	Ignored *Ignored `json:"ignored,omitempty"`
}

// Ref names a Kubernetes object.
type Ref struct {
	Kind      string `json:"kind"`
	Namespace string `json:"namespace"`
	Name      string `json:"name"`
}

// Ignored is why a finding is suppressed.
type Ignored struct {
	Reason string `json:"reason"`
	// Source is where the suppression was given: "--ignore", the ignore
	// file's path and line, or "annotation on KIND NS/NAME".
	Source string `json:"source"`
	// Expires is the ignore file entry's expiry date (YYYY-MM-DD), if any.
	Expires string `json:"expires,omitempty"`
}

// Link statuses.
const (
	LinkPass    = "pass"
	LinkFail    = "fail"
	LinkUnknown = "unknown"
)

// The links of the IRSA chain, in order.
const (
	LinkServiceAccount = "service-account"
	LinkWebhook        = "webhook"
	LinkIAMRole        = "iam-role"
	LinkOIDCProvider   = "oidc-provider"
	LinkIssuer         = "issuer"
)

// Links lists the chain's links in order.
var Links = []string{LinkServiceAccount, LinkWebhook, LinkIAMRole, LinkOIDCProvider, LinkIssuer}

// Link is one link of a target's chain.
type Link struct {
	Link   string `json:"link"`
	Status string `json:"status"`
	// Detail says why, in a few words (the failing check, or what was not
	// known); not in the contract's example, added for the text report.
	Detail string `json:"detail,omitempty"`
}

// Container is what a container of a target will use for credentials.
type Container struct {
	Name             string `json:"name"`
	CredentialSource string `json:"credentialSource"`
	Reason           string `json:"reason"`
	// Permissions answer, for a container whose credentials are an IAM
	// role the input knows, each question asked with --can and each
	// AccessDenied seen for that role (docs/contract.md: an addition to
	// schemaVersion 1); absent when there is none.
	Permissions []Permission `json:"permissions,omitempty"`
}

// Permission decisions (policy.Decision's values).
const (
	DecisionAllow        = "allow"
	DecisionImplicitDeny = "implicit-deny"
	DecisionExplicitDeny = "explicit-deny"
	DecisionUnknown      = "unknown"
)

// Permission is the answer to "may this container's role do ACTION on
// RESOURCE?" from the role's identity policies and permissions boundary.
type Permission struct {
	Action string `json:"action"`
	// Resource is "" when the question names none.
	Resource string `json:"resource"`
	// Decision is allow, implicit-deny, explicit-deny or unknown (the
	// input lacks the role's policies, or a condition decides).
	Decision string `json:"decision"`
	// Statements are the statements that decided (see
	// policy.PermissionResult), never null.
	Statements []StatementRef `json:"statements"`
	Reason     string         `json:"reason"`
	// Asked is "can" for a --can question, else the source of the
	// AccessDenied it answers (log, file, cloudtrail).
	Asked string `json:"asked,omitempty"`
	// CheckID is the check that fails for it (IRSA601, IRSA602, IRSA603),
	// "" when none does.
	CheckID string `json:"checkId,omitempty"`
	// Role is the ARN of the role that was judged.
	Role string `json:"role,omitempty"`
	// Simulated is IAM's policy simulator's decision for the same
	// question (scan --simulate): allow, implicit-deny, explicit-deny or
	// unknown; omitted when it was not asked (IRSA605 compares the two).
	Simulated string `json:"simulated,omitempty"`
}

// StatementRef names one statement of a policy: its policy (an ARN, or
// "inline:NAME"), its Sid ("" when it has none) and its 0-based index.
type StatementRef struct {
	Policy string `json:"policy"`
	Sid    string `json:"sid"`
	Index  int    `json:"index"`
}

// Target is one diagnosed object and its chain.
type Target struct {
	Kind           string `json:"kind"`
	Namespace      string `json:"namespace"`
	Name           string `json:"name"`
	ServiceAccount string `json:"serviceAccount"`
	Mechanism      string `json:"mechanism"` // irsa | pod-identity | none
	RoleARN        string `json:"roleArn,omitempty"`
	// Owner is the workload a pod belongs to: its top-level controller
	// when the input holds it, else what its controller reference names
	// (a ReplicaSet with the pod-template-hash of a Deployment names the
	// Deployment, as kubectl does).
	Owner *Ref `json:"owner,omitempty"`
	// Images are the images of the target's containers, in spec order,
	// each once.
	Images     []string    `json:"images,omitempty"`
	Links      []Link      `json:"links"`
	Containers []Container `json:"containers"`
	// Incomplete is set on a target that a collection cut short left
	// undiagnosed (Summary.Incomplete): its links that are not known are
	// unknown because the facts were not collected.
	Incomplete string `json:"incomplete,omitempty"`
	// Symptoms are the errors seen in the target's logs or in error texts
	// pasted beside it (an addition to schemaVersion 1, docs/json.md).
	// Timestamps live here only, never in findings.
	Symptoms []Symptom `json:"symptoms,omitempty"`
}

// Symptom is one error signature seen for a target, counted per container.
type Symptom struct {
	// Source is "log" (kubectl logs output), "file" (a pasted error text)
	// or "cloudtrail" (a failed AssumeRoleWithWebIdentity event of
	// `aws cloudtrail lookup-events` or `scan --cloudtrail`).
	Source    string `json:"source"`
	Container string `json:"container"`
	// Signature is the catalogue's ID (irsa-doctor explain "TEXT" prints
	// it), Title what the error says.
	Signature string `json:"signature"`
	Title     string `json:"title"`
	Count     int    `json:"count"`
	// First and Last are RFC 3339 times, "" when the lines carry none.
	First  string `json:"first"`
	Last   string `json:"last"`
	Sample string `json:"sample"`
	// ExplainedBy lists the failing checks, among the signature's
	// candidates, that explain it; empty when none does (IRSA501).
	ExplainedBy []string `json:"explainedBy"`
}

// Tool names the program.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// InputFile is one input file and what it was recognised as.
type InputFile struct {
	Path         string `json:"path"`
	RecognisedAs string `json:"recognisedAs"`
	Error        string `json:"error"`
	// Lines is the file's line count (an addition to docs/contract.md's
	// document; absent when the file was not read): -o sarif points at
	// the whole file with it.
	Lines int `json:"lines,omitzero"`
}

// Input describes what was analysed.
type Input struct {
	Mode      string `json:"mode"`
	Cluster   string `json:"cluster"`
	Region    string `json:"region"`
	AccountID string `json:"accountId"`
	// Context is the kubeconfig context of one cluster of a multi-cluster
	// scan (an addition; absent from a one-cluster document, which stays
	// as it was).
	Context string      `json:"context,omitempty"`
	Files   []InputFile `json:"files"`
}

// Gap is a fact that could not be collected.
type Gap struct {
	Source    string `json:"source"`
	Operation string `json:"operation"`
	Resource  string `json:"resource"`
	Reason    string `json:"reason"`
}

// Summary counts the findings.
type Summary struct {
	Targets    int            `json:"targets"`
	Fail       int            `json:"fail"`
	Skipped    int            `json:"skipped"`
	Pass       int            `json:"pass"`
	Ignored    int            `json:"ignored"`
	BySeverity map[string]int `json:"bySeverity"`
	// Incomplete says why a live collection stopped before it read every
	// fact ("incomplete: timed out after 5m"); the gaps list what is
	// missing, and the targets it left undiagnosed say so.
	Incomplete string `json:"incomplete,omitempty"`
}

// Result is the whole document of docs/contract.md.
type Result struct {
	SchemaVersion int       `json:"schemaVersion"`
	Tool          Tool      `json:"tool"`
	Input         Input     `json:"input"`
	Targets       []Target  `json:"targets"`
	Findings      []Finding `json:"findings"`
	Gaps          []Gap     `json:"gaps"`
	Summary       Summary   `json:"summary"`
}

// Sort orders findings by severity (worst first), checkId, subject, and
// status (fail, skipped, pass), as docs/contract.md says.
//
// Each subject's key is made once, not in every comparison: a sort makes
// n log n comparisons, and 10,000 findings (one per Pod Identity
// association) made their keys about 280,000 times.
func Sort(fs []Finding) {
	statusRank := map[Status]int{StatusFail: 0, StatusIgnored: 1, StatusSkipped: 2, StatusPass: 3}
	keys := make([]string, len(fs))
	order := make([]int, len(fs))
	for i := range fs {
		keys[i], order[i] = fs[i].Subject.sortKey(), i
	}
	sort.SliceStable(order, func(x, y int) bool {
		i, j := order[x], order[y]
		a, b := &fs[i], &fs[j]
		if a.Severity.Rank() != b.Severity.Rank() {
			return a.Severity.Rank() > b.Severity.Rank()
		}
		if a.CheckID != b.CheckID {
			return a.CheckID < b.CheckID
		}
		if keys[i] != keys[j] {
			return keys[i] < keys[j]
		}
		if statusRank[a.Status] != statusRank[b.Status] {
			return statusRank[a.Status] < statusRank[b.Status]
		}
		return a.Message < b.Message
	})
	sorted := make([]Finding, len(fs))
	for k, i := range order {
		sorted[k] = fs[i]
	}
	copy(fs, sorted)
}

// Summarise fills r.Summary from r.Findings and r.Targets.
func (r *Result) Summarise() {
	s := Summary{Targets: len(r.Targets), BySeverity: map[string]int{"error": 0, "warning": 0, "info": 0}}
	for _, f := range r.Findings {
		switch f.Status {
		case StatusFail:
			s.Fail++
			s.BySeverity[string(f.Severity)]++
		case StatusSkipped:
			s.Skipped++
		case StatusPass:
			s.Pass++
		case StatusIgnored:
			s.Ignored++
		}
	}
	r.Summary = s
}

// FailsAtOrAbove reports whether a fail at or above min exists. min "" (none)
// never fails.
func (r *Result) FailsAtOrAbove(min Severity) bool {
	if min == "" {
		return false
	}
	for _, f := range r.Findings {
		if f.Status == StatusFail && f.Severity.Rank() >= min.Rank() {
			return true
		}
	}
	return false
}
