package model

import (
	"fmt"
	"regexp"
	"sort"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/policy"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

// RoleRef is the IAM role a target asks for: its ServiceAccount's
// eks.amazonaws.com/role-arn annotation, trimmed and parsed.
type RoleRef struct {
	Value  string   // the annotation's value, trimmed
	ARN    arn.Role // parsed
	SA     string   // "namespace/name" of the ServiceAccount
	Source snapshot.Source
	// Container is set when the role comes from the AWS_ROLE_ARN a
	// container of the target writes itself (the ServiceAccount has no
	// annotation): "Kind ns/name container c".
	Container string
}

// Subject is the role as a finding subject.
func (r RoleRef) Subject() finding.Subject {
	return finding.Subject{Kind: "IAMRole", Name: r.ARN.Name, ARN: r.ARN.ARN}
}

// Evidence names the annotation the role comes from.
func (r RoleRef) Evidence() Detail {
	if r.Container != "" {
		return Ev(r.Source, fmt.Sprintf("%s: %s=%s", r.Container, webhook.EnvRoleARN, r.Value))
	}
	return Ev(r.Source, fmt.Sprintf("ServiceAccount %s: %s: %s", r.SA, webhook.AnnotationRoleARN, r.Value))
}

// TargetRole returns the role the target's ServiceAccount names. present
// is false when there is no ServiceAccount or no annotation (IRSA101 and
// IRSA102 judge those); err is set when the annotation is not a valid role
// ARN (IRSA103 judges it).
func TargetRole(t *Target) (ref RoleRef, present bool, err error) {
	// Every IAM-side check asks; parse once per target.
	m := OnceFor(t, roleMemo{}, func() roleMemo {
		ref, present, err := targetRole(t)
		return roleMemo{ref, present, err}
	})
	return m.ref, m.present, m.err
}

type roleMemo struct {
	ref     RoleRef
	present bool
	err     error
}

func targetRole(t *Target) (ref RoleRef, present bool, err error) {
	v, ok := RoleAnnotation(t.SA)
	if !ok {
		return handWrittenRole(t)
	}
	v = strings.TrimSpace(v)
	ref = RoleRef{Value: v, SA: snapshot.Key(t.SA.Namespace, t.SA.Name), Source: t.SA.Source}
	if v == "" {
		return ref, true, fmt.Errorf("the %s annotation is empty", webhook.AnnotationRoleARN)
	}
	ref.ARN, err = arn.ParseRole(v)
	if err != nil {
		return ref, true, fmt.Errorf("the %s annotation: %w", webhook.AnnotationRoleARN, err)
	}
	return ref, true, nil
}

// handWrittenRole is the role of a target whose ServiceAccount has no
// annotation but whose containers write AWS_ROLE_ARN (a literal) and
// AWS_WEB_IDENTITY_TOKEN_FILE themselves: the SDK assumes that role with
// the pod's token all the same (irsa-facts.md §7), so the IAM side judges
// it. Only one role: containers naming different ones are left alone.
func handWrittenRole(t *Target) (RoleRef, bool, error) {
	if t.SA == nil || t.Spec == nil {
		return RoleRef{}, false, nil
	}
	var ref RoleRef
	for _, c := range append(t.Spec.InitContainers[:len(t.Spec.InitContainers):len(t.Spec.InitContainers)], t.Spec.Containers...) {
		role, ok := Env(&c, webhook.EnvRoleARN)
		token, hasToken := Env(&c, webhook.EnvTokenFile)
		if !ok || role.ValueFrom != nil || strings.TrimSpace(role.Value) == "" || !hasToken || token.ValueFrom == nil && token.Value == "" {
			continue
		}
		v := strings.TrimSpace(role.Value)
		if ref.Value != "" && ref.Value != v {
			return RoleRef{}, false, nil
		}
		if ref.Value == "" {
			ref = RoleRef{Value: v, SA: snapshot.Key(t.SA.Namespace, t.SA.Name), Source: t.Source,
				Container: fmt.Sprintf("%s %s/%s container %s", TargetNoun(t), t.Namespace, t.Name, c.Name)}
		}
	}
	if ref.Value == "" {
		return RoleRef{}, false, nil
	}
	var err error
	if ref.ARN, err = arn.ParseRole(ref.Value); err != nil {
		return ref, true, fmt.Errorf("the %s of %s: %w", webhook.EnvRoleARN, ref.Container, err)
	}
	return ref, true, nil
}

// RoleLookup is what the input says about a role.
type RoleLookup struct {
	// Role is the role, found by ARN or, failing that, by account and
	// name (PathNote then says how the paths differ).
	Role     *snapshot.Role
	PathNote string
	// CaseMiss is a role of the same account whose name differs only in
	// letter case. STS matches role names case-sensitively ("Role names
	// are case sensitive when you assume a role", IAM User Guide,
	// "Troubleshoot IAM roles"), so it is not the role.
	CaseMiss *snapshot.Role
}

// FindRole looks the role up in the input.
func FindRole(s *snapshot.Snapshot, ref arn.Role) RoleLookup {
	if r := s.Roles[ref.ARN]; r != nil {
		return RoleLookup{Role: r}
	}
	var out RoleLookup
	for _, key := range iamSortedRoleKeys(s) {
		r := s.Roles[key]
		if r.Account != ref.Account || !strings.HasPrefix(r.ARN, "arn:"+ref.Partition+":") {
			continue
		}
		switch {
		case r.Name == ref.Name && out.Role == nil:
			out.Role = r
			out.PathNote = fmt.Sprintf("the annotation names the role with path %s, IAM holds it with path %s (%s)", ref.Path, iamOr(r.Path, "/"), r.ARN)
		case strings.EqualFold(r.Name, ref.Name) && r.Name != ref.Name && out.CaseMiss == nil:
			out.CaseMiss = r
		}
	}
	if out.Role != nil {
		out.CaseMiss = nil
	}
	return out
}

func iamSortedRoleKeys(s *snapshot.Snapshot) []string {
	keys := make([]string, 0, len(s.Roles))
	for k := range s.Roles {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// roleGap returns the recorded gap of a denied or failed iam:GetRole for the
// role, if any.
func roleGap(s *snapshot.Snapshot, ref arn.Role) (snapshot.Gap, bool) {
	for _, g := range s.Gaps {
		if !strings.EqualFold(g.Operation, "iam:GetRole") {
			continue
		}
		res := strings.TrimSpace(g.Resource)
		if res == "" || res == ref.ARN || res == ref.Name || strings.HasSuffix(res, " "+ref.Name) || strings.HasSuffix(res, "/"+ref.Name) {
			return g, true
		}
	}
	return snapshot.Gap{}, false
}

// getRoleCmd is the capture command for a role.
func GetRoleCmd(ref arn.Role) string {
	return "aws iam get-role --role-name " + ref.Name + " --output json"
}

// roleAbsentReason is the skip reason of a check that needs the role when
// the input does not hold it, with its evidence: a refused get-role, a
// NoSuchEntity text that proves nothing about the role's account, and a
// bare policy document the input holds without its role are named.
func RoleAbsentReason(c *Context, ref arn.Role) (string, []Detail) {
	s := c.Snap
	if g, ok := roleGap(s, ref); ok {
		return fmt.Sprintf("role %s could not be read: %s was refused with %s (capture with credentials allowed to call it: %s)", ref.Name, g.Operation, g.Reason, GetRoleCmd(ref)), nil
	}
	why := fmt.Sprintf("role %s is not in the input", ref.Name)
	capture := GetRoleCmd(ref)
	var details []Detail
	if nf, ok, note := roleNoSuchEntity(s, ref); !ok && nf.Message != "" {
		why += "; " + note
		capture += " --profile PROFILE_OF_" + ref.Account
		details = append(details, Ev(nf.Source, nf.Message))
	}
	bare := c.bareTrust()
	switch {
	case bare.role != nil && bare.role.ARN == ref.ARN:
		return fmt.Sprintf("%s, only a bare policy document that the trust-policy checks take as its trust policy (capture the role: %s)", why, capture),
			append(details, Ev(bare.role.Source, "bare policy document: "+strings.Join(strings.Fields(bare.role.TrustPolicy), " ")))
	case bare.why != "":
		return fmt.Sprintf("%s; the input has a bare policy document but not the role it belongs to (%s); capture it with %s", why, bare.why, capture),
			append(details, bare.evidence...)
	}
	return fmt.Sprintf("%s (capture: %s)", why, capture), details
}

// roleLookupAccount is the account in which `aws iam get-role --role-name
// NAME` looked: IAM's GetRole takes a role name only, and answers from the
// account of the credentials that call it (IAM API reference, GetRole:
// RoleName is its only parameter). That is the caller's account when the
// input holds get-caller-identity output, else the cluster's account (the
// usual credentials of a capture); with neither, the one account the input
// names, if it names exactly one. how says which; account is "" when the
// input does not tell.
func roleLookupAccount(s *snapshot.Snapshot) (account, how string) {
	if s.Caller != nil && arn.IsAccountID(s.Caller.Account) {
		return s.Caller.Account, "the caller's (get-caller-identity)"
	}
	if cl := s.Cluster(); cl != nil && arn.IsAccountID(cl.Account) {
		return cl.Account, "the cluster's, the input having no get-caller-identity output"
	}
	named := namedAccounts(s)
	if len(named) == 1 {
		return named[0], "the only account the input names"
	}
	return "", fmt.Sprintf("the input names accounts %s and does not say which one answered", strings.Join(named, ", "))
}

// namedAccounts lists, sorted, every AWS account the input names: in a
// caller identity, a cluster, a role, a provider or provider list, a
// listing, or a ServiceAccount's role annotation.
func namedAccounts(s *snapshot.Snapshot) []string {
	var out []string
	add := func(a string) {
		if arn.IsAccountID(a) {
			out = AppendUnique(out, a)
		}
	}
	if s.Caller != nil {
		add(s.Caller.Account)
	}
	for _, cl := range s.Clusters {
		add(cl.Account)
	}
	for _, r := range s.Roles {
		add(r.Account)
	}
	for _, p := range s.OIDCProviders {
		add(p.Account)
	}
	for _, pl := range s.ProviderLists {
		add(pl.Account)
		for _, a := range pl.ARNs {
			if pa, err := arn.Parse(a); err == nil {
				add(pa.Account)
			}
		}
	}
	for _, l := range s.Listings {
		add(l.Account)
	}
	for _, sa := range s.ServiceAccounts {
		if v, ok := RoleAnnotation(sa); ok {
			if r, err := arn.ParseRole(strings.TrimSpace(v)); err == nil {
				add(r.Account)
			}
		}
	}
	sort.Strings(out)
	return out
}

// roleNoSuchEntity returns get-role's NoSuchEntity text for the role's
// name, and whether it proves the role missing: only when get-role looked
// in the role's own account (roleLookupAccount). A text that proves
// nothing comes back with ok false and note saying why.
func roleNoSuchEntity(s *snapshot.Snapshot, ref arn.Role) (nf snapshot.NotFound, ok bool, note string) {
	nf, found := s.NotFoundFor(snapshot.KindRole, "", ref.Name)
	if !found {
		return snapshot.NotFound{}, false, ""
	}
	acct, how := roleLookupAccount(s)
	switch {
	case acct == ref.Account:
		return nf, true, ""
	case acct == "":
		return nf, false, fmt.Sprintf("the input's NoSuchEntity error names the role %s only, and %s, so it proves nothing about account %s, since get-role looks a name up in the caller's account only",
			ref.Name, how, ref.Account)
	}
	return nf, false, fmt.Sprintf("the input's NoSuchEntity error for it was answered in account %s, %s: get-role looks a role name up in the caller's account only, so it says nothing about account %s",
		acct, how, ref.Account)
}

// IssuerFact is the cluster's OIDC issuer and where it came from.
type IssuerFact struct {
	URL      string // as EKS reports it: https://oidc.eks.REGION.amazonaws.com/id/ID
	HostPath string // without https://, as IAM names the provider and its keys
	// Cluster is the describe-cluster output it came from; nil when it came
	// from a bare issuer URL file.
	Cluster *snapshot.Cluster
	Region  string // "" when unknown
	Source  snapshot.Source
}

// Evidence names the issuer and its origin.
func (i IssuerFact) Evidence() Detail {
	if i.Cluster != nil {
		return Ev(i.Source, fmt.Sprintf("cluster %s issuer: %s", i.Cluster.Name, i.URL))
	}
	return Ev(i.Source, "issuer URL: "+i.URL)
}

// ClusterName is the cluster's name, or "" when the issuer came from a bare
// issuer URL.
func (i IssuerFact) ClusterName() string {
	if i.Cluster == nil {
		return ""
	}
	return i.Cluster.Name
}

// Partition is the cluster's partition, from its ARN or else its region;
// "" when neither is known.
func (i IssuerFact) Partition() string {
	if i.Cluster != nil {
		if a, err := arn.Parse(i.Cluster.ARN); err == nil {
			return a.Partition
		}
	}
	if i.Region != "" {
		return arn.PartitionForRegion(i.Region)
	}
	return ""
}

// Account is the cluster's account, "" when unknown.
func (i IssuerFact) Account() string {
	if i.Cluster != nil && arn.IsAccountID(i.Cluster.Account) {
		return i.Cluster.Account
	}
	return ""
}

// describeClusterCmd is the capture command for the cluster.
func describeClusterCmd(name string) string {
	if name == "" {
		name = "CLUSTER"
	}
	return "aws eks describe-cluster --name " + name + " --output json"
}

// eksIssuerHost matches the issuer hosts EKS uses, oidc.eks.REGION.amazonaws.com
// and, in China, oidc.eks.REGION.amazonaws.com.cn (irsa-facts.md §3.4).
var eksIssuerHost = regexp.MustCompile(`^oidc\.eks\.([a-z0-9-]+)\.amazonaws\.com(?:\.cn)?$`)

// issuerRegion returns the region of an EKS issuer host and path, or "".
func issuerRegion(hostPath string) string {
	host, _, _ := strings.Cut(hostPath, "/")
	if m := eksIssuerHost.FindStringSubmatch(host); m != nil {
		return m[1]
	}
	return ""
}

// ClusterIssuer returns the issuer of the cluster the input describes:
// describe-cluster's identity.oidc.issuer, or else a bare issuer URL file
// (CONTRACT.md "Bundles"). why says what is missing when ok is false;
// missing is true when the cluster is known and has no issuer (IRSA301).
func ClusterIssuer(s *snapshot.Snapshot) (fact IssuerFact, why string, missing bool) {
	if cl := s.Cluster(); cl != nil {
		if strings.TrimSpace(cl.Issuer) == "" {
			return IssuerFact{Cluster: cl, Region: cl.Region, Source: cl.Source},
				fmt.Sprintf("cluster %s has no OIDC issuer (describe-cluster shows no identity.oidc.issuer)", cl.Name), true
		}
		hp, err := arn.IssuerHostPath(strings.TrimSpace(cl.Issuer))
		if err != nil {
			return IssuerFact{Cluster: cl, Region: cl.Region, Source: cl.Source}, fmt.Sprintf("cluster %s: %v", cl.Name, err), true
		}
		region := cl.Region
		if region == "" {
			region = issuerRegion(hp)
		}
		return IssuerFact{URL: strings.TrimSpace(cl.Issuer), HostPath: hp, Cluster: cl, Region: region, Source: cl.Source}, "", false
	}
	var urls []snapshot.IssuerURL
	seen := map[string]bool{}
	for _, u := range s.IssuerURLs {
		v := strings.TrimSpace(u.URL)
		if v == "" || seen[v] {
			continue
		}
		seen[v] = true
		urls = append(urls, u)
	}
	switch len(urls) {
	case 0:
		return IssuerFact{}, "the input has no EKS cluster and no issuer URL (capture: " + describeClusterCmd("") + ")", false
	case 1:
		v := strings.TrimSpace(urls[0].URL)
		hp, err := arn.IssuerHostPath(v)
		if err != nil {
			return IssuerFact{Source: urls[0].Source}, err.Error(), false
		}
		return IssuerFact{URL: v, HostPath: hp, Region: issuerRegion(hp), Source: urls[0].Source}, "", false
	}
	var vs []string
	for _, u := range urls {
		vs = append(vs, strings.TrimSpace(u.URL))
	}
	sort.Strings(vs)
	return IssuerFact{}, fmt.Sprintf("the input holds several issuer URLs (%s) and no describe-cluster output to choose one (capture: %s)",
		strings.Join(vs, ", "), describeClusterCmd("")), false
}

// AudienceFact is the audience of the token a target's pods present.
type AudienceFact struct {
	Value string
	// Known is false when the token names no audience of its own: the
	// projected volume (or the eks.amazonaws.com/audience annotation the
	// webhook copies into it) is empty, so the API server issues the token
	// for its own audiences, which the input does not show
	// (ServiceAccountTokenProjection.audience: "defaults to the identifier
	// of the apiserver"; the webhook tests the annotation's presence only,
	// irsa-facts.md §1.1).
	Known bool
	// FromVolume is true when the value was read from the target's own
	// aws-iam-token volume, false when it is what the webhook will inject.
	FromVolume bool
	Where      string
	Source     snapshot.Source
}

// Evidence names the audience and where it came from.
func (a AudienceFact) Evidence() Detail {
	if !a.Known {
		return Ev(a.Source, "the token's aud: the API server's own audience ("+a.Where+")")
	}
	return Ev(a.Source, fmt.Sprintf("the token's aud: %s (%s)", a.Value, a.Where))
}

// same reports two facts naming the same audience.
func (a AudienceFact) same(b AudienceFact) bool { return a.Known == b.Known && a.Value == b.Value }

// TokenAudience returns the audience of the target's token: the audience
// of the aws-iam-token projected volume of a pod (as admitted) or of a
// template (the webhook adds no volume whose name exists, so a template's
// own volume is what its pods get: irsa-facts.md §1.3, webhook.Mutate); for
// an unused ServiceAccount, a pod the webhook did not mutate or a template
// without the volume, what the webhook will inject: the ServiceAccount's
// eks.amazonaws.com/audience annotation, else the webhook's default
// sts.amazonaws.com (irsa-facts.md §1.1, §1.2).
func TokenAudience(t *Target) AudienceFact {
	if a, ok := volumeAudience(t); ok {
		return a
	}
	return InjectedAudience(t)
}

// volumeAudience reads the audience of the target's own aws-iam-token
// volume, when it has one that projects a service account token.
func volumeAudience(t *Target) (AudienceFact, bool) {
	if t.Spec == nil || t.IsServiceAccount() {
		return AudienceFact{}, false
	}
	v := Volume(t.Spec, webhook.VolumeName)
	if v == nil || v.Projected == nil {
		return AudienceFact{}, false
	}
	for _, src := range v.Projected.Sources {
		tok := src.ServiceAccountToken
		if tok == nil {
			continue
		}
		where := fmt.Sprintf("volume %s of Pod %s/%s", webhook.VolumeName, t.Namespace, t.Name)
		note := ""
		if t.IsTemplate() {
			where = fmt.Sprintf("volume %s of the pod template of %s %s/%s", webhook.VolumeName, t.Kind, t.Namespace, t.Name)
			note = "; the webhook keeps it, since it adds no volume whose name exists"
		}
		if tok.Audience == "" {
			return AudienceFact{FromVolume: true, Where: where + " sets no audience" + note, Source: t.Source}, true
		}
		return AudienceFact{Value: tok.Audience, Known: true, FromVolume: true, Where: where + note, Source: t.Source}, true
	}
	return AudienceFact{}, false
}

// injectedAudience is the audience the webhook injects for the target's
// ServiceAccount.
func InjectedAudience(t *Target) AudienceFact {
	if t.SA != nil {
		if v, ok := t.SA.Annotations[webhook.AnnotationAudience]; ok {
			where := fmt.Sprintf("annotation %s of ServiceAccount %s/%s", webhook.AnnotationAudience, t.SA.Namespace, t.SA.Name)
			if v == "" {
				return AudienceFact{Where: where + " is empty", Source: t.SA.Source}
			}
			return AudienceFact{Value: v, Known: true, Where: where, Source: t.SA.Source}
		}
		return AudienceFact{Value: webhook.DefaultAudience, Known: true,
			Where:  fmt.Sprintf("the webhook's default: ServiceAccount %s/%s has no %s annotation", t.SA.Namespace, t.SA.Name, webhook.AnnotationAudience),
			Source: t.SA.Source}
	}
	return AudienceFact{Value: webhook.DefaultAudience, Known: true, Where: "the webhook's default", Source: t.Source}
}

// newPodAudience returns the audience a pod would get if it were
// re-created now, when that can be told: its owner's template as the
// webhook mutates it (TokenAudience), or, without the owner in the input,
// what the webhook injects into the pod's own spec without its
// aws-iam-token volume. The webhook runs on CREATE only, so a pod keeps
// the audience it was created with when the ServiceAccount's
// eks.amazonaws.com/audience annotation changes later (irsa-facts.md §1.5).
func newPodAudience(t *Target) (AudienceFact, bool) {
	if !t.IsPod() || t.Spec == nil || t.SA == nil {
		return AudienceFact{}, false
	}
	if w := t.Owner; w != nil {
		if w.Template.Spec.ServiceAccount() != t.SAName {
			// A re-created pod would run as another ServiceAccount.
			return AudienceFact{}, false
		}
		tt := &Target{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Workload: w,
			Meta: &w.Template.ObjectMeta, Spec: &w.Template.Spec, SAName: t.SAName, SA: t.SA, Source: w.Source}
		return TokenAudience(tt), true
	}
	spec := *t.Spec
	spec.Volumes = nil
	for _, v := range t.Spec.Volumes {
		if v.Name != webhook.VolumeName {
			spec.Volumes = append(spec.Volumes, v)
		}
	}
	// A pod the webhook would leave alone (skip label, no role) got its
	// volume from its manifest, which a re-created pod gets again.
	if res := webhook.Mutate(t.Namespace, t.Meta, &spec, t.SA, webhook.Config{}); res.Mode != webhook.ModeIRSA || !res.VolumeAdded {
		return AudienceFact{}, false
	}
	return InjectedAudience(t), true
}

// manifestVolume reports that the target's aws-iam-token volume is
// written in a manifest, not injected by the webhook: a template's own
// volume, or, for a pod, its owner's template's. where names the template.
func ManifestVolume(t *Target) (where string, ok bool) {
	tt := t
	if t.IsPod() {
		w := t.Owner
		if w == nil {
			return "", false
		}
		tt = &Target{Kind: w.Kind, Namespace: w.Namespace, Name: w.Name, Workload: w,
			Meta: &w.Template.ObjectMeta, Spec: &w.Template.Spec, SAName: t.SAName, SA: t.SA, Source: w.Source}
	}
	if !tt.IsTemplate() {
		return "", false
	}
	if _, ok := volumeAudience(tt); !ok {
		return "", false
	}
	return fmt.Sprintf("the pod template of %s %s/%s", tt.Kind, tt.Namespace, tt.Name), true
}

// manifestVolumeRemedy tells to correct a volume written in the manifest:
// the webhook keeps it (irsa-facts.md §1.3), so neither the
// ServiceAccount's annotation nor a restart changes its audience.
func ManifestVolumeRemedy(where, have string, want AudienceFact) string {
	to := "an audience that is accepted"
	if want.Known {
		to = fmt.Sprintf("%q", want.Value)
	}
	return fmt.Sprintf("The aws-iam-token volume in %s requests tokens for %q, and the webhook keeps it, since it adds no volume whose name exists: "+
		"neither the ServiceAccount's eks.amazonaws.com/audience annotation nor a restart changes it. Set that volume's serviceAccountToken audience to %s, "+
		"or remove the volume so that the webhook injects its own, and apply the manifest: the rollout re-creates the pods.", where, have, to)
}

// staleAudience reports a pod whose token audience, read from its own
// volume, is not the one a re-created pod would get, and that one.
func StaleAudience(t *Target) (now AudienceFact, stale bool) {
	have, ok := volumeAudience(t)
	if !ok || !t.IsPod() {
		return AudienceFact{}, false
	}
	now, ok = newPodAudience(t)
	if !ok || now.same(have) {
		return AudienceFact{}, false
	}
	return now, true
}

// staleRestart returns the commands that re-create every pod of the
// target's ServiceAccount that still has the target's stale audience (the
// owner's `kubectl rollout restart`, as IRSA104 builds it), so that every
// such pod's finding carries the same fix.
func StaleRestart(c *Context, t *Target, have, now AudienceFact) []string {
	key := restartKey{t.Namespace, t.SAName, have.Value, now.Value}
	return Once(c, key, func() []string { return staleRestart(c, t, have, now) })
}

// restartKey identifies the pods of one ServiceAccount whose token
// audience is stale.
type restartKey struct{ namespace, sa, have, now string }

func staleRestart(c *Context, t *Target, have, now AudienceFact) []string {
	var cmds []string
	for _, o := range c.Targets {
		if !o.IsPod() || o.Namespace != t.Namespace || o.SAName != t.SAName || o.Mechanism == MechanismPodIdentity {
			continue
		}
		oh, ok := volumeAudience(o)
		if !ok || !oh.same(have) {
			continue
		}
		if on, stale := StaleAudience(o); !stale || !on.same(now) {
			continue
		}
		oc, _ := RecreateFix(c, o)
		for _, cmd := range oc {
			cmds = AppendUnique(cmds, cmd)
		}
	}
	sort.Strings(cmds)
	return cmds
}

// restartFirst is the remediation of a pod whose stale audience is what
// fails: re-create the pods, then, only as the alternative, the change
// that widens what IAM accepts (rest).
func RestartFirst(t *Target, have, now AudienceFact, cmds []string, rest string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Restart the pods first. Their token has the audience %q, set when they were created; the webhook acts only when a pod is created, and gives a new pod %q (%s), which is accepted:\n\n", have.Value, now.Value, now.Where)
	for _, c := range cmds {
		b.WriteString("    " + c + "\n")
	}
	if t.Owner == nil {
		// newPodAudience could only ask the webhook: the manifest the
		// pod came from is not in the input.
		b.WriteString("\nThe pod's owner is not in the input: if its manifest defines the aws-iam-token volume itself, the webhook keeps that one, so correct the audience there.\n")
	}
	b.WriteString("\nOnly if these pods must keep the old audience, widen what IAM accepts instead. " + rest)
	return b.String()
}

// WebIdentity is what STS sees when the target's pods call
// AssumeRoleWithWebIdentity.
type WebIdentity struct {
	Role     RoleRef
	Issuer   IssuerFact
	Audience AudienceFact
	Subject  string
	// ProviderARN is the principal of the request: the IAM OIDC provider
	// for the issuer in the role's account and partition, since "the OIDC
	// IdP and the IAM role must be in the same AWS account" (irsa-facts.md
	// §2, InvalidIdentityToken row; §3.1).
	ProviderARN string
	// SubjectSource is where the subject's namespace and name come from.
	SubjectSource snapshot.Source
}

// NewWebIdentity builds the request facts of a target whose role and
// issuer are known.
func NewWebIdentity(t *Target, role RoleRef, issuer IssuerFact) WebIdentity {
	return WebIdentity{
		Role: role, Issuer: issuer, Audience: TokenAudience(t),
		Subject:       policy.ServiceAccountSubject(t.Namespace, t.SAName),
		ProviderARN:   ProviderARN(role.ARN.Partition, role.ARN.Account, issuer.HostPath),
		SubjectSource: t.Source,
	}
}

func ProviderARN(partition, account, hostPath string) string {
	return "arn:" + partition + ":iam::" + account + ":oidc-provider/" + hostPath
}

// Request is the request STS evaluates against the role's trust policy.
// An audience that is not known is left out of the context: a condition on
// it is then uncertain, never decided.
func (w WebIdentity) Request() policy.Request {
	return w.RequestFor(w.Subject, w.Audience)
}

// RequestFor is the request of another subject or audience from the same
// cluster.
func (w WebIdentity) RequestFor(subject string, aud AudienceFact) policy.Request {
	req := policy.WebIdentityRequest(w.ProviderARN, w.Issuer.HostPath, aud.Value, subject)
	if !aud.Known {
		delete(req.Context, w.Issuer.HostPath+":aud")
	}
	return req
}

// SubjectEvidence names the token's sub and where it comes from.
func (w WebIdentity) SubjectEvidence() Detail {
	return Ev(w.SubjectSource, "the token's sub: "+w.Subject)
}

// ProviderEvidence names the principal STS sees and how it was derived.
func (w WebIdentity) ProviderEvidence() Detail {
	return Ev(w.Issuer.Source, fmt.Sprintf("the request's principal: Federated %s (the issuer's provider in the role's account %s)", w.ProviderARN, w.Role.ARN.Account))
}

// CrossAccount reports whether the role is in another account than the
// cluster (false when the cluster's account is unknown).
func (w WebIdentity) CrossAccount() bool {
	acct := w.Issuer.Account()
	return acct != "" && acct != w.Role.ARN.Account
}

// ProfileFlag is what IAM commands for the role's account need when that
// is not the cluster's account: credentials of the role's account.
func (w WebIdentity) ProfileFlag() string {
	if w.CrossAccount() {
		return " --profile PROFILE_OF_" + w.Role.ARN.Account
	}
	return ""
}

// noRoleSubject is the subject of an IAM-side outcome of a target whose
// role is not known: its ServiceAccount.
func NoRoleSubject(t *Target) finding.Subject {
	if t.SAName != "" {
		return t.SASubject()
	}
	return t.Subject()
}

// iamTargetRole returns the target's role, recording the outcome itself
// (skipped, or nothing when the check does not apply) when there is none.
func IamTargetRole(t *Target, r *Verdicts) (RoleRef, bool) {
	if t.SA == nil {
		r.Skip(NoRoleSubject(t), fmt.Sprintf("ServiceAccount %s/%s is not in the input, so the role is not known (capture: kubectl get serviceaccount %s -n %s -o json)",
			t.Namespace, t.SAName, t.SAName, t.Namespace))
		return RoleRef{}, false
	}
	ref, present, err := TargetRole(t)
	switch {
	case !present:
		// No role to judge (IRSA102).
		return RoleRef{}, false
	case err != nil:
		r.Skip(NoRoleSubject(t), fmt.Sprintf("the role is not known: %v (IRSA103)", err))
		return RoleRef{}, false
	}
	return ref, true
}

// trustInput is what the trust-policy checks (IRSA202-IRSA210) judge.
type TrustInput struct {
	WebIdentity
	RoleFact *snapshot.Role
	Doc      *policy.Document
	// Bare is true when RoleFact was made from a bare policy document
	// (bareTrust), not read from get-role or list-roles output.
	Bare bool
}

// prepareTrust gathers the trust policy and the request for the target,
// recording a skip (or nothing, when the check does not apply) and
// returning false when the check cannot judge.
func PrepareTrust(c *Context, t *Target, r *Verdicts) (*TrustInput, bool) {
	// Eight checks judge the same trust policy for the same target: gather
	// it once, with the verdicts each of them records.
	e := OnceFor(t, trustKey{}, func() (e trustEntry) {
		e.in, e.ok = gatherTrust(c, t, &e.v)
		return e
	})
	*r = append(*r, e.v...)
	return e.in, e.ok
}

type trustKey struct{}

type trustEntry struct {
	in *TrustInput
	ok bool
	v  Verdicts
}

func gatherTrust(c *Context, t *Target, r *Verdicts) (*TrustInput, bool) {
	ref, ok := IamTargetRole(t, r)
	if !ok {
		return nil, false
	}
	subj := ref.Subject()
	role, bare, lk := c.RoleFact(ref.ARN)
	if role == nil {
		why, ev := RoleAbsentReason(c, ref.ARN)
		if RoleProvenMissing(c.Snap, ref.ARN, lk) != "" {
			why, ev = fmt.Sprintf("role %s does not exist (IRSA201)", ref.ARN.Name), nil
		}
		r.Skip(subj, why, ev...)
		return nil, false
	}
	if strings.TrimSpace(role.TrustPolicy) == "" {
		r.Skip(subj, fmt.Sprintf("the input holds role %s without its trust policy (capture: %s)", ref.ARN.Name, GetRoleCmd(ref.ARN)))
		return nil, false
	}
	doc, err := c.TrustDocument(role.TrustPolicy)
	if err != nil {
		r.Skip(subj, fmt.Sprintf("the trust policy of role %s is not valid (IRSA209): %v", ref.ARN.Name, err))
		return nil, false
	}
	if dup := repeatedKey(doc); dup != "" {
		r.Skip(subj, fmt.Sprintf("IAM's decision for the trust policy of role %s is not determined: it repeats the JSON key %s, and IAM does not document which copy it uses", ref.ARN.Name, dup))
		return nil, false
	}
	issuer, why, _ := c.ClusterIssuer()
	if why != "" {
		r.Skip(subj, "the request STS evaluates is not known: "+why)
		return nil, false
	}
	return &TrustInput{WebIdentity: NewWebIdentity(t, ref, issuer), RoleFact: role, Doc: doc, Bare: bare}, true
}

// roleFact is the role whose trust policy the checks judge for ref: the
// role in the input (FindRole), else the role made from a bare policy
// document when that document can only be this role's (bareTrust). bare
// tells which; lk is FindRole's answer.
func (c *Context) RoleFact(ref arn.Role) (role *snapshot.Role, bare bool, lk RoleLookup) {
	lk = FindRole(c.Snap, ref)
	if lk.Role != nil {
		return lk.Role, false, lk
	}
	if b := c.bareTrust(); b.role != nil && b.role.ARN == ref.ARN {
		return b.role, true, lk
	}
	return nil, false, lk
}

// bareEntry is the outcome of bareTrust: role is set when the bare policy
// document is taken as a role's trust policy; otherwise why says why it is
// not, and ref names the document ("" when the input has none).
type bareEntry struct {
	role     *snapshot.Role
	why      string
	evidence []Detail // the documents, when not taken
}

// bareTrust decides, once per run, whose trust policy a bare policy
// document is (CONTRACT.md "Bundles": a bare policy document is
// recognised, and names no role; `aws iam get-role --query
// Role.AssumeRolePolicyDocument` prints one). It is taken as a role's trust
// policy only when nothing else can be meant: the input holds exactly one
// distinct bare document, it is a web identity trust policy (every
// statement names a principal, one of them an IAM OIDC provider), it is no
// copy of a role's trust policy the input holds, exactly one role is in
// question (every ServiceAccount of the run that names a valid role names
// the same one), and the input neither holds that role nor proves it
// missing.
func (c *Context) bareTrust() bareEntry {
	return Once(c, bareKey{}, func() bareEntry { return decideBareTrust(c) })
}

type bareKey struct{}

func decideBareTrust(c *Context) bareEntry {
	s := c.Snap
	var docs []snapshot.LoosePolicy
	seen := map[string]bool{}
	for _, p := range s.Policies {
		k := strings.Join(strings.Fields(p.Document), "")
		if k == "" || seen[k] {
			continue
		}
		seen[k] = true
		docs = append(docs, p)
	}
	if len(docs) == 0 {
		return bareEntry{}
	}
	var e bareEntry
	for _, d := range docs {
		e.evidence = append(e.evidence, Ev(d.Source, "bare policy document: "+strings.Join(strings.Fields(d.Document), " ")))
	}
	if len(docs) > 1 {
		e.why = fmt.Sprintf("it has %d different bare documents, none of which names its role", len(docs))
		return e
	}
	var roles []string
	for _, t := range c.Targets {
		if t.Mechanism == MechanismPodIdentity {
			continue
		}
		if ref, present, err := TargetRole(t); present && err == nil {
			roles = AppendUnique(roles, ref.ARN.ARN)
		}
	}
	sort.Strings(roles)
	if len(roles) != 1 {
		e.why = fmt.Sprintf("the service accounts name %d roles: %s", len(roles), strings.Join(roles, ", "))
		if len(roles) == 0 {
			e.why = "no service account names a valid role"
		}
		return e
	}
	ref, err := arn.ParseRole(roles[0])
	if err != nil {
		e.why = err.Error()
		return e
	}
	if lk := FindRole(s, ref); lk.Role != nil || RoleProvenMissing(s, ref, lk) != "" {
		e.why = "the role itself is in the input, or proven missing"
		return e
	}
	doc, err := c.TrustDocument(docs[0].Document)
	if err != nil {
		e.why = fmt.Sprintf("it is not a valid policy: %v", err)
		return e
	}
	if !webIdentityTrust(doc) {
		e.why = "it is not a trust policy for an IAM OIDC provider"
		return e
	}
	for _, k := range iamSortedRoleKeys(s) {
		if r := s.Roles[k]; strings.Join(strings.Fields(r.TrustPolicy), "") == strings.Join(strings.Fields(docs[0].Document), "") {
			e.why = "it is the trust policy of role " + r.ARN
			return e
		}
	}
	return bareEntry{role: &snapshot.Role{ARN: ref.ARN, Name: ref.Name, Path: ref.Path, Account: ref.Account,
		TrustPolicy: docs[0].Document, Source: docs[0].Source}}
}

// webIdentityTrust reports a trust policy for web identity: every statement
// names a principal (a trust policy is a resource-based policy; a
// permissions policy names none), and one trusts an IAM OIDC provider.
func webIdentityTrust(d *policy.Document) bool {
	oidc := false
	for _, st := range d.Statements {
		if st.Principal == nil {
			return false
		}
		for _, p := range st.Principal.Entries {
			if p.Type == policy.PrincipalFederated && strings.Contains(p.Value, ":oidc-provider/") {
				oidc = true
			}
		}
	}
	return oidc
}

// repeatedKey returns the first JSON key the document repeats, "" when
// none: the evaluator cannot decide such a document (policy.Result).
func repeatedKey(d *policy.Document) string {
	if len(d.Duplicates) > 0 {
		return d.Duplicates[0]
	}
	for _, st := range d.Statements {
		if len(st.Duplicates) > 0 {
			return st.Duplicates[0]
		}
	}
	return ""
}

// roleProvenMissing returns the proof that the role does not exist ("" when
// the input does not prove it): get-role's NoSuchEntity text from the
// role's own account, or a complete list-roles of the role's account
// without it.
func RoleProvenMissing(s *snapshot.Snapshot, ref arn.Role, lk RoleLookup) string {
	if lk.Role != nil {
		return ""
	}
	if nf, ok, _ := roleNoSuchEntity(s, ref); ok {
		return nf.Message
	}
	if _, ok := s.ListedInAccount(snapshot.KindRole, ref.Account); ok {
		return "list-roles of account " + ref.Account
	}
	return ""
}

// trustPolicyEvidence shows the role's trust policy as the input holds it.
func TrustPolicyEvidence(in *TrustInput) Detail {
	return Ev(in.RoleFact.Source, TrustPolicyLabel(in.RoleFact, in.Bare)+": "+IamCompactPolicy(in.Doc))
}

// trustPolicyLabel names a trust policy in evidence; a bare document says
// why it is taken as the role's.
func TrustPolicyLabel(role *snapshot.Role, bare bool) string {
	if bare {
		return fmt.Sprintf("bare policy document, taken as the trust policy of role %s (the only role the service accounts name, and the only trust policy in the input)", role.Name)
	}
	return fmt.Sprintf("role %s trust policy", role.Name)
}

// iamCompactPolicy is the trust policy as one line.
func IamCompactPolicy(d *policy.Document) string {
	return strings.Join(strings.Fields(d.JSON), " ")
}

func iamOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// iamQuoteArg quotes a shell argument when it needs it.
func IamQuoteArg(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=,.@/:%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
