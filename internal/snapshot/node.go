package snapshot

import (
	"sort"
	"strings"
)

// Facts about the nodes pods run on: Kubernetes Node objects (`kubectl get
// nodes -o json`) and the EC2 instances behind them (`aws ec2
// describe-instances --output json`). They decide whether a container that
// falls through the SDK credential chain reaches the node's instance role
// through IMDS (docs/reference/credential-chain.md#why-a-pod-uses-the-node-role, docs/reference/credential-chain.md#imds-reachability) and where EKS Pod Identity cannot run
// (Fargate, Windows, hybrid nodes: §6.1).

const (
	// KindNode is Node objects: a cluster-wide List proves a node absent.
	KindNode Kind = "Node"
	// KindEC2Instance is describe-instances output of the nodes' instances.
	KindEC2Instance Kind = "EC2Instance"
)

// Well-known node labels (kubernetes.io/docs/reference/labels-annotations-taints
// and the EKS user guide).
const (
	LabelOS           = "kubernetes.io/os"
	LabelArch         = "kubernetes.io/arch"
	LabelInstanceType = "node.kubernetes.io/instance-type"
	LabelRegion       = "topology.kubernetes.io/region"
	LabelZone         = "topology.kubernetes.io/zone"
	// LabelComputeType is set by EKS on nodes that are not ordinary EC2
	// nodes: "fargate" (Fargate), "hybrid" (EKS Hybrid Nodes) and "auto"
	// (EKS Auto Mode); the EKS Pod Identity Agent's DaemonSet avoids all
	// three (docs/reference/pod-identity.md, AGENT node affinity).
	LabelComputeType = "eks.amazonaws.com/compute-type"

	// The beta labels older kubelets still set.
	labelBetaOS           = "beta.kubernetes.io/os"
	labelBetaArch         = "beta.kubernetes.io/arch"
	labelBetaInstanceType = "beta.kubernetes.io/instance-type"
	labelBetaRegion       = "failure-domain.beta.kubernetes.io/region"
	labelBetaZone         = "failure-domain.beta.kubernetes.io/zone"
)

// Compute types of LabelComputeType.
const (
	ComputeFargate = "fargate"
	ComputeHybrid  = "hybrid"
	ComputeAuto    = "auto"
)

// Node is a core/v1 Node, reduced to what the checks read.
type Node struct {
	ObjectMeta `json:"metadata"`
	Spec       NodeSpec   `json:"spec"`
	Status     NodeStatus `json:"status"`
	Source     Source     `json:"-"`
}

// NodeSpec is the subset of core/v1 NodeSpec the checks read.
type NodeSpec struct {
	// ProviderID is aws:///ZONE/INSTANCE-ID on EC2 nodes.
	ProviderID    string  `json:"providerID,omitempty"`
	Taints        []Taint `json:"taints,omitempty"`
	Unschedulable bool    `json:"unschedulable,omitempty"`
}

// Taint is core/v1 Taint.
type Taint struct {
	Key    string `json:"key"`
	Value  string `json:"value,omitempty"`
	Effect string `json:"effect"`
}

// NodeStatus is the subset of core/v1 NodeStatus the checks read.
type NodeStatus struct {
	Conditions []NodeCondition `json:"conditions,omitempty"`
	NodeInfo   NodeSystemInfo  `json:"nodeInfo"`
}

// NodeCondition is core/v1 NodeCondition.
type NodeCondition struct {
	Type    string `json:"type"`
	Status  string `json:"status"`
	Reason  string `json:"reason,omitempty"`
	Message string `json:"message,omitempty"`
}

// NodeSystemInfo is the subset of core/v1 NodeSystemInfo the checks read.
type NodeSystemInfo struct {
	OperatingSystem string `json:"operatingSystem,omitempty"`
	Architecture    string `json:"architecture,omitempty"`
	KubeletVersion  string `json:"kubeletVersion,omitempty"`
	OSImage         string `json:"osImage,omitempty"`
}

// label returns the first of the labels that is set.
func (n *Node) label(keys ...string) string {
	for _, k := range keys {
		if v := n.Labels[k]; v != "" {
			return v
		}
	}
	return ""
}

// ComputeType is the eks.amazonaws.com/compute-type label: "fargate",
// "hybrid", "auto", or "" for an ordinary EC2 node (managed node group,
// self-managed, Karpenter).
func (n *Node) ComputeType() string { return n.Labels[LabelComputeType] }

// OS is the node's operating system ("linux", "windows"): the
// kubernetes.io/os label, else what the kubelet reports.
func (n *Node) OS() string {
	if v := n.label(LabelOS, labelBetaOS); v != "" {
		return v
	}
	return n.Status.NodeInfo.OperatingSystem
}

// Arch is the node's architecture ("amd64", "arm64").
func (n *Node) Arch() string {
	if v := n.label(LabelArch, labelBetaArch); v != "" {
		return v
	}
	return n.Status.NodeInfo.Architecture
}

// InstanceType is the node's EC2 instance type label, "" when unset.
func (n *Node) InstanceType() string { return n.label(LabelInstanceType, labelBetaInstanceType) }

// Region is the node's topology region label, "" when unset.
func (n *Node) Region() string { return n.label(LabelRegion, labelBetaRegion) }

// Zone is the node's topology zone label, "" when unset.
func (n *Node) Zone() string { return n.label(LabelZone, labelBetaZone) }

// InstanceID is the EC2 instance ID of the node's providerID
// (aws:///us-west-2a/i-0123456789abcdef0, as the AWS cloud provider sets
// it), or "" when the node is not an EC2 instance (Fargate's providerID
// ends in the Fargate node name; hybrid nodes carry none of that form).
func (n *Node) InstanceID() string {
	rest, ok := strings.CutPrefix(n.Spec.ProviderID, "aws://")
	if !ok {
		return ""
	}
	id := rest[strings.LastIndexByte(rest, '/')+1:]
	if !strings.HasPrefix(id, "i-") || len(id) < 10 {
		return ""
	}
	for _, c := range id[2:] {
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return ""
		}
	}
	return id
}

// Ready returns the node's Ready condition status ("True", "False",
// "Unknown"), or "" when the node reports none.
func (n *Node) Ready() string {
	for _, c := range n.Status.Conditions {
		if c.Type == "Ready" {
			return c.Status
		}
	}
	return ""
}

// EC2Instance is one instance of `aws ec2 describe-instances --output
// json` (Reservations[].Instances[]), reduced to what the checks read.
type EC2Instance struct {
	InstanceID       string `json:"instanceId"`
	InstanceType     string `json:"instanceType,omitempty"`
	AvailabilityZone string `json:"availabilityZone,omitempty"`
	State            string `json:"state,omitempty"` // running, stopped, ...
	PrivateDNSName   string `json:"privateDnsName,omitempty"`
	// InstanceProfileARN is IamInstanceProfile.Arn: the profile whose role
	// the node's IMDS hands out.
	InstanceProfileARN string `json:"instanceProfileArn,omitempty"`
	// OwnerID is the account of the reservation.
	OwnerID  string          `json:"ownerId,omitempty"`
	Metadata MetadataOptions `json:"metadataOptions"`
	Source   Source          `json:"-"`
}

// MetadataOptions is the instance's IMDS configuration
// (InstanceMetadataOptionsResponse in the EC2 API reference).
type MetadataOptions struct {
	// HTTPTokens is "optional" (IMDSv1 and v2) or "required" (IMDSv2 only).
	HTTPTokens string `json:"httpTokens,omitempty"`
	// HopLimit is HttpPutResponseHopLimit, the IP TTL of the IMDSv2 token
	// response; nil when the output does not say.
	HopLimit *int `json:"httpPutResponseHopLimit,omitempty"`
	// HTTPEndpoint is "enabled" or "disabled".
	HTTPEndpoint         string `json:"httpEndpoint,omitempty"`
	HTTPProtocolIPv6     string `json:"httpProtocolIpv6,omitempty"`
	InstanceMetadataTags string `json:"instanceMetadataTags,omitempty"`
	State                string `json:"state,omitempty"` // pending, applied
}

// Node returns the Node called name, or nil. It looks up an index (see
// index.go): the checks ask once per pod.
func (s *Snapshot) Node(name string) *Node {
	n, _ := s.node(name)
	return n
}

// node is Node; examined counts the nodes it looked at, for the test of
// its cost.
func (s *Snapshot) node(name string) (*Node, int) {
	if len(s.Nodes) == 0 {
		return nil, 0
	}
	n, ok := s.nodeIndex().byName[name]
	if !ok {
		return nil, 0
	}
	return n, 1
}

// Instance returns the EC2 instance with that ID, or nil.
func (s *Snapshot) Instance(id string) *EC2Instance {
	if id == "" {
		return nil
	}
	for _, i := range s.Instances {
		if i.InstanceID == id {
			return i
		}
	}
	return nil
}

// GapFor returns the gap recorded for an operation and resource (""
// matches any resource), if any.
func (s *Snapshot) GapFor(operation, resource string) (Gap, bool) {
	for _, g := range s.Gaps {
		if g.Operation == operation && (resource == "" || g.Resource == resource || containsWord(g.Resource, resource)) {
			return g, true
		}
	}
	return Gap{}, false
}

// containsWord reports whether list (words separated by spaces or commas,
// as a gap naming several instances reads) holds word.
func containsWord(list, word string) bool {
	for _, f := range strings.FieldsFunc(list, func(r rune) bool { return r == ' ' || r == ',' }) {
		if f == word {
			return true
		}
	}
	return false
}

// NodeInstanceIDs returns the distinct EC2 instance IDs of the nodes that
// the snapshot's unfinished pods run on, sorted: what the live collector
// passes to ec2:DescribeInstances.
func (s *Snapshot) NodeInstanceIDs() []string {
	used := map[string]bool{}
	for _, p := range s.Pods {
		if p.Spec.NodeName != "" && !p.Finished() {
			used[p.Spec.NodeName] = true
		}
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range s.Nodes {
		if !used[n.Name] {
			continue
		}
		if id := n.InstanceID(); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}
