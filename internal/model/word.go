package model

import (
	"fmt"
	"regexp"
	"strings"
	"unicode"

	"k8s.io/apimachinery/pkg/util/validation"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// Word is one word of a command a finding offers. A value from the input
// becomes a word only through the constructor of its kind, which checks it
// with the rule the API applies to it (the value would be refused there
// anyway): a command with a word that fails is not offered at all, and the
// finding says why. finding.Quote renders every word.
type Word struct {
	s   string
	bad string // why the value may not be in a command
}

// Lit is a word the tool writes itself: a program, a subcommand, a flag.
func Lit(s string) Word { return Word{s: s} }

// Lits is several Lit words.
func Lits(ss ...string) []Word {
	out := make([]Word, len(ss))
	for i, s := range ss {
		out[i] = Lit(s)
	}
	return out
}

func badWord(what, s, rule string) Word {
	return Word{s: s, bad: fmt.Sprintf("%s %q %s", what, s, rule)}
}

// Namespace is a Kubernetes namespace: a DNS-1123 label.
func Namespace(s string) Word {
	if len(validation.IsDNS1123Label(s)) > 0 {
		return badWord("namespace", s, "is not a valid Kubernetes namespace (a DNS-1123 label)")
	}
	return Word{s: s}
}

// ObjectName is the name of a Kubernetes object (a pod, a workload, a
// ServiceAccount): a DNS-1123 subdomain.
func ObjectName(what, s string) Word {
	if len(validation.IsDNS1123Subdomain(s)) > 0 {
		return badWord(what, s, "is not a valid Kubernetes object name (a DNS-1123 subdomain)")
	}
	return Word{s: s}
}

// KindName is KIND/NAME, as kubectl takes it, for a kind the tool knows.
func KindName(kind, name string) Word {
	w := ObjectName(kind, name)
	w.s = strings.ToLower(kind) + "/" + name
	return w
}

// iamName is IAM's pattern for role, policy and instance profile names.
var iamName = regexp.MustCompile(`^[\w+=,.@-]{1,64}$`)

// RoleName is an IAM role name ([\w+=,.@-]{1,64}, IAM API Reference,
// CreateRole).
func RoleName(s string) Word {
	if !iamName.MatchString(s) {
		return badWord("role name", s, "is not a valid IAM role name ([\\w+=,.@-], 1 to 64 characters)")
	}
	return Word{s: s}
}

// region is the shape of every AWS region name.
var region = regexp.MustCompile(`^[a-z0-9-]{1,32}$`)

// Region is an AWS region.
func Region(s string) Word {
	if !region.MatchString(s) {
		return badWord("region", s, "is not an AWS region name")
	}
	return Word{s: s}
}

// eksName is EKS's pattern for cluster names (CreateCluster).
var eksName = regexp.MustCompile(`^[0-9A-Za-z][A-Za-z0-9\-_]{0,99}$`)

// ClusterName is an EKS cluster name.
func ClusterName(s string) Word {
	if !eksName.MatchString(s) {
		return badWord("cluster name", s, "is not a valid EKS cluster name")
	}
	return Word{s: s}
}

// associationID is the shape of an EKS Pod Identity association ID.
var associationID = regexp.MustCompile(`^a-[0-9a-z]{1,64}$`)

// AssociationID is an EKS Pod Identity association ID.
func AssociationID(s string) Word {
	if !associationID.MatchString(s) {
		return badWord("association ID", s, "is not an EKS Pod Identity association ID")
	}
	return Word{s: s}
}

// ARN is an ARN that arn.Parse accepts.
func ARN(s string) Word {
	if _, err := arn.Parse(s); err != nil || hasControl(s) || strings.ContainsAny(s, " '\"\\`$") {
		return badWord("ARN", s, "is not a valid ARN")
	}
	return Word{s: s}
}

// issuerURL is the shape of an OIDC issuer URL IAM accepts (https, a host,
// a path; CreateOpenIDConnectProvider).
var issuerURL = regexp.MustCompile(`^https://[A-Za-z0-9.-]+(:[0-9]+)?(/[A-Za-z0-9._~/-]*)?$`)

// IssuerURL is an OIDC issuer URL.
func IssuerURL(s string) Word {
	if len(s) > 255 || !issuerURL.MatchString(s) {
		return badWord("issuer URL", s, "is not an https URL IAM accepts for an OIDC provider")
	}
	return Word{s: s}
}

// fileName is a plain file name the tool writes beside fix.sh.
var fileName = regexp.MustCompile(`^[A-Za-z0-9_.@+=,-]{1,128}$`)

// FileURL is file://NAME for a file the fix writes beside fix.sh.
func FileURL(name string) Word {
	if !fileName.MatchString(name) || name == "." || name == ".." {
		return badWord("file name", name, "is not a plain file name")
	}
	return Word{s: "file://" + name}
}

// Value is free text from the input that a command passes as one argument
// (an annotation value, a JSON patch, a client ID): quoting makes it one
// word, so only control characters, which no API takes, are refused.
func Value(what, s string) Word {
	if hasControl(s) || len(s) > 64<<10 {
		return badWord(what, s, "holds control characters")
	}
	return Word{s: s}
}

func hasControl(s string) bool {
	return strings.IndexFunc(s, func(r rune) bool {
		return unicode.IsControl(r) || unicode.Is(unicode.Cf, r)
	}) >= 0
}

// Argv is a command: the words, or why it cannot be offered.
type Argv struct {
	Words []string
	Bad   string
}

// Command builds an argv from words; the first word that fails its check
// makes the whole command unavailable.
func Command(words ...Word) Argv {
	var a Argv
	for _, w := range words {
		if w.bad != "" && a.Bad == "" {
			a.Bad = w.bad
		}
		a.Words = append(a.Words, w.s)
	}
	if a.Bad != "" {
		a.Words = nil
	}
	return a
}

// OK reports a command that can be offered.
func (a Argv) OK() bool { return a.Bad == "" && len(a.Words) > 0 }

// Line is the command as a shell line, or "" when it cannot be offered.
func (a Argv) Line() string {
	if !a.OK() {
		return ""
	}
	return finding.Line(a.Words)
}

// With appends words to the command.
func (a Argv) With(words ...Word) Argv {
	if !a.OK() {
		return a
	}
	return Command(append(Lits(a.Words...), words...)...)
}

// Run adds commands to run, in order. A command that cannot be offered is
// left out, and the finding says why.
func Run(cmds ...Argv) Detail { return step("", false, cmds) }

// Alt adds commands that need a value filled in: fix.sh and the report
// show them commented out, after a comment that says what to fill in
// (off), and fix.sh refuses to run until it is edited.
func Alt(off string, cmds ...Argv) Detail { return step(off, true, cmds) }

// Instead adds commands that are an alternative to those before them:
// shown commented out, after a comment that says so (off).
func Instead(off string, cmds ...Argv) Detail { return step(off, false, cmds) }

func step(off string, placeholder bool, cmds []Argv) Detail {
	return func(f *finding.Finding) {
		if f.Fix == nil {
			f.Fix = &finding.Fix{}
		}
		for _, c := range cmds {
			switch {
			case c.Bad != "":
				f.Fix.Refused = append(f.Fix.Refused, c.Bad)
			case len(c.Words) > 0:
				f.Fix.AddStep(finding.Step{Argv: c.Words, Off: off, Placeholder: placeholder && off != ""})
			}
		}
	}
}

// Lines renders commands for a remediation, one a line, indented four
// spaces as a Markdown code block; those that cannot be offered are left
// out (the finding says why).
func Lines(cmds ...Argv) string {
	var ls []string
	for _, c := range cmds {
		if c.OK() {
			ls = append(ls, "    "+c.Line())
		}
	}
	return strings.Join(ls, "\n")
}

// HasPlaceholder reports a value that still holds a placeholder the user
// must fill in (ROLE_NAME, ACCOUNT_ID).
func HasPlaceholder(s string) bool {
	return strings.Contains(s, "ROLE_NAME") || strings.Contains(s, "ACCOUNT_ID")
}

// None reports that there is no command for the case at all (a kind whose
// template cannot be patched), as opposed to one refused for its values.
func (a Argv) None() bool { return len(a.Words) == 0 && a.Bad == "" }
