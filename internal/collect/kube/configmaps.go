package kube

import (
	"context"
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// ConfigMaps (IRSA604): the ConfigMaps that the diagnosed containers mount
// as their AWS config file (AWS_CONFIG_FILE), each read with one Get by
// name (`kubectl get configmap NAME -n NS -o json`), never a List. What is
// answered passes through the CLI's filter (bundle.KeepAWSConfig) before
// it becomes a capture, so that only the AWS config files' assume-role
// settings leave memory. Errors:
//   - 403 (RBAC refuses get configmaps): one gap for the namespace, naming
//     ConfigMapsRole, and no more ConfigMap of that namespace is asked for;
//   - anything else, 404 included (the bundle has no fact for an absent
//     ConfigMap): a gap for that ConfigMap; the collection goes on.

// ConfigMapsRole is the ClusterRole of RBACFile that grants get on
// configmaps.
const ConfigMapsRole = "irsa-doctor-configmaps"

// configMapParallel bounds the Gets in flight (one per namespace).
const configMapParallel = 4

var configMapGVK = corev1.SchemeGroupVersion.WithKind("ConfigMap")

// ConfigMapPath is the path of a ConfigMap's capture in a dump: a folder
// per namespace, so that no two names meet in one file name.
func ConfigMapPath(ns, name string) string {
	return "kube/configmaps/" + ns + "/" + name + ".json"
}

// CollectConfigMaps gets the ConfigMaps named by refs (Namespace and Name;
// duplicates are read once), configMapParallel namespaces at a time, and keeps of
// each what keep returns. It never fails: what cannot be read is a gap. A
// ctx that ends stops it with what was read by then.
func CollectConfigMaps(ctx context.Context, cs kubeclient.Interface, refs []Object, keep func([]byte) ([]byte, error)) Result {
	seen := map[Object]bool{}
	var jobs []Object
	for _, r := range refs {
		r = Object{Namespace: r.Namespace, Name: r.Name}
		if !seen[r] {
			seen[r] = true
			jobs = append(jobs, r)
		}
	}
	sort.Slice(jobs, func(i, j int) bool {
		return jobs[i].Namespace+"/"+jobs[i].Name < jobs[j].Namespace+"/"+jobs[j].Name
	})
	// One worker per namespace at a time, its ConfigMaps in order, so
	// that after a 403 no other ConfigMap of that namespace is asked for.
	var groups [][]int
	for i, j := range jobs {
		if i == 0 || jobs[i-1].Namespace != j.Namespace {
			groups = append(groups, nil)
		}
		groups[len(groups)-1] = append(groups[len(groups)-1], i)
	}
	caps := make([]*bundle.Capture, len(jobs))
	gaps := make([]*snapshot.Gap, len(jobs))
	each(ctx, len(groups), configMapParallel, func(g int) {
		for _, i := range groups[g] {
			var refused bool
			caps[i], gaps[i], refused = getConfigMap(ctx, cs, jobs[i], keep)
			if refused || ctx.Err() != nil {
				break
			}
		}
	})
	return gathered(caps, gaps)
}

// getConfigMap is one Get; refused reports a 403.
func getConfigMap(ctx context.Context, cs kubeclient.Interface, j Object, keep func([]byte) ([]byte, error)) (c *bundle.Capture, g *snapshot.Gap, refused bool) {
	ref := "get configmap " + j.Name + " -n " + j.Namespace
	cctx, cancel := context.WithTimeout(ctx, DefaultPerCallTimeout)
	cm, err := cs.ConfigMaps(j.Namespace).Get(cctx, j.Name, metav1.GetOptions{})
	cancel()
	if err == nil {
		var data []byte
		data, err = encodeObject(cm, configMapGVK)
		if err == nil {
			data, err = keep(data)
		}
		if err == nil {
			return &bundle.Capture{Path: ConfigMapPath(j.Namespace, j.Name), Data: data, Source: snapshot.Source{Kind: "kube", Ref: ref}}, nil, false
		}
	}
	switch {
	case ctx.Err() != nil:
		return nil, nil, false
	case apierrors.IsForbidden(err):
		return nil, &snapshot.Gap{Source: "kube", Operation: "get configmaps", Resource: "namespace " + j.Namespace,
			Reason: fmt.Sprintf("Forbidden: %s (grant it with %s's ClusterRole %s)", err.Error(), RBACFile, ConfigMapsRole)}, true
	default:
		return nil, &snapshot.Gap{Source: "kube", Operation: "get configmaps", Resource: "configmap " + j.Namespace + "/" + j.Name,
			Reason: fmt.Sprintf("kubectl %s: %s", ref, strings.TrimSpace(err.Error()))}, false
	}
}
