// Package checks embeds the documentation of every check: one Markdown
// file per check ID (IRSA205.md), with the sections "Why it breaks" and
// "How to fix it". internal/check reads it into its registry; `explain`,
// docs/checks.md and the README's table are generated from the registry.
// It imports nothing of the project.
package checks

import (
	"embed"
	"fmt"
	"strings"
)

//go:embed IRSA*.md
var files embed.FS

const (
	whyHeading = "## Why it breaks\n"
	fixHeading = "## How to fix it\n"
)

// Doc returns the two sections of the check's page: why the failure
// breaks IRSA, and how to fix it (Markdown, trimmed).
func Doc(id string) (why, fix string, err error) {
	b, err := files.ReadFile(id + ".md")
	if err != nil {
		return "", "", fmt.Errorf("docs/checks/%s.md: %w", id, err)
	}
	text := strings.ReplaceAll(string(b), "\r\n", "\n")
	i := strings.Index(text, whyHeading)
	j := strings.Index(text, fixHeading)
	if i < 0 || j < i {
		return "", "", fmt.Errorf("docs/checks/%s.md: want the sections %q then %q", id, strings.TrimSpace(whyHeading), strings.TrimSpace(fixHeading))
	}
	why = strings.TrimSpace(text[i+len(whyHeading) : j])
	fix = strings.TrimSpace(text[j+len(fixHeading):])
	if why == "" || fix == "" {
		return "", "", fmt.Errorf("docs/checks/%s.md: a section is empty", id)
	}
	return why, fix, nil
}

// IDs lists the check IDs that have a page, sorted.
func IDs() []string {
	entries, _ := files.ReadDir(".")
	var ids []string
	for _, e := range entries {
		ids = append(ids, strings.TrimSuffix(e.Name(), ".md"))
	}
	return ids
}
