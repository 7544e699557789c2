package check

import (
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

func TestIRSA403(t *testing.T) {
	piRunCases(t, irsa403, []piCase{
		{name: "a ready agent pod on the pod's node", mods: []func(*snapshot.Snapshot){piAgent(map[string]bool{piNode: true, piOther: true})}, want: []string{
			"IRSA403 pass Deployment payments/reports: DaemonSet kube-system/eks-pod-identity-agent exists (2 of its 2 pods in the input are ready)\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent",
			"IRSA403 pass Pod payments/reports-6c9f7d8b5-q2w8e: agent pod eks-pod-identity-agent-x7k2p on node ip-10-0-1-23.eu-west-1.compute.internal is ready\n  evidence: bundle agent-pods.json: agent pod kube-system/eks-pod-identity-agent-x7k2p on node ip-10-0-1-23.eu-west-1.compute.internal: phase Running, Ready=True",
		}},
		{name: "the agent pod on the node is not ready", mods: []func(*snapshot.Snapshot){piAgent(map[string]bool{piNode: false})}, want: []string{
			"IRSA403 fail Pod payments/reports-6c9f7d8b5-q2w8e: the EKS Pod Identity Agent pod on node ip-10-0-1-23.eu-west-1.compute.internal, eks-pod-identity-agent-m4n8q, is not ready (phase Running, Ready=False): the pod's credential requests to 169.254.170.23 fail\n  evidence: bundle agent-pods.json: agent pod kube-system/eks-pod-identity-agent-m4n8q on node ip-10-0-1-23.eu-west-1.compute.internal: phase Running, Ready=False\n  fix: kubectl describe pod eks-pod-identity-agent-m4n8q -n kube-system\n  fix: kubectl logs eks-pod-identity-agent-m4n8q -n kube-system --all-containers",
			"IRSA403 pass Deployment payments/reports: DaemonSet kube-system/eks-pod-identity-agent exists (0 of its 1 pods in the input are ready)\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent",
		}},
		{name: "no agent pod on the node", mods: []func(*snapshot.Snapshot){piAgent(map[string]bool{piOther: true})}, want: []string{
			"IRSA403 fail Pod payments/reports-6c9f7d8b5-q2w8e: no EKS Pod Identity Agent pod runs on node ip-10-0-1-23.eu-west-1.compute.internal: the pod's credential requests to 169.254.170.23 fail\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent\n  evidence: bundle agent-pods.json: agent pods in the input run on: ip-10-0-2-45.eu-west-1.compute.internal\n  fix: kubectl describe daemonset eks-pod-identity-agent -n kube-system",
			"IRSA403 pass Deployment payments/reports: DaemonSet kube-system/eks-pod-identity-agent exists (1 of its 1 pods in the input are ready)\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent",
		}},
		{name: "no agent pod on a hybrid node", mods: []func(*snapshot.Snapshot){piAgent(map[string]bool{piOther: true}), piNodeObj(piNode, "hybrid", "linux")}, want: []string{
			"IRSA403 fail Pod payments/reports-6c9f7d8b5-q2w8e: no EKS Pod Identity Agent pod runs on node ip-10-0-1-23.eu-west-1.compute.internal; it is an EKS Hybrid node, which the agent DaemonSet's affinity excludes: hybrid nodes need the hybrid agent DaemonSet: the pod's credential requests to 169.254.170.23 fail\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent\n  evidence: bundle agent-pods.json: agent pods in the input run on: ip-10-0-2-45.eu-west-1.compute.internal\n  evidence: bundle nodes.json: node ip-10-0-1-23.eu-west-1.compute.internal, os linux, eks.amazonaws.com/compute-type=hybrid, instance type m6i.large\n  fix: kubectl describe daemonset eks-pod-identity-agent -n kube-system",
			"IRSA403 pass Deployment payments/reports: DaemonSet kube-system/eks-pod-identity-agent exists (1 of its 1 pods in the input are ready)\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent",
		}},
		{name: "the DaemonSet is missing", mods: []func(*snapshot.Snapshot){piDaemonSetList}, want: []string{
			"IRSA403 fail Deployment payments/reports: DaemonSet kube-system/eks-pod-identity-agent does not exist: nothing serves the Pod Identity credentials address 169.254.170.23, so the pod gets no credentials\n  evidence: bundle daemonsets.json: DaemonSets of kube-system without eks-pod-identity-agent\n  evidence: bundle pods.json: pod payments/reports-6c9f7d8b5-q2w8e has the same finding\n  fix: aws eks create-addon --cluster-name prod --addon-name eks-pod-identity-agent",
		}},
		{name: "Auto Mode: the agent is built in", mods: []func(*snapshot.Snapshot){piDaemonSetList, piAutoMode, piNodeObj(piNode, "auto", "linux")}, want: []string{
			"IRSA403 pass Deployment payments/reports: the cluster uses EKS Auto Mode, whose nodes run the EKS Pod Identity Agent built in\n  evidence: bundle describe-cluster.json: computeConfig.enabled: true",
			"IRSA403 pass Pod payments/reports-6c9f7d8b5-q2w8e: node ip-10-0-1-23.eu-west-1.compute.internal is an EKS Auto Mode node, which runs the EKS Pod Identity Agent built in\n  evidence: bundle nodes.json: node ip-10-0-1-23.eu-west-1.compute.internal, os linux, eks.amazonaws.com/compute-type=auto, instance type m6i.large",
		}},
		{name: "Auto Mode without the node's facts", mods: []func(*snapshot.Snapshot){piDaemonSetList, piAutoMode}, want: []string{
			"IRSA403 pass Deployment payments/reports: the cluster uses EKS Auto Mode, whose nodes run the EKS Pod Identity Agent built in\n  evidence: bundle describe-cluster.json: computeConfig.enabled: true",
			"IRSA403 skipped Pod payments/reports-6c9f7d8b5-q2w8e: the cluster uses EKS Auto Mode, whose nodes run the agent built in, and has no agent DaemonSet: whether node ip-10-0-1-23.eu-west-1.compute.internal is an Auto Mode node is not in the input (capture: kubectl get nodes -o json)",
		}},
		{name: "no DaemonSet List", mods: nil, want: []string{
			"IRSA403 skipped Deployment payments/reports: the input has no DaemonSets of kube-system, so whether the EKS Pod Identity Agent runs is unknown (capture: kubectl get daemonsets -n kube-system -o json)\n  evidence: bundle pods.json: pod payments/reports-6c9f7d8b5-q2w8e has the same finding",
		}},
		{name: "the agent's pods were not captured", mods: []func(*snapshot.Snapshot){piAgent(map[string]bool{}), piNoAgentPodList}, want: []string{
			"IRSA403 pass Deployment payments/reports: DaemonSet kube-system/eks-pod-identity-agent exists\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent",
			"IRSA403 skipped Pod payments/reports-6c9f7d8b5-q2w8e: the input has no pods of the EKS Pod Identity Agent (capture: kubectl get pods -n kube-system -l app.kubernetes.io/name=eks-pod-identity-agent -o json)\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent",
		}},
		{name: "on Fargate the check defers to IRSA405", mods: []func(*snapshot.Snapshot){piAgent(map[string]bool{piOther: true}), piFargate}, want: []string{
			"IRSA403 pass Deployment payments/reports: DaemonSet kube-system/eks-pod-identity-agent exists (1 of its 1 pods in the input are ready)\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent",
			"IRSA403 skipped Pod payments/reports-6c9f7d8b5-q2w8e: the pod runs on AWS Fargate, where the EKS Pod Identity Agent never runs (IRSA405)",
		}},
		{name: "a pod that predates its association is IRSA406's", mods: []func(*snapshot.Snapshot){piAgent(map[string]bool{piNode: true}), piUninjected("2026-11-01T08:00:00Z")}, want: []string{
			"IRSA403 pass Deployment payments/reports: DaemonSet kube-system/eks-pod-identity-agent exists (1 of its 1 pods in the input are ready)\n  evidence: bundle daemonsets.json: DaemonSet kube-system/eks-pod-identity-agent",
		}},
		{name: "an IRSA-only pod gets nothing", mods: []func(*snapshot.Snapshot){piDaemonSetList, piIRSAOnly}},
	})
}
