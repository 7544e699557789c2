package bundle

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

const (
	trailIssuer   = "oidc.eks.us-west-2.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
	trailProvider = "arn:aws:iam::111122223333:oidc-provider/" + trailIssuer
	trailRole     = "arn:aws:iam::111122223333:role/payments-s3-reader"
)

// trailRecord is a CloudTrail record of an AssumeRoleWithWebIdentity call
// as CloudTrail writes it (the CloudTrailEvent string of lookup-events):
// userIdentity of type WebIdentityUser whose userName is the token's
// subject, requestParameters with the role asked for.
func trailRecord(t *testing.T, at, sub, role, code, msg string) string {
	t.Helper()
	rec := map[string]any{
		"eventVersion": "1.08",
		"userIdentity": map[string]any{"type": "WebIdentityUser",
			"principalId":      trailProvider + ":sts.amazonaws.com:" + sub,
			"userName":         sub,
			"identityProvider": trailProvider},
		"eventTime": at, "eventSource": "sts.amazonaws.com", "eventName": "AssumeRoleWithWebIdentity",
		"awsRegion": "us-west-2", "sourceIPAddress": "203.0.113.7", "userAgent": "aws-sdk-go-v2/1.36.3 os/linux lang/go#1.24.2",
		"requestParameters": map[string]any{"roleArn": role, "roleSessionName": "botocore-session-1796602323", "durationSeconds": 3600},
		"responseElements":  nil,
		"requestID":         "c1b4a2f0-0c6e-4f5e-9d4a-1e2f3a4b5c6d",
		"eventID":           "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8e",
		"readOnly":          true, "eventType": "AwsApiCall", "managementEvent": true,
		"recipientAccountId": "111122223333", "eventCategory": "Management",
	}
	if code != "" {
		rec["errorCode"], rec["errorMessage"] = code, msg
	}
	b, err := json.Marshal(rec)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// lookupEvents is `aws cloudtrail lookup-events --output json` around
// records, each with its EventTime as the CLI prints it (a string) or as
// the API sends it (a number).
func lookupEvents(t *testing.T, events ...[2]string) string {
	t.Helper()
	var out []map[string]any
	for i, e := range events {
		var when any = e[0]
		if !strings.Contains(e[0], "T") {
			when = json.Number(e[0])
		}
		out = append(out, map[string]any{"EventId": "5b6c7d8e-9f0a-4b1c-8d2e-3f4a5b6c7d8" + string(rune('0'+i%10)),
			"EventName": "AssumeRoleWithWebIdentity", "ReadOnly": "true", "EventTime": when,
			"EventSource": "sts.amazonaws.com", "Resources": []any{}, "CloudTrailEvent": e[1]})
	}
	b, err := json.MarshalIndent(map[string]any{"Events": out}, "", "    ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b) + "\n"
}

func TestLookupEvents(t *testing.T) {
	const (
		api    = "system:serviceaccount:payments:api"
		worker = "system:serviceaccount:batch:worker"
	)
	other := "arn:aws:iam::111122223333:role/batch-reader"
	content := lookupEvents(t,
		// Two failures of one ServiceAccount and role: counted once, the
		// CLI's ISO EventTime, the record's eventTime read first.
		[2]string{"2026-12-07T00:12:03+00:00", trailRecord(t, "2026-12-07T00:12:03Z", api, trailRole, "InvalidIdentityToken", "Incorrect token audience")},
		[2]string{"2026-12-07T00:14:09+00:00", trailRecord(t, "2026-12-07T00:14:09Z", api, trailRole, "InvalidIdentityToken", "Incorrect token audience")},
		// A success is no symptom.
		[2]string{"2026-12-07T00:15:00+00:00", trailRecord(t, "2026-12-07T00:15:00Z", api, trailRole, "", "")},
		// The API's epoch EventTime, read when the record has no time.
		[2]string{"1796602500.25", trailRecord(t, "", worker, other, "InvalidIdentityToken", "No OpenIDConnect provider found in your account for https://"+trailIssuer)},
		[2]string{"2026-12-07T00:16:00+00:00", trailRecord(t, "2026-12-07T00:16:00Z", worker, other, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")},
		[2]string{"2026-12-07T00:17:00+00:00", trailRecord(t, "2026-12-07T00:17:00Z", worker, other, "ExpiredTokenException", "Token expired: current date/time 1796602620 must be before the expiration date/time1796602000")},
		[2]string{"2026-12-07T00:18:00+00:00", trailRecord(t, "2026-12-07T00:18:00Z", worker, other, "IDPCommunicationError", "The request could not be fulfilled because the identity provider (IdP) that was asked to verify the identity token could not be reached.")},
		[2]string{"2026-12-07T00:19:00+00:00", trailRecord(t, "2026-12-07T00:19:00Z", worker, other, "InvalidIdentityToken", "OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint")},
		// A subject that is no ServiceAccount: the role alone says whose.
		[2]string{"2026-12-07T00:20:00+00:00", trailRecord(t, "2026-12-07T00:20:00Z", "repo:octo/app:ref:refs/heads/main", other, "InvalidIdentityToken", "Incorrect token audience")},
	)
	writeTree(t, map[string]string{"b/cloudtrail/lookup-events-us-west-2.json": content})
	s := readPaths(t, "b")
	if len(s.Files) != 1 || s.Files[0].RecognisedAs != "aws:LookupEvents" || s.Files[0].Error != "" {
		t.Fatalf("files = %+v, want one recognised as aws:LookupEvents", s.Files)
	}
	f := src("b/cloudtrail/lookup-events-us-west-2.json")
	audience := "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience"
	want := []snapshot.Observation{{
		Source: "cloudtrail", Namespace: "payments", ServiceAccount: "api", Role: trailRole,
		Signature: "sts-incorrect-token-audience", Title: "InvalidIdentityToken: Incorrect token audience", Candidates: []string{"IRSA303", "IRSA306"},
		Count: 2, First: "2026-12-07T00:12:03Z", Last: "2026-12-07T00:14:09Z",
		Sample: audience + " (role " + trailRole + ", subject " + api + ")", File: f,
	}, {
		Source: "cloudtrail", Namespace: "batch", ServiceAccount: "worker", Role: other,
		Signature: "sts-oidc-provider-not-found", Candidates: []string{"IRSA302", "IRSA203", "IRSA301"},
		Count: 1, First: "2026-12-07T00:15:00.25Z", Last: "2026-12-07T00:15:00.25Z",
		Sample: "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: No OpenIDConnect provider found in your account for https://" + trailIssuer +
			" (role " + other + ", subject " + worker + ")", File: f,
	}, {
		Source: "cloudtrail", Namespace: "batch", ServiceAccount: "worker", Role: other,
		Signature: "sts-not-authorized-web-identity", Candidates: []string{"IRSA205", "IRSA203", "IRSA204", "IRSA202"},
		Count: 1, First: "2026-12-07T00:16:00Z", Last: "2026-12-07T00:16:00Z",
		Sample: "An error occurred (AccessDenied) when calling the AssumeRoleWithWebIdentity operation: Not authorized to perform sts:AssumeRoleWithWebIdentity (role " + other + ", subject " + worker + ")", File: f,
	}, {
		Source: "cloudtrail", Namespace: "batch", ServiceAccount: "worker", Role: other,
		Signature: "sts-expired-token", Candidates: []string{"IRSA408", "IRSA112"},
		Count: 1, First: "2026-12-07T00:17:00Z", Last: "2026-12-07T00:17:00Z",
		Sample: "An error occurred (ExpiredTokenException) when calling the AssumeRoleWithWebIdentity operation: Token expired: current date/time 1796602620 must be before the expiration date/time1796602000 (role " + other + ", subject " + worker + ")", File: f,
	}, {
		Source: "cloudtrail", Namespace: "batch", ServiceAccount: "worker", Role: other,
		Signature: "sts-idp-communication-error", Candidates: []string{"IRSA305"},
		Count: 1, First: "2026-12-07T00:18:00Z", Last: "2026-12-07T00:18:00Z",
		Sample: "An error occurred (IDPCommunicationError) when calling the AssumeRoleWithWebIdentity operation: The request could not be fulfilled because the identity provider (IdP) that was asked to verify the identity token could not be reached. (role " + other + ", subject " + worker + ")", File: f,
	}, {
		Source: "cloudtrail", Namespace: "batch", ServiceAccount: "worker", Role: other,
		Signature: "sts-thumbprint-mismatch", Candidates: []string{"IRSA304", "IRSA305"},
		Count: 1, First: "2026-12-07T00:19:00Z", Last: "2026-12-07T00:19:00Z",
		Sample: "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: OpenIDConnect provider's HTTPS certificate doesn't match configured thumbprint (role " + other + ", subject " + worker + ")", File: f,
	}, {
		Source: "cloudtrail", Role: other,
		Signature: "sts-incorrect-token-audience", Candidates: []string{"IRSA303", "IRSA306"},
		Count: 1, First: "2026-12-07T00:20:00Z", Last: "2026-12-07T00:20:00Z",
		Sample: audience + " (role " + other + ", subject repo:octo/app:ref:refs/heads/main)", File: f,
	}}
	var got []snapshot.Observation
	for _, o := range s.Observations {
		c := *o
		if c.Fields["role_arn"] != c.Role {
			t.Errorf("%s: fields %v, want role_arn %s", c.Signature, c.Fields, c.Role)
		}
		c.Fields, c.Capture = nil, nil
		if c.Signature != "sts-incorrect-token-audience" || c.Namespace == "" {
			// Titles are the catalogue's; one is asserted.
			c.Title = ""
		}
		got = append(got, c)
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("observations (-want +got):\n%s", diff)
	}
	// The capture commands are filled in with the role the event names.
	if cmds := s.Observations[2].Capture; len(cmds) == 0 || cmds[0] != "aws iam get-role --role-name batch-reader --output json" {
		t.Errorf("capture = %q, want get-role of batch-reader first", cmds)
	}
}

// A record whose userIdentity lacks userName still names its subject in
// principalId; a CloudTrailEvent that is no JSON is a problem of the file
// and the other events are kept.
func TestLookupEventsPrincipalIDAndBadRecord(t *testing.T) {
	rec := trailRecord(t, "2026-12-07T00:12:03Z", "system:serviceaccount:payments:api", trailRole, "InvalidIdentityToken", "Incorrect token audience")
	rec = strings.Replace(rec, `,"userName":"system:serviceaccount:payments:api"`, "", 1)
	if strings.Contains(rec, "userName") {
		t.Fatalf("record still has userName: %s", rec)
	}
	s := readStdin(t, lookupEvents(t, [2]string{"2026-12-07T00:12:03Z", "{not json"}, [2]string{"2026-12-07T00:12:03Z", rec}))
	if len(s.Observations) != 1 || s.Observations[0].Namespace != "payments" || s.Observations[0].ServiceAccount != "api" {
		t.Fatalf("observations %+v", s.Observations)
	}
	if len(s.Files) != 1 || s.Files[0].RecognisedAs != "aws:LookupEvents" ||
		!strings.Contains(s.Files[0].Error, "lookup-events event whose CloudTrailEvent is not a CloudTrail record") {
		t.Fatalf("files %+v", s.Files)
	}
}

// An empty lookup (no failure in the window) is recognised and adds
// nothing; a NextToken is fine.
func TestLookupEventsEmpty(t *testing.T) {
	s := readStdin(t, `{"Events": [], "NextToken": "kbOt5LlZe++mErCebpy2TgaMgmDvF1kYGFcH64JSjIbZFjsuvrSqg66b5YGssKutDYIyII4lrP4="}`)
	if len(s.Observations) != 0 || len(s.Files) != 1 || s.Files[0].RecognisedAs != "aws:LookupEvents" || s.Files[0].Error != "" {
		t.Fatalf("observations %+v, files %+v", s.Observations, s.Files)
	}
}

// FuzzLookupEvents feeds arbitrary CloudTrail records through
// lookup-events output: no panic, counts positive, samples bounded.
func FuzzLookupEvents(f *testing.F) {
	f.Add("2026-12-07T00:12:03Z", "system:serviceaccount:payments:api", trailRole, "InvalidIdentityToken", "Incorrect token audience", `{"eventName":"AssumeRoleWithWebIdentity"}`)
	f.Add("1796602500.25", "system:serviceaccount::", "", "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity", `{"errorCode":1}`)
	f.Fuzz(func(t *testing.T, at, sub, role, code, msg, raw string) {
		rec, err := json.Marshal(map[string]any{"eventName": "AssumeRoleWithWebIdentity", "eventTime": at,
			"userIdentity":      map[string]any{"type": "WebIdentityUser", "userName": sub, "principalId": sub},
			"requestParameters": map[string]any{"roleArn": role}, "errorCode": code, "errorMessage": msg})
		if err != nil {
			t.Skip()
		}
		doc, err := json.Marshal(map[string]any{"Events": []any{
			map[string]any{"EventName": "AssumeRoleWithWebIdentity", "EventTime": at, "CloudTrailEvent": string(rec)},
			map[string]any{"EventTime": 1796602500.25, "CloudTrailEvent": raw},
		}})
		if err != nil {
			t.Skip()
		}
		s, err := Read(context.Background(), []string{"-"}, Options{Stdin: bytes.NewReader(doc)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range s.Observations {
			if o.Count < 1 || len(o.Sample) > 4096 || o.Signature == "" || o.Source != "cloudtrail" {
				t.Fatalf("observation %+v", o)
			}
		}
	})
}

// A token pasted where the subject goes never reaches the sample: the
// sample is the catalogue's redacted match.
func TestLookupEventsRedact(t *testing.T) {
	jwt := "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln"
	rec := trailRecord(t, "2026-12-07T00:12:03Z", jwt, trailRole, "InvalidIdentityToken", "Incorrect token audience")
	s := readStdin(t, lookupEvents(t, [2]string{"2026-12-07T00:12:03Z", rec}))
	if len(s.Observations) != 1 || strings.Contains(s.Observations[0].Sample, "eyJhbGciOiJSUzI1NiJ9") ||
		!strings.HasSuffix(s.Observations[0].Sample, "subject eyJ…(token redacted))") {
		t.Fatalf("observations %+v", s.Observations)
	}
}

// Another output with Events (aws rds describe-events) is not
// lookup-events output.
func TestLookupEventsOtherEvents(t *testing.T) {
	s := readStdin(t, `{"Events": [{"SourceIdentifier": "db-1", "SourceType": "db-instance", "Message": "DB instance restarted", "Date": "2026-12-07T00:12:03Z"}]}`)
	if len(s.Observations) != 0 || len(s.Files) != 1 || s.Files[0].RecognisedAs != "" ||
		!strings.Contains(s.Files[0].Error, `an object with keys "Events" whose Events are not CloudTrail events`) {
		t.Fatalf("observations %+v, files %+v", s.Observations, s.Files)
	}
}
