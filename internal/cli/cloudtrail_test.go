package cli

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/spf13/cobra"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

func TestCloudTrailFlagErrors(t *testing.T) {
	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"negative since", []string{"scan", "--cloudtrail", "--since", "-1h"}, `invalid argument "-1h" for "--since" flag: want a duration above 0 and at most 2160h (90 days), e.g. 30m or 24h`},
		{"since past the event history", []string{"dump", "d", "--cloudtrail", "--since", "2161h"}, `invalid argument "2161h" for "--since" flag`},
		{"since not a duration", []string{"scan", "--cloudtrail", "--since", "yesterday"}, `invalid argument "yesterday" for "--since" flag`},
		{"max events 0", []string{"scan", "--cloudtrail", "--cloudtrail-max-events", "0"}, `invalid argument "0" for "--cloudtrail-max-events" flag: want a count of 1 or more`},
		{"since without cloudtrail", []string{"scan", "--since", "2h"}, "--since needs --cloudtrail (see 'irsa-doctor scan --help')"},
		{"max events without cloudtrail", []string{"dump", "d", "--cloudtrail-max-events", "10"}, "--cloudtrail-max-events needs --cloudtrail (see 'irsa-doctor dump --help')"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := runCLI(t, "", tc.args...)
			if r.code != ExitUsage {
				t.Errorf("exit %d, want %d (stderr %q)", r.code, ExitUsage, r.stderr)
			}
			oneLineErr(t, r, tc.want)
		})
	}
}

func TestCloudTrailFlagValues(t *testing.T) {
	o := parseOptions(t, func(runF func(context.Context, *ScanOptions) error) *cobra.Command { return NewCmdScan(testDeps, runF) },
		"--cloudtrail --since 24h --cloudtrail-max-events 200", "")
	if want := (cloudTrailFlags{On: true, Since: sinceValue(24 * time.Hour), MaxEvents: 200}); o.Live.CloudTrail != want {
		t.Errorf("flags %+v, want %+v", o.Live.CloudTrail, want)
	}
	// The defaults are the zero value, shown as 1h and 5000.
	var f cloudTrailFlags
	if f.Since.String() != "1h" || f.MaxEvents.String() != "5000" {
		t.Errorf("defaults %s, %s; want 1h, 5000", f.Since.String(), f.MaxEvents.String())
	}
}

// TestE2ECloudTrail: `scan --cloudtrail` on a pod whose provider lacks the
// token's audience reads the failed calls CloudTrail recorded for its
// ServiceAccount: the pod's symptoms[] has them (source cloudtrail) and
// IRSA303, which explains them, carries them as evidence. dump --cloudtrail
// and analyze give the same symptoms; a refused lookup is a gap, not a
// failure.
func TestE2ECloudTrail(t *testing.T) {
	c := sharedCluster(t)
	const ns = "e2e-trail"
	role := e2eRoleARN("e2e-trail-reader")
	sub := "system:serviceaccount:" + ns + ":s3-reader"
	p := e2eGoodProvider(c)
	p.ClientIDs = []string{"sts.amazon.com"} // the classic typo: STS answers "Incorrect token audience"
	now := time.Now().UTC().Truncate(time.Second)
	first, last := now.Add(-40*time.Minute), now.Add(-5*time.Minute)
	hp := e2eIssuerHostPath(c)
	fail := func(at time.Time, region, sub, role string) awsfake.TrailEvent {
		return awsfake.TrailEvent{Region: region, Time: at,
			Record: awsfake.WebIdentityRecord(at, region, e2eAccount, hp, sub, role, "InvalidIdentityToken", "Incorrect token audience")}
	}
	e := newE2E(t, ns, awsfake.State{
		Roles:     []awsfake.Role{{ARN: role, TrustPolicy: e2eTrustPolicy(c, ns, "s3-reader", webhook.DefaultAudience)}},
		Providers: []awsfake.OIDCProvider{p},
		TrailEvents: []awsfake.TrailEvent{
			fail(first, awsfake.DefaultRegion, sub, role),
			fail(now.Add(-20*time.Minute), awsfake.DefaultRegion, sub, role),
			fail(last, awsfake.DefaultRegion, sub, role),
			// Before --since (1h): not asked for.
			fail(now.Add(-2*time.Hour), awsfake.DefaultRegion, sub, role),
			// A success, and another role's failure: not kept.
			{Time: now.Add(-time.Minute), Record: awsfake.WebIdentityRecord(now.Add(-time.Minute), awsfake.DefaultRegion, e2eAccount, hp, sub, role, "", "")},
			fail(now.Add(-3*time.Minute), awsfake.DefaultRegion, "system:serviceaccount:other:x", e2eRoleARN("other")),
			// The global endpoint's: the webhook's pod calls the regional
			// one, so us-east-1 is not read.
			fail(now.Add(-4*time.Minute), "us-east-1", sub, role),
		},
	})
	// As EKS runs the webhook: AWS_STS_REGIONAL_ENDPOINTS=regional and the
	// region injected.
	c.StartWebhook(t, testenv.WebhookOptions{Config: webhook.Config{RegionalSTS: true, DefaultRegion: awsfake.DefaultRegion}})
	e.serviceAccount("s3-reader", role, nil)
	e.pod(e2ePod("api", "s3-reader"))

	sample := "An error occurred (InvalidIdentityToken) when calling the AssumeRoleWithWebIdentity operation: Incorrect token audience (role " + role + ", subject " + sub + ")"
	wantSymptoms := []finding.Symptom{{Source: "cloudtrail", Container: "", Signature: "sts-incorrect-token-audience",
		Title: "InvalidIdentityToken: Incorrect token audience", Count: 3,
		First: first.Format(time.RFC3339), Last: last.Format(time.RFC3339), Sample: sample, ExplainedBy: []string{"IRSA303"}}}
	symptomsOf := func(res finding.Result) []finding.Symptom {
		for _, tg := range res.Targets {
			if tg.Kind == "Pod" && tg.Name == "api" {
				return tg.Symptoms
			}
		}
		t.Fatalf("no target pod api: %+v", res.Targets)
		return nil
	}

	t.Run("scan", func(t *testing.T) {
		e.aws.Reset()
		r, res := e.scan("--cloudtrail")
		if r.code != ExitFindings || len(res.Gaps) != 0 {
			t.Fatalf("exit %d, gaps %+v, stderr %q", r.code, res.Gaps, r.stderr)
		}
		// One query, of the cluster's region.
		var lookups []string
		for _, call := range e.aws.Log() {
			if call.Action == "cloudtrail:LookupEvents" && call.Attempt <= 1 {
				lookups = append(lookups, call.Resource)
			}
		}
		if diff := cmp.Diff([]string{awsfake.DefaultRegion}, lookups); diff != "" {
			t.Errorf("lookups (-want +got):\n%s", diff)
		}
		if diff := cmp.Diff(wantSymptoms, symptomsOf(res)); diff != "" {
			t.Errorf("symptoms (-want +got):\n%s", diff)
		}
		var irsa303 *finding.Finding
		for i, f := range res.Findings {
			if f.CheckID == "IRSA303" && f.Status == finding.StatusFail {
				irsa303 = &res.Findings[i]
			}
		}
		if irsa303 == nil {
			t.Fatalf("no failing IRSA303: %+v", failures(res))
		}
		want := finding.Evidence{Source: "aws", Ref: "cloudtrail:LookupEvents", Value: "observed: sts-incorrect-token-audience in CloudTrail, 3 times: " + sample}
		found := false
		for _, ev := range irsa303.Evidence {
			found = found || ev == want
			if strings.Contains(ev.Value, now.Format("2006-01-02")) {
				t.Errorf("evidence carries a time: %+v", ev)
			}
		}
		if !found {
			t.Errorf("IRSA303 evidence %+v lacks %+v", irsa303.Evidence, want)
		}
		// Only the optional statement's action is added.
		policy := append(policyActions(t), "cloudtrail:LookupEvents")
		for _, a := range e.aws.Actions() {
			if !strings.HasPrefix(a, "sts:AssumeRoleWithWebIdentity") && !contains(policy, a) {
				t.Errorf("called %s, which deploy/iam-policy.json does not grant", a)
			}
		}
	})

	t.Run("dump and analyze", func(t *testing.T) {
		dir := t.TempDir() + "/bundle"
		if d := e.main("dump", dir, "--cluster", e2eCluster, "--cloudtrail"); d.code != ExitOK {
			t.Fatalf("dump: exit %d, stderr %q", d.code, d.stderr)
		}
		var out, errOut bytes.Buffer
		deps := e.deps(&out, &errOut)
		deps.Live = LiveDeps{}
		if code := Main([]string{"analyze", dir, "-o", "json"}, deps); code != ExitFindings {
			t.Fatalf("analyze: exit %d, stderr %q", code, errOut.String())
		}
		if diff := cmp.Diff(wantSymptoms, symptomsOf(decode(t, out.String()))); diff != "" {
			t.Errorf("analyze symptoms (-want +got):\n%s", diff)
		}
	})

	t.Run("a container on the global endpoint adds us-east-1", func(t *testing.T) {
		legacy := e2ePod("legacy", "s3-reader")
		legacy.Spec.Containers[0].Env = []corev1.EnvVar{{Name: "AWS_STS_REGIONAL_ENDPOINTS", Value: "legacy"}}
		e.pod(legacy)
		t.Cleanup(func() {
			_ = c.Admin.Client.CoreV1().Pods(ns).Delete(context.Background(), "legacy", metav1.DeleteOptions{})
		})
		e.aws.Reset()
		r, res := e.scan("--cloudtrail", "--pod", "legacy")
		if r.code != ExitFindings || len(res.Gaps) != 0 {
			t.Fatalf("exit %d, gaps %+v, stderr %q", r.code, res.Gaps, r.stderr)
		}
		var lookups []string
		for _, call := range e.aws.Log() {
			if call.Action == "cloudtrail:LookupEvents" && call.Attempt <= 1 {
				lookups = append(lookups, call.Resource)
			}
		}
		if diff := cmp.Diff([]string{awsfake.DefaultRegion, "us-east-1"}, lookups); diff != "" {
			t.Errorf("lookups (-want +got):\n%s", diff)
		}
		// The ServiceAccount's events of each region, counted per region.
		var got []string
		for _, tg := range res.Targets {
			for _, s := range tg.Symptoms {
				got = append(got, fmt.Sprintf("%s/%s %s %d %s", tg.Kind, tg.Name, s.Source, s.Count, s.Last))
			}
		}
		want := []string{"Pod/legacy cloudtrail 3 " + last.Format(time.RFC3339), "Pod/legacy cloudtrail 1 " + now.Add(-4*time.Minute).Format(time.RFC3339)}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("symptoms (-want +got):\n%s", diff)
		}
	})

	t.Run("denied", func(t *testing.T) {
		e.aws.Deny("cloudtrail:LookupEvents", "")
		r, res := e.scan("--cloudtrail")
		if r.code != ExitFindings {
			t.Fatalf("exit %d, stderr %q", r.code, r.stderr)
		}
		want := []finding.Gap{{Source: "aws", Operation: "cloudtrail:LookupEvents", Resource: "region " + awsfake.DefaultRegion,
			Reason: "AccessDeniedException: User: arn:aws:iam::" + e2eAccount + ":user/irsa-doctor is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action" +
				" (grant cloudtrail:LookupEvents: the optional statement IrsaDoctorCloudTrailOptional of deploy/iam-policy.json)"}}
		if diff := cmp.Diff(want, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
		if s := symptomsOf(res); len(s) != 0 {
			t.Errorf("symptoms %+v, want none", s)
		}
	})
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}

// collect on what the collection found: nothing without a role, a gap when
// the collection was cut short before it, and a gap when its own lookup
// is cut short.
func TestCloudTrailCollectGaps(t *testing.T) {
	sa := func(role string) []bundle.Capture {
		ann := ""
		if role != "" {
			ann = `, "annotations": {"eks.amazonaws.com/role-arn": "` + role + `"}`
		}
		return []bundle.Capture{{Path: "kube/serviceaccounts.json", Data: []byte(`{"apiVersion": "v1", "kind": "ServiceAccount",
			"metadata": {"name": "api", "namespace": "payments"` + ann + `}}`)}}
	}
	f := awsfake.New(t, awsfake.State{})
	deps := Deps{Now: time.Now}
	var flags cloudTrailFlags
	caps, gaps := flags.collect(context.Background(), deps, f.Config(), factsOf(sa(""), bundle.Manifest{}), "", cloudTrailScope{}, nil)
	if len(caps) != 0 || len(gaps) != 0 || f.Queries("cloudtrail:LookupEvents") != 0 {
		t.Errorf("no role: captures %v, gaps %+v, %d lookups", caps, gaps, f.Queries("cloudtrail:LookupEvents"))
	}
	role := e2eRoleARN("api")
	_, gaps = flags.collect(context.Background(), deps, f.Config(), factsOf(sa(role), bundle.Manifest{}), "incomplete: timed out after 5m", cloudTrailScope{}, nil)
	want := []snapshot.Gap{{Source: "live", Operation: "cloudtrail", Resource: "--cloudtrail", Reason: "incomplete: timed out after 5m: CloudTrail was not read"}}
	if diff := cmp.Diff(want, gaps); diff != "" {
		t.Errorf("incomplete (-want +got):\n%s", diff)
	}
	ctx, cancel := context.WithCancelCause(context.Background())
	cancel(errors.New("interrupted"))
	caps, gaps = flags.collect(ctx, deps, f.Config(), factsOf(sa(role), bundle.Manifest{}), "", cloudTrailScope{}, nil)
	want = []snapshot.Gap{{Source: "live", Operation: "cloudtrail", Resource: "--cloudtrail", Reason: "stopped before every event was read: interrupted"}}
	if diff := cmp.Diff(want, gaps); diff != "" || len(caps) != 0 {
		t.Errorf("cut short: captures %v, gaps (-want +got):\n%s", caps, diff)
	}
	// With the role, the fake's region is read once.
	caps, gaps = flags.collect(context.Background(), deps, f.Config(), factsOf(sa(role), bundle.Manifest{}), "", cloudTrailScope{}, nil)
	if len(gaps) != 0 || len(caps) != 1 || caps[0].Path != "cloudtrail/lookup-events-us-west-2.json" || f.Queries("cloudtrail:LookupEvents") != 1 {
		t.Errorf("captures %v, gaps %+v, %d lookups", caps, gaps, f.Queries("cloudtrail:LookupEvents"))
	}
}
