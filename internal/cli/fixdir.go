package cli

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// writeFixDir writes every fix.files entry of the failing findings into
// dir, and fix.sh with their commands (CONTRACT.md "Fixes"). The script
// changes to its own folder first, so the commands' file:// paths resolve
// to the files beside it. Nothing is run. A folder that cannot be made is
// a usage error; what fails after is not.
func writeFixDir(dir string, res *finding.Result) (files int, err error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return 0, usageErr("--fix-dir %s: %w", dir, err)
	}
	written := map[string]string{}
	var script strings.Builder
	script.WriteString("#!/usr/bin/env bash\n")
	script.WriteString("# Written by irsa-doctor --fix-dir. Review every command before you run it:\n")
	script.WriteString("# they change your cluster and IAM configuration.\n")
	script.WriteString("set -euo pipefail\ncd \"$(dirname \"$0\")\"\n")
	seenCmd := map[string]bool{}
	// Providers and issuers first: a trust policy may name a provider that
	// an earlier command creates.
	ordered := make([]finding.Finding, 0, len(res.Findings))
	for _, first := range []bool{true, false} {
		for _, f := range res.Findings {
			if strings.HasPrefix(f.CheckID, "IRSA3") == first {
				ordered = append(ordered, f)
			}
		}
	}
	for _, f := range ordered {
		if f.Status != finding.StatusFail || f.Fix.Empty() {
			continue
		}
		for _, fl := range f.Fix.Files {
			name := filepath.Base(fl.Name)
			if name != fl.Name || name == "." || name == ".." || name == "fix.sh" {
				return files, fmt.Errorf("--fix-dir: refusing to write fix file %q: not a plain file name", fl.Name)
			}
			if prev, ok := written[name]; ok {
				if prev != fl.Content {
					return files, fmt.Errorf("--fix-dir: two findings propose different contents for %s; run with --checks to take them one at a time", name)
				}
				continue
			}
			content := fl.Content
			if !strings.HasSuffix(content, "\n") {
				content += "\n"
			}
			if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
				return files, fmt.Errorf("--fix-dir: %w", err)
			}
			written[name] = fl.Content
			files++
		}
		var cmds []string
		for _, c := range f.Fix.Commands {
			if !seenCmd[c] {
				seenCmd[c] = true
				cmds = append(cmds, c)
			}
		}
		if len(cmds) == 0 {
			continue
		}
		fmt.Fprintf(&script, "\n# %s %s: %s\n", f.CheckID, f.Slug, f.Subject)
		for _, c := range cmds {
			script.WriteString(c + "\n")
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "fix.sh"), []byte(script.String()), 0o755); err != nil {
		return files, fmt.Errorf("--fix-dir: %w", err)
	}
	return files + 1, nil
}
