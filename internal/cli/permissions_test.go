package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// Issue 13, "can this pod do X?": --can questions and the AccessDenied
// lines that name the pod's role are answered per container in
// targets[].containers[].permissions[] and the text report's Permissions
// section, and IRSA601's fix is never broader than the request.

const (
	permRole     = "arn:aws:iam::111122223333:role/payments-invoices-reader"
	permPolicy   = "arn:aws:iam::111122223333:policy/invoices-read"
	permPod      = "Pod payments/invoices-api-6c9d7b8f5-q7m2x"
	permKeyARN   = "arn:aws:kms:us-west-2:111122223333:key/k1"
	permScenario = "../check/testdata/scenarios/irsa601-kms-decrypt-missing"
)

// permBundle copies the pod, its ServiceAccount and the role's captured
// policies (s3:GetObject on invoices/*, s3:ListBucket on invoices), and
// writes each extra error text as a file of its own.
func permBundle(t *testing.T, errors ...string) string {
	t.Helper()
	dir := t.TempDir()
	for _, name := range []string{"pod.json", "serviceaccount.json", "role.json"} {
		b, err := os.ReadFile(filepath.Join(permScenario, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for i, e := range errors {
		if err := os.WriteFile(filepath.Join(dir, "error"+string(rune('a'+i))+".txt"), []byte(e+"\n"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func permissionsOf(t *testing.T, res finding.Result) []finding.Permission {
	t.Helper()
	if len(res.Targets) != 1 || len(res.Targets[0].Containers) != 1 {
		t.Fatalf("want one target with one container, got %+v", res.Targets)
	}
	return res.Targets[0].Containers[0].Permissions
}

var canArgs = []string{"--can", "s3:GetObject=arn:aws:s3:::invoices/a.pdf", "--can", "kms:Decrypt=" + permKeyARN, "--can", "s3:PutObject"}

// TestCanJSON: each --can question is one permissions[] entry with the
// exact decision, deciding statements (an empty list, never null) and
// reason; a denied one names the check that fails for it.
func TestCanJSON(t *testing.T) {
	dir := permBundle(t)
	r := runCLI(t, "", append([]string{"analyze", "-o", "json", dir}, canArgs...)...)
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d (IRSA601 fails): %s", r.code, ExitFindings, r.stderr)
	}
	got := permissionsOf(t, decode(t, r.stdout))
	want := []finding.Permission{
		{Action: "s3:GetObject", Resource: "arn:aws:s3:::invoices/a.pdf", Decision: "allow",
			Statements: []finding.StatementRef{{Policy: permPolicy, Sid: "ReadInvoices", Index: 0}},
			Reason:     `allowed: statement "ReadInvoices" of policy ` + permPolicy + ` allows s3:GetObject on "arn:aws:s3:::invoices/a.pdf"`,
			Asked:      "can", Role: permRole},
		{Action: "kms:Decrypt", Resource: permKeyARN, Decision: "implicit-deny", Statements: []finding.StatementRef{},
			Reason: `implicitly denied: no statement of the role's policy allows kms:Decrypt on "` + permKeyARN + `"; the closest, statement "ReadInvoices" of policy ` + permPolicy +
				`, allows action "s3:GetObject"; the request is for "kms:Decrypt"; and covers resource "arn:aws:s3:::invoices/*"; the request is for "` + permKeyARN + `"`,
			Asked: "can", CheckID: "IRSA601", Role: permRole},
		{Action: "s3:PutObject", Resource: "", Decision: "implicit-deny", Statements: []finding.StatementRef{},
			Reason: `implicitly denied: no statement of the role's policy allows s3:PutObject; the closest, statement "ReadInvoices" of policy ` + permPolicy +
				`, allows action "s3:GetObject"; the request is for "s3:PutObject"`,
			Asked: "can", CheckID: "IRSA601", Role: permRole},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("permissions (-want +got):\n%s", d)
	}
	if !strings.Contains(r.stdout, `"statements": []`) || strings.Contains(r.stdout, `"statements": null`) {
		t.Errorf("statements of an implicit deny is not an empty list:\n%s", r.stdout)
	}
}

// TestCanText: the Permissions section has one line per question per
// container, the check that fails for it after the arrow. (The test
// environment has no UTF-8 locale: the text report is ASCII.)
func TestCanText(t *testing.T) {
	dir := permBundle(t)
	r := runCLI(t, "", append([]string{"analyze", "--fail-on", "none", dir}, canArgs...)...)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	want := "\nPermissions:\n" +
		"  " + permPod + " invoices-api: s3:GetObject on\n" +
		"    arn:aws:s3:::invoices/a.pdf -- allowed by Sid \"ReadInvoices\" of policy\n" +
		"    " + permPolicy + "\n" +
		"  " + permPod + " invoices-api: kms:Decrypt on\n" +
		"    " + permKeyARN + " -- denied (no statement allows it) -> IRSA601\n" +
		"  " + permPod + " invoices-api: s3:PutObject -- denied (no statement\n" +
		"    allows it) -> IRSA601\n\n"
	if !strings.Contains(r.stdout, want) {
		t.Errorf("report lacks\n%s\nin:\n%s", want, r.stdout)
	}
}

// TestCanUsage: a question that does not parse is a usage error (exit 2)
// with ParseQuestion's one-line message, before anything is read.
func TestCanUsage(t *testing.T) {
	for _, tc := range []struct{ arg, want string }{
		{"s3:Get Object", `--can: question "s3:Get Object": the action name "Get Object" holds ' '`},
		{"GetObject", `--can: question "GetObject": the action "GetObject" has no service prefix`},
		{"s3:GetObject=invoices/*", `--can: question "s3:GetObject=invoices/*": the resource "invoices/*" is not an ARN`},
	} {
		t.Run(tc.arg, func(t *testing.T) {
			r := runCLI(t, "", "analyze", "--can", tc.arg, "does-not-exist")
			if r.code != ExitUsage {
				t.Fatalf("exit %d, want %d: %s", r.code, ExitUsage, r.stderr)
			}
			if !strings.Contains(r.stderr, tc.want) || strings.Count(strings.TrimSpace(r.stderr), "\n") != 0 {
				t.Errorf("stderr %q, want one line containing %q", r.stderr, tc.want)
			}
		})
	}
}

// deniedLine is an AccessDenied for the pod's role, as the SDKs print it.
func deniedLine(action, resource string) string {
	return "api error AccessDenied: User: arn:aws:sts::111122223333:assumed-role/payments-invoices-reader/1764158283511203117 is not authorized to perform: " +
		action + " on resource: " + resource + " because no identity-based policy allows the " + action + " action"
}

func readFixDir(t *testing.T, dir string) (script string, files map[string]string) {
	t.Helper()
	files = map[string]string{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		if e.Name() == "fix.sh" {
			script = string(b)
			continue
		}
		files[e.Name()] = string(b)
	}
	return script, files
}

// TestPermissionFixScript: the put-role-policy of an observed error and of
// a --can question is commented out in fix.sh after the review comment
// that says where it comes from, and its policy allows exactly the
// request.
func TestPermissionFixScript(t *testing.T) {
	dir := permBundle(t, deniedLine("kms:Decrypt", permKeyARN))
	out := filepath.Join(t.TempDir(), "fix")
	r := runCLI(t, "", "analyze", "--fail-on", "none", "--fix-dir", out, "--can", "sqs:SendMessage=arn:aws:sqs:us-west-2:111122223333:jobs", dir)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	script, files := readFixDir(t, out)
	const kmsPolicy, sqsPolicy = "irsa-doctor-kms-Decrypt-37a5d719", "irsa-doctor-sqs-SendMessage-96331c8c"
	for _, want := range []string{
		"# review: derived from an observed error (kms:Decrypt on " + permKeyARN + "; a log line is written by the application that printed it)\n" +
			"# aws iam put-role-policy --role-name payments-invoices-reader --policy-name " + kmsPolicy + " --policy-document file://payments-invoices-reader." + kmsPolicy + ".json\n",
		"# review: derived from --can sqs:SendMessage=arn:aws:sqs:us-west-2:111122223333:jobs\n" +
			"# aws iam put-role-policy --role-name payments-invoices-reader --policy-name " + sqsPolicy + " --policy-document file://payments-invoices-reader." + sqsPolicy + ".json\n",
	} {
		if !strings.Contains(script, want) {
			t.Errorf("fix.sh lacks\n%s\nin:\n%s", want, script)
		}
	}
	for _, l := range strings.Split(script, "\n") {
		if strings.Contains(l, "put-role-policy") && !strings.HasPrefix(l, "# ") {
			t.Errorf("a put-role-policy runs without review: %s", l)
		}
	}
	wantDoc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"AllowKmsDecrypt\",\n      \"Effect\": \"Allow\",\n" +
		"      \"Action\": \"kms:Decrypt\",\n      \"Resource\": \"" + permKeyARN + "\"\n    }\n  ]\n}\n"
	if got := files["payments-invoices-reader."+kmsPolicy+".json"]; got != wantDoc {
		t.Errorf("policy file:\n%s\nwant:\n%s\nfiles: %v", got, wantDoc, files)
	}
}

// TestPermissionFixNoWildcard: an error line is written by the
// application, so a crafted one must not get a broad grant: a wildcard
// action (s3:*, iam:*), a wildcard resource, a wildcard --can question
// and a resource that is not an ARN produce no put-role-policy and no
// policy file, and the finding says why.
func TestPermissionFixNoWildcard(t *testing.T) {
	dir := permBundle(t,
		deniedLine("s3:*", "*"),
		deniedLine("s3:PutObject", "*"),
		deniedLine("iam:*", "arn:aws:iam::111122223333:role/admin"),
		deniedLine("sqs:SendMessage", "jobs-queue"),
	)
	out := filepath.Join(t.TempDir(), "fix")
	r := runCLI(t, "", "analyze", "-o", "json", "--fail-on", "none", "--fix-dir", out, "--can", "s3:Get*=arn:aws:s3:::invoices/*", dir)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	if n := len(permissionsOf(t, res)); n != 5 {
		t.Errorf("%d questions, want 5: %+v", n, permissionsOf(t, res))
	}
	var f601 *finding.Finding
	for i, f := range res.Findings {
		if f.CheckID == "IRSA601" && f.Status == finding.StatusFail {
			f601 = &res.Findings[i]
		}
	}
	if f601 == nil {
		t.Fatalf("no IRSA601 failure: %+v", res.Findings)
	}
	if f601.Fix != nil && len(f601.Fix.Commands)+len(f601.Fix.Files) > 0 {
		t.Errorf("a fix for a wildcard or invalid request: %+v", f601.Fix)
	}
	var ev []string
	for _, e := range f601.Evidence {
		ev = append(ev, e.Value)
	}
	all := strings.Join(ev, "\n")
	for _, want := range []string{
		`no fix command: refusing an Allow for action "s3:*"`,
		`no fix command: refusing an Allow on resource "*"`,
		`no fix command: refusing an Allow for action "iam:*"`,
		`no fix command: the error line's resource is not a valid ARN`,
		`no fix command: refusing an Allow for action "s3:Get*"`,
	} {
		if !strings.Contains(all, want) {
			t.Errorf("evidence lacks %q:\n%s", want, all)
		}
	}
	if _, err := os.Stat(filepath.Join(out, "fix.sh")); err == nil {
		script, _ := readFixDir(t, out)
		if strings.Contains(script, "put-role-policy") {
			t.Errorf("fix.sh offers a put-role-policy:\n%s", script)
		}
	}
}

// TestCanFailureExplainsNoOtherError: IRSA601 failing for a --can
// question does not explain an AccessDenied about another request, which
// the role's policies allow: that error stays unexplained (IRSA501), and
// IRSA601's finding carries no "observed:" evidence of it.
func TestCanFailureExplainsNoOtherError(t *testing.T) {
	dir := permBundle(t, deniedLine("s3:GetObject", "arn:aws:s3:::invoices/a.pdf"))
	r := runCLI(t, "", "analyze", "-o", "json", "--fail-on", "none", "--can", "kms:Decrypt="+permKeyARN, dir)
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	res := decode(t, r.stdout)
	syms := res.Targets[0].Symptoms
	if len(syms) != 1 || len(syms[0].ExplainedBy) != 0 {
		t.Errorf("symptoms %+v, want one explained by nothing", syms)
	}
	var got501, got601 bool
	for _, f := range res.Findings {
		switch {
		case f.CheckID == "IRSA501" && f.Status == finding.StatusFail:
			got501 = true
		case f.CheckID == "IRSA601" && f.Status == finding.StatusFail:
			got601 = true
			for _, e := range f.Evidence {
				if strings.HasPrefix(e.Value, "observed: ") {
					t.Errorf("IRSA601 for the --can question carries the other error: %s", e.Value)
				}
			}
		}
	}
	if !got501 || !got601 {
		t.Errorf("IRSA501 fail %t, IRSA601 fail %t; want both: %+v", got501, got601, res.Findings)
	}
}

// TestCanWithoutRole: a container whose credentials are no IAM role the
// input names gets each --can question as unknown, saying why, rather
// than no answer.
func TestCanWithoutRole(t *testing.T) {
	r := runCLI(t, "", "analyze", "-o", "json", "--fail-on", "none", "--can", "s3:GetObject", "../check/testdata/scenarios/irsa407-imds-disabled")
	if r.code != ExitOK {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for _, tg := range decode(t, r.stdout).Targets {
		if tg.Kind != "Pod" {
			continue
		}
		want := []finding.Permission{{Action: "s3:GetObject", Decision: "unknown", Statements: []finding.StatementRef{}, Asked: "can",
			Reason: "not evaluated: the container's credentials (credentialSource none) are no IAM role the input names; --can is answered for an IRSA or EKS Pod Identity role"}}
		if d := cmp.Diff(want, tg.Containers[0].Permissions); d != "" {
			t.Errorf("%s/%s permissions (-want +got):\n%s", tg.Namespace, tg.Name, d)
		}
		return
	}
	t.Fatal("no Pod target")
}

// TestCanAssumeRole: --can sts:AssumeRole=ROLE_ARN asks for a chained role:
// IRSA604 answers it (the chained role's trust and the source role's
// permission), as a finding on the container (its pod folded into its
// Deployment's), not as a permissions[] entry of IRSA601-603.
func TestCanAssumeRole(t *testing.T) {
	const scenario = "../check/testdata/scenarios/irsa604-observed-assume-role-denied"
	const chained = "arn:aws:iam::444455556666:role/route53-external-dns"
	dir := t.TempDir()
	for _, name := range []string{"caller-identity.json", "chained-role.json", "deployments.json", "describe-cluster.json", "pods.json", "serviceaccounts.json", "source-role.json"} {
		b, err := os.ReadFile(filepath.Join(scenario, name))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Without the question (and without the log) nothing asks for it.
	if r := runCLI(t, "", "analyze", "-o", "json", dir); strings.Contains(r.stdout, "IRSA604") {
		t.Fatalf("IRSA604 without --can:\n%s", r.stdout)
	}
	r := runCLI(t, "", "analyze", "-o", "json", "--checks", "IRSA604,IRSA601", dir, "--can", "sts:AssumeRole="+chained)
	if r.code != ExitFindings {
		t.Fatalf("exit %d, want %d: %s", r.code, ExitFindings, r.stderr)
	}
	res := decode(t, r.stdout)
	var got []string
	for _, f := range res.Findings {
		got = append(got, f.CheckID+" "+string(f.Status)+" "+f.Subject.Kind+" "+f.Subject.ARN+": "+f.Message[:strings.Index(f.Message, " with the")])
	}
	want := []string{
		"IRSA604 fail Deployment : container external-dns assumes role route53-external-dns (--can sts:AssumeRole=" + chained + ")",
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("findings (-want +got):\n%s", d)
	}
	for _, tg := range res.Targets {
		for _, c := range tg.Containers {
			if len(c.Permissions) != 0 {
				t.Errorf("%s %s: permissions %+v, want none (IRSA604 answers)", tg.Name, c.Name, c.Permissions)
			}
		}
	}
}
