package model

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// assumeForPodIdentity is the action the agent's node role needs.
const assumeForPodIdentity = "eks-auth:AssumeRoleForPodIdentity"

// grantingAWSPolicies are AWS managed policies known to allow
// eks-auth:AssumeRoleForPodIdentity on every resource, by name
// (arn:PARTITION:iam::aws:policy/NAME), from the AWS Managed Policy
// Reference: AmazonEKSWorkerNodePolicy v3 ("Action": [...,
// "eks-auth:AssumeRoleForPodIdentity"], "Resource": "*"),
// AmazonEKSWorkerNodeMinimalPolicy v1 (the same action alone),
// AdministratorAccess ("Action": "*") and PowerUserAccess ("NotAction":
// ["iam:*", "organizations:*", "account:*"]).
var grantingAWSPolicies = map[string]bool{
	"AmazonEKSWorkerNodePolicy":        true,
	"AmazonEKSWorkerNodeMinimalPolicy": true,
	"AdministratorAccess":              true,
	"PowerUserAccess":                  true,
}

// silentAWSPolicies are AWS managed policies commonly attached to node
// roles whose documents neither allow nor deny any eks-auth action (AWS
// Managed Policy Reference: their actions are ec2:, ecr:, ssm:,
// ssmmessages:, ec2messages:, logs:, cloudwatch: and xray: ones).
var silentAWSPolicies = map[string]bool{
	"AmazonEKS_CNI_Policy":                  true,
	"AmazonEC2ContainerRegistryReadOnly":    true,
	"AmazonEC2ContainerRegistryPullOnly":    true,
	"AmazonSSMManagedInstanceCore":          true,
	"CloudWatchAgentServerPolicy":           true,
	"service-role/AmazonEBSCSIDriverPolicy": true,
}

// AwsManagedName is the name (with path) of an AWS managed policy ARN,
// arn:PARTITION:iam::aws:policy/PATH/NAME; ok false for any other ARN.
func AwsManagedName(policyARN string) (string, bool) {
	f := strings.SplitN(policyARN, ":", 6)
	if len(f) != 6 || f[0] != "arn" || f[2] != "iam" || f[4] != "aws" {
		return "", false
	}
	name, ok := strings.CutPrefix(f[5], "policy/")
	if !ok {
		return "", false
	}
	return name, true
}

type nodeRoleKey struct{ role, cluster string }

// nodeRoleVerdict is the judgement of one node role, shared by every pod
// on its nodes.
type nodeRoleVerdict struct {
	Status  finding.Status
	Msg     string
	Details []Detail
}

// NodeRoleVerdict is judgeNodeRole once per node role and cluster.
func (c *Context) NodeRoleVerdict(role, roleARN, cluster string) nodeRoleVerdict {
	k := nodeRoleKey{strings.ToLower(role), cluster}
	return Once(c, k, func() nodeRoleVerdict { return judgeNodeRole(c.Snap, role, roleARN, cluster) })
}

// nodePolicy is one permission policy of the node role.
type nodePolicy struct {
	name   string // "AWS managed policy AmazonEKSWorkerNodePolicy", "inline policy x"
	text   string // the document; "" for a recognised AWS managed policy
	grants bool   // a recognised AWS managed policy that allows the action
	src    snapshot.Source
}

// judgeNodeRole evaluates the node role's permission policies for the
// agent's request (IAM policy evaluation within one account: an explicit
// Deny in any policy wins, otherwise one Allow is needed).
func judgeNodeRole(s *snapshot.Snapshot, role, roleARN, cluster string) nodeRoleVerdict {
	partition := "aws"
	if f := strings.SplitN(roleARN, ":", 3); len(f) == 3 && f[0] == "arn" && f[1] != "" {
		partition = f[1]
	}
	listCmds := []Argv{Command(Lit("aws"), Lit("iam"), Lit("list-attached-role-policies"), Lit("--role-name"), RoleName(role), Lit("--output"), Lit("json")),
		Command(Lit("aws"), Lit("iam"), Lit("list-role-policies"), Lit("--role-name"), RoleName(role), Lit("--output"), Lit("json"))}
	rp := s.RolePoliciesFor(role)
	if rp == nil || !rp.AttachedKnown || !rp.InlineKnown {
		why := fmt.Sprintf("the permission policies of node role %s are not in the input", role)
		for _, op := range []string{"iam:ListAttachedRolePolicies", "iam:ListRolePolicies"} {
			// A live gap names the role's ARN; the CLI's error text, as
			// the bundle reads it, "role NAME".
			g, ok := s.GapFor(op, roleARN)
			if !ok {
				g, ok = s.GapFor(op, role)
			}
			if ok {
				why = fmt.Sprintf("the permission policies of node role %s could not be read (%s: %s)", role, op, g.Reason)
				break
			}
		}
		return nodeRoleVerdict{Status: finding.StatusSkipped, Msg: why + ": capture them after the role's get-instance-profile output, in the same file",
			Details: []Detail{Run(listCmds...)}}
	}
	if !rp.AttachedComplete || !rp.InlineComplete {
		return nodeRoleVerdict{Status: finding.StatusSkipped, Msg: fmt.Sprintf("the policy lists of node role %s in the input are one page of several (IsTruncated): capture them whole", role),
			Details: []Detail{Run(listCmds...)}}
	}

	var pols []nodePolicy
	var missing []string
	var cmds, versionCmds []Argv
	var attachedNames []string
	for _, a := range rp.Attached {
		attachedNames = append(attachedNames, a.Name)
		if name, ok := AwsManagedName(a.ARN); ok && (grantingAWSPolicies[name] || silentAWSPolicies[name]) {
			if grantingAWSPolicies[name] {
				pols = append(pols, nodePolicy{name: "AWS managed policy " + name, grants: true, src: rp.AttachedSource})
			}
			continue
		}
		kind := "managed policy "
		if _, ok := AwsManagedName(a.ARN); ok {
			kind = "AWS managed policy "
		}
		if mp := s.ManagedPolicyFor(a.ARN); mp != nil && mp.Document != "" {
			pols = append(pols, nodePolicy{name: kind + a.Name, text: mp.Document, src: mp.DocumentSource})
			continue
		}
		missing = append(missing, kind+a.Name)
		cmds = append(cmds, Command(Lit("aws"), Lit("iam"), Lit("get-policy"), Lit("--policy-arn"), ARN(a.ARN), Lit("--output"), Lit("json")))
		versionCmds = append(versionCmds, Command(Lit("aws"), Lit("iam"), Lit("get-policy-version"), Lit("--policy-arn"), ARN(a.ARN),
			Lit("--version-id"), Lit("DEFAULT_VERSION_ID"), Lit("--output"), Lit("json")))
	}
	for _, n := range rp.InlineNames {
		if d := rp.InlineDocument(n); d != nil {
			pols = append(pols, nodePolicy{name: "inline policy " + n, text: d.Document, src: d.Source})
			continue
		}
		missing = append(missing, "inline policy "+n)
		cmds = append(cmds, Command(Lit("aws"), Lit("iam"), Lit("get-role-policy"), Lit("--role-name"), RoleName(role), Lit("--policy-name"), Value("policy name", n), Lit("--output"), Lit("json")))
	}
	details := []Detail{
		Ev(rp.AttachedSource, fmt.Sprintf("managed policies attached to %s: %s", role, listOrNone(attachedNames))),
		Ev(rp.InlineSource, fmt.Sprintf("inline policies of %s: %s", role, listOrNone(rp.InlineNames))),
	}

	req := policy.Request{Action: assumeForPodIdentity, Resource: cluster,
		// The agent's request carries keys the input cannot know (aws:*,
		// eks-auth:*): a condition on any key is undecided.
		UnknownKeys: []string{"*"}, ContextNoun: "the agent's request"}
	var allows, undecided []string
	for _, p := range pols {
		if p.grants {
			allows = append(allows, p.name)
			details = append(details, Ev(p.src, fmt.Sprintf("%s allows %s on every resource (AWS Managed Policy Reference)", p.name, assumeForPodIdentity)))
			continue
		}
		doc, err := policy.ParseDocument(p.text)
		if err != nil {
			undecided = append(undecided, fmt.Sprintf("%s does not parse (%v)", p.name, err))
			continue
		}
		res := doc.Evaluate(req)
		switch res.Decision {
		case policy.ExplicitDeny:
			details = append(details, Ev(p.src, fmt.Sprintf("%s: %s", p.name, res.Explain())),
				Remedy(fmt.Sprintf("The %s of node role %s denies `%s`, and an explicit Deny wins over every Allow. Narrow or remove %s so that it no longer covers the action on the cluster.",
					p.name, role, assumeForPodIdentity, res.Deciding.Statement.Name())))
			return nodeRoleVerdict{Status: finding.StatusFail, Details: details,
				Msg: fmt.Sprintf("node role %s: %s explicitly denies %s (%s), so the EKS Pod Identity Agent on its nodes cannot get the pod's credentials",
					role, p.name, assumeForPodIdentity, res.Deciding.Statement.Name())}
		case policy.Allowed:
			allows = append(allows, p.name)
			details = append(details, Ev(p.src, fmt.Sprintf("%s: %s", p.name, res.Explain())))
		case policy.ImplicitDeny:
			details = append(details, Ev(p.src, fmt.Sprintf("%s: %s", p.name, res.Explain())))
		case policy.Unknown:
			why := res.Explain()
			if cluster == "" {
				why += " (the cluster's ARN is not in the input: add `aws eks describe-cluster --name CLUSTER --output json`)"
			}
			undecided = append(undecided, fmt.Sprintf("%s: %s", p.name, why))
		}
	}
	if len(missing) > 0 || len(undecided) > 0 {
		var parts []string
		if len(missing) > 0 {
			parts = append(parts, "the documents of "+strings.Join(missing, ", ")+" are not in the input")
		}
		parts = append(parts, undecided...)
		lead := fmt.Sprintf("whether node role %s allows %s is undecided", role, assumeForPodIdentity)
		if len(allows) > 0 {
			lead = fmt.Sprintf("node role %s allows %s through %s, but a Deny elsewhere would win", role, assumeForPodIdentity, allows[0])
		}
		if len(cmds) > 0 {
			details = append(details, Run(cmds...))
		}
		if len(versionCmds) > 0 {
			details = append(details, Alt("replace DEFAULT_VERSION_ID with the policy's DefaultVersionId, which get-policy prints", versionCmds...))
		}
		return nodeRoleVerdict{Status: finding.StatusSkipped, Msg: lead + ": " + strings.Join(parts, "; "), Details: details}
	}
	if len(allows) > 0 {
		return nodeRoleVerdict{Status: finding.StatusPass, Details: details,
			Msg: fmt.Sprintf("node role %s allows %s through %s", role, assumeForPodIdentity, allows[0])}
	}
	attach := Command(Lit("aws"), Lit("iam"), Lit("attach-role-policy"), Lit("--role-name"), RoleName(role), Lit("--policy-arn"), ARN("arn:"+partition+":iam::aws:policy/AmazonEKSWorkerNodePolicy"))
	details = append(details, Run(attach), Remedy(fmt.Sprintf("Node role %s allows `%s` in none of its policies, so the EKS Pod Identity Agent on its nodes gets EKS Auth's AccessDeniedException for every pod. Attach the AWS managed policy that includes it%s\n\nor add the action to a policy of the role. The agent's next request succeeds; no restart is needed.",
		role, assumeForPodIdentity, showCmd(attach))))
	which := "has no permission policy"
	if n := len(rp.Attached) + len(rp.InlineNames); n > 0 {
		which = fmt.Sprintf("allows %s in none of its %d policies", assumeForPodIdentity, n)
	}
	return nodeRoleVerdict{Status: finding.StatusFail, Details: details,
		Msg: fmt.Sprintf("node role %s %s, so the EKS Pod Identity Agent on its nodes cannot get the pod's credentials (EKS Auth answers AccessDeniedException)",
			role, which)}
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
