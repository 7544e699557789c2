package bundle

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// As `kubectl get nodes -o json` prints them: a managed node group node and
// a Fargate node (kubectl's List, status trimmed of images and
// allocatable, which the reader skips anyway).
const nodeList = `{
    "apiVersion": "v1",
    "items": [
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "annotations": {
                    "alpha.kubernetes.io/provided-node-ip": "192.168.33.74",
                    "node.alpha.kubernetes.io/ttl": "0",
                    "volumes.kubernetes.io/controller-managed-attach-detach": "true"
                },
                "creationTimestamp": "2026-11-02T08:14:09Z",
                "labels": {
                    "beta.kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/instance-type": "m6i.large",
                    "beta.kubernetes.io/os": "linux",
                    "eks.amazonaws.com/capacityType": "ON_DEMAND",
                    "eks.amazonaws.com/nodegroup": "general",
                    "eks.amazonaws.com/nodegroup-image": "ami-0c2d3e4f5a6b7c8d9",
                    "failure-domain.beta.kubernetes.io/region": "us-west-2",
                    "failure-domain.beta.kubernetes.io/zone": "us-west-2a",
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": "ip-192-168-33-74.us-west-2.compute.internal",
                    "kubernetes.io/os": "linux",
                    "node.kubernetes.io/instance-type": "m6i.large",
                    "topology.kubernetes.io/region": "us-west-2",
                    "topology.kubernetes.io/zone": "us-west-2a"
                },
                "name": "ip-192-168-33-74.us-west-2.compute.internal",
                "resourceVersion": "1893321",
                "uid": "0b6e1c8f-77a2-4a55-9d0e-2f5d7c1e9a40"
            },
            "spec": {
                "providerID": "aws:///us-west-2a/i-0a1b2c3d4e5f60718"
            },
            "status": {
                "addresses": [
                    {"address": "192.168.33.74", "type": "InternalIP"},
                    {"address": "ip-192-168-33-74.us-west-2.compute.internal", "type": "InternalDNS"},
                    {"address": "ip-192-168-33-74.us-west-2.compute.internal", "type": "Hostname"}
                ],
                "conditions": [
                    {
                        "lastHeartbeatTime": "2026-11-26T11:57:30Z",
                        "lastTransitionTime": "2026-11-02T08:14:09Z",
                        "message": "kubelet has sufficient memory available",
                        "reason": "KubeletHasSufficientMemory",
                        "status": "False",
                        "type": "MemoryPressure"
                    },
                    {
                        "lastHeartbeatTime": "2026-11-26T11:57:30Z",
                        "lastTransitionTime": "2026-11-02T08:14:31Z",
                        "message": "kubelet is posting ready status",
                        "reason": "KubeletReady",
                        "status": "True",
                        "type": "Ready"
                    }
                ],
                "nodeInfo": {
                    "architecture": "amd64",
                    "bootID": "3c0d1a8e-42f1-4a5b-8e41-6f0a9b7c2d11",
                    "containerRuntimeVersion": "containerd://1.7.27",
                    "kernelVersion": "6.1.141-155.222.amzn2023.x86_64",
                    "kubeProxyVersion": "v1.31.7-eks-473151a",
                    "kubeletVersion": "v1.31.7-eks-473151a",
                    "machineID": "ec2a1b2c3d4e5f60718a9b0c1d2e3f40",
                    "operatingSystem": "linux",
                    "osImage": "Amazon Linux 2023.7.20250512",
                    "systemUUID": "ec2a1b2c-3d4e-5f60-718a-9b0c1d2e3f40"
                }
            }
        },
        {
            "apiVersion": "v1",
            "kind": "Node",
            "metadata": {
                "creationTimestamp": "2026-11-25T17:41:52Z",
                "labels": {
                    "beta.kubernetes.io/arch": "amd64",
                    "beta.kubernetes.io/os": "linux",
                    "eks.amazonaws.com/compute-type": "fargate",
                    "failure-domain.beta.kubernetes.io/region": "us-west-2",
                    "failure-domain.beta.kubernetes.io/zone": "us-west-2b",
                    "kubernetes.io/arch": "amd64",
                    "kubernetes.io/hostname": "ip-192-168-140-27.us-west-2.compute.internal",
                    "kubernetes.io/os": "linux",
                    "topology.kubernetes.io/region": "us-west-2",
                    "topology.kubernetes.io/zone": "us-west-2b"
                },
                "name": "fargate-ip-192-168-140-27.us-west-2.compute.internal",
                "resourceVersion": "1890112",
                "uid": "a9d4e6f1-0c3b-4e2a-b5d7-18f0c2e4a6b8"
            },
            "spec": {
                "providerID": "aws:///us-west-2b/3f2e1d0c9b-8a7f6e5d4c3b2a1f0e9d8c7b/fargate-ip-192-168-140-27.us-west-2.compute.internal",
                "taints": [
                    {"effect": "NoSchedule", "key": "eks.amazonaws.com/compute-type", "value": "fargate"}
                ]
            },
            "status": {
                "conditions": [
                    {
                        "lastHeartbeatTime": "2026-11-26T11:58:02Z",
                        "lastTransitionTime": "2026-11-25T17:42:20Z",
                        "message": "kubelet is posting ready status",
                        "reason": "KubeletReady",
                        "status": "True",
                        "type": "Ready"
                    }
                ],
                "nodeInfo": {
                    "architecture": "amd64",
                    "kubeletVersion": "v1.31.6-eks-1fbb4a5",
                    "operatingSystem": "linux",
                    "osImage": "Amazon Linux 2"
                }
            }
        }
    ],
    "kind": "List",
    "metadata": {
        "resourceVersion": ""
    }
}`

// As `aws ec2 describe-instances --instance-ids i-0a1b2c3d4e5f60718
// --output json` prints it (EC2 API reference, DescribeInstances; members
// the reader skips trimmed).
const describeInstances = `{
    "Reservations": [
        {
            "Groups": [],
            "Instances": [
                {
                    "AmiLaunchIndex": 0,
                    "ImageId": "ami-0c2d3e4f5a6b7c8d9",
                    "InstanceId": "i-0a1b2c3d4e5f60718",
                    "InstanceType": "m6i.large",
                    "LaunchTime": "2026-11-02T08:12:41+00:00",
                    "Monitoring": {"State": "disabled"},
                    "Placement": {"AvailabilityZone": "us-west-2a", "GroupName": "", "Tenancy": "default"},
                    "PrivateDnsName": "ip-192-168-33-74.us-west-2.compute.internal",
                    "PrivateIpAddress": "192.168.33.74",
                    "ProductCodes": [],
                    "PublicDnsName": "",
                    "State": {"Code": 16, "Name": "running"},
                    "StateTransitionReason": "",
                    "SubnetId": "subnet-0f1e2d3c4b5a69788",
                    "VpcId": "vpc-0123456789abcdef0",
                    "Architecture": "x86_64",
                    "ClientToken": "fleet-5b7c9d1e-3f5a-4b7c-9d1e-3f5a7b9c1d3e-0",
                    "EbsOptimized": false,
                    "EnaSupport": true,
                    "Hypervisor": "xen",
                    "IamInstanceProfile": {
                        "Arn": "arn:aws:iam::` + acctA + `:instance-profile/eks-general-5ac8e0f2-1d3b-4e5f-8a9b-0c1d2e3f4a5b",
                        "Id": "AIPAEXAMPLEPROFILE1234"
                    },
                    "RootDeviceName": "/dev/xvda",
                    "RootDeviceType": "ebs",
                    "SourceDestCheck": true,
                    "VirtualizationType": "hvm",
                    "HibernationOptions": {"Configured": false},
                    "MetadataOptions": {
                        "State": "applied",
                        "HttpTokens": "required",
                        "HttpPutResponseHopLimit": 1,
                        "HttpEndpoint": "enabled",
                        "HttpProtocolIpv6": "disabled",
                        "InstanceMetadataTags": "disabled"
                    },
                    "EnclaveOptions": {"Enabled": false},
                    "BootMode": "uefi",
                    "PlatformDetails": "Linux/UNIX",
                    "UsageOperation": "RunInstances",
                    "CurrentInstanceBootMode": "uefi"
                }
            ],
            "OwnerId": "` + acctA + `",
            "RequesterId": "310466553452",
            "ReservationId": "r-0d1e2f3a4b5c6d7e8"
        }
    ]
}`

func TestReadNodesAndInstances(t *testing.T) {
	ec2Node := &snapshot.Node{
		ObjectMeta: snapshot.ObjectMeta{Name: "ip-192-168-33-74.us-west-2.compute.internal", UID: "0b6e1c8f-77a2-4a55-9d0e-2f5d7c1e9a40",
			CreationTimestamp: "2026-11-02T08:14:09Z",
			Labels: map[string]string{
				"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/instance-type": "m6i.large", "beta.kubernetes.io/os": "linux",
				"eks.amazonaws.com/capacityType": "ON_DEMAND", "eks.amazonaws.com/nodegroup": "general",
				"eks.amazonaws.com/nodegroup-image":        "ami-0c2d3e4f5a6b7c8d9",
				"failure-domain.beta.kubernetes.io/region": "us-west-2", "failure-domain.beta.kubernetes.io/zone": "us-west-2a",
				"kubernetes.io/arch": "amd64", "kubernetes.io/hostname": "ip-192-168-33-74.us-west-2.compute.internal",
				"kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m6i.large",
				"topology.kubernetes.io/region": "us-west-2", "topology.kubernetes.io/zone": "us-west-2a",
			},
			Annotations: map[string]string{
				"alpha.kubernetes.io/provided-node-ip": "192.168.33.74", "node.alpha.kubernetes.io/ttl": "0",
				"volumes.kubernetes.io/controller-managed-attach-detach": "true",
			}},
		Spec: snapshot.NodeSpec{ProviderID: "aws:///us-west-2a/i-0a1b2c3d4e5f60718"},
		Status: snapshot.NodeStatus{
			Conditions: []snapshot.NodeCondition{
				{Type: "MemoryPressure", Status: "False", Reason: "KubeletHasSufficientMemory", Message: "kubelet has sufficient memory available"},
				{Type: "Ready", Status: "True", Reason: "KubeletReady", Message: "kubelet is posting ready status"},
			},
			NodeInfo: snapshot.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64", KubeletVersion: "v1.31.7-eks-473151a",
				OSImage: "Amazon Linux 2023.7.20250512"},
		},
		Source: stdinSrc,
	}
	fargateNode := &snapshot.Node{
		ObjectMeta: snapshot.ObjectMeta{Name: "fargate-ip-192-168-140-27.us-west-2.compute.internal", UID: "a9d4e6f1-0c3b-4e2a-b5d7-18f0c2e4a6b8",
			CreationTimestamp: "2026-11-25T17:41:52Z",
			Labels: map[string]string{
				"beta.kubernetes.io/arch": "amd64", "beta.kubernetes.io/os": "linux", "eks.amazonaws.com/compute-type": "fargate",
				"failure-domain.beta.kubernetes.io/region": "us-west-2", "failure-domain.beta.kubernetes.io/zone": "us-west-2b",
				"kubernetes.io/arch": "amd64", "kubernetes.io/hostname": "ip-192-168-140-27.us-west-2.compute.internal",
				"kubernetes.io/os": "linux", "topology.kubernetes.io/region": "us-west-2", "topology.kubernetes.io/zone": "us-west-2b",
			}},
		Spec: snapshot.NodeSpec{ProviderID: "aws:///us-west-2b/3f2e1d0c9b-8a7f6e5d4c3b2a1f0e9d8c7b/fargate-ip-192-168-140-27.us-west-2.compute.internal",
			Taints: []snapshot.Taint{{Key: "eks.amazonaws.com/compute-type", Value: "fargate", Effect: "NoSchedule"}}},
		Status: snapshot.NodeStatus{
			Conditions: []snapshot.NodeCondition{{Type: "Ready", Status: "True", Reason: "KubeletReady", Message: "kubelet is posting ready status"}},
			NodeInfo:   snapshot.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64", KubeletVersion: "v1.31.6-eks-1fbb4a5", OSImage: "Amazon Linux 2"},
		},
		Source: stdinSrc,
	}
	instance := func() *snapshot.EC2Instance {
		return &snapshot.EC2Instance{InstanceID: "i-0a1b2c3d4e5f60718", InstanceType: "m6i.large", AvailabilityZone: "us-west-2a", State: "running",
			PrivateDNSName:     "ip-192-168-33-74.us-west-2.compute.internal",
			InstanceProfileARN: "arn:aws:iam::" + acctA + ":instance-profile/eks-general-5ac8e0f2-1d3b-4e5f-8a9b-0c1d2e3f4a5b",
			OwnerID:            acctA,
			Metadata: snapshot.MetadataOptions{HTTPTokens: "required", HopLimit: ptr(1), HTTPEndpoint: "enabled", HTTPProtocolIPv6: "disabled",
				InstanceMetadataTags: "disabled", State: "applied"},
			Source: stdinSrc}
	}
	bare := func() *snapshot.EC2Instance {
		i := instance()
		i.OwnerID = "" // the reservation is not in the --query output
		return i
	}
	tests := []struct {
		name  string
		input string
		want  *snapshot.Snapshot
	}{
		{
			name:  "kubectl get nodes: a complete cluster-wide List",
			input: nodeList,
			want: want(func(s *snapshot.Snapshot) {
				s.Nodes = []*snapshot.Node{ec2Node, fargateNode}
				s.Listings = []snapshot.Listing{{Kind: snapshot.KindNode, AllNamespaces: true, Source: stdinSrc}}
				s.Files = file("kubectl:NodeList", "")
			}),
		},
		{
			name:  "describe-instances",
			input: describeInstances,
			want: want(func(s *snapshot.Snapshot) {
				s.Instances = []*snapshot.EC2Instance{instance()}
				s.Files = file("aws:DescribeInstances", "")
			}),
		},
		{
			name: "describe-instances --query Reservations[].Instances[]",
			input: `[{"InstanceId": "i-0a1b2c3d4e5f60718", "InstanceType": "m6i.large",
  "Placement": {"AvailabilityZone": "us-west-2a"}, "State": {"Code": 16, "Name": "running"},
  "PrivateDnsName": "ip-192-168-33-74.us-west-2.compute.internal",
  "IamInstanceProfile": {"Arn": "arn:aws:iam::` + acctA + `:instance-profile/eks-general-5ac8e0f2-1d3b-4e5f-8a9b-0c1d2e3f4a5b", "Id": "AIPAEXAMPLEPROFILE1234"},
  "MetadataOptions": {"State": "applied", "HttpTokens": "required", "HttpPutResponseHopLimit": 1, "HttpEndpoint": "enabled",
    "HttpProtocolIpv6": "disabled", "InstanceMetadataTags": "disabled"}}]`,
			want: want(func(s *snapshot.Snapshot) {
				s.Instances = []*snapshot.EC2Instance{bare()}
				s.Files = file("aws:DescribeInstances", "")
			}),
		},
		{
			name: "an instance without MetadataOptions is kept, with the problem named",
			input: `{"Reservations": [{"OwnerId": "` + acctA + `", "Instances": [
  {"InstanceId": "i-0a1b2c3d4e5f60718", "State": {"Name": "running"}}]}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Instances = []*snapshot.EC2Instance{{InstanceID: "i-0a1b2c3d4e5f60718", State: "running", OwnerID: acctA, Source: stdinSrc}}
				s.Files = file("aws:DescribeInstances", "-:2:3: describe-instances reservation 0 instance 0 i-0a1b2c3d4e5f60718 has no MetadataOptions: its IMDS settings are unknown")
			}),
		},
		{
			name:  "an instance without InstanceId is skipped",
			input: `{"Reservations": [{"OwnerId": "` + acctA + `", "Instances": [{"InstanceType": "m6i.large"}]}]}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("aws:DescribeInstances", `-:1:61: describe-instances reservation 0 instance 0 has no usable InstanceId (""); skipped`)
			}),
		},
		{
			name:  "Reservations that is not an array",
			input: `{"Reservations": {}}`,
			want: want(func(s *snapshot.Snapshot) {
				s.Files = file("", `-:1:18: describe-instances output whose "Reservations" is an object, not an array`)
			}),
		},
		{
			name:  "the AWS CLI's error for a refused DescribeInstances is a gap",
			input: "An error occurred (UnauthorizedOperation) when calling the DescribeInstances operation: You are not authorized to perform this operation. User: arn:aws:sts::" + acctA + ":assumed-role/ReadOnly/alice is not authorized to perform: ec2:DescribeInstances because no identity-based policy allows the ec2:DescribeInstances action\n",
			want: want(func(s *snapshot.Snapshot) {
				s.Gaps = []snapshot.Gap{{Source: "aws", Operation: "ec2:DescribeInstances", Reason: "UnauthorizedOperation"}}
				s.Files = file("aws:Error", "")
			}),
		},
		{
			name:  "kubectl's error for a refused nodes List is a gap",
			input: `Error from server (Forbidden): nodes is forbidden: User "alice" cannot list resource "nodes" in API group "" at the cluster scope` + "\n",
			want: want(func(s *snapshot.Snapshot) {
				s.Gaps = []snapshot.Gap{{Source: "kube", Operation: "list nodes", Reason: "Forbidden"}}
				s.Files = file("kubectl:Error", "")
			}),
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cmpSnap(t, tt.want, readStdin(t, tt.input))
		})
	}
}

// TestNodeManifestListing: a dump's "listed" Node entry proves the nodes
// complete even when the List was empty.
func TestNodeManifestListing(t *testing.T) {
	writeTree(t, map[string]string{
		"d/manifest.json":   `{"kind": "IrsaDoctorBundleManifest", "collectedAt": "2026-11-26T11:58:03Z", "listed": [{"kind": "Node", "file": "kube/nodes.json"}]}`,
		"d/kube/nodes.json": `{"apiVersion": "v1", "items": [], "kind": "List", "metadata": {"resourceVersion": ""}}`,
	})
	s := readPaths(t, "d")
	got, ok := s.ListedIn(snapshot.KindNode, "")
	if !ok || !got.AllNamespaces || got.Source != src("d/kube/nodes.json") {
		t.Errorf("ListedIn(Node) = %+v, %t; want the cluster-wide listing of d/kube/nodes.json", got, ok)
	}
	if !s.Has(snapshot.KindNode) {
		t.Error("Has(Node) = false for a listed, empty node List")
	}
}

func TestNodeHelpers(t *testing.T) {
	tests := []struct {
		name                    string
		node                    snapshot.Node
		instanceID, os, compute string
	}{
		{name: "managed node group", node: snapshot.Node{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"kubernetes.io/os": "linux"}},
			Spec: snapshot.NodeSpec{ProviderID: "aws:///us-west-2a/i-0a1b2c3d4e5f60718"}}, instanceID: "i-0a1b2c3d4e5f60718", os: "linux"},
		{name: "fargate", node: snapshot.Node{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"eks.amazonaws.com/compute-type": "fargate"}},
			Spec:   snapshot.NodeSpec{ProviderID: "aws:///us-west-2b/3f2e1d0c9b-8a7f6e5d4c3b2a1f0e9d8c7b/fargate-ip-192-168-140-27.us-west-2.compute.internal"},
			Status: snapshot.NodeStatus{NodeInfo: snapshot.NodeSystemInfo{OperatingSystem: "linux"}}}, os: "linux", compute: "fargate"},
		{name: "windows, from the beta label", node: snapshot.Node{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"beta.kubernetes.io/os": "windows"}},
			Spec: snapshot.NodeSpec{ProviderID: "aws:///eu-west-1c/i-0123456789abcdef0"}}, instanceID: "i-0123456789abcdef0", os: "windows"},
		{name: "hybrid node without an EC2 provider ID", node: snapshot.Node{ObjectMeta: snapshot.ObjectMeta{Labels: map[string]string{"eks.amazonaws.com/compute-type": "hybrid"}},
			Spec: snapshot.NodeSpec{ProviderID: "eks-hybrid:///us-west-2/prod/mi-0123456789abcdef0"}}, compute: "hybrid"},
		{name: "a provider ID that is not an instance", node: snapshot.Node{Spec: snapshot.NodeSpec{ProviderID: "aws:///us-west-2a/i-XYZ"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.node.InstanceID(); got != tt.instanceID {
				t.Errorf("InstanceID() = %q, want %q", got, tt.instanceID)
			}
			if got := tt.node.OS(); got != tt.os {
				t.Errorf("OS() = %q, want %q", got, tt.os)
			}
			if got := tt.node.ComputeType(); got != tt.compute {
				t.Errorf("ComputeType() = %q, want %q", got, tt.compute)
			}
		})
	}
}
