package testenv

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Kubelet is a fake kubelet endpoint for pods/log: the harness runs no
// kubelet, so a Node registered by StartKubelet points the real
// kube-apiserver at this server (status.addresses InternalIP 127.0.0.1,
// status.daemonEndpoints.kubeletEndpoint.port), and GET
// .../pods/NAME/log of a pod scheduled there (spec.nodeName) is proxied,
// by the apiserver's own code, to GET /containerLogs/NS/POD/CONTAINER
// here. The apiserver runs without --kubelet-certificate-authority, so it
// does not verify this server's certificate
// (k8s.io/kubernetes/pkg/kubelet/client: no CA, TLS.Insecure).
//
// Logs come from the Kubelet's own table (SetLog) and are answered as the
// kubelet answers them: tailLines (the last N lines), then sinceSeconds
// or sinceTime (the lines at or after it), timestamps (each line prefixed
// with its time in RFC 3339 with nine fractional digits and a space),
// limitBytes (the answer cut there), previous (the previous instance's
// log: 400 "previous terminated container ... not found" when there is
// none); 404 for a container the table does not hold.
type Kubelet struct {
	// Node is the name of the Node it serves.
	Node string
	// Addr is host:port of the server.
	Addr string

	srv *http.Server
	now func() time.Time

	mu       sync.Mutex
	logs     map[kubeletLogKey][]LogLine
	fail     map[kubeletLogKey]int
	requests []string
}

// LogLine is one line of a container's log and when it was written.
type LogLine struct {
	Time time.Time
	Text string
}

type kubeletLogKey struct {
	namespace, pod, container string
	previous                  bool
}

// StartKubelet starts a fake kubelet endpoint and registers the Node
// named node for it; both go away in t.Cleanup. Pods with spec.nodeName
// = node have their logs served from the Kubelet's table.
func (c *Cluster) StartKubelet(t testing.TB, node string) *Kubelet {
	t.Helper()
	k, err := c.startKubelet(node)
	if err != nil {
		t.Fatalf("start fake kubelet %s: %v", node, err)
	}
	t.Cleanup(func() {
		_ = k.srv.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := c.Admin.Client.CoreV1().Nodes().Delete(ctx, node, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			t.Errorf("delete node %s: %v", node, err)
		}
	})
	return k
}

func (c *Cluster) startKubelet(node string) (*Kubelet, error) {
	kp, err := c.CA.serving("kubelet-" + node)
	if err != nil {
		return nil, err
	}
	cert, err := kp.TLSCertificate(c.CA)
	if err != nil {
		return nil, err
	}
	l, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		return nil, fmt.Errorf("listen: %w", err)
	}
	k := &Kubelet{Node: node, Addr: l.Addr().String(), now: time.Now, logs: map[kubeletLogKey][]LogLine{}, fail: map[kubeletLogKey]int{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /containerLogs/{namespace}/{pod}/{container}", k.serveLogs)
	k.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = k.srv.Serve(l) }()

	_, portStr, _ := net.SplitHostPort(k.Addr)
	port, _ := strconv.Atoi(portStr)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	n, err := c.Admin.Client.CoreV1().Nodes().Create(ctx, &corev1.Node{
		ObjectMeta: metav1.ObjectMeta{Name: node, Labels: map[string]string{"kubernetes.io/os": "linux", "kubernetes.io/hostname": node}},
	}, metav1.CreateOptions{})
	if err != nil {
		_ = k.srv.Close()
		return nil, fmt.Errorf("create node %s: %w", node, err)
	}
	// The apiserver finds the kubelet from the node's status, which only
	// the status subresource writes.
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: "127.0.0.1"}}
	n.Status.DaemonEndpoints.KubeletEndpoint.Port = int32(port)
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady",
		LastHeartbeatTime: metav1.Now(), LastTransitionTime: metav1.Now()}}
	if _, err := c.Admin.Client.CoreV1().Nodes().UpdateStatus(ctx, n, metav1.UpdateOptions{}); err != nil {
		_ = k.srv.Close()
		return nil, fmt.Errorf("update status of node %s: %w", node, err)
	}
	return k, nil
}

// SetLog sets the log of a container of a pod (its previous instance's
// when previous).
func (k *Kubelet) SetLog(namespace, pod, container string, previous bool, lines ...LogLine) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.logs[kubeletLogKey{namespace, pod, container, previous}] = append([]LogLine(nil), lines...)
}

// DeleteLog removes a log from the table: asked for, it is unknown.
func (k *Kubelet) DeleteLog(namespace, pod, container string, previous bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	delete(k.logs, kubeletLogKey{namespace, pod, container, previous})
}

// FailLog makes the kubelet answer a log with the HTTP status code (0:
// answer it again).
func (k *Kubelet) FailLog(namespace, pod, container string, previous bool, code int) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if code == 0 {
		delete(k.fail, kubeletLogKey{namespace, pod, container, previous})
		return
	}
	k.fail[kubeletLogKey{namespace, pod, container, previous}] = code
}

// Requests are the requests served, in order, as "PATH?QUERY" with the
// query's keys sorted.
func (k *Kubelet) Requests() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]string(nil), k.requests...)
}

// kubeletTimeFormat is the kubelet's timestamp (RFC3339NanoFixed).
const kubeletTimeFormat = "2006-01-02T15:04:05.000000000Z07:00"

func (k *Kubelet) serveLogs(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	key := kubeletLogKey{r.PathValue("namespace"), r.PathValue("pod"), r.PathValue("container"), q.Get("previous") == "true"}
	k.mu.Lock()
	k.requests = append(k.requests, r.URL.Path+"?"+url.Values(q).Encode())
	lines, ok := k.logs[key]
	code := k.fail[key]
	k.mu.Unlock()
	if code != 0 {
		http.Error(w, "fake kubelet: failing as told", code)
		return
	}
	if !ok {
		if key.previous {
			http.Error(w, fmt.Sprintf("previous terminated container %q in pod %q not found", key.container, key.pod), http.StatusBadRequest)
			return
		}
		http.Error(w, fmt.Sprintf("container %q in pod %q is not known to the fake kubelet", key.container, key.pod), http.StatusNotFound)
		return
	}
	if v := q.Get("tailLines"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 0 {
			http.Error(w, "bad tailLines "+v, http.StatusBadRequest)
			return
		}
		if n < len(lines) {
			lines = lines[len(lines)-n:]
		}
	}
	var since time.Time
	if v := q.Get("sinceSeconds"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			http.Error(w, "bad sinceSeconds "+v, http.StatusBadRequest)
			return
		}
		since = k.now().Add(-time.Duration(n) * time.Second)
	}
	if v := q.Get("sinceTime"); v != "" {
		t, err := time.Parse(time.RFC3339, v)
		if err != nil {
			http.Error(w, "bad sinceTime "+v, http.StatusBadRequest)
			return
		}
		since = t
	}
	limit := -1
	if v := q.Get("limitBytes"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			http.Error(w, "bad limitBytes "+v, http.StatusBadRequest)
			return
		}
		limit = n
	}
	var b strings.Builder
	for _, l := range lines {
		if !since.IsZero() && l.Time.Before(since) {
			continue
		}
		if q.Get("timestamps") == "true" {
			b.WriteString(l.Time.UTC().Format(kubeletTimeFormat) + " ")
		}
		b.WriteString(l.Text + "\n")
	}
	out := b.String()
	if limit >= 0 && len(out) > limit {
		out = out[:limit]
	}
	w.Header().Set("Content-Type", "text/plain")
	_, _ = w.Write([]byte(out))
}
