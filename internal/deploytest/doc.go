// Package deploytest holds the tests of deploy/: the plain manifests that
// hack/helm generates from the chart (deploy/manifests/) applied to the real
// kube-apiserver of internal/testenv with server-side dry-run, under the
// restricted Pod Security profile, and the chart's RBAC held to
// deploy/rbac.yaml. It has no code outside its tests and reads the
// manifests as plain YAML: Helm stays in hack/helm's module. It imports
// internal/testenv and nothing of the tool.
package deploytest
