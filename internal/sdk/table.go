package sdk

import (
	"fmt"
	"strings"
)

// Markdown renders the minimum-version table for `irsa-doctor explain
// sdk-versions`: one row per SDK, the notes, the sources, and the
// well-known images IRSA408 and IRSA106 recognise. It is Markdown like a
// check's documentation, so that explain prints both the same way: as is
// when piped, rendered (the table lined up) on a terminal.
func (d *Data) Markdown() string {
	var b strings.Builder
	b.WriteString("# Minimum AWS SDK versions for IRSA and EKS Pod Identity\n\n")
	b.WriteString("An older SDK cannot use the mechanism: without web identity support it falls back to the\n")
	b.WriteString("node's role through IMDS; without EKS container credentials it rejects 169.254.170.23.\n\n")
	b.WriteString("| SDK | PACKAGE | IRSA | EKS POD IDENTITY |\n|---|---|---|---|\n")
	var notes []string
	cell := func(s *SDK, m Mechanism) string {
		min := s.Minimum(m)
		switch {
		case min == nil:
			return "not listed"
		case min.All:
			return "all versions"
		}
		v := min.Version
		if min.Note != "" {
			notes = append(notes, fmt.Sprintf("%s, %s: %s", s.Name, m, min.Note))
			v += fmt.Sprintf(" [%d]", len(notes))
		}
		return v
	}
	for _, s := range d.SDKs {
		irsa := cell(s, IRSA)
		pod := cell(s, PodIdentity)
		fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", mdCell(s.Name), mdCell(s.Package), mdCell(irsa), mdCell(pod))
	}
	if len(notes) > 0 {
		b.WriteString("\nNotes:\n\n")
		for i, n := range notes {
			// "[1]" is not a link: no "(url)" follows it.
			fmt.Fprintf(&b, "- [%d] %s\n", i+1, n)
		}
	}
	b.WriteString("\n## Sources (Amazon EKS User Guide)\n\n")
	fmt.Fprintf(&b, "- IRSA: <%s>\n", d.Sources["irsa"])
	fmt.Fprintf(&b, "- EKS Pod Identity: <%s>\n", d.Sources["podIdentity"])
	b.WriteString("\n## Well-known images that IRSA408 (sdk-too-old) judges by their tag\n\n")
	b.WriteString("Other images, and versions no source describes, are not judged.\n\n")
	for _, im := range d.Images {
		if im.ClientName() == "" {
			continue
		}
		fmt.Fprintf(&b, "- %s (`%s`): %s\n", im.Name, im.ClientName(), codeList(im.Repositories))
	}
	b.WriteString("\n## Image users (USER) that IRSA106 (token-not-readable) assumes for a container without runAsUser\n\n")
	b.WriteString("Other versions: unknown.\n\n")
	for _, im := range d.Images {
		if len(im.Users) == 0 {
			continue
		}
		var spans []string
		for _, u := range im.Users {
			span := u.Since + " to " + u.Until
			if u.Since == u.Until {
				span = u.Since
			}
			spans = append(spans, fmt.Sprintf("UID %d in %s", u.UID, span))
		}
		fmt.Fprintf(&b, "- %s: %s\n", im.Name, strings.Join(spans, "; "))
	}
	return b.String()
}

// mdCell keeps a value inside its table cell: a pipe would end it.
func mdCell(s string) string { return strings.ReplaceAll(s, "|", `\|`) }

func codeList(ss []string) string {
	out := make([]string, len(ss))
	for i, s := range ss {
		out[i] = "`" + s + "`"
	}
	return strings.Join(out, ", ")
}
