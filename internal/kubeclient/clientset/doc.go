// Package clientset adapts client-go's clientset (kubernetes.Interface,
// real or fake) to kubeclient.Interface, for tests: the fake clientset's
// reactors and recorded actions, and testenv's admin clientset.
//
// Only tests import it: kubernetes.Interface links every API group's types
// and typed client, which the binary's own client (kubeclient.NewClient)
// avoids (docs/performance.md, "Binary size"; kubeclient's
// TestBinaryLinksNoClientset).
package clientset
