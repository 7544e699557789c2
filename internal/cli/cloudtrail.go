package cli

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/spf13/cobra"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/awscollect"
	"github.com/irsa-doctor/irsa-doctor/internal/model"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// CloudTrail as evidence (`scan --cloudtrail`, `dump --cloudtrail`;
// issue 12): after the read-only collection, the failed
// sts:AssumeRoleWithWebIdentity calls of the targets' roles in the last
// --since, from CloudTrail's event history (awscollect.CollectCloudTrail).
// They become targets[].symptoms[] of source "cloudtrail" and evidence of
// the checks that explain them, as errors seen in a log do.

// cloudTrailHelp is --cloudtrail's help.
const cloudTrailHelp = "also read the failed sts:AssumeRoleWithWebIdentity calls of the targets' roles from CloudTrail's event history " +
	"(cloudtrail:LookupEvents, the optional statement " + awscollect.TrailPolicySid + " of deploy/iam-policy.json)"

// maxSince is how far back CloudTrail's event history goes.
const maxSince = 90 * 24 * time.Hour

// cloudTrailFlags are --cloudtrail, --since and --cloudtrail-max-events.
// Their zero values are the defaults, so that options without them compare
// equal to the defaults.
type cloudTrailFlags struct {
	On        bool
	Since     sinceValue
	MaxEvents maxEventsValue
}

func (f *cloudTrailFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.BoolVar(&f.On, "cloudtrail", false, cloudTrailHelp)
	fl.Var(&f.Since, "since", "with --cloudtrail: look this far back, e.g. 30m or 24h (at most 90 days, CloudTrail's event history)")
	fl.Var(&f.MaxEvents, "cloudtrail-max-events", "with --cloudtrail: examine at most N AssumeRoleWithWebIdentity events per region, then stop and say so")
	requireFlag(cmd, &f.On, "cloudtrail", "since", "cloudtrail-max-events")
}

// sinceValue is --since: a duration above 0 and at most maxSince; 0
// stands for the default.
type sinceValue time.Duration

func (v *sinceValue) String() string {
	if *v == 0 {
		return shortDuration(awscollect.DefaultTrailSince)
	}
	return shortDuration(time.Duration(*v))
}

func (v *sinceValue) Set(s string) error {
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 || d > maxSince {
		return fmt.Errorf("want a duration above 0 and at most 2160h (90 days), e.g. 30m or 24h")
	}
	*v = sinceValue(d)
	return nil
}

func (v *sinceValue) Type() string { return "duration" }

// maxEventsValue is --cloudtrail-max-events: a count of 1 or more; 0
// stands for the default.
type maxEventsValue int

func (v *maxEventsValue) String() string {
	if *v == 0 {
		return strconv.Itoa(awscollect.DefaultTrailMaxEvents)
	}
	return strconv.Itoa(int(*v))
}

func (v *maxEventsValue) Set(s string) error {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		return fmt.Errorf("want a count of 1 or more")
	}
	*v = maxEventsValue(n)
	return nil
}

func (v *maxEventsValue) Type() string { return "int" }

// cloudTrailScope is what collectLive decided to collect: the named
// targets (sel), and whether only their ServiceAccounts' roles were read.
type cloudTrailScope struct {
	sel       model.Selector
	namedOnly bool
}

// collect looks up the CloudTrail events of the roles and pods the
// captures hold. incomplete is why the collection was cut short ("" when
// it was not): then nothing is looked up, and a gap says so.
func (f *cloudTrailFlags) collect(ctx context.Context, deps Deps, cfg aws.Config, facts func() (*snapshot.Snapshot, error), incomplete string,
	scope cloudTrailScope, progress func(string)) ([]bundle.Capture, []snapshot.Gap) {
	if incomplete != "" {
		return nil, []snapshot.Gap{{Source: "live", Operation: "cloudtrail", Resource: "--cloudtrail", Reason: incomplete + ": CloudTrail was not read"}}
	}
	// Read even when ctx ended: the gap then says what was not looked up.
	snap, err := facts()
	if err != nil {
		return nil, []snapshot.Gap{{Source: "live", Operation: "cloudtrail", Resource: "--cloudtrail", Reason: "read the collected facts: " + err.Error()}}
	}
	var only map[model.NamespacedName]bool
	if scope.namedOnly {
		only = targetSAs(snap, scope.sel)
	}
	roles := roleARNs(snap, only)
	if len(roles) == 0 {
		return nil, nil
	}
	// The pods of those roles, whose containers' settings say whether
	// their SDKs may call the global STS endpoint (awscollect.TrailRegions).
	isRole := map[string]bool{}
	for _, r := range roles {
		isRole[r] = true
	}
	var pods []*snapshot.Pod
	for _, p := range snap.Pods {
		sa := snap.ServiceAccounts[snapshot.Key(p.Namespace, p.Spec.ServiceAccount())]
		if sa == nil || (only != nil && !only[model.NamespacedName{Namespace: sa.Namespace, Name: sa.Name}]) {
			continue
		}
		if isRole[strings.TrimSpace(sa.Annotations[webhook.AnnotationRoleARN])] {
			pods = append(pods, p)
		}
	}
	region := cfg.Region
	for _, c := range snap.Clusters {
		if c.Region != "" {
			region = c.Region
			break
		}
	}
	account := ""
	if snap.Caller != nil {
		account = snap.Caller.Account
	}
	res := awscollect.CollectCloudTrail(ctx, cfg, awscollect.TrailOptions{
		Regions: awscollect.TrailRegions(region, pods), RoleARNs: roles, Account: account,
		Since: time.Duration(f.Since), MaxEvents: int(f.MaxEvents), Now: deps.Now, Progress: progress,
	})
	if ctx.Err() != nil {
		// Cut short (Ctrl-C, --timeout): the failures found so far are
		// kept; the rest of the window was not read.
		res.Gaps = append(res.Gaps, snapshot.Gap{Source: "live", Operation: "cloudtrail", Resource: "--cloudtrail",
			Reason: "stopped before every event was read: " + context.Cause(ctx).Error()})
	}
	return res.Captures, res.Gaps
}
