package check

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

// The facts every IAM-side check (IRSA2xx, IRSA3xx) needs about a target:
// the role its ServiceAccount names, the cluster's issuer, the token's
// audience and subject, and from them the request STS evaluates when a pod
// calls AssumeRoleWithWebIdentity (irsa-facts.md §3.1, §3.2, §1.8). Each
// value keeps where it came from, for evidence.

// RoleRef is the IAM role a target asks for: its ServiceAccount's
// eks.amazonaws.com/role-arn annotation, trimmed and parsed.
type RoleRef struct {
	Value  string   // the annotation's value, trimmed
	ARN    arn.Role // parsed
	SA     string   // "namespace/name" of the ServiceAccount
	Source snapshot.Source
}

// Subject is the role as a finding subject.
func (r RoleRef) Subject() finding.Subject {
	return finding.Subject{Kind: "IAMRole", Name: r.ARN.Name, ARN: r.ARN.ARN}
}

// Evidence names the annotation the role comes from.
func (r RoleRef) Evidence() Detail {
	return Ev(r.Source, fmt.Sprintf("ServiceAccount %s: %s: %s", r.SA, webhook.AnnotationRoleARN, r.Value))
}

// TargetRole returns the role the target's ServiceAccount names. present
// is false when there is no ServiceAccount or no annotation (IRSA101 and
// IRSA102 judge those); err is set when the annotation is not a valid role
// ARN (IRSA103 judges it).
func TargetRole(t *Target) (ref RoleRef, present bool, err error) {
	// Every IAM-side check asks; parse once per target.
	if t.role == nil {
		ref, present, err := targetRole(t)
		t.role = &roleMemo{ref, present, err}
	}
	return t.role.ref, t.role.present, t.role.err
}

type roleMemo struct {
	ref     RoleRef
	present bool
	err     error
}

func targetRole(t *Target) (ref RoleRef, present bool, err error) {
	v, ok := RoleAnnotation(t.SA)
	if !ok {
		return RoleRef{}, false, nil
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
func getRoleCmd(ref arn.Role) string {
	return "aws iam get-role --role-name " + ref.Name + " --output json"
}

// roleAbsentReason is the skip reason of a check that needs the role when
// the input does not hold it.
func roleAbsentReason(s *snapshot.Snapshot, ref arn.Role) string {
	if g, ok := roleGap(s, ref); ok {
		return fmt.Sprintf("role %s could not be read: %s was refused with %s (capture with credentials allowed to call it: %s)", ref.Name, g.Operation, g.Reason, getRoleCmd(ref))
	}
	return fmt.Sprintf("role %s is not in the input (capture: %s)", ref.Name, getRoleCmd(ref))
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
	Known  bool
	Where  string
	Source snapshot.Source
}

// Evidence names the audience and where it came from.
func (a AudienceFact) Evidence() Detail {
	if !a.Known {
		return Ev(a.Source, "the token's aud: the API server's own audience ("+a.Where+")")
	}
	return Ev(a.Source, fmt.Sprintf("the token's aud: %s (%s)", a.Value, a.Where))
}

// TokenAudience returns the audience of the target's token: for a pod, the
// audience of its aws-iam-token projected volume, as admitted; for a
// template, an unused ServiceAccount or a pod the webhook did not mutate,
// what the webhook will inject: the ServiceAccount's
// eks.amazonaws.com/audience annotation, else the webhook's default
// sts.amazonaws.com (irsa-facts.md §1.1, §1.2).
func TokenAudience(t *Target) AudienceFact {
	if t.IsPod() && t.Spec != nil {
		if v := Volume(t.Spec, webhook.VolumeName); v != nil && v.Projected != nil {
			for _, src := range v.Projected.Sources {
				if tok := src.ServiceAccountToken; tok != nil {
					where := fmt.Sprintf("volume %s of Pod %s/%s", webhook.VolumeName, t.Namespace, t.Name)
					if tok.Audience == "" {
						return AudienceFact{Where: where + " sets no audience", Source: t.Source}
					}
					return AudienceFact{Value: tok.Audience, Known: true, Where: where, Source: t.Source}
				}
			}
		}
	}
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

// ServiceAccountSubject is the token's sub claim for a ServiceAccount
// (irsa-facts.md §1.8).
func ServiceAccountSubject(namespace, name string) string {
	return "system:serviceaccount:" + namespace + ":" + name
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
		Subject:       ServiceAccountSubject(t.Namespace, t.SAName),
		ProviderARN:   providerARN(role.ARN.Partition, role.ARN.Account, issuer.HostPath),
		SubjectSource: t.Source,
	}
}

func providerARN(partition, account, hostPath string) string {
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
func noRoleSubject(t *Target) finding.Subject {
	if t.SAName != "" {
		return t.SASubject()
	}
	return t.Subject()
}

// iamTargetRole returns the target's role, recording the outcome itself
// (skipped, or nothing when the check does not apply) when there is none.
func iamTargetRole(t *Target, r *Recorder) (RoleRef, bool) {
	if t.SA == nil {
		r.Skip(noRoleSubject(t), fmt.Sprintf("ServiceAccount %s/%s is not in the input, so the role is not known (capture: kubectl get serviceaccount %s -n %s -o json)",
			t.Namespace, t.SAName, t.SAName, t.Namespace))
		return RoleRef{}, false
	}
	ref, present, err := TargetRole(t)
	switch {
	case !present:
		// No role to judge (IRSA102); a blocked check still shows the
		// cascade.
		if r.Blocked() {
			r.Skip(noRoleSubject(t), "")
		}
		return RoleRef{}, false
	case err != nil:
		r.Skip(noRoleSubject(t), fmt.Sprintf("the role is not known: %v (IRSA103)", err))
		return RoleRef{}, false
	}
	return ref, true
}

// trustInput is what the trust-policy checks (IRSA202-IRSA210) judge.
type trustInput struct {
	WebIdentity
	RoleFact *snapshot.Role
	Doc      *policy.Document
}

// prepareTrust gathers the trust policy and the request for the target,
// recording a skip (or nothing, when the check does not apply) and
// returning false when the check cannot judge.
func prepareTrust(c *Context, t *Target, r *Recorder) (*trustInput, bool) {
	// Eight checks judge the same trust policy for the same target: gather
	// it once. (A target whose facts are missing recomputes, so that each
	// check records its own skip.)
	if t.trust != nil {
		return t.trust, true
	}
	in, ok := gatherTrust(c, t, r)
	if ok {
		t.trust = in
	}
	return in, ok
}

func gatherTrust(c *Context, t *Target, r *Recorder) (*trustInput, bool) {
	ref, ok := iamTargetRole(t, r)
	if !ok {
		return nil, false
	}
	subj := ref.Subject()
	lk := FindRole(c.Snap, ref.ARN)
	if lk.Role == nil {
		why := roleAbsentReason(c.Snap, ref.ARN)
		if roleProvenMissing(c.Snap, ref.ARN, lk) != "" {
			why = fmt.Sprintf("role %s does not exist (IRSA201)", ref.ARN.Name)
		}
		r.Skip(subj, why)
		return nil, false
	}
	if strings.TrimSpace(lk.Role.TrustPolicy) == "" {
		r.Skip(subj, fmt.Sprintf("the input holds role %s without its trust policy (capture: %s)", ref.ARN.Name, getRoleCmd(ref.ARN)))
		return nil, false
	}
	doc, err := c.TrustDocument(lk.Role.TrustPolicy)
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
	return &trustInput{WebIdentity: NewWebIdentity(t, ref, issuer), RoleFact: lk.Role, Doc: doc}, true
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
// the input does not prove it): get-role's NoSuchEntity text, or a complete
// list-roles of the role's account without it.
func roleProvenMissing(s *snapshot.Snapshot, ref arn.Role, lk RoleLookup) string {
	if lk.Role != nil {
		return ""
	}
	if nf, ok := s.NotFoundFor(snapshot.KindRole, "", ref.Name); ok {
		return nf.Message
	}
	if _, ok := s.ListedInAccount(snapshot.KindRole, ref.Account); ok {
		return "list-roles of account " + ref.Account
	}
	return ""
}

// trustPolicyEvidence shows the role's trust policy as the input holds it.
func trustPolicyEvidence(in *trustInput) Detail {
	return Ev(in.RoleFact.Source, fmt.Sprintf("role %s trust policy: %s", in.RoleFact.Name, iamCompactPolicy(in.Doc)))
}

// iamCompactPolicy is the trust policy as one line.
func iamCompactPolicy(d *policy.Document) string {
	return strings.Join(strings.Fields(d.JSON), " ")
}

func iamOr(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// iamGlob reports whether s matches an IAM pattern where "*" is any run of
// characters and "?" exactly one (StringLike; IAM User Guide, "Condition
// operators"); fold compares case-insensitively.
func iamGlob(pattern, s string, fold bool) bool {
	if fold {
		pattern, s = strings.ToLower(pattern), strings.ToLower(s)
	}
	p, str := []rune(pattern), []rune(s)
	pi, si, star, mark := 0, 0, -1, 0
	for si < len(str) {
		switch {
		case pi < len(p) && (p[pi] == '?' || (p[pi] != '*' && p[pi] == str[si])):
			pi++
			si++
		case pi < len(p) && p[pi] == '*':
			star, mark = pi, si
			pi++
		case star >= 0:
			pi = star + 1
			mark++
			si = mark
		default:
			return false
		}
	}
	for pi < len(p) && p[pi] == '*' {
		pi++
	}
	return pi == len(p)
}

// iamQuoteArg quotes a shell argument when it needs it.
func iamQuoteArg(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-+=,.@/:%") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
