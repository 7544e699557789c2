package bundle

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

const audienceLine = `operation error STS: AssumeRoleWithWebIdentity, https response error StatusCode: 400, RequestID: 0b7a2f7e-1c2d-4e5f-8a9b-0c1d2e3f4a5b, InvalidIdentityToken: Incorrect token audience`

func TestLogs(t *testing.T) {
	tests := []struct {
		name, path, content string
		recognised          string
		want                []snapshot.Observation
	}{{
		name: "timestamps, attributed by the dump convention",
		path: "b/logs/payments/api-0/app.log",
		content: "2026-12-07T00:12:03.000000001Z starting\n" +
			"2026-12-07T00:12:04Z " + audienceLine + "\n" +
			"2026-12-07T00:13:04Z " + audienceLine + "\n",
		recognised: "kubectl:Logs",
		want: []snapshot.Observation{{Source: "log", Namespace: "payments", Pod: "api-0", Container: "app",
			Signature: "sts-incorrect-token-audience", Count: 2, First: "2026-12-07T00:12:04Z", Last: "2026-12-07T00:13:04Z"}},
	}, {
		name:       "JSON lines, zap's epoch ts, the NS_POD_CONTAINER name",
		path:       "b/payments_api-0_app.log",
		content:    `{"level":"error","ts":1796602323.5,"msg":"` + audienceLine + `"}` + "\n" + `{"level":"info","ts":1796602324,"msg":"retrying"}` + "\n",
		recognised: "kubectl:Logs",
		want: []snapshot.Observation{{Source: "log", Namespace: "payments", Pod: "api-0", Container: "app",
			Signature: "sts-incorrect-token-audience", Count: 1, First: "2026-12-07T00:12:03.5Z", Last: "2026-12-07T00:12:03.5Z"}},
	}, {
		name:       "kubectl --prefix names the pod and container",
		path:       "b/everything.txt",
		content:    "[pod/api-0/app] 2026-12-07T00:12:04Z " + audienceLine + "\n",
		recognised: "kubectl:Logs",
		want: []snapshot.Observation{{Source: "log", Pod: "api-0", Container: "app",
			Signature: "sts-incorrect-token-audience", Count: 1, First: "2026-12-07T00:12:04Z", Last: "2026-12-07T00:12:04Z"}},
	}, {
		name:       "a pasted error text, unattributed",
		path:       "b/error.txt",
		content:    audienceLine + "\n",
		recognised: "text:ErrorText",
		want:       []snapshot.Observation{{Source: "file", Signature: "sts-incorrect-token-audience", Count: 1}},
	}, {
		name: "an AWS CLI error text of an STS call",
		path: "b/error.txt",
		content: "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience\n" +
			"An error occurred (NoSuchEntity) when calling the GetRole operation: The role with name x cannot be found.\n",
		recognised: "aws:Error,text:ErrorText",
		want:       []snapshot.Observation{{Source: "file", Signature: "sts-incorrect-token-audience", Count: 1}},
	}, {
		name: "a Java stack trace with --timestamps on every line is one entry",
		path: "b/logs/payments/api-0/app.log",
		content: "2026-12-07T00:12:04Z software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException: Incorrect token audience (Service: Sts, Status Code: 400)\n" +
			"2026-12-07T00:12:04Z \tat software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleErrorResponse(CombinedResponseHandler.java:125)\n",
		recognised: "kubectl:Logs",
		want: []snapshot.Observation{{Source: "log", Namespace: "payments", Pod: "api-0", Container: "app",
			Signature: "sts-incorrect-token-audience", Count: 1, First: "2026-12-07T00:12:04Z", Last: "2026-12-07T00:12:04Z"}},
	}, {
		name:       "a plain log without a known error is a log with nothing in it",
		path:       "b/logs/payments/api-0/app.log",
		content:    "2026-12-07T00:12:03Z starting\n",
		recognised: "kubectl:Logs",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			writeTree(t, map[string]string{tt.path: tt.content})
			s := readPaths(t, "b")
			if len(s.Files) != 1 || s.Files[0].RecognisedAs != tt.recognised || s.Files[0].Error != "" {
				t.Fatalf("files = %+v, want one recognised as %s", s.Files, tt.recognised)
			}
			var got []snapshot.Observation
			for _, o := range s.Observations {
				if o.Sample == "" || strings.Contains(o.Sample, "eyJ") || o.File.Ref != tt.path {
					t.Errorf("observation %+v: want a sample and the file %s", o, tt.path)
				}
				if len(o.Candidates) == 0 || o.Candidates[0] != "IRSA303" {
					t.Errorf("candidates = %v, want IRSA303 first", o.Candidates)
				}
				c := *o
				c.Sample, c.File, c.Candidates, c.Fields, c.Title, c.Capture = "", snapshot.Source{}, nil, nil, "", nil
				got = append(got, c)
			}
			if diff := cmp.Diff(tt.want, got); diff != "" {
				t.Errorf("observations (-want +got):\n%s", diff)
			}
		})
	}
}

// A YAML capture is never read as a log, even when it quotes an error.
func TestLogsNotYAML(t *testing.T) {
	s := readStdin(t, "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: s\n  namespace: payments\n  annotations:\n    note: \"Incorrect token audience\"\n")
	if len(s.Observations) != 0 || len(s.ServiceAccounts) != 1 {
		t.Fatalf("observations %v, service accounts %v", s.Observations, s.ServiceAccounts)
	}
}

// A JWT in a log line never reaches the sample.
func TestLogsRedact(t *testing.T) {
	s := readStdin(t, "2026-12-07T00:12:04Z token eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln "+audienceLine+"\n")
	if len(s.Observations) != 1 || strings.Contains(s.Observations[0].Sample, "eyJhbGciOiJSUzI1NiJ9") {
		t.Fatalf("observations %+v", s.Observations)
	}
}

// The last maxLogLines lines are read: the latest error counts.
func TestLogsBounded(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("2026-12-07T00:00:00Z " + audienceLine + "\n")
	for range maxLogLines {
		b.WriteString("2026-12-07T00:00:01Z ok\n")
	}
	b.WriteString("2026-12-07T00:00:02Z " + audienceLine + "\n")
	s := readStdin(t, b.String())
	if len(s.Observations) != 1 || s.Observations[0].Count != 1 || s.Observations[0].First != "2026-12-07T00:00:02Z" {
		t.Fatalf("observations %+v", s.Observations)
	}
}

// FuzzLogs feeds arbitrary text as a log: no panic, counts positive, the
// sample bounded.
func FuzzLogs(f *testing.F) {
	f.Add([]byte("2026-12-07T00:12:04Z " + audienceLine + "\n  at x\nCaused by: y\n"))
	f.Add([]byte(`{"level":"error","ts":1796602323.5,"msg":"` + audienceLine + `"}`))
	f.Add([]byte("[pod/a/b] 2026-12-07T00:12:04+02:00 Unable to locate credentials\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		s, err := Read(context.Background(), []string{"-"}, Options{Stdin: bytes.NewReader(data)})
		if err != nil {
			t.Fatal(err)
		}
		for _, o := range s.Observations {
			if o.Count < 1 || len(o.Sample) > 4096 || o.Signature == "" {
				t.Fatalf("observation %+v", o)
			}
		}
	})
}

// Two refusals of one signature in one container are two questions: each
// is an observation of its own, counted apart (IRSA601-603 judge each).
func TestLogsRefusalsApart(t *testing.T) {
	deny := func(action, resource string) string {
		return "2026-12-07T00:00:0%dZ operation error S3: GetObject, https response error StatusCode: 403, api error AccessDenied: User: arn:aws:sts::111122223333:assumed-role/payments-s3-reader/botocore-session-1 is not authorized to perform: " +
			action + " on resource: \"" + resource + "\" because no identity-based policy allows the " + action + " action\n"
	}
	s := readStdin(t, fmt.Sprintf(deny("s3:GetObject", "arn:aws:s3:::invoices/a.pdf"), 1)+
		fmt.Sprintf(deny("kms:Decrypt", "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab"), 2)+
		fmt.Sprintf(deny("s3:GetObject", "arn:aws:s3:::invoices/a.pdf"), 3))
	var got []string
	for _, o := range s.Observations {
		got = append(got, fmt.Sprintf("%s %s %s %d %s", o.Signature, o.Fields["action"], o.Fields["resource"], o.Count, o.Last))
	}
	want := []string{
		"denied-pod-role s3:GetObject arn:aws:s3:::invoices/a.pdf 2 2026-12-07T00:00:03Z",
		"denied-pod-role kms:Decrypt arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab 1 2026-12-07T00:00:02Z",
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("observations (-want +got):\n%s", diff)
	}
}
