// Package suppress owns the suppressions of CI runs: the --ignore flag's
// values, the ignore file (--ignore-file) and the irsa-doctor.io/ignore
// annotation, and turning the failing findings they match into ignored
// ones (finding.StatusIgnored, with the reason) in a result.
//
// It reads the snapshot for annotations and owners, the check registry to
// resolve IDs and slugs, and the model's workload kinds and owner index.
// It performs no I/O: the CLI reads the file and prints the warnings. It
// must not import report, bundle or the collectors (it judges a result,
// it does not render or collect); nothing but internal/cli imports it.
package suppress
