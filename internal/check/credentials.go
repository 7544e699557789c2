package check

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// Credential sources (CONTRACT.md targets[].containers[].credentialSource).
const (
	SourceStaticEnv   = "static-env"
	SourceWebIdentity = "web-identity"
	SourceContainer   = "container"
	SourceProfile     = "profile"
	SourceIMDS        = "imds"
	SourceNone        = "none"
)

// Environment variables of the default chains besides the webhook's
// (aws-sdk-go-v2 config/env_config.go; botocore credentials.py;
// irsa-facts.md §7).
const (
	envAccessKeyAlt   = "AWS_ACCESS_KEY" // Go SDK v2 only
	envSecretKeyAlt   = "AWS_SECRET_KEY" // Go SDK v2 only
	envSessionToken   = "AWS_SESSION_TOKEN"
	envProfile        = "AWS_PROFILE"
	envConfigFile     = "AWS_CONFIG_FILE"
	envCredsFile      = "AWS_SHARED_CREDENTIALS_FILE"
	envContainerRel   = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
	envContainerToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
)

// ecsContainerHost is where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points
// (aws-sdk-go-v2 ecsContainerEndpoint; botocore ContainerMetadataFetcher).
const ecsContainerHost = "169.254.170.2"

// Credentials is CredentialsIn without the node facts: the IMDS verdict of
// a container that reaches IMDS is unknown.
func Credentials(t *Target) []finding.Container { return CredentialsIn(nil, t) }

// CredentialsIn predicts, for every container of the target, the
// credential source its SDK's default chain picks (CONTRACT.md
// targets[].containers), with IMDS reachability from the snapshot's nodes
// and instances. Templates are judged as the webhook will mutate them;
// pods as admitted. See credentialChains.
func CredentialsIn(s *snapshot.Snapshot, t *Target) []finding.Container {
	out := []finding.Container{}
	for _, c := range credentialChains(s, t) {
		out = append(out, finding.Container{Name: c.name, CredentialSource: c.source, Reason: c.reason})
	}
	return out
}

// containerChain is what the default credential chain of one container
// picks, and why.
type containerChain struct {
	name      string
	init      bool
	ephemeral bool
	// skipped: eks.amazonaws.com/skip-containers names the container, so
	// the webhook gave it nothing.
	skipped bool
	// source is the contract's credentialSource, for the chain the AWS
	// SDKs standardized on (aws-sdk-go-v2, the Java v2 and JavaScript v3
	// SDKs: env keys, web identity, profile, container credentials, IMDS);
	// reason says it in words, with botocore's difference where it has one.
	source, reason string
	// role is the web identity role ARN (its literal value, or a
	// description of its reference); fullURI the container credentials
	// endpoint.
	role, fullURI string
	// profile says what puts a shared profile in play ("" when nothing
	// the pod spec shows does).
	profile string
	// hasWebIdentity, hasContainer: the environment sets the token file,
	// or a container credentials URI, whatever the chain does with them.
	hasWebIdentity, hasContainer bool
	// because says why the chain went past web identity and container
	// credentials to IMDS ("" when it did not).
	because string
	// imds is the IMDS verdict when the chain reached IMDS.
	imds *imdsVerdict
	// stopped is the error the chain stops with before IMDS, for source
	// none; "" otherwise.
	stopped string
}

// credentialChains walks the default credential chains for every container of the
// target (irsa-facts.md §7.1 aws-sdk-go-v2 LoadDefaultConfig, §7.2
// botocore create_credential_resolver). Templates are judged as the
// webhook will mutate them: in Pod Identity mode when the cluster has an
// association for the ServiceAccount (§1.4, §6.3). IMDS reachability
// comes from the pod's node and its EC2 instance (imdsOf).
func credentialChains(s *snapshot.Snapshot, t *Target) []containerChain {
	// Several checks and the chain view walk the same target's chains:
	// once per target (a target is judged by one goroutine at a time).
	if t.chains == nil || t.chainsOf != s {
		t.chains, t.chainsOf = walkChains(s, t), s
	}
	return t.chains
}

func walkChains(s *snapshot.Snapshot, t *Target) []containerChain {
	if t.Spec == nil {
		return nil
	}
	spec := t.Spec
	switch {
	case t.IsTemplate() && t.PodIdentity:
		spec = webhook.Mutate(t.Namespace, t.Meta, t.Spec, t.SA, webhook.Config{PodIdentity: func(string, string) bool { return true }}).Spec
	case t.IsTemplate():
		spec = t.Mutated(false).Spec
	}
	if spec == nil {
		spec = t.Spec
	}
	var skip map[string]bool
	if t.Meta != nil {
		skip, _ = webhook.SkipContainers(t.Meta.Annotations)
	}
	var im *imdsVerdict // computed once, when a container needs it
	imds := func() *imdsVerdict {
		if im == nil {
			v := imdsOf(s, t)
			im = &v
		}
		return im
	}
	var out []containerChain
	add := func(cs []snapshot.Container, init, ephemeral bool) {
		for i := range cs {
			ch := walkChain(&cs[i], imds)
			ch.init, ch.ephemeral = init, ephemeral
			ch.skipped = skip[cs[i].Name] && !ephemeral
			if ch.skipped && ch.because != "" {
				ch.because = "it is named in " + webhook.AnnotationSkipContainers + ", so the webhook gave it no credentials"
				ch.reason = chainReason(ch)
			}
			out = append(out, ch)
		}
	}
	add(spec.InitContainers, true, false)
	add(spec.Containers, false, false)
	add(spec.EphemeralContainers, false, true)
	bothMechanisms(s, t, out)
	return out
}

// bothMechanisms says, in the reason of each container, which of the two
// mechanisms configured for its ServiceAccount (an IRSA role-arn and an
// EKS Pod Identity association) it uses and why (irsa-facts.md §6.3;
// IRSA401 judges whether that matters).
func bothMechanisms(s *snapshot.Snapshot, t *Target, chains []containerChain) {
	role, _ := RoleAnnotation(t.SA)
	role = strings.TrimSpace(role)
	if s == nil || role == "" {
		return
	}
	a := s.PodIdentityAssociationFor(t.Namespace, t.SAName)
	if a == nil {
		return
	}
	// IRSA401 passes when both name the same role: say so, instead of
	// pointing at a check that reports nothing.
	same := a.RoleARN != "" && sameRole(a.RoleARN, role)
	for i := range chains {
		ch := &chains[i]
		switch {
		case ch.ephemeral:
		case same && (ch.source == SourceContainer || ch.source == SourceWebIdentity):
			ch.reason += fmt.Sprintf("; the ServiceAccount's IRSA role and its EKS Pod Identity association name the same role (%s), so the permissions are the same either way", role)
		case ch.source == SourceContainer && !ch.hasWebIdentity:
			ch.reason += fmt.Sprintf("; the ServiceAccount's IRSA role %s is not used: for a ServiceAccount with an association the webhook injects Pod Identity instead (IRSA401)", role)
		case ch.source == SourceWebIdentity && ch.hasContainer:
			ch.reason += "; the ServiceAccount's EKS Pod Identity association is not used (IRSA401)"
		case ch.source == SourceWebIdentity && t.IsPod():
			ch.reason += "; the ServiceAccount has an EKS Pod Identity association, which the pod gets instead when re-created (IRSA401)"
		}
	}
}

// envVal is one variable of a container's environment.
type envVal struct {
	present bool
	value   string
	ref     *snapshot.EnvVarSource
}

// set reports a variable the SDK sees with a non-empty value: a non-empty
// literal, or a required reference (the kubelet refuses to start the
// container when a required Secret or key is missing). An empty value is
// unset to every SDK (Go v2 checks len, botocore `if access_key:`).
func (e envVal) set() bool {
	return e.present && (e.ref != nil && !e.optional() || e.ref == nil && e.value != "")
}

// maybe reports a variable from an optional reference: the kubelet leaves
// it unset when the Secret, ConfigMap or key is missing
// (kubelet_pods.go makeEnvironmentVariables), and the tool never reads
// Secrets.
func (e envVal) maybe() bool { return e.present && e.optional() }

func (e envVal) optional() bool {
	return e.ref != nil && (e.ref.SecretKeyRef.IsOptional() || e.ref.ConfigMapKeyRef.IsOptional())
}

// show is the value for a message: the literal, or where it comes from.
func (e envVal) show() string {
	if e.ref == nil {
		return e.value
	}
	return "(" + refString(e.ref) + ")"
}

// origin says where a value comes from without showing it (for keys).
func (e envVal) origin() string {
	if e.ref == nil {
		return "a literal value in the manifest"
	}
	return refString(e.ref)
}

// envOf returns the container's environment by name; a later entry of the
// same name wins, as the kubelet builds it.
func envOf(c *snapshot.Container) map[string]envVal {
	m := make(map[string]envVal, len(c.Env))
	for _, e := range c.Env {
		m[e.Name] = envVal{present: true, value: e.Value, ref: e.ValueFrom}
	}
	return m
}

// walkChain walks both default chains for one container.
func walkChain(c *snapshot.Container, imds func() *imdsVerdict) containerChain {
	env := envOf(c)
	ch := containerChain{name: c.Name}
	get := func(n string) envVal { return env[n] }
	first := func(names ...string) (string, envVal) {
		for _, n := range names {
			if v := env[n]; v.set() {
				return n, v
			}
		}
		return "", envVal{}
	}

	token, role := get(webhook.EnvTokenFile), get(webhook.EnvRoleARN)
	full, rel := get(webhook.EnvContainerFullURI), get(envContainerRel)
	ch.hasWebIdentity = token.set()
	ch.hasContainer = full.set() || rel.set()
	if role.set() {
		ch.role = role.show()
	}
	if full.set() {
		ch.fullURI = full.show()
	}
	profile := profileHint(c, env)
	ch.profile = profile

	// 1. Static keys. aws-sdk-go-v2 takes the first non-empty of
	// AWS_ACCESS_KEY_ID/AWS_ACCESS_KEY and of AWS_SECRET_ACCESS_KEY/
	// AWS_SECRET_KEY and uses them when both are set (EnvConfig
	// Credentials.HasKeys); botocore's EnvProvider reads the standard
	// names only and raises PartialCredentialsError when the access key
	// is set without the secret (credentials.py EnvProvider).
	idName, id := first(webhook.EnvAccessKeyID, envAccessKeyAlt)
	secName, sec := first(webhook.EnvSecretAccessKey, envSecretKeyAlt)
	goStatic := id.set() && sec.set()
	botoID, botoSecret := get(webhook.EnvAccessKeyID), get(webhook.EnvSecretAccessKey)
	var boto string // botocore's difference, if any
	switch {
	case botoID.set() && !botoSecret.set() && !botoSecret.maybe():
		boto = fmt.Sprintf("botocore (boto3, the AWS CLI) stops with PartialCredentialsError: %s is set without %s", webhook.EnvAccessKeyID, webhook.EnvSecretAccessKey)
	case goStatic && !(botoID.set() && botoSecret.set()):
		boto = fmt.Sprintf("botocore (boto3, the AWS CLI) ignores %s and %s and goes on", envAccessKeyAlt, envSecretKeyAlt)
	}
	maybeKeys := !goStatic && (get(webhook.EnvAccessKeyID).maybe() || get(envAccessKeyAlt).maybe()) &&
		(get(webhook.EnvSecretAccessKey).maybe() || get(envSecretKeyAlt).maybe() || sec.set())
	if goStatic {
		ch.source = SourceStaticEnv
		// Key values are never shown, only where they come from.
		what := fmt.Sprintf("static keys from the environment (%s from %s, %s from %s", idName, id.origin(), secName, sec.origin())
		if get(envSessionToken).set() {
			what += ", with " + envSessionToken
		}
		what += "): every SDK's default chain takes them first"
		switch {
		case ch.hasWebIdentity && ch.role != "":
			what += ", so they win over the IRSA role " + ch.role
		case ch.hasWebIdentity:
			what += ", before web identity (IRSA)"
		case ch.hasContainer:
			what += ", so they win over EKS Pod Identity"
		}
		ch.reason = withBoto(what, boto)
		return ch
	}

	// 2. Web identity from the environment: a non-empty
	// AWS_WEB_IDENTITY_TOKEN_FILE. Without a role ARN both chains stop
	// with an error instead of going on: Go v2 "role ARN is not set"
	// (assumeWebIdentity), botocore InvalidConfigError "... has no role
	// ARN configured" (AssumeRoleWithWebIdentityProvider), unless a
	// profile of the image supplies role_arn.
	if token.set() {
		if !role.set() {
			ch.source = SourceNone
			ch.stopped = fmt.Sprintf("%s is set but %s is not, and the chain stops there with an error (Go SDK v2: \"role ARN is not set\"; botocore: InvalidConfigError, no role ARN configured)",
				webhook.EnvTokenFile, webhook.EnvRoleARN)
			ch.reason = withBoto(maybeKeysNote(maybeKeys, "no credentials: "+ch.stopped), boto)
			return ch
		}
		ch.source = SourceWebIdentity
		what := fmt.Sprintf("IRSA role %s, through the token in %s (%s)", ch.role, token.show(), webhook.EnvTokenFile)
		if ch.hasContainer {
			what += "; every SDK's chain tries web identity before the container credentials it also has (" + containerVar(full, rel) + ")"
		}
		if profile != "" {
			boto = joinNotes(boto, "botocore (boto3, the AWS CLI) first tries a role_arn in the shared profile ("+profile+"), which cannot be seen from the pod spec")
		}
		ch.reason = withBoto(maybeKeysNote(maybeKeys, what), boto)
		return ch
	}

	// 3. A shared profile (Go v2 resolveCredsFromProfile; botocore's
	// profile providers). Its files are in the image or a mounted volume:
	// their content cannot be seen.
	next := func() string { return containerOrIMDS(&ch, env, imds) }
	if profile != "" {
		ch.source = SourceProfile
		rest := next() // fills ch for what comes after the profile
		ch.source = SourceProfile
		what := fmt.Sprintf("a shared profile (%s), from files the pod spec cannot show; if it holds no credentials, the SDK goes on to: %s", profile, rest)
		if p := get(envProfile); p.set() {
			what += fmt.Sprintf(" (the Go SDK v2 fails instead when profile %s does not exist)", p.show())
		}
		ch.reason = withBoto(maybeKeysNote(maybeKeys, what), boto)
		return ch
	}

	// 4-5. Container credentials, then IMDS.
	rest := next()
	if rel.set() && full.set() && full.show() != ecsContainerHost {
		boto = joinNotes(boto, fmt.Sprintf("botocore (boto3, the AWS CLI) uses %s (%s) instead, which it tries before %s", envContainerRel, rel.show(), webhook.EnvContainerFullURI))
	}
	if ch.source == SourceContainer && full.set() && !rel.set() && full.ref == nil && !botocoreAllowsHost(full.value) {
		boto = joinNotes(boto, "botocore (boto3, the AWS CLI) refuses that host (\"Unsupported host\"): it accepts only loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23, whatever the scheme")
	}
	ch.reason = withBoto(maybeKeysNote(maybeKeys, rest), boto)
	return ch
}

// containerOrIMDS continues the chain after the profile: container
// credentials (aws-sdk-go-v2 checks AWS_CONTAINER_CREDENTIALS_FULL_URI,
// then _RELATIVE_URI), then IMDS. It sets ch's source and returns the
// phrase.
func containerOrIMDS(ch *containerChain, env map[string]envVal, imds func() *imdsVerdict) string {
	full, rel := env[webhook.EnvContainerFullURI], env[envContainerRel]
	if full.set() {
		if full.ref == nil {
			if why := goRejectsURI(full.value); why != "" {
				ch.source = SourceNone
				ch.stopped = fmt.Sprintf("%s %q is refused (%s), and the chain stops there with an error", webhook.EnvContainerFullURI, full.value, why)
				return "no credentials: " + ch.stopped
			}
		}
		ch.source = SourceContainer
		return containerPhrase2(full.show())
	}
	if rel.set() {
		ch.source = SourceContainer
		return fmt.Sprintf("container credentials from http://%s%s (%s, the ECS-style endpoint)", ecsContainerHost, rel.show(), envContainerRel)
	}
	v := imds()
	ch.imds = v
	ch.because = becauseNoEnv(env)
	if v.state == imdsBlocked || v.state == imdsAbsent {
		ch.source = SourceNone
	} else {
		ch.source = SourceIMDS
	}
	return imdsPhrase(ch.because, v)
}

// chainReason rebuilds the reason of a container whose chain reached IMDS
// after its because changed.
func chainReason(ch containerChain) string {
	if ch.imds == nil || ch.source == SourceProfile {
		return ch.reason
	}
	return imdsPhrase(ch.because, ch.imds)
}

func imdsPhrase(because string, v *imdsVerdict) string {
	caveat := " (unless a shared profile in the image, which the pod spec cannot show, comes first)"
	switch v.state {
	case imdsBlocked, imdsAbsent:
		return "no credentials: " + because + ", and " + v.why + caveat
	case imdsReachable:
		return "the node role through IMDS, because " + because + "; " + v.why + caveat
	}
	return "the node role through IMDS, because " + because + "; whether IMDS answers is unknown: " + v.why + caveat
}

// becauseNoEnv says why the chain found nothing in the environment.
func becauseNoEnv(env map[string]envVal) string {
	token, role := env[webhook.EnvTokenFile], env[webhook.EnvRoleARN]
	switch {
	case token.maybe():
		return fmt.Sprintf("%s comes from an optional reference (%s) and the chain reaches IMDS when the kubelet leaves it unset", webhook.EnvTokenFile, refString(token.ref))
	case token.present:
		return fmt.Sprintf("%s is empty, so the SDK skips web identity", webhook.EnvTokenFile)
	case role.present:
		return fmt.Sprintf("%s is set without %s, so the SDK skips web identity", webhook.EnvRoleARN, webhook.EnvTokenFile)
	case env[webhook.EnvContainerFullURI].present:
		return fmt.Sprintf("%s is empty, so the SDK skips container credentials", webhook.EnvContainerFullURI)
	}
	return "no AWS credentials are set in its environment"
}

// containerPhrase2 describes the container credentials endpoint.
func containerPhrase2(uri string) string {
	host := uriHost(uri)
	switch host {
	case "169.254.170.23", "fd00:ec2::23":
		return "EKS Pod Identity: the associated role's credentials from the Pod Identity agent at " + uri
	case ecsContainerHost:
		return "container credentials from " + uri + " (the ECS-style endpoint)"
	}
	return "container credentials from " + uri
}

func uriHost(uri string) string {
	u, err := url.Parse(uri)
	if err != nil {
		return ""
	}
	return u.Hostname()
}

// goRejectsURI says why aws-sdk-go-v2 refuses a container credentials URI:
// an http URL must name a loopback host or one of the ECS and EKS
// link-local hosts (config/resolve_credentials.go; irsa-facts.md §7.1);
// https may name any host.
func goRejectsURI(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Hostname() == "" {
		return "not a URL with a host"
	}
	if u.Scheme == "https" {
		return ""
	}
	if allowedContainerHost(u.Hostname()) {
		return ""
	}
	return fmt.Sprintf("Go SDK v2: invalid endpoint host %q, only loopback/ecs/eks hosts are allowed", u.Hostname())
}

// botocoreAllowsHost: botocore validates the host of any URL, https
// included: a loopback address, localhost, 169.254.170.2, 169.254.170.23
// or fd00:ec2::23 (utils.py ContainerMetadataFetcher._ALLOWED_HOSTS).
func botocoreAllowsHost(raw string) bool {
	u, err := url.Parse(raw)
	return err == nil && allowedContainerHost(u.Hostname())
}

func allowedContainerHost(h string) bool {
	switch h {
	case "localhost", ecsContainerHost, "169.254.170.23", "fd00:ec2::23":
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// profileHint describes what puts a shared profile in play: AWS_PROFILE,
// AWS_CONFIG_FILE or AWS_SHARED_CREDENTIALS_FILE, or a volume mounted at
// a .aws folder. "" when nothing shows one (a profile baked into the image
// cannot be seen).
func profileHint(c *snapshot.Container, env map[string]envVal) string {
	var parts []string
	for _, n := range []string{envProfile, envConfigFile, envCredsFile} {
		if v := env[n]; v.set() {
			parts = append(parts, n+"="+v.show())
		}
	}
	for _, m := range c.VolumeMounts {
		p := strings.TrimSuffix(slashPath(m.MountPath), "/")
		if strings.HasSuffix(p, "/.aws") || strings.Contains(p+"/", "/.aws/") {
			parts = append(parts, fmt.Sprintf("volume %s mounted at %s", m.Name, m.MountPath))
		}
	}
	return strings.Join(parts, ", ")
}

func containerVar(full, rel envVal) string {
	if full.set() {
		return webhook.EnvContainerFullURI
	}
	return envContainerRel
}

func maybeKeysNote(maybe bool, what string) string {
	if !maybe {
		return what
	}
	return "static keys from optional references first, if the kubelet sets them (it leaves them unset when the Secret or key is missing); otherwise " + what
}

func withBoto(what, boto string) string {
	if boto == "" {
		return what
	}
	return what + "; " + boto
}

func joinNotes(a, b string) string {
	if a == "" {
		return b
	}
	return a + "; " + b
}

// IMDS states.
const (
	imdsUnknown   = iota
	imdsReachable // the node's role is one call away
	imdsBlocked   // IMDS exists but does not answer the pod
	imdsAbsent    // the node has no IMDS (Fargate, hybrid nodes)
)

// imdsVerdict says whether a pod reaches its node's instance metadata
// service, and so the node's IAM role.
type imdsVerdict struct {
	state int
	// disabled: blocked because the instance's HttpEndpoint is disabled
	// (no IMDS at all), not by the IMDSv2 hop limit.
	disabled bool
	// why is a phrase: "IMDS answers pods on node N (...)", "IMDS is
	// blocked: ...", or, for unknown, what is missing.
	why string
	// node, instance: the facts used (nil when not in the input).
	node     *snapshot.Node
	instance *snapshot.EC2Instance
}

// imdsOf decides whether the target's pods reach IMDS. The IMDSv2 hop
// limit (HttpPutResponseHopLimit) is the IP TTL of the token response:
// with 1, the response dies on the hop from the host into the pod's
// network namespace, so a pod without hostNetwork gets no IMDSv2 token;
// it still gets IMDSv1 answers unless IMDSv2 is required (HttpTokens
// required). So IMDS is blocked for a pod exactly when IMDS is disabled,
// or IMDSv2 is required with hop limit 1 and the pod does not use the host
// network (EKS best practices, "Restrict access to the instance profile
// assigned to the worker node"; EC2 User Guide, "Instance metadata access
// considerations"). Fargate nodes have no IMDS; EKS Hybrid Nodes are not
// EC2 instances (irsa-facts.md §6.1). Network policies that block
// 169.254.169.254 cannot be seen.
func imdsOf(s *snapshot.Snapshot, t *Target) imdsVerdict {
	if !t.IsPod() {
		return imdsVerdict{why: "it depends on the node each pod of the " + strings.ToLower(t.Kind) + " runs on"}
	}
	if s == nil {
		return imdsVerdict{why: "the node facts were not consulted"}
	}
	if t.Spec.NodeName == "" {
		return imdsVerdict{why: "the pod is not scheduled on a node"}
	}
	n := s.Node(t.Spec.NodeName)
	if n == nil {
		why := fmt.Sprintf("node %s is not in the input (capture: kubectl get nodes -o json)", t.Spec.NodeName)
		if g, ok := s.GapFor("list nodes", ""); ok {
			why = fmt.Sprintf("node %s is not in the input: list nodes was refused (%s)", t.Spec.NodeName, g.Reason)
		}
		return imdsVerdict{why: why}
	}
	v := imdsVerdict{node: n}
	switch n.ComputeType() {
	case snapshot.ComputeFargate:
		v.state, v.why = imdsAbsent, fmt.Sprintf("node %s is an AWS Fargate node, which has no IMDS", n.Name)
		return v
	case snapshot.ComputeHybrid:
		v.state, v.why = imdsAbsent, fmt.Sprintf("node %s is an EKS hybrid node, not an EC2 instance: it has no IMDS", n.Name)
		return v
	}
	id := n.InstanceID()
	if id == "" {
		v.why = fmt.Sprintf("node %s has no EC2 instance ID in its providerID %q", n.Name, n.Spec.ProviderID)
		return v
	}
	inst := s.Instance(id)
	if inst == nil {
		v.why = fmt.Sprintf("instance %s of node %s is not in the input (capture: aws ec2 describe-instances --instance-ids %s --output json)", id, n.Name, id)
		if g, ok := s.GapFor("ec2:DescribeInstances", id); ok {
			v.why = fmt.Sprintf("ec2:DescribeInstances of instance %s (node %s) was not answered (%s)", id, n.Name, g.Reason)
		}
		return v
	}
	v.instance = inst
	m := inst.Metadata
	where := fmt.Sprintf("instance %s of node %s", id, n.Name)
	switch {
	case m.HTTPEndpoint == "disabled":
		v.state, v.disabled, v.why = imdsBlocked, true, fmt.Sprintf("IMDS is disabled on %s (HttpEndpoint disabled)", where)
		return v
	case t.Spec.HostNetwork:
		v.state, v.why = imdsReachable, fmt.Sprintf("IMDS answers the pod, which uses the host network of %s (the hop limit does not apply)", where)
	case m.HTTPTokens == "required" && m.HopLimit != nil && *m.HopLimit <= 1:
		v.state, v.why = imdsBlocked, fmt.Sprintf("IMDS is blocked: %s requires IMDSv2 (HttpTokens required) with HttpPutResponseHopLimit %d, so the token response never reaches the pod's network namespace", where, *m.HopLimit)
		return v
	case m.HTTPTokens == "optional":
		v.state, v.why = imdsReachable, fmt.Sprintf("IMDS answers pods on %s (HttpTokens optional: IMDSv1 works whatever the hop limit)", where)
	case m.HTTPTokens == "required" && m.HopLimit != nil:
		v.state, v.why = imdsReachable, fmt.Sprintf("IMDS answers pods on %s (IMDSv2 required, with HttpPutResponseHopLimit %d, enough to reach the pod)", where, *m.HopLimit)
	default:
		v.why = fmt.Sprintf("the describe-instances output of %s does not give HttpTokens and HttpPutResponseHopLimit", where)
		return v
	}
	if inst.InstanceProfileARN != "" {
		v.why += "; the node role is that of instance profile " + inst.InstanceProfileARN
	}
	return v
}
