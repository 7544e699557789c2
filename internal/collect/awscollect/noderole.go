package awscollect

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// The node role's permission policies (Options.NodeRoleInstanceIDs). EKS
// Pod Identity needs the role of the node's instance profile to allow
// eks-auth:AssumeRoleForPodIdentity (docs/reference/pod-identity.md, docs/reference/pod-identity.md#failure-modes).
// For each distinct instance profile of those instances,
// iam:GetInstanceProfile; for each distinct role,
// iam:ListAttachedRolePolicies, iam:ListRolePolicies and
// iam:GetRolePolicy per inline policy; for each distinct
// customer-managed policy, iam:GetPolicy and iam:GetPolicyVersion of its
// default version. AWS managed policies (arn:PARTITION:iam::aws:policy/)
// are not read: their documents are published, and the check knows the
// ones that matter by ARN. A role or policy that target roles share is
// read once (rolepolicies.go: roleOnce, policyOnce, readRole, readPolicy).
//
// list-attached-role-policies, list-role-policies and get-policy-version
// do not name their role or policy, so each profile's outputs go in one
// capture, in the order the bundle reader attributes them by
// (bundle/rolepolicies.go): get-instance-profile, then the role's lists and
// inline documents, then get-policy and get-policy-version of each
// customer-managed policy, each printed as the AWS CLI prints it.

// noteProfiles records the instance profile of each described instance.
func (c *collector) noteProfiles(rs []ec2types.Reservation) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.instanceProfiles == nil {
		c.instanceProfiles = map[string]string{}
	}
	for _, r := range rs {
		for _, i := range r.Instances {
			if p := i.IamInstanceProfile; p != nil && aws.ToString(p.Arn) != "" {
				c.instanceProfiles[aws.ToString(i.InstanceId)] = aws.ToString(p.Arn)
			}
		}
	}
}

func (c *collector) nodeRoles(ctx context.Context, cfg aws.Config) {
	c.mu.Lock()
	byInstance := c.instanceProfiles
	c.mu.Unlock()
	seen := map[string]bool{}
	var profiles []string
	for _, id := range validInstanceIDs(c.opts.NodeRoleInstanceIDs) {
		p := byInstance[id]
		if p == "" || seen[p] {
			continue
		}
		seen[p] = true
		profiles = append(profiles, p)
	}
	if len(profiles) == 0 {
		return
	}
	sort.Strings(profiles)
	client := iam.NewFromConfig(cfg)

	// 1. The profiles, concurrently.
	type profileRead struct {
		arn, name, role, roleARN string
		data                     []byte
	}
	reads := make([]profileRead, len(profiles))
	var wg sync.WaitGroup
	for i, p := range profiles {
		account, name, ok := profileParts(p)
		if !ok {
			continue
		}
		if account != c.account {
			c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetInstanceProfile", Resource: p,
				Reason: fmt.Sprintf("not read: the instance profile is in account %s and the AWS credentials are in account %s", account, c.account)})
			continue
		}
		wg.Go(func() {
			var out *iam.GetInstanceProfileOutput
			err := c.call(ctx, "iam:GetInstanceProfile", func(ctx context.Context) error {
				var err error
				out, err = client.GetInstanceProfile(ctx, &iam.GetInstanceProfileInput{InstanceProfileName: aws.String(name)})
				return err
			})
			if err != nil {
				c.failed(ctx, err, "GetInstanceProfile", "", "iam:GetInstanceProfile "+name,
					snapshot.Gap{Source: "aws", Operation: "iam:GetInstanceProfile", Resource: p},
					"grant iam:GetInstanceProfile on "+p+"; deploy/iam-policy.json lists what irsa-doctor calls",
					"aws iam get-instance-profile --instance-profile-name "+name+" --output json")
				return
			}
			data, err := renderGetInstanceProfile(out)
			if err != nil {
				c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetInstanceProfile", Resource: p, Reason: err.Error()})
				return
			}
			r := profileRead{arn: p, name: name, data: data}
			if ip := out.InstanceProfile; ip != nil && len(ip.Roles) > 0 {
				r.role, r.roleARN = aws.ToString(ip.Roles[0].RoleName), aws.ToString(ip.Roles[0].Arn)
			}
			reads[i] = r
		})
	}
	wg.Wait()

	// 2. Each distinct role once (a target role already read is not read
	// again: rolepolicies.go).
	var distinct []profileRead
	seenRole := map[string]bool{}
	for _, r := range reads {
		if r.role != "" && !seenRole[strings.ToLower(r.role)] {
			seenRole[strings.ToLower(r.role)] = true
			distinct = append(distinct, r)
		}
	}
	roleReadsOf := make([]*roleReads, len(distinct))
	for i, r := range distinct {
		wg.Go(func() { roleReadsOf[i] = c.roleOnce(ctx, client, c.account, r.role, r.roleARN) })
	}
	wg.Wait()
	roles := map[string]*roleReads{}
	for i, r := range distinct {
		roles[strings.ToLower(r.role)] = roleReadsOf[i]
	}

	// 3. Each distinct customer-managed policy once.
	policies := map[string]*policyReads{}
	for _, k := range sortedKeys(roles) {
		for _, p := range roles[k].customer {
			if _, ok := policies[p]; ok {
				continue
			}
			pr := &policyReads{}
			policies[p] = pr
			wg.Go(func() { pr.outputs = c.policyOnce(ctx, client, p) })
		}
	}
	wg.Wait()

	for _, r := range reads {
		if r.data == nil {
			continue
		}
		parts := [][]byte{r.data}
		ref := "iam:GetInstanceProfile " + r.name
		if rr := roles[strings.ToLower(r.role)]; r.role != "" && rr != nil {
			parts = append(parts, rr.outputs...)
			for _, p := range rr.customer {
				parts = append(parts, policies[p].outputs...)
			}
			ref += " and the policies of role " + r.role
		}
		c.capture(c.account+"/instance-profile-"+fileSafe(r.name)+".json", bytes.Join(parts, nil), ref)
	}
}

// profileParts splits arn:PARTITION:iam::ACCOUNT:instance-profile/PATH/NAME.
func profileParts(s string) (account, name string, ok bool) {
	f := strings.SplitN(s, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" {
		return "", "", false
	}
	rest, ok := strings.CutPrefix(f[5], "instance-profile/")
	if !ok || rest == "" {
		return "", "", false
	}
	return f[4], rest[strings.LastIndexByte(rest, '/')+1:], true
}

// --- the AWS CLI's output of the node-role calls (member order of the
// SDK's schemas, as elsewhere in cli.go) ---

func renderGetInstanceProfile(o *iam.GetInstanceProfileOutput) ([]byte, error) {
	type profile struct {
		Path                *string   `json:"Path,omitzero"`
		InstanceProfileName *string   `json:"InstanceProfileName,omitzero"`
		InstanceProfileID   *string   `json:"InstanceProfileId,omitzero"`
		Arn                 *string   `json:"Arn,omitzero"`
		CreateDate          *string   `json:"CreateDate,omitzero"`
		Roles               []cliRole `json:"Roles"`
		Tags                []cliTag  `json:"Tags,omitzero"`
	}
	var out struct {
		InstanceProfile *profile `json:"InstanceProfile,omitzero"`
	}
	if ip := o.InstanceProfile; ip != nil {
		p := &profile{Path: ip.Path, InstanceProfileName: ip.InstanceProfileName, InstanceProfileID: ip.InstanceProfileId, Arn: ip.Arn,
			CreateDate: cliTime(ip.CreateDate), Roles: []cliRole{}, Tags: cliTags(ip.Tags)}
		for _, r := range ip.Roles {
			cr := cliRole{Path: r.Path, RoleName: r.RoleName, RoleID: r.RoleId, Arn: r.Arn, CreateDate: cliTime(r.CreateDate),
				Description: r.Description, MaxSessionDuration: r.MaxSessionDuration, Tags: cliTags(r.Tags)}
			if r.AssumeRolePolicyDocument != nil {
				cr.AssumeRolePolicyDocument = decodePolicy(*r.AssumeRolePolicyDocument)
			}
			p.Roles = append(p.Roles, cr)
		}
		out.InstanceProfile = p
	}
	return render(out)
}
