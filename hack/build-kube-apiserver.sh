#!/usr/bin/env bash
# Builds the kube-apiserver that internal/testenv runs, from the Go module
# proxy, in the Go module hack/kube-apiserver (a module of its own, so that
# k8s.io/kubernetes never pins the project's client-go).
#
# Output: $IRSA_DOCTOR_TEST_BIN/kube-apiserver (default dir
# $HOME/.cache/irsa-doctor/bin), plus kube-apiserver-v1.32.13 beside it: the
# versioned name is the cache key, the plain name is what the harness runs.
# Rebuilt only when missing: about 4 minutes on 2 cores with an empty Go
# build cache, plus the module downloads.
set -euo pipefail

KUBE_VERSION=v1.32.13
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
bindir="${IRSA_DOCTOR_TEST_BIN:-${HOME}/.cache/irsa-doctor/bin}"
out="${bindir}/kube-apiserver-${KUBE_VERSION}"

mkdir -p "${bindir}"
if [[ ! -x "${out}" ]]; then
	echo "building kube-apiserver ${KUBE_VERSION} into ${out} (several minutes the first time)" >&2
	start=${SECONDS}
	# The version the binary reports at /version, as the upstream build sets it
	# (hack/lib/version.sh): without it the apiserver says v0.0.0-master.
	pkg=k8s.io/component-base/version
	minor="${KUBE_VERSION#v1.}"
	minor="${minor%%.*}"
	ldflags="-s -w -X ${pkg}.gitVersion=${KUBE_VERSION} -X ${pkg}.gitMajor=1 -X ${pkg}.gitMinor=${minor}"
	ldflags+=" -X ${pkg}.gitTreeState=clean -X ${pkg}.buildDate=1970-01-01T00:00:00Z"
	ldflags+=" -X k8s.io/client-go/pkg/version.gitVersion=${KUBE_VERSION}"
	# GOTOOLCHAIN=local: build with the installed Go, never fetch another.
	# -mod=readonly: go.sum in the repo pins every module.
	(cd "${here}/kube-apiserver" &&
		CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" \
			go build -trimpath -ldflags "${ldflags}" -o "${out}.tmp" .)
	mv "${out}.tmp" "${out}"
	echo "built kube-apiserver in $((SECONDS - start))s" >&2
fi
ln -sf "kube-apiserver-${KUBE_VERSION}" "${bindir}/kube-apiserver"
echo "${bindir}/kube-apiserver"
