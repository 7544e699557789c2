package awscollect

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/service/iam"
)

// The target roles' identity policies (Options.IdentityPolicies): for each
// distinct role read with GetRole, iam:ListAttachedRolePolicies,
// iam:ListRolePolicies and iam:GetRolePolicy per inline policy; for each
// distinct managed policy attached (AWS managed ones too: their documents
// change, and the permission checks evaluate what IAM holds) and for the
// permissions boundary, iam:GetPolicy and iam:GetPolicyVersion of its
// default version. A role or policy that node roles share with target
// roles is read once (roleOnce, policyOnce). The SDK's paginators follow
// IsTruncated and Marker.
//
// list-attached-role-policies, list-role-policies and get-policy-version
// do not name their role or policy, so they go in the role's get-role
// capture, after it, in the order the bundle reader attributes them by
// (bundle/rolepolicies.go): get-role, the lists, the inline documents,
// then get-policy and get-policy-version of each managed policy and of
// the boundary. A policy that several roles attach is read once and
// printed in each role's capture.

// readCache holds what was read of roles and policies, once each.
type readCache struct {
	mu       sync.Mutex
	roles    map[string]*roleEntry   // by account and lower-cased role name
	policies map[string]*policyEntry // by ARN (which names its account)
}

type roleEntry struct {
	once sync.Once
	rr   roleReads
}

type policyEntry struct {
	once    sync.Once
	outputs [][]byte
}

// roleOnce reads the role's policy lists and inline documents once per
// run (readRole); callers wait for the first to finish.
func (c *collector) roleOnce(ctx context.Context, client *iam.Client, account, role, roleARN string) *roleReads {
	k := account + "\x00" + strings.ToLower(role)
	c.cache.mu.Lock()
	if c.cache.roles == nil {
		c.cache.roles = map[string]*roleEntry{}
	}
	e := c.cache.roles[k]
	if e == nil {
		e = &roleEntry{}
		c.cache.roles[k] = e
	}
	c.cache.mu.Unlock()
	e.once.Do(func() { c.readRole(ctx, client, role, roleARN, &e.rr) })
	return &e.rr
}

// policyOnce reads a managed policy and its default version once per run
// (readPolicy): its get-policy and get-policy-version outputs, or nil
// when either failed (a gap).
func (c *collector) policyOnce(ctx context.Context, client *iam.Client, policyARN string) [][]byte {
	c.cache.mu.Lock()
	if c.cache.policies == nil {
		c.cache.policies = map[string]*policyEntry{}
	}
	e := c.cache.policies[policyARN]
	if e == nil {
		e = &policyEntry{}
		c.cache.policies[policyARN] = e
	}
	c.cache.mu.Unlock()
	e.once.Do(func() {
		var pr policyReads
		c.readPolicy(ctx, client, policyARN, &pr)
		e.outputs = pr.outputs
	})
	return e.outputs
}

// identityOutputs reads a target role's identity policies and boundary
// (once each) and returns their outputs in capture order, to follow the
// role's get-role output.
func (c *collector) identityOutputs(ctx context.Context, client *iam.Client, account, role, roleARN, boundary string) [][]byte {
	rr := c.roleOnce(ctx, client, account, role, roleARN)
	out := append([][]byte(nil), rr.outputs...)
	seen := map[string]bool{}
	policies := append(append([]string(nil), rr.attached...), boundary)
	// The distinct policies concurrently, printed in list order.
	reads := make([][][]byte, len(policies))
	var wg sync.WaitGroup
	for i, p := range policies {
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		wg.Go(func() { reads[i] = c.policyOnce(ctx, client, p) })
	}
	wg.Wait()
	for _, r := range reads {
		out = append(out, r...)
	}
	return out
}
