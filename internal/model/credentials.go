package model

import (
	"fmt"
	"net"
	"net/url"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// Credential sources (docs/contract.md#the-json-document).
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
// docs/reference/credential-chain.md).
const (
	envAccessKeyAlt   = "AWS_ACCESS_KEY" // Go SDK v2 only
	envSecretKeyAlt   = "AWS_SECRET_KEY" // Go SDK v2 only
	envSessionToken   = "AWS_SESSION_TOKEN"
	envProfile        = "AWS_PROFILE"
	envConfigFile     = "AWS_CONFIG_FILE"
	envCredsFile      = "AWS_SHARED_CREDENTIALS_FILE"
	EnvContainerRel   = "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI"
	envContainerToken = "AWS_CONTAINER_AUTHORIZATION_TOKEN"
)

// ecsContainerHost is where AWS_CONTAINER_CREDENTIALS_RELATIVE_URI points
// (aws-sdk-go-v2 ecsContainerEndpoint; botocore ContainerMetadataFetcher).
const ecsContainerHost = "169.254.170.2"

// Credentials is CredentialsIn without the node facts: the IMDS verdict of
// a container that reaches IMDS is unknown.
func Credentials(t *Target) []finding.Container { return CredentialsIn(nil, t) }

// CredentialsIn predicts, for every container of the target, the
// credential source its SDK's default chain picks (docs/contract.md
// targets[].containers), with IMDS reachability from the snapshot's nodes
// and instances. Templates are judged as the webhook will mutate them;
// pods as admitted. See credentialChains.
func CredentialsIn(s *snapshot.Snapshot, t *Target) []finding.Container {
	chains := CredentialChains(s, t)
	out := make([]finding.Container, 0, len(chains)) // [] in JSON when empty, not null
	for _, c := range chains {
		out = append(out, finding.Container{Name: c.Name, CredentialSource: c.Source, Reason: c.reason})
	}
	return out
}

// ContainerChain is what the default credential chain of one container
// picks, and why.
type ContainerChain struct {
	Name      string
	Init      bool
	Ephemeral bool
	// skipped: eks.amazonaws.com/skip-containers names the container, so
	// the webhook gave it nothing.
	Skipped bool
	// source is the contract's credentialSource, for the chain the AWS
	// SDKs standardized on (aws-sdk-go-v2, the Java v2 and JavaScript v3
	// SDKs: env keys, web identity, profile, container credentials, IMDS);
	// reason says it in words, with botocore's difference where it has one.
	Source, reason string
	// role is the web identity role ARN (its literal value, or a
	// description of its reference); fullURI the container credentials
	// endpoint.
	Role, fullURI string
	// profile says what puts a shared profile in play ("" when nothing
	// the pod spec shows does).
	Profile string
	// hasWebIdentity, hasContainer: the environment sets the token file,
	// or a container credentials URI, whatever the chain does with them.
	HasWebIdentity, HasContainer bool
	// because says why the chain went past web identity and container
	// credentials to IMDS ("" when it did not).
	Because string
	// imds is the IMDS verdict when the chain reached IMDS.
	Imds *ImdsVerdict
	// stopped is the error the chain stops with before IMDS, for source
	// none; "" otherwise.
	Stopped string
}

// CredentialChains walks the default credential chains for every container of the
// target (docs/reference/credential-chain.md#aws-sdk-go-v2 aws-sdk-go-v2 LoadDefaultConfig, §7.2
// botocore create_credential_resolver). Templates are judged as the
// webhook will mutate them: in Pod Identity mode when the cluster has an
// association for the ServiceAccount (§1.4, §6.3). IMDS reachability
// comes from the pod's node and its EC2 instance (imdsOf).
func CredentialChains(s *snapshot.Snapshot, t *Target) []ContainerChain {
	// Several checks and the chain view walk the same target's chains:
	// once per target (a target is judged by one goroutine at a time).
	return OnceFor(t, chainsKey{s}, func() []ContainerChain { return walkChains(s, t) })
}

// chainsKey: the chains of a target in one snapshot.
type chainsKey struct{ s *snapshot.Snapshot }

func walkChains(s *snapshot.Snapshot, t *Target) []ContainerChain {
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
	if t.Meta != nil && hasKey(t.Meta.Annotations, webhook.AnnotationSkipContainers) {
		skip, _ = webhook.SkipContainers(t.Meta.Annotations)
	}
	var im *ImdsVerdict // computed once, when a container needs it
	imds := func() *ImdsVerdict {
		if im == nil {
			v := imdsOf(s, t)
			im = &v
		}
		return im
	}
	var out []ContainerChain
	if n := len(spec.InitContainers) + len(spec.Containers) + len(spec.EphemeralContainers); n > 0 {
		out = make([]ContainerChain, 0, n)
	}
	add := func(cs []snapshot.Container, init, ephemeral bool) {
		for i := range cs {
			ch := walkChain(&cs[i], imds)
			ch.Init, ch.Ephemeral = init, ephemeral
			ch.Skipped = skip[cs[i].Name] && !ephemeral
			if ch.Skipped && ch.Because != "" {
				ch.Because = "it is named in " + webhook.AnnotationSkipContainers + ", so the webhook gave it no credentials"
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
// EKS Pod Identity association) it uses and why (docs/reference/pod-identity.md#pod-identity-and-irsa-together;
// IRSA401 judges whether that matters).
func bothMechanisms(s *snapshot.Snapshot, t *Target, chains []ContainerChain) {
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
	same := a.RoleARN != "" && SameRole(a.RoleARN, role)
	for i := range chains {
		ch := &chains[i]
		switch {
		case ch.Ephemeral:
		case same && (ch.Source == SourceContainer || ch.Source == SourceWebIdentity):
			ch.reason += fmt.Sprintf("; the ServiceAccount's IRSA role and its EKS Pod Identity association name the same role (%s), so the permissions are the same either way", role)
		case ch.Source == SourceContainer && !ch.HasWebIdentity:
			ch.reason += fmt.Sprintf("; the ServiceAccount's IRSA role %s is not used: for a ServiceAccount with an association the webhook injects Pod Identity instead (IRSA401)", role)
		case ch.Source == SourceWebIdentity && ch.HasContainer:
			ch.reason += "; the ServiceAccount's EKS Pod Identity association is not used (IRSA401)"
		case ch.Source == SourceWebIdentity && t.IsPod():
			ch.reason += "; the ServiceAccount has an EKS Pod Identity association, which the pod gets instead when re-created (IRSA401)"
		}
	}
}

// envVal is one variable of a container's environment.
type envVal struct {
	present bool
	Value   string
	Ref     *snapshot.EnvVarSource
}

// set reports a variable the SDK sees with a non-empty value: a non-empty
// literal, or a required reference (the kubelet refuses to start the
// container when a required Secret or key is missing). An empty value is
// unset to every SDK (Go v2 checks len, botocore `if access_key:`).
func (e envVal) set() bool {
	return e.present && (e.Ref != nil && !e.optional() || e.Ref == nil && e.Value != "")
}

// maybe reports a variable from an optional reference: the kubelet leaves
// it unset when the Secret, ConfigMap or key is missing
// (kubelet_pods.go makeEnvironmentVariables), and the tool never reads
// Secrets.
func (e envVal) maybe() bool { return e.present && e.optional() }

func (e envVal) optional() bool {
	return e.Ref != nil && (e.Ref.SecretKeyRef.IsOptional() || e.Ref.ConfigMapKeyRef.IsOptional())
}

// Show is the value for a message: the literal, or where it comes from.
func (e envVal) Show() string {
	if e.Ref == nil {
		return e.Value
	}
	return "(" + RefString(e.Ref) + ")"
}

// origin says where a value comes from without showing it (for keys).
func (e envVal) origin() string {
	if e.Ref == nil {
		return "a literal value in the manifest"
	}
	return RefString(e.Ref)
}

// EnvOf returns the container's environment by name; a later entry of the
// same name wins, as the kubelet builds it.
func EnvOf(c *snapshot.Container) map[string]envVal {
	m := make(map[string]envVal, len(c.Env))
	for _, e := range c.Env {
		m[e.Name] = envVal{present: true, Value: e.Value, Ref: e.ValueFrom}
	}
	return m
}

// walkChain walks both default chains for one container.
func walkChain(c *snapshot.Container, imds func() *ImdsVerdict) ContainerChain {
	env := EnvOf(c)
	ch := ContainerChain{Name: c.Name}
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
	full, rel := get(webhook.EnvContainerFullURI), get(EnvContainerRel)
	ch.HasWebIdentity = token.set()
	ch.HasContainer = full.set() || rel.set()
	if role.set() {
		ch.Role = role.Show()
	}
	if full.set() {
		ch.fullURI = full.Show()
	}
	profile := profileHint(c, env)
	ch.Profile = profile

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
		ch.Source = SourceStaticEnv
		// Key values are never shown, only where they come from.
		what := fmt.Sprintf("static keys from the environment (%s from %s, %s from %s", idName, id.origin(), secName, sec.origin())
		if get(envSessionToken).set() {
			what += ", with " + envSessionToken
		}
		what += "): every SDK's default chain takes them first"
		switch {
		case ch.HasWebIdentity && ch.Role != "":
			what += ", so they win over the IRSA role " + ch.Role
		case ch.HasWebIdentity:
			what += ", before web identity (IRSA)"
		case ch.HasContainer:
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
			ch.Source = SourceNone
			ch.Stopped = fmt.Sprintf("%s is set but %s is not, and the chain stops there with an error (Go SDK v2: \"role ARN is not set\"; botocore: InvalidConfigError, no role ARN configured)",
				webhook.EnvTokenFile, webhook.EnvRoleARN)
			ch.reason = withBoto(maybeKeysNote(maybeKeys, "no credentials: "+ch.Stopped), boto)
			return ch
		}
		ch.Source = SourceWebIdentity
		// Concatenation, not fmt: every IRSA container of every target.
		what := "IRSA role " + ch.Role + ", through the token in " + token.Show() + " (" + webhook.EnvTokenFile + ")"
		if ch.HasContainer {
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
		ch.Source = SourceProfile
		rest := next() // fills ch for what comes after the profile
		ch.Source = SourceProfile
		what := fmt.Sprintf("a shared profile (%s), from files the pod spec cannot show; if it holds no credentials, the SDK goes on to: %s", profile, rest)
		if p := get(envProfile); p.set() {
			what += fmt.Sprintf(" (the Go SDK v2 fails instead when profile %s does not exist)", p.Show())
		}
		ch.reason = withBoto(maybeKeysNote(maybeKeys, what), boto)
		return ch
	}

	// 4-5. Container credentials, then IMDS.
	rest := next()
	if rel.set() && full.set() && full.Show() != ecsContainerHost {
		boto = joinNotes(boto, fmt.Sprintf("botocore (boto3, the AWS CLI) uses %s (%s) instead, which it tries before %s", EnvContainerRel, rel.Show(), webhook.EnvContainerFullURI))
	}
	if ch.Source == SourceContainer && full.set() && !rel.set() && full.Ref == nil && !botocoreAllowsHost(full.Value) {
		boto = joinNotes(boto, "botocore (boto3, the AWS CLI) refuses that host (\"Unsupported host\"): it accepts only loopback, 169.254.170.2, 169.254.170.23 and fd00:ec2::23, whatever the scheme")
	}
	ch.reason = withBoto(maybeKeysNote(maybeKeys, rest), boto)
	return ch
}

// containerOrIMDS continues the chain after the profile: container
// credentials (aws-sdk-go-v2 checks AWS_CONTAINER_CREDENTIALS_FULL_URI,
// then _RELATIVE_URI), then IMDS. It sets ch's source and returns the
// phrase.
func containerOrIMDS(ch *ContainerChain, env map[string]envVal, imds func() *ImdsVerdict) string {
	full, rel := env[webhook.EnvContainerFullURI], env[EnvContainerRel]
	if full.set() {
		if full.Ref == nil {
			if why := goRejectsURI(full.Value); why != "" {
				ch.Source = SourceNone
				ch.Stopped = fmt.Sprintf("%s %q is refused (%s), and the chain stops there with an error", webhook.EnvContainerFullURI, full.Value, why)
				return "no credentials: " + ch.Stopped
			}
		}
		ch.Source = SourceContainer
		return containerPhrase2(full.Show())
	}
	if rel.set() {
		ch.Source = SourceContainer
		return fmt.Sprintf("container credentials from http://%s%s (%s, the ECS-style endpoint)", ecsContainerHost, rel.Show(), EnvContainerRel)
	}
	v := imds()
	ch.Imds = v
	ch.Because = becauseNoEnv(env)
	if v.State == ImdsBlocked || v.State == ImdsAbsent {
		ch.Source = SourceNone
	} else {
		ch.Source = SourceIMDS
	}
	return imdsPhrase(ch.Because, v)
}

// chainReason rebuilds the reason of a container whose chain reached IMDS
// after its because changed.
func chainReason(ch ContainerChain) string {
	if ch.Imds == nil || ch.Source == SourceProfile {
		return ch.reason
	}
	return imdsPhrase(ch.Because, ch.Imds)
}

func imdsPhrase(because string, v *ImdsVerdict) string {
	caveat := " (unless a shared profile in the image, which the pod spec cannot show, comes first)"
	switch v.State {
	case ImdsBlocked, ImdsAbsent:
		return "no credentials: " + because + ", and " + v.Why + caveat
	case ImdsReachable:
		return "the node role through IMDS, because " + because + "; " + v.Why + caveat
	}
	return "the node role through IMDS, because " + because + "; whether IMDS answers is unknown: " + v.Why + caveat
}

// becauseNoEnv says why the chain found nothing in the environment.
func becauseNoEnv(env map[string]envVal) string {
	token, role := env[webhook.EnvTokenFile], env[webhook.EnvRoleARN]
	switch {
	case token.maybe():
		return fmt.Sprintf("%s comes from an optional reference (%s) and the chain reaches IMDS when the kubelet leaves it unset", webhook.EnvTokenFile, RefString(token.Ref))
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
// link-local hosts (config/resolve_credentials.go; docs/reference/credential-chain.md#aws-sdk-go-v2);
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
			parts = append(parts, n+"="+v.Show())
		}
	}
	for _, m := range c.VolumeMounts {
		p := strings.TrimSuffix(slashPath(m.MountPath), "/")
		// p+"/" holds "/.aws/" when p does or ends with "/.aws": said
		// without building p+"/" for every mount.
		if strings.HasSuffix(p, "/.aws") || strings.Contains(p, "/.aws/") {
			parts = append(parts, fmt.Sprintf("volume %s mounted at %s", m.Name, m.MountPath))
		}
	}
	return strings.Join(parts, ", ")
}

func containerVar(full, rel envVal) string {
	if full.set() {
		return webhook.EnvContainerFullURI
	}
	return EnvContainerRel
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
	ImdsUnknown   = iota
	ImdsReachable // the node's role is one call away
	ImdsBlocked   // IMDS exists but does not answer the pod
	ImdsAbsent    // the node has no IMDS (Fargate, hybrid nodes)
)

// ImdsVerdict says whether a pod reaches its node's instance metadata
// service, and so the node's IAM role.
type ImdsVerdict struct {
	State int
	// disabled: blocked because the instance's HttpEndpoint is disabled
	// (no IMDS at all), not by the IMDSv2 hop limit.
	Disabled bool
	// why is a phrase: "IMDS answers pods on node N (...)", "IMDS is
	// blocked: ...", or, for unknown, what is missing.
	Why string
	// node, instance: the facts used (nil when not in the input).
	Node     *snapshot.Node
	Instance *snapshot.EC2Instance
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
// EC2 instances (docs/reference/pod-identity.md). Network policies that block
// 169.254.169.254 cannot be seen.
func imdsOf(s *snapshot.Snapshot, t *Target) ImdsVerdict {
	if !t.IsPod() {
		return ImdsVerdict{Why: "it depends on the node each pod of the " + strings.ToLower(t.Kind) + " runs on"}
	}
	if s == nil {
		return ImdsVerdict{Why: "the node facts were not consulted"}
	}
	if t.Spec.NodeName == "" {
		return ImdsVerdict{Why: "the pod is not scheduled on a node"}
	}
	n := s.Node(t.Spec.NodeName)
	if n == nil {
		why := fmt.Sprintf("node %s is not in the input (capture: kubectl get nodes -o json)", t.Spec.NodeName)
		if g, ok := s.GapFor("list nodes", ""); ok {
			why = fmt.Sprintf("node %s is not in the input: list nodes was refused (%s)", t.Spec.NodeName, g.Reason)
		}
		return ImdsVerdict{Why: why}
	}
	v := ImdsVerdict{Node: n}
	switch n.ComputeType() {
	case snapshot.ComputeFargate:
		v.State, v.Why = ImdsAbsent, fmt.Sprintf("node %s is an AWS Fargate node, which has no IMDS", n.Name)
		return v
	case snapshot.ComputeHybrid:
		v.State, v.Why = ImdsAbsent, fmt.Sprintf("node %s is an EKS hybrid node, not an EC2 instance: it has no IMDS", n.Name)
		return v
	}
	id := n.InstanceID()
	if id == "" {
		v.Why = fmt.Sprintf("node %s has no EC2 instance ID in its providerID %q", n.Name, n.Spec.ProviderID)
		return v
	}
	inst := s.Instance(id)
	if inst == nil {
		v.Why = fmt.Sprintf("instance %s of node %s is not in the input (capture: aws ec2 describe-instances --instance-ids %s --output json)", id, n.Name, id)
		if g, ok := s.GapFor("ec2:DescribeInstances", id); ok {
			v.Why = fmt.Sprintf("ec2:DescribeInstances of instance %s (node %s) was not answered (%s)", id, n.Name, g.Reason)
		}
		return v
	}
	v.Instance = inst
	m := inst.Metadata
	where := fmt.Sprintf("instance %s of node %s", id, n.Name)
	switch {
	case m.HTTPEndpoint == "disabled":
		v.State, v.Disabled, v.Why = ImdsBlocked, true, fmt.Sprintf("IMDS is disabled on %s (HttpEndpoint disabled)", where)
		return v
	case t.Spec.HostNetwork:
		v.State, v.Why = ImdsReachable, fmt.Sprintf("IMDS answers the pod, which uses the host network of %s (the hop limit does not apply)", where)
	case m.HTTPTokens == "required" && m.HopLimit != nil && *m.HopLimit <= 1:
		v.State, v.Why = ImdsBlocked, fmt.Sprintf("IMDS is blocked: %s requires IMDSv2 (HttpTokens required) with HttpPutResponseHopLimit %d, so the token response never reaches the pod's network namespace", where, *m.HopLimit)
		return v
	case m.HTTPTokens == "optional":
		v.State, v.Why = ImdsReachable, fmt.Sprintf("IMDS answers pods on %s (HttpTokens optional: IMDSv1 works whatever the hop limit)", where)
	case m.HTTPTokens == "required" && m.HopLimit != nil:
		v.State, v.Why = ImdsReachable, fmt.Sprintf("IMDS answers pods on %s (IMDSv2 required, with HttpPutResponseHopLimit %d, enough to reach the pod)", where, *m.HopLimit)
	default:
		v.Why = fmt.Sprintf("the describe-instances output of %s does not give HttpTokens and HttpPutResponseHopLimit", where)
		return v
	}
	if inst.InstanceProfileARN != "" {
		v.Why += "; the node role is that of instance profile " + inst.InstanceProfileARN
	}
	return v
}

// HasLabel reports a label that is present, whatever its value (the
// webhook's objectSelector tests existence: docs/reference/webhook.md#annotations-it-reads).
func HasLabel(m map[string]string, k string) bool {
	_, ok := m[k]
	return ok
}

// FullURIOr is the container credentials endpoint for messages.
func (ch ContainerChain) FullURIOr() string {
	if ch.fullURI != "" {
		return ch.fullURI
	}
	return EnvContainerRel
}
