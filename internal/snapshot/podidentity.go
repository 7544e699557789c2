package snapshot

// Facts about EKS Pod Identity beyond the associations (aws.go): the
// listings that prove the EKS Pod Identity Agent's DaemonSet and pods
// absent, and the readiness of pods (the agent's above all).

const (
	// KindDaemonSet is a complete List of the DaemonSets of a namespace
	// (`kubectl get daemonsets -n kube-system -o json`): the agent's
	// DaemonSet absent from it is missing. A Workload listing of the
	// namespace (all six workload kinds) proves it too.
	KindDaemonSet Kind = "DaemonSet"
	// KindPodIdentityAgent is a complete List of the pods that the EKS Pod
	// Identity Agent's DaemonSets select in kube-system (the live collector
	// lists them with each DaemonSet's own spec.selector): an agent pod
	// absent from it does not exist. A Pod listing of kube-system proves it
	// too.
	KindPodIdentityAgent Kind = "PodIdentityAgent"
)

// PodCondition is core/v1 PodCondition: the kubelet reports Ready True when
// every container passed its readiness probe.
type PodCondition struct {
	Type               string `json:"type"`
	Status             string `json:"status"`
	Reason             string `json:"reason,omitempty"`
	Message            string `json:"message,omitempty"`
	LastTransitionTime string `json:"lastTransitionTime,omitempty"`
}

// Condition returns the pod's condition of type typ, or nil.
func (p *Pod) Condition(typ string) *PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == typ {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// Ready reports a running pod whose Ready condition is True.
func (p *Pod) Ready() bool {
	c := p.Condition("Ready")
	return p.Status.Phase == "Running" && c != nil && c.Status == "True"
}
