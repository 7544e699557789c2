package testenv

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"testing"
	"time"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime/schema"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/discovery/cached/memory"
	"k8s.io/client-go/dynamic"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/restmapper"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
)

// ContextName is the context of every kubeconfig the harness writes.
const ContextName = "testenv"

// CreateUser issues a client certificate for name with groups (the
// apiserver reads CN as the user and O as the groups) and writes its
// kubeconfig. The user has no rights until a test binds it, e.g. with
// Apply(deploy/rbac.yaml) and a binding to the ClusterRole it defines.
func (c *Cluster) CreateUser(t testing.TB, name string, groups ...string) *User {
	t.Helper()
	u, err := c.newUser(name, groups)
	if err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	return u
}

func (c *Cluster) newUser(name string, groups []string) (*User, error) {
	creds, err := c.CA.Client(name, groups...)
	if err != nil {
		return nil, err
	}
	u := &User{Name: name, Groups: groups, creds: creds, c: c}
	if u.Kubeconfig, err = u.writeKubeconfig(c.namespace); err != nil {
		return nil, err
	}
	u.Config = &rest.Config{
		Host: c.Host,
		TLSClientConfig: rest.TLSClientConfig{
			CAData: c.CA.CertPEM, CertData: creds.CertPEM, KeyData: creds.KeyPEM,
		},
		// Tests create objects in bursts; client-go's default 5 qps would
		// make them wait.
		QPS: 1000, Burst: 1000,
		Timeout: 30 * time.Second,
	}
	if u.Client, err = kubernetes.NewForConfig(u.Config); err != nil {
		return nil, fmt.Errorf("client for %s: %w", name, err)
	}
	return u, nil
}

// KubeconfigIn writes another kubeconfig for the user whose context's
// namespace is namespace ("" leaves it unset) and returns its path.
func (u *User) KubeconfigIn(t testing.TB, namespace string) string {
	t.Helper()
	p, err := u.writeKubeconfig(namespace)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func (u *User) writeKubeconfig(namespace string) (string, error) {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters[ContextName] = &clientcmdapi.Cluster{Server: u.c.Host, CertificateAuthorityData: u.c.CA.CertPEM}
	cfg.AuthInfos[u.Name] = &clientcmdapi.AuthInfo{ClientCertificateData: u.creds.CertPEM, ClientKeyData: u.creds.KeyPEM}
	cfg.Contexts[ContextName] = &clientcmdapi.Context{Cluster: ContextName, AuthInfo: u.Name, Namespace: namespace}
	cfg.CurrentContext = ContextName
	f, err := os.CreateTemp(u.c.Dir, "kubeconfig-"+safeName(u.Name)+"-*.yaml")
	if err != nil {
		return "", fmt.Errorf("create kubeconfig for %s: %w", u.Name, err)
	}
	path := f.Name()
	f.Close()
	if err := clientcmd.WriteToFile(*cfg, path); err != nil {
		return "", fmt.Errorf("write kubeconfig for %s: %w", u.Name, err)
	}
	return path, nil
}

func safeName(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' {
			return r
		}
		return '_'
	}, s)
}

// Apply creates every object of a multi-document YAML or JSON manifest as
// the admin (kubectl create -f), in order; a namespaced object without a
// namespace goes to "default". It fails the test on the first error.
func (c *Cluster) Apply(t testing.TB, manifest []byte) {
	t.Helper()
	if err := c.apply(manifest); err != nil {
		t.Fatal(err)
	}
}

// ApplyFile is Apply on a file (deploy/rbac.yaml, a scenario manifest).
func (c *Cluster) ApplyFile(t testing.TB, path string) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("read manifest: %v", err)
	}
	if err := c.apply(data); err != nil {
		t.Fatalf("apply %s: %v", path, err)
	}
}

func (c *Cluster) apply(manifest []byte) error {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	dc, err := discovery.NewDiscoveryClientForConfig(c.Admin.Config)
	if err != nil {
		return fmt.Errorf("discovery client: %w", err)
	}
	mapper := restmapper.NewDeferredDiscoveryRESTMapper(memory.NewMemCacheClient(dc))
	dyn, err := dynamic.NewForConfig(c.Admin.Config)
	if err != nil {
		return fmt.Errorf("dynamic client: %w", err)
	}
	dec := utilyaml.NewYAMLOrJSONDecoder(bytes.NewReader(manifest), 4096)
	for i := 0; ; i++ {
		var obj unstructured.Unstructured
		if err := dec.Decode(&obj.Object); err != nil {
			if errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("decode object %d: %w", i, err)
		}
		if len(obj.Object) == 0 {
			continue // an empty document between two ---
		}
		gvk := obj.GroupVersionKind()
		m, err := mapper.RESTMapping(schema.GroupKind{Group: gvk.Group, Kind: gvk.Kind}, gvk.Version)
		if err != nil {
			return fmt.Errorf("object %d (%s %s): %w", i, gvk.Kind, obj.GetName(), err)
		}
		var ri dynamic.ResourceInterface = dyn.Resource(m.Resource)
		if m.Scope.Name() == "namespace" {
			ns := obj.GetNamespace()
			if ns == "" {
				ns = "default"
			}
			ri = dyn.Resource(m.Resource).Namespace(ns)
		}
		if _, err := ri.Create(ctx, &obj, metav1.CreateOptions{}); err != nil {
			return fmt.Errorf("create %s %s: %w", gvk.Kind, obj.GetName(), err)
		}
	}
}
