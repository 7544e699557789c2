package awscollect

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/cloudtrail"
	cttypes "github.com/aws/aws-sdk-go-v2/service/cloudtrail/types"
	smithy "github.com/aws/smithy-go"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// CloudTrail as evidence (`scan --cloudtrail`, issue 12): the failed
// sts:AssumeRoleWithWebIdentity calls of the targets' roles in the last
// --since, read from CloudTrail's event history with
// cloudtrail:LookupEvents. One query per region, filtered by event name
// (LookupEvents takes one lookup attribute, and a role ARN is no lookup
// attribute: filtering by role happens here, on each event's
// requestParameters.roleArn), never one per role. What is kept is
// captured as `aws cloudtrail lookup-events --output json` prints it, so
// that a dump gives analyze the same observations (bundle/cloudtrail.go).
//
// No event proves nothing: CloudTrail logs the unauthenticated STS calls
// (AssumeRoleWithWebIdentity) but "some unauthenticated AWS STS requests
// might not be logged because they do not meet the minimum expectation of
// being sufficiently valid to be trusted as a legitimate request"
// ("Logging IAM and AWS STS API calls with AWS CloudTrail",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/cloudtrail-integration.html),
// and event history lags the calls by a few minutes. The events found are
// evidence; none found is no pass.

// Defaults of TrailOptions.
const (
	DefaultTrailSince     = time.Hour
	DefaultTrailMaxEvents = 5000
	// TrailInterval spaces the LookupEvents calls of one region: CloudTrail
	// allows LookupEvents 2 requests per second per account and region
	// ("Quotas in AWS CloudTrail",
	// https://docs.aws.amazon.com/awscloudtrail/latest/userguide/WhatIsCloudTrail-Limits.html),
	// and throttles past that. The SDK's retryer backs off on
	// ThrottlingException all the same; pacing avoids spending retries.
	TrailInterval = 500 * time.Millisecond
	// trailPage is LookupEvents' largest page.
	trailPage = 50
	// TrailPolicySid names the optional statement of deploy/iam-policy.json
	// that grants cloudtrail:LookupEvents.
	TrailPolicySid = "IrsaDoctorCloudTrailOptional"
)

// TrailOptions says what CloudTrail events to read.
type TrailOptions struct {
	// Regions are read in order, each once; duplicates are dropped.
	Regions []string
	// RoleARNs are the targets' roles: only their events are kept.
	RoleARNs []string
	// Account is the credentials' account, "" when unknown. CloudTrail
	// records an AssumeRoleWithWebIdentity call in the account of the role
	// asked for (the caller has no account: it signs with a token); the
	// events of a role of another account are in that account's event
	// history, which these credentials do not read: each such account is
	// a gap.
	Account string
	// Since is how far back to look; 0 means DefaultTrailSince.
	Since time.Duration
	// MaxEvents bounds the events examined per region (kept or not);
	// past it the lookup stops with a gap. 0 means DefaultTrailMaxEvents.
	MaxEvents int
	// Now is the clock; nil is time.Now.
	Now func() time.Time
	// Sleep waits d, or until ctx ends (the rate limiter); nil sleeps.
	// Tests inject one that records the waits and returns at once.
	Sleep func(ctx context.Context, d time.Duration) error
	// CallTimeout bounds each call; 0 means DefaultCallTimeout.
	CallTimeout time.Duration
	// Progress, when set, is called after each call.
	Progress func(action string)
}

// TrailResult is what a lookup produced.
type TrailResult struct {
	Captures []bundle.Capture
	Gaps     []snapshot.Gap
}

// TrailCapturePath is the capture of one region's kept events.
func TrailCapturePath(region string) string {
	return "cloudtrail/lookup-events-" + region + ".json"
}

// TrailCommand is the AWS CLI command a capture stands for.
func TrailCommand(region string, start time.Time) string {
	return "aws cloudtrail lookup-events --region " + region +
		" --lookup-attributes AttributeKey=EventName,AttributeValue=AssumeRoleWithWebIdentity --start-time " +
		start.UTC().Format(time.RFC3339) + " --output json"
}

// pacer spaces calls by an interval on an injectable clock.
type pacer struct {
	interval time.Duration
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
	last     time.Time
}

func (p *pacer) wait(ctx context.Context) error {
	if !p.last.IsZero() {
		if d := p.interval - p.now().Sub(p.last); d > 0 {
			if err := p.sleep(ctx, d); err != nil {
				return err
			}
		}
	}
	p.last = p.now()
	return nil
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// CollectCloudTrail looks up the failed AssumeRoleWithWebIdentity events
// of opts.RoleARNs in each region. A refused or failed lookup is a gap,
// never an error: CloudTrail is evidence, not a fact the checks need.
func CollectCloudTrail(ctx context.Context, cfg aws.Config, opts TrailOptions) TrailResult {
	if opts.Since <= 0 {
		opts.Since = DefaultTrailSince
	}
	if opts.MaxEvents <= 0 {
		opts.MaxEvents = DefaultTrailMaxEvents
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	if opts.Sleep == nil {
		opts.Sleep = sleepCtx
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	end := opts.Now().UTC().Truncate(time.Second)
	start := end.Add(-opts.Since)
	var res TrailResult
	roles := map[string]bool{}
	elsewhere := map[string]bool{}
	for _, r := range opts.RoleARNs {
		roles[r] = true
		if ref, err := arn.ParseRole(r); err == nil && opts.Account != "" && ref.Account != opts.Account {
			elsewhere[ref.Account] = true
		}
	}
	for _, acct := range sortedKeys(elsewhere) {
		region := ""
		if len(opts.Regions) > 0 {
			region = opts.Regions[0]
		}
		res.Gaps = append(res.Gaps, snapshot.Gap{Source: "aws", Operation: "cloudtrail:LookupEvents", Resource: "account " + acct,
			Reason: fmt.Sprintf("not read: CloudTrail records the AssumeRoleWithWebIdentity calls of a role in the role's account, %s, and the AWS credentials are in account %s (capture it with credentials of %s: `%s`)",
				acct, opts.Account, acct, TrailCommand(region, start))})
	}
	seen := map[string]bool{}
	for _, region := range opts.Regions {
		if region == "" || seen[region] {
			continue
		}
		seen[region] = true
		if ctx.Err() != nil {
			return res
		}
		kept, gap, complete := lookupRegion(ctx, cfg, region, start, end, roles, opts)
		if gap != nil {
			res.Gaps = append(res.Gaps, *gap)
		}
		if !complete && len(kept) == 0 {
			// Refused, failed or cut short before any failure was found:
			// an empty capture would read as "no failed call".
			continue
		}
		data, err := renderLookupEvents(kept)
		if err != nil {
			res.Gaps = append(res.Gaps, snapshot.Gap{Source: "aws", Operation: "cloudtrail:LookupEvents", Resource: "region " + region, Reason: err.Error()})
			continue
		}
		res.Captures = append(res.Captures, bundle.Capture{Path: TrailCapturePath(region), Data: data,
			Source: snapshot.Source{Kind: "aws", Ref: "cloudtrail:LookupEvents"}})
	}
	return res
}

// lookupRegion pages through one region's AssumeRoleWithWebIdentity
// events and keeps the failed ones of the roles. The gap is set when the
// lookup was refused, failed or stopped at MaxEvents; complete reports
// that every event of the window was examined.
func lookupRegion(ctx context.Context, cfg aws.Config, region string, start, end time.Time, roles map[string]bool, opts TrailOptions) (kept []cttypes.Event, gap *snapshot.Gap, complete bool) {
	client := cloudtrail.NewFromConfig(cfg, func(o *cloudtrail.Options) { o.Region = region })
	pace := &pacer{interval: TrailInterval, now: opts.Now, sleep: opts.Sleep}
	in := &cloudtrail.LookupEventsInput{
		LookupAttributes: []cttypes.LookupAttribute{{AttributeKey: cttypes.LookupAttributeKeyEventName, AttributeValue: aws.String("AssumeRoleWithWebIdentity")}},
		StartTime:        aws.Time(start), EndTime: aws.Time(end), MaxResults: aws.Int32(trailPage),
	}
	examined := 0
	for {
		if err := pace.wait(ctx); err != nil {
			return kept, nil, false
		}
		cctx, cancel := context.WithTimeout(ctx, opts.CallTimeout)
		out, err := client.LookupEvents(cctx, in)
		cancel()
		if opts.Progress != nil {
			opts.Progress("cloudtrail:LookupEvents")
		}
		if err != nil {
			if ctx.Err() != nil {
				return kept, nil, false
			}
			return kept, trailGap(err, region, start, opts.CallTimeout), false
		}
		for _, ev := range out.Events {
			if examined == opts.MaxEvents {
				return kept, stoppedGap(region, opts.MaxEvents), false
			}
			examined++
			if failedFor(ev, roles) {
				kept = append(kept, ev)
			}
		}
		if out.NextToken == nil || *out.NextToken == "" {
			return kept, nil, true
		}
		if examined == opts.MaxEvents {
			return kept, stoppedGap(region, opts.MaxEvents), false
		}
		in.NextToken = out.NextToken
	}
}

func stoppedGap(region string, max int) *snapshot.Gap {
	return &snapshot.Gap{Source: "aws", Operation: "cloudtrail:LookupEvents", Resource: "region " + region,
		Reason: fmt.Sprintf("stopped after %d events; raise --cloudtrail-max-events or lower --since", max)}
}

// trailGap says why a lookup failed and what to do.
func trailGap(err error, region string, start time.Time, timeout time.Duration) *snapshot.Gap {
	g := &snapshot.Gap{Source: "aws", Operation: "cloudtrail:LookupEvents", Resource: "region " + region}
	cmd := TrailCommand(region, start)
	grant := "grant cloudtrail:LookupEvents: the optional statement " + TrailPolicySid + " of deploy/iam-policy.json"
	var ae smithy.APIError
	switch {
	case errors.As(err, &ae):
		code := ae.ErrorCode()
		h := hint(err, code, grant, cmd)
		if code == "UnrecognizedClientException" || code == "InvalidClientTokenId" {
			// The credentials are not valid in this region (an opt-in
			// region not enabled for the account, or another partition).
			h = "the credentials are not accepted in " + region + "; capture it with `" + cmd + "`"
		}
		g.Reason = fmt.Sprintf("%s: %s (%s)", code, ae.ErrorMessage(), h)
	case errors.Is(err, context.DeadlineExceeded):
		g.Reason = fmt.Sprintf("timed out after %s (run again, or capture it with `%s`)", timeout, cmd)
	default:
		g.Reason = fmt.Sprintf("request failed: %v (capture it with `%s`)", err, cmd)
	}
	return g
}

// failedFor reports a failed AssumeRoleWithWebIdentity of one of roles.
func failedFor(ev cttypes.Event, roles map[string]bool) bool {
	if ev.CloudTrailEvent == nil {
		return false
	}
	var rec struct {
		EventName         string `json:"eventName"`
		ErrorCode         string `json:"errorCode"`
		RequestParameters struct {
			RoleArn string `json:"roleArn"`
		} `json:"requestParameters"`
	}
	if json.Unmarshal([]byte(*ev.CloudTrailEvent), &rec) != nil {
		return false
	}
	return rec.EventName == "AssumeRoleWithWebIdentity" && rec.ErrorCode != "" && roles[rec.RequestParameters.RoleArn]
}

// cliEvent is an event as `aws cloudtrail lookup-events --output json`
// prints it: EventTime in ISO 8601 with the offset (the CLI's default
// cli_timestamp_format, iso8601).
type cliEvent struct {
	EventID         string        `json:"EventId"`
	EventName       string        `json:"EventName"`
	ReadOnly        string        `json:"ReadOnly"`
	AccessKeyID     string        `json:"AccessKeyId,omitempty"`
	EventTime       string        `json:"EventTime"`
	EventSource     string        `json:"EventSource"`
	Username        string        `json:"Username,omitempty"`
	Resources       []cliResource `json:"Resources"`
	CloudTrailEvent string        `json:"CloudTrailEvent"`
}

type cliResource struct {
	ResourceType string `json:"ResourceType,omitempty"`
	ResourceName string `json:"ResourceName,omitempty"`
}

func renderLookupEvents(events []cttypes.Event) ([]byte, error) {
	out := struct {
		Events []cliEvent `json:"Events"`
	}{Events: []cliEvent{}}
	for _, ev := range events {
		e := cliEvent{EventID: aws.ToString(ev.EventId), EventName: aws.ToString(ev.EventName), ReadOnly: aws.ToString(ev.ReadOnly),
			AccessKeyID: aws.ToString(ev.AccessKeyId), EventSource: aws.ToString(ev.EventSource), Username: aws.ToString(ev.Username),
			CloudTrailEvent: aws.ToString(ev.CloudTrailEvent), Resources: []cliResource{}}
		if ev.EventTime != nil {
			e.EventTime = ev.EventTime.UTC().Format("2006-01-02T15:04:05-07:00")
		}
		for _, r := range ev.Resources {
			e.Resources = append(e.Resources, cliResource{ResourceType: aws.ToString(r.ResourceType), ResourceName: aws.ToString(r.ResourceName)})
		}
		out.Events = append(out.Events, e)
	}
	b, err := json.MarshalIndent(out, "", "    ")
	if err != nil {
		return nil, fmt.Errorf("render lookup-events: %w", err)
	}
	return append(b, '\n'), nil
}

// TrailRegions are the regions whose CloudTrail records the pods' calls:
// the cluster's, where the SDKs' regional STS endpoint records them, and
// us-east-1 when a container's SDK may call the global endpoint
// sts.amazonaws.com, whose events CloudTrail records in us-east-1 ("AWS
// STS regionalized endpoints",
// https://docs.aws.amazon.com/IAM/latest/UserGuide/id_credentials_temp_region-endpoints.html;
// "CloudTrail records ... global endpoint ... US East (N. Virginia)").
// A container that uses web identity (it has AWS_WEB_IDENTITY_TOKEN_FILE
// or AWS_ROLE_ARN: the SDK's web identity provider needs both, and a
// container with neither never calls AssumeRoleWithWebIdentity) may call
// the global endpoint when it sets
// AWS_STS_REGIONAL_ENDPOINTS to anything but "regional" (the SDKs'
// sts_regional_endpoints setting, "legacy" selecting the global
// endpoint: https://docs.aws.amazon.com/sdkref/latest/guide/feature-sts-regionalized-endpoints.html),
// or sets neither AWS_REGION nor AWS_DEFAULT_REGION (an SDK without a
// region uses the global endpoint). The pod identity webhook injects
// AWS_STS_REGIONAL_ENDPOINTS=regional and both region variables
// (internal/webhook), so a mutated pod needs only its own region.
func TrailRegions(region string, pods []*snapshot.Pod) []string {
	out := []string{region}
	if region == "us-east-1" {
		return out
	}
	for _, p := range pods {
		for _, c := range append(append([]snapshot.Container{}, p.Spec.InitContainers...), p.Spec.Containers...) {
			if globalSTS(c.Env) {
				return append(out, "us-east-1")
			}
		}
	}
	return out
}

func globalSTS(env []snapshot.EnvVar) bool {
	has := map[string]bool{}
	legacy := false
	for _, e := range env {
		has[e.Name] = true
		if e.Name == "AWS_STS_REGIONAL_ENDPOINTS" && e.ValueFrom == nil && e.Value != "regional" {
			legacy = true
		}
	}
	if !has["AWS_WEB_IDENTITY_TOKEN_FILE"] && !has["AWS_ROLE_ARN"] {
		return false
	}
	return legacy || (!has["AWS_REGION"] && !has["AWS_DEFAULT_REGION"])
}
