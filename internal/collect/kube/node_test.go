package kube

import (
	"context"
	"testing"

	"github.com/google/go-cmp/cmp"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestCollectNodes: the cluster-wide nodes List is captured as kubectl
// prints it and read back into snapshot.Node, with the facts IMDS
// reachability needs (the EC2 instance of providerID, the compute type).
func TestCollectNodes(t *testing.T) {
	ec2 := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "ip-10-0-12-34.us-west-2.compute.internal", UID: "node-1",
			Labels: map[string]string{"kubernetes.io/os": "linux", "node.kubernetes.io/instance-type": "m6i.large", "topology.kubernetes.io/zone": "us-west-2a"}},
		Spec: corev1.NodeSpec{ProviderID: "aws:///us-west-2a/i-0a1b2c3d4e5f60718"},
		Status: corev1.NodeStatus{
			Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady"}},
			NodeInfo:   corev1.NodeSystemInfo{OperatingSystem: "linux", Architecture: "amd64", KubeletVersion: "v1.31.7-eks-473151a"},
		},
	}
	fargate := &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: "fargate-ip-10-0-40-7.us-west-2.compute.internal", UID: "node-2",
			Labels: map[string]string{"eks.amazonaws.com/compute-type": "fargate", "kubernetes.io/os": "linux"}},
		Spec: corev1.NodeSpec{ProviderID: "aws:///us-west-2b/0b1c2d3e4f/fargate-ip-10-0-40-7.us-west-2.compute.internal",
			Taints: []corev1.Taint{{Key: "eks.amazonaws.com/compute-type", Value: "fargate", Effect: corev1.TaintEffectNoSchedule}}},
	}
	cs := newClientset(append(paymentsObjects(), ec2, fargate)...)
	res, err := Collect(context.Background(), clientset.Wrap(cs), Options{Namespaces: []string{"payments"}})
	if err != nil {
		t.Fatalf("Collect: %v", err)
	}
	if got := calls(cs.Actions())["list nodes"]; got != 1 {
		t.Errorf("list nodes called %d times, want once", got)
	}
	snap, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Listed: res.Listed})
	if err != nil {
		t.Fatal(err)
	}
	type node struct{ Name, Instance, Compute, OS, Ready, Source string }
	var got []node
	for _, n := range snap.Nodes {
		got = append(got, node{n.Name, n.InstanceID(), n.ComputeType(), n.OS(), n.Ready(), n.Source.String()})
	}
	want := []node{
		{"fargate-ip-10-0-40-7.us-west-2.compute.internal", "", "fargate", "linux", "", "kube:list nodes"},
		{"ip-10-0-12-34.us-west-2.compute.internal", "i-0a1b2c3d4e5f60718", "", "linux", "True", "kube:list nodes"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("nodes read back (-want +got):\n%s", d)
	}
	if l, ok := snap.ListedIn(snapshot.KindNode, ""); !ok || !l.AllNamespaces {
		t.Errorf("the nodes List proves nothing: %+v, %t", l, ok)
	}
	if ids := snap.NodeInstanceIDs(); len(ids) != 0 {
		// No pod of the fixture names a node.
		t.Errorf("NodeInstanceIDs = %v, want none", ids)
	}
}
