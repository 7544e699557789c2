package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsmiddleware "github.com/aws/aws-sdk-go-v2/aws/middleware"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	smithy "github.com/aws/smithy-go"
	"github.com/aws/smithy-go/middleware"
	"golang.org/x/time/rate"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/awscollect"
	"github.com/irsa-doctor/irsa-doctor/internal/collect/oidc"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// AWSOptions say how serve reads the AWS facts: as scan does
// (awscollect, then the issuer's documents), cached for Refresh.
type AWSOptions struct {
	Config       aws.Config
	RoleProfiles map[string]aws.Config
	// Cluster is the EKS cluster's name; "" finds it by Endpoint.
	Cluster  string
	Endpoint string
	// OIDCClient fetches the issuer's documents.
	OIDCClient *http.Client
	// Refresh is how long the AWS facts are kept (--aws-refresh).
	Refresh time.Duration
}

// Rate and backoff of the AWS collections: at most one collection a
// second (a burst of 3: the refresh and two new roles), and after a
// throttled one, the next after 5 s, 10 s, 20 s ... (at most Refresh),
// each with a random half off so that replicas do not retry in step.
const (
	awsRate        = time.Second
	awsBurst       = 3
	backoffInitial = 5 * time.Second
)

// errThrottled is a collection that AWS throttled: its facts are not
// used, the previous ones stay.
var errThrottled = errors.New("throttled by AWS")

// awsFacts caches the AWS facts, as the captures a scan would make, and
// the snapshot they read into.
type awsFacts struct {
	opts    AWSOptions
	log     *slog.Logger
	limiter *rate.Limiter

	mu       sync.Mutex
	caps     []bundle.Capture
	listed   []bundle.ManifestEntry
	gaps     []snapshot.Gap
	cluster  string
	accounts []string
	// roles read, or tried, since the last full collection.
	roles map[string]bool
	// version is the server version's capture (kube/version.json).
	version *bundle.Capture
	base    *snapshot.Snapshot
	// throttled counts the collections throttled in a row.
	throttled int
}

func newAWSFacts(opts AWSOptions, log *slog.Logger, version *bundle.Capture) *awsFacts {
	return &awsFacts{opts: opts, log: log, limiter: rate.NewLimiter(rate.Every(awsRate), awsBurst), roles: map[string]bool{}, version: version}
}

// Base returns the snapshot of the AWS facts (and the server version),
// which serve completes with the watched objects; never nil once
// collect ran.
func (a *awsFacts) Base() *snapshot.Snapshot {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.base
}

// Unknown returns the roles of roles not read (nor tried) yet.
func (a *awsFacts) Unknown(roles map[string]bool) []string {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []string
	for r := range roles {
		if !a.roles[r] {
			out = append(out, r)
		}
	}
	slices.Sort(out)
	return out
}

// collect reads the AWS facts. full reads everything scan -A reads for
// the roles (kube gives the nodes' instances) and replaces the cache; a
// partial collection reads the roles named for the first time and adds
// them. A throttled collection changes nothing and returns errThrottled.
func (a *awsFacts) collect(ctx context.Context, roles []string, kube *snapshot.Snapshot, full bool) error {
	if err := a.limiter.Wait(ctx); err != nil {
		return err
	}
	opts := awscollect.Options{Cluster: a.opts.Cluster, Endpoint: a.opts.Endpoint, RoleARNs: roles, RoleProfiles: a.opts.RoleProfiles}
	if full {
		opts.PodIdentity = &awscollect.PodIdentityScope{AllNamespaces: true}
		if kube != nil {
			opts.InstanceIDs = kube.NodeInstanceIDs()
			opts.NodeRoleInstanceIDs = kube.PodIdentityInstanceIDs()
		}
	}
	res, err := awscollect.Collect(ctx, a.opts.Config, opts)
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if throttleErr(err) {
			return a.noteThrottled()
		}
		a.mu.Lock()
		defer a.mu.Unlock()
		if a.base == nil || full {
			// AWS cannot be reached: every AWS fact is a gap, as scan
			// says it (the cluster's facts are still diagnosed).
			a.caps, a.listed, a.cluster, a.accounts = nil, nil, "", nil
			a.gaps = []snapshot.Gap{{Source: "aws", Operation: "sts:GetCallerIdentity", Resource: "region " + a.opts.Config.Region, Reason: err.Error()}}
			a.roles = map[string]bool{}
			if rerr := a.rebuild(ctx); rerr != nil {
				return rerr
			}
		}
		return err
	}
	var ores oidc.Result
	if full && res.Issuer != "" {
		ores = oidc.Collect(ctx, res.Issuer, a.opts.OIDCClient, oidc.Options{})
	}
	for _, g := range res.Gaps {
		if code, _, _ := strings.Cut(g.Reason, ":"); isThrottleCode(code) {
			return a.noteThrottled()
		}
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	a.throttled = 0
	if full {
		a.caps = append(res.Captures, ores.Captures...)
		a.listed = append(res.Listed, ores.Listed...)
		a.gaps = append(res.Gaps, ores.Gaps...)
		a.cluster, a.accounts = res.Cluster, res.Accounts
		a.roles = map[string]bool{}
	} else {
		byPath := map[string]int{}
		for i, c := range a.caps {
			byPath[c.Path] = i
		}
		for _, c := range res.Captures {
			if i, ok := byPath[c.Path]; ok {
				a.caps[i] = c
				continue
			}
			byPath[c.Path] = len(a.caps)
			a.caps = append(a.caps, c)
		}
		a.gaps = slices.DeleteFunc(a.gaps, func(g snapshot.Gap) bool { return slices.Contains(roles, g.Resource) })
		a.gaps = append(a.gaps, res.Gaps...)
		if a.cluster == "" {
			a.cluster = res.Cluster
		}
	}
	for _, r := range roles {
		a.roles[r] = true
	}
	return a.rebuild(ctx)
}

// rebuild reads the captures into the base snapshot; a.mu is held.
func (a *awsFacts) rebuild(ctx context.Context) error {
	caps := slices.Clone(a.caps)
	if a.version != nil {
		caps = append(caps, *a.version)
	}
	m := bundle.Manifest{Cluster: a.cluster, Accounts: a.accounts, Listed: a.listed, Gaps: a.gaps}
	snap, err := bundle.ReadCaptures(ctx, caps, m)
	if err != nil {
		return fmt.Errorf("read the AWS facts: %w", err)
	}
	a.base = snap
	return nil
}

func (a *awsFacts) noteThrottled() error {
	a.mu.Lock()
	a.throttled++
	a.mu.Unlock()
	return errThrottled
}

// backoff is how long to wait after the n-th throttled collection in a
// row: 5 s doubled each time, at most the refresh interval, with a random
// half off (jitter).
func backoff(n int, limit time.Duration) time.Duration {
	d := backoffInitial
	for i := 1; i < n && d < limit; i++ {
		d *= 2
	}
	d = min(d, limit)
	return d/2 + time.Duration(rand.Int64N(int64(d/2)+1))
}

// throttleErr reports an error AWS throttled (smithy error codes
// Throttling, ThrottlingException, RequestLimitExceeded, ...).
func throttleErr(err error) bool {
	var ae smithy.APIError
	return errors.As(err, &ae) && isThrottleCode(ae.ErrorCode())
}

func isThrottleCode(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}

// callOutcome is the outcome label of irsa_doctor_aws_calls_total: a few
// values, whatever the error.
func callOutcome(err error) string {
	if err == nil {
		return "success"
	}
	var ae smithy.APIError
	if errors.As(err, &ae) {
		switch code := ae.ErrorCode(); {
		case code == "NoSuchEntity" || code == "ResourceNotFoundException":
			return "not_found"
		case isThrottleCode(code):
			return "throttled"
		case strings.Contains(code, "AccessDenied") || strings.Contains(code, "Unauthorized") || code == "AuthorizationError":
			return "denied"
		}
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return "canceled"
	}
	return "error"
}

// instrument returns cfg with every call counted by count(operation,
// outcome), the operation as IAM names the action ("iam:GetRole").
func instrument(cfg aws.Config, count func(operation, outcome string)) aws.Config {
	cfg = cfg.Copy()
	cfg.APIOptions = append(slices.Clip(cfg.APIOptions), func(st *middleware.Stack) error {
		return st.Initialize.Add(middleware.InitializeMiddlewareFunc("IrsaDoctorServeCalls",
			func(ctx context.Context, in middleware.InitializeInput, next middleware.InitializeHandler) (middleware.InitializeOutput, middleware.Metadata, error) {
				out, md, err := next.HandleInitialize(ctx, in)
				count(strings.ToLower(awsmiddleware.GetServiceID(ctx))+":"+awsmiddleware.GetOperationName(ctx), callOutcome(err))
				return out, md, err
			}), middleware.Before)
	})
	return cfg
}
