package policy

import (
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// The cluster of the fixer's tests: prod in us-west-2, account
// 111122223333, ServiceAccount payments/s3-reader (the same values as the
// model's and the checks' IAM fixtures).
const (
	iamHP       = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	iamProvider = "arn:aws:iam::111122223333:oidc-provider/" + iamHP
	iamSub      = "system:serviceaccount:payments:s3-reader"
)

// trustStatement renders one statement of the EKS documentation's form
// (snapshottest.TrustStatement: policy tests import nothing of the module).
func trustStatement(provider, hp, op, sub, aud string) string {
	return fmt.Sprintf(`{"Effect":"Allow","Principal":{"Federated":%q},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{%q:{%q:%q,%q:%q}}}`,
		provider, op, hp+":sub", sub, hp+":aud", aud)
}

// policyDoc wraps statements in a 2012-10-17 document.
func policyDoc(statements ...string) string {
	return `{"Version":"2012-10-17","Statement":[` + strings.Join(statements, ",") + `]}`
}

// fixAsk is the pod of the fixtures: payments/s3-reader in cluster prod,
// role in account 111122223333.
var fixAsk = TrustAsk{Provider: iamProvider, HostPath: iamHP, Sub: iamSub, Aud: "sts.amazonaws.com"}

// TestCorrectTrustPolicyRoundTrip: for every kind of trust-policy failure,
// the corrected policy, fed back to the evaluator, admits the pod, still
// refuses a pod of another namespace, and keeps admitting what the
// original admitted.
func TestCorrectTrustPolicyRoundTrip(t *testing.T) {
	other := "arn:aws:iam::111122223333:oidc-provider/oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9"
	otherHP := "oidc.eks.us-west-2.amazonaws.com/id/0A1B2C3D4E5F60718293A4B5C6D7E8F9"
	crossHP := iamHP
	crossProvider := "arn:aws:iam::222233334444:oidc-provider/" + crossHP
	tests := []struct {
		name    string
		doc     string
		ask     TrustAsk
		keep    []TrustAsk
		facts   SubjectFacts // what the input knows of :sub values' ServiceAccounts; nil: nothing
		admits  []string     // subjects the original admits that the corrected policy must keep admitting
		want    string       // the corrected document; "" skips the exact comparison
		changes []string
	}{
		{
			name: "IRSA202 action missing",
			doc: policyDoc(`{"Sid":"EKS","Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRole","Condition":{"StringEquals":{"` +
				iamHP + `:sub":"` + iamSub + `","` + iamHP + `:aud":"sts.amazonaws.com"}}}`),
			want: `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "EKS",
      "Effect": "Allow",
      "Principal": {
        "Federated": "` + iamProvider + `"
      },
      "Action": [
        "sts:AssumeRole",
        "sts:AssumeRoleWithWebIdentity"
      ],
      "Condition": {
        "StringEquals": {
          "` + iamHP + `:sub": "` + iamSub + `",
          "` + iamHP + `:aud": "sts.amazonaws.com"
        }
      }
    }
  ]
}
`,
			changes: []string{`statement "EKS" allows sts:AssumeRoleWithWebIdentity`},
		},
		{
			name:    "IRSA203 provider ARN keeps https://",
			doc:     policyDoc(trustStatement("arn:aws:iam::111122223333:oidc-provider/https://"+iamHP, iamHP, "StringEquals", iamSub, "sts.amazonaws.com")),
			want:    fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{`Statement[0] trusts Federated "` + iamProvider + `" instead of "arn:aws:iam::111122223333:oidc-provider/https://` + iamHP + `"`},
		},
		{
			name:    "IRSA203 cross-account role trusts the cluster account's provider",
			doc:     policyDoc(trustStatement(iamProvider, crossHP, "StringEquals", iamSub, "sts.amazonaws.com")),
			ask:     TrustAsk{Provider: crossProvider, HostPath: crossHP, Sub: iamSub, Aud: "sts.amazonaws.com"},
			want:    fixRender(t, policyDoc(trustStatement(crossProvider, crossHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{`Statement[0] trusts Federated "` + crossProvider + `" instead of "` + iamProvider + `"`},
		},
		{
			name: "IRSA203 another cluster's statement is kept and copied",
			doc:  policyDoc(trustStatement(other, otherHP, "StringEquals", "system:serviceaccount:payments:s3-reader", "sts.amazonaws.com")),
			want: fixRender(t, policyDoc(
				trustStatement(other, otherHP, "StringEquals", iamSub, "sts.amazonaws.com"),
				trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{
				`a copy of Statement[0] trusts Federated "` + iamProvider + `" (the statement itself still trusts "` + other + `")`,
				"Statement[1] tests " + iamHP + ":sub instead of " + otherHP + ":sub",
				"Statement[1] tests " + iamHP + ":aud instead of " + otherHP + ":aud",
			},
		},
		{
			name: "IRSA204 condition keys keep https://",
			doc:  policyDoc(trustStatement(iamProvider, "https://"+iamHP, "StringEquals", iamSub, "sts.amazonaws.com")),
			want: fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{
				"Statement[0] tests " + iamHP + ":sub instead of https://" + iamHP + ":sub",
				"Statement[0] tests " + iamHP + ":aud instead of https://" + iamHP + ":aud",
			},
		},
		{
			name:    "IRSA205 namespace typo is replaced",
			doc:     policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payment:s3-reader", "sts.amazonaws.com")),
			want:    fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{`Statement[0] requires ` + iamHP + `:sub StringEquals "` + iamSub + `" instead of "system:serviceaccount:payment:s3-reader" (a typo: namespace "payment" for "payments")`},
		},
		{
			name: "IRSA205 value of another service account that uses the role is kept",
			doc:  policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:billing:s3-reader", "sts.amazonaws.com")),
			keep: []TrustAsk{{Provider: iamProvider, HostPath: iamHP, Sub: "system:serviceaccount:billing:s3-reader", Aud: "sts.amazonaws.com"}},
			want: fixRender(t, strings.Replace(policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:billing:s3-reader", "sts.amazonaws.com")),
				`"system:serviceaccount:billing:s3-reader"`, `["system:serviceaccount:billing:s3-reader","`+iamSub+`"]`, 1)),
			changes: []string{`Statement[0] also admits ` + iamHP + `:sub "` + iamSub + `"`},
		},
		{
			name: "IRSA205 a value naming another service account entirely is kept",
			doc:  policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:billing:exporter", "sts.amazonaws.com")),
			want: fixRender(t, strings.Replace(policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "x", "sts.amazonaws.com")),
				`"x"`, `["system:serviceaccount:billing:exporter","`+iamSub+`"]`, 1)),
			changes: []string{`Statement[0] also admits ` + iamHP + `:sub "` + iamSub + `"`},
		},
		{
			name:    "IRSA205 namespace differing in letter case only is a typo",
			doc:     policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:Payments:s3-reader", "sts.amazonaws.com")),
			want:    fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{`Statement[0] requires ` + iamHP + `:sub StringEquals "` + iamSub + `" instead of "system:serviceaccount:Payments:s3-reader" (a typo: namespace "Payments" for "payments")`},
		},
		{
			name:    "IRSA205 name typo is replaced",
			doc:     policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payments:s3-raeder", "sts.amazonaws.com")),
			want:    fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{`Statement[0] requires ` + iamHP + `:sub StringEquals "` + iamSub + `" instead of "system:serviceaccount:payments:s3-raeder" (a typo: name "s3-raeder" for "s3-reader")`},
		},
		{
			name:   "IRSA205 another namespace's service account is kept, not replaced",
			doc:    policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:staging:s3-reader", "sts.amazonaws.com")),
			admits: []string{"system:serviceaccount:staging:s3-reader"},
			want: fixRender(t, strings.Replace(policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "x", "sts.amazonaws.com")),
				`"x"`, `["system:serviceaccount:staging:s3-reader","`+iamSub+`"]`, 1)),
			changes: []string{`Statement[0] also admits ` + iamHP + `:sub "` + iamSub + `"`},
		},
		{
			name:   "IRSA205 another name in the namespace is kept, not replaced",
			doc:    policyDoc(trustStatement(iamProvider, iamHP, "ForAllValues:StringEquals", "system:serviceaccount:payments:s3-writer", "sts.amazonaws.com")),
			admits: []string{"system:serviceaccount:payments:s3-writer"},
			want: fixRender(t, strings.Replace(policyDoc(trustStatement(iamProvider, iamHP, "ForAllValues:StringEquals", "x", "sts.amazonaws.com")),
				`"x"`, `["system:serviceaccount:payments:s3-writer","`+iamSub+`"]`, 1)),
			changes: []string{`Statement[0] also admits ` + iamHP + `:sub "` + iamSub + `"`},
		},
		{
			name: "IRSA205 a service account proven missing is replaced",
			doc:  policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payments:s3-writer", "sts.amazonaws.com")),
			facts: func(sub string) (bool, string) {
				if sub == "system:serviceaccount:payments:s3-writer" {
					return false, "ServiceAccount payments/s3-writer does not exist: serviceaccounts.json lists the ServiceAccounts of namespace payments without it"
				}
				return false, ""
			},
			want: fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{`Statement[0] requires ` + iamHP + `:sub StringEquals "` + iamSub + `" instead of "system:serviceaccount:payments:s3-writer" ` +
				`(ServiceAccount payments/s3-writer does not exist: serviceaccounts.json lists the ServiceAccounts of namespace payments without it)`},
		},
		{
			name:   "IRSA205 a near name of a service account that exists is kept",
			doc:    policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payment:s3-reader", "sts.amazonaws.com")),
			facts:  func(sub string) (bool, string) { return sub == "system:serviceaccount:payment:s3-reader", "" },
			admits: []string{"system:serviceaccount:payment:s3-reader"},
			want: fixRender(t, strings.Replace(policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "x", "sts.amazonaws.com")),
				`"x"`, `["system:serviceaccount:payment:s3-reader","`+iamSub+`"]`, 1)),
			changes: []string{`Statement[0] also admits ` + iamHP + `:sub "` + iamSub + `"`},
		},
		{
			name:   "IRSA205 short names two edits apart are no typo",
			doc:    policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payments:ui", "sts.amazonaws.com")),
			ask:    TrustAsk{Provider: iamProvider, HostPath: iamHP, Sub: "system:serviceaccount:payments:db", Aud: "sts.amazonaws.com"},
			admits: []string{"system:serviceaccount:payments:ui"},
			want: fixRender(t, strings.Replace(policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "x", "sts.amazonaws.com")),
				`"x"`, `["system:serviceaccount:payments:ui","system:serviceaccount:payments:db"]`, 1)),
			changes: []string{`Statement[0] also admits ` + iamHP + `:sub "system:serviceaccount:payments:db"`},
		},
		{
			name:    "IRSA205 namespace-wide pattern keeps its wildcard",
			doc:     policyDoc(trustStatement(iamProvider, iamHP, "StringLike", "system:serviceaccount:payment:*", "sts.amazonaws.com")),
			want:    fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringLike", "system:serviceaccount:payments:*", "sts.amazonaws.com"))),
			changes: []string{`Statement[0] requires ` + iamHP + `:sub StringLike "system:serviceaccount:payments:*" instead of "system:serviceaccount:payment:*" (a typo: namespace "payment" for "payments")`},
		},
		{
			name:    "IRSA206 audience",
			doc:     policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com.cn")),
			want:    fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{`Statement[0] requires ` + iamHP + `:aud StringEquals "sts.amazonaws.com" instead of "sts.amazonaws.com.cn"`},
		},
		{
			name: "IRSA205 and IRSA206 swapped values",
			doc:  policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "sts.amazonaws.com", iamSub)),
			want: fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{
				`Statement[0] requires ` + iamHP + `:sub StringEquals "` + iamSub + `" instead of "sts.amazonaws.com"`,
				`Statement[0] requires ` + iamHP + `:aud StringEquals "sts.amazonaws.com" instead of "` + iamSub + `"`,
			},
		},
		{
			name: "IRSA208 explicit deny exempts only this subject",
			doc: policyDoc(trustStatement(iamProvider, iamHP, "StringLike", "system:serviceaccount:payments:*", "sts.amazonaws.com"),
				`{"Sid":"NoPayments","Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringLike":{"`+iamHP+`:sub":"system:serviceaccount:payments:s3-*"}}}`),
			want: fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringLike", "system:serviceaccount:payments:*", "sts.amazonaws.com"),
				`{"Sid":"NoPayments","Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringLike":{"`+iamHP+`:sub":"system:serviceaccount:payments:s3-*"},"StringNotEquals":{"`+iamHP+`:sub":"`+iamSub+`"}}}`)),
			changes: []string{`statement "NoPayments" no longer applies to ` + iamSub + `: a StringNotEquals condition on ` + iamHP + `:sub exempts it`},
		},
		{
			name:    "IRSA210 wildcard under StringEquals",
			doc:     policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payments:s3-*", "sts.amazonaws.com")),
			want:    fixRender(t, policyDoc(`{"Effect":"Allow","Principal":{"Federated":"`+iamProvider+`"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringEquals":{"`+iamHP+`:aud":"sts.amazonaws.com"},"StringLike":{"`+iamHP+`:sub":"system:serviceaccount:payments:s3-*"}}}`)),
			changes: []string{`Statement[0] compares ` + iamHP + `:sub with StringLike instead of StringEquals, so "system:serviceaccount:payments:s3-*" is a pattern`},
		},
		{
			name: "no Allow statement for web identity",
			doc:  `{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`,
			want: fixRender(t, policyDoc(`{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}`,
				trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"))),
			changes: []string{`a new Statement[1] allows sts:AssumeRoleWithWebIdentity from Federated "` + iamProvider + `" for sub "` + iamSub + `" only`},
		},
		{
			name: "a negated condition that excludes the subject gets a statement of its own",
			doc: policyDoc(`{"Effect":"Allow","Principal":{"Federated":"` + iamProvider + `"},"Action":"sts:AssumeRoleWithWebIdentity","Condition":{"StringLike":{"` +
				iamHP + `:sub":"system:serviceaccount:payments:*"},"StringNotEquals":{"` + iamHP + `:sub":"` + iamSub + `"}}}`),
			changes: []string{`a new Statement[1] allows sts:AssumeRoleWithWebIdentity from Federated "` + iamProvider + `" for sub "` + iamSub + `" only`},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ask := tt.ask
			if ask.Provider == "" {
				ask = fixAsk
			}
			doc, err := ParseDocument(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			var keep []Request
			for _, k := range tt.keep {
				keep = append(keep, k.Request())
			}
			fix, err := CorrectTrustPolicy(doc, []TrustAsk{ask}, keep, tt.facts)
			if err != nil {
				t.Fatalf("CorrectTrustPolicy: %v", err)
			}
			if os.Getenv("PRINT_FINDINGS") != "" {
				t.Logf("%s\n%q", fix.Content, fix.Changes)
			}
			if tt.want != "" {
				if diff := cmp.Diff(tt.want, fix.Content); diff != "" {
					t.Errorf("corrected policy (-want +got):\n%s", diff)
				}
			}
			if diff := cmp.Diff(tt.changes, fix.Changes); diff != "" {
				t.Errorf("changes (-want +got):\n%s", diff)
			}
			fixRoundTrip(t, doc, fix.Content, ask, tt.keep)
			fixed, err := ParseDocument(fix.Content)
			if err != nil {
				t.Fatal(err)
			}
			for _, sub := range tt.admits {
				o := ask
				o.Sub = sub
				if doc.Evaluate(o.Request()).Decision != Allowed {
					t.Fatalf("the original policy does not admit %s: the case is wrong", sub)
				}
				if res := fixed.Evaluate(o.Request()); res.Decision != Allowed {
					t.Errorf("the corrected policy no longer admits %s: %s", sub, res.Explain())
				}
			}
		})
	}
}

// fixRoundTrip asserts the corrected policy admits ask and every kept
// subject, and refuses the same service account name in another
// namespace.
func fixRoundTrip(t *testing.T, orig *Document, content string, ask TrustAsk, keep []TrustAsk) {
	t.Helper()
	fixed, err := ParseDocument(content)
	if err != nil {
		t.Fatalf("the corrected policy does not parse: %v\n%s", err, content)
	}
	if problems := fixed.TrustPolicyProblems(); len(problems) > 0 {
		t.Errorf("the corrected policy is not a valid trust policy: %v", problems)
	}
	if res := fixed.Evaluate(ask.Request()); res.Decision != Allowed {
		t.Errorf("the corrected policy refuses %s: %s", ask.Sub, res.Explain())
	}
	for _, k := range keep {
		if res := fixed.Evaluate(k.Request()); res.Decision != Allowed {
			t.Errorf("the corrected policy refuses %s, which the original allowed: %s", k.Sub, res.Explain())
		}
	}
	for _, ns := range []string{"kube-system", "payments-staging"} {
		p := ask
		p.Sub = ServiceAccountSubject(ns, "s3-reader")
		if orig.Evaluate(p.Request()).Decision == Allowed {
			continue
		}
		if res := fixed.Evaluate(p.Request()); res.Decision == Allowed {
			t.Errorf("the corrected policy admits %s, which the original refused: %s", p.Sub, res.Explain())
		}
	}
}

// fixRender is a document as the corrected policy renders it.
func fixRender(t *testing.T, doc string) string {
	t.Helper()
	tree, err := parseJSON(doc)
	if err != nil {
		t.Fatal(err)
	}
	out, err := tree.render()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCorrectTrustPolicyErrors(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		ask  TrustAsk
		want string
	}{
		{
			name: "repeated key",
			doc:  `{"Version":"2012-10-17","Version":"2012-10-17","Statement":[` + trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payment:s3-reader", "sts.amazonaws.com") + `]}`,
			ask:  fixAsk,
			want: `correct trust policy for ` + iamSub + `: undetermined: the document repeats the JSON key "Version" at the top level; IAM does not document which copy it uses`,
		},
		{
			name: "unknown audience",
			doc:  policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com")),
			ask:  TrustAsk{Provider: iamProvider, HostPath: iamHP, Sub: iamSub},
			want: `correct trust policy for ` + iamSub + `: undetermined: Statement[0] may allow sts:AssumeRoleWithWebIdentity: it tests ` + iamHP + `:aud with StringEquals, a key the token may carry but this evaluator was not given`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := ParseDocument(tt.doc)
			if err != nil {
				t.Fatal(err)
			}
			_, err = CorrectTrustPolicy(doc, []TrustAsk{tt.ask}, nil, nil)
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("error = %q\nwant    %q", got, tt.want)
			}
		})
	}
}

// TestCorrectTrustPolicySeveralSubjects: one file per role admits every
// service account that names it.
func TestCorrectTrustPolicySeveralSubjects(t *testing.T) {
	doc, err := ParseDocument(policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payment:s3-reader", "sts.amazonaws.com")))
	if err != nil {
		t.Fatal(err)
	}
	asks := []TrustAsk{fixAsk, {Provider: iamProvider, HostPath: iamHP, Sub: "system:serviceaccount:billing:exporter", Aud: "sts.amazonaws.com"}}
	fix, err := CorrectTrustPolicy(doc, SortedAsks(asks), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := fixRender(t, strings.Replace(policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "x", "sts.amazonaws.com")),
		`"x"`, `["`+iamSub+`","system:serviceaccount:billing:exporter"]`, 1))
	if diff := cmp.Diff(want, fix.Content); diff != "" {
		t.Errorf("corrected policy (-want +got):\n%s", diff)
	}
	// billing:exporter is another service account: added; payment:s3-reader
	// differs from payments:s3-reader in the namespace only: corrected.
	wantChanges := []string{
		`Statement[0] also admits ` + iamHP + `:sub "system:serviceaccount:billing:exporter"`,
		`Statement[0] requires ` + iamHP + `:sub StringEquals "` + iamSub + `" instead of "system:serviceaccount:payment:s3-reader" (a typo: namespace "payment" for "payments")`,
	}
	if diff := cmp.Diff(wantChanges, fix.Changes); diff != "" {
		t.Errorf("changes (-want +got):\n%s", diff)
	}
	for _, a := range asks {
		fixRoundTrip(t, doc, fix.Content, a, nil)
	}
}

func TestFreshTrustPolicy(t *testing.T) {
	got, err := FreshTrustPolicy([]TrustAsk{fixAsk})
	if err != nil {
		t.Fatal(err)
	}
	want := fixRender(t, policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com")))
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("fresh policy (-want +got):\n%s", diff)
	}
	if _, err := FreshTrustPolicy(nil); err == nil || err.Error() != "fresh trust policy: no subject" {
		t.Errorf("no subject: err = %v", err)
	}
}

// FuzzCorrectTrustPolicy: on any document IAM accepts, the correction
// never panics, and a correction it returns passes the round trip.
func FuzzCorrectTrustPolicy(f *testing.F) {
	seeds := []string{
		policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", "system:serviceaccount:payment:s3-reader", "sts.amazonaws.com")),
		policyDoc(trustStatement(iamProvider, "https://"+iamHP, "StringLike", "system:serviceaccount:*:x", "sts.amazonaws.com.cn")),
		`{"Version":"2012-10-17","Statement":{"Effect":"Allow","Principal":{"Service":"ec2.amazonaws.com"},"Action":"sts:AssumeRole"}}`,
		policyDoc(trustStatement(iamProvider, iamHP, "StringEquals", iamSub, "sts.amazonaws.com"),
			`{"Effect":"Deny","Principal":"*","Action":"sts:*","Condition":{"StringNotEquals":{"`+iamHP+`:aud":"x"}}}`),
		`{"Statement":[{"Effect":"Allow","Principal":{"Federated":["a:b","` + iamProvider + `"]},"NotAction":"sts:AssumeRole","Condition":{"ForAnyValue:StringLike":{"` + iamHP + `:sub":["a","b"]},"Null":{"` + iamHP + `:aud":"false"}}}]}`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, text string) {
		doc, err := ParseDocument(text)
		if err != nil {
			return
		}
		fix, err := CorrectTrustPolicy(doc, []TrustAsk{fixAsk}, nil, nil)
		if err != nil {
			return
		}
		fixed, err := ParseDocument(fix.Content)
		if err != nil {
			t.Fatalf("the corrected policy does not parse: %v\n%s", err, fix.Content)
		}
		if d := fixed.Evaluate(fixAsk.Request()); d.Decision != Allowed {
			t.Fatalf("the corrected policy refuses the subject: %s\n%s", d.Explain(), fix.Content)
		}
		p := fixAsk
		p.Sub = ServiceAccountSubject("kube-system", "s3-reader")
		if doc.Evaluate(p.Request()).Decision != Allowed && fixed.Evaluate(p.Request()).Decision == Allowed {
			t.Fatalf("the corrected policy admits another namespace\n%s", fix.Content)
		}
	})
}
