package sdk

import (
	"fmt"
	"strings"
	"text/tabwriter"
)

// Table renders the minimum-version table for `irsa-doctor explain
// sdk-versions`: one row per SDK, the notes, the sources, and the
// well-known images IRSA408 recognises.
func (d *Data) Table() string {
	var b strings.Builder
	b.WriteString("Minimum AWS SDK versions for IRSA and EKS Pod Identity\n")
	b.WriteString("(an older SDK cannot use the mechanism: without web identity support it falls back to the\n")
	b.WriteString("node's role through IMDS; without EKS container credentials it rejects 169.254.170.23)\n\n")
	tw := tabwriter.NewWriter(&b, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "SDK\tPACKAGE\tIRSA\tEKS POD IDENTITY")
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
			notes = append(notes, fmt.Sprintf("[%d] %s, %s: %s", len(notes)+1, s.Name, m, min.Note))
			v += fmt.Sprintf(" [%d]", len(notes))
		}
		return v
	}
	for _, s := range d.SDKs {
		irsa := cell(s, IRSA)
		pod := cell(s, PodIdentity)
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", s.Name, s.Package, irsa, pod)
	}
	tw.Flush()
	if len(notes) > 0 {
		b.WriteString("\nNotes:\n")
		for _, n := range notes {
			b.WriteString("  " + n + "\n")
		}
	}
	b.WriteString("\nSources (Amazon EKS User Guide):\n")
	fmt.Fprintf(&b, "  IRSA: %s\n", d.Sources["irsa"])
	fmt.Fprintf(&b, "  EKS Pod Identity: %s\n", d.Sources["podIdentity"])
	b.WriteString("\nWell-known images that IRSA408 (sdk-too-old) judges by their tag\n")
	b.WriteString("(other images, and versions no source describes, are not judged):\n")
	for _, im := range d.Images {
		if im.ClientName() == "" {
			continue
		}
		fmt.Fprintf(&b, "  %s (%s): %s\n", im.Name, im.ClientName(), strings.Join(im.Repositories, ", "))
	}
	b.WriteString("\nImage users (USER) that IRSA106 (token-not-readable) assumes for a container\n")
	b.WriteString("without runAsUser (other versions: unknown):\n")
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
		fmt.Fprintf(&b, "  %s: %s\n", im.Name, strings.Join(spans, "; "))
	}
	return b.String()
}
