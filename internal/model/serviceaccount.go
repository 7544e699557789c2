package model

import (
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// SimilarSANames lists ServiceAccounts of the namespace whose names look
// like the one asked for (a typo in serviceAccountName), quoted: within edit
// distance 2, or equal once a "-sa"-like suffix is dropped from either.
func SimilarSANames(s *snapshot.Snapshot, ns, name string) []string {
	var out []string
	for _, sa := range s.ServiceAccounts {
		if sa.Namespace == ns && sa.Name != name &&
			(policy.OSADistance(sa.Name, name, 2) <= 2 || trimSASuffix(sa.Name) == trimSASuffix(name)) {
			out = append(out, fmt.Sprintf("ServiceAccount %q", sa.Name))
		}
	}
	sort.Strings(out)
	return out
}

// trimSASuffix drops the suffixes people add to ServiceAccount names.
func trimSASuffix(name string) string {
	for _, suf := range []string{"-serviceaccount", "-service-account", "-sa"} {
		if n, ok := strings.CutSuffix(name, suf); ok && n != "" {
			return n
		}
	}
	return name
}

// SaAbsentReason says why a check about the ServiceAccount cannot judge it.
func SaAbsentReason(c *Context, t *Target) string {
	if _, _, missing := SAMissing(c.Snap, t); missing {
		return fmt.Sprintf("ServiceAccount %q does not exist in namespace %q", t.SAName, t.Namespace)
	}
	if why, ok := SACopiesDiffer(c.Snap, t.Namespace, t.SAName); ok {
		return fmt.Sprintf("ServiceAccount %s/%s has %s", t.Namespace, t.SAName, why)
	}
	return fmt.Sprintf("ServiceAccount %s/%s is not in the input (capture: kubectl get serviceaccount %s -n %s -o json)", t.Namespace, t.SAName, t.SAName, t.Namespace)
}

// TargetNoun names the target's kind for evidence: "pod", or the workload's
// kind for a template.
func TargetNoun(t *Target) string {
	if t.IsPod() {
		return "pod"
	}
	return t.Kind
}

// ContainerList renders container names: `container "app"`, `containers
// "app" and "log"`.
func ContainerList(names []string) string {
	q := make([]string, len(names))
	for i, n := range names {
		q[i] = fmt.Sprintf("%q", n)
	}
	if len(q) == 1 {
		return "container " + q[0]
	}
	return "containers " + strings.Join(q[:len(q)-1], ", ") + " and " + q[len(q)-1]
}

// TokenVolumeFor returns the projected volume holding a serviceAccountToken
// whose file the container sees at path p, through one of its mounts.
func TokenVolumeFor(spec *snapshot.PodSpec, ct *snapshot.Container, p string) (*snapshot.Volume, bool) {
	if p == "" {
		return nil, false
	}
	p = path.Clean(p)
	for _, m := range ct.VolumeMounts {
		v := Volume(spec, m.Name)
		if v == nil || v.Projected == nil {
			continue
		}
		for _, src := range v.Projected.Sources {
			sat := src.ServiceAccountToken
			if sat == nil || sat.Path == "" {
				continue
			}
			// With subPath the mount is the file (or directory) at that
			// path inside the volume.
			inVolume := sat.Path
			if m.SubPath != "" {
				rel, ok := strings.CutPrefix(path.Clean(sat.Path), path.Clean(m.SubPath))
				if !ok || (rel != "" && !strings.HasPrefix(rel, "/")) {
					continue
				}
				inVolume = rel
			}
			if joinedIs(m.MountPath, inVolume, p) {
				return v, true
			}
		}
	}
	return nil, false
}

// joinedIs reports whether path.Join(dir, file) is p, a clean path,
// without building the joined string when dir/file is already clean:
// every container's mounts are compared with every token path asked.
func joinedIs(dir, file, p string) bool {
	if dir != "" && dir != "/" && dir != "." && file != "" && file != "." && file != ".." &&
		file[0] != '/' && !strings.HasPrefix(file, "../") && path.Clean(dir) == dir && path.Clean(file) == file {
		// dir + "/" + file is clean, so it is what Join returns.
		return len(p) == len(dir)+1+len(file) && p[len(dir)] == '/' && strings.HasPrefix(p, dir) && strings.HasSuffix(p, file)
	}
	return path.Join(dir, file) == p
}
