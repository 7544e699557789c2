package cli

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// Issue 13's IRSA601 and IRSA603 through the live path, set up as
// TestE2EScanCan is. The doubles: the real kube-apiserver and the
// pod-identity webhook of internal/testenv; the AWS fakes
// (testenv/awsfake), whose IAM answers GetRole (with the role's
// PermissionsBoundary), ListAttachedRolePolicies, ListRolePolicies,
// GetRolePolicy, GetPolicy and GetPolicyVersion from their own tables
// (State.Roles, State.ManagedPolicies); and, for the log, a fake kubelet
// (testenv.StartKubelet) behind the real apiserver's pods/log proxy.

// TestE2EScanLogsLacksPermission: the pod's log holds an AccessDenied
// naming the pod's role for s3:GetObject on an object of bucket invoices;
// the role's attached managed policy allows s3:GetObject on the bucket's
// ARN only (no "/*"). scan --logs reads the policies live, and IRSA601
// fails for the container with the near miss in its message; --fix-dir's
// fix.sh has the put-role-policy commented out after the review line; the
// log's symptom is explained by IRSA601.
func TestE2EScanLogsLacksPermission(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-perm-601"
	const roleName = ns + "-reader"
	role := e2eRoleARN(roleName)
	const read = "arn:aws:iam::" + awsfake.DefaultAccount + ":policy/e2e-601-read"
	const object = "arn:aws:s3:::invoices/2026/a.pdf"
	e := newE2E(t, ns, awsfake.State{
		Roles: []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience),
			AttachedPolicies: []string{read}}},
		ManagedPolicies: []awsfake.ManagedPolicy{{ARN: read, Document: `{"Version":"2012-10-17","Statement":[{"Sid":"ReadInvoices","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices"}]}`}},
		Providers:       []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	applyRBAC(t, c)
	node := ns + "-node"
	kubelet := c.StartKubelet(t, node)
	e.serviceAccount("s3-reader", role, nil)
	p := e2ePod("api", "s3-reader")
	p.Spec.NodeName = node
	created := e.pod(p)
	at := time.Now().UTC().Truncate(time.Second).Add(-10 * time.Minute)
	created.Status = corev1.PodStatus{
		Phase: corev1.PodRunning,
		ContainerStatuses: []corev1.ContainerStatus{{Name: "app", Image: "registry.example/app:1", Ready: true,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(at)}}}},
	}
	if _, err := c.Admin.Client.CoreV1().Pods(ns).UpdateStatus(e.ctx(), created, metav1.UpdateOptions{}); err != nil {
		t.Fatalf("update status of pod %s/api: %v", ns, err)
	}
	denied := "operation error S3: GetObject, https response error StatusCode: 403, RequestID: 4Q1B, api error AccessDenied: User: arn:aws:sts::" +
		e2eAccount + ":assumed-role/" + roleName + "/1764158283511203117 is not authorized to perform: s3:GetObject on resource: \"" + object +
		"\" because no identity-based policy allows the s3:GetObject action"
	kubelet.SetLog(ns, "api", "app", false,
		testenv.LogLine{Time: at, Text: "starting"},
		testenv.LogLine{Time: at.Add(time.Second), Text: denied})

	fixDir := filepath.Join(t.TempDir(), "fix")
	r, res := e.scan("--pod", ns+"/api", "--logs", "--fix-dir", fixDir)
	const policyName = "irsa-doctor-s3-GetObject-755785b6"
	const policyFile = roleName + "." + policyName + ".json"
	near := `the statement Sid "ReadInvoices" of policy ` + read + ` allows arn:aws:s3:::invoices`
	why := `missing "/*" (the statement names the bucket "invoices", the request an object in it)`
	reason := `implicitly denied: no statement of the role's policy allows s3:GetObject on "` + object + `"; the closest, statement "ReadInvoices" of policy ` + read +
		`, covers resource "arn:aws:s3:::invoices"; the request is for "` + object + `"`
	wantFailures(t, r, res, []failing{{"IRSA601", "error", "Pod " + ns + "/api container app",
		"role " + roleName + " does not allow s3:GetObject on " + object + " (denied in the container's log): " + reason +
			"; " + near + " but misses the request: " + why + "; it would cover it as arn:aws:s3:::invoices/*"}})

	var f601 *finding.Finding
	for i, f := range res.Findings {
		if f.CheckID == "IRSA601" && f.Status == finding.StatusFail {
			f601 = &res.Findings[i]
		}
	}
	if f601 == nil {
		t.Fatal("no failing IRSA601")
	}
	wantEvidence := []finding.Evidence{
		{Source: "kube", Ref: "list serviceaccounts -n " + ns, Value: "container app uses the IRSA role " + role},
		{Source: "aws", Ref: "iam:GetRole " + roleName + " and the policies of role " + roleName, Value: "near miss: " + near + ": " + why},
		{Source: "kube", Ref: "list serviceaccounts -n " + ns, Value: "caveat: not evaluated: a resource-based policy (such as an S3 bucket policy) in the role's account that names the role may still allow the request"},
		{Source: "kube", Ref: "logs api -n " + ns + " -c app", Value: "observed: denied-pod-role in container app, once: " + denied},
	}
	if d := cmp.Diff(wantEvidence, f601.Evidence); d != "" {
		t.Errorf("IRSA601's evidence (-want +got):\n%s", d)
	}
	wantCmd := "aws iam put-role-policy --role-name " + roleName + " --policy-name " + policyName + " --policy-document file://" + policyFile
	if f601.Fix == nil || !slices.Equal(f601.Fix.Commands, []string{"# " + wantCmd}) {
		t.Errorf("IRSA601's fix %+v, want the one commented command %q", f601.Fix, "# "+wantCmd)
	}

	wantPerms := []finding.Permission{{Action: "s3:GetObject", Resource: object, Decision: "implicit-deny", Statements: []finding.StatementRef{},
		Reason: reason, Asked: "log", CheckID: "IRSA601", Role: role}}
	if d := cmp.Diff(wantPerms, permissionsOf(t, res)); d != "" {
		t.Errorf("permissions (-want +got):\n%s", d)
	}
	first := at.Add(time.Second).Format(time.RFC3339)
	wantSymptoms := []finding.Symptom{{Source: "log", Container: "app", Signature: "denied-pod-role",
		Title: "not authorized: the pod's role lacks the permission", Count: 1, First: first, Last: first,
		Sample: denied, ExplainedBy: []string{"IRSA601"}}}
	if d := cmp.Diff(wantSymptoms, podSymptoms(t, res, "api")); d != "" {
		t.Errorf("symptoms (-want +got):\n%s", d)
	}
	if got := kubelet.Requests(); !slices.Equal(got, []string{"/containerLogs/" + ns + "/api/app?limitBytes=1048576&tailLines=200&timestamps=true"}) {
		t.Errorf("kubelet requests %q", got)
	}
	for _, a := range []string{"iam:ListAttachedRolePolicies", "iam:GetPolicy", "iam:GetPolicyVersion"} {
		if e.aws.Count(a) == 0 {
			t.Errorf("scan --logs did not call %s", a)
		}
	}

	script, files := readFixDir(t, fixDir)
	wantScript := "# review: derived from an observed error (s3:GetObject on " + object + "; a log line is written by the application that printed it)\n" +
		"# " + wantCmd + "\n"
	if !strings.Contains(script, wantScript) {
		t.Errorf("fix.sh lacks\n%s\nin:\n%s", wantScript, script)
	}
	for _, l := range strings.Split(script, "\n") {
		if strings.Contains(l, "put-role-policy") && !strings.HasPrefix(l, "# ") {
			t.Errorf("a put-role-policy runs without review: %s", l)
		}
	}
	wantDoc := "{\n  \"Version\": \"2012-10-17\",\n  \"Statement\": [\n    {\n      \"Sid\": \"AllowS3GetObject\",\n      \"Effect\": \"Allow\",\n" +
		"      \"Action\": \"s3:GetObject\",\n      \"Resource\": \"" + object + "\"\n    }\n  ]\n}\n"
	if d := cmp.Diff(map[string]string{policyFile: wantDoc}, files); d != "" {
		t.Errorf("--fix-dir's files besides fix.sh (-want +got):\n%s", d)
	}
}

// TestE2EScanCanBoundary: the role's inline policy allows kms:Decrypt on
// key k1, but its permissions boundary (a managed policy in the fake's
// table, named by GetRole's PermissionsBoundary) does not: scan --can
// reads the boundary live, the question is an implicit deny judged by
// IRSA603, and IRSA603 fails naming the boundary.
func TestE2EScanCanBoundary(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-perm-603"
	roleName := ns + "-decrypter"
	role := e2eRoleARN(roleName)
	const boundary = "arn:aws:iam::" + awsfake.DefaultAccount + ":policy/e2e-603-boundary"
	key := "arn:aws:kms:" + awsfake.DefaultRegion + ":" + e2eAccount + ":key/k1"
	e := newE2E(t, ns, awsfake.State{
		Roles: []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "decrypter", webhook.DefaultAudience),
			InlinePolicies:      map[string]string{"decrypt": `{"Version":"2012-10-17","Statement":[{"Sid":"DecryptK1","Effect":"Allow","Action":"kms:Decrypt","Resource":"` + key + `"}]}`},
			PermissionsBoundary: boundary}},
		ManagedPolicies: []awsfake.ManagedPolicy{{ARN: boundary, Document: `{"Version":"2012-10-17","Statement":[{"Sid":"S3Only","Effect":"Allow","Action":"s3:*","Resource":"*"}]}`}},
		Providers:       []awsfake.OIDCProvider{e2eGoodProvider(c)},
	})
	c.StartWebhook(t, testenv.WebhookOptions{})
	e.serviceAccount("decrypter", role, nil)
	e.pod(e2ePod("api", "decrypter"))

	r, res := e.scan("--pod", ns+"/api", "--can", "kms:Decrypt="+key)
	reason := `implicitly denied: statement "DecryptK1" of inline policy "decrypt" allows kms:Decrypt on "` + key +
		`", but the permissions boundary ` + boundary + ` does not allow it`
	wantFailures(t, r, res, []failing{{"IRSA603", "error", "Pod " + ns + "/api container app",
		"the permissions boundary " + boundary + " of role " + roleName + " does not allow kms:Decrypt on " + key + " (asked with --can): " + reason}})
	wantPerms := []finding.Permission{{Action: "kms:Decrypt", Resource: key, Decision: "implicit-deny",
		Statements: []finding.StatementRef{{Policy: "inline:decrypt", Sid: "DecryptK1", Index: 0}},
		Reason:     reason, Asked: "can", CheckID: "IRSA603", Role: role}}
	if d := cmp.Diff(wantPerms, permissionsOf(t, res)); d != "" {
		t.Errorf("permissions (-want +got):\n%s", d)
	}
	for _, f := range res.Findings {
		if f.CheckID == "IRSA603" && f.Status == finding.StatusFail {
			want := []finding.Evidence{
				{Source: "kube", Ref: "list serviceaccounts -n " + ns, Value: "container app uses the IRSA role " + role},
				{Source: "aws", Ref: "iam:GetRole " + roleName + " and the policies of role " + roleName, Value: `decided by the statement Sid "DecryptK1" of inline policy "decrypt"`},
			}
			if d := cmp.Diff(want, f.Evidence); d != "" {
				t.Errorf("IRSA603's evidence (-want +got):\n%s", d)
			}
			if f.Fix != nil && len(f.Fix.Commands)+len(f.Fix.Files) > 0 {
				t.Errorf("IRSA603 offers a fix %+v; changing a boundary changes every role that uses it", f.Fix)
			}
		}
	}
	// The boundary was read as the attached policies are: GetPolicy and
	// GetPolicyVersion of its ARN (the role attaches no managed policy).
	for _, a := range []string{"iam:ListRolePolicies", "iam:GetRolePolicy", "iam:GetPolicy", "iam:GetPolicyVersion"} {
		if e.aws.Count(a) == 0 {
			t.Errorf("scan --can did not call %s", a)
		}
	}
}
