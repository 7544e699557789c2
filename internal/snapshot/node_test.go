package snapshot

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestNodeInstanceID(t *testing.T) {
	for _, tc := range []struct {
		providerID, want string
	}{
		{"aws:///us-west-2a/i-0123456789abcdef0", "i-0123456789abcdef0"},
		{"aws:///eu-west-1b/i-12345678", "i-12345678"}, // the old 8-digit form
		{"aws:///i-0123456789abcdef0", "i-0123456789abcdef0"},
		// Fargate: the node name, not an instance.
		{"aws:///us-west-2a/fargate-ip-10-0-1-23.us-west-2.compute.internal", ""},
		{"aws:///us-west-2a/i-0123456", ""},           // too short
		{"aws:///us-west-2a/i-0123456789ABCDEF0", ""}, // EC2 IDs are lower case
		{"aws:///us-west-2a/i-0123456789abcdefg", ""}, // not hex
		{"eks-hybrid:///us-west-2/prod/mi-0123456789abcdef0", ""},
		{"i-0123456789abcdef0", ""}, // no aws:// scheme
		{"", ""},
	} {
		n := &Node{Spec: NodeSpec{ProviderID: tc.providerID}}
		if got := n.InstanceID(); got != tc.want {
			t.Errorf("InstanceID(%q) = %q, want %q", tc.providerID, got, tc.want)
		}
	}
}

func TestNodeLabels(t *testing.T) {
	current := &Node{ObjectMeta: ObjectMeta{Labels: map[string]string{
		LabelOS: "linux", labelBetaOS: "windows",
		LabelArch: "arm64", labelBetaArch: "amd64",
		LabelInstanceType: "m7g.large", labelBetaInstanceType: "m5.large",
		LabelRegion: "eu-west-1", labelBetaRegion: "us-east-1",
		LabelZone: "eu-west-1a", labelBetaZone: "us-east-1a",
		LabelComputeType: ComputeHybrid,
	}}, Status: NodeStatus{NodeInfo: NodeSystemInfo{OperatingSystem: "windows", Architecture: "amd64"}}}
	beta := &Node{ObjectMeta: ObjectMeta{Labels: map[string]string{
		labelBetaOS: "windows", labelBetaArch: "amd64", labelBetaInstanceType: "m5.large",
		labelBetaRegion: "us-east-1", labelBetaZone: "us-east-1a",
	}}, Status: NodeStatus{NodeInfo: NodeSystemInfo{OperatingSystem: "linux", Architecture: "arm64"}}}
	bare := &Node{Status: NodeStatus{NodeInfo: NodeSystemInfo{OperatingSystem: "linux", Architecture: "arm64"}}}
	for _, tc := range []struct {
		name string
		n    *Node
		want [6]string // OS, Arch, InstanceType, Region, Zone, ComputeType
	}{
		// The current labels win over the beta ones and the kubelet's report.
		{"current labels", current, [6]string{"linux", "arm64", "m7g.large", "eu-west-1", "eu-west-1a", "hybrid"}},
		{"beta labels", beta, [6]string{"windows", "amd64", "m5.large", "us-east-1", "us-east-1a", ""}},
		// Without labels, OS and Arch are what the kubelet reports.
		{"no labels", bare, [6]string{"linux", "arm64", "", "", "", ""}},
	} {
		got := [6]string{tc.n.OS(), tc.n.Arch(), tc.n.InstanceType(), tc.n.Region(), tc.n.Zone(), tc.n.ComputeType()}
		if got != tc.want {
			t.Errorf("%s: OS, Arch, InstanceType, Region, Zone, ComputeType = %q, want %q", tc.name, got, tc.want)
		}
	}
}

func TestNodeReady(t *testing.T) {
	for _, tc := range []struct {
		conds []NodeCondition
		want  string
	}{
		{[]NodeCondition{{Type: "MemoryPressure", Status: "False"}, {Type: "Ready", Status: "True"}}, "True"},
		{[]NodeCondition{{Type: "Ready", Status: "Unknown", Reason: "NodeStatusUnknown"}}, "Unknown"},
		{[]NodeCondition{{Type: "DiskPressure", Status: "True"}}, ""},
		{nil, ""},
	} {
		n := &Node{Status: NodeStatus{Conditions: tc.conds}}
		if got := n.Ready(); got != tc.want {
			t.Errorf("Ready() with %+v = %q, want %q", tc.conds, got, tc.want)
		}
	}
}

func TestNodeAndInstanceLookups(t *testing.T) {
	s := New("offline")
	s.Nodes = []*Node{{ObjectMeta: ObjectMeta{Name: "ip-10-0-1-1"}}, {ObjectMeta: ObjectMeta{Name: "ip-10-0-1-2"}}}
	s.Instances = []*EC2Instance{{InstanceID: "i-0aaaaaaaaaaaaaaaa"}, {InstanceID: "i-0bbbbbbbbbbbbbbbb", InstanceType: "m5.large"}}
	if n := s.Node("ip-10-0-1-2"); n == nil || n.Name != "ip-10-0-1-2" {
		t.Errorf("Node(ip-10-0-1-2) = %+v", n)
	}
	if n := s.Node("ip-10-0-1-3"); n != nil {
		t.Errorf("Node(ip-10-0-1-3) = %+v, want nil", n)
	}
	if i := s.Instance("i-0bbbbbbbbbbbbbbbb"); i == nil || i.InstanceType != "m5.large" {
		t.Errorf("Instance(i-0bbbbbbbbbbbbbbbb) = %+v", i)
	}
	for _, id := range []string{"", "i-0cccccccccccccccc"} {
		if i := s.Instance(id); i != nil {
			t.Errorf("Instance(%q) = %+v, want nil", id, i)
		}
	}
}

// TestGapFor: the resource of a gap may list several (instance IDs
// separated by commas or spaces); "" asks for any gap of the operation.
func TestGapFor(t *testing.T) {
	s := New("live")
	s.Gaps = []Gap{
		{Source: "aws", Operation: "iam:GetRole", Resource: "arn:aws:iam::111122223333:role/a", Reason: "AccessDenied"},
		{Source: "aws", Operation: "ec2:DescribeInstances", Resource: "i-0aaaaaaaaaaaaaaaa, i-0bbbbbbbbbbbbbbbb i-0cccccccccccccccc", Reason: "UnauthorizedOperation"},
	}
	for _, tc := range []struct {
		op, resource string
		wantReason   string // "" for no gap
	}{
		{"iam:GetRole", "arn:aws:iam::111122223333:role/a", "AccessDenied"},
		{"iam:GetRole", "arn:aws:iam::111122223333:role/b", ""},
		{"iam:GetRole", "", "AccessDenied"},
		{"ec2:DescribeInstances", "i-0aaaaaaaaaaaaaaaa", "UnauthorizedOperation"},
		{"ec2:DescribeInstances", "i-0bbbbbbbbbbbbbbbb", "UnauthorizedOperation"},
		{"ec2:DescribeInstances", "i-0cccccccccccccccc", "UnauthorizedOperation"},
		{"ec2:DescribeInstances", "i-0aaaaaaa", ""}, // a word, not a prefix
		{"ec2:DescribeInstances", "", "UnauthorizedOperation"},
		{"eks:DescribeCluster", "", ""},
	} {
		g, ok := s.GapFor(tc.op, tc.resource)
		if ok != (tc.wantReason != "") || g.Reason != tc.wantReason {
			t.Errorf("GapFor(%q, %q) = %+v, %v; want reason %q", tc.op, tc.resource, g, ok, tc.wantReason)
		}
	}
}

func podOn(name, node, phase string) *Pod {
	return &Pod{ObjectMeta: ObjectMeta{Namespace: "payments", Name: name}, Spec: PodSpec{NodeName: node}, Status: PodStatus{Phase: phase}}
}

func nodeWithID(name, providerID string) *Node {
	return &Node{ObjectMeta: ObjectMeta{Name: name}, Spec: NodeSpec{ProviderID: providerID}}
}

// TestNodeInstanceIDs: the instances behind the nodes that unfinished pods
// run on, once each, sorted.
func TestNodeInstanceIDs(t *testing.T) {
	s := New("offline")
	s.Pods = []*Pod{
		podOn("a", "node-2", "Running"),
		podOn("b", "node-1", "Pending"),
		podOn("c", "node-2", "Running"),
		podOn("done", "node-3", "Succeeded"),
		podOn("failed", "node-4", "Failed"),
		podOn("unscheduled", "", "Pending"),
		podOn("fargate", "fargate-ip-10-0-1-9", "Running"),
		podOn("elsewhere", "node-not-captured", "Running"),
	}
	s.Nodes = []*Node{
		nodeWithID("node-1", "aws:///eu-west-1a/i-0bbbbbbbbbbbbbbbb"),
		nodeWithID("node-2", "aws:///eu-west-1b/i-0aaaaaaaaaaaaaaaa"),
		nodeWithID("node-3", "aws:///eu-west-1a/i-0cccccccccccccccc"),
		nodeWithID("node-4", "aws:///eu-west-1a/i-0dddddddddddddddd"),
		nodeWithID("node-5", "aws:///eu-west-1a/i-0eeeeeeeeeeeeeeee"),
		nodeWithID("fargate-ip-10-0-1-9", "aws:///eu-west-1a/fargate-ip-10-0-1-9.eu-west-1.compute.internal"),
	}
	if d := cmp.Diff([]string{"i-0aaaaaaaaaaaaaaaa", "i-0bbbbbbbbbbbbbbbb"}, s.NodeInstanceIDs()); d != "" {
		t.Errorf("NodeInstanceIDs (-want +got):\n%s", d)
	}
	if got := New("offline").NodeInstanceIDs(); got != nil {
		t.Errorf("NodeInstanceIDs of nothing = %v, want nil", got)
	}
}

// TestPodIdentityInstanceIDs: only the nodes of unfinished pods that carry
// what the webhook injects for EKS Pod Identity.
func TestPodIdentityInstanceIDs(t *testing.T) {
	withVolume := podOn("volume", "node-1", "Running")
	withVolume.Spec.Volumes = []Volume{{Name: "kube-api-access"}, {Name: "eks-pod-identity-token"}}
	withEnv := podOn("env", "node-2", "Running")
	withEnv.Spec.Containers = []Container{{Name: "app", Env: []EnvVar{{Name: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE", Value: "/var/run/secrets/pods.eks.amazonaws.com/serviceaccount/eks-pod-identity-token"}}}}
	withInitEnv := podOn("init", "node-3", "Running")
	withInitEnv.Spec.InitContainers = []Container{{Name: "setup", Env: []EnvVar{{Name: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"}}}}
	irsa := podOn("irsa", "node-4", "Running")
	irsa.Spec.Volumes = []Volume{{Name: "aws-iam-token"}}
	irsa.Spec.Containers = []Container{{Name: "app", Env: []EnvVar{{Name: "AWS_WEB_IDENTITY_TOKEN_FILE"}}}}
	finished := podOn("finished", "node-5", "Succeeded")
	finished.Spec.Volumes = []Volume{{Name: "eks-pod-identity-token"}}
	// Ephemeral containers are not what the webhook injects into.
	ephemeral := podOn("debug", "node-6", "Running")
	ephemeral.Spec.EphemeralContainers = []Container{{Name: "debug", Env: []EnvVar{{Name: "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE"}}}}
	sameNode := podOn("same", "node-1", "Running")
	sameNode.Spec.Volumes = []Volume{{Name: "eks-pod-identity-token"}}

	s := New("offline")
	s.Pods = []*Pod{withVolume, withEnv, withInitEnv, irsa, finished, ephemeral, sameNode}
	for i, id := range []string{"i-0ffffffffffffffff", "i-0eeeeeeeeeeeeeeee", "i-0dddddddddddddddd", "i-0cccccccccccccccc", "i-0bbbbbbbbbbbbbbbb", "i-0aaaaaaaaaaaaaaaa"} {
		s.Nodes = append(s.Nodes, nodeWithID("node-"+string(rune('1'+i)), "aws:///eu-west-1a/"+id))
	}
	want := []string{"i-0dddddddddddddddd", "i-0eeeeeeeeeeeeeeee", "i-0ffffffffffffffff"}
	if d := cmp.Diff(want, s.PodIdentityInstanceIDs()); d != "" {
		t.Errorf("PodIdentityInstanceIDs (-want +got):\n%s", d)
	}
}

func TestNodeRoleLookups(t *testing.T) {
	s := New("offline")
	s.InstanceProfiles = []*InstanceProfile{
		{ARN: "arn:aws:iam::111122223333:instance-profile/eks/NodeProfile", Name: "NodeProfile", RoleName: "NodeRole"},
	}
	s.RolePolicies = []*RolePolicies{{RoleName: "NodeRole", Inline: []InlinePolicy{{Name: "a", Document: "{1}"}, {Name: "b", Document: "{2}"}}}}
	s.ManagedPolicies = []*ManagedPolicy{{ARN: "arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy", Name: "AmazonEKSWorkerNodePolicy"}}

	// IAM names are unique case-insensitively: a profile ARN or role name
	// that differs in case is the same one.
	for _, arn := range []string{"arn:aws:iam::111122223333:instance-profile/eks/NodeProfile", "arn:aws:iam::111122223333:instance-profile/eks/nodeprofile"} {
		if p := s.InstanceProfileFor(arn); p == nil || p.RoleName != "NodeRole" {
			t.Errorf("InstanceProfileFor(%q) = %+v", arn, p)
		}
	}
	for _, arn := range []string{"", "arn:aws:iam::111122223333:instance-profile/NodeProfile"} { // another path
		if p := s.InstanceProfileFor(arn); p != nil {
			t.Errorf("InstanceProfileFor(%q) = %+v, want nil", arn, p)
		}
	}
	for _, name := range []string{"NodeRole", "noderole"} {
		if rp := s.RolePoliciesFor(name); rp == nil || rp.RoleName != "NodeRole" {
			t.Errorf("RolePoliciesFor(%q) = %+v", name, rp)
		}
	}
	if rp := s.RolePoliciesFor("OtherRole"); rp != nil {
		t.Errorf("RolePoliciesFor(OtherRole) = %+v, want nil", rp)
	}
	rp := s.RolePoliciesFor("NodeRole")
	if d := rp.InlineDocument("b"); d == nil || d.Document != "{2}" {
		t.Errorf("InlineDocument(b) = %+v", d)
	}
	if d := rp.InlineDocument("B"); d != nil {
		t.Errorf("InlineDocument(B) = %+v, want nil (policy names are compared exactly)", d)
	}
	if p := s.ManagedPolicyFor("arn:aws:iam::aws:policy/AmazonEKSWorkerNodePolicy"); p == nil || p.Name != "AmazonEKSWorkerNodePolicy" {
		t.Errorf("ManagedPolicyFor = %+v", p)
	}
	if p := s.ManagedPolicyFor("arn:aws:iam::aws:policy/amazoneksworkernodepolicy"); p != nil {
		t.Errorf("ManagedPolicyFor(lower case) = %+v, want nil (ARNs are compared exactly)", p)
	}
}
