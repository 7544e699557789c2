package check

import (
	"fmt"
	"path"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa106 = &Check{
	ID:         "IRSA106",
	Slug:       "token-not-readable",
	Title:      "A container cannot read the projected web identity token",
	Severity:   finding.SeverityError,
	Link:       finding.LinkWebhook,
	Scope:      ScopeWorkloads,
	Requires:   []*Check{irsa101},
	IRSA:       true,
	Applies:    applies106,
	Containers: containers106,
	Run:        runIRSA106,
}

func runIRSA106(c *model.Context, t *model.Target, r *Recorder) {
	spec := judgedSpec(t)
	uses := judgedUses(t)
	v := clusterKubeVersion(c.Snap)
	for _, u := range uses {
		f := kubeletTokenFile(spec, u.volume, v)
		subj := t.ContainerSubject(u.container.Name)
		a := tokenAccess(spec, u.container, f)
		rule := func() string { return f.rule() + " (" + v.String() + ")" }
		evidence := func() []model.Detail {
			details := []model.Detail{
				model.Ev(t.Source, fmt.Sprintf("%s %s/%s container %s: %s; token %s in volume %s", model.TargetNoun(t), t.Namespace, t.Name, u.container.Name, userEvidence(spec, u.container), u.file, u.volume.Name)),
				model.Ev(t.Source, podSecurityEvidence(spec, u.volume)),
			}
			if v.known {
				details = append(details, model.Ev(v.src, fmt.Sprintf("Kubernetes %d.%d (%s)", v.major, v.minor, v.from)))
			}
			if a.image.Known {
				details = append(details, model.Ev(snapshot.Source{Kind: "reference", Ref: "irsa-doctor explain sdk-versions"}, fmt.Sprintf("%s (%s)", a.image.Basis, a.image.Source)))
			}
			return details
		}
		switch a.outcome {
		case accessYes:
			r.PassFunc(subj, func() (string, []model.Detail) {
				return fmt.Sprintf("container %s and can read the token: %s", a.who, rule()), evidence()
			})
		case accessUnknown:
			unknown := a.unknown
			if a.imageUnknown {
				unknown = fmt.Sprintf("it runs as the USER of image %q, which decides and which the input does not show (capture: %s)", u.container.Image, imageUserCmd(t, u.container.Name))
			}
			r.Skip(subj, fmt.Sprintf("container %s: %s; whether it can read the token depends on that: %s", a.who, unknown, rule()), evidence()...)
		default:
			msg := fmt.Sprintf("container %s and cannot read the token: %s; the SDK fails with \"open %s: permission denied\"", a.who, rule(), u.file)
			r.Fail(subj, msg, append(evidence(), fsGroupFix(c, t, spec, u.container, f)...)...)
		}
	}
}

// tokenUse is a container that reads a web identity token, and where.
type tokenUse struct {
	container *snapshot.Container
	volume    *snapshot.Volume
	file      string
}

// tokenUses lists the containers that read a web identity token: through
// AWS_WEB_IDENTITY_TOKEN_FILE pointing into a projected serviceAccountToken
// volume they mount, or by mounting the webhook's aws-iam-token volume.
// Other projected tokens (kube-api-access-*, the Kubernetes API's own) are
// not about AWS and are left alone.
func tokenUses(spec *snapshot.PodSpec) []tokenUse {
	if spec == nil {
		return nil
	}
	var out []tokenUse
	for _, ct := range model.AllContainers(spec) {
		if e, ok := model.Env(ct, webhook.EnvTokenFile); ok && e.ValueFrom == nil && e.Value != "" {
			if vol, ok := model.TokenVolumeFor(spec, ct, e.Value); ok {
				out = append(out, tokenUse{container: ct, volume: vol, file: path.Clean(e.Value)})
				continue
			}
		}
		for _, m := range ct.VolumeMounts {
			vol := model.Volume(spec, m.Name)
			if m.Name != webhook.VolumeName || vol == nil || vol.Projected == nil || m.SubPath != "" {
				continue
			}
			for _, src := range vol.Projected.Sources {
				if sat := src.ServiceAccountToken; sat != nil && sat.Path != "" {
					out = append(out, tokenUse{container: ct, volume: vol, file: path.Join(m.MountPath, sat.Path)})
					break
				}
			}
			break
		}
	}
	return out
}

// isWindows: the pod asks for Windows nodes (spec.os, or the node selector
// the webhook itself looks at, docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions).
func isWindows(spec *snapshot.PodSpec) bool {
	if spec == nil {
		return false
	}
	if spec.OS != nil && spec.OS.Name == "windows" {
		return true
	}
	return spec.NodeSelector["kubernetes.io/os"] == "windows" || spec.NodeSelector["beta.kubernetes.io/os"] == "windows"
}

// kubeVersion is the cluster's Kubernetes version, when the input says.
type kubeVersion struct {
	major, minor int
	known        bool
	from         string
	src          snapshot.Source
}

var leadingDigits = regexp.MustCompile(`^\d+`)

// clusterKubeVersion reads the version from `kubectl version` (Minor is
// "29+" on EKS; GitVersion v1.29.4-eks-036c24b) or from the EKS cluster.
func clusterKubeVersion(s *snapshot.Snapshot) kubeVersion {
	if sv := s.ServerVersion; sv != nil {
		if v, ok := parseKubeVersion(sv.Major, sv.Minor); ok {
			v.from, v.src = "kubectl version", sv.Source
			return v
		}
		if maj, min, ok := strings.Cut(strings.TrimPrefix(sv.GitVersion, "v"), "."); ok {
			if v, ok := parseKubeVersion(maj, min); ok {
				v.from, v.src = "kubectl version", sv.Source
				return v
			}
		}
	}
	if cl := s.Cluster(); cl != nil {
		if maj, min, ok := strings.Cut(cl.Version, "."); ok {
			if v, ok := parseKubeVersion(maj, min); ok {
				v.from, v.src = "EKS cluster "+cl.Name, cl.Source
				return v
			}
		}
	}
	return kubeVersion{}
}

func parseKubeVersion(major, minor string) (kubeVersion, bool) {
	maj, err1 := strconv.Atoi(leadingDigits.FindString(major))
	min, err2 := strconv.Atoi(leadingDigits.FindString(minor))
	if err1 != nil || err2 != nil {
		return kubeVersion{}, false
	}
	return kubeVersion{major: maj, minor: min, known: true}, true
}

// modern reports the 1.19+ kubelet rules (kubernetes#89193); an unknown
// version is taken as modern.
func (v kubeVersion) modern() bool {
	return !v.known || v.major > 1 || v.major == 1 && v.minor >= 19
}

func (v kubeVersion) String() string {
	if !v.known {
		return "cluster version not in the input: Kubernetes 1.19+ rules applied, which hold for every EKS version offered since 2022"
	}
	if v.modern() {
		return fmt.Sprintf("Kubernetes %d.%d: 1.19+ rules", v.major, v.minor)
	}
	return fmt.Sprintf("Kubernetes %d.%d: pre-1.19 rules", v.major, v.minor)
}

// tokenFile is the token file as the kubelet writes it.
type tokenFile struct {
	mode     uint32
	uid, gid int64
	// rule says how the kubelet came to it, in words: built only for a
	// finding that is shown (most are passes, dropped).
	rule func() string
}

// kubeletTokenFile applies the kubelet's rules for a projected
// serviceAccountToken (docs/reference/webhook.md#what-it-injects, docs/reference/webhook.md#token-file-permissions; kubernetes pkg/volume/projected
// collectData: "When FsGroup is set, we depend on SetVolumeOwnership to
// change from 0600 to 0640"; pkg/volume/util FsUserFrom).
func kubeletTokenFile(spec *snapshot.PodSpec, vol *snapshot.Volume, v kubeVersion) tokenFile {
	var fsGroup *int64
	if sc := spec.SecurityContext; sc != nil {
		fsGroup = sc.FSGroup
	}
	if !v.modern() {
		if fsGroup != nil {
			gid := *fsGroup
			return tokenFile{mode: 0o640, gid: gid, rule: func() string {
				return fmt.Sprintf("fsGroup %d is set, so the kubelet makes the token 0640 with group %d, a supplementary group of every container", gid, gid)
			}}
		}
		return tokenFile{mode: 0o600, rule: func() string {
			return "before Kubernetes 1.19 the kubelet writes the token 0600, owned by root, and no fsGroup is set to open it to a group"
		}}
	}
	fsUser := fsUserFrom(spec)
	if fsGroup != nil {
		gid := *fsGroup
		f := tokenFile{mode: 0o640, gid: gid, rule: func() string {
			return fmt.Sprintf("fsGroup %d is set, so the kubelet writes the token 0640 with group %d, a supplementary group of every container", gid, gid)
		}}
		if fsUser != nil {
			f.uid = *fsUser
		}
		return f
	}
	if fsUser != nil {
		uid := *fsUser
		return tokenFile{mode: 0o600, uid: uid, rule: func() string {
			return fmt.Sprintf("no fsGroup is set and every container runs as UID %d, so the kubelet writes the token 0600 owned by UID %d", uid, uid)
		}}
	}
	mode, defaultMode := uint32(0o644), false
	if vol.Projected != nil && vol.Projected.DefaultMode != nil {
		mode, defaultMode = uint32(*vol.Projected.DefaultMode)&0o777, true
	}
	return tokenFile{mode: mode, rule: func() string {
		how := "unset, so 0644"
		if defaultMode {
			how = fmt.Sprintf("%04o", mode)
		}
		return fmt.Sprintf("no fsGroup is set and %s, so the token takes the volume's defaultMode (%s), owned by root", noSharedUser(spec), how)
	}}
}

// noSharedUser says why FsUserFrom found no user shared by every container.
func noSharedUser(spec *snapshot.PodSpec) string {
	var uids []string
	seen := map[int64]bool{}
	for _, ct := range model.AllContainers(spec) {
		u := runAsUser(spec, ct)
		if u == nil {
			return fmt.Sprintf("container %q sets no runAsUser (nor does the pod)", ct.Name)
		}
		if !seen[*u] {
			seen[*u] = true
			uids = append(uids, strconv.FormatInt(*u, 10))
		}
	}
	return "the containers run as different UIDs (" + strings.Join(uids, ", ") + ")"
}

// fsUserFrom is the kubelet's FsUserFrom: the effective runAsUser shared by
// every container (init, regular and ephemeral), or nil when one has none
// or two differ.
func fsUserFrom(spec *snapshot.PodSpec) *int64 {
	var fsUser *int64
	for _, ct := range model.AllContainers(spec) {
		u := runAsUser(spec, ct)
		if u == nil || fsUser != nil && *fsUser != *u {
			return nil
		}
		fsUser = u
	}
	return fsUser
}

// runAsUser is the container's effective runAsUser (the container's,
// else the pod's; securitycontext.DetermineEffectiveRunAsUser).
func runAsUser(spec *snapshot.PodSpec, ct *snapshot.Container) *int64 {
	if ct.SecurityContext != nil && ct.SecurityContext.RunAsUser != nil {
		return ct.SecurityContext.RunAsUser
	}
	if spec.SecurityContext != nil {
		return spec.SecurityContext.RunAsUser
	}
	return nil
}

func runAsGroup(spec *snapshot.PodSpec, ct *snapshot.Container) *int64 {
	if ct.SecurityContext != nil && ct.SecurityContext.RunAsGroup != nil {
		return ct.SecurityContext.RunAsGroup
	}
	if spec.SecurityContext != nil {
		return spec.SecurityContext.RunAsGroup
	}
	return nil
}

func runAsNonRoot(spec *snapshot.PodSpec, ct *snapshot.Container) bool {
	if ct.SecurityContext != nil && ct.SecurityContext.RunAsNonRoot != nil {
		return *ct.SecurityContext.RunAsNonRoot
	}
	return spec.SecurityContext != nil && spec.SecurityContext.RunAsNonRoot != nil && *spec.SecurityContext.RunAsNonRoot
}

// Outcomes of tokenAccess.
const (
	accessYes = iota
	accessNo
	accessUnknown
)

// readAccess is whether a container can read the token, and who it runs as.
type readAccess struct {
	outcome int
	who     string // "runs as UID 1000"
	unknown string // what is not known, for accessUnknown
	// image is the image's USER when the container runs as it and a
	// source shows it; imageUnknown when it runs as it and none does.
	image        sdk.UserVerdict
	imageUnknown bool
}

// imageUserCmd captures the UID a container runs as.
func imageUserCmd(t *model.Target, container string) string {
	pod := "POD"
	if t.Kind == "Pod" {
		pod = t.Name
	}
	return fmt.Sprintf("kubectl exec -n %s %s -c %s -- id -u", t.Namespace, pod, container)
}

// tokenAccess decides whether the container's process can open the file
// for reading, by the POSIX rules: root always; the owner by the owner bits;
// a member of the file's group by the group bits; anyone by the other bits.
// The process's groups are its primary group (runAsGroup, else the image's)
// and the supplementary groups the kubelet adds: fsGroup and
// supplementalGroups.
func tokenAccess(spec *snapshot.PodSpec, ct *snapshot.Container, f tokenFile) readAccess {
	uid, gid := runAsUser(spec, ct), runAsGroup(spec, ct)
	inGroup := gid != nil && *gid == f.gid
	if sc := spec.SecurityContext; sc != nil {
		if sc.FSGroup != nil && *sc.FSGroup == f.gid {
			inGroup = true
		}
		for _, g := range sc.SupplementalGroups {
			if g == f.gid {
				inGroup = true
			}
		}
	}
	groupRead := f.mode&0o040 != 0 && inGroup
	// Without runAsGroup the primary group is the image's, unknown here
	// (often 0 for a UID the image does not list).
	groupMaybe := f.mode&0o040 != 0 && !inGroup && gid == nil
	switch {
	case uid != nil && *uid == 0:
		return readAccess{outcome: accessYes, who: "runs as root (UID 0)"}
	case uid != nil:
		who := fmt.Sprintf("runs as UID %d", *uid)
		switch {
		case *uid == f.uid && f.mode&0o400 != 0, groupRead, f.mode&0o004 != 0:
			return readAccess{outcome: accessYes, who: who}
		case groupMaybe:
			return readAccess{outcome: accessUnknown, who: who, unknown: fmt.Sprintf("it sets no runAsGroup, so its primary group is the image's, which the input does not show (the token's group is %d)", f.gid)}
		}
		return readAccess{outcome: accessNo, who: who}
	}
	// The user is the image's USER.
	if f.mode&0o004 != 0 || groupRead {
		return readAccess{outcome: accessYes, who: "runs as its image's user"}
	}
	if iu := sdk.ImageUser(ct.Image); iu.Known {
		who := fmt.Sprintf("runs as its image's user, UID %d (%s)", iu.UID, iu.Basis)
		switch {
		case iu.UID == 0, iu.UID == f.uid && f.mode&0o400 != 0:
			return readAccess{outcome: accessYes, who: who, image: iu}
		case groupMaybe:
			return readAccess{outcome: accessUnknown, who: who, image: iu, unknown: fmt.Sprintf("it sets no runAsGroup, so its primary group is the image's, which the input does not show (the token's group is %d)", f.gid)}
		}
		return readAccess{outcome: accessNo, who: who, image: iu}
	}
	if runAsNonRoot(spec, ct) {
		who := "runs as its image's non-root user (runAsNonRoot)"
		if groupMaybe {
			return readAccess{outcome: accessUnknown, who: who, unknown: fmt.Sprintf("it sets no runAsGroup, so its primary group is the image's, which the input does not show (the token's group is %d)", f.gid)}
		}
		return readAccess{outcome: accessNo, who: who}
	}
	return readAccess{outcome: accessUnknown, who: "sets no runAsUser, nor does the pod", imageUnknown: true}
}

// userEvidence renders the security settings that decide the container's user.
func userEvidence(spec *snapshot.PodSpec, ct *snapshot.Container) string {
	var parts []string
	if u := runAsUser(spec, ct); u != nil {
		parts = append(parts, fmt.Sprintf("runAsUser %d", *u))
	} else {
		parts = append(parts, "runAsUser unset")
	}
	if g := runAsGroup(spec, ct); g != nil {
		parts = append(parts, fmt.Sprintf("runAsGroup %d", *g))
	}
	if runAsNonRoot(spec, ct) {
		parts = append(parts, "runAsNonRoot true")
	}
	return strings.Join(parts, ", ")
}

// podSecurityEvidence renders the pod-level facts the kubelet's rule used.
func podSecurityEvidence(spec *snapshot.PodSpec, vol *snapshot.Volume) string {
	var parts []string
	if sc := spec.SecurityContext; sc != nil && sc.FSGroup != nil {
		parts = append(parts, fmt.Sprintf("fsGroup %d", *sc.FSGroup))
	} else {
		parts = append(parts, "fsGroup unset")
	}
	if sc := spec.SecurityContext; sc != nil && len(sc.SupplementalGroups) > 0 {
		parts = append(parts, fmt.Sprintf("supplementalGroups %v", sc.SupplementalGroups))
	}
	var users []string
	for _, ct := range model.AllContainers(spec) {
		if u := runAsUser(spec, ct); u != nil {
			users = append(users, fmt.Sprintf("%s=%d", ct.Name, *u))
		} else {
			users = append(users, ct.Name+"=unset")
		}
	}
	parts = append(parts, "effective runAsUser "+strings.Join(users, " "))
	if vol.Projected != nil && vol.Projected.DefaultMode != nil {
		parts = append(parts, fmt.Sprintf("volume %s defaultMode %04o", vol.Name, *vol.Projected.DefaultMode))
	} else {
		parts = append(parts, fmt.Sprintf("volume %s defaultMode unset", vol.Name))
	}
	return "pod security: " + strings.Join(parts, ", ")
}

// fsGroupFix sets the pod's fsGroup in the workload's template: the one
// change that makes the token readable under every kubelet rule.
func fsGroupFix(c *model.Context, t *model.Target, spec *snapshot.PodSpec, ct *snapshot.Container, f tokenFile) []model.Detail {
	gid := int64(65534)
	if g := runAsGroup(spec, ct); g != nil && *g != 0 {
		gid = *g
	}
	kind, name := model.TemplateWorkload(c, t)
	patch := model.TemplatePatch(kind, name, t.Namespace, map[string]any{"spec": map[string]any{"securityContext": map[string]any{"fsGroup": gid}}})
	remedy := fmt.Sprintf("Set `securityContext.fsGroup` on the pod (any GID works: the kubelet writes the token 0640 with that group and adds it to every container's groups; %d here", gid)
	if gid == 65534 {
		remedy += ", as in the webhook's README"
	} else {
		remedy += ", the container's runAsGroup"
	}
	remedy += "). fsGroup also changes the group of the pod's other volumes."
	if f.mode&0o044 == 0 && f.uid == 0 && t.Spec != nil {
		remedy += " Alternatively remove the restrictive `defaultMode` of the token volume, or run every container as the same `runAsUser`."
	}
	var details []model.Detail
	if !patch.None() {
		details = append(details, model.Run(patch))
		if patch.OK() {
			remedy += "\n\n" + model.Lines(patch)
		}
	} else if kind == "" {
		remedy += " A pod's securityContext cannot be changed: edit the manifest and re-create the pod."
	} else {
		remedy += fmt.Sprintf(" Edit the pod template of %s %s, then re-create its pods.", kind, name)
	}
	return append(details, model.Remedy(remedy))
}

// judgedSpec is the target's pod spec; a template has not been admitted,
// so it is judged as the webhook will make it.
// judgedUses is tokenUses of judgedSpec, once per target: applies106,
// containers106 and runIRSA106 all ask.
func judgedUses(t *model.Target) []tokenUse {
	return model.OnceFor(t, judgedUsesKey{}, func() []tokenUse { return tokenUses(judgedSpec(t)) })
}

type judgedUsesKey struct{}

func judgedSpec(t *model.Target) *snapshot.PodSpec {
	spec := t.Spec
	if t.IsTemplate() && spec != nil {
		if res := t.Mutated(false); res.Spec != nil {
			spec = res.Spec
		}
	}
	return spec
}

// applies106: a container reads a web identity token, on Linux (a Windows
// pod's file permissions follow other rules).
func applies106(_ *model.Context, t *model.Target) bool {
	return len(judgedUses(t)) > 0 && !isWindows(judgedSpec(t))
}

// containers106 are the containers that read a web identity token.
func containers106(_ *model.Context, t *model.Target) []string {
	names := []string{}
	for _, u := range judgedUses(t) {
		if !slices.Contains(names, u.container.Name) {
			names = append(names, u.container.Name)
		}
	}
	return names
}
