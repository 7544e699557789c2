package testenv

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
)

// Options configure StartCluster; the zero value is a working cluster.
type Options struct {
	// Namespace is the namespace of the admin kubeconfig's context, the one
	// a scan without -n uses ("" leaves it unset: kubectl's "default").
	Namespace string
	// IssuerID is the last segment of the issuer path /id/<IssuerID>; ""
	// picks 32 random upper-case hex digits, the shape of an EKS issuer ID.
	IssuerID string
	// APIServerArgs are appended to the harness's kube-apiserver flags (for
	// a repeated flag the last one wins).
	APIServerArgs []string
	// StartTimeout bounds the start of etcd and kube-apiserver until
	// /readyz answers; 0 means 90 s (a cold start on 2 cores takes ~5 s).
	StartTimeout time.Duration
}

// Cluster is a running etcd + kube-apiserver on loopback with the harness's
// CA, a service-account issuer with a path behind an OIDC proxy, and an
// admin user.
type Cluster struct {
	// Host is the apiserver URL, https://127.0.0.1:<port>.
	Host string
	CA   *CA
	// IssuerID is the final path segment of Issuer.
	IssuerID string
	// Issuer is the service-account issuer, https://oidc.irsa-doctor.test/id/<ID>
	// (IssuerHost): the `iss` of every token, served by OIDC, in the shape
	// of EKS's issuers (https://oidc.eks.<region>.amazonaws.com/id/<ID>).
	// The host resolves only through DialContext and HTTPClient.
	Issuer string
	OIDC   *OIDCProxy
	// Admin is authenticated by a client certificate in system:masters;
	// Admin.Kubeconfig's context namespace is Options.Namespace.
	Admin *User
	// Dir holds the certificates, kubeconfigs and logs; removed at Stop.
	Dir string
	// Binaries are the programs running.
	Binaries Binaries

	etcd, apiserver *process
	etcdURL         string
	etcdData        string // outside Dir when on /dev/shm
	namespace       string
}

// User is a client-certificate identity with its kubeconfig.
type User struct {
	Name   string
	Groups []string
	// Kubeconfig is the path of a kubeconfig for this user with the
	// certificate embedded, context "testenv", and the cluster's default
	// namespace (Options.Namespace) as the context's namespace.
	Kubeconfig string
	Config     *rest.Config
	Client     kubernetes.Interface

	creds KeyPair
	c     *Cluster
}

// StartCluster starts a cluster for the test and stops it in t.Cleanup,
// printing the component logs when the test failed. Without the binaries
// (see FindBinaries) it skips the test, saying how to get them.
func StartCluster(t *testing.T, opts Options) *Cluster {
	t.Helper()
	bins, err := FindBinaries()
	if errors.Is(err, ErrNoBinaries) {
		t.Skipf("integration test skipped: %v", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	c, err := Start(bins, opts)
	if err != nil {
		t.Fatalf("start cluster: %v", err)
	}
	t.Logf("kube-apiserver %s at %s ready in %s (issuer %s)", KubeVersion, c.Host, time.Since(start).Round(time.Millisecond), c.Issuer)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("kube-apiserver log (last lines):\n%s", tail(c.apiserver.logPath, 40))
			t.Logf("etcd log (last lines):\n%s", tail(c.etcd.logPath, 15))
		}
		c.Stop()
	})
	return c
}

// Start starts a cluster outside of a test (TestMain, to share one cluster
// between tests); the caller must Stop it. StartCluster is the usual entry.
func Start(bins Binaries, opts Options) (*Cluster, error) {
	timeout := opts.StartTimeout
	if timeout == 0 {
		timeout = 90 * time.Second
	}
	var err error
	// Ports are chosen before the children bind them: retry a collision
	// with another test process with fresh ports.
	for range 3 {
		var c *Cluster
		c, err = start(bins, opts, timeout)
		if err == nil {
			return c, nil
		}
		if !errors.Is(err, errStartup) {
			return nil, err
		}
	}
	return nil, err
}

func start(bins Binaries, opts Options, timeout time.Duration) (_ *Cluster, err error) {
	dir, err := os.MkdirTemp("", "irsa-doctor-testenv-")
	if err != nil {
		return nil, fmt.Errorf("create cluster dir: %w", err)
	}
	c := &Cluster{Dir: dir, Binaries: bins, namespace: opts.Namespace}
	defer func() {
		if err != nil {
			c.Stop()
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()

	if c.CA, err = newCA(); err != nil {
		return nil, err
	}
	c.IssuerID = opts.IssuerID
	if c.IssuerID == "" {
		b := make([]byte, 16)
		_, _ = rand.Read(b)
		c.IssuerID = strings.ToUpper(hex.EncodeToString(b))
	}
	// The proxy listens first, so that the issuer URL the apiserver needs
	// at start leads somewhere.
	if c.OIDC, err = newOIDCProxy(c.CA, c.IssuerID); err != nil {
		return nil, err
	}
	c.Issuer = c.OIDC.Issuer

	if err := c.startEtcd(ctx); err != nil {
		return nil, err
	}
	if err := c.startAPIServer(ctx, opts.APIServerArgs); err != nil {
		return nil, err
	}
	if c.Admin, err = c.newUser("testenv-admin", []string{"system:masters"}); err != nil {
		return nil, err
	}
	c.OIDC.upstream = c.Host
	if err := c.bootstrap(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

// startEtcd runs a single-member etcd with its data in memory where
// possible: /dev/shm makes etcd's fsyncs free (Debian's etcd 3.4 has no
// --unsafe-no-fsync).
func (c *Cluster) startEtcd(ctx context.Context) error {
	ports, err := freePorts(2)
	if err != nil {
		return err
	}
	base := c.Dir
	if fi, err := os.Stat("/dev/shm"); err == nil && fi.IsDir() {
		base = "/dev/shm"
	}
	data, err := os.MkdirTemp(base, "irsa-doctor-etcd-")
	if err != nil {
		return fmt.Errorf("create etcd data dir: %w", err)
	}
	client, peer := "http://"+hostPort(ports[0]), "http://"+hostPort(ports[1])
	c.etcdURL = client
	c.etcd, err = startProcess("etcd", c.Binaries.Etcd, []string{
		"--name=testenv",
		"--data-dir=" + data,
		"--listen-client-urls=" + client,
		"--advertise-client-urls=" + client,
		"--listen-peer-urls=" + peer,
		"--initial-advertise-peer-urls=" + peer,
		"--initial-cluster=testenv=" + peer,
		"--log-level=warn",
	}, filepath.Join(c.Dir, "etcd.log"))
	c.etcdData = data
	if err != nil {
		return err
	}
	return c.waitReady(ctx, c.etcd, &http.Client{Timeout: 2 * time.Second}, client+"/health")
}

// startAPIServer runs kube-apiserver with the flags an EKS control plane
// has for IRSA: an RS256 signing key, an issuer with a path on TLS and a
// JWKS URI under it (docs/reference/webhook.md#token-facts), RBAC, and admission webhooks.
func (c *Cluster) startAPIServer(ctx context.Context, extra []string) error {
	ports, err := freePorts(1)
	if err != nil {
		return err
	}
	serving, err := c.CA.serving("kube-apiserver", "kubernetes", "kubernetes.default", "kubernetes.default.svc")
	if err != nil {
		return err
	}
	saKey, saPub, err := newSigningKey()
	if err != nil {
		return err
	}
	if err := writeFiles(c.Dir, map[string][]byte{
		"ca.crt": c.CA.CertPEM, "apiserver.crt": serving.CertPEM, "apiserver.key": serving.KeyPEM,
		"sa.key": saKey, "sa.pub": saPub,
	}); err != nil {
		return err
	}
	f := func(name string) string { return filepath.Join(c.Dir, name) }
	c.Host = "https://" + hostPort(ports[0])
	args := []string{
		"--etcd-servers=" + c.etcdURL,
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(ports[0]),
		"--tls-cert-file=" + f("apiserver.crt"),
		"--tls-private-key-file=" + f("apiserver.key"),
		"--client-ca-file=" + f("ca.crt"),
		"--authorization-mode=RBAC",
		// Anonymous requests reach RBAC, which allows them only the
		// discovery binding made in bootstrap.
		"--anonymous-auth=true",
		"--service-account-issuer=" + c.Issuer,
		"--service-account-jwks-uri=" + c.Issuer + "/keys",
		"--service-account-signing-key-file=" + f("sa.key"),
		"--service-account-key-file=" + f("sa.pub"),
		"--service-cluster-ip-range=10.96.0.0/24",
		// ServiceAccount before MutatingAdmissionWebhook, as the apiserver
		// orders them anyway: the webhook sees the defaulted SA name.
		"--enable-admission-plugins=NamespaceLifecycle,LimitRanger,ServiceAccount,DefaultTolerationSeconds,MutatingAdmissionWebhook,ValidatingAdmissionWebhook,ResourceQuota",
		// 127.0.0.1 is not a valid Endpoints address: without this the
		// reconciler of the "kubernetes" Service logs an error each loop.
		"--endpoint-reconciler-type=none",
		// Fewer background controllers: a faster, quieter start.
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v=1",
	}
	c.apiserver, err = startProcess("kube-apiserver", c.Binaries.KubeAPIServer, append(args, extra...), f("kube-apiserver.log"))
	if err != nil {
		return err
	}
	creds, err := c.CA.Client("testenv-readyz", "system:masters")
	if err != nil {
		return err
	}
	cert, err := tls.X509KeyPair(creds.CertPEM, creds.KeyPEM)
	if err != nil {
		return fmt.Errorf("load readiness client certificate: %w", err)
	}
	hc := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: c.CA.Pool(), Certificates: []tls.Certificate{cert}},
	}}
	defer hc.CloseIdleConnections()
	return c.waitReady(ctx, c.apiserver, hc, c.Host+"/readyz")
}

// waitReady polls url until it answers 200, the process exits, or ctx ends.
func (c *Cluster) waitReady(ctx context.Context, p *process, hc *http.Client, url string) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	var last string
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("build readiness request for %s: %w", url, err)
		}
		resp, err := hc.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
			last = resp.Status
		} else {
			last = err.Error()
		}
		select {
		case <-p.exited:
			if addrInUse(p) {
				return fmt.Errorf("%w: %w", errStartup, p.exitErr())
			}
			return p.exitErr()
		case <-ctx.Done():
			return fmt.Errorf("%s not ready at %s (last answer: %s); last lines of %s:\n%s", p.name, url, last, p.logPath, tail(p.logPath, 30))
		case <-tick.C:
		}
	}
}

// bootstrap makes the objects every test expects: anonymous access to the
// issuer discovery (as a public issuer such as EKS's serves it) and the
// default namespace's "default" ServiceAccount (no controller-manager runs
// here to create it).
func (c *Cluster) bootstrap(ctx context.Context) error {
	// The apiserver's bootstrap ClusterRole system:service-account-issuer-discovery
	// allows GET on /.well-known/openid-configuration and /openid/v1/jwks;
	// upstream binds it to system:serviceaccounts only.
	_, err := c.Admin.Client.RbacV1().ClusterRoleBindings().Create(ctx, &rbacv1.ClusterRoleBinding{
		ObjectMeta: metav1.ObjectMeta{Name: "testenv:anonymous-issuer-discovery"},
		RoleRef:    rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: "system:service-account-issuer-discovery"},
		Subjects:   []rbacv1.Subject{{APIGroup: rbacv1.GroupName, Kind: rbacv1.GroupKind, Name: "system:unauthenticated"}},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("bind issuer discovery to system:unauthenticated: %w", err)
	}
	if err := c.ensureDefaultSA(ctx, metav1.NamespaceDefault); err != nil {
		return err
	}
	return nil
}

// CreateNamespace creates a namespace with labels and its "default"
// ServiceAccount, which a kube-controller-manager would add (none runs
// here; without it a pod that names no ServiceAccount is rejected).
func (c *Cluster) CreateNamespace(t testing.TB, name string, labels map[string]string) *corev1.Namespace {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	ns, err := c.Admin.Client.CoreV1().Namespaces().Create(ctx, &corev1.Namespace{
		ObjectMeta: metav1.ObjectMeta{Name: name, Labels: labels},
	}, metav1.CreateOptions{})
	if err != nil {
		t.Fatalf("create namespace %s: %v", name, err)
	}
	if err := c.ensureDefaultSA(ctx, name); err != nil {
		t.Fatal(err)
	}
	return ns
}

func (c *Cluster) ensureDefaultSA(ctx context.Context, ns string) error {
	_, err := c.Admin.Client.CoreV1().ServiceAccounts(ns).Create(ctx, &corev1.ServiceAccount{
		ObjectMeta: metav1.ObjectMeta{Name: "default"},
	}, metav1.CreateOptions{})
	if err != nil {
		return fmt.Errorf("create serviceaccount %s/default: %w", ns, err)
	}
	return nil
}

// Stop stops the apiserver, then etcd, and removes Dir. Safe to call twice.
func (c *Cluster) Stop() {
	if c.OIDC != nil {
		c.OIDC.close()
	}
	c.apiserver.stop(15 * time.Second)
	c.etcd.stop(10 * time.Second)
	for _, d := range []string{c.etcdData, c.Dir} {
		if d != "" {
			os.RemoveAll(d)
		}
	}
}

// HTTPClient returns a client that trusts only the harness CA and reaches
// IssuerHost through DialContext: what the OIDC collector (and the AWS
// fake's STS token verification) needs to reach Issuer.
func (c *Cluster) HTTPClient() *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{
		DialContext:     c.DialContext,
		TLSClientConfig: &tls.Config{RootCAs: c.CA.Pool()},
	}}
}

// DialContext dials addr, except that IssuerHost:443 (the issuer's host,
// which no DNS resolves) leads to the OIDC proxy's loopback port. Give it
// to any client that must reach Issuer (an http.Transport's DialContext).
func (c *Cluster) DialContext(ctx context.Context, network, addr string) (net.Conn, error) {
	d := dialer{proxyAddr: c.OIDC.Addr()}
	return d.DialContext(ctx, network, addr)
}
