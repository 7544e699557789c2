package bundle

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/symptom"
)

// observationsOf reads data as the log of container app of pod api-0 in
// payments, under name (the dump's file name).
func observationsOf(t *testing.T, name string, data []byte) []snapshot.Observation {
	t.Helper()
	s, err := ReadCaptures(context.Background(), []Capture{{Path: name, Data: data,
		Source: snapshot.Source{Kind: "kube", Ref: "logs api-0 -n payments -c app"}}}, Manifest{})
	if err != nil {
		t.Fatal(err)
	}
	var out []snapshot.Observation
	for _, o := range s.Observations {
		out = append(out, *o)
	}
	return out
}

// TestFilterLog: only the matched entries (a stack trace whole) and two
// lines around each are kept, runs apart are separated by "--", secrets
// are redacted, and a log without a match gives nothing.
func TestFilterLog(t *testing.T) {
	const jwt = "eyJhbGciOiJSUzI1NiIsImtpZCI6IjEifQ.eyJhdWQiOlsic3RzIl19.c2lnbmF0dXJl"
	const secret = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"
	var log []string
	for i := range 10 {
		log = append(log, fmt.Sprintf("2026-12-07T00:00:%02dZ line %d", i, i))
	}
	log = append(log,
		"2026-12-07T00:01:00Z token "+jwt+" key AKIAIOSFODNN7EXAMPLE secret "+secret,
		"2026-12-07T00:01:01Z software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException: Incorrect token audience (Service: Sts, Status Code: 400)",
		"2026-12-07T00:01:01Z \tat software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleErrorResponse(CombinedResponseHandler.java:125)",
		"2026-12-07T00:01:02Z after 1",
		"2026-12-07T00:01:03Z after 2",
		"2026-12-07T00:01:04Z after 3",
	)
	for i := range 10 {
		log = append(log, fmt.Sprintf("2026-12-07T00:02:%02dZ more %d", i, i))
	}
	log = append(log,
		"2026-12-07T00:03:00Z "+audienceLine,
		"2026-12-07T00:03:01Z "+audienceLine,
		"2026-12-07T00:03:02Z last")
	raw := []byte(strings.Join(log, "\n") + "\n")
	got := string(FilterLog(raw))
	want := strings.Join([]string{
		"2026-12-07T00:00:09Z line 9",
		"2026-12-07T00:01:00Z token eyJ…(token redacted) key AKIA…(redacted) secret " + symptom.SecretRedacted,
		"2026-12-07T00:01:01Z software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException: Incorrect token audience (Service: Sts, Status Code: 400)",
		"2026-12-07T00:01:01Z \tat software.amazon.awssdk.core.internal.http.CombinedResponseHandler.handleErrorResponse(CombinedResponseHandler.java:125)",
		"2026-12-07T00:01:02Z after 1",
		"2026-12-07T00:01:03Z after 2",
		LogSeparator,
		"2026-12-07T00:02:08Z more 8",
		"2026-12-07T00:02:09Z more 9",
		"2026-12-07T00:03:00Z " + audienceLine,
		"2026-12-07T00:03:01Z " + audienceLine,
		"2026-12-07T00:03:02Z last",
	}, "\n") + "\n"
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("FilterLog (-want +got):\n%s", diff)
	}

	if b := FilterLog([]byte("2026-12-07T00:00:00Z starting\n2026-12-07T00:00:01Z ready\n")); b != nil {
		t.Errorf("a log without a match: %q, want nil", b)
	}
	if b := FilterLog(nil); b != nil {
		t.Errorf("an empty log: %q, want nil", b)
	}
}

// TestFilterLogReadsBackTheSame: the filtered log reads back to exactly
// the raw log's observations (signature, count, first and last times,
// sample, fields), so that scan --logs (which reads the filtered text)
// and analyze of the raw log agree; and the previous instance's name is
// attributed to the same container.
func TestFilterLogReadsBackTheSame(t *testing.T) {
	var log []string
	for i := range 300 {
		switch {
		case i == 7:
			log = append(log, fmt.Sprintf("2026-12-07T01:%02d:%02dZ %s", i/60, i%60, audienceLine))
		case i%50 == 3:
			log = append(log,
				fmt.Sprintf("2026-12-07T01:%02d:%02dZ software.amazon.awssdk.services.sts.model.InvalidIdentityTokenException: Incorrect token audience (Service: Sts, Status Code: 400)", i/60, i%60),
				fmt.Sprintf("2026-12-07T01:%02d:%02dZ \tat x.y(Z.java:1)", i/60, i%60))
		case i%70 == 5:
			log = append(log, fmt.Sprintf("2026-12-07T01:%02d:%02dZ WebIdentityErr: failed to retrieve credentials caused by: AccessDenied: Not authorized to perform sts:AssumeRoleWithWebIdentity", i/60, i%60))
		case i%9 == 0:
			log = append(log, "")
		default:
			log = append(log, fmt.Sprintf("2026-12-07T01:%02d:%02dZ ok %d", i/60, i%60, i))
		}
	}
	raw := []byte(strings.Join(log, "\n") + "\n")
	filtered := FilterLog(raw)
	if len(filtered) == 0 || len(filtered) > len(raw)/2 {
		t.Fatalf("filtered %d bytes of %d", len(filtered), len(raw))
	}
	for _, name := range []string{"logs/payments/api-0/app.log", "logs/payments/api-0/app.previous.log", "payments_api-0_app.previous.log"} {
		want := observationsOf(t, name, raw)
		got := observationsOf(t, name, filtered)
		if len(want) != 2 {
			t.Fatalf("%s: raw log gives %d observations, want 2 (audience, not authorized): %+v", name, len(want), want)
		}
		for i := range want {
			if want[i].Container != "app" || want[i].Pod != "api-0" || want[i].Namespace != "payments" {
				t.Errorf("%s: attributed to %s/%s/%s, want payments/api-0/app", name, want[i].Namespace, want[i].Pod, want[i].Container)
			}
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("%s: observations of the filtered log (-raw +filtered):\n%s", name, diff)
		}
	}
	// And filtering is idempotent.
	if again := FilterLog(filtered); string(again) != string(filtered) {
		t.Errorf("FilterLog(FilterLog(x)) != FilterLog(x):\n%s\n---\n%s", again, filtered)
	}
}

// scanDirect is what the log reader finds in data as the log of
// container c of pod p in ns, the file's recognition aside.
func scanDirect(data []byte) []snapshot.Observation {
	r := newResult("logs/ns/p/c.log")
	newObserver(r, snapshot.ObservedInLog).scan(data)
	var out []snapshot.Observation
	for _, o := range r.observations {
		out = append(out, *o)
	}
	return out
}

// FuzzFilterLog: no panic; the filtered text is UTF-8 without NUL, holds
// the same observations as the whole log redacted (signature, count,
// times, sample), and filtering it again changes nothing. (Whether a file is read as a
// log at all depends on its first line and encoding; the logs a live
// collection reads carry --timestamps on every line: see
// TestFilterLogReadsBackTheSame.)
func FuzzFilterLog(f *testing.F) {
	f.Add([]byte("2026-12-07T00:12:04Z " + audienceLine + "\n  at x\nCaused by: y\n"))
	f.Add([]byte("a\nb\nc\n2026-12-07T00:12:04Z " + audienceLine + "\nd\ne\nf\ng\nh\n" + audienceLine + "\n"))
	f.Add([]byte(`{"level":"error","ts":1796602323.5,"msg":"` + audienceLine + `"}`))
	f.Add([]byte("Incorrect token audience\x00\xff\n\n\n0\xd7"))
	f.Fuzz(func(t *testing.T, data []byte) {
		// Compared with the log redacted whole: a secret-shaped run that
		// overlaps an error's words ("0000…0Incorrect", 40 characters)
		// is redacted all the same, secrets first.
		lines := strings.Split(string(data), "\n")
		for i, l := range lines {
			lines[i] = symptom.Redact(textOnly(l))
		}
		want := scanDirect([]byte(strings.Join(lines, "\n")))
		out := FilterLog(data)
		if out == nil {
			if len(want) != 0 {
				t.Fatalf("nothing kept of a log with %d observations: %q", len(want), data)
			}
			return
		}
		if !utf8.Valid(out) || bytes.IndexByte(out, 0) >= 0 {
			t.Fatalf("filtered text is not UTF-8 text: %q", out)
		}
		got := scanDirect(out)
		if len(want) != len(got) {
			t.Fatalf("%d observations, filtered %d\nraw %q\nfiltered %q", len(want), len(got), data, out)
		}
		for i := range want {
			if want[i].Signature != got[i].Signature || want[i].Count != got[i].Count || want[i].First != got[i].First ||
				want[i].Last != got[i].Last || want[i].Sample != got[i].Sample {
				t.Fatalf("observation %d: raw %+v, filtered %+v\nraw %q\nfiltered %q", i, want[i], got[i], data, out)
			}
		}
		if again := FilterLog(out); !bytes.Equal(again, out) {
			t.Fatalf("filtering again changed it:\n%q\n%q", out, again)
		}
	})
}
