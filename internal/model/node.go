package model

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// unsupportedPlace is why Pod Identity cannot work where the target runs,
// with the fact that says so.
type unsupportedPlace struct {
	What string // "AWS Fargate", "a Windows node"
	Fact string // the value that shows it
	Src  snapshot.Source
}

// UnsupportedWhere finds a documented unsupported place for the target:
// Fargate or a Windows node, from the Node object when the input holds
// the pod's node, else from the pod spec and labels.
func UnsupportedWhere(c *Context, t *Target) (unsupportedPlace, bool) {
	if t.IsPod() {
		if n := c.Snap.Node(t.Spec.NodeName); n != nil {
			switch {
			case n.ComputeType() == snapshot.ComputeFargate:
				return unsupportedPlace{"AWS Fargate", fmt.Sprintf("node %s: %s=%s", n.Name, snapshot.LabelComputeType, snapshot.ComputeFargate), n.Source}, true
			case strings.EqualFold(n.OS(), "windows"):
				return unsupportedPlace{"a Windows node", fmt.Sprintf("node %s: operating system windows", n.Name), n.Source}, true
			}
			return unsupportedPlace{}, false
		}
	}
	if t.Meta != nil {
		if v, ok := t.Meta.Labels["eks.amazonaws.com/fargate-profile"]; ok {
			return unsupportedPlace{"AWS Fargate", "label eks.amazonaws.com/fargate-profile=" + v, t.Source}, true
		}
	}
	if t.IsPod() && strings.HasPrefix(t.Spec.NodeName, "fargate-") {
		return unsupportedPlace{"AWS Fargate", "spec.nodeName: " + t.Spec.NodeName, t.Source}, true
	}
	if t.Spec.OS != nil && strings.EqualFold(t.Spec.OS.Name, "windows") {
		return unsupportedPlace{"a Windows node", "spec.os.name: windows", t.Source}, true
	}
	for _, k := range []string{snapshot.LabelOS, "beta.kubernetes.io/os"} {
		if strings.EqualFold(t.Spec.NodeSelector[k], "windows") {
			return unsupportedPlace{"a Windows node", fmt.Sprintf("spec.nodeSelector: %s: windows", k), t.Source}, true
		}
	}
	return unsupportedPlace{}, false
}

// NodeFacts shows what the checks read of a node.
func NodeFacts(n *snapshot.Node) string {
	parts := []string{"node " + n.Name, "os " + OrUnknown(n.OS())}
	if ct := n.ComputeType(); ct != "" {
		parts = append(parts, snapshot.LabelComputeType+"="+ct)
	}
	if it := n.InstanceType(); it != "" {
		parts = append(parts, "instance type "+it)
	}
	return strings.Join(parts, ", ")
}
