package kube

import (
	"context"
	"fmt"
	"slices"
	"sort"
	"strings"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/api/meta"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// The EKS Pod Identity Agent (IRSA403): the DaemonSet eks-pod-identity-agent
// in kube-system, which the EKS add-on installs, and one pod of it per node
// (docs/reference/pod-identity.md). Whatever namespaces the targets live in, the
// collector lists the DaemonSets of kube-system (a handful of objects), and
// then the pods of kube-system that each agent DaemonSet selects, with the
// DaemonSet's own spec.selector: the add-on's labels are the Helm chart's
// (app.kubernetes.io/name and app.kubernetes.io/instance), but a
// self-managed install may label its pods otherwise, and the selector is
// what the DaemonSet controller itself uses. A cluster with thousands of
// nodes has thousands of kube-system pods; only the agent's are read.
// When kube-system is a listed namespace already (-n kube-system, -A), its
// full Lists serve and nothing more is called.

const (
	agentNamespace = "kube-system"
	agentName      = "eks-pod-identity-agent"
)

// agent lists the agent's DaemonSets and pods, unless the namespace Lists
// already cover kube-system.
func (c *collector) agent(ctx context.Context, scopes []string) error {
	if !c.agentNeeded(scopes) {
		return nil
	}
	dsKind, err := namespacedKindNamed("daemonsets")
	if err != nil {
		return err
	}
	items, err := c.pages(ctx, job{k: dsKind, ns: agentNamespace})
	ref := "list daemonsets -n " + agentNamespace
	if err != nil {
		gap, ferr := c.classify(ctx, err, ref, "list daemonsets", "namespace "+agentNamespace)
		if ferr != nil {
			return ferr
		}
		c.res.Gaps = append(c.res.Gaps, *gap)
		return nil
	}
	path := "kube/daemonsets-" + agentNamespace + ".json"
	if err := c.captureList(items, dsKind, path, ref); err != nil {
		return err
	}
	c.res.Listed = append(c.res.Listed, bundle.ManifestEntry{Kind: snapshot.KindDaemonSet, Namespace: agentNamespace, File: path})

	var selectors []string
	for _, it := range items {
		ds, ok := it.(*appsv1.DaemonSet)
		if !ok || !isAgent(ds) || ds.Spec.Selector == nil {
			continue
		}
		sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
		if err != nil || sel.Empty() {
			continue
		}
		selectors = append(selectors, sel.String())
	}
	sort.Strings(selectors)
	selectors = slices.Compact(selectors)
	if len(selectors) == 0 {
		// No agent DaemonSet: its absence is proven by the List above, and
		// there are no agent pods to read.
		return nil
	}
	podKind, err := namespacedKindNamed("pods")
	if err != nil {
		return err
	}
	var pods []any
	for _, s := range selectors {
		got, err := c.pages(ctx, job{k: podKind, ns: agentNamespace, selector: s})
		if err != nil {
			gap, ferr := c.classify(ctx, err, "list pods -n "+agentNamespace+" -l "+s, "list pods", "namespace "+agentNamespace)
			if ferr != nil {
				return ferr
			}
			c.res.Gaps = append(c.res.Gaps, *gap)
			return nil
		}
		pods = append(pods, got...)
	}
	pods = uniqueObjects(pods)
	path = "kube/pods-" + agentNamespace + "-" + agentName + ".json"
	if err := c.captureList(pods, podKind, path, "list pods -n "+agentNamespace+" -l "+strings.Join(selectors, " | ")); err != nil {
		return err
	}
	c.res.Listed = append(c.res.Listed, bundle.ManifestEntry{Kind: snapshot.KindPodIdentityAgent, Namespace: agentNamespace, File: path})
	return nil
}

// agentNeeded reports whether the namespace Lists leave kube-system out,
// so that agent has Lists to make.
func (c *collector) agentNeeded(scopes []string) bool {
	return !slices.Contains(scopes, "") && !slices.Contains(scopes, agentNamespace)
}

// isAgent reports a DaemonSet of the EKS Pod Identity Agent: named
// eks-pod-identity-agent (the add-on; -hybrid for hybrid nodes), or
// running its image (602401143452.dkr.ecr.REGION.amazonaws.com/eks/eks-pod-identity-agent:TAG).
func isAgent(ds *appsv1.DaemonSet) bool {
	if strings.HasPrefix(ds.Name, agentName) {
		return true
	}
	for _, ct := range ds.Spec.Template.Spec.Containers {
		if strings.Contains(ct.Image, "/eks/"+agentName+":") {
			return true
		}
	}
	return false
}

// captureList encodes items as kubectl prints the List and records it.
func (c *collector) captureList(items []any, k kind, path, ref string) error {
	if err := sortItems(items, nil); err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	data, err := encodeList(items, k.gvk)
	if err != nil {
		return fmt.Errorf("%s: %w", ref, err)
	}
	c.res.Captures = append(c.res.Captures, bundle.Capture{Path: path, Data: data, Source: snapshot.Source{Kind: "kube", Ref: ref}})
	return nil
}

// uniqueObjects drops the second copy of an object two selectors matched.
func uniqueObjects(items []any) []any {
	seen := map[string]bool{}
	out := items[:0]
	for _, it := range items {
		key := ""
		if m, err := meta.Accessor(it); err == nil {
			key = m.GetNamespace() + "/" + m.GetName()
		}
		if key != "" && seen[key] {
			continue
		}
		seen[key] = true
		out = append(out, it)
	}
	return out
}

// namespacedKindNamed returns the namespaced kind of a resource
// ("pods", "daemonsets").
func namespacedKindNamed(resource string) (kind, error) {
	for _, k := range namespacedKinds {
		if k.resource == resource {
			return k, nil
		}
	}
	return kind{}, fmt.Errorf("kube: no kind %q to list", resource)
}
