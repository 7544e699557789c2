package probe

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	smithy "github.com/aws/smithy-go"
	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"

	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/kubeclient"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

const (
	// SessionName is the RoleSessionName of the probe's
	// AssumeRoleWithWebIdentity, so that CloudTrail shows whose call it
	// was.
	SessionName = "irsa-doctor-probe"
	// TokenSeconds is the lifetime of the probe's token: the shortest the
	// TokenRequest API accepts (10 minutes).
	TokenSeconds = 600
	// SessionSeconds is the DurationSeconds asked of STS: its minimum (15
	// minutes; docs/reference/trust-policy.md#session-duration-and-role-chaining), below every role's MaxSessionDuration.
	SessionSeconds = 900
	// PerCallTimeout bounds each call.
	PerCallTimeout = 30 * time.Second
	// RBACFile grants what the probe needs (ClusterRole irsa-doctor-probe).
	RBACFile = "deploy/rbac.yaml"
	// parallel bounds the calls in flight (client-go's default rate limit
	// is 5 QPS with a burst of 10).
	parallel = 4
)

// Target is a ServiceAccount to probe: the role its
// eks.amazonaws.com/role-arn names and the audience of the pods' token
// ("" for the API server's own audiences).
type Target struct {
	Namespace, ServiceAccount string
	RoleARN                   string
	Audience                  string
}

// Workload is a workload whose pod template is dry-run created.
type Workload struct {
	Kind, Namespace, Name string
	// Template is the pod template (spec.template, or a CronJob's
	// spec.jobTemplate.spec.template) as JSON.
	Template json.RawMessage
}

// Result has the shape of every collector's result, so the CLI merges
// them alike. Listed is always empty: nothing here is a List.
type Result struct {
	Captures []bundle.Capture
	Listed   []bundle.ManifestEntry
	Gaps     []snapshot.Gap
}

// Collect probes each distinct ServiceAccount of targets and dry-runs each
// workload's template, with at most a few calls in flight. It never fails:
// every call that gets no answer is a gap. When ctx ends, the calls cut
// short record nothing; the caller reports ctx.Err().
func Collect(ctx context.Context, cs kubeclient.Interface, stsCfg aws.Config, targets []Target, workloads []Workload) Result {
	c := &collector{cs: cs}
	// The caller's AWS credentials are never sent: STS authenticates
	// AssumeRoleWithWebIdentity by the token alone, as it does for the SDK
	// in a pod (docs/reference/credential-chain.md#aws-sdk-go-v2).
	c.sts = sts.NewFromConfig(stsCfg, func(o *sts.Options) { o.Credentials = aws.AnonymousCredentials{} })

	sem := make(chan struct{}, parallel)
	var wg sync.WaitGroup
	seen := map[string]bool{}
	for _, t := range targets {
		if k := t.Namespace + "/" + t.ServiceAccount; seen[k] {
			continue
		} else {
			seen[k] = true
		}
		wg.Go(func() {
			select {
			case sem <- struct{}{}:
			case <-ctx.Done():
				return
			}
			defer func() { <-sem }()
			c.assume(ctx, t)
		})
	}
	// The workloads of one namespace are dry-run one after the other, so
	// that a refusal by RBAC (which is per namespace) is met once.
	byNS := map[string][]Workload{}
	var namespaces []string
	for _, w := range workloads {
		if byNS[w.Namespace] == nil {
			namespaces = append(namespaces, w.Namespace)
		}
		byNS[w.Namespace] = append(byNS[w.Namespace], w)
	}
	for _, ns := range namespaces {
		wg.Go(func() {
			for _, w := range byNS[ns] {
				select {
				case sem <- struct{}{}:
				case <-ctx.Done():
					return
				}
				denied := c.dryRun(ctx, w)
				<-sem
				if denied {
					return
				}
			}
		})
	}
	wg.Wait()
	c.paths()
	sort.Slice(c.res.Captures, func(i, j int) bool { return c.res.Captures[i].Path < c.res.Captures[j].Path })
	sort.Slice(c.res.Gaps, func(i, j int) bool {
		a, b := c.res.Gaps[i], c.res.Gaps[j]
		if a.Operation != b.Operation {
			return a.Operation < b.Operation
		}
		return a.Resource < b.Resource
	})
	return c.res
}

type collector struct {
	cs  kubeclient.Interface
	sts *sts.Client

	mu      sync.Mutex
	res     Result
	pending []pending
}

func (c *collector) gap(g snapshot.Gap) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.res.Gaps = append(c.res.Gaps, g)
}

// pending is a capture whose path is given once every call is done.
type pending struct {
	base, key string
	data      []byte
	src       snapshot.Source
}

// capture adds a capture to be written under base.json; key orders
// captures whose names join to the same base ("a-b"+"c" and "a"+"b-c").
func (c *collector) capture(base, key string, data []byte, src snapshot.Source) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.pending = append(c.pending, pending{base: base, key: key, data: data, src: src})
}

// paths gives each capture its path: base.json, then base-2.json, ... for
// the next captures of the same base in key order, so that a dump holds
// every capture under the same name on every run.
func (c *collector) paths() {
	sort.Slice(c.pending, func(i, j int) bool {
		a, b := c.pending[i], c.pending[j]
		if a.base != b.base {
			return a.base < b.base
		}
		return a.key < b.key
	})
	used := map[string]bool{}
	for _, p := range c.pending {
		path := p.base + ".json"
		for i := 2; used[path]; i++ {
			path = fmt.Sprintf("%s-%d.json", p.base, i)
		}
		used[path] = true
		c.res.Captures = append(c.res.Captures, bundle.Capture{Path: path, Data: p.data, Source: p.src})
	}
}

// assume requests a token for the ServiceAccount and exchanges it at STS.
func (c *collector) assume(ctx context.Context, t Target) {
	token, g := c.token(ctx, t)
	if g != nil {
		if ctx.Err() == nil {
			c.gap(*g)
		}
		return
	}
	pr := snapshot.ProbeResult{Namespace: t.Namespace, ServiceAccount: t.ServiceAccount, RoleARN: t.RoleARN, Audience: t.Audience}
	pr.Issuer, pr.Subject = claims(token)

	callCtx, cancel := context.WithTimeout(ctx, PerCallTimeout)
	out, err := c.sts.AssumeRoleWithWebIdentity(callCtx, &sts.AssumeRoleWithWebIdentityInput{
		RoleArn:          aws.String(t.RoleARN),
		RoleSessionName:  aws.String(SessionName),
		WebIdentityToken: aws.String(token),
		DurationSeconds:  aws.Int32(SessionSeconds),
	})
	cancel()
	token = ""
	if out != nil {
		// Discard the credentials at once: only the verdict is kept.
		out.Credentials = nil
	}
	if ctx.Err() != nil {
		return
	}
	gap := snapshot.Gap{Source: "aws", Operation: snapshot.GapAssumeRole, Resource: t.RoleARN}
	var ae smithy.APIError
	switch {
	case err == nil:
		pr.OK, pr.HTTPStatus = true, 200
		if out.AssumedRoleUser != nil {
			pr.AssumedRoleARN = aws.ToString(out.AssumedRoleUser.Arn)
		}
	case errors.As(err, &ae):
		status := httpStatus(err)
		code := ae.ErrorCode()
		if isThrottle(code) || status >= 500 {
			// No verdict about the token: STS did not judge it.
			why := "run the probe again later"
			var me *retry.MaxAttemptsError
			if errors.As(err, &me) {
				why = fmt.Sprintf("still failing after %d attempts; run the probe again later", me.Attempt)
			}
			gap.Reason = fmt.Sprintf("%s: %s (probe of serviceaccount %s/%s; %s)", code, ae.ErrorMessage(), t.Namespace, t.ServiceAccount, why)
			c.gap(gap)
			return
		}
		pr.ErrorCode, pr.ErrorMessage, pr.HTTPStatus = code, ae.ErrorMessage(), status
	default:
		gap.Reason = fmt.Sprintf("request failed: %v (probe of serviceaccount %s/%s)", err, t.Namespace, t.ServiceAccount)
		c.gap(gap)
		return
	}
	data, err := bundle.EncodeProbeResult(pr)
	if err != nil {
		gap.Reason = err.Error()
		c.gap(gap)
		return
	}
	c.capture("probe/assume-"+t.Namespace+"-"+t.ServiceAccount, t.Namespace+"/"+t.ServiceAccount, data,
		snapshot.Source{Kind: "aws", Ref: fmt.Sprintf("sts:AssumeRoleWithWebIdentity %s as serviceaccount %s/%s", roleName(t.RoleARN), t.Namespace, t.ServiceAccount)})
}

// token requests a token of the ServiceAccount (POST
// .../serviceaccounts/NAME/token, what `kubectl create token` does).
func (c *collector) token(ctx context.Context, t Target) (string, *snapshot.Gap) {
	exp := int64(TokenSeconds)
	req := &authenticationv1.TokenRequest{Spec: authenticationv1.TokenRequestSpec{ExpirationSeconds: &exp}}
	if t.Audience != "" {
		req.Spec.Audiences = []string{t.Audience}
	}
	callCtx, cancel := context.WithTimeout(ctx, PerCallTimeout)
	defer cancel()
	res, err := c.cs.ServiceAccounts(t.Namespace).CreateToken(callCtx, t.ServiceAccount, req, metav1.CreateOptions{})
	g := &snapshot.Gap{Source: "kube", Operation: snapshot.GapTokenRequest, Resource: snapshot.ProbeSAResource(t.Namespace, t.ServiceAccount)}
	switch {
	case err == nil && res.Status.Token != "":
		return res.Status.Token, nil
	case err == nil:
		g.Reason = "the API server returned no token"
	case apierrors.IsForbidden(err):
		g.Reason = fmt.Sprintf("Forbidden: %v (grant it with %s's ClusterRole irsa-doctor-probe)", err, RBACFile)
	case apierrors.IsNotFound(err):
		g.Reason = fmt.Sprintf("NotFound: %v (the ServiceAccount was deleted after it was listed)", err)
	case errors.Is(err, context.DeadlineExceeded):
		g.Reason = fmt.Sprintf("no answer within %s: %v", PerCallTimeout, err)
	default:
		g.Reason = fmt.Sprintf("request failed: %v", err)
	}
	return "", g
}

// dryRun creates a pod from the workload's template with dryRun=All and
// captures what the API server returned. It reports a refusal by RBAC,
// after which the namespace's other workloads are not tried.
func (c *collector) dryRun(ctx context.Context, w Workload) (denied bool) {
	nsGap := snapshot.Gap{Source: "kube", Operation: snapshot.GapDryRun, Resource: snapshot.ProbeNamespaceResource(w.Namespace)}
	var tmpl corev1.PodTemplateSpec
	if err := json.Unmarshal(w.Template, &tmpl); err != nil {
		c.gap(snapshot.Gap{Source: "kube", Operation: snapshot.GapDryRun, Resource: fmt.Sprintf("%s %s/%s", w.Kind, w.Namespace, w.Name),
			Reason: fmt.Sprintf("the pod template does not decode: %v", err)})
		return false
	}
	// The pod a controller would create: the template's labels and
	// annotations (the skip label and skip-containers act on them), its
	// spec, a generated name; no owner, since nothing is stored.
	pod := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{GenerateName: w.Name + "-", Namespace: w.Namespace, Labels: tmpl.Labels, Annotations: tmpl.Annotations},
		Spec:       tmpl.Spec,
	}
	callCtx, cancel := context.WithTimeout(ctx, PerCallTimeout)
	got, err := c.cs.Pods(w.Namespace).Create(callCtx, pod, metav1.CreateOptions{DryRun: []string{metav1.DryRunAll}})
	cancel()
	if ctx.Err() != nil {
		return true
	}
	target := bundle.DryRunTarget{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name}
	src := snapshot.Source{Kind: "kube", Ref: fmt.Sprintf("create pod --dry-run=server -n %s (template of %s %s)", w.Namespace, w.Kind, w.Name)}
	base := "probe/dry-run-" + strings.ToLower(w.Kind) + "-" + w.Namespace + "-" + w.Name
	var status apierrors.APIStatus
	switch {
	case err == nil:
		m, err := kubectlPod(got)
		if err != nil {
			nsGap.Reason = err.Error()
			c.gap(nsGap)
			return false
		}
		data, err := bundle.EncodeDryRun(target, m, "")
		if err != nil {
			nsGap.Reason = err.Error()
			c.gap(nsGap)
			return false
		}
		c.capture(base, w.Kind+"/"+w.Namespace+"/"+w.Name, data, src)
		return false
	case apierrors.IsForbidden(err) && strings.Contains(err.Error(), "cannot create resource"):
		// RBAC refused the create; admission plugins answer Forbidden too
		// (PodSecurity, ResourceQuota), but never with this wording.
		nsGap.Reason = fmt.Sprintf("Forbidden: %v (grant it with %s's ClusterRole irsa-doctor-probe)", err, RBACFile)
		c.gap(nsGap)
		return true
	case errors.As(err, &status):
		// The API server answered: admission (a webhook, a plugin) or
		// validation refused the pod. That is a fact about admission.
		data, eerr := bundle.EncodeDryRun(target, nil, err.Error())
		if eerr != nil {
			nsGap.Reason = eerr.Error()
			c.gap(nsGap)
			return false
		}
		c.capture(base, w.Kind+"/"+w.Namespace+"/"+w.Name, data, src)
		return false
	case errors.Is(err, context.DeadlineExceeded):
		nsGap.Reason = fmt.Sprintf("no answer within %s: %v", PerCallTimeout, err)
	default:
		nsGap.Reason = fmt.Sprintf("request failed: %v", err)
	}
	c.gap(nsGap)
	return true
}

// kubectlPod is the pod as `kubectl get pod -o json` prints it: apiVersion
// and kind set (typed clients leave them empty), no managedFields, and
// redacted as every capture is (bundle.Redact): the template came from a
// redacted capture, but what the webhooks added comes back in clear.
func kubectlPod(p *corev1.Pod) (map[string]any, error) {
	m, err := runtime.DefaultUnstructuredConverter.ToUnstructured(p)
	if err != nil {
		return nil, fmt.Errorf("convert the dry-run pod: %w", err)
	}
	m["apiVersion"], m["kind"] = "v1", "Pod"
	if md, ok := m["metadata"].(map[string]any); ok {
		delete(md, "managedFields")
	}
	bundle.Redact(m)
	return m, nil
}

// claims returns the iss and sub claims of a JWT, unverified (the token's
// payload is the middle of its three base64url segments, RFC 7519), or ""
// for a value that is not a JWT. The token itself is not kept.
func claims(token string) (iss, sub string) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return "", ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return "", ""
	}
	var c struct {
		Iss string `json:"iss"`
		Sub string `json:"sub"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return "", ""
	}
	return c.Iss, c.Sub
}

// httpStatus is the HTTP status of an SDK error, 0 when none was received.
func httpStatus(err error) int {
	var re *awshttp.ResponseError
	if errors.As(err, &re) {
		return re.HTTPStatusCode()
	}
	return 0
}

func isThrottle(code string) bool {
	_, ok := retry.DefaultThrottleErrorCodes[code]
	return ok
}

// roleName is the last segment of a role ARN's resource, for capture
// sources; the ARN itself when it has none.
func roleName(roleARN string) string {
	if i := strings.LastIndexByte(roleARN, '/'); i >= 0 && i < len(roleARN)-1 {
		return roleARN[i+1:]
	}
	return roleARN
}
