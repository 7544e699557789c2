package model

import (
	"fmt"
	"path"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// Role chaining (IRSA604): a container whose SDK, holding its IRSA or EKS
// Pod Identity credentials, assumes another role. The input shows it in
// two ways:
//
//  1. An AWS shared config file mounted from a ConfigMap (AWS_CONFIG_FILE
//     pointing into a configMap volume) whose selected profile (AWS_PROFILE,
//     or "default") has role_arn and takes its source credentials from
//     the pod's identity (AWS SDKs and Tools Reference Guide, "Assume role
//     credential provider"). The shapes recognised:
//
//     - source_profile = S, where S has web_identity_token_file and
//     role_arn: S's role_arn, assumed with the token, is the source
//     (the IRSA shape; one hop: S's own source_profile is not followed);
//     - credential_source = EcsContainer, or source_profile = S where S
//     has credential_source = EcsContainer: the container credentials
//     endpoint, which is EKS Pod Identity's, is the source; the source
//     role is the Pod Identity association's.
//
//     Not recognised: credential_source = Environment or Ec2InstanceMetadata
//     (static keys or the node's role, not the pod's identity), a profile
//     with both role_arn and web_identity_token_file (that is web identity,
//     not a chain), credential_process and SSO profiles.
//  2. A documented flag of a well-known program (chainFlags), whose source
//     is the container's own credentials: its IRSA role (AWS_ROLE_ARN) or
//     its Pod Identity association's role.

// ChainedRole is one role a container assumes after its own credentials.
type ChainedRole struct {
	Container string
	// RoleARN is the chained role's ARN as the input writes it; "" when
	// the config file that names it is not in the input (Missing says
	// what to capture).
	RoleARN string
	// Via says where the input shows the chain, for messages.
	Via string
	// Evidence shows it.
	Evidence Detail
	// SourceRole is the ARN of the role whose session calls AssumeRole,
	// "" when the input does not tell (SourceWhy says why).
	SourceRole, SourceWhy string
	// PodIdentity: the source is EKS Pod Identity, whose session tags
	// are transitive (EKS User Guide, "Cross-account tags"), so the
	// chained role must allow sts:TagSession too, unless the association
	// disables session tags.
	PodIdentity bool
	Tags        bool
	ExternalID  string
	Session     string
	// Missing is the capture command of the ConfigMap that holds the
	// config file, MissingWhy the reason, when it is not in the input.
	Missing, MissingWhy string
}

// chainFlag is a documented command-line flag that makes a program assume
// a role with the container's credentials.
type chainFlag struct {
	program, flag, externalIDFlag, source string
}

// chainFlags are the flags recognised. external-dns: "--aws-assume-role:
// When using the AWS provider, assume this IAM role. Useful for hosted
// zones in another AWS account. Specify the full ARN" and
// --aws-assume-role-external-id (external-dns docs/flags.md; FAQ "Can
// external-dns manage(add/remove) records in a hosted zone which is setup
// in different AWS account?"). kingpin flags take "--flag=value" and
// "--flag value".
var chainFlags = []chainFlag{
	{program: "external-dns", flag: "--aws-assume-role", externalIDFlag: "--aws-assume-role-external-id",
		source: "https://github.com/kubernetes-sigs/external-dns/blob/master/docs/flags.md"},
}

type chainedKey struct{}

// ChainedRoles returns the chained roles of the target's containers, in
// container order; once per target.
func ChainedRoles(c *Context, t *Target) []ChainedRole {
	return OnceFor(t, chainedKey{}, func() []ChainedRole { return chainedRoles(c, t) })
}

func chainedRoles(c *Context, t *Target) []ChainedRole {
	if t.Spec == nil {
		return nil
	}
	var out []ChainedRole
	for _, ct := range AllContainers(t.Spec) {
		if cr, ok := configChain(c, t, ct); ok {
			out = append(out, cr)
		}
		out = append(out, flagChains(c, t, ct)...)
	}
	return append(out, askedChains(c, t)...)
}

// SignatureDeniedChain is the catalogue's AccessDenied on sts:AssumeRole
// from the pod's role to another role.
const SignatureDeniedChain = "denied-chained-assume-role"

// IsChainQuestion reports a --can question that asks for a chained role:
// sts:AssumeRole on one role ARN. IRSA604 answers it (both sides: the
// chained role's trust and the source role's permission), not IRSA601-603.
func IsChainQuestion(q policy.Question) bool {
	if !strings.EqualFold(q.Action, "sts:AssumeRole") {
		return false
	}
	_, err := arn.ParseRole(q.Resource)
	return err == nil
}

// askedChains are the chains asked with `--can sts:AssumeRole=ROLE_ARN`,
// and those an AccessDenied on sts:AssumeRole shows, whose line names the
// container's own role: each of a container whose credentials are a role
// the input names.
func askedChains(c *Context, t *Target) []ChainedRole {
	var asked []policy.Question
	for _, q := range c.Questions {
		if IsChainQuestion(q) {
			asked = append(asked, q)
		}
	}
	var seen []*snapshot.Observation
	for _, o := range ObservationsOf(c, t) {
		if o.Signature == SignatureDeniedChain {
			seen = append(seen, o)
		}
	}
	if len(asked) == 0 && len(seen) == 0 {
		return nil
	}
	var out []ChainedRole
	for _, ch := range CredentialChains(c.Snap, t) {
		own, ok := roleOfContainer(c, t, ch)
		ct := containerNamed(t.Spec, ch.Name)
		if !ok || ct == nil {
			continue
		}
		done := map[string]bool{}
		for _, o := range seen {
			target := strings.TrimSpace(o.Fields["resource"])
			if (o.Container != "" && o.Container != ch.Name) || !NamesRole(o, own.role) || target == "" || done[target] {
				continue
			}
			done[target] = true
			// The engine adds the observed line as evidence to the
			// finding that explains it (check/engine_symptoms.go).
			out = append(out, ChainFrom(c, t, ct, target, "an AccessDenied "+observedWhere(o), nil))
		}
		for _, q := range asked {
			if done[q.Resource] {
				continue
			}
			done[q.Resource] = true
			out = append(out, ChainFrom(c, t, ct, q.Resource, "--can sts:AssumeRole="+q.Resource, nil))
		}
	}
	return out
}

// flagChains are the chains a documented flag shows.
func flagChains(c *Context, t *Target, ct *snapshot.Container) []ChainedRole {
	words := append(append([]string{}, ct.Command...), ct.Args...)
	var out []ChainedRole
	for _, f := range chainFlags {
		if !strings.Contains(ct.Image, f.program) && (len(ct.Command) == 0 || path.Base(ct.Command[0]) != f.program) {
			continue
		}
		roleARN, ok := flagValue(words, f.flag)
		if !ok || roleARN == "" {
			continue
		}
		extID, _ := flagValue(words, f.externalIDFlag)
		cr := ChainedRole{Container: ct.Name, RoleARN: roleARN, ExternalID: extID,
			Via:      fmt.Sprintf("%s flag %s", f.program, f.flag),
			Evidence: Ev(t.Source, fmt.Sprintf("container %s runs %s with %s=%s (%s)", ct.Name, f.program, f.flag, roleARN, f.source))}
		ownSource(c, t, ct, &cr)
		out = append(out, cr)
	}
	return out
}

// flagValue finds --flag=value or --flag value; the last one wins, as
// kingpin and pflag take a repeated scalar flag.
func flagValue(words []string, flag string) (string, bool) {
	val, found := "", false
	for i, w := range words {
		switch {
		case strings.HasPrefix(w, flag+"="):
			val, found = strings.TrimPrefix(w, flag+"="), true
		case w == flag && i+1 < len(words):
			val, found = words[i+1], true
		}
	}
	return val, found
}

// ChainFrom is the chain of a role the container is asked or seen to
// assume with its own credentials (`--can sts:AssumeRole=ROLE_ARN`, an
// observed AccessDenied on sts:AssumeRole): the source is the container's
// IRSA role or its EKS Pod Identity association's role, as for a flag.
func ChainFrom(c *Context, t *Target, ct *snapshot.Container, roleARN, via string, evidence Detail) ChainedRole {
	cr := ChainedRole{Container: ct.Name, RoleARN: roleARN, Via: via, Evidence: evidence}
	ownSource(c, t, ct, &cr)
	return cr
}

// ownSource sets the source of a chain whose caller uses the container's
// own credentials: web identity (AWS_ROLE_ARN, a literal), else EKS Pod
// Identity's association role.
func ownSource(c *Context, t *Target, ct *snapshot.Container, cr *ChainedRole) {
	if tok, ok := SetEnv(ct, webhook.EnvTokenFile); ok && tok != nil {
		role, ok := SetEnv(ct, webhook.EnvRoleARN)
		switch {
		case ok && role.ValueFrom == nil:
			cr.SourceRole = role.Value
		default:
			cr.SourceWhy = "the container's IRSA role (" + webhook.EnvRoleARN + ") is not a literal value in the input"
		}
		return
	}
	if t.Mechanism == MechanismPodIdentity || t.PodIdentity {
		podIdentitySource(c, t, cr)
		return
	}
	if role, ok := RoleAnnotation(t.SA); ok && role != "" && t.Mechanism == MechanismIRSA {
		// A template the webhook will mutate: the SA's role.
		cr.SourceRole = strings.TrimSpace(role)
		return
	}
	cr.SourceWhy = "the input does not show which role the container's own credentials are"
}

func podIdentitySource(c *Context, t *Target, cr *ChainedRole) {
	cr.PodIdentity = true
	a := TargetAssociation(c, t)
	if a == nil {
		cr.SourceWhy = "the container uses EKS Pod Identity, but the input holds no association for its ServiceAccount"
		return
	}
	ref, why, _ := AssociationRole(a)
	if why != "" {
		cr.SourceWhy = why
		return
	}
	cr.SourceRole = ref.ARN
	cr.Tags = a.DisableSessionTags == nil || !*a.DisableSessionTags
}

// configChain is the chain an AWS config file mounted from a ConfigMap
// shows, if any.
func configChain(c *Context, t *Target, ct *snapshot.Container) (ChainedRole, bool) {
	file, ok := SetEnv(ct, envConfigFile)
	if !ok || file.ValueFrom != nil {
		return ChainedRole{}, false
	}
	profile := "default"
	if p, ok := SetEnv(ct, envProfile); ok {
		if p.ValueFrom != nil {
			return ChainedRole{}, false
		}
		profile = p.Value
	}
	cmName, key, ok := configMapFile(t.Spec, ct, file.Value)
	if !ok {
		return ChainedRole{}, false
	}
	where := fmt.Sprintf("%s=%s (ConfigMap %s/%s key %s), profile %s", envConfigFile, file.Value, t.Namespace, cmName, key, profile)
	cm := c.Snap.ConfigMapNamed(t.Namespace, cmName)
	if cm == nil {
		return ChainedRole{Container: ct.Name, Via: where,
			Missing:    finding.Line([]string{"kubectl", "get", "configmap", cmName, "-n", t.Namespace, "-o", "json"}),
			MissingWhy: fmt.Sprintf("ConfigMap %s/%s, which container %s mounts as its AWS config file (%s), is not in the input", t.Namespace, cmName, ct.Name, envConfigFile),
			Evidence:   Ev(t.Source, fmt.Sprintf("container %s: %s", ct.Name, where)),
		}, true
	}
	f := cm.File(key)
	if f == nil {
		return ChainedRole{}, false
	}
	p := f.Profile(profile)
	if p == nil || p.RoleARN == "" || p.WebIdentityTokenFile != "" {
		return ChainedRole{}, false
	}
	cr := ChainedRole{Container: ct.Name, RoleARN: p.RoleARN, ExternalID: p.ExternalID, Session: p.RoleSessionName,
		Via: where,
		Evidence: Ev(cm.Source, fmt.Sprintf("ConfigMap %s/%s key %s, container %s's %s: [profile %s] role_arn = %s%s",
			cm.Namespace, cm.Name, key, ct.Name, envConfigFile, p.Name, p.RoleARN, sourceText(p)))}
	src := p
	if p.SourceProfile != "" {
		src = f.Profile(p.SourceProfile)
		if src == nil {
			return ChainedRole{}, false
		}
	}
	switch {
	case src != p && src.WebIdentityTokenFile != "" && src.RoleARN != "":
		cr.SourceRole = src.RoleARN
	case strings.EqualFold(src.CredentialSource, "EcsContainer"):
		podIdentitySource(c, t, &cr)
	default:
		return ChainedRole{}, false
	}
	return cr, true
}

func sourceText(p *snapshot.AWSProfile) string {
	switch {
	case p.SourceProfile != "":
		return ", source_profile = " + p.SourceProfile
	case p.CredentialSource != "":
		return ", credential_source = " + p.CredentialSource
	}
	return ""
}

// AWSConfigMap is the ConfigMap, and its key, that container ct of spec
// reads as its AWS config file: AWS_CONFIG_FILE, a literal value, names a
// file of a configMap volume the container mounts. ok is false otherwise.
func AWSConfigMap(spec *snapshot.PodSpec, ct *snapshot.Container) (cm, key string, ok bool) {
	file, set := SetEnv(ct, envConfigFile)
	if !set || file.ValueFrom != nil || spec == nil {
		return "", "", false
	}
	return configMapFile(spec, ct, file.Value)
}

// configMapFile finds the ConfigMap and key a file path of the container
// reads, as the kubelet projects a configMap volume: a mount with subPath
// is the one file at subPath of the volume; otherwise the volume's files
// are under the mount path, each key a file named after it, or, with
// items, each listed key at its path.
func configMapFile(spec *snapshot.PodSpec, ct *snapshot.Container, file string) (cm, key string, ok bool) {
	file = path.Clean(file)
	for _, m := range ct.VolumeMounts {
		var v *snapshot.Volume
		for i := range spec.Volumes {
			if spec.Volumes[i].Name == m.Name {
				v = &spec.Volumes[i]
			}
		}
		if v == nil || v.ConfigMap == nil {
			continue
		}
		mount := path.Clean(m.MountPath)
		var rel string
		switch {
		case m.SubPath != "" && file == mount:
			rel = path.Clean(m.SubPath)
		case m.SubPath == "" && strings.HasPrefix(file, mount+"/"):
			rel = strings.TrimPrefix(file, mount+"/")
		default:
			continue
		}
		if len(v.ConfigMap.Items) == 0 {
			if !strings.Contains(rel, "/") {
				return v.ConfigMap.Name, rel, true
			}
			continue
		}
		for _, it := range v.ConfigMap.Items {
			if path.Clean(it.Path) == rel {
				return v.ConfigMap.Name, it.Key, true
			}
		}
	}
	return "", "", false
}

// containerNamed is the container (or init container) called name, or nil.
func containerNamed(s *snapshot.PodSpec, name string) *snapshot.Container {
	if s == nil {
		return nil
	}
	for _, ct := range AllContainers(s) {
		if ct.Name == name {
			return ct
		}
	}
	return nil
}

// observedWhere says where an observation was seen, for messages.
func observedWhere(o *snapshot.Observation) string {
	switch o.Source {
	case snapshot.ObservedInLog:
		return "in its log"
	case snapshot.ObservedInCloudTrail:
		return "in CloudTrail"
	}
	return "in the pasted error text"
}
