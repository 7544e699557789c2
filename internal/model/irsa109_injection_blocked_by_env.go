package model

import (
	"fmt"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// mountFor returns the container's mount that serves file (the deepest
// mount path containing it) and the file's path inside the mount.
func MountFor(c *snapshot.Container, file string) (*snapshot.VolumeMount, string) {
	f := slashPath(file)
	var best *snapshot.VolumeMount
	rel := ""
	for i := range c.VolumeMounts {
		m := &c.VolumeMounts[i]
		mp := slashPath(m.MountPath)
		if !UnderPath(f, mp) {
			continue
		}
		if best == nil || len(mp) > len(slashPath(best.MountPath)) {
			best = m
			rel = strings.TrimPrefix(strings.TrimPrefix(f, mp), "/")
		}
	}
	return best, rel
}

// refString names an env var reference without reading it.
func RefString(v *snapshot.EnvVarSource) string {
	switch {
	case v.SecretKeyRef != nil:
		return fmt.Sprintf("Secret %s key %s", v.SecretKeyRef.Name, v.SecretKeyRef.Key)
	case v.ConfigMapKeyRef != nil:
		return fmt.Sprintf("ConfigMap %s key %s", v.ConfigMapKeyRef.Name, v.ConfigMapKeyRef.Key)
	case v.FieldRef != nil:
		return "field " + v.FieldRef.FieldPath
	}
	return "a reference"
}
