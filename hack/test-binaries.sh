#!/usr/bin/env bash
# Ensures the binaries internal/testenv needs and prints their paths, one a
# line: kube-apiserver, then etcd. Both end up in one directory,
# $IRSA_DOCTOR_TEST_BIN (default $HOME/.cache/irsa-doctor/bin), which is what
# the harness looks in (the Makefile exports it for `make test`).
#
#   kube-apiserver: built from the Go module proxy (build-kube-apiserver.sh).
#   etcd:           the one on PATH; else Debian's etcd-server package; else
#                   built from the Go module proxy (module hack/etcd).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export IRSA_DOCTOR_TEST_BIN="${IRSA_DOCTOR_TEST_BIN:-${HOME}/.cache/irsa-doctor/bin}"
bindir="${IRSA_DOCTOR_TEST_BIN}"
mkdir -p "${bindir}"

ETCD_VERSION=v3.5.35

build_etcd() {
	local out="${bindir}/etcd-${ETCD_VERSION}"
	if [[ ! -x "${out}" ]]; then
		echo "building etcd ${ETCD_VERSION} into ${out}" >&2
		(cd "${here}/etcd" &&
			CGO_ENABLED=0 GOTOOLCHAIN=local GOFLAGS="-mod=readonly -buildvcs=false" \
				go build -trimpath -ldflags "-s -w" -o "${out}.tmp" .)
		mv "${out}.tmp" "${out}"
	fi
	ln -sf "etcd-${ETCD_VERSION}" "${bindir}/etcd"
}

ensure_etcd() {
	# Already provided (a previous run, or a binary the developer put there).
	if [[ -x "${bindir}/etcd" ]]; then
		return
	fi
	if ! command -v etcd >/dev/null 2>&1 && [[ "$(id -u)" == 0 ]] && command -v apt-get >/dev/null 2>&1; then
		echo "installing etcd-server with apt-get" >&2
		if ! { apt-get update -qq >&2 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq etcd-server >&2; }; then
			echo "apt-get could not install etcd-server; building etcd instead" >&2
		fi
	fi
	if command -v etcd >/dev/null 2>&1; then
		ln -sf "$(command -v etcd)" "${bindir}/etcd"
	else
		build_etcd
	fi
}

kube_apiserver="$("${here}/build-kube-apiserver.sh")"
ensure_etcd
echo "${kube_apiserver}"
echo "${bindir}/etcd"
