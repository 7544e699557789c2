package policy_test

import (
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
)

func TestParseQuestion(t *testing.T) {
	tests := []struct {
		in   string
		want policy.Question
		err  string
	}{
		{in: "s3:GetObject=arn:aws:s3:::invoices/*", want: policy.Question{Action: "s3:GetObject", Resource: "arn:aws:s3:::invoices/*"}},
		{in: "sqs:SendMessage", want: policy.Question{Action: "sqs:SendMessage"}},
		{in: "s3:Get*=*", want: policy.Question{Action: "s3:Get*", Resource: "*"}},
		{in: "sqs:Send?essage=arn:aws-cn:sqs:cn-north-1:111122223333:jobs", want: policy.Question{Action: "sqs:Send?essage", Resource: "arn:aws-cn:sqs:cn-north-1:111122223333:jobs"}},
		{in: "sqs:SendMessage=arn:aws:sqs:*:*:jobs-*", want: policy.Question{Action: "sqs:SendMessage", Resource: "arn:aws:sqs:*:*:jobs-*"}},
		{in: "s3:GetObject=arn:aws:s3:us-west-2:111122223333:accesspoint/ap/object/k", want: policy.Question{Action: "s3:GetObject", Resource: "arn:aws:s3:us-west-2:111122223333:accesspoint/ap/object/k"}},
		{in: "kms:Decrypt=arn:aws-iso-b:kms:us-isob-east-1:111122223333:key/abc", want: policy.Question{Action: "kms:Decrypt", Resource: "arn:aws-iso-b:kms:us-isob-east-1:111122223333:key/abc"}},

		{in: "", err: `question "": the action is empty; write SERVICE:ACTION, e.g. s3:GetObject`},
		{in: "GetObject", err: `question "GetObject": the action "GetObject" has no service prefix; write SERVICE:ACTION, e.g. s3:GetObject`},
		{in: ":GetObject", err: `question ":GetObject": the action ":GetObject" has an empty service before the colon; write SERVICE:ACTION, e.g. s3:GetObject`},
		{in: "s*:GetObject", err: `question "s*:GetObject": the service "s*" of the action holds a wildcard, which IAM does not allow there; write SERVICE:ACTION, e.g. s3:GetObject`},
		{in: "S3:GetObject", err: `question "S3:GetObject": the service "S3" of the action is not a service name (lower-case letters, digits and hyphens); write SERVICE:ACTION, e.g. s3:GetObject`},
		{in: "s3:", err: `question "s3:": the action "s3:" has no action name after the colon; write SERVICE:ACTION, e.g. s3:GetObject`},
		{in: "s3:Get:Object", err: `question "s3:Get:Object": the action name "Get:Object" holds ':'; an action name has only letters and digits (and * or ? as wildcards); write SERVICE:ACTION, e.g. s3:GetObject`},
		{in: "s3:GetObject=", err: `question "s3:GetObject=": the resource after "=" is empty; write ACTION=RESOURCE with an ARN or "*", or the action alone`},
		{in: "s3:GetObject=invoices/*", err: `question "s3:GetObject=invoices/*": the resource "invoices/*" is not an ARN; write an ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (e.g. arn:aws:s3:::my-bucket/*) or "*"`},
		{in: "s3:GetObject=arn:aws:s3:invoices", err: `question "s3:GetObject=arn:aws:s3:invoices": the resource "arn:aws:s3:invoices" has 4 colon-separated fields, an ARN 6; write an ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (e.g. arn:aws:s3:::my-bucket/*) or "*"`},
		{in: "s3:GetObject=arn:amazon:s3:::invoices", err: `question "s3:GetObject=arn:amazon:s3:::invoices": the partition "amazon" of the resource is not one of aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc; write an ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (e.g. arn:aws:s3:::my-bucket/*) or "*"`},
		{in: "s3:GetObject=arn:aws:s*:::invoices", err: `question "s3:GetObject=arn:aws:s*:::invoices": the service "s*" of the resource ARN is not a service name (lower-case letters, digits and hyphens; no wildcard); write an ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (e.g. arn:aws:s3:::my-bucket/*) or "*"`},
		{in: "sqs:SendMessage=arn:aws:sqs:US-EAST-1:111122223333:q", err: `question "sqs:SendMessage=arn:aws:sqs:US-EAST-1:111122223333:q": the region "US-EAST-1" of the resource ARN is not a region name such as us-east-1; write an ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (e.g. arn:aws:s3:::my-bucket/*) or "*"`},
		{in: "sqs:SendMessage=arn:aws:sqs:us-east-1:1111-2222-3333:q", err: `question "sqs:SendMessage=arn:aws:sqs:us-east-1:1111-2222-3333:q": the account "1111-2222-3333" of the resource ARN is not a 12-digit account ID; write an ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (e.g. arn:aws:s3:::my-bucket/*) or "*"`},
		{in: "sqs:SendMessage=arn:aws:sqs:us-east-1:111122223333:", err: `question "sqs:SendMessage=arn:aws:sqs:us-east-1:111122223333:": the resource "arn:aws:sqs:us-east-1:111122223333:" has nothing after the account field; write an ARN arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE (e.g. arn:aws:s3:::my-bucket/*) or "*"`},
		{in: "s3:GetObject=arn:aws:s3:us-east-1:111122223333:invoices/a", err: `question "s3:GetObject=arn:aws:s3:us-east-1:111122223333:invoices/a": the S3 ARN "arn:aws:s3:us-east-1:111122223333:invoices/a" names a region or account; bucket and object ARNs leave both empty: arn:aws:s3:::invoices/a`},
		{in: "s3:GetObject=arn:aws:s3:::in voices", err: `question "s3:GetObject=arn:aws:s3:::in voices": the resource "arn:aws:s3:::in voices" holds ' ' after "arn:aws:s3:::in"; an ARN has only printable ASCII without spaces`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := policy.ParseQuestion(tt.in)
			if tt.err != "" {
				if err == nil || err.Error() != tt.err {
					t.Fatalf("ParseQuestion error = %v\nwant %s", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseQuestion: %v", err)
			}
			if got != tt.want {
				t.Errorf("ParseQuestion = %+v, want %+v", got, tt.want)
			}
			if got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
}

// FuzzParseQuestion: ParseQuestion never panics, an error is one line that
// quotes the input, and an accepted question prints back as its input.
func FuzzParseQuestion(f *testing.F) {
	for _, s := range []string{"s3:GetObject=arn:aws:s3:::invoices/*", "sqs:SendMessage", "s3:Get*=*", "a:b=arn:aws:x:y:111122223333:z", "s3:GetObject=arn:aws:s3:us-east-1::b", "==", "x:y=arn:aws-iso-f:s:*:1*:r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		q, err := policy.ParseQuestion(s)
		if err != nil {
			if strings.Contains(err.Error(), "\n") && !strings.Contains(s, "\n") {
				t.Fatalf("error spans lines: %q", err)
			}
			return
		}
		if q.String() != s {
			t.Fatalf("String() = %q, want %q", q.String(), s)
		}
		if q.Action == "" || strings.ContainsAny(q.Action, "= \n") {
			t.Fatalf("accepted action %q", q.Action)
		}
	})
}
