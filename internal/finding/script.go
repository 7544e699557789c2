package finding

import (
	"strconv"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/termsafe"
)

// A fix is run with admin credentials, and the values in it come from
// untrusted input: every command is an argv (a list of words), never a
// formatted string, and Quote is the one renderer of a word for POSIX
// shells, used by fix.sh, the text report and fix.commands alike.

// Quote renders one word for a POSIX shell: bare when it holds only
// characters that no shell gives a meaning to, else in single quotes, in
// which no character is special, with a single quote written as '\”.
// (POSIX Shell Command Language, 2.2.2 Single-Quotes.)
func Quote(w string) string {
	if w != "" && strings.Trim(w, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_@%+=:,./-") == "" {
		return w
	}
	return "'" + strings.ReplaceAll(w, "'", `'\''`) + "'"
}

// Line renders an argv as one line of a shell script.
func Line(argv []string) string {
	q := make([]string, len(argv))
	for i, w := range argv {
		q[i] = Quote(w)
	}
	return strings.Join(q, " ")
}

// Step is one command of a fix: its argv, and, when it must not run as it
// stands, why (Off): an alternative to the command before it, or a value
// the user must fill in (Placeholder). fix.sh and the text report show
// such a command commented out, after a comment that says why; fix.sh
// refuses to run while a placeholder is left.
type Step struct {
	Argv        []string
	Off         string
	Placeholder bool
}

// Line is the step as fix.sh has it: the quoted argv, commented out when
// Off.
func (s Step) Line() string {
	if s.Off != "" {
		return "# " + Line(s.Argv)
	}
	return Line(s.Argv)
}

// AddStep appends a command to the fix, keeping Commands and Argv in step
// with it.
func (f *Fix) AddStep(s Step) {
	f.Steps = append(f.Steps, s)
	f.Commands = append(f.Commands, s.Line())
	f.Argv = append(f.Argv, s.Argv)
}

// Script is the fix as the lines of a shell script, the same for fix.sh
// and the text report: each file written by a here-document whose
// delimiter is quoted (so nothing in it is expanded) and equals no line
// of the content, then the commands, a commented one after why.
func (f *Fix) Script() []string {
	if f == nil {
		return nil
	}
	var out []string
	for _, file := range f.Files {
		var lines []string
		if content := strings.TrimSuffix(file.Content, "\n"); content != "" {
			lines = strings.Split(content, "\n")
		}
		delim := heredocDelimiter(lines)
		out = append(out, "cat > "+Quote(file.Name)+" <<'"+delim+"'")
		out = append(out, lines...)
		out = append(out, delim)
	}
	if len(f.Steps) == len(f.Commands) {
		for _, st := range f.Steps {
			if st.Off != "" {
				// A comment carries no raw control character: a line
				// break would end it and start a command.
				out = append(out, "# "+termsafe.Escape(st.Off))
			}
			out = append(out, st.Line())
		}
		return out
	}
	return append(out, f.Commands...)
}

// heredocDelimiter is IRSA_DOCTOR_EOF, numbered until no line equals it.
func heredocDelimiter(lines []string) string {
	delim := "IRSA_DOCTOR_EOF"
	for n := 1; ; n++ {
		clash := false
		for _, l := range lines {
			if l == delim {
				clash = true
				break
			}
		}
		if !clash {
			return delim
		}
		delim = "IRSA_DOCTOR_EOF_" + strconv.Itoa(n)
	}
}

// RequireTrustPolicy defines the shell function require_trust_policy that
// a trust policy fix calls before it changes the policy: fix.sh starts
// with it, and the text report prints it before a fix that calls it, so
// the fix pastes as it runs in fix.sh.
var RequireTrustPolicy = strings.ReplaceAll(`require_trust_policy() { # ROLE FILE [AWS OPTIONS]: stop unless ROLE's trust policy in IAM is FILE
  role=$1 file=$2; shift 2
  same=$(aws iam get-role --role-name "$role" --query "Role.AssumeRolePolicyDocument == \BQ$(cat "$file")\BQ" --output text "$@")
  [ "$same" = True ] || { echo "fix.sh: the trust policy of role $role in IAM is not $file, the one this fix was computed from: capture the role again and run irsa-doctor again" >&2; exit 1; }
}
`, "BQ", "`")
