package awsfake

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	smithy "github.com/aws/smithy-go"
	"github.com/google/go-cmp/cmp"
)

// The SDK's own client reads the fake's LookupEvents: pages, filters,
// epoch times, and its errors as the typed exceptions of the AWS JSON 1.1
// protocol.
func TestLookupEventsWire(t *testing.T) {
	now := time.Date(2026, 12, 7, 1, 0, 0, 0, time.UTC)
	role := "arn:aws:iam::" + DefaultAccount + ":role/r"
	st := State{Now: func() time.Time { return now }}
	for i := range 3 {
		at := now.Add(-time.Duration(i+1) * time.Minute)
		st.TrailEvents = append(st.TrailEvents, TrailEvent{Time: at.Add(500 * time.Millisecond),
			Record: WebIdentityRecord(at, DefaultRegion, DefaultAccount, "oidc.example/id/1", "system:serviceaccount:a:b", role, "InvalidIdentityToken", "Incorrect token audience")})
	}
	st.TrailEvents = append(st.TrailEvents, TrailEvent{Time: now.Add(-time.Minute), Name: "AssumeRole", Record: "{}"},
		TrailEvent{Time: now.Add(-time.Minute), Region: "eu-west-1", Record: "{}"})
	f := New(t, st)
	c := cloudtrail.NewFromConfig(f.Config())
	in := &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("AssumeRoleWithWebIdentity")}},
		StartTime:        aws.Time(now.Add(-150 * time.Second)), EndTime: aws.Time(now), MaxResults: aws.Int32(1),
	}
	var times []time.Time
	pages := 0
	for p := cloudtrail.NewLookupEventsPaginator(c, in); p.HasMorePages(); {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, e := range out.Events {
			times = append(times, *e.EventTime)
			if aws.ToString(e.Username) != "system:serviceaccount:a:b" || aws.ToString(e.EventSource) != "sts.amazonaws.com" {
				t.Errorf("event %+v", e)
			}
		}
	}
	// Newest first, within the window, with milliseconds.
	want := []time.Time{now.Add(-time.Minute + 500*time.Millisecond), now.Add(-2*time.Minute + 500*time.Millisecond)}
	if pages != 2 || !cmp.Equal(want, times) {
		t.Errorf("%d pages, times %v, want 2 and %v", pages, times, want)
	}

	code := func(err error) string {
		var ae smithy.APIError
		if !errors.As(err, &ae) {
			return "not an API error: " + err.Error()
		}
		return ae.ErrorCode() + ": " + ae.ErrorMessage()
	}
	_, err := c.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{MaxResults: aws.Int32(51)})
	var maxErr *cttypes.InvalidMaxResultsException
	if !errors.As(err, &maxErr) {
		t.Errorf("MaxResults 51: %v, want InvalidMaxResultsException", err)
	}
	_, err = c.LookupEvents(context.Background(), &cloudtrail.LookupEventsInput{NextToken: aws.String("x#1")})
	var tokErr *cttypes.InvalidNextTokenException
	if !errors.As(err, &tokErr) {
		t.Errorf("bad token: %v, want InvalidNextTokenException", err)
	}
	f.Deny("cloudtrail:LookupEvents", "")
	_, err = c.LookupEvents(context.Background(), in)
	if got, want := code(err), "AccessDeniedException: User: arn:aws:iam::111122223333:user/irsa-doctor is not authorized to perform: cloudtrail:LookupEvents because no identity-based policy allows the cloudtrail:LookupEvents action"; got != want {
		t.Errorf("denied: %s, want %s", got, want)
	}
	if got := f.Log()[len(f.Log())-1]; got.Status != 400 || got.Resource != DefaultRegion {
		t.Errorf("denied call logged %+v, want status 400 in %s", got, DefaultRegion)
	}
}
