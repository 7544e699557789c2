package gen_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle/gen"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// TestWriteUnchangedByNewFields: the fields added for issue 14's linearity
// benchmarks (Deployments, PodIdentityAssociations, PodLayout) leave a
// bundle without them byte for byte as the generator wrote it before they
// existed, so that measurements on the benchmark bundles stay comparable.
// The digest is `find . -type f | sort | xargs sha256sum | sha256sum` of
// the bundle written by irsa-bundlegen at c8b584e with these flags.
func TestWriteUnchangedByNewFields(t *testing.T) {
	dir := t.TempDir()
	if err := gen.Write(dir, gen.Config{Pods: 20, ServiceAccounts: 10, Roles: 3, Namespaces: 2, Seed: 7}); err != nil {
		t.Fatal(err)
	}
	const want = "a2369c70c8279dd27165a0d2f179ef1b013121b0758190de7a3f3dc31858a726"
	if got := treeDigest(t, dir); got != want {
		t.Errorf("bundle digest %s, want %s (written before the new fields)", got, want)
	}
}

// treeDigest is what `find . -type f | sort | xargs sha256sum | sha256sum`
// prints for dir.
func treeDigest(t *testing.T, dir string) string {
	t.Helper()
	var paths []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			rel, _ := filepath.Rel(dir, p)
			paths = append(paths, "./"+filepath.ToSlash(rel))
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(paths)
	var list strings.Builder
	for _, p := range paths {
		data, err := os.ReadFile(filepath.Join(dir, filepath.FromSlash(p)))
		if err != nil {
			t.Fatal(err)
		}
		fmt.Fprintf(&list, "%x  %s\n", sha256.Sum256(data), p)
	}
	return fmt.Sprintf("%x", sha256.Sum256([]byte(list.String())))
}

// TestWriteDeploymentsAndAssociations: the Deployments are read as
// workloads that own the pods (as model.Index.TopOwner resolves a pod
// whose ReplicaSet is absent: DEPLOYMENT-HASH with the pod's
// pod-template-hash), with the pods' ServiceAccount in their template, and
// the associations are read from both outputs as one association each.
func TestWriteDeploymentsAndAssociations(t *testing.T) {
	dir := t.TempDir()
	cfg := gen.Config{Pods: 50, ServiceAccounts: 10, Roles: 3, Namespaces: 2, Deployments: 14, PodIdentityAssociations: 7}
	if err := gen.Write(dir, cfg); err != nil {
		t.Fatal(err)
	}
	s, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range s.Files {
		if f.Error != "" || f.RecognisedAs == "" {
			t.Errorf("file %s: recognised as %q, error %q", f.Path, f.RecognisedAs, f.Error)
		}
	}
	if len(s.Workloads) != 14 || len(s.Pods) != 50 {
		t.Fatalf("read %d workloads and %d pods, want 14 and 50", len(s.Workloads), len(s.Pods))
	}
	deps := map[string]*snapshot.Workload{}
	replicas := 0
	for _, w := range s.Workloads {
		if w.Kind != "Deployment" || w.Replicas == nil {
			t.Fatalf("workload %+v: want a Deployment with replicas", w)
		}
		deps[w.Namespace+"/"+w.Name] = w
		replicas += int(*w.Replicas)
	}
	if replicas != 50 {
		t.Errorf("the Deployments' replicas add up to %d, want the 50 pods", replicas)
	}
	owned := map[string]int{}
	for _, p := range s.Pods {
		ref := p.ControllerOf()
		hash := p.Labels["pod-template-hash"]
		if ref == nil || ref.Kind != "ReplicaSet" || hash == "" || !strings.HasSuffix(ref.Name, "-"+hash) {
			t.Fatalf("pod %s/%s: controller %+v, pod-template-hash %q", p.Namespace, p.Name, ref, hash)
		}
		key := p.Namespace + "/" + strings.TrimSuffix(ref.Name, "-"+hash)
		w := deps[key]
		if w == nil {
			t.Fatalf("pod %s/%s: its Deployment %s is not in the bundle", p.Namespace, p.Name, key)
		}
		if w.Template.Spec.ServiceAccount() != p.Spec.ServiceAccount() {
			t.Errorf("pod %s/%s runs as %q, its Deployment's template as %q", p.Namespace, p.Name, p.Spec.ServiceAccount(), w.Template.Spec.ServiceAccount())
		}
		owned[key]++
	}
	for key, w := range deps {
		if owned[key] != int(*w.Replicas) {
			t.Errorf("Deployment %s: %d replicas, %d pods", key, *w.Replicas, owned[key])
		}
	}

	if len(s.PodIdentityAssociations) != 7 {
		t.Fatalf("read %d associations, want 7 (list and describe of each merged)", len(s.PodIdentityAssociations))
	}
	for _, a := range s.PodIdentityAssociations {
		if !a.Detailed || a.RoleARN == "" || a.ClusterName != "prod" || a.Account != "111122223333" || s.ServiceAccount(a.Namespace, a.ServiceAccount) != nil {
			t.Errorf("association %+v: want detailed, with a role, of cluster prod, for a ServiceAccount the bundle does not hold", a)
		}
	}
}

// TestWritePodLayouts: the layouts hold the same pods, as one List, one
// file per pod, one value per pod in one file, or one List per namespace.
func TestWritePodLayouts(t *testing.T) {
	names := map[gen.Layout][]string{}
	for _, layout := range []gen.Layout{gen.PodList, gen.PodFiles, gen.PodValues, gen.PodNamespaces} {
		dir := t.TempDir()
		if err := gen.Write(dir, gen.Config{Pods: 40, ServiceAccounts: 10, Roles: 3, Namespaces: 2, PodLayout: layout}); err != nil {
			t.Fatal(err)
		}
		s, err := bundle.Read(context.Background(), []string{dir}, bundle.Options{})
		if err != nil {
			t.Fatal(err)
		}
		var podFiles int
		for _, f := range s.Files {
			if f.Error != "" {
				t.Errorf("%v: file %s: %s", layout, f.Path, f.Error)
			}
			if strings.HasPrefix(f.RecognisedAs, "kubectl:Pod") {
				podFiles++
			}
		}
		if want := map[gen.Layout]int{gen.PodList: 1, gen.PodFiles: 40, gen.PodValues: 1, gen.PodNamespaces: 2}[layout]; podFiles != want {
			t.Errorf("%v: %d files of pods, want %d", layout, podFiles, want)
		}
		for _, p := range s.Pods {
			names[layout] = append(names[layout], p.Namespace+"/"+p.Name)
		}
		slices.Sort(names[layout])
		if len(names[layout]) != 40 {
			t.Errorf("%v: read %d pods, want 40", layout, len(names[layout]))
		}
	}
	for _, l := range []gen.Layout{gen.PodFiles, gen.PodValues, gen.PodNamespaces} {
		if !slices.Equal(names[gen.PodList], names[l]) {
			t.Errorf("%v holds other pods than list:\nlist %v\n%v %v", l, names[gen.PodList], l, names[l])
		}
	}
}

func TestParseLayout(t *testing.T) {
	for _, l := range []gen.Layout{gen.PodList, gen.PodFiles, gen.PodValues, gen.PodNamespaces} {
		if got, err := gen.ParseLayout(l.String()); err != nil || got != l {
			t.Errorf("ParseLayout(%q) = %v, %v", l.String(), got, err)
		}
	}
	if _, err := gen.ParseLayout("tree"); err == nil || !strings.Contains(err.Error(), "want list, files, values or namespaces") {
		t.Errorf("ParseLayout(tree) err = %v", err)
	}
}
