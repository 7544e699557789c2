package check

import (
	"fmt"
	"strings"
)

// Explain renders one check's documentation as Markdown (irsa-doctor
// explain, and a section of docs/checks.md).
func Explain(c *Check) string {
	var b strings.Builder
	fmt.Fprintf(&b, "## %s %s\n\n", c.ID, c.Slug)
	fmt.Fprintf(&b, "**%s**\n\n", c.Title)
	fmt.Fprintf(&b, "- Severity: %s\n", c.Severity)
	fmt.Fprintf(&b, "- Chain link: %s\n", c.Link)
	fmt.Fprintf(&b, "- Runs on: %s\n", scopeText(c))
	if len(c.Requires) > 0 {
		ids := make([]string, len(c.Requires))
		for i, p := range c.Requires {
			ids[i] = p.ID
		}
		fmt.Fprintf(&b, "- Skipped (blocked) when these fail first: %s\n", strings.Join(ids, ", "))
	}
	if len(c.Needs) > 0 {
		var needs []string
		for _, k := range c.Needs {
			needs = append(needs, string(k))
		}
		fmt.Fprintf(&b, "- Needs in the input: %s\n", strings.Join(needs, ", "))
	}
	fmt.Fprintf(&b, "\n### Why it breaks\n\n%s\n\n### How to fix it\n\n%s\n", strings.TrimSpace(c.Doc), strings.TrimSpace(c.Fix))
	return b.String()
}

func scopeText(c *Check) string {
	var parts []string
	if c.Scope&ScopePod != 0 {
		parts = append(parts, "pods")
	}
	if c.Scope&ScopeTemplate != 0 {
		parts = append(parts, "workload pod templates")
	}
	if c.Scope&ScopeServiceAccount != 0 {
		parts = append(parts, "annotated ServiceAccounts nothing uses")
	}
	s := strings.Join(parts, ", ")
	if c.IRSA {
		s += " (IRSA only: not on pods that use EKS Pod Identity)"
	}
	return s
}

// Markdown renders docs/checks.md from the registry.
func Markdown(checks []*Check) string {
	var b strings.Builder
	b.WriteString("<!-- Generated from the registry (internal/check/registry.go) by\n     UPDATE_GOLDEN=1 go test ./internal/check -run TestDocsUpToDate. Do not edit by hand. -->\n\n")
	b.WriteString("# irsa-doctor checks\n\n")
	b.WriteString(Table(checks))
	b.WriteString("\n")
	for _, c := range checks {
		b.WriteString(Explain(c))
		b.WriteString("\n")
	}
	return b.String()
}

// Table renders the check table (README and docs/checks.md).
func Table(checks []*Check) string {
	var b strings.Builder
	b.WriteString("| ID | slug | severity | link | title |\n|---|---|---|---|---|\n")
	for _, c := range checks {
		fmt.Fprintf(&b, "| %s | `%s` | %s | %s | %s |\n", c.ID, c.Slug, c.Severity, c.Link, c.Title)
	}
	return b.String()
}
