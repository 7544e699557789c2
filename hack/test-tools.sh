#!/usr/bin/env bash
# Installs the npm tools the tests run, once, into $IRSA_DOCTOR_NPM (default
# $HOME/.cache/irsa-doctor/npm), and prints the SARIF validator's path:
#
#   @microsoft/sarif-multitool  Microsoft's SARIF validator, a self-contained
#                               .NET executable per platform
#                               (internal/report TestSARIFMultitool).
#
# Idempotent: an installed validator of the pinned version is kept. Without
# npm it says so and exits 0 outside CI (the test then skips), 1 in CI.
set -euo pipefail

SARIF_MULTITOOL_VERSION=5.7.0

npmdir="${IRSA_DOCTOR_NPM:-${HOME}/.cache/irsa-doctor/npm}"
case "$(uname -s)" in
Linux) platform=linux ;;
Darwin) platform=darwin ;;
*) platform=win32 ;;
esac
pkg="${npmdir}/node_modules/@microsoft/sarif-multitool-${platform}"
tool="${pkg}/Sarif.Multitool"

installed() {
	[[ -f "${tool}" && -f "${pkg}/package.json" ]] &&
		grep -q "\"version\": *\"${SARIF_MULTITOOL_VERSION}\"" "${pkg}/package.json"
}

if ! installed; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "test-tools: npm not found: the SARIF validator test will skip (install Node.js and npm, then run make test-tools)" >&2
		[[ -z "${CI:-}" ]] || exit 1
		exit 0
	fi
	echo "installing @microsoft/sarif-multitool ${SARIF_MULTITOOL_VERSION} into ${npmdir}" >&2
	mkdir -p "${npmdir}"
	npm install --prefix "${npmdir}" --no-audit --no-fund --loglevel=error \
		"@microsoft/sarif-multitool@${SARIF_MULTITOOL_VERSION}" >&2
fi
# The package's postinstall (chmod u+x Sarif.Multitool) does not run when
# npm skips install scripts, as it does here: make it executable ourselves.
chmod u+x "${tool}"
echo "${tool}"
