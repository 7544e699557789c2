package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var irsa411 = &Check{
	ID:       "IRSA411",
	Slug:     "node-role-cannot-assume-for-pod-identity",
	Title:    "The node's IAM role does not allow eks-auth:AssumeRoleForPodIdentity",
	Severity: finding.SeverityError,
	// Node instance profiles and their policies are rarely in a bundle.
	Secondary: true,
	Link:      finding.LinkIAMRole,
	Scope:     ScopeWorkloads,
	Doc: `EKS Pod Identity credentials come from the EKS Pod Identity Agent on the pod's node, which calls
EKS Auth ` + "`AssumeRoleForPodIdentity`" + ` with the node's own credentials: the IAM role of the node's EC2
instance profile. That role must allow ` + "`eks-auth:AssumeRoleForPodIdentity`" + ` on the cluster
(irsa-facts.md §6.1, §6.2 item 2). The AWS managed policies ` + "`AmazonEKSWorkerNodePolicy`" + ` (since its
version v3, November 2023) and ` + "`AmazonEKSWorkerNodeMinimalPolicy`" + ` allow it (AWS Managed Policy
Reference); a node role built from a copy of an older worker-node policy, or from hand-picked
permissions, does not, and every credential request of the pods on its nodes then fails with EKS
Auth's ` + "`AccessDeniedException`" + ` in the agent's log.

The node role's permission policies are evaluated as IAM does within the role: an explicit Deny wins,
otherwise an Allow is needed, with the cluster's ARN as the resource. The managed policies AWS
documents are recognised by ARN; every other policy is evaluated from its document
(` + "`aws iam get-role-policy`" + `, ` + "`aws iam get-policy-version`" + `). When a document is missing, or a statement
cannot be decided (a condition, a policy variable), the check is skipped with what is missing.
Permissions boundaries and service control policies are not in the input and are not evaluated.
The node is found from the pod's ` + "`spec.nodeName`" + ` through the Node's ` + "`providerID`" + `, the instance's
` + "`IamInstanceProfile`" + ` (` + "`aws ec2 describe-instances`" + `) and ` + "`aws iam get-instance-profile`" + `; a workload
is judged by the nodes its pods run on. Fargate and EKS Auto Mode nodes have no node role of the
user's to check, and are left out.`,
	Fix: `Attach the AWS managed policy to the node role (it takes effect at the agent's next request; no
restart is needed):

    aws iam attach-role-policy --role-name NODE_ROLE --policy-arn arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy

or add ` + "`eks-auth:AssumeRoleForPodIdentity`" + ` to a policy of the role. When a Deny statement refuses it,
narrow that statement.`,
	Run: runIRSA411,
}

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

// awsManagedName is the name (with path) of an AWS managed policy ARN,
// arn:PARTITION:iam::aws:policy/PATH/NAME; ok false for any other ARN.
func awsManagedName(policyARN string) (string, bool) {
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
	status  finding.Status
	msg     string
	details []Detail
}

// nodeRolePlace is how a pod's node leads to its role.
type nodeRolePlace struct {
	role, roleARN string
	ev            []Detail
	// none: the node has no node role of the user's (Fargate, Auto Mode,
	// hybrid): nothing to judge.
	none bool
	// skip is why the role is unknown, with the commands that capture it.
	skip string
	cmds []string
}

func runIRSA411(c *Context, t *Target, r *Recorder) {
	subj := t.Subject()
	if !usesPodIdentity(c, t) {
		if r.Blocked() {
			r.Skip(subj, "")
		}
		return
	}
	if _, ok := unsupportedWhere(c, t); ok {
		// Fargate or Windows: IRSA405 reports it; there is no agent and no
		// node role of the user's to check.
		if r.Blocked() {
			r.Skip(subj, "")
		}
		return
	}
	cluster := nodeRoleClusterARN(c, t)
	if t.IsPod() {
		place := podNodeRole(c.Snap, t.Pod)
		switch {
		case place.none:
			if r.Blocked() {
				r.Skip(subj, "")
			}
		case place.skip != "":
			r.Skip(subj, place.skip, append(place.ev, cmdDetail(place.cmds)...)...)
		default:
			v := c.nodeRoleVerdict(place.role, place.roleARN, cluster)
			record411(r, subj, v.status, v.msg, append(append([]Detail(nil), place.ev...), v.details...))
		}
		return
	}

	// A template: the node roles of the nodes its pods run on.
	var pods []*Target
	for _, pt := range c.Targets {
		if pt.IsPod() && pt.Owner == t.Workload && usesPodIdentity(c, pt) {
			pods = append(pods, pt)
		}
	}
	if len(pods) == 0 {
		r.Skip(subj, "no pod of the workload in the input uses EKS Pod Identity yet, so which nodes, and so which node roles, it runs on is unknown (capture: kubectl get pods,nodes -o json)")
		return
	}
	roles := map[string]nodeRolePlace{}
	var firstSkip *nodeRolePlace
	allNone := true
	for _, pt := range pods {
		place := nodeRolePlace{none: true}
		if _, ok := unsupportedWhere(c, pt); !ok {
			place = podNodeRole(c.Snap, pt.Pod)
		}
		if !place.none {
			allNone = false
		}
		switch {
		case place.none:
		case place.skip != "":
			if firstSkip == nil {
				firstSkip = &place
			}
		default:
			if _, ok := roles[place.role]; !ok {
				roles[place.role] = place
			}
		}
	}
	if allNone {
		if r.Blocked() {
			r.Skip(subj, "")
		}
		return
	}
	if len(roles) == 0 {
		r.Skip(subj, firstSkip.skip, append(firstSkip.ev, cmdDetail(firstSkip.cmds)...)...)
		return
	}
	names := make([]string, 0, len(roles))
	for n := range roles {
		names = append(names, n)
	}
	sort.Strings(names)
	var fails, passes, skips []string
	var details []Detail
	for _, n := range names {
		place := roles[n]
		v := c.nodeRoleVerdict(place.role, place.roleARN, cluster)
		details = append(append(details, place.ev...), v.details...)
		switch v.status {
		case finding.StatusFail:
			fails = append(fails, v.msg)
		case finding.StatusPass:
			passes = append(passes, v.msg)
		default:
			skips = append(skips, v.msg)
		}
	}
	switch {
	case len(fails) > 0:
		r.Fail(subj, strings.Join(fails, "; "), details...)
	case len(skips) > 0:
		r.Skip(subj, strings.Join(skips, "; "), details...)
	case firstSkip != nil:
		r.Skip(subj, strings.Join(passes, "; ")+"; but "+firstSkip.skip, append(details, cmdDetail(firstSkip.cmds)...)...)
	default:
		r.Pass(subj, strings.Join(passes, "; "), details...)
	}
}

func record411(r *Recorder, subj finding.Subject, status finding.Status, msg string, details []Detail) {
	switch status {
	case finding.StatusFail:
		r.Fail(subj, msg, details...)
	case finding.StatusPass:
		r.Pass(subj, msg, details...)
	default:
		r.Skip(subj, msg, details...)
	}
}

func cmdDetail(cmds []string) []Detail {
	if len(cmds) == 0 {
		return nil
	}
	return []Detail{Cmd(cmds...)}
}

// nodeRoleClusterARN is the resource of the agent's request: the cluster
// of the target's association, else the cluster the input describes.
func nodeRoleClusterARN(c *Context, t *Target) string {
	if a := targetAssociation(c, t); a != nil {
		if arn := associationClusterARN(a); arn != "" {
			return arn
		}
	}
	if cl := c.Snap.Cluster(); cl != nil {
		return cl.ARN
	}
	return ""
}

// podNodeRole follows a pod to its node's role: spec.nodeName -> Node ->
// providerID's instance -> IamInstanceProfile -> the profile's role. The
// reasons it gives name no node, instance or profile (those go in the
// evidence), so that the pods of one workload share them and fold into
// the workload's finding.
func podNodeRole(s *snapshot.Snapshot, p *snapshot.Pod) nodeRolePlace {
	name := p.Spec.NodeName
	if name == "" {
		return nodeRolePlace{skip: "the pod is not scheduled on a node yet (spec.nodeName is empty): its node role is unknown"}
	}
	n := s.Node(name)
	if n == nil {
		return nodeRolePlace{skip: "the pod's node is not in the input, so its EC2 instance and node role are unknown",
			ev: []Detail{Ev(p.Source, fmt.Sprintf("pod %s/%s: spec.nodeName: %s", p.Namespace, p.Name, name))}, cmds: []string{"kubectl get nodes -o json"}}
	}
	switch n.ComputeType() {
	case snapshot.ComputeFargate, snapshot.ComputeAuto, snapshot.ComputeHybrid:
		return nodeRolePlace{none: true}
	}
	id := n.InstanceID()
	if id == "" {
		return nodeRolePlace{skip: "the pod's node has no EC2 instance ID in spec.providerID, so its node role is unknown",
			ev: []Detail{Ev(n.Source, fmt.Sprintf("node %s: spec.providerID: %q", name, n.Spec.ProviderID))}}
	}
	ev := []Detail{Ev(n.Source, fmt.Sprintf("node %s: instance %s", name, id))}
	inst := s.Instance(id)
	if inst == nil {
		why := "the EC2 instance of the pod's node is not in the input, so its instance profile is unknown"
		if g, ok := s.GapFor("ec2:DescribeInstances", id); ok {
			why = fmt.Sprintf("the EC2 instance of the pod's node could not be read (%s)", g.Reason)
		}
		return nodeRolePlace{skip: why, ev: ev, cmds: []string{"aws ec2 describe-instances --instance-ids " + id + " --output json"}}
	}
	if inst.InstanceProfileARN == "" {
		return nodeRolePlace{skip: "the EC2 instance of the pod's node has no instance profile in the input, so its node role is unknown",
			ev: append(ev, Ev(inst.Source, fmt.Sprintf("instance %s: no IamInstanceProfile", id)))}
	}
	ev = append(ev, Ev(inst.Source, fmt.Sprintf("instance %s: instance profile %s", id, inst.InstanceProfileARN)))
	prof := s.InstanceProfileFor(inst.InstanceProfileARN)
	if prof == nil {
		profName := inst.InstanceProfileARN[strings.LastIndexByte(inst.InstanceProfileARN, '/')+1:]
		why := "the instance profile of the pod's node is not in the input, so its node role is unknown"
		if g, ok := s.GapFor("iam:GetInstanceProfile", inst.InstanceProfileARN); ok {
			why = fmt.Sprintf("the instance profile of the pod's node could not be read (%s)", g.Reason)
		}
		return nodeRolePlace{skip: why, ev: ev, cmds: []string{"aws iam get-instance-profile --instance-profile-name " + iamQuoteArg(profName) + " --output json"}}
	}
	ev = append(ev, Ev(prof.Source, fmt.Sprintf("instance profile %s: role %s", prof.Name, orUnknown(prof.RoleARN))))
	if prof.RoleName == "" {
		return nodeRolePlace{skip: "the instance profile of the pod's node holds no role", ev: ev}
	}
	return nodeRolePlace{role: prof.RoleName, roleARN: prof.RoleARN, ev: ev}
}

// nodeRoleVerdict is judgeNodeRole once per node role and cluster.
func (c *Context) nodeRoleVerdict(role, roleARN, cluster string) nodeRoleVerdict {
	k := nodeRoleKey{strings.ToLower(role), cluster}
	if v, ok := c.memo.nodeRoles[k]; ok {
		return v
	}
	if c.memo.nodeRoles == nil {
		c.memo.nodeRoles = map[nodeRoleKey]nodeRoleVerdict{}
	}
	v := judgeNodeRole(c.Snap, role, roleARN, cluster)
	c.memo.nodeRoles[k] = v
	return v
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
	q := iamQuoteArg(role)
	listCmds := []string{"aws iam list-attached-role-policies --role-name " + q + " --output json",
		"aws iam list-role-policies --role-name " + q + " --output json"}
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
		return nodeRoleVerdict{status: finding.StatusSkipped, msg: why + ": capture them after the role's get-instance-profile output, in the same file",
			details: []Detail{Cmd(listCmds...)}}
	}
	if !rp.AttachedComplete || !rp.InlineComplete {
		return nodeRoleVerdict{status: finding.StatusSkipped, msg: fmt.Sprintf("the policy lists of node role %s in the input are one page of several (IsTruncated): capture them whole", role),
			details: []Detail{Cmd(listCmds...)}}
	}

	var pols []nodePolicy
	var missing, cmds []string
	var attachedNames []string
	for _, a := range rp.Attached {
		attachedNames = append(attachedNames, a.Name)
		if name, ok := awsManagedName(a.ARN); ok && (grantingAWSPolicies[name] || silentAWSPolicies[name]) {
			if grantingAWSPolicies[name] {
				pols = append(pols, nodePolicy{name: "AWS managed policy " + name, grants: true, src: rp.AttachedSource})
			}
			continue
		}
		kind := "managed policy "
		if _, ok := awsManagedName(a.ARN); ok {
			kind = "AWS managed policy "
		}
		if mp := s.ManagedPolicyFor(a.ARN); mp != nil && mp.Document != "" {
			pols = append(pols, nodePolicy{name: kind + a.Name, text: mp.Document, src: mp.DocumentSource})
			continue
		}
		missing = append(missing, kind+a.Name)
		cmds = append(cmds, fmt.Sprintf("aws iam get-policy --policy-arn %s --output json", a.ARN),
			fmt.Sprintf("aws iam get-policy-version --policy-arn %s --version-id DEFAULT_VERSION_ID --output json", a.ARN))
	}
	for _, n := range rp.InlineNames {
		if d := rp.InlineDocument(n); d != nil {
			pols = append(pols, nodePolicy{name: "inline policy " + n, text: d.Document, src: d.Source})
			continue
		}
		missing = append(missing, "inline policy "+n)
		cmds = append(cmds, fmt.Sprintf("aws iam get-role-policy --role-name %s --policy-name %s --output json", q, iamQuoteArg(n)))
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
			return nodeRoleVerdict{status: finding.StatusFail, details: details,
				msg: fmt.Sprintf("node role %s: %s explicitly denies %s (%s), so the EKS Pod Identity Agent on its nodes cannot get the pod's credentials",
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
			details = append(details, Cmd(cmds...))
		}
		return nodeRoleVerdict{status: finding.StatusSkipped, msg: lead + ": " + strings.Join(parts, "; "), details: details}
	}
	if len(allows) > 0 {
		return nodeRoleVerdict{status: finding.StatusPass, details: details,
			msg: fmt.Sprintf("node role %s allows %s through %s", role, assumeForPodIdentity, allows[0])}
	}
	attach := fmt.Sprintf("aws iam attach-role-policy --role-name %s --policy-arn arn:%s:iam::aws:policy/AmazonEKSWorkerNodePolicy", q, partition)
	details = append(details, Cmd(attach), Remedy(fmt.Sprintf("Node role %s allows `%s` in none of its policies, so the EKS Pod Identity Agent on its nodes gets EKS Auth's AccessDeniedException for every pod. Attach the AWS managed policy that includes it:\n\n    %s\n\nor add the action to a policy of the role. The agent's next request succeeds; no restart is needed.",
		role, assumeForPodIdentity, attach)))
	which := "has no permission policy"
	if n := len(rp.Attached) + len(rp.InlineNames); n > 0 {
		which = fmt.Sprintf("allows %s in none of its %d policies", assumeForPodIdentity, n)
	}
	return nodeRoleVerdict{status: finding.StatusFail, details: details,
		msg: fmt.Sprintf("node role %s %s, so the EKS Pod Identity Agent on its nodes cannot get the pod's credentials (EKS Auth answers AccessDeniedException)",
			role, which)}
}

func listOrNone(names []string) string {
	if len(names) == 0 {
		return "none"
	}
	return strings.Join(names, ", ")
}
