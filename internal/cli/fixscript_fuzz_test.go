package cli

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"mvdan.cc/sh/v3/syntax"
)

// FuzzFixScript builds fix.sh from bundles whose values an attacker
// chooses (the namespace, the ServiceAccount, its role and audience
// annotations, the role's name and ARN, the cluster's issuer) and parses
// it with a POSIX shell parser: after the fixed preamble, every command is
// a simple command whose words carry no expansion, no glob and no
// redirection (the one exception: the "echo ... >&2; exit 1" guard of a
// script with placeholders).
//
//	go test ./internal/cli -run '^$' -fuzz FuzzFixScript -fuzztime 60s
func FuzzFixScript(f *testing.F) {
	f.Add("payments", "s3-reader", "arn:aws:iam::111122223333:role/payments-s3-reader", "sts.amazonaws.com", "payments-s3-reader", "https://oidc.eks.eu-west-1.amazonaws.com/id/5C8D2E7A9B41F3D6E0A1B2C3D4E5F607")
	f.Add("pay$(id)", "s3`id`", "arn:aws:iam::111122223333:role/x;id", "a'b\"c$d", "admin", "https://x$(id)")
	f.Add("payments", "s3-reader", "", "*", "payments-s3-reader", "https://oidc.eks.eu-west-1.amazonaws.com/id/X\nrm -rf ~")
	f.Add("payments", "s3-reader", "arn:aws:iam::111122223333:role/payments-s3-reader\n", "${IFS}", "payments-s3-reader", "")
	base, err := readExample("trust-subject-mismatch")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, ns, sa, roleARN, audience, roleName, issuer string) {
		for _, v := range []string{ns, sa, roleARN, audience, roleName, issuer} {
			if len(v) > 200 {
				return
			}
		}
		files := map[string]string{}
		for name, content := range base {
			files[name] = content
		}
		q := jsonString
		files["serviceaccounts.json"] = strings.ReplaceAll(strings.ReplaceAll(strings.ReplaceAll(files["serviceaccounts.json"],
			`"arn:aws:iam::111122223333:role/payments-s3-reader"`, q(roleARN)+`, "eks.amazonaws.com/audience": `+q(audience)),
			`"name": "s3-reader"`, `"name": `+q(sa)), `"namespace": "payments"`, `"namespace": `+q(ns))
		for _, n := range []string{"pods.json", "deployments.json"} {
			files[n] = strings.ReplaceAll(strings.ReplaceAll(files[n], `"namespace": "payments"`, `"namespace": `+q(ns)),
				`"serviceAccountName": "s3-reader"`, `"serviceAccountName": `+q(sa))
		}
		files["role.json"] = strings.ReplaceAll(files["role.json"], `"RoleName": "payments-s3-reader"`, `"RoleName": `+q(roleName))
		if issuer != "" {
			files["describe-cluster.json"] = strings.ReplaceAll(files["describe-cluster.json"],
				`"https://oidc.eks.eu-west-1.amazonaws.com/id/5C8D2E7A9B41F3D6E0A1B2C3D4E5F607"`, q(issuer))
		}
		root := t.TempDir()
		in := filepath.Join(root, "bundle")
		if err := os.Mkdir(in, 0o700); err != nil {
			t.Fatal(err)
		}
		for name, content := range files {
			if err := os.WriteFile(filepath.Join(in, name), []byte(content), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		fixes := filepath.Join(root, "fixes")
		r := runCLI(t, "", "analyze", in, "--fix-dir", fixes, "-o", "json")
		if r.code != ExitOK && r.code != ExitFindings {
			t.Fatalf("analyze exit %d: %s", r.code, r.stderr)
		}
		script, err := os.ReadFile(filepath.Join(fixes, "fix.sh"))
		if os.IsNotExist(err) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		if problems := checkFixScript(string(script)); len(problems) > 0 {
			t.Fatalf("fix.sh is not a list of plain commands: %s\n%s", strings.Join(problems, "; "), script)
		}
	})
}

// TestCheckFixScript: the rule FuzzFixScript applies rejects what it must.
func TestCheckFixScript(t *testing.T) {
	ok := FixScriptPreamble + "\n# IRSA205 x\ncat > r.json <<'IRSA_DOCTOR_EOF'\n{\"a\": \"$(id)\"}\nIRSA_DOCTOR_EOF\nrequire_trust_policy r r.before.json\naws iam get-role --role-name 'a b' --query 'x == `{}`'\n"
	if p := checkFixScript(ok); len(p) > 0 {
		t.Errorf("a plain script is refused: %v", p)
	}
	guard := FixScriptPreamble + "\necho 'fill in first' >&2\nexit 1\n# x\n# aws iam get-role --role-name ROLE_NAME\n"
	if p := checkFixScript(guard); len(p) > 0 {
		t.Errorf("the placeholder guard is refused: %v", p)
	}
	for _, bad := range []string{
		"kubectl get pod $(id)\n", "kubectl get pod `id`\n", "kubectl get pod \"$HOME\"\n", "kubectl get pod x; id\n",
		"kubectl get pod x && id\n", "kubectl get pod * \n", "kubectl get pod x > /etc/passwd\n", "FOO=1 kubectl get pod\n",
		"kubectl get pod ~root\n", "kubectl get pod x | sh\n", "if true; then id; fi\n", "kubectl get pod $'\\x41'\n",
		"cat > r.json <<EOF\n$(id)\nEOF\n", "cat > $HOME/r.json <<'EOF'\nx\nEOF\n",
	} {
		if p := checkFixScript(FixScriptPreamble + bad); len(p) == 0 {
			t.Errorf("%q passes", bad)
		}
	}
	if p := checkFixScript("#!/bin/sh\nid\n"); len(p) == 0 {
		t.Errorf("a script without the preamble passes")
	}
}

// safeLit is a word that no shell expands.
var safeLit = regexp.MustCompile(`^[A-Za-z0-9_@%+=:,./-]+$`)

// checkFixScript applies FuzzFixScript's rule and lists what breaks it.
func checkFixScript(script string) []string {
	rest, ok := strings.CutPrefix(script, FixScriptPreamble)
	if !ok {
		return []string{"the preamble differs"}
	}
	f, err := syntax.NewParser(syntax.Variant(syntax.LangPOSIX)).Parse(strings.NewReader(rest), "fix.sh")
	if err != nil {
		return []string{"parse: " + err.Error()}
	}
	var problems []string
	lines := map[uint]bool{}
	for i, st := range f.Stmts {
		// One command a line, as the script is written: a second one on
		// a line means a value broke out of its quotes.
		if l := st.Pos().Line(); lines[l] {
			problems = append(problems, "two commands on one line")
		} else {
			lines[l] = true
		}
		call, isCall := st.Cmd.(*syntax.CallExpr)
		if !isCall || st.Negated || st.Background || st.Coprocess || len(call.Assigns) > 0 || len(call.Args) == 0 {
			problems = append(problems, "a statement that is not a simple command")
			continue
		}
		// The placeholder guard: echo 'reason' >&2, then exit 1, first.
		first := wordText(call.Args[0])
		// A file: cat > NAME <<'DELIM', whose quoted delimiter keeps the
		// body from any expansion.
		if first == "cat" && len(call.Args) == 1 && len(st.Redirs) == 2 &&
			st.Redirs[0].Op == syntax.RdrOut && plainWord(st.Redirs[0].Word) &&
			st.Redirs[1].Op == syntax.Hdoc && quotedWord(st.Redirs[1].Word) {
			continue
		}
		guard := i < 2 && (first == "echo" && len(st.Redirs) == 1 && st.Redirs[0].Op == syntax.DplOut && wordText(st.Redirs[0].Word) == "2" ||
			first == "exit" && len(call.Args) == 2 && wordText(call.Args[1]) == "1")
		if len(st.Redirs) > 0 && !guard {
			problems = append(problems, "a redirection")
		}
		for _, w := range call.Args {
			for _, part := range w.Parts {
				switch p := part.(type) {
				case *syntax.SglQuoted:
					if p.Dollar {
						problems = append(problems, "an ANSI-C quoted word")
					}
				case *syntax.Lit:
					// \' is how finding.Quote writes a single quote
					// between two single-quoted runs.
					if !safeLit.MatchString(p.Value) && p.Value != `\'` {
						problems = append(problems, "a bare word with shell characters: "+p.Value)
					}
				default:
					problems = append(problems, "an expansion or a double-quoted word")
				}
			}
		}
	}
	return problems
}

// plainWord is a word of safe literals and single-quoted runs.
func plainWord(w *syntax.Word) bool {
	for _, part := range w.Parts {
		switch p := part.(type) {
		case *syntax.SglQuoted:
			if p.Dollar {
				return false
			}
		case *syntax.Lit:
			if !safeLit.MatchString(p.Value) && p.Value != `\'` {
				return false
			}
		default:
			return false
		}
	}
	return len(w.Parts) > 0
}

// quotedWord is a single-quoted word: a here-document delimiter that
// keeps the body literal.
func quotedWord(w *syntax.Word) bool {
	if len(w.Parts) != 1 {
		return false
	}
	q, ok := w.Parts[0].(*syntax.SglQuoted)
	return ok && !q.Dollar
}

// wordText is a word made of plain literals, or "".
func wordText(w *syntax.Word) string {
	var b strings.Builder
	for _, p := range w.Parts {
		l, ok := p.(*syntax.Lit)
		if !ok {
			return ""
		}
		b.WriteString(l.Value)
	}
	return b.String()
}

func readExample(name string) (map[string]string, error) {
	dir := filepath.Join("..", "..", "examples", name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = string(b)
	}
	return out, nil
}

// jsonString is s as a JSON string literal.
func jsonString(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch {
		case r == '"' || r == '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case r < 0x20:
			b.WriteString(`\u00`)
			b.WriteByte("0123456789abcdef"[r>>4])
			b.WriteByte("0123456789abcdef"[r&15])
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}
