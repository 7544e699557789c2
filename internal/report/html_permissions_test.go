package report

import (
	"bytes"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

// TestHTMLPermissions: the HTML page has the text report's Permissions
// section, after the summary table that holds the observed errors: one
// item per permission question of each container, in permissionLine's
// words, every value escaped by html/template (a <script> in a reason is
// text); a page with no question has no section.
func TestHTMLPermissions(t *testing.T) {
	r := permissionsResult(finding.Permission{Action: "sns:Publish", Decision: "unknown", Asked: "can",
		Reason: `the input lacks <script>alert("x")</script> & the role's policies`})

	var b bytes.Buffer
	if err := writeHTML(&b, r, Options{Format: FormatHTML}); err != nil {
		t.Fatal(err)
	}
	out := b.String()
	const ns = `data-ns="[&#34;payments&#34;]"`
	want := `<section id="permissions">
<h2>Permissions</h2>
<p class="legend">Each permission question of each container (--can, and each AccessDenied that names its role) and what the role's policies answer.</p>
<ul class="compact permissions">
<li class="mono" ` + ns + `>Pod payments/api-1 app: s3:GetObject on arn:aws:s3:::invoices/* — allowed by Sid &#34;Read&#34; of policy ` + policyARN + `</li>
<li class="mono" ` + ns + `>Pod payments/api-1 app: s3:GetObject on arn:aws:s3:::invoices/2026/a.pdf (denied in its log) — denied explicitly by Statement[2] of inline policy &#34;freeze&#34; → IRSA602</li>
<li class="mono" ` + ns + `>Pod payments/api-1 app: kms:Decrypt on arn:aws:kms:us-west-2:111122223333:key/k1 (denied in a pasted error) — denied (the permissions boundary does not allow it) → IRSA603</li>
<li class="mono" ` + ns + `>Pod payments/api-1 app: sns:Publish — unknown: the input lacks &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; the role&#39;s policies</li>
</ul>
</section>
`
	if !strings.Contains(out, want) {
		t.Errorf("the page lacks\n%s\nin:\n%s", want, out)
	}
	if strings.Contains(out, "<script>alert") {
		t.Errorf("a reason's <script> reached the page unescaped")
	}
	// After the summary (whose table holds the observed errors), before
	// the chains and the findings.
	sum, perm, chains := strings.Index(out, `<section id="summary">`), strings.Index(out, `<section id="permissions">`), strings.Index(out, `<section id="chains">`)
	if sum < 0 || chains < 0 || !(sum < perm && perm < chains) {
		t.Errorf("sections summary %d, permissions %d, chains %d: want permissions between", sum, perm, chains)
	}

	// No question: no section.
	r.Targets[0].Containers[0].Permissions = nil
	b.Reset()
	if err := writeHTML(&b, r, Options{Format: FormatHTML}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(b.String(), "Permissions") {
		t.Errorf("a page with no permission question has a Permissions section")
	}
}
