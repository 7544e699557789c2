// Package symptom owns the catalogue of error signatures: the errors that
// SDKs, the AWS CLI and tools print in pods when IRSA or EKS Pod Identity
// fails, each with what it means, the checks that can cause it (most
// likely first), and the commands whose output decides between them.
//
// The catalogue is data (signatures.yaml, embedded), like the SDK
// minimum-version table in internal/sdk: every signature names its sources.
// Matching is pure: no I/O. It must not import internal/check (the CLI
// joins candidate IDs to the registry; a test asserts every ID exists).
package symptom
