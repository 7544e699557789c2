package check

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa110 = &Check{
	ID:       "IRSA110",
	Slug:     "static-credentials-override",
	Title:    "Static AWS keys in the environment override the IAM role",
	Severity: finding.SeverityError,
	Link:     finding.LinkWebhook,
	Scope:    ScopeWorkloads,
	Requires: []*Check{irsa101},
	// Not IRSA-only: static keys come first in every chain, so they win
	// over EKS Pod Identity's container credentials too (docs/reference/README.md
	// §7.4); runIRSA110 leaves out targets that mean neither mechanism.
	Applies:    applies110,
	Containers: containers110,
	Run:        runIRSA110,
}

// Env var names of static keys. The _ID/_ACCESS_ pair is read by every
// SDK; aws-sdk-go-v2 also reads AWS_ACCESS_KEY and AWS_SECRET_KEY
// (config/env_config.go; docs/reference/credential-chain.md#aws-sdk-go-v2).
const (
	envAltAccessKey = "AWS_ACCESS_KEY"
	envAltSecretKey = "AWS_SECRET_KEY"
)

func runIRSA110(c *model.Context, t *model.Target, r *Recorder) {
	// What the keys take the place of: web identity (IRSA), or the
	// container credentials of EKS Pod Identity (docs/reference/credential-chain.md#why-a-pod-uses-the-node-role, docs/reference/credential-chain.md#imds-reachability).
	instead, roleWord := "web identity", "the IAM role"
	if t.Mechanism == model.MechanismPodIdentity {
		instead, roleWord = "EKS Pod Identity's container credentials", "the associated IAM role"
	}
	// Which containers the webhook leaves alone (skip-containers): their
	// own keys are then their own business.
	res := t.Mutated(false)
	kind, name := model.TemplateWorkload(c, t)
	for _, ct := range t.Containers() {
		subj := t.ContainerSubject(ct.Name)
		cr := res.Container(ct.Name)
		skipped := cr != nil && cr.Skipped
		id, hasID := model.SetEnv(ct, webhook.EnvAccessKeyID)
		secret, hasSecret := model.SetEnv(ct, webhook.EnvSecretAccessKey)
		altID, hasAltID := model.SetEnv(ct, envAltAccessKey)
		altSecret, hasAltSecret := model.SetEnv(ct, envAltSecretKey)
		var vars []*snapshot.EnvVar
		for _, e := range []*snapshot.EnvVar{id, secret, altID, altSecret} {
			if e != nil {
				vars = append(vars, e)
			}
		}
		suspects, others := envFromSuspects(ct)
		// The evidence and the fix are built only for a container that has
		// keys or suspects: most have neither, and a pass shows no fix.
		var where string
		if len(vars) > 0 || len(suspects) > 0 {
			where = fmt.Sprintf("%s %s/%s container %s", model.TargetNoun(t), t.Namespace, t.Name, ct.Name)
		}
		var evs []model.Detail
		for _, e := range vars {
			evs = append(evs, model.Ev(t.Source, fmt.Sprintf("%s: %s %s", where, e.Name, envSource(e))))
		}
		if skipped && (len(vars) > 0 || len(suspects) > 0) {
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("container is excluded from injection by %s, so it does not use the IAM role: its own keys are deliberate", webhook.AnnotationSkipContainers), evs
			})
			continue
		}
		var removal []model.Detail
		if len(vars) > 0 {
			removal = removeEnvFix(kind, name, t.Namespace, ct.Name, vars)
		}
		// A key from an optional reference is only possibly set (the
		// kubelet skips it when the Secret or key is missing, and the
		// tool never reads Secrets): the EBS CSI driver add-on ships
		// its keys that way, for clusters without IRSA.
		var relevant, optional []*snapshot.EnvVar
		switch {
		case hasID && hasSecret:
			relevant = []*snapshot.EnvVar{id, secret}
		case hasID:
			relevant = []*snapshot.EnvVar{id}
		case hasAltID && hasSecret:
			relevant = []*snapshot.EnvVar{altID, secret}
		case hasAltID && hasAltSecret:
			relevant = []*snapshot.EnvVar{altID, altSecret}
		}
		for _, e := range relevant {
			if model.OptionalRef(e) {
				optional = append(optional, e)
			}
		}
		if len(optional) > 0 {
			r.Fail(subj, possiblyMessage(id, secret, altID, altSecret, hasID, hasSecret, instead, roleWord),
				append(evs, model.WithSeverity(finding.SeverityInfo), model.Run(optionalKeysCmds(optional, t.Namespace)...),
					model.Remedy(optionalRemedy(optional, t.Namespace, removal)))...)
			continue
		}
		switch {
		case hasID && hasSecret:
			r.Fail(subj, fmt.Sprintf("%s (%s) and %s (%s) are set: every AWS SDK's default chain uses these static keys before %s, so the container never uses %s",
				webhook.EnvAccessKeyID, envSource(id), webhook.EnvSecretAccessKey, envSource(secret), instead, roleWord), append(evs, removal...)...)
			continue
		case hasID:
			msg := fmt.Sprintf("%s (%s) is set without %s: botocore (boto3, the AWS CLI) stops with PartialCredentialsError instead of using %s", webhook.EnvAccessKeyID, envSource(id), webhook.EnvSecretAccessKey, instead)
			if hasAltSecret {
				msg += fmt.Sprintf(", and the Go SDK v2 uses it with %s as static keys", envAltSecretKey)
			} else {
				msg += "; the other SDKs ignore it"
			}
			r.Fail(subj, msg, append(append(evs, model.WithSeverity(finding.SeverityWarning)), removal...)...)
			continue
		case hasAltID && (hasSecret || hasAltSecret):
			var s *snapshot.EnvVar = secret
			if s == nil {
				s = altSecret
			}
			r.Fail(subj, fmt.Sprintf("%s (%s) and %s (%s) are set: the Go SDK v2 uses them as static keys before %s, so a Go program never uses %s",
				envAltAccessKey, envSource(altID), s.Name, envSource(s), instead, roleWord), append(append(evs, model.WithSeverity(finding.SeverityWarning)), removal...)...)
			continue
		}

		if len(suspects) > 0 {
			var descs []string
			var checks []model.Argv
			var suspectEv []model.Detail
			allOptional := true
			for _, sp := range suspects {
				descs = append(descs, sp.desc)
				checks = append(checks, keysCmd(sp.kind, sp.name, t.Namespace))
				suspectEv = append(suspectEv, model.Ev(t.Source, fmt.Sprintf("%s: envFrom %s", where, sp.desc)))
				allOptional = allOptional && sp.optional
			}
			msg := fmt.Sprintf("envFrom %s possibly sets %s and %s (the tool does not read Secrets or ConfigMaps; the name suggests AWS credentials): if it does, every AWS SDK uses those static keys before %s",
				strings.Join(descs, ", "), webhook.EnvAccessKeyID, webhook.EnvSecretAccessKey, instead)
			sev := finding.SeverityWarning
			if allOptional {
				// An optional source that is missing sets nothing.
				msg += "; the source is optional, so nothing is set if it does not exist"
				sev = finding.SeverityInfo
			}
			remedy := "List the keys of the source (the values are not printed):\n\n" + model.Lines(checks...) +
				"\n\nIf they include `AWS_ACCESS_KEY_ID` and `AWS_SECRET_ACCESS_KEY`, remove them from the source or drop the `envFrom` entry, and grant the IAM role what those keys could do."
			r.Fail(subj, msg, append(suspectEv, model.WithSeverity(sev), model.Run(checks...), model.Remedy(remedy))...)
			continue
		}
		// A pass: worded only when it is shown (most containers).
		r.PassFunc(subj, func() (string, []model.Detail) {
			msg := fmt.Sprintf("no static AWS keys in the environment (%s, %s)", webhook.EnvAccessKeyID, webhook.EnvSecretAccessKey)
			if len(vars) > 0 {
				msg = fmt.Sprintf("%s is set, but without an access key ID no SDK uses it", envNames(vars))
			}
			if len(others) > 0 {
				msg += fmt.Sprintf("; envFrom %s not read: nothing in its name suggests AWS credentials", strings.Join(others, ", "))
			}
			return msg, evs
		})
	}
}

// envSuspect is an envFrom source that may carry AWS keys.
type envSuspect struct {
	kind, name, desc string
	optional         bool
}

// possiblyMessage describes static keys of which some come from optional
// references, in the words of the case that applies when they are set.
func possiblyMessage(id, secret, altID, altSecret *snapshot.EnvVar, hasID, hasSecret bool, instead, roleWord string) string {
	var set, then string
	switch {
	case hasID && hasSecret:
		set = fmt.Sprintf("%s (%s) and %s (%s)", webhook.EnvAccessKeyID, envSource(id), webhook.EnvSecretAccessKey, envSource(secret))
		then = "every AWS SDK's default chain uses these static keys before " + instead + ", so the container never uses " + roleWord
	case hasID:
		set = fmt.Sprintf("%s (%s)", webhook.EnvAccessKeyID, envSource(id))
		then = fmt.Sprintf("without %s, botocore (boto3, the AWS CLI) stops with PartialCredentialsError instead of using %s", webhook.EnvSecretAccessKey, instead)
	default:
		s := secret
		if s == nil {
			s = altSecret
		}
		set = fmt.Sprintf("%s (%s) and %s (%s)", envAltAccessKey, envSource(altID), s.Name, envSource(s))
		then = "the Go SDK v2 uses them as static keys before " + instead
	}
	verb, pron := "is", "it is"
	if hasID && hasSecret || !hasID {
		verb, pron = "are", "they are"
	}
	return fmt.Sprintf("%s %s possibly set: the kubelet leaves a variable from an optional reference unset when the Secret (or ConfigMap) or the key does not exist, and the tool does not read Secrets; if %s set, %s",
		set, verb, pron, then)
}

// optionalKeysCmds lists the keys of each Secret or ConfigMap the optional
// references name, once each, without their values.
func optionalKeysCmds(optional []*snapshot.EnvVar, ns string) []model.Argv {
	var out []model.Argv
	seen := map[string]bool{}
	for _, e := range optional {
		kind, name := "Secret", ""
		if r := e.ValueFrom.SecretKeyRef; r != nil {
			name = r.Name
		} else {
			kind, name = "ConfigMap", e.ValueFrom.ConfigMapKeyRef.Name
		}
		cmd := keysCmd(kind, name, ns)
		if k := cmd.Line() + cmd.Bad; !seen[k] {
			seen[k] = true
			out = append(out, cmd)
		}
	}
	return out
}

// optionalRemedy: look first; remove the references only if they resolve.
func optionalRemedy(optional []*snapshot.EnvVar, ns string, removal []model.Detail) string {
	var f finding.Finding
	for _, d := range removal {
		d(&f)
	}
	return "Check whether the referenced keys exist (the values are not printed):\n\n" + model.Lines(optionalKeysCmds(optional, ns)...) +
		"\n\nIf they do not, the variables are unset and the container uses the IAM role: nothing to do. If they do, they override the role. " + f.Remediation
}

// envFromSuspects sorts the container's envFrom sources: those whose name
// or prefix suggests AWS keys (and whose prefix can produce
// AWS_ACCESS_KEY_ID at all), and the others, described. The values are in
// Secrets and ConfigMaps, which the tool never reads, so a name is all
// there is to go on; warning about every envFrom would flood normal apps.
func envFromSuspects(ct *snapshot.Container) (suspects []envSuspect, others []string) {
	for _, src := range ct.EnvFrom {
		kind, ref := envFromRef(src)
		if ref == "" {
			continue
		}
		desc := fmt.Sprintf("%s %q", kind, ref)
		var notes []string
		if src.Prefix != "" {
			notes = append(notes, fmt.Sprintf("prefix %q", src.Prefix))
		}
		optional := src.SecretRef.IsOptional() || src.ConfigMapRef.IsOptional()
		if optional {
			notes = append(notes, "optional")
		}
		if len(notes) > 0 {
			desc += " (" + strings.Join(notes, ", ") + ")"
		}
		possible := canSet(src.Prefix, webhook.EnvAccessKeyID) || canSet(src.Prefix, envAltAccessKey)
		if possible && (credentialLike(ref) || src.Prefix != "" && canSet(src.Prefix, webhook.EnvAccessKeyID)) {
			suspects = append(suspects, envSuspect{kind: kind, name: ref, desc: desc, optional: optional})
		} else {
			others = append(others, desc)
		}
	}
	return suspects, others
}

// envSource says where an env var's value comes from, never the value.
func envSource(e *snapshot.EnvVar) string {
	switch v := e.ValueFrom; {
	case v == nil:
		return "a literal value in the manifest"
	case v.SecretKeyRef != nil:
		return fmt.Sprintf("from Secret %q key %q%s", v.SecretKeyRef.Name, v.SecretKeyRef.Key, optionalWord(v.SecretKeyRef))
	case v.ConfigMapKeyRef != nil:
		return fmt.Sprintf("from ConfigMap %q key %q%s", v.ConfigMapKeyRef.Name, v.ConfigMapKeyRef.Key, optionalWord(v.ConfigMapKeyRef))
	case v.FieldRef != nil:
		return fmt.Sprintf("from field %s", v.FieldRef.FieldPath)
	}
	return "from a reference"
}

func optionalWord(k *snapshot.KeySelector) string {
	if k.IsOptional() {
		return ", optional"
	}
	return ""
}

func envNames(vars []*snapshot.EnvVar) string {
	names := make([]string, len(vars))
	for i, e := range vars {
		names[i] = e.Name
	}
	return strings.Join(names, ", ")
}

func envFromRef(src snapshot.EnvFromSource) (kind, name string) {
	switch {
	case src.SecretRef != nil:
		return "Secret", src.SecretRef.Name
	case src.ConfigMapRef != nil:
		return "ConfigMap", src.ConfigMapRef.Name
	}
	return "", ""
}

// canSet reports whether an envFrom source with this prefix can produce
// the variable: every name it sets starts with the prefix.
func canSet(prefix, name string) bool { return strings.HasPrefix(name, prefix) }

// credentialLike: a source name that suggests AWS keys, such as
// aws-credentials, s3-secret, iam-user-keys or access-keys.
var (
	awsWord  = regexp.MustCompile(`(^|[^a-z0-9])(aws|s3|iam|amazon)([^a-z0-9]|$)`)
	credWord = regexp.MustCompile(`cred|secret|key|access`)
	keyWord  = regexp.MustCompile(`access[-_.]?keys?`)
)

func credentialLike(name string) bool {
	n := strings.ToLower(name)
	return keyWord.MatchString(n) || awsWord.MatchString(n) && credWord.MatchString(n)
}

// keysCmd lists a Secret's or ConfigMap's keys without their values.
func keysCmd(kind, name, ns string) model.Argv {
	return model.Command(model.Lit("kubectl"), model.Lit("get"), model.Lit(strings.ToLower(kind)), model.ObjectName(kind, name), model.Lit("-n"), model.Namespace(ns),
		model.Lit("-o"), model.Lit(`go-template={{range $k, $v := .data}}{{$k}}{{"\n"}}{{end}}`))
}

// removeEnvFix removes the variables from the container of the workload's
// template (kubectl set env NAME- removes NAME).
func removeEnvFix(kind, name, ns, container string, vars []*snapshot.EnvVar) []model.Detail {
	var cmd model.Argv
	switch kind {
	case "Deployment", "StatefulSet", "DaemonSet", "CronJob":
		words := []model.Word{model.Lit("kubectl"), model.Lit("set"), model.Lit("env"), model.KindName(kind, name), model.Lit("-n"), model.Namespace(ns),
			model.Lit("-c"), model.ObjectName("container", container)}
		for _, e := range vars {
			words = append(words, model.Value("variable", e.Name+"-"))
		}
		cmd = model.Command(words...)
	}
	remedy := fmt.Sprintf("Remove %s from container %s and give the IAM role the permissions the keys' IAM user had", envNames(vars), finding.MarkdownCode(container))
	if cmd.None() {
		if kind == "" {
			return []model.Detail{model.Remedy(remedy + ": a pod's environment cannot be changed, so edit the manifest and re-create the pod.")}
		}
		return []model.Detail{model.Remedy(remedy + fmt.Sprintf(": edit the pod template of %s %s and re-create its pods.", kind, name))}
	}
	return []model.Detail{model.Run(cmd), model.Remedy(remedy + ":\n\n" + model.Lines(cmd) + "\n\nIf the container must keep its own keys, exclude it from injection with the pod annotation `eks.amazonaws.com/skip-containers`.")}
}

// applies110: the target asks for a role (or was named) and has a pod
// spec; a target here only because its ServiceAccount is missing (IRSA101)
// asks for no role, so keys of its own are its business.
func applies110(_ *model.Context, t *model.Target) bool {
	return (t.Mechanism != model.MechanismNone || t.Named) && t.Spec != nil
}

// containers110 are every container of the target.
func containers110(_ *model.Context, t *model.Target) []string {
	names := []string{}
	for _, ct := range t.Containers() {
		names = append(names, ct.Name)
	}
	return names
}
