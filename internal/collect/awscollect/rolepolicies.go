package awscollect

import (
	"context"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
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

// roleReads is what was read of one role: its outputs, in capture order.
type roleReads struct {
	outputs [][]byte
	// attached are the role's managed policy ARNs, in list order;
	// customer those of customer-managed policies.
	attached []string
	customer []string
}

// policyReads is get-policy and get-policy-version of one policy, or nil
// when either failed.
type policyReads struct{ outputs [][]byte }

// readRole reads the role's policy lists and inline documents. A list
// that fails leaves the role's policies unknown (a gap); the bundle
// reader then has no list for the role and the check says why.
func (c *collector) readRole(ctx context.Context, client *iam.Client, role, roleARN string, rr *roleReads) {
	grant := func(action string) string {
		return "grant " + action + " on " + roleARN + "; deploy/iam-policy.json lists what irsa-doctor calls"
	}
	var attached []iamtypes.AttachedPolicy
	pa := iam.NewListAttachedRolePoliciesPaginator(client, &iam.ListAttachedRolePoliciesInput{RoleName: aws.String(role)})
	for pa.HasMorePages() {
		var out *iam.ListAttachedRolePoliciesOutput
		err := c.call(ctx, "iam:ListAttachedRolePolicies", func(ctx context.Context) error {
			var err error
			out, err = pa.NextPage(ctx)
			return err
		})
		if err != nil {
			c.failed(ctx, err, "ListAttachedRolePolicies", "", "iam:ListAttachedRolePolicies "+role,
				snapshot.Gap{Source: "aws", Operation: "iam:ListAttachedRolePolicies", Resource: roleARN},
				grant("iam:ListAttachedRolePolicies"), "aws iam list-attached-role-policies --role-name "+role+" --output json")
			return
		}
		attached = append(attached, out.AttachedPolicies...)
	}
	var names []string
	pn := iam.NewListRolePoliciesPaginator(client, &iam.ListRolePoliciesInput{RoleName: aws.String(role)})
	for pn.HasMorePages() {
		var out *iam.ListRolePoliciesOutput
		err := c.call(ctx, "iam:ListRolePolicies", func(ctx context.Context) error {
			var err error
			out, err = pn.NextPage(ctx)
			return err
		})
		if err != nil {
			c.failed(ctx, err, "ListRolePolicies", "", "iam:ListRolePolicies "+role,
				snapshot.Gap{Source: "aws", Operation: "iam:ListRolePolicies", Resource: roleARN},
				grant("iam:ListRolePolicies"), "aws iam list-role-policies --role-name "+role+" --output json")
			return
		}
		names = append(names, out.PolicyNames...)
	}
	la, err := renderListAttached(attached)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "iam:ListAttachedRolePolicies", Resource: roleARN, Reason: err.Error()})
		return
	}
	ln, err := render(struct {
		PolicyNames []string `json:"PolicyNames"`
	}{append([]string{}, names...)})
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "iam:ListRolePolicies", Resource: roleARN, Reason: err.Error()})
		return
	}
	rr.outputs = append(rr.outputs, la, ln)
	for _, n := range names {
		var out *iam.GetRolePolicyOutput
		err := c.call(ctx, "iam:GetRolePolicy", func(ctx context.Context) error {
			var err error
			out, err = client.GetRolePolicy(ctx, &iam.GetRolePolicyInput{RoleName: aws.String(role), PolicyName: aws.String(n)})
			return err
		})
		if err != nil {
			c.failed(ctx, err, "GetRolePolicy", "", "iam:GetRolePolicy "+role+" "+n,
				snapshot.Gap{Source: "aws", Operation: "iam:GetRolePolicy", Resource: roleARN + " inline policy " + n},
				grant("iam:GetRolePolicy"), "aws iam get-role-policy --role-name "+role+" --policy-name "+n+" --output json")
			continue
		}
		data, err := render(struct {
			RoleName       *string        `json:"RoleName,omitzero"`
			PolicyName     *string        `json:"PolicyName,omitzero"`
			PolicyDocument jsontext.Value `json:"PolicyDocument,omitzero"`
		}{out.RoleName, out.PolicyName, decodePolicy(aws.ToString(out.PolicyDocument))})
		if err != nil {
			c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetRolePolicy", Resource: roleARN + " inline policy " + n, Reason: err.Error()})
			continue
		}
		rr.outputs = append(rr.outputs, data)
	}
	for _, a := range attached {
		p := aws.ToString(a.PolicyArn)
		rr.attached = append(rr.attached, p)
		if f := strings.SplitN(p, ":", 6); len(f) == 6 && f[4] == "aws" {
			continue // AWS managed: recognised by ARN
		}
		rr.customer = append(rr.customer, p)
	}
}

// readPolicy reads a managed policy and its default version.
func (c *collector) readPolicy(ctx context.Context, client *iam.Client, policyARN string, pr *policyReads) {
	grant := func(action string) string {
		return "grant " + action + " on " + policyARN + "; deploy/iam-policy.json lists what irsa-doctor calls"
	}
	var pol *iam.GetPolicyOutput
	err := c.call(ctx, "iam:GetPolicy", func(ctx context.Context) error {
		var err error
		pol, err = client.GetPolicy(ctx, &iam.GetPolicyInput{PolicyArn: aws.String(policyARN)})
		return err
	})
	if err != nil {
		c.failed(ctx, err, "GetPolicy", "", "iam:GetPolicy "+policyARN, snapshot.Gap{Source: "aws", Operation: "iam:GetPolicy", Resource: policyARN},
			grant("iam:GetPolicy"), "aws iam get-policy --policy-arn "+policyARN+" --output json")
		return
	}
	if pol.Policy == nil {
		return
	}
	version := aws.ToString(pol.Policy.DefaultVersionId)
	var ver *iam.GetPolicyVersionOutput
	err = c.call(ctx, "iam:GetPolicyVersion", func(ctx context.Context) error {
		var err error
		ver, err = client.GetPolicyVersion(ctx, &iam.GetPolicyVersionInput{PolicyArn: aws.String(policyARN), VersionId: aws.String(version)})
		return err
	})
	if err != nil {
		c.failed(ctx, err, "GetPolicyVersion", "", "iam:GetPolicyVersion "+policyARN, snapshot.Gap{Source: "aws", Operation: "iam:GetPolicyVersion", Resource: policyARN},
			grant("iam:GetPolicyVersion"), "aws iam get-policy-version --policy-arn "+policyARN+" --version-id "+version+" --output json")
		return
	}
	pd, err := renderGetPolicy(pol.Policy)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetPolicy", Resource: policyARN, Reason: err.Error()})
		return
	}
	vd, err := renderGetPolicyVersion(ver.PolicyVersion)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetPolicyVersion", Resource: policyARN, Reason: err.Error()})
		return
	}
	pr.outputs = [][]byte{pd, vd}
}

// --- the AWS CLI's output of the role-policy calls (member order of the
// SDK's schemas, as elsewhere in cli.go) ---

func renderListAttached(ps []iamtypes.AttachedPolicy) ([]byte, error) {
	type entry struct {
		PolicyName *string `json:"PolicyName,omitzero"`
		PolicyArn  *string `json:"PolicyArn,omitzero"`
	}
	out := struct {
		AttachedPolicies []entry `json:"AttachedPolicies"`
	}{AttachedPolicies: []entry{}}
	for _, p := range ps {
		out.AttachedPolicies = append(out.AttachedPolicies, entry{p.PolicyName, p.PolicyArn})
	}
	return render(out)
}

func renderGetPolicy(p *iamtypes.Policy) ([]byte, error) {
	type policy struct {
		PolicyName                    *string  `json:"PolicyName,omitzero"`
		PolicyID                      *string  `json:"PolicyId,omitzero"`
		Arn                           *string  `json:"Arn,omitzero"`
		Path                          *string  `json:"Path,omitzero"`
		DefaultVersionID              *string  `json:"DefaultVersionId,omitzero"`
		AttachmentCount               *int32   `json:"AttachmentCount,omitzero"`
		PermissionsBoundaryUsageCount *int32   `json:"PermissionsBoundaryUsageCount,omitzero"`
		IsAttachable                  bool     `json:"IsAttachable"`
		Description                   *string  `json:"Description,omitzero"`
		CreateDate                    *string  `json:"CreateDate,omitzero"`
		UpdateDate                    *string  `json:"UpdateDate,omitzero"`
		Tags                          []cliTag `json:"Tags,omitzero"`
	}
	return render(struct {
		Policy policy `json:"Policy"`
	}{policy{p.PolicyName, p.PolicyId, p.Arn, p.Path, p.DefaultVersionId, p.AttachmentCount, p.PermissionsBoundaryUsageCount,
		p.IsAttachable, p.Description, cliTime(p.CreateDate), cliTime(p.UpdateDate), cliTags(p.Tags)}})
}

func renderGetPolicyVersion(v *iamtypes.PolicyVersion) ([]byte, error) {
	type version struct {
		Document         jsontext.Value `json:"Document,omitzero"`
		VersionID        *string        `json:"VersionId,omitzero"`
		IsDefaultVersion bool           `json:"IsDefaultVersion"`
		CreateDate       *string        `json:"CreateDate,omitzero"`
	}
	var out struct {
		PolicyVersion *version `json:"PolicyVersion,omitzero"`
	}
	if v != nil {
		out.PolicyVersion = &version{decodePolicy(aws.ToString(v.Document)), v.VersionId, v.IsDefaultVersion, cliTime(v.CreateDate)}
	}
	return render(out)
}
