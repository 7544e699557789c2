package awscollect

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Defaults of Options.
const (
	DefaultConcurrency = 8
	DefaultCallTimeout = 30 * time.Second
)

// Options says what to collect.
type Options struct {
	// Cluster is the EKS cluster's name; "" finds it by Endpoint (see
	// FindCluster).
	Cluster string
	// Endpoint is the Kubernetes API server URL (the kubeconfig's server),
	// matched against the endpoints of the region's clusters when Cluster
	// is "".
	Endpoint string
	// RoleARNs are the role ARNs the targets name; duplicates and invalid
	// ARNs are fine (each role is read once; an invalid ARN is the
	// Kubernetes-side checks' business).
	RoleARNs []string
	// RoleProfiles holds a config per AWS account (`--role-profile
	// ACCOUNT=PROFILE`) for roles outside the caller's account: GetRole
	// takes a role name and reads the caller's own account only.
	RoleProfiles map[string]aws.Config
	// Concurrency bounds the calls in flight; 0 means DefaultConcurrency.
	Concurrency int
	// CallTimeout bounds each call, the SDK's retries included; 0 means
	// DefaultCallTimeout.
	CallTimeout time.Duration
	// InstanceIDs are the EC2 instances of the nodes the targets' pods run
	// on; ec2:DescribeInstances reads their IMDS settings (ec2.go).
	// Duplicates and malformed IDs are fine.
	InstanceIDs []string
	// Progress, when set, is called after each API call with its IAM
	// action name ("iam:GetRole"), from several goroutines at once.
	Progress func(action string)
	// NodeRoleInstanceIDs are the EC2 instances of the nodes that pods
	// using EKS Pod Identity run on (snapshot.PodIdentityInstanceIDs):
	// they are described with InstanceIDs, and the permission policies of
	// their instance profiles' roles are read once per distinct role
	// (noderole.go).
	NodeRoleInstanceIDs []string
	// IdentityPolicies, when set, reads the identity policies and the
	// permissions boundary of each role that GetRole reads (RoleARNs and
	// the Pod Identity associations' roles), once per distinct role and
	// policy, and prints them after the role's get-role output in its
	// capture (rolepolicies.go).
	IdentityPolicies bool
	// PodIdentity, when set, reads the cluster's EKS Pod Identity
	// associations, those of its namespaces in detail, and their roles
	// (podidentity.go).
	PodIdentity *PodIdentityScope
}

// Result is what a collection produced; the CLI merges it with the other
// collectors' and passes it to bundle.ReadCaptures or bundle.WriteDump.
type Result struct {
	Captures []bundle.Capture
	Listed   []bundle.ManifestEntry
	Gaps     []snapshot.Gap

	// Account is the caller's account; Accounts every account read
	// (the caller's and those of role profiles), sorted: the manifest's
	// "accounts".
	Account  string
	Accounts []string
	// Cluster, ClusterARN and Issuer describe the cluster when
	// DescribeCluster answered ("" otherwise); the OIDC collector fetches
	// Issuer's discovery document.
	Cluster    string
	ClusterARN string
	Issuer     string
}

// Collect collects the AWS facts the targets need. Refused or failed
// calls become gaps; the error is for a collection that could not start:
// sts:GetCallerIdentity failed (AWS unreachable, no or rejected
// credentials) or ctx ended. When ctx ends after GetCallerIdentity, the
// Result holds what was read until then, with ctx.Err().
func Collect(ctx context.Context, cfg aws.Config, opts Options) (Result, error) {
	if opts.Concurrency <= 0 {
		opts.Concurrency = DefaultConcurrency
	}
	if opts.CallTimeout <= 0 {
		opts.CallTimeout = DefaultCallTimeout
	}
	c := &collector{opts: opts, sem: make(chan struct{}, opts.Concurrency), paths: map[string]bool{}}

	var who *sts.GetCallerIdentityOutput
	err := c.call(ctx, "sts:GetCallerIdentity", func(ctx context.Context) error {
		var err error
		who, err = sts.NewFromConfig(cfg).GetCallerIdentity(ctx, &sts.GetCallerIdentityInput{})
		return err
	})
	if err != nil {
		if ctx.Err() != nil {
			return Result{}, ctx.Err()
		}
		return Result{}, fmt.Errorf("aws: sts:GetCallerIdentity at %s failed, so no AWS fact can be read: %w", endpoint(cfg, "sts"), err)
	}
	caller, err := arn.Parse(aws.ToString(who.Arn))
	if err != nil {
		return Result{}, fmt.Errorf("aws: sts:GetCallerIdentity returned a caller ARN that does not parse: %w", err)
	}
	if caller.Account == "" {
		return Result{}, fmt.Errorf("aws: sts:GetCallerIdentity returned the caller ARN %q, which names no account", caller.String())
	}
	c.account, c.partition = caller.Account, caller.Partition
	c.res.Account = c.account
	data, err := renderCallerIdentity(who)
	if err != nil {
		return Result{}, err
	}
	c.capture(c.account+"/get-caller-identity.json", data, "sts:GetCallerIdentity")

	accounts := c.plan(cfg)
	var wg sync.WaitGroup
	wg.Go(func() { c.cluster(ctx, cfg) })
	wg.Go(func() { c.instances(ctx, cfg) })
	for _, a := range accounts {
		wg.Go(func() { c.collectAccount(ctx, a) })
	}
	wg.Wait()
	c.providerDetails(ctx, accounts)
	c.nodeRoles(ctx, cfg)
	c.associationRoles(ctx, accounts, c.assocRoles)
	if ctx.Err() != nil {
		// What was read before ctx ended is kept: the CLI diagnoses it
		// and reports the rest as not collected. A call cut short
		// recorded nothing (failed), so no absence is proven by it.
		return c.finish(), ctx.Err()
	}
	return c.finish(), nil
}

// endpoint names where a service's calls went, for error messages.
func endpoint(cfg aws.Config, service string) string {
	if cfg.BaseEndpoint != nil {
		return *cfg.BaseEndpoint
	}
	return "https://" + service + "." + cfg.Region + ".amazonaws.com"
}

type collector struct {
	opts Options
	sem  chan struct{}

	account, partition string

	mu     sync.Mutex
	res    Result
	paths  map[string]bool // lower-cased capture paths, against clashes on case-insensitive file systems
	issuer string          // host/path of the cluster's issuer, "" when unknown
	// assocRoles are the roles of the described Pod Identity associations.
	assocRoles []string
	// instanceProfiles are the IamInstanceProfile ARNs of the described
	// instances, by instance ID (noderole.go).
	instanceProfiles map[string]string
	// cache holds the roles' and policies' reads (rolepolicies.go).
	cache readCache
}

// account is one AWS account to read: its config and its roles.
type account struct {
	id      string
	cfg     aws.Config
	profile bool // cfg comes from --role-profile, not the caller's credentials
	roles   []arn.Role
	// listed are the provider ARNs of the account (set by collectAccount).
	listed []string
	listOK bool
	bad    bool // the profile signs in to another account
}

// call runs one SDK call within the concurrency bound and the per-call
// timeout.
func (c *collector) call(ctx context.Context, action string, fn func(ctx context.Context) error) error {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return ctx.Err()
	}
	defer func() { <-c.sem }()
	cctx, cancel := context.WithTimeout(ctx, c.opts.CallTimeout)
	defer cancel()
	err := fn(cctx)
	if err != nil && errors.Is(err, context.DeadlineExceeded) && ctx.Err() == nil {
		err = &timeoutError{after: c.opts.CallTimeout, err: err}
	}
	if c.opts.Progress != nil {
		c.opts.Progress(action)
	}
	return err
}

type timeoutError struct {
	after time.Duration
	err   error
}

func (e *timeoutError) Error() string { return fmt.Sprintf("timed out after %s", e.after) }
func (e *timeoutError) Unwrap() error { return e.err }

func (c *collector) capture(p string, data []byte, ref string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	// Two role names that differ only in case are two calls (IAM answers
	// both with the same role) but must not be one file on macOS.
	for n := 2; c.paths[strings.ToLower(p)]; n++ {
		ext := path.Ext(p)
		p = fmt.Sprintf("%s-%d%s", strings.TrimSuffix(p, ext), n, ext)
	}
	c.paths[strings.ToLower(p)] = true
	c.res.Captures = append(c.res.Captures, bundle.Capture{Path: p, Data: data, Source: snapshot.Source{Kind: "aws", Ref: ref}})
}

func (c *collector) gap(g snapshot.Gap) {
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, have := range c.res.Gaps {
		if have == g {
			return
		}
	}
	c.res.Gaps = append(c.res.Gaps, g)
}

// plan groups the distinct roles by account and decides which accounts
// can be read: the caller's, and each other account a role needs that has
// a role profile. A role elsewhere is not read with the caller's
// credentials (GetRole would look for its name in the caller's account)
// but becomes a gap saying how to read it.
func (c *collector) plan(cfg aws.Config) []*account {
	byAccount := map[string]*account{c.account: {id: c.account, cfg: cfg}}
	seen := map[string]bool{}
	var outside []arn.Role
	for _, s := range c.opts.RoleARNs {
		ref, err := arn.ParseRole(s)
		if err != nil {
			continue
		}
		// GetRole takes the name only: role/a/x and role/x are one call.
		key := ref.Partition + ":" + ref.Account + ":" + ref.Name
		if seen[key] {
			continue
		}
		seen[key] = true
		if ref.Account == c.account && ref.Partition == c.partition {
			byAccount[c.account].roles = append(byAccount[c.account].roles, ref)
			continue
		}
		pcfg, ok := c.opts.RoleProfiles[ref.Account]
		if !ok {
			outside = append(outside, ref)
			continue
		}
		a := byAccount[ref.Account]
		if a == nil {
			a = &account{id: ref.Account, cfg: pcfg, profile: true}
			byAccount[ref.Account] = a
		}
		a.roles = append(a.roles, ref)
	}
	noProfile := map[string]bool{}
	for _, ref := range outside {
		why := fmt.Sprintf("not read: the role is in account %s and the AWS credentials are in account %s", ref.Account, c.account)
		if ref.Partition != c.partition {
			why = fmt.Sprintf("not read: the role is in partition %s and the AWS credentials are in partition %s", ref.Partition, c.partition)
		}
		c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetRole", Resource: ref.ARN,
			Reason: why + "; iam:GetRole takes a role name and reads the caller's own account (pass --role-profile " + ref.Account +
				"=PROFILE with a profile of that account allowed iam:GetRole and iam:ListOpenIDConnectProviders)"})
		noProfile[ref.Account] = true
	}
	for _, id := range sortedKeys(noProfile) {
		c.gap(snapshot.Gap{Source: "aws", Operation: "iam:ListOpenIDConnectProviders", Resource: "account " + id,
			Reason: fmt.Sprintf("not read: no credentials for account %s, whose roles need its IAM OIDC providers (pass --role-profile %s=PROFILE)", id, id)})
	}
	var out []*account
	for _, id := range sortedKeys(byAccount) {
		out = append(out, byAccount[id])
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// cluster describes the cluster (finding it first when not named).
func (c *collector) cluster(ctx context.Context, cfg aws.Config) {
	client := eks.NewFromConfig(cfg)
	name := c.opts.Cluster
	var cl *ekstypes.Cluster
	if name == "" {
		if c.opts.Endpoint == "" {
			g := snapshot.Gap{Source: "aws", Operation: "eks:DescribeCluster", Resource: "region " + cfg.Region,
				Reason: "the EKS cluster is not known: the kubeconfig names no API server endpoint (pass --cluster NAME)"}
			c.gap(g)
			c.noAssociations(g)
			return
		}
		found, err := findCluster(ctx, client, c.opts.Endpoint, c.call)
		if err != nil {
			if ctx.Err() == nil {
				g := findGap(err, cfg.Region, c.account)
				c.gap(g)
				c.noAssociations(g)
			}
			return
		}
		cl = found
		name = aws.ToString(cl.Name)
	} else {
		err := c.call(ctx, "eks:DescribeCluster", func(ctx context.Context) error {
			out, err := client.DescribeCluster(ctx, &eks.DescribeClusterInput{Name: aws.String(name)})
			if err == nil {
				cl = out.Cluster
			}
			return err
		})
		if err != nil {
			base := c.account + "/describe-cluster-" + fileSafe(name)
			clusterARN := "arn:" + c.partition + ":eks:" + cfg.Region + ":" + c.account + ":cluster/" + name
			c.failed(ctx, err, "DescribeCluster", base, "eks:DescribeCluster "+name, snapshot.Gap{Source: "aws", Operation: "eks:DescribeCluster", Resource: clusterARN},
				"grant eks:DescribeCluster on "+clusterARN+"; deploy/iam-policy.json lists what irsa-doctor calls",
				"aws eks describe-cluster --name "+name+" --output json")
			// The associations need only the cluster's name, which is
			// known: a refused DescribeCluster does not cost them. (A
			// cluster that does not exist has none.)
			if c.opts.PodIdentity != nil && ctx.Err() == nil && !isNotFound(err) {
				roles := c.associations(ctx, client, name, clusterARN)
				c.mu.Lock()
				c.assocRoles = roles
				c.mu.Unlock()
			}
			return
		}
	}
	if cl == nil {
		return
	}
	data, err := renderDescribeCluster(cl)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "eks:DescribeCluster", Resource: name, Reason: err.Error()})
		return
	}
	c.capture(c.account+"/describe-cluster-"+fileSafe(name)+".json", data, "eks:DescribeCluster "+name)
	c.mu.Lock()
	c.res.Cluster, c.res.ClusterARN = name, aws.ToString(cl.Arn)
	if cl.Identity != nil && cl.Identity.Oidc != nil {
		c.res.Issuer = aws.ToString(cl.Identity.Oidc.Issuer)
		// IAM names a provider by the issuer without "https://"
		// (docs/reference/trust-policy.md#principal).
		if hp, ok := strings.CutPrefix(c.res.Issuer, "https://"); ok {
			c.issuer = hp
		}
	}
	c.mu.Unlock()
	if c.opts.PodIdentity != nil {
		roles := c.associations(ctx, client, name, aws.ToString(cl.Arn))
		c.mu.Lock()
		c.assocRoles = roles
		c.mu.Unlock()
	}
}

// noAssociations records, when associations were asked for, that they
// were not listed because the cluster's name is not known, and why (the
// gap g of the cluster's lookup).
func (c *collector) noAssociations(g snapshot.Gap) {
	if c.opts.PodIdentity == nil {
		return
	}
	c.gap(snapshot.Gap{Source: "aws", Operation: "eks:ListPodIdentityAssociations", Resource: g.Resource,
		Reason: "not called: it needs the EKS cluster's name, which is not known because " + g.Operation + " did not find the cluster: " + g.Reason})
}

// collectAccount lists the account's OIDC providers and reads its roles.
// For a role profile the list comes first: its ARNs name the account the
// profile really signs in to, and roles read in another account than
// meant would be wrongly reported missing.
func (c *collector) collectAccount(ctx context.Context, a *account) {
	var wg sync.WaitGroup
	if a.profile {
		c.listProviders(ctx, a)
		if a.bad {
			return
		}
	} else {
		wg.Go(func() { c.listProviders(ctx, a) })
	}
	client := iam.NewFromConfig(a.cfg)
	for _, ref := range a.roles {
		wg.Go(func() { c.getRole(ctx, client, a, ref) })
	}
	wg.Wait()
}

func (c *collector) listProviders(ctx context.Context, a *account) {
	var out *iam.ListOpenIDConnectProvidersOutput
	err := c.call(ctx, "iam:ListOpenIDConnectProviders", func(ctx context.Context) error {
		var err error
		out, err = iam.NewFromConfig(a.cfg).ListOpenIDConnectProviders(ctx, &iam.ListOpenIDConnectProvidersInput{})
		return err
	})
	file := a.id + "/list-open-id-connect-providers.json"
	ref := "iam:ListOpenIDConnectProviders " + a.id
	if err != nil {
		c.failed(ctx, err, "ListOpenIDConnectProviders", "", ref,
			snapshot.Gap{Source: "aws", Operation: "iam:ListOpenIDConnectProviders", Resource: "account " + a.id},
			c.grant(a, "iam:ListOpenIDConnectProviders", "arn:"+c.partition+":iam::"+a.id+":oidc-provider/*"),
			"aws iam list-open-id-connect-providers --output json"+profileFlag(a))
		return
	}
	var arns []string
	for _, e := range out.OpenIDConnectProviderList {
		p := aws.ToString(e.Arn)
		if acct, _, ok := providerParts(p); ok && acct != a.id {
			a.bad = true
			c.gap(snapshot.Gap{Source: "aws", Operation: "iam:ListOpenIDConnectProviders", Resource: "account " + a.id,
				Reason: fmt.Sprintf("the --role-profile given for account %s signs in to account %s (it lists %s): its answers are not used; pass a profile of account %s",
					a.id, acct, p, a.id)})
			return
		}
		arns = append(arns, p)
	}
	data, err := renderListProviders(out)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "iam:ListOpenIDConnectProviders", Resource: "account " + a.id, Reason: err.Error()})
		return
	}
	c.capture(file, data, ref)
	c.mu.Lock()
	a.listed, a.listOK = arns, true
	// A listed entry proves absence even for an empty list (bundle
	// doc.go), and gives an empty list its account.
	c.res.Listed = append(c.res.Listed, bundle.ManifestEntry{Kind: snapshot.KindOIDCProvider, Account: a.id, File: file})
	c.mu.Unlock()
}

func (c *collector) getRole(ctx context.Context, client *iam.Client, a *account, ref arn.Role) {
	var out *iam.GetRoleOutput
	err := c.call(ctx, "iam:GetRole", func(ctx context.Context) error {
		var err error
		out, err = client.GetRole(ctx, &iam.GetRoleInput{RoleName: aws.String(ref.Name)})
		return err
	})
	src := "iam:GetRole " + ref.Name
	if a.profile {
		src += " in " + a.id
	}
	base := a.id + "/get-role-" + fileSafe(ref.Name)
	if err != nil {
		c.failed(ctx, err, "GetRole", base, src, snapshot.Gap{Source: "aws", Operation: "iam:GetRole", Resource: ref.ARN},
			c.grant(a, "iam:GetRole", arn.RoleARN(ref.Partition, ref.Account, "/", ref.Name)),
			"aws iam get-role --role-name "+ref.Name+" --output json"+profileFlag(a))
		return
	}
	if out.Role != nil {
		if got, err := arn.ParseRole(aws.ToString(out.Role.Arn)); err == nil && got.Account != a.id {
			c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetRole", Resource: ref.ARN,
				Reason: fmt.Sprintf("the --role-profile given for account %s signs in to account %s (it answered with %s): pass a profile of account %s",
					a.id, got.Account, got.ARN, a.id)})
			return
		}
	}
	data, err := renderGetRole(out)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetRole", Resource: ref.ARN, Reason: err.Error()})
		return
	}
	if r := out.Role; c.opts.IdentityPolicies && r != nil {
		var boundary string
		if r.PermissionsBoundary != nil {
			boundary = aws.ToString(r.PermissionsBoundary.PermissionsBoundaryArn)
		}
		name := aws.ToString(r.RoleName)
		data = bytes.Join(append([][]byte{data}, c.identityOutputs(ctx, client, a.id, name, aws.ToString(r.Arn), boundary)...), nil)
		src += " and the policies of role " + name
	}
	c.capture(base+".json", data, src)
}

// providerDetails reads the providers of the cluster's issuer, in every
// account whose list holds one: the checks compare their ClientIDList and
// ThumbprintList with the token and the issuer's certificate.
func (c *collector) providerDetails(ctx context.Context, accounts []*account) {
	c.mu.Lock()
	issuer := c.issuer
	c.mu.Unlock()
	if issuer == "" {
		return
	}
	var wg sync.WaitGroup
	for _, a := range accounts {
		if !a.listOK {
			continue
		}
		client := iam.NewFromConfig(a.cfg)
		for _, p := range a.listed {
			_, url, ok := providerParts(p)
			if !ok || !arn.SameProviderHostPath(url, issuer) {
				continue
			}
			wg.Go(func() { c.getProvider(ctx, client, a, p, url) })
		}
	}
	wg.Wait()
}

// providerParts splits an OIDC provider ARN,
// arn:PARTITION:iam::ACCOUNT:oidc-provider/URL. It is more lenient than
// arn.ParseOIDCProvider: a URL with a port (which IAM refuses, but a test
// issuer on 127.0.0.1 has) is still read, as IAM returned it.
func providerParts(s string) (account, url string, ok bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || !arn.IsAccountID(f[4]) {
		return "", "", false
	}
	url, ok = strings.CutPrefix(f[5], "oidc-provider/")
	return f[4], url, ok && url != ""
}

func (c *collector) getProvider(ctx context.Context, client *iam.Client, a *account, providerARN, url string) {
	var out *iam.GetOpenIDConnectProviderOutput
	err := c.call(ctx, "iam:GetOpenIDConnectProvider", func(ctx context.Context) error {
		var err error
		out, err = client.GetOpenIDConnectProvider(ctx, &iam.GetOpenIDConnectProviderInput{OpenIDConnectProviderArn: aws.String(providerARN)})
		return err
	})
	base := a.id + "/get-open-id-connect-provider-" + fileSafe(url)
	src := "iam:GetOpenIDConnectProvider " + providerARN
	if err != nil {
		c.failed(ctx, err, "GetOpenIDConnectProvider", base, src,
			snapshot.Gap{Source: "aws", Operation: "iam:GetOpenIDConnectProvider", Resource: providerARN},
			c.grant(a, "iam:GetOpenIDConnectProvider", providerARN),
			"aws iam get-open-id-connect-provider --open-id-connect-provider-arn "+providerARN+" --output json"+profileFlag(a))
		return
	}
	data, err := renderGetProvider(out)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetOpenIDConnectProvider", Resource: providerARN, Reason: err.Error()})
		return
	}
	c.capture(base+".json", data, src)
}

// grant is what to do about a refused call in account a.
func (c *collector) grant(a *account, action, resource string) string {
	if a.profile {
		return fmt.Sprintf("grant %s on %s to the --role-profile of account %s", action, resource, a.id)
	}
	return fmt.Sprintf("grant %s on %s; deploy/iam-policy.json lists what irsa-doctor calls", action, resource)
}

func profileFlag(a *account) string {
	if a.profile {
		return " --profile PROFILE_OF_" + a.id
	}
	return ""
}

// fileSafe makes a name usable in a capture's file name.
func fileSafe(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-', r == '@', r == '+', r == '=', r == ',':
			b.WriteRune(r)
		default:
			b.WriteByte('-')
		}
	}
	return b.String()
}

// finish sorts the result so that it does not depend on the order calls
// completed in.
func (c *collector) finish() Result {
	c.mu.Lock()
	defer c.mu.Unlock()
	r := c.res
	sort.Slice(r.Captures, func(i, j int) bool { return r.Captures[i].Path < r.Captures[j].Path })
	sort.Slice(r.Listed, func(i, j int) bool { return r.Listed[i].File < r.Listed[j].File })
	sort.Slice(r.Gaps, func(i, j int) bool {
		a, b := r.Gaps[i], r.Gaps[j]
		return a.Operation+"\x00"+a.Resource+"\x00"+a.Reason < b.Operation+"\x00"+b.Resource+"\x00"+b.Reason
	})
	accounts := map[string]bool{r.Account: true}
	for _, l := range r.Listed {
		if l.Account != "" {
			accounts[l.Account] = true
		}
	}
	for _, cp := range r.Captures {
		if acct, _, ok := strings.Cut(cp.Path, "/"); ok && arn.IsAccountID(acct) {
			accounts[acct] = true
		}
	}
	r.Accounts = sortedKeys(accounts)
	return r
}
