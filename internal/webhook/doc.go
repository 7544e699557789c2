// Package webhook models what the amazon-eks-pod-identity-webhook reads and
// injects (../shared/reference/docs/reference/webhook.md, read from the webhook's
// source at v0.6.17-5): its annotation and label names, its defaults, and a
// pure Mutate that predicts the patch it applies to a pod at CREATE.
//
// The checks use it to predict what a pod template will become and to
// explain why a pod was not mutated; the integration tests' webhook uses the
// same code, so the two cannot drift apart. It imports only snapshot.
package webhook
