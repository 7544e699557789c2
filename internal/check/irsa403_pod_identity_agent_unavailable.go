package check

import (
	"fmt"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

var irsa403 = &Check{
	ID:       "IRSA403",
	Slug:     "pod-identity-agent-unavailable",
	Title:    "No ready EKS Pod Identity Agent serves the pod's node",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopeWorkloads,
	Run:      runIRSA403,
}

// agentNamespace and agentName are where the EKS add-on installs the
// agent (docs/reference/pod-identity.md; the add-on's Helm chart names the hybrid
// variant eks-pod-identity-agent-hybrid).
const (
	agentNamespace = "kube-system"
	agentName      = "eks-pod-identity-agent"
)

func runIRSA403(c *model.Context, t *model.Target, r *Recorder) {
	subj := t.Subject()
	if !model.UsesPodIdentity(c, t) {
		return
	}
	if p, ok := model.UnsupportedWhere(c, t); ok {
		// IRSA405 reports it; a hostNetwork pod (a warning there) is still
		// judged here.
		r.Skip(subj, fmt.Sprintf("the pod runs on %s, where the EKS Pod Identity Agent never runs (IRSA405)", p.What))
		return
	}
	s := c.Snap
	ds := agentDaemonSets(s)
	pods := agentPods(s)
	dsProof, dsListed := daemonSetListing(s)
	autoMode := false
	if cl := s.Cluster(); cl != nil && cl.AutoMode != nil && *cl.AutoMode {
		autoMode = true
	}
	var dsEv []model.Detail
	for _, d := range ds {
		dsEv = append(dsEv, model.Ev(d.Source, fmt.Sprintf("DaemonSet %s/%s", d.Namespace, d.Name)))
	}
	missing := func() {
		cluster := "CLUSTER"
		if cl := s.Cluster(); cl != nil && cl.Name != "" {
			cluster = cl.Name
		} else if a := model.TargetAssociation(c, t); a != nil {
			cluster = a.ClusterName
		}
		clusterWord, off := model.ClusterName(cluster), ""
		if cluster == "CLUSTER" {
			clusterWord, off = model.Lit(cluster), "replace CLUSTER with the cluster's name"
		}
		cmd := model.Command(model.Lit("aws"), model.Lit("eks"), model.Lit("create-addon"), model.Lit("--cluster-name"), clusterWord, model.Lit("--addon-name"), model.Lit(agentName))
		r.Fail(subj, fmt.Sprintf("DaemonSet %s/%s does not exist: nothing serves the Pod Identity credentials address 169.254.170.23, so the pod gets no credentials", agentNamespace, agentName),
			model.Ev(dsProof, fmt.Sprintf("DaemonSets of %s without %s", agentNamespace, agentName)), model.RunOrAlt(off, cmd),
			model.Remedy("Install the EKS Pod Identity Agent add-on:\n\n"+model.Lines(cmd)))
	}

	if t.IsTemplate() {
		switch {
		case len(ds) > 0:
			ready, total := 0, len(pods)
			for _, p := range pods {
				if p.Ready() {
					ready++
				}
			}
			msg := fmt.Sprintf("DaemonSet %s/%s exists", agentNamespace, ds[0].Name)
			if total > 0 {
				msg += fmt.Sprintf(" (%d of its %d pods in the input are ready)", ready, total)
			}
			r.Pass(subj, msg, dsEv...)
		case len(pods) > 0:
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("EKS Pod Identity Agent pods run in %s (%s)", agentNamespace, pods[0].Name), []model.Detail{model.Ev(pods[0].Source, "pod "+snapshot.Key(pods[0].Namespace, pods[0].Name))}
			})
		case autoMode:
			r.PassFunc(subj, func() (string, []model.Detail) {
				return "the cluster uses EKS Auto Mode, whose nodes run the EKS Pod Identity Agent built in", []model.Detail{model.Ev(s.Cluster().Source, "computeConfig.enabled: true")}
			})
		case dsListed:
			missing()
		default:
			r.Skip(subj, agentSkipReason)
		}
		return
	}

	node := t.Spec.NodeName
	if node == "" {
		r.Skip(subj, "the pod is not scheduled on a node yet (spec.nodeName is empty)")
		return
	}
	n := s.Node(node)
	if n != nil && n.ComputeType() == snapshot.ComputeAuto {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("node %s is an EKS Auto Mode node, which runs the EKS Pod Identity Agent built in", node), []model.Detail{model.Ev(n.Source, model.NodeFacts(n))}
		})
		return
	}
	var onNode []*snapshot.Pod
	for _, p := range pods {
		if p.Spec.NodeName == node {
			onNode = append(onNode, p)
		}
	}
	for _, p := range onNode {
		if p.Ready() {
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("agent pod %s on node %s is ready", p.Name, node), []model.Detail{model.Ev(p.Source, agentPodState(p))}
			})
			return
		}
	}
	if len(onNode) > 0 {
		p := onNode[0]
		details := []model.Detail{model.Ev(p.Source, agentPodState(p)),
			model.Run(model.Command(model.Lit("kubectl"), model.Lit("describe"), model.Lit("pod"), model.ObjectName("pod", p.Name), model.Lit("-n"), model.Lit(agentNamespace)),
				model.Command(model.Lit("kubectl"), model.Lit("logs"), model.ObjectName("pod", p.Name), model.Lit("-n"), model.Lit(agentNamespace), model.Lit("--all-containers"))),
			model.Remedy(fmt.Sprintf("The agent pod on node %s is not ready, so it does not serve credentials there. Look at its events and logs (a crash loop, a failing probe, IPv6 disabled on the node):\n\n    kubectl describe pod %s -n %s\n    kubectl logs %s -n %s --all-containers", node, p.Name, agentNamespace, p.Name, agentNamespace))}
		r.Fail(subj, fmt.Sprintf("the EKS Pod Identity Agent pod on node %s, %s, is not ready (%s): the pod's credential requests to 169.254.170.23 fail", node, p.Name, readiness(p)), details...)
		return
	}
	switch {
	case len(ds) == 0 && len(pods) == 0 && dsListed:
		if autoMode {
			if n == nil {
				r.Skip(subj, fmt.Sprintf("the cluster uses EKS Auto Mode, whose nodes run the agent built in, and has no agent DaemonSet: whether node %s is an Auto Mode node is not in the input (capture: kubectl get nodes -o json)", node))
				return
			}
		}
		missing()
	case len(ds) == 0 && len(pods) == 0:
		r.Skip(subj, agentSkipReason)
	default:
		proof, ok := agentPodsListing(s)
		if !ok {
			r.Skip(subj, fmt.Sprintf("the input has no pods of the EKS Pod Identity Agent (capture: kubectl get pods -n %s -l app.kubernetes.io/name=%s -o json)", agentNamespace, agentName), dsEv...)
			return
		}
		details := append(dsEv, model.Ev(proof, fmt.Sprintf("agent pods in the input run on: %s", agentNodes(pods))))
		if n != nil {
			details = append(details, model.Ev(n.Source, model.NodeFacts(n)))
		}
		why := ""
		if n != nil && n.ComputeType() == snapshot.ComputeHybrid {
			why = "; it is an EKS Hybrid node, which the agent DaemonSet's affinity excludes: hybrid nodes need the hybrid agent DaemonSet"
		}
		details = append(details, model.Run(model.Command(model.Lit("kubectl"), model.Lit("describe"), model.Lit("daemonset"), model.ObjectName("DaemonSet", ds0Name(ds)), model.Lit("-n"), model.Lit(agentNamespace))))
		r.Fail(subj, fmt.Sprintf("no EKS Pod Identity Agent pod runs on node %s%s: the pod's credential requests to 169.254.170.23 fail", node, why), details...)
	}
}

const agentSkipReason = "the input has no DaemonSets of kube-system, so whether the EKS Pod Identity Agent runs is unknown (capture: kubectl get daemonsets -n kube-system -o json)"

// agentDaemonSets are the DaemonSets of kube-system that run the agent:
// named eks-pod-identity-agent (or -hybrid), or running its image.
func agentDaemonSets(s *snapshot.Snapshot) []*snapshot.Workload {
	var out []*snapshot.Workload
	for _, w := range s.Workloads {
		if w.Kind == "DaemonSet" && w.Namespace == agentNamespace && (strings.HasPrefix(w.Name, agentName) || runsAgentImage(&w.Template.Spec)) {
			out = append(out, w)
		}
	}
	return out
}

// agentPods are the pods of kube-system that an agent DaemonSet controls,
// or that run the agent's image.
func agentPods(s *snapshot.Snapshot) []*snapshot.Pod {
	var out []*snapshot.Pod
	for _, p := range s.Pods {
		if p.Namespace != agentNamespace {
			continue
		}
		ref := p.ControllerOf()
		if ref != nil && ref.Kind == "DaemonSet" && strings.HasPrefix(ref.Name, agentName) || runsAgentImage(&p.Spec) {
			out = append(out, p)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// runsAgentImage: a container runs .../eks/eks-pod-identity-agent:TAG.
func runsAgentImage(spec *snapshot.PodSpec) bool {
	for i := range spec.Containers {
		if strings.Contains(spec.Containers[i].Image, "/eks/"+agentName+":") {
			return true
		}
	}
	return false
}

// daemonSetListing is the proof that the input holds every DaemonSet of
// kube-system.
func daemonSetListing(s *snapshot.Snapshot) (snapshot.Source, bool) {
	if l, ok := s.ListedIn(snapshot.KindDaemonSet, agentNamespace); ok {
		return l.Source, true
	}
	if l, ok := s.ListedIn(snapshot.KindWorkload, agentNamespace); ok {
		return l.Source, true
	}
	return snapshot.Source{}, false
}

// agentPodsListing is the proof that the input holds every agent pod.
func agentPodsListing(s *snapshot.Snapshot) (snapshot.Source, bool) {
	if l, ok := s.ListedIn(snapshot.KindPodIdentityAgent, agentNamespace); ok {
		return l.Source, true
	}
	if l, ok := s.ListedIn(snapshot.KindPod, agentNamespace); ok {
		return l.Source, true
	}
	return snapshot.Source{}, false
}

func agentNodes(pods []*snapshot.Pod) string {
	if len(pods) == 0 {
		return "none"
	}
	var nodes []string
	for _, p := range pods {
		nodes = append(nodes, model.OrUnknown(p.Spec.NodeName))
	}
	sort.Strings(nodes)
	if len(nodes) > 10 {
		nodes = append(nodes[:10:10], fmt.Sprintf("and %d more", len(pods)-10))
	}
	return strings.Join(nodes, ", ")
}

func ds0Name(ds []*snapshot.Workload) string {
	if len(ds) == 0 {
		return agentName
	}
	return ds[0].Name
}

// readiness describes why a pod is not ready.
func readiness(p *snapshot.Pod) string {
	parts := []string{"phase " + model.OrUnknown(p.Status.Phase)}
	if c := p.Condition("Ready"); c != nil {
		cond := "Ready=" + c.Status
		if c.Reason != "" {
			cond += " " + c.Reason
		}
		parts = append(parts, cond)
	} else {
		parts = append(parts, "no Ready condition")
	}
	return strings.Join(parts, ", ")
}

func agentPodState(p *snapshot.Pod) string {
	return fmt.Sprintf("agent pod %s/%s on node %s: %s", p.Namespace, p.Name, model.OrUnknown(p.Spec.NodeName), readiness(p))
}
