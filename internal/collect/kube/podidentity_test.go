package kube

import (
	"context"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	k8stesting "k8s.io/client-go/testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient/clientset"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// agentObjects is the EKS Pod Identity Agent as the add-on installs it
// (the Helm chart's selector labels), with one pod per node, one of them
// not ready, beside kube-proxy, whose pods must not be read.
func agentObjects() []runtime.Object {
	labels := map[string]string{"app.kubernetes.io/name": "eks-pod-identity-agent", "app.kubernetes.io/instance": "eks-pod-identity-agent"}
	sel := &metav1.LabelSelector{MatchLabels: labels}
	tmpl := corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: labels}, Spec: corev1.PodSpec{HostNetwork: true,
		Containers: []corev1.Container{{Name: "eks-pod-identity-agent", Image: "602401143452.dkr.ecr.us-west-2.amazonaws.com/eks/eks-pod-identity-agent:0.1.29"}}}}
	agentPod := func(name, node string, ready corev1.ConditionStatus) *corev1.Pod {
		m := objMeta("kube-system", name, "pod-"+name)
		m.Labels = labels
		m.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "DaemonSet", Name: "eks-pod-identity-agent", UID: "ds-agent", Controller: ptr(true)}}
		spec := tmpl.Spec
		spec.NodeName = node
		return &corev1.Pod{ObjectMeta: m, Spec: spec, Status: corev1.PodStatus{Phase: corev1.PodRunning,
			Conditions: []corev1.PodCondition{{Type: corev1.PodReady, Status: ready}}}}
	}
	proxy := objMeta("kube-system", "kube-proxy-7xk2p", "pod-proxy")
	proxy.Labels = map[string]string{"k8s-app": "kube-proxy"}
	return append(paymentsObjects(),
		&appsv1.DaemonSet{ObjectMeta: objMeta("kube-system", "eks-pod-identity-agent", "ds-agent"), Spec: appsv1.DaemonSetSpec{Selector: sel, Template: tmpl}},
		&appsv1.DaemonSet{ObjectMeta: objMeta("kube-system", "kube-proxy", "ds-proxy"), Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: proxy.Labels}, Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: proxy.Labels}}}},
		agentPod("eks-pod-identity-agent-4xk8p", "ip-10-0-1-23.us-west-2.compute.internal", corev1.ConditionTrue),
		agentPod("eks-pod-identity-agent-9m2qz", "ip-10-0-2-45.us-west-2.compute.internal", corev1.ConditionFalse),
		&corev1.Pod{ObjectMeta: proxy, Spec: corev1.PodSpec{NodeName: "ip-10-0-1-23.us-west-2.compute.internal"}},
	)
}

func TestCollectPodIdentityAgent(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		objects    []runtime.Object
		wantCalls  map[string]int
		wantListed []bundle.ManifestEntry
		wantAgent  []string // agent pods read back: name node ready
		// fullKubeSystem: kube-system is a listed namespace.
		fullKubeSystem bool
	}{
		{
			name:    "the DaemonSets of kube-system, then the agent's pods by its own selector",
			opts:    Options{Namespaces: []string{"payments"}},
			objects: agentObjects(),
			wantCalls: map[string]int{
				"list daemonsets.apps -n kube-system": 1,
				"list pods -n kube-system":            1,
			},
			wantListed: []bundle.ManifestEntry{
				{Kind: snapshot.KindDaemonSet, Namespace: "kube-system", File: "kube/daemonsets-kube-system.json"},
				{Kind: snapshot.KindPodIdentityAgent, Namespace: "kube-system", File: "kube/pods-kube-system-eks-pod-identity-agent.json"},
			},
			wantAgent: []string{"eks-pod-identity-agent-4xk8p ip-10-0-1-23.us-west-2.compute.internal true",
				"eks-pod-identity-agent-9m2qz ip-10-0-2-45.us-west-2.compute.internal false"},
		},
		{
			name:    "no agent DaemonSet: the List proves it missing, no pod is listed",
			opts:    Options{Namespaces: []string{"payments"}},
			objects: paymentsObjects(),
			wantCalls: map[string]int{
				"list daemonsets.apps -n kube-system": 1,
			},
			wantListed: []bundle.ManifestEntry{
				{Kind: snapshot.KindDaemonSet, Namespace: "kube-system", File: "kube/daemonsets-kube-system.json"},
			},
		},
		{
			name:           "kube-system is listed in full already",
			opts:           Options{Namespaces: []string{"kube-system", "payments"}},
			fullKubeSystem: true,
			objects:        agentObjects(),
			wantCalls:      map[string]int{"list daemonsets.apps -n kube-system": 1, "list pods -n kube-system": 1},
			wantAgent: []string{"eks-pod-identity-agent-4xk8p ip-10-0-1-23.us-west-2.compute.internal true",
				"eks-pod-identity-agent-9m2qz ip-10-0-2-45.us-west-2.compute.internal false"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cs := newClientset(tt.objects...)
			res, err := Collect(context.Background(), clientset.Wrap(cs), tt.opts)
			if err != nil {
				t.Fatalf("Collect: %v", err)
			}
			got := map[string]int{}
			for k, n := range calls(cs.Actions()) {
				if k == "list daemonsets.apps -n kube-system" || k == "list pods -n kube-system" {
					got[k] = n
				}
			}
			if diff := cmp.Diff(tt.wantCalls, got); diff != "" {
				t.Errorf("kube-system calls (-want +got):\n%s", diff)
			}
			var listed []bundle.ManifestEntry
			for _, l := range res.Listed {
				if l.Kind == snapshot.KindDaemonSet || l.Kind == snapshot.KindPodIdentityAgent {
					listed = append(listed, l)
				}
			}
			if diff := cmp.Diff(tt.wantListed, listed); diff != "" {
				t.Errorf("listed (-want +got):\n%s", diff)
			}
			for _, a := range cs.Actions() {
				if la, ok := a.(k8stesting.ListAction); ok && a.GetNamespace() == "kube-system" && a.GetResource().Resource == "pods" && !tt.fullKubeSystem {
					if got, want := la.GetListRestrictions().Labels.String(), "app.kubernetes.io/instance=eks-pod-identity-agent,app.kubernetes.io/name=eks-pod-identity-agent"; got != want {
						t.Errorf("agent pods listed with selector %q, want the DaemonSet's %q", got, want)
					}
				}
			}
			snap, err := bundle.ReadCaptures(context.Background(), res.Captures, bundle.Manifest{Listed: res.Listed, Gaps: res.Gaps})
			if err != nil {
				t.Fatalf("ReadCaptures: %v", err)
			}
			var agent []string
			for _, p := range snap.Pods {
				if p.Namespace == "kube-system" && strings.HasPrefix(p.Name, "eks-pod-identity-agent") {
					ready := "false"
					if p.Ready() {
						ready = "true"
					}
					agent = append(agent, p.Name+" "+p.Spec.NodeName+" "+ready)
				}
			}
			if !tt.fullKubeSystem {
				for _, p := range snap.Pods {
					if p.Name == "kube-proxy-7xk2p" {
						t.Error("kube-proxy's pod was read: only the agent's pods are listed")
					}
				}
			}
			if diff := cmp.Diff(tt.wantAgent, agent); diff != "" {
				t.Errorf("kube-system pods read back (-want +got):\n%s", diff)
			}
			if _, ok := snap.ListedIn(snapshot.KindDaemonSet, "kube-system"); !ok {
				if _, ok := snap.ListedIn(snapshot.KindWorkload, "kube-system"); !ok {
					t.Error("nothing proves the DaemonSets of kube-system complete")
				}
			}
		})
	}
}
