package awscollect

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/testenv/awsfake"
)

// trailNow is the fixed clock of the CloudTrail tests.
var trailNow = time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)

const (
	apiSub      = "system:serviceaccount:payments:api"
	audience    = "Incorrect token audience"
	invalidTok  = "InvalidIdentityToken"
	trailPrefix = "cloudtrail:LookupEvents"
)

// trailWorld holds, in us-west-2, 120 AssumeRoleWithWebIdentity events of
// the last hour (every 10th a failure of reader's: 12 failures; every
// 10th+1 a failure of reporter's, a role not asked for; the rest
// successes of reader's), an AssumeRole event, a failure of reader's two
// hours ago, and 3 failures of reader's in us-east-1.
func trailWorld() awsfake.State {
	st := awsfake.State{Region: "us-west-2", Now: func() time.Time { return trailNow }}
	rec := func(at time.Time, region, role, code, msg string) string {
		return awsfake.WebIdentityRecord(at, region, acctA, issuerHP, apiSub, role, code, msg)
	}
	for i := range 120 {
		at := trailNow.Add(-time.Duration(i+1) * 29 * time.Second)
		switch i % 10 {
		case 0:
			st.TrailEvents = append(st.TrailEvents, awsfake.TrailEvent{Time: at, Record: rec(at, "us-west-2", reader, invalidTok, audience)})
		case 1:
			st.TrailEvents = append(st.TrailEvents, awsfake.TrailEvent{Time: at, Record: rec(at, "us-west-2", reporter, invalidTok, audience)})
		default:
			st.TrailEvents = append(st.TrailEvents, awsfake.TrailEvent{Time: at, Record: rec(at, "us-west-2", reader, "", "")})
		}
	}
	old := trailNow.Add(-2 * time.Hour)
	st.TrailEvents = append(st.TrailEvents,
		awsfake.TrailEvent{Time: trailNow.Add(-time.Minute), Name: "AssumeRole", Record: `{"eventName":"AssumeRole","errorCode":"AccessDenied","requestParameters":{"roleArn":"` + reader + `"}}`},
		awsfake.TrailEvent{Time: old, Record: rec(old, "us-west-2", reader, invalidTok, audience)})
	for i := range 3 {
		at := trailNow.Add(-time.Duration(i+1) * time.Minute)
		st.TrailEvents = append(st.TrailEvents, awsfake.TrailEvent{Region: "us-east-1", Time: at,
			Record: rec(at, "us-east-1", reader, "AccessDenied", "Not authorized to perform sts:AssumeRoleWithWebIdentity")})
	}
	return st
}

// trailClock records the rate limiter's waits and returns at once.
type trailClock struct{ waits []time.Duration }

func (c *trailClock) sleep(_ context.Context, d time.Duration) error {
	c.waits = append(c.waits, d)
	return nil
}

func trailOpts(c *trailClock, regions ...string) TrailOptions {
	return TrailOptions{Regions: regions, RoleARNs: []string{reader}, Since: time.Hour,
		Now: func() time.Time { return trailNow }, Sleep: c.sleep}
}

// lookups is the fake's log of LookupEvents calls: their regions. An SDK
// retry of a call (Attempt > 1) is the same query, not another.
func lookups(f *awsfake.Fake) []string {
	var out []string
	for _, c := range f.Log() {
		if c.Action == trailPrefix && c.Attempt <= 1 {
			out = append(out, c.Resource)
		}
	}
	return out
}

// keptEvents decodes a capture: the kept events' times.
func keptEvents(t *testing.T, c bundle.Capture) []string {
	t.Helper()
	var doc struct {
		Events []struct {
			EventTime       string
			EventName       string
			CloudTrailEvent string
		}
	}
	if err := json.Unmarshal(c.Data, &doc); err != nil {
		t.Fatalf("%s: %v", c.Path, err)
	}
	var out []string
	for _, e := range doc.Events {
		out = append(out, e.EventTime)
	}
	return out
}

func TestCollectCloudTrail(t *testing.T) {
	t.Run("one paginated query, paced, keeps the roles' failures", func(t *testing.T) {
		f := awsfake.New(t, trailWorld())
		clock := &trailClock{}
		res := CollectCloudTrail(context.Background(), f.Config(), trailOpts(clock, "us-west-2"))
		// 120 events of the hour in pages of 50: 3 calls of the one
		// region, each filtered by event name (the fake serves only the
		// EventName attribute and drops the AssumeRole event by it).
		if diff := cmp.Diff([]string{"us-west-2", "us-west-2", "us-west-2"}, lookups(f)); diff != "" {
			t.Errorf("lookups (-want +got):\n%s", diff)
		}
		// The limiter waits before the 2nd and 3rd page (the clock stands
		// still, so each waits the whole interval).
		if diff := cmp.Diff([]time.Duration{TrailInterval, TrailInterval}, clock.waits); diff != "" {
			t.Errorf("waits (-want +got):\n%s", diff)
		}
		if len(res.Gaps) != 0 || len(res.Captures) != 1 || res.Captures[0].Path != "cloudtrail/lookup-events-us-west-2.json" {
			t.Fatalf("gaps %+v, captures %d", res.Gaps, len(res.Captures))
		}
		var want []string
		for i := 0; i < 120; i += 10 {
			want = append(want, trailNow.Add(-time.Duration(i+1)*29*time.Second).Format("2006-01-02T15:04:05-07:00"))
		}
		if diff := cmp.Diff(want, keptEvents(t, res.Captures[0])); diff != "" {
			t.Errorf("kept events (-want +got):\n%s", diff)
		}
		// What is captured reads back as the observation analyze makes of
		// a dump.
		s, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{})
		if err != nil {
			t.Fatal(err)
		}
		if len(s.Observations) != 1 {
			t.Fatalf("observations %+v", s.Observations)
		}
		o := *s.Observations[0]
		got := fmt.Sprintf("%s %s %s/%s %s %d %s %s", o.Source, o.Signature, o.Namespace, o.ServiceAccount, o.Role, o.Count, o.First, o.Last)
		if w := "cloudtrail sts-incorrect-token-audience payments/api " + reader + " 12 2026-12-07T00:06:21Z 2026-12-07T00:59:31Z"; got != w {
			t.Errorf("observation %s, want %s", got, w)
		}
	})

	t.Run("one query per region", func(t *testing.T) {
		f := awsfake.New(t, trailWorld())
		res := CollectCloudTrail(context.Background(), f.Config(), trailOpts(&trailClock{}, "us-west-2", "us-east-1", "us-west-2"))
		if diff := cmp.Diff([]string{"us-west-2", "us-west-2", "us-west-2", "us-east-1"}, lookups(f)); diff != "" {
			t.Errorf("lookups (-want +got):\n%s", diff)
		}
		if len(res.Captures) != 2 || res.Captures[1].Path != "cloudtrail/lookup-events-us-east-1.json" || len(keptEvents(t, res.Captures[1])) != 3 {
			t.Errorf("captures %+v", res.Captures)
		}
	})

	t.Run("stops at max events with a gap", func(t *testing.T) {
		f := awsfake.New(t, trailWorld())
		opts := trailOpts(&trailClock{}, "us-west-2")
		opts.MaxEvents = 60
		res := CollectCloudTrail(context.Background(), f.Config(), opts)
		if diff := cmp.Diff([]string{"us-west-2", "us-west-2"}, lookups(f)); diff != "" {
			t.Errorf("lookups (-want +got):\n%s", diff)
		}
		want := []snapshot.Gap{{Source: "aws", Operation: "cloudtrail:LookupEvents", Resource: "region us-west-2",
			Reason: "stopped after 60 events; raise --cloudtrail-max-events or lower --since"}}
		if diff := cmp.Diff(want, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
		// The failures among the 60 newest events are kept.
		if len(res.Captures) != 1 || len(keptEvents(t, res.Captures[0])) != 6 {
			t.Errorf("captures %+v", res.Captures)
		}
	})

	t.Run("exactly max events is no gap", func(t *testing.T) {
		f := awsfake.New(t, trailWorld())
		opts := trailOpts(&trailClock{}, "us-west-2")
		opts.MaxEvents = 120
		res := CollectCloudTrail(context.Background(), f.Config(), opts)
		if len(res.Gaps) != 0 || len(lookups(f)) != 3 {
			t.Errorf("gaps %+v, lookups %v", res.Gaps, lookups(f))
		}
	})

	t.Run("denied is a gap naming the optional statement", func(t *testing.T) {
		f := awsfake.New(t, trailWorld())
		f.Deny("cloudtrail:LookupEvents", "us-east-1")
		res := CollectCloudTrail(context.Background(), f.Config(), trailOpts(&trailClock{}, "us-west-2", "us-east-1"))
		want := []snapshot.Gap{{Source: "aws", Operation: "cloudtrail:LookupEvents", Resource: "region us-east-1",
			Reason: "AccessDeniedException: User: arn:aws:iam::111122223333:user/irsa-doctor is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action" +
				" (grant cloudtrail:LookupEvents: the optional statement IrsaDoctorCloudTrailOptional of deploy/iam-policy.json)"}}
		if diff := cmp.Diff(want, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
		// The refused region has no capture: none would prove anything.
		if len(res.Captures) != 1 || res.Captures[0].Path != "cloudtrail/lookup-events-us-west-2.json" {
			t.Errorf("captures %+v", res.Captures)
		}
	})

	t.Run("a role of another account is a gap", func(t *testing.T) {
		f := awsfake.New(t, trailWorld())
		opts := trailOpts(&trailClock{}, "us-west-2")
		opts.RoleARNs, opts.Account = []string{reader, crossRole}, acctA
		res := CollectCloudTrail(context.Background(), f.Config(), opts)
		want := []snapshot.Gap{{Source: "aws", Operation: "cloudtrail:LookupEvents", Resource: "account " + acctB,
			Reason: "not read: CloudTrail records the AssumeRoleWithWebIdentity calls of a role in the role's account, 444455556666, and the AWS credentials are in account 111122223333" +
				" (capture it with credentials of 444455556666: `aws cloudtrail lookup-events --region us-west-2 --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRoleWithWebIdentity --start-time 2026-12-07T00:00:00Z --output json`)"}}
		if diff := cmp.Diff(want, res.Gaps); diff != "" {
			t.Errorf("gaps (-want +got):\n%s", diff)
		}
		if len(res.Captures) != 1 || len(keptEvents(t, res.Captures[0])) != 12 {
			t.Errorf("captures %+v", res.Captures)
		}
	})

	t.Run("throttling is retried by the SDK", func(t *testing.T) {
		f := awsfake.New(t, trailWorld())
		f.Throttle("cloudtrail:LookupEvents", 1)
		res := CollectCloudTrail(context.Background(), f.Config(), trailOpts(&trailClock{}, "us-west-2"))
		// The throttled first call is answered 400 and retried: still
		// three queries, one of them tried twice.
		throttled := 0
		for _, c := range f.Log() {
			if c.Action == trailPrefix && c.Status == 400 {
				throttled++
			}
		}
		if len(res.Gaps) != 0 || len(lookups(f)) != 3 || throttled != 1 || len(keptEvents(t, res.Captures[0])) != 12 {
			t.Errorf("gaps %+v, lookups %v, %d throttled", res.Gaps, lookups(f), throttled)
		}
	})
}

func TestTrailRegions(t *testing.T) {
	pod := func(env ...snapshot.EnvVar) *snapshot.Pod {
		return &snapshot.Pod{Spec: snapshot.PodSpec{Containers: []snapshot.Container{{Name: "app", Env: env}}}}
	}
	irsa := []snapshot.EnvVar{{Name: "AWS_ROLE_ARN", Value: reader}, {Name: "AWS_WEB_IDENTITY_TOKEN_FILE", Value: "/var/run/secrets/eks.amazonaws.com/serviceaccount/token"}}
	with := func(extra ...snapshot.EnvVar) []snapshot.EnvVar {
		return append(append([]snapshot.EnvVar{}, irsa...), extra...)
	}
	regional := snapshot.EnvVar{Name: "AWS_STS_REGIONAL_ENDPOINTS", Value: "regional"}
	region := snapshot.EnvVar{Name: "AWS_REGION", Value: "us-west-2"}
	defRegion := snapshot.EnvVar{Name: "AWS_DEFAULT_REGION", Value: "us-west-2"}
	for _, tc := range []struct {
		name string
		pods []*snapshot.Pod
		want []string
	}{
		{"the webhook's injection", []*snapshot.Pod{pod(with(regional, region, defRegion)...)}, []string{"us-west-2"}},
		{"legacy endpoints", []*snapshot.Pod{pod(with(snapshot.EnvVar{Name: "AWS_STS_REGIONAL_ENDPOINTS", Value: "legacy"}, region)...)}, []string{"us-west-2", "us-east-1"}},
		{"no region", []*snapshot.Pod{pod(with(regional)...)}, []string{"us-west-2", "us-east-1"}},
		{"AWS_DEFAULT_REGION alone is a region", []*snapshot.Pod{pod(with(defRegion)...)}, []string{"us-west-2"}},
		{"no web identity, no STS call", []*snapshot.Pod{pod()}, []string{"us-west-2"}},
		{"one pod of several", []*snapshot.Pod{pod(with(regional, region)...), pod(irsa...)}, []string{"us-west-2", "us-east-1"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, TrailRegions("us-west-2", tc.pods)); diff != "" {
				t.Errorf("regions (-want +got):\n%s", diff)
			}
		})
	}
	if got := TrailRegions("us-east-1", []*snapshot.Pod{pod(irsa...)}); !cmp.Equal(got, []string{"us-east-1"}) {
		t.Errorf("in us-east-1: %v", got)
	}
}
