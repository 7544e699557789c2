package webhook

import (
	"encoding/csv"
	"fmt"
	"path"
	"slices"
	"strconv"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// Config is the webhook's flag configuration; the zero value means the
// upstream defaults (audience sts.amazonaws.com, expiration 86400,
// regional STS off, no default region, annotation prefix eks.amazonaws.com).
type Config struct {
	Audience      string
	Expiration    int64
	RegionalSTS   bool
	DefaultRegion string
	// MountPath is --token-mount-path ("" means MountPath).
	MountPath string
	// PodIdentity reports whether (namespace, serviceAccount) is listed in
	// the container-credentials configuration (--watch-container-credentials-config,
	// which EKS fills from Pod Identity associations). nil: nothing is.
	PodIdentity func(namespace, serviceAccount string) bool
	// IgnoreSkipLabel leaves the skip label to the caller: the label acts
	// through the MutatingWebhookConfiguration's objectSelector (the OSS
	// deploy/mutatingwebhook.yaml), not through the webhook's code, so a
	// caller that evaluates the configuration's selectors itself sets it.
	IgnoreSkipLabel bool
}

// Modes of mutation.
const (
	ModeIRSA        = "irsa"
	ModePodIdentity = "pod-identity"
)

// ContainerResult says what Mutate did to one container and why.
type ContainerResult struct {
	Name string
	// Init is true for an init container (native sidecars included).
	Init bool
	// Skipped: named in eks.amazonaws.com/skip-containers.
	Skipped bool
	// Injected lists the env var names added, in order; MountAdded tells
	// whether the token mount was added.
	Injected   []string
	MountAdded bool
	// Defined lists the env vars the container already set that decide
	// injection (the credential, region and regional-STS groups of
	// handler.go addEnvToContainer), in the container's order.
	Defined []string
	// Reason explains an env var group left out (already defined, ...).
	Reason string
}

// Unchanged reports a container the webhook returned as it was.
func (c ContainerResult) Unchanged() bool { return len(c.Injected) == 0 && !c.MountAdded }

// Result is the predicted outcome of admission.
type Result struct {
	// Spec is the pod spec after mutation (a copy; the input is unchanged).
	Spec *snapshot.PodSpec
	// Mutated is false when the webhook leaves the pod as it is.
	Mutated bool
	// Mode is the method the webhook picked for the pod, "irsa" or
	// "pod-identity", even when every piece was already present (Mutated
	// false); "" when it does not act on the pod.
	Mode string
	// Reason says why the pod is not mutated ("" when mutated).
	Reason     string
	Containers []ContainerResult
	// Audience and Expiration are the projected token's, when Mode is set.
	Audience   string
	Expiration int64
	// ExpirationJitter: in Pod Identity mode an expiration equal to the
	// default 86400 is replaced by a random value in [79200, 86400]
	// (docs/reference/webhook.md#pod-identity-mode); Expiration then holds 86400.
	ExpirationJitter bool
	// RoleARN is the AWS_ROLE_ARN value the webhook injects (IRSA mode).
	RoleARN string
	// RegionalSTS tells whether AWS_STS_REGIONAL_ENDPOINTS=regional is injected.
	RegionalSTS bool
	// TokenPath is the token file env value (Windows form for Windows pods).
	TokenPath string
	// VolumeAdded tells whether the token volume was prepended; Volume is
	// that volume (nil when a volume of the same name already existed).
	VolumeAdded bool
	Volume      *snapshot.Volume
	// AddedLabels are labels the webhook writes (Pod Identity mode).
	AddedLabels map[string]string
	// SkipContainersError is set when eks.amazonaws.com/skip-containers
	// does not parse as a CSV record, so no container is skipped.
	SkipContainersError string
}

// Container returns the result for the container called name (init or
// regular), or nil.
func (r Result) Container(name string) *ContainerResult {
	for i := range r.Containers {
		if r.Containers[i].Name == name {
			return &r.Containers[i]
		}
	}
	return nil
}

// apiDefaultMode is the projected volume defaultMode the API server fills in
// when the webhook's patch leaves it unset (0644; docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions).
const apiDefaultMode = int32(420)

// Mutate predicts what the webhook does at CREATE for a pod (or template)
// in namespace ns with metadata meta and spec, running as sa (nil when the
// SA is unknown to the webhook's cache: not mutated).
//
// It follows the webhook's handler.go (docs/reference/webhook.md, v0.6.17-5):
// buildPodPatchConfig picks the method, parsePodAnnotations the pod's
// overrides, getPodSpecPatch and addEnvToContainer the patch. The input is
// never modified, and the result's spec shares nothing with it that could
// be written through (MutateShared is for a caller that only reads).
func Mutate(ns string, meta *snapshot.ObjectMeta, spec *snapshot.PodSpec, sa *snapshot.ServiceAccount, cfg Config) Result {
	if spec == nil {
		return Result{Reason: "the pod has no spec"}
	}
	out := mutate(ns, meta, spec, sa, cfg)
	out.Spec = unshareSpec(out.Spec, spec)
	return out
}

// MutateShared is Mutate for a caller that keeps the result read-only (a
// memo): the result's spec shares with the input what the webhook leaves
// as it is: the spec itself when it changes nothing, else the containers'
// env and mount arrays, the containers and the volumes it adds nothing to.
// Those are the input's, and read-only as it is: not to be written, nor
// appended to (a snapshot's arrays may have room past their length).
func MutateShared(ns string, meta *snapshot.ObjectMeta, spec *snapshot.PodSpec, sa *snapshot.ServiceAccount, cfg Config) Result {
	if spec == nil {
		return Result{Reason: "the pod has no spec"}
	}
	return mutate(ns, meta, spec, sa, cfg)
}

// unchangedReason is Result.Reason for a pod Mutate leaves unchanged; the
// texts for the two volume names are built once.
func unchangedReason(volume string) string {
	switch volume {
	case VolumeName:
		return unchangedIRSA
	case PodIdentityVolumeName:
		return unchangedPodIdentity
	}
	return unchangedPrefix + volume + " volume"
}

const (
	unchangedPrefix      = "every container already has the env vars and the token mount, and the pod has the "
	unchangedIRSA        = unchangedPrefix + VolumeName + " volume"
	unchangedPodIdentity = unchangedPrefix + PodIdentityVolumeName + " volume"
)

// maxEnvAdded is the most env vars Mutate adds to a container
// (patchConfig.container: AWS_STS_REGIONAL_ENDPOINTS, the two region
// variables, two credential variables).
const maxEnvAdded = 5

// mutate is MutateShared: out.Spec is the input spec until the webhook
// changes something, then a copy of it (own), whose containers slices are
// copied when a container changes (ownContainer).
func mutate(ns string, meta *snapshot.ObjectMeta, spec *snapshot.PodSpec, sa *snapshot.ServiceAccount, cfg Config) Result {
	out := Result{Spec: spec}
	var labels, annotations map[string]string
	if meta != nil {
		labels, annotations = meta.Labels, meta.Annotations
	}
	if _, ok := labels[LabelSkip]; ok && !cfg.IgnoreSkipLabel {
		// objectSelector {key: LabelSkip, operator: DoesNotExist}: the API
		// server never calls the webhook for a pod carrying the label,
		// whatever its value (deploy/mutatingwebhook.yaml; §1.1).
		out.Reason = fmt.Sprintf("the pod carries the label %s=%q, which the webhook's objectSelector excludes", LabelSkip, labels[LabelSkip])
		return out
	}
	saName := spec.ServiceAccount()

	p := patchConfig{mountPath: cfg.MountPath}
	if p.mountPath == "" {
		p.mountPath = MountPath
	}
	flagExp := cfg.Expiration
	if flagExp == 0 {
		flagExp = DefaultExpiration
	}
	flagExp = minExpiration(flagExp)

	switch {
	case cfg.PodIdentity != nil && cfg.PodIdentity(ns, saName):
		// "Container credentials method takes precedence"; the SA's
		// regional-STS and expiration annotations still apply
		// (GetCommonConfigurations), with the flag defaults when the SA is
		// not in the cache.
		out.Mode = ModePodIdentity
		p.podIdentity = true
		// Without the SA in the cache, GetCommonConfigurations returns
		// false and the constant default, not the flags.
		p.regionalSTS, p.expiration = false, DefaultExpiration
		if sa != nil {
			p.regionalSTS, p.expiration = saCommon(sa, cfg.RegionalSTS, flagExp)
		}
		p.audience = PodIdentityAudience
		p.mountPath = PodIdentityMountPath
		p.volumeName = PodIdentityVolumeName
		p.tokenName = path.Base(PodIdentityTokenPath)
	case sa == nil:
		out.Reason = fmt.Sprintf("ServiceAccount %s/%s is not in the webhook's cache (it does not exist, or the webhook had not seen it yet)", ns, saName)
		return out
	default:
		role, ok := sa.Annotations[AnnotationRoleARN]
		if !ok {
			out.Reason = fmt.Sprintf("ServiceAccount %s/%s has no %s annotation", ns, saName, AnnotationRoleARN)
			return out
		}
		if role == "" {
			// The cache only counts a non-empty ARN as found (cache.Get).
			out.Reason = fmt.Sprintf("ServiceAccount %s/%s has an empty %s annotation", ns, saName, AnnotationRoleARN)
			return out
		}
		out.Mode = ModeIRSA
		p.roleARN = role
		// The webhook injects the value as written: an ARN that fails its
		// regexp is only logged (cache.go addSA; §1.1).
		p.regionalSTS, p.expiration = saCommon(sa, cfg.RegionalSTS, flagExp)
		p.audience = cfg.Audience
		if p.audience == "" {
			p.audience = DefaultAudience
		}
		// A present annotation wins even when empty (cache.go addSA tests
		// presence only); the API server then issues the token for its own
		// audience.
		if aud, ok := sa.Annotations[AnnotationAudience]; ok {
			p.audience = aud
		}
		p.volumeName = VolumeName
		p.tokenName = path.Base(TokenPath)
	}

	// Pod annotation > SA annotation > flag (handler.go parsePodAnnotations).
	if v, ok := annotations[AnnotationTokenExpiration]; ok {
		if exp, err := strconv.ParseInt(v, 10, 64); err == nil {
			p.expiration = minExpiration(exp)
		}
	}
	// Without the annotation nothing is skipped: no map to make (a nil one
	// reads false).
	var skip map[string]bool
	var skipErr error
	if _, ok := annotations[AnnotationSkipContainers]; ok {
		skip, skipErr = SkipContainers(annotations)
	}
	if skipErr != nil {
		out.SkipContainersError = skipErr.Error()
	}
	if p.podIdentity && p.expiration == DefaultExpiration {
		out.ExpirationJitter = true
	}

	// getPodSpecPatch: the token path, converted for Windows pods selected
	// through nodeSelector only (nodeAffinity is not looked at).
	p.tokenPath = tokenPath(p.mountPath, p.tokenName)
	if spec.NodeSelector["beta.kubernetes.io/os"] == "windows" || spec.NodeSelector["kubernetes.io/os"] == "windows" {
		p.tokenPath = "C:" + strings.ReplaceAll(p.tokenPath, "/", `\`)
	}

	changed := false
	if n := len(spec.InitContainers) + len(spec.Containers); n > 0 {
		out.Containers = make([]ContainerResult, 0, n)
	}
	// own is the spec the result may change: a copy of the input's, made
	// at the first change.
	own := func() *snapshot.PodSpec {
		if out.Spec == spec {
			cp := *spec
			cp.InitContainers = slices.Clip(cp.InitContainers)
			cp.Containers = slices.Clip(cp.Containers)
			cp.EphemeralContainers = slices.Clip(cp.EphemeralContainers)
			cp.Volumes = slices.Clip(cp.Volumes)
			out.Spec = &cp
		}
		return out.Spec
	}
	for i := range spec.InitContainers {
		c := clipped(spec.InitContainers[i])
		cr := p.container(&c, skip, cfg.DefaultRegion)
		cr.Init = true
		if !cr.Unchanged() {
			changed = true
			s := own()
			s.InitContainers = ownContainers(s.InitContainers, spec.InitContainers)
			s.InitContainers[i] = c
		}
		out.Containers = append(out.Containers, cr)
	}
	for i := range spec.Containers {
		c := clipped(spec.Containers[i])
		cr := p.container(&c, skip, cfg.DefaultRegion)
		if !cr.Unchanged() {
			changed = true
			s := own()
			s.Containers = ownContainers(s.Containers, spec.Containers)
			s.Containers[i] = c
		}
		out.Containers = append(out.Containers, cr)
	}

	exists := false
	for _, v := range spec.Volumes {
		if v.Name == p.volumeName {
			exists = true
		}
	}
	if !exists {
		exp := p.expiration
		mode := apiDefaultMode
		vol := snapshot.Volume{
			Name: p.volumeName,
			Projected: &snapshot.ProjectedVolume{
				Sources: []snapshot.VolumeProjection{{ServiceAccountToken: &snapshot.ServiceAccountTokenProjection{
					Audience: p.audience, ExpirationSeconds: &exp, Path: p.tokenName,
				}}},
				DefaultMode: &mode,
			},
		}
		// The patch is "add /spec/volumes/0": the volume goes first.
		s := own()
		s.Volumes = append([]snapshot.Volume{vol}, spec.Volumes...)
		out.VolumeAdded = true
		v := copyVolume(vol)
		out.Volume = &v
		changed = true
	}
	if p.podIdentity {
		out.AddedLabels = map[string]string{LabelPodIdentity: "enabled"}
		changed = changed || labels[LabelPodIdentity] != "enabled"
	}

	out.Audience, out.Expiration = p.audience, p.expiration
	out.RoleARN, out.RegionalSTS, out.TokenPath = p.roleARN, p.regionalSTS, p.tokenPath
	out.Mutated = changed
	if !changed {
		out.Reason = unchangedReason(p.volumeName)
	}
	return out
}

// SkipContainers parses eks.amazonaws.com/skip-containers from pod
// annotations as the webhook does (handler.go getContainersToSkip): one CSV
// record, names kept as written (no trimming); a value that does not parse
// skips nothing and returns the error.
func SkipContainers(annotations map[string]string) (map[string]bool, error) {
	out := map[string]bool{}
	v, ok := annotations[AnnotationSkipContainers]
	if !ok {
		return out, nil
	}
	names, err := csv.NewReader(strings.NewReader(v)).Read()
	if err != nil {
		return map[string]bool{}, fmt.Errorf("parse %s %q: %w", AnnotationSkipContainers, v, err)
	}
	for _, n := range names {
		out[n] = true
	}
	return out, nil
}

// patchConfig is the webhook's podPatchConfig for one pod.
type patchConfig struct {
	podIdentity bool
	roleARN     string
	audience    string
	expiration  int64
	regionalSTS bool
	mountPath   string
	volumeName  string
	tokenName   string
	tokenPath   string
}

// container applies addEnvToContainer to c in place (c belongs to the copy).
func (p patchConfig) container(c *snapshot.Container, skip map[string]bool, region string) ContainerResult {
	cr := ContainerResult{Name: c.Name}
	if skip[c.Name] {
		cr.Skipped = true
		cr.Reason = "named in " + AnnotationSkipContainers
		return cr
	}
	var identity, regionSet, stsSet bool
	// Defined gets room for what it lists, counted first: most containers
	// of a mutated pod list two or more, which appends would grow twice.
	if n := p.definedCount(c.Env); n > 0 {
		cr.Defined = make([]string, 0, n)
	}
	for _, e := range c.Env {
		switch e.Name {
		case EnvRoleARN, EnvTokenFile:
			if !p.podIdentity {
				identity = true
				cr.Defined = append(cr.Defined, e.Name)
			}
		case EnvContainerFullURI, EnvContainerToken:
			if p.podIdentity {
				identity = true
				cr.Defined = append(cr.Defined, e.Name)
			}
		case EnvRegion, EnvDefaultRegion:
			regionSet = true
			cr.Defined = append(cr.Defined, e.Name)
		case EnvSTSRegional:
			stsSet = true
			cr.Defined = append(cr.Defined, e.Name)
		}
	}
	var reasons []string
	if identity && regionSet && stsSet {
		// All three groups present: the container is returned as it is,
		// without the mount (test rawPodHasAll.pod.yaml; §1.3).
		cr.Reason = "the container already sets the credential, region and " + EnvSTSRegional + " variables, so the webhook leaves it unchanged, without the token mount"
		return cr
	}
	add := func(name, value string) {
		c.Env = append(c.Env, snapshot.EnvVar{Name: name, Value: value})
		if cr.Injected == nil {
			cr.Injected = make([]string, 0, maxEnvAdded)
		}
		cr.Injected = append(cr.Injected, name)
	}
	if !stsSet && p.regionalSTS {
		add(EnvSTSRegional, "regional")
	}
	if !regionSet && region != "" {
		add(EnvDefaultRegion, region)
		add(EnvRegion, region)
	} else if regionSet && region != "" {
		reasons = append(reasons, "a region variable is already set, so "+EnvDefaultRegion+" and "+EnvRegion+" are not injected")
	}
	switch {
	case p.podIdentity && !identity:
		add(EnvContainerFullURI, PodIdentityFullURI)
		add(EnvContainerToken, p.tokenPath)
	case p.podIdentity:
		reasons = append(reasons, EnvContainerFullURI+" or "+EnvContainerToken+" is already set, so neither is injected")
	case !identity:
		add(EnvRoleARN, p.roleARN)
		add(EnvTokenFile, p.tokenPath)
	default:
		reasons = append(reasons, EnvRoleARN+" or "+EnvTokenFile+" is already set, so neither is injected")
	}
	mounted := false
	for _, m := range c.VolumeMounts {
		if m.Name == p.volumeName {
			mounted = true
		}
	}
	if !mounted {
		c.VolumeMounts = append(c.VolumeMounts, snapshot.VolumeMount{Name: p.volumeName, MountPath: p.mountPath, ReadOnly: true})
		cr.MountAdded = true
	} else {
		reasons = append(reasons, "a mount named "+p.volumeName+" already exists, so none is added")
	}
	cr.Reason = strings.Join(reasons, "; ")
	cr.Injected = slices.Clip(cr.Injected) // read-only once returned, like the spec
	return cr
}

// definedCount is how many of env's variables container lists in Defined.
func (p patchConfig) definedCount(env []snapshot.EnvVar) int {
	n := 0
	for _, e := range env {
		switch e.Name {
		case EnvRoleARN, EnvTokenFile:
			if !p.podIdentity {
				n++
			}
		case EnvContainerFullURI, EnvContainerToken:
			if p.podIdentity {
				n++
			}
		case EnvRegion, EnvDefaultRegion, EnvSTSRegional:
			n++
		}
	}
	return n
}

// saCommon reads the SA annotations every method honours: regional STS
// (strconv.ParseBool; an invalid value keeps the flag) and token expiration
// (base-10 integer raised to 600; an invalid value keeps the flag), as
// cache.go addSA does.
func saCommon(sa *snapshot.ServiceAccount, regional bool, exp int64) (bool, int64) {
	if v, ok := sa.Annotations[AnnotationSTSRegional]; ok {
		if b, err := strconv.ParseBool(v); err == nil {
			regional = b
		}
	}
	if v, ok := sa.Annotations[AnnotationTokenExpiration]; ok {
		if n, err := strconv.ParseInt(v, 10, 64); err == nil {
			exp = minExpiration(n)
		}
	}
	return regional, exp
}

// minExpiration is pkg/validation.go ValidateMinTokenExpiration: values
// below 600 are raised to 600; there is no upper clamp (§1.1).
func minExpiration(exp int64) int64 {
	if exp < MinExpiration {
		return MinExpiration
	}
	return exp
}

// tokenPath is path.Join(mountPath, tokenName), without building the
// string again for the upstream paths every pod gets.
func tokenPath(mountPath, tokenName string) string {
	switch {
	case mountPath == MountPath && tokenName == path.Base(TokenPath):
		return TokenPath
	case mountPath == PodIdentityMountPath && tokenName == path.Base(PodIdentityTokenPath):
		return PodIdentityTokenPath
	}
	return path.Join(mountPath, tokenName)
}

// clipped is c with its env and mounts clipped, so that the webhook's
// appends (patchConfig.container) copy them rather than write into the
// room the input's arrays may have past their length.
func clipped(c snapshot.Container) snapshot.Container {
	c.Env = slices.Clip(c.Env)
	c.VolumeMounts = slices.Clip(c.VolumeMounts)
	return c
}

// ownContainers returns cs, a containers slice of the result's spec, as a
// slice of its own: a copy when it is still in's (the input's), its
// containers' env and mounts clipped (clipped).
func ownContainers(cs, in []snapshot.Container) []snapshot.Container {
	if len(cs) > 0 && len(in) > 0 && &cs[0] == &in[0] {
		out := make([]snapshot.Container, len(cs))
		for i := range cs {
			out[i] = clipped(cs[i])
		}
		return out
	}
	return cs
}

// unshareSpec returns out, a spec from mutate(in), made to share no array
// with in any more (writing through the result must not reach the input),
// and with the arrays mutate appended to clipped: the spec is shared
// read-only with every caller (a memo), and an append by one of them must
// copy rather than write into the room the append left.
func unshareSpec(out, in *snapshot.PodSpec) *snapshot.PodSpec {
	if out == in {
		cp := *in
		out = &cp
	}
	out.InitContainers = unshareContainers(out.InitContainers, in.InitContainers)
	out.Containers = unshareContainers(out.Containers, in.Containers)
	out.EphemeralContainers = unshareContainers(out.EphemeralContainers, in.EphemeralContainers)
	out.Volumes = unshare(out.Volumes, in.Volumes)
	return out
}

func unshareContainers(cs, in []snapshot.Container) []snapshot.Container {
	if cs == nil {
		return nil
	}
	cs = unshare(cs, in)
	for i := range cs {
		cs[i].Env = unshare(cs[i].Env, in[i].Env)
		cs[i].VolumeMounts = unshare(cs[i].VolumeMounts, in[i].VolumeMounts)
	}
	return cs
}

// unshare returns s, clipped, or a clone of it when it is still in's array
// (Mutate did not append to it).
func unshare[T any](s, in []T) []T {
	if len(s) > 0 && len(in) > 0 && &s[0] == &in[0] {
		return slices.Clip(slices.Clone(s))
	}
	return slices.Clip(s)
}

// copyVolume copies a volume built by Mutate, so that Result.Volume and the
// spec's volume share nothing.
func copyVolume(v snapshot.Volume) snapshot.Volume {
	if v.Projected == nil {
		return v
	}
	p := *v.Projected
	p.Sources = slices.Clone(p.Sources)
	for i, src := range p.Sources {
		if src.ServiceAccountToken != nil {
			t := *src.ServiceAccountToken
			if t.ExpirationSeconds != nil {
				e := *t.ExpirationSeconds
				t.ExpirationSeconds = &e
			}
			p.Sources[i].ServiceAccountToken = &t
		}
	}
	if p.DefaultMode != nil {
		m := *p.DefaultMode
		p.DefaultMode = &m
	}
	v.Projected = &p
	return v
}
