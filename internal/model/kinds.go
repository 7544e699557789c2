package model

import "strings"

// workloadKinds maps kubectl's names for the workload kinds (singular,
// plural, short name; case-insensitive) to their Kind. The --workload
// flag and the suppressions' KIND/NS/NAME both read it, so that one
// spelling works everywhere.
var workloadKinds = map[string]string{
	"deployment": "Deployment", "deployments": "Deployment", "deploy": "Deployment",
	"statefulset": "StatefulSet", "statefulsets": "StatefulSet", "sts": "StatefulSet",
	"daemonset": "DaemonSet", "daemonsets": "DaemonSet", "ds": "DaemonSet",
	"replicaset": "ReplicaSet", "replicasets": "ReplicaSet", "rs": "ReplicaSet",
	"job": "Job", "jobs": "Job",
	"cronjob": "CronJob", "cronjobs": "CronJob", "cj": "CronJob",
}

// WorkloadKindNames are the workload kinds as a user types them, for
// messages.
const WorkloadKindNames = "deployment, statefulset, daemonset, replicaset, job, cronjob"

// WorkloadKind resolves a workload kind as kubectl accepts it (deploy,
// Deployment, deployments) to its Kind.
func WorkloadKind(s string) (string, bool) {
	k, ok := workloadKinds[strings.ToLower(s)]
	return k, ok
}
