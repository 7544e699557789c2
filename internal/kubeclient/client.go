package kubeclient

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
	appsv1 "k8s.io/api/apps/v1"
	authenticationv1 "k8s.io/api/authentication/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/runtime/serializer"
	"k8s.io/apimachinery/pkg/types"
	utilruntime "k8s.io/apimachinery/pkg/util/runtime"
	"k8s.io/apimachinery/pkg/version"
	"k8s.io/apimachinery/pkg/watch"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/util/flowcontrol"
)

// Why a hand-built client and not client-go's clientset
// (docs/performance.md, "Binary size"): kubernetes.NewForConfig, and any
// generated typed client (kubernetes/typed/...), the informer factory, the
// discovery client, tools/leaderelection or tools/events, links
// k8s.io/client-go/kubernetes/scheme, whose init registers every type of
// every API group, with every group's typed client and apply
// configurations: on the clientset the stripped binary was 73.4 MB, on
// this client 39.4 MB (`make size`, Go 1.26, linux/amd64). irsa-doctor
// reads 11 kinds of 4 groups and writes TokenRequests, dry-run Pods,
// Leases and Events. So this client is what client-go's typed clients are
// inside, for those kinds only: one rest.RESTClient per group version
// over one shared http.Client and rate limiter (as kubernetes.NewForConfig
// shares them), a scheme of the 7 groups used, and client-go's generic
// typed client per kind (typed.go), with protobuf preferred as the
// generated clients prefer it. Pod logs, TokenRequest and the server
// version are one request each, written as client-go writes them.
// TestRequestsAsClientset holds every request equal to the clientset's.

// Lister is a kind's typed client as the collectors and serve call it:
// client-go's generated typed clients and their fakes satisfy it, as does
// typed.go's client.
type Lister[T, L runtime.Object] interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (T, error)
	List(ctx context.Context, opts metav1.ListOptions) (L, error)
	Watch(ctx context.Context, opts metav1.ListOptions) (watch.Interface, error)
}

// PodClient adds what the probe and --logs call on Pods.
type PodClient interface {
	Lister[*corev1.Pod, *corev1.PodList]
	Create(ctx context.Context, pod *corev1.Pod, opts metav1.CreateOptions) (*corev1.Pod, error)
	GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request
}

// ServiceAccountClient adds the TokenRequest the probe makes.
type ServiceAccountClient interface {
	Lister[*corev1.ServiceAccount, *corev1.ServiceAccountList]
	CreateToken(ctx context.Context, name string, tr *authenticationv1.TokenRequest, opts metav1.CreateOptions) (*authenticationv1.TokenRequest, error)
}

// LeaseClient is what serve's leader election calls on Leases.
type LeaseClient interface {
	Get(ctx context.Context, name string, opts metav1.GetOptions) (*coordinationv1.Lease, error)
	Create(ctx context.Context, lease *coordinationv1.Lease, opts metav1.CreateOptions) (*coordinationv1.Lease, error)
	Update(ctx context.Context, lease *coordinationv1.Lease, opts metav1.UpdateOptions) (*coordinationv1.Lease, error)
}

// EventClient is what serve's Event recorder calls on events.k8s.io/v1
// Events.
type EventClient interface {
	Create(ctx context.Context, ev *eventsv1.Event, opts metav1.CreateOptions) (*eventsv1.Event, error)
	Patch(ctx context.Context, name string, pt types.PatchType, data []byte, opts metav1.PatchOptions, subresources ...string) (*eventsv1.Event, error)
}

// Interface is the Kubernetes API as irsa-doctor uses it. NewClient builds
// the real one; tests wrap client-go's fake clientset
// (internal/kubeclient/clientset).
type Interface interface {
	Pods(namespace string) PodClient
	ServiceAccounts(namespace string) ServiceAccountClient
	ConfigMaps(namespace string) Lister[*corev1.ConfigMap, *corev1.ConfigMapList]
	Namespaces() Lister[*corev1.Namespace, *corev1.NamespaceList]
	Nodes() Lister[*corev1.Node, *corev1.NodeList]
	Deployments(namespace string) Lister[*appsv1.Deployment, *appsv1.DeploymentList]
	StatefulSets(namespace string) Lister[*appsv1.StatefulSet, *appsv1.StatefulSetList]
	DaemonSets(namespace string) Lister[*appsv1.DaemonSet, *appsv1.DaemonSetList]
	ReplicaSets(namespace string) Lister[*appsv1.ReplicaSet, *appsv1.ReplicaSetList]
	Jobs(namespace string) Lister[*batchv1.Job, *batchv1.JobList]
	CronJobs(namespace string) Lister[*batchv1.CronJob, *batchv1.CronJobList]
	MutatingWebhookConfigurations() Lister[*admissionregistrationv1.MutatingWebhookConfiguration, *admissionregistrationv1.MutatingWebhookConfigurationList]
	Leases(namespace string) LeaseClient
	Events(namespace string) EventClient
	// ServerVersion is GET /version, as discovery's ServerVersion.
	ServerVersion(ctx context.Context) (*version.Info, error)
	// Endpoint is the API server's scheme and host, "" when there is none
	// (a fake).
	Endpoint() string
}

// scheme holds the groups irsa-doctor reads and writes, and meta/v1's
// options under v1, as client-go's kubernetes/scheme registers them.
var (
	scheme         = runtime.NewScheme()
	codecs         = serializer.NewCodecFactory(scheme)
	parameterCodec = runtime.NewParameterCodec(scheme)
)

func init() {
	metav1.AddToGroupVersion(scheme, schema.GroupVersion{Version: "v1"})
	b := runtime.SchemeBuilder{
		corev1.AddToScheme, appsv1.AddToScheme, batchv1.AddToScheme, admissionregistrationv1.AddToScheme,
		authenticationv1.AddToScheme, coordinationv1.AddToScheme, eventsv1.AddToScheme,
	}
	utilruntime.Must(b.AddToScheme(scheme))
}

// Client is the real Interface.
type Client struct {
	core, apps, batch, admission, coordination, events, discovery *rest.RESTClient
}

// discoveryTimeout is discovery's default request timeout, which the
// clientset's ServerVersion gets when the config sets none.
const discoveryTimeout = 32 * time.Second

// NewClient builds the client from c as kubernetes.NewForConfig would: one
// http.Client shared by every group; when c sets QPS, one rate limiter
// shared by every group, else each group's REST client gets client-go's
// default (5 requests/s, a burst of 10); the default User-Agent when c
// sets none.
func NewClient(c *rest.Config) (*Client, error) {
	cfg := *c
	if cfg.UserAgent == "" {
		cfg.UserAgent = rest.DefaultKubernetesUserAgent()
	}
	httpClient, err := rest.HTTPClientFor(&cfg)
	if err != nil {
		return nil, err
	}
	if cfg.RateLimiter == nil && cfg.QPS > 0 {
		if cfg.Burst <= 0 {
			return nil, fmt.Errorf("burst is required to be greater than 0 when RateLimiter is not set and QPS is set to greater than 0")
		}
		cfg.RateLimiter = flowcontrol.NewTokenBucketRateLimiter(cfg.QPS, cfg.Burst)
	}
	var cl Client
	for _, g := range []struct {
		rc   **rest.RESTClient
		gv   schema.GroupVersion
		path string
	}{
		{&cl.core, corev1.SchemeGroupVersion, "/api"},
		{&cl.apps, appsv1.SchemeGroupVersion, "/apis"},
		{&cl.batch, batchv1.SchemeGroupVersion, "/apis"},
		{&cl.admission, admissionregistrationv1.SchemeGroupVersion, "/apis"},
		{&cl.coordination, coordinationv1.SchemeGroupVersion, "/apis"},
		{&cl.events, eventsv1.SchemeGroupVersion, "/apis"},
	} {
		gc := cfg
		gv := g.gv
		gc.GroupVersion = &gv
		gc.APIPath = g.path
		gc.NegotiatedSerializer = rest.CodecFactoryForGeneratedClient(scheme, codecs).WithoutConversion()
		if *g.rc, err = rest.RESTClientForConfigAndClient(&gc, httpClient); err != nil {
			return nil, err
		}
	}
	// The server version as discovery asks for it: no group version, its
	// default timeout and burst, a decoder without conversion.
	dc := cfg
	dc.APIPath, dc.GroupVersion = "", nil
	if dc.Timeout == 0 {
		dc.Timeout = discoveryTimeout
	}
	if dc.Burst == 0 {
		dc.Burst = 300
	}
	dc.NegotiatedSerializer = serializer.NegotiatedSerializerWrapper(runtime.SerializerInfo{Serializer: runtime.NoopEncoder{Decoder: codecs.UniversalDecoder()}})
	if cl.discovery, err = rest.UnversionedRESTClientForConfigAndClient(&dc, httpClient); err != nil {
		return nil, err
	}
	return &cl, nil
}

func newLister[T interface {
	runtime.Object
	metav1.Object
}, L runtime.Object](rc *rest.RESTClient, resource, ns string, newT func() T, newL func() L) *typed[T, L] {
	return &typed[T, L]{client: rc, resource: resource, namespace: ns, newObject: newT, newList: newL}
}

// Pods, and the rest: the kinds' clients, as the generated typed clients
// make them.
func (c *Client) Pods(ns string) PodClient {
	return pods{newLister(c.core, "pods", ns, func() *corev1.Pod { return &corev1.Pod{} }, func() *corev1.PodList { return &corev1.PodList{} })}
}

func (c *Client) ServiceAccounts(ns string) ServiceAccountClient {
	return serviceAccounts{newLister(c.core, "serviceaccounts", ns, func() *corev1.ServiceAccount { return &corev1.ServiceAccount{} },
		func() *corev1.ServiceAccountList { return &corev1.ServiceAccountList{} })}
}

func (c *Client) ConfigMaps(ns string) Lister[*corev1.ConfigMap, *corev1.ConfigMapList] {
	return newLister(c.core, "configmaps", ns, func() *corev1.ConfigMap { return &corev1.ConfigMap{} }, func() *corev1.ConfigMapList { return &corev1.ConfigMapList{} })
}

func (c *Client) Namespaces() Lister[*corev1.Namespace, *corev1.NamespaceList] {
	return newLister(c.core, "namespaces", "", func() *corev1.Namespace { return &corev1.Namespace{} }, func() *corev1.NamespaceList { return &corev1.NamespaceList{} })
}

func (c *Client) Nodes() Lister[*corev1.Node, *corev1.NodeList] {
	return newLister(c.core, "nodes", "", func() *corev1.Node { return &corev1.Node{} }, func() *corev1.NodeList { return &corev1.NodeList{} })
}

func (c *Client) Deployments(ns string) Lister[*appsv1.Deployment, *appsv1.DeploymentList] {
	return newLister(c.apps, "deployments", ns, func() *appsv1.Deployment { return &appsv1.Deployment{} }, func() *appsv1.DeploymentList { return &appsv1.DeploymentList{} })
}

func (c *Client) StatefulSets(ns string) Lister[*appsv1.StatefulSet, *appsv1.StatefulSetList] {
	return newLister(c.apps, "statefulsets", ns, func() *appsv1.StatefulSet { return &appsv1.StatefulSet{} }, func() *appsv1.StatefulSetList { return &appsv1.StatefulSetList{} })
}

func (c *Client) DaemonSets(ns string) Lister[*appsv1.DaemonSet, *appsv1.DaemonSetList] {
	return newLister(c.apps, "daemonsets", ns, func() *appsv1.DaemonSet { return &appsv1.DaemonSet{} }, func() *appsv1.DaemonSetList { return &appsv1.DaemonSetList{} })
}

func (c *Client) ReplicaSets(ns string) Lister[*appsv1.ReplicaSet, *appsv1.ReplicaSetList] {
	return newLister(c.apps, "replicasets", ns, func() *appsv1.ReplicaSet { return &appsv1.ReplicaSet{} }, func() *appsv1.ReplicaSetList { return &appsv1.ReplicaSetList{} })
}

func (c *Client) Jobs(ns string) Lister[*batchv1.Job, *batchv1.JobList] {
	return newLister(c.batch, "jobs", ns, func() *batchv1.Job { return &batchv1.Job{} }, func() *batchv1.JobList { return &batchv1.JobList{} })
}

func (c *Client) CronJobs(ns string) Lister[*batchv1.CronJob, *batchv1.CronJobList] {
	return newLister(c.batch, "cronjobs", ns, func() *batchv1.CronJob { return &batchv1.CronJob{} }, func() *batchv1.CronJobList { return &batchv1.CronJobList{} })
}

func (c *Client) MutatingWebhookConfigurations() Lister[*admissionregistrationv1.MutatingWebhookConfiguration, *admissionregistrationv1.MutatingWebhookConfigurationList] {
	return newLister(c.admission, "mutatingwebhookconfigurations", "",
		func() *admissionregistrationv1.MutatingWebhookConfiguration {
			return &admissionregistrationv1.MutatingWebhookConfiguration{}
		},
		func() *admissionregistrationv1.MutatingWebhookConfigurationList {
			return &admissionregistrationv1.MutatingWebhookConfigurationList{}
		})
}

func (c *Client) Leases(ns string) LeaseClient {
	return newLister(c.coordination, "leases", ns, func() *coordinationv1.Lease { return &coordinationv1.Lease{} },
		func() *coordinationv1.LeaseList { return &coordinationv1.LeaseList{} })
}

func (c *Client) Events(ns string) EventClient {
	return newLister(c.events, "events", ns, func() *eventsv1.Event { return &eventsv1.Event{} },
		func() *eventsv1.EventList { return &eventsv1.EventList{} })
}

// ServerVersion is discovery's ServerVersionWithContext.
func (c *Client) ServerVersion(ctx context.Context) (*version.Info, error) {
	body, err := c.discovery.Get().AbsPath("/version").Do(ctx).Raw()
	if err != nil {
		return nil, err
	}
	var info version.Info
	if err := json.Unmarshal(body, &info); err != nil {
		return nil, fmt.Errorf("unable to parse the server version: %v", err)
	}
	return &info, nil
}

// Endpoint is the API server's scheme and host.
func (c *Client) Endpoint() string {
	u := c.discovery.Get().URL()
	return u.Scheme + "://" + u.Host
}

type pods struct {
	*typed[*corev1.Pod, *corev1.PodList]
}

// GetLogs is client-go's (kubernetes/typed/core/v1/pod_expansion.go).
func (c pods) GetLogs(name string, opts *corev1.PodLogOptions) *rest.Request {
	return c.client.Get().Namespace(c.namespace).Name(name).Resource("pods").SubResource("log").VersionedParams(opts, parameterCodec)
}

type serviceAccounts struct {
	*typed[*corev1.ServiceAccount, *corev1.ServiceAccountList]
}

// CreateToken is client-go's (kubernetes/typed/core/v1/serviceaccount.go).
func (c serviceAccounts) CreateToken(ctx context.Context, name string, tr *authenticationv1.TokenRequest, opts metav1.CreateOptions) (*authenticationv1.TokenRequest, error) {
	result := &authenticationv1.TokenRequest{}
	err := c.client.Post().
		UseProtobufAsDefault().
		Namespace(c.namespace).
		Resource("serviceaccounts").
		Name(name).
		SubResource("token").
		VersionedParams(&opts, parameterCodec).
		Body(tr).
		Do(ctx).
		Into(result)
	return result, err
}
