package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
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
	Run:       runIRSA411,
}

// nodeRolePlace is how a pod's node leads to its role.
type nodeRolePlace struct {
	role, roleARN string
	ev            []model.Detail
	// none: the node has no node role of the user's (Fargate, Auto Mode,
	// hybrid): nothing to judge.
	none bool
	// skip is why the role is unknown, with the commands that capture it.
	skip string
	cmds []model.Argv
}

func runIRSA411(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.Subject()
	if !model.UsesPodIdentity(c, t) {
		return
	}
	if _, ok := model.UnsupportedWhere(c, t); ok {
		// Fargate or Windows: IRSA405 reports it; there is no agent and no
		// node role of the user's to check.
		return
	}
	cluster := nodeRoleClusterARN(c, t)
	if t.IsPod() {
		place := podNodeRole(c.Snap, t.Pod)
		switch {
		case place.none:
		case place.skip != "":
			r.Skip(subj, place.skip, append(place.ev, cmdDetail(place.cmds)...)...)
		default:
			v := c.NodeRoleVerdict(place.role, place.roleARN, cluster)
			record411(r, subj, v.Status, v.Msg, append(append([]model.Detail(nil), place.ev...), v.Details...))
		}
		return
	}

	// A template: the node roles of the nodes its pods run on.
	var pods []*model.Target
	for _, pt := range c.Targets {
		if pt.IsPod() && pt.Owner == t.Workload && model.UsesPodIdentity(c, pt) {
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
		if _, ok := model.UnsupportedWhere(c, pt); !ok {
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
	var details []model.Detail
	for _, n := range names {
		place := roles[n]
		v := c.NodeRoleVerdict(place.role, place.roleARN, cluster)
		details = append(append(details, place.ev...), v.Details...)
		switch v.Status {
		case finding.StatusFail:
			fails = append(fails, v.Msg)
		case finding.StatusPass:
			passes = append(passes, v.Msg)
		default:
			skips = append(skips, v.Msg)
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
		r.PassFunc(subj, func() (string, []model.Detail) { return strings.Join(passes, "; "), details })
	}
}

func record411(r *Recorder, subj finding.Subject, status finding.Status, msg string, details []model.Detail) {
	switch status {
	case finding.StatusFail:
		r.Fail(subj, msg, details...)
	case finding.StatusPass:
		r.Pass(subj, msg, details...)
	default:
		r.Skip(subj, msg, details...)
	}
}

func cmdDetail(cmds []model.Argv) []model.Detail {
	if len(cmds) == 0 {
		return nil
	}
	return []model.Detail{model.Run(cmds...)}
}

// nodeRoleClusterARN is the resource of the agent's request: the cluster
// of the target's association, else the cluster the input describes.
func nodeRoleClusterARN(c *model.Context, t *model.Target) string {
	if a := model.TargetAssociation(c, t); a != nil {
		if arn := model.AssociationClusterARN(a); arn != "" {
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
			ev: []model.Detail{model.Ev(p.Source, fmt.Sprintf("pod %s/%s: spec.nodeName: %s", p.Namespace, p.Name, name))}, cmds: []model.Argv{model.Command(model.Lits("kubectl", "get", "nodes", "-o", "json")...)}}
	}
	switch n.ComputeType() {
	case snapshot.ComputeFargate, snapshot.ComputeAuto, snapshot.ComputeHybrid:
		return nodeRolePlace{none: true}
	}
	id := n.InstanceID()
	if id == "" {
		return nodeRolePlace{skip: "the pod's node has no EC2 instance ID in spec.providerID, so its node role is unknown",
			ev: []model.Detail{model.Ev(n.Source, fmt.Sprintf("node %s: spec.providerID: %q", name, n.Spec.ProviderID))}}
	}
	ev := []model.Detail{model.Ev(n.Source, fmt.Sprintf("node %s: instance %s", name, id))}
	inst := s.Instance(id)
	if inst == nil {
		why := "the EC2 instance of the pod's node is not in the input, so its instance profile is unknown"
		if g, ok := s.GapFor("ec2:DescribeInstances", id); ok {
			why = fmt.Sprintf("the EC2 instance of the pod's node could not be read (%s)", g.Reason)
		}
		return nodeRolePlace{skip: why, ev: ev, cmds: []model.Argv{model.Command(model.Lit("aws"), model.Lit("ec2"), model.Lit("describe-instances"), model.Lit("--instance-ids"), model.Value("instance ID", id), model.Lit("--output"), model.Lit("json"))}}
	}
	if inst.InstanceProfileARN == "" {
		return nodeRolePlace{skip: "the EC2 instance of the pod's node has no instance profile in the input, so its node role is unknown",
			ev: append(ev, model.Ev(inst.Source, fmt.Sprintf("instance %s: no IamInstanceProfile", id)))}
	}
	ev = append(ev, model.Ev(inst.Source, fmt.Sprintf("instance %s: instance profile %s", id, inst.InstanceProfileARN)))
	prof := s.InstanceProfileFor(inst.InstanceProfileARN)
	if prof == nil {
		profName := inst.InstanceProfileARN[strings.LastIndexByte(inst.InstanceProfileARN, '/')+1:]
		why := "the instance profile of the pod's node is not in the input, so its node role is unknown"
		if g, ok := s.GapFor("iam:GetInstanceProfile", inst.InstanceProfileARN); ok {
			why = fmt.Sprintf("the instance profile of the pod's node could not be read (%s)", g.Reason)
		}
		return nodeRolePlace{skip: why, ev: ev, cmds: []model.Argv{model.Command(model.Lit("aws"), model.Lit("iam"), model.Lit("get-instance-profile"), model.Lit("--instance-profile-name"), model.RoleName(profName), model.Lit("--output"), model.Lit("json"))}}
	}
	ev = append(ev, model.Ev(prof.Source, fmt.Sprintf("instance profile %s: role %s", prof.Name, model.OrUnknown(prof.RoleARN))))
	if prof.RoleName == "" {
		return nodeRolePlace{skip: "the instance profile of the pod's node holds no role", ev: ev}
	}
	return nodeRolePlace{role: prof.RoleName, roleARN: prof.RoleARN, ev: ev}
}
