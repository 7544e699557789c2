// Package oidc is the OIDC collector of live mode: it fetches the cluster
// issuer's discovery document and JWKS over HTTPS, as STS does, and records
// the TLS chain of each host, so that IRSA304 (thumbprint) and IRSA305
// (discovery and keys) run live.
//
// Like the other collectors it produces captures, not snapshot structs:
// the documents byte for byte as `curl -s URL` prints them, and each chain
// as PEM text like `openssl s_client -showcerts`, which internal/bundle
// reads (bundle.ReadCaptures for `scan`, bundle.WriteDump for `dump`).
// Every failure is a gap naming the URL.
//
// It imports bundle and snapshot only; never check, report or cli.
package oidc
