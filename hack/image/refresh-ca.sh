#!/usr/bin/env bash
# Refreshes the CA bundle that the container image ships (make image-ca): the
# certificates of Debian's ca-certificates package, concatenated in the
# package's sorted file order, with the package version beside them.
#
# Not a copy of /etc/ssl/certs/ca-certificates.crt: that file also holds every
# local CA under /usr/local/share/ca-certificates (this machine's egress proxy
# CA, for one), which must never reach users' images.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
mapfile -t certs < <(dpkg -L ca-certificates | grep '^/usr/share/ca-certificates/.*\.crt$' | LC_ALL=C sort)
if [ "${#certs[@]}" -lt 100 ]; then
	echo "refresh-ca: only ${#certs[@]} certificates in Debian's ca-certificates package" >&2
	exit 1
fi
tmp="${here}/ca-certificates.crt.tmp"
: >"${tmp}"
for c in "${certs[@]}"; do
	cat "${c}" >>"${tmp}"
	# update-ca-certificates adds a newline after a file that lacks one.
	[ -z "$(tail -c1 "${c}")" ] || echo >>"${tmp}"
done
mv "${tmp}" "${here}/ca-certificates.crt"
dpkg-query -W -f '${Package} ${Version}\n' ca-certificates >"${here}/ca-certificates.version"
# The package's copyright file (the certificates are Mozilla's, MPL-2.0):
# the image installs it as /usr/share/doc/ca-certificates/copyright.
cp /usr/share/doc/ca-certificates/copyright "${here}/ca-certificates.copyright"
echo "${#certs[@]} certificates from $(cat "${here}/ca-certificates.version")" >&2
