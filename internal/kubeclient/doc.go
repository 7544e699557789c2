// Package kubeclient is irsa-doctor's Kubernetes client: Interface, the
// API calls irsa-doctor makes, and NewClient, the real one built on
// client-go's REST client.
//
// It must not import k8s.io/client-go/kubernetes (or its scheme, typed
// clients, informers, discovery, leaderelection, tools/events): client.go says why.
// Tests adapt client-go's clientset to Interface with
// internal/kubeclient/clientset.
//
// It imports client-go's rest, apimachinery and k8s.io/api's groups it
// uses; never check, report, cli or any collector.
package kubeclient
