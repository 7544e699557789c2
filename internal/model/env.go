package model

import (
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// OptionalRef reports a variable set from a Secret or ConfigMap key marked
// optional: the kubelet leaves it unset when the Secret or ConfigMap, or
// the key, does not exist, instead of refusing to start the container
// (kubelet_pods.go makeEnvironmentVariables; core/v1 SecretKeySelector
// "optional: Specify whether the Secret or its key must be defined").
func OptionalRef(e *snapshot.EnvVar) bool {
	return e != nil && e.ValueFrom != nil && (e.ValueFrom.SecretKeyRef.IsOptional() || e.ValueFrom.ConfigMapKeyRef.IsOptional())
}

// SetEnv returns the container's env var when it is set to something: a
// non-empty literal, or a reference. An empty literal counts as unset, as
// every SDK treats it (Go v2 HasKeys, botocore `if access_key:`).
func SetEnv(ct *snapshot.Container, name string) (*snapshot.EnvVar, bool) {
	e, ok := Env(ct, name)
	if !ok || e.Value == "" && e.ValueFrom == nil {
		return nil, false
	}
	return e, true
}
