package cli

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// writeFixDir writes every fix.files entry of the failing findings into
// dir, and fix.sh with their commands (docs/contract.md#fixes). The script
// changes to its own folder first, so the commands' file:// paths resolve
// to the files beside it. Nothing is run. A folder that cannot be made is
// a usage error; what fails after is not.
//
// fix.sh is run with admin credentials, so what is written must be exactly
// what the tool meant: the folder is created 0700, every file is created
// afresh (O_EXCL, which never follows a link) 0600 and fix.sh 0700, and a
// symbolic link or anything but a regular file already in the folder under
// one of those names is refused rather than followed: a link planted in a
// shared folder would otherwise make the tool write wherever it points.
// A regular file of a previous run is replaced.
func writeFixDir(dir string, res *finding.Result) (files int, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return 0, usageErr("--fix-dir %s: %w", dir, err)
	}
	written := map[string]string{}
	var body strings.Builder
	var placeholders []string
	seenCmd, emitted := map[string]bool{}, map[string]bool{}
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
				return files, fmt.Errorf("--fix-dir: refusing to write fix file %q: not a plain file name", termsafe.Escape(fl.Name))
			}
			if prev, ok := written[name]; ok {
				if prev != fl.Content {
					return files, fmt.Errorf("--fix-dir: two findings propose different contents for %s; run with --checks to take them one at a time", termsafe.Escape(name))
				}
				continue
			}
			content := fl.Content
			if !strings.HasSuffix(content, "\n") {
				content += "\n"
			}
			if err := createFresh(dir, name, []byte(content), 0o600); err != nil {
				return files, err
			}
			written[name] = fl.Content
			files++
		}
		// This finding's part of the script: the files no earlier finding
		// wrote, then the commands no earlier finding ran.
		part := &finding.Fix{}
		for _, fl := range f.Fix.Files {
			if !emitted[fl.Name] {
				emitted[fl.Name] = true
				part.Files = append(part.Files, fl)
			}
		}
		for _, st := range f.Fix.Steps {
			if line := st.Line(); !seenCmd[line] {
				seenCmd[line] = true
				part.AddStep(st)
				if st.Placeholder {
					placeholders = append(placeholders, st.Off)
				}
			}
		}
		lines := part.Script()
		if len(lines) == 0 {
			continue
		}
		// The subject comes from the input: a line break in a name must
		// not end the comment and start a command (docs/contract.md#fixes:
		// comments carry no raw control characters).
		body.WriteString("\n" + scriptComment(fmt.Sprintf("%s %s: %s", f.CheckID, f.Slug, f.Subject)) + "\n")
		for _, l := range lines {
			body.WriteString(l + "\n")
		}
	}
	if body.Len() == 0 {
		// Nothing to run: no script, rather than one that does nothing.
		return files, nil
	}
	var script strings.Builder
	script.WriteString(FixScriptPreamble)
	if len(placeholders) > 0 {
		// A command that still holds a placeholder is commented out; the
		// script refuses to run until the user has filled it in and
		// deleted these two lines.
		script.WriteString("\n" + finding.Line([]string{"echo", "fix.sh: fill in the commented commands below first (" + strings.Join(uniqStrings(placeholders), "; ") + "), then delete this line and the next"}) + " >&2\nexit 1\n")
	}
	script.WriteString(body.String())
	if err := createFresh(dir, "fix.sh", []byte(script.String()), 0o700); err != nil {
		return files, err
	}
	return files + 1, nil
}

// FixScriptPreamble starts every fix.sh, byte for byte: POSIX sh, stop at
// the first failure, run beside the files the fixes reference, and the
// check that guards every trust policy change (require_trust_policy).
var FixScriptPreamble = `#!/bin/sh
# Written by irsa-doctor --fix-dir. Review every command before you run it:
# they change your cluster and IAM configuration. A commented command is an
# alternative, or needs a value filled in first.
set -eu
cd "$(dirname "$0")"

` + finding.RequireTrustPolicy

// scriptComment is text as one comment line of fix.sh: control characters
// (a line break above all) are escaped, so the comment cannot end early.
func scriptComment(text string) string {
	return "# " + termsafe.Escape(text)
}

func uniqStrings(ss []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range ss {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	return out
}

// createFresh writes data to dir/name as a new file with mode perm. An
// existing regular file (a previous run's) is removed first; a symbolic
// link, a folder or any other kind of file is refused, never followed or
// replaced. O_EXCL makes the create fail if anything appears at that name
// in between, a link included (open(2): with O_CREAT|O_EXCL a symbolic link
// is not followed).
func createFresh(dir, name string, data []byte, perm fs.FileMode) error {
	p := filepath.Join(dir, name)
	refuse := func(what string) error {
		// The folder the user named is not one the tool may write: a usage
		// error, as a folder that cannot be made is.
		return usageErr("--fix-dir: refusing to write %s: %s; use an empty folder", termsafe.Escape(p), what)
	}
	switch fi, err := os.Lstat(p); {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return fmt.Errorf("--fix-dir: %w", err)
	case fi.Mode()&fs.ModeSymlink != 0:
		return refuse("it is a symbolic link, which the tool does not follow")
	case !fi.Mode().IsRegular():
		return refuse("it exists and is not a regular file")
	default:
		if err := os.Remove(p); err != nil {
			return fmt.Errorf("--fix-dir: replace %s: %w", termsafe.Escape(p), err)
		}
	}
	f, err := os.OpenFile(p, os.O_WRONLY|os.O_CREATE|os.O_EXCL, perm)
	if errors.Is(err, fs.ErrExist) {
		return refuse("something was created at that name while the tool wrote the folder")
	}
	if err != nil {
		return fmt.Errorf("--fix-dir: %w", err)
	}
	if _, err := f.Write(data); err != nil {
		f.Close()
		return fmt.Errorf("--fix-dir: write %s: %w", termsafe.Escape(p), err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("--fix-dir: write %s: %w", termsafe.Escape(p), err)
	}
	return nil
}
