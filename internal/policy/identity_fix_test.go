package policy_test

import (
	"reflect"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

func TestAllowStatementFor(t *testing.T) {
	got, err := policy.AllowStatementFor("s3:GetObject", invoice)
	if err != nil {
		t.Fatal(err)
	}
	want := `{
  "Version": "2012-10-17",
  "Statement": [
    {
      "Sid": "AllowS3GetObject",
      "Effect": "Allow",
      "Action": "s3:GetObject",
      "Resource": "arn:aws:s3:::invoices/2026/03/a.pdf"
    }
  ]
}
`
	if got != want {
		t.Errorf("AllowStatementFor =\n%s\nwant\n%s", got, want)
	}
	// What it writes allows the request and nothing next to it.
	p := named(t, "inline:fix", got)
	if d := policy.EvaluateIdentity([]policy.NamedPolicy{p}, nil, ask("s3:GetObject", invoice)).Decision; d != policy.Allowed {
		t.Errorf("the written policy gives %s for its own request", d)
	}
	for _, other := range []policy.Request{ask("s3:PutObject", invoice), ask("s3:GetObject", invoice+"x"), ask("s3:GetObject", "arn:aws:s3:::invoices/*")} {
		if d := policy.EvaluateIdentity([]policy.NamedPolicy{p}, nil, other).Decision; d != policy.ImplicitDeny {
			t.Errorf("the written policy gives %s for %s on %s, want implicit-deny", d, other.Action, other.Resource)
		}
	}

	got, err = policy.AllowStatementFor("secretsmanager:GetSecretValue", "arn:aws:secretsmanager:us-east-1:111122223333:secret:db-AbCdEf")
	if err != nil {
		t.Fatal(err)
	}
	if p := named(t, "inline:fix", got); p.Doc.Statements[0].Sid != "AllowSecretsmanagerGetSecretValue" {
		t.Errorf("Sid = %q", p.Doc.Statements[0].Sid)
	}
}

func TestAllowStatementForRefuses(t *testing.T) {
	tests := []struct{ action, resource, err string }{
		{"iam:*", "arn:aws:iam::111122223333:role/x", `refusing an Allow for action "iam:*": a wildcard over iam actions lets the role grant itself more; name the one action the pod calls`},
		{"sts:Assume*", "arn:aws:iam::111122223333:role/x", `refusing an Allow for action "sts:Assume*": a wildcard over sts actions lets the role grant itself more; name the one action the pod calls`},
		{"*:*", invoice, `refusing an Allow for action "*:*": it would allow every action of every service; name one action, e.g. s3:GetObject`},
		{"*", invoice, `refusing an Allow for action "*": it would allow every action of every service; name one action, e.g. s3:GetObject`},
		{"s3:Get*", invoice, `refusing an Allow for action "s3:Get*": a wildcard allows more than the request; name the one action the pod calls, e.g. s3:GetObject`},
		{"s3GetObject", invoice, `allow statement: the action "s3GetObject" has no service prefix; write SERVICE:ACTION, e.g. s3:GetObject`},
		{"s3:Get-Object", invoice, `allow statement: the action name "Get-Object" holds '-'; an action name has only letters and digits (and * or ? as wildcards); write SERVICE:ACTION, e.g. s3:GetObject`},
		{"s3:GetObject", "*", `refusing an Allow on resource "*": name the one resource ARN the pod uses`},
		{"s3:GetObject", "", `refusing an Allow on resource "": name the one resource ARN the pod uses`},
		{"s3:GetObject", "arn:aws:s3:::invoices/*", `refusing an Allow on resource "arn:aws:s3:::invoices/*": a wildcard allows more than the request; name the one resource ARN the pod uses`},
		{"s3:GetObject", "invoices/a.pdf", `allow statement: "invoices/a.pdf" is not a valid ARN: it is not an ARN: an ARN starts with "arn:"`},
		{"sqs:SendMessage", "arn:aws:sqs:us-east-1:1111:jobs", `allow statement: "arn:aws:sqs:us-east-1:1111:jobs" is not a valid ARN: the account ID "1111" has 4 digits; an AWS account ID has exactly 12`},
		{"s3:GetObject", "arn:aws:s3:us-east-1::invoices/a", `allow statement: the S3 ARN "arn:aws:s3:us-east-1::invoices/a" names a region or account; bucket and object ARNs leave both empty: arn:aws:s3:::invoices/a`},
	}
	for _, tt := range tests {
		t.Run(tt.action+"="+tt.resource, func(t *testing.T) {
			got, err := policy.AllowStatementFor(tt.action, tt.resource)
			if err == nil || err.Error() != tt.err {
				t.Errorf("AllowStatementFor = %q, %v\nwant error %s", got, err, tt.err)
			}
		})
	}
}

func TestNearMisses(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		req  policy.Request
		want []policy.NearMiss
	}{
		{
			name: "bucket named, object requested",
			doc:  `{"Version":"2012-10-17","Statement":[{"Sid":"Read","Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::invoices"}]}`,
			req:  ask("s3:GetObject", invoice),
			want: []policy.NearMiss{{Statement: policy.StatementRef{Policy: appPolicy, Sid: "Read"}, Resource: "arn:aws:s3:::invoices", Kind: policy.MissingObjectWildcard, Why: `missing "/*" (the statement names the bucket "invoices", the request an object in it)`, Fixed: "arn:aws:s3:::invoices/*"}},
		},
		{
			name: "another bucket; the closest first",
			doc:  `{"Version":"2012-10-17","Statement":[{"Sid":"Far","Effect":"Allow","Action":"s3:*","Resource":"arn:aws:s3:::reports/*"},{"Sid":"Typo","Effect":"Allow","Action":"s3:GetObject","Resource":["arn:aws:s3:::logs/*","arn:aws:s3:::invoice/*"]}]}`,
			req:  ask("s3:GetObject", invoice),
			want: []policy.NearMiss{
				{Statement: policy.StatementRef{Policy: appPolicy, Sid: "Typo", Index: 1}, Resource: "arn:aws:s3:::invoice/*", Kind: policy.OtherBucket, Why: `different bucket name (closest: "invoice", edit distance 1; the request is for bucket "invoices")`, Distance: 1, Fixed: "arn:aws:s3:::invoices/*"},
				{Statement: policy.StatementRef{Policy: appPolicy, Sid: "Far"}, Resource: "arn:aws:s3:::reports/*", Kind: policy.OtherBucket, Why: `different bucket name (closest: "reports", edit distance 6; the request is for bucket "invoices")`, Distance: 6, Fixed: "arn:aws:s3:::invoices/*"},
			},
		},
		{
			name: "another region",
			doc:  `{"Version":"2012-10-17","Statement":[{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-west-2:111122223333:jobs"}]}`,
			req:  ask("sqs:SendMessage", queue),
			want: []policy.NearMiss{{Statement: policy.StatementRef{Policy: appPolicy, Sid: "Send"}, Resource: "arn:aws:sqs:us-west-2:111122223333:jobs", Kind: policy.OtherRegion, Why: `different region (the statement names "us-west-2", the request "us-east-1")`, Fixed: queue}},
		},
		{
			name: "another account",
			doc:  `{"Version":"2012-10-17","Statement":[{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:444455556666:jobs"}]}`,
			req:  ask("sqs:SendMessage", queue),
			want: []policy.NearMiss{{Statement: policy.StatementRef{Policy: appPolicy, Sid: "Send"}, Resource: "arn:aws:sqs:us-east-1:444455556666:jobs", Kind: policy.OtherAccount, Why: `different account (the statement names "444455556666", the request "111122223333")`, Fixed: queue}},
		},
		{
			name: "another resource type",
			doc:  `{"Version":"2012-10-17","Statement":[{"Sid":"Query","Effect":"Allow","Action":"dynamodb:Query","Resource":"arn:aws:dynamodb:us-east-1:111122223333:table/orders"}]}`,
			req:  ask("dynamodb:Query", "arn:aws:dynamodb:us-east-1:111122223333:index/orders"),
			want: []policy.NearMiss{{Statement: policy.StatementRef{Policy: appPolicy, Sid: "Query"}, Resource: "arn:aws:dynamodb:us-east-1:111122223333:table/orders", Kind: policy.OtherResourceType, Why: `different resource type (the statement names "table", the request "index")`}},
		},
		{
			name: "another name",
			doc:  `{"Version":"2012-10-17","Statement":[{"Sid":"Send","Effect":"Allow","Action":"sqs:SendMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:job"}]}`,
			req:  ask("sqs:SendMessage", queue),
			want: []policy.NearMiss{{Statement: policy.StatementRef{Policy: appPolicy, Sid: "Send"}, Resource: "arn:aws:sqs:us-east-1:111122223333:job", Kind: policy.OtherName, Why: `different name (closest: "job", edit distance 1)`, Distance: 1, Fixed: queue}},
		},
		{
			name: "neither another action, nor a Deny, nor a NotResource, nor two fields off",
			doc:  `{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"sqs:ReceiveMessage","Resource":"arn:aws:sqs:us-east-1:111122223333:job"},{"Effect":"Deny","Action":"sqs:*","Resource":"arn:aws:sqs:us-east-1:111122223333:job"},{"Effect":"Allow","Action":"sqs:*","NotResource":"arn:aws:sqs:us-east-1:111122223333:jobs"},{"Effect":"Allow","Action":"sqs:*","Resource":"arn:aws:sqs:us-west-2:444455556666:jobs"}]}`,
			req:  ask("sqs:SendMessage", queue),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := policy.NearMisses([]policy.NamedPolicy{named(t, appPolicy, tt.doc)}, tt.req)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("NearMisses =\n%+v\nwant\n%+v", got, tt.want)
			}
		})
	}
}
