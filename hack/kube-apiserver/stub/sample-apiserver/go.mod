// An empty stand-in for k8s.io/sample-apiserver: k8s.io/kubernetes lists it
// in its go.mod but the kube-apiserver binary never imports it.
module k8s.io/sample-apiserver

go 1.23.0
