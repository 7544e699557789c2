package check

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
	"github.com/irsa-doctor/irsa-doctor/internal/sdk"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
	"github.com/irsa-doctor/irsa-doctor/internal/webhook"
)

var irsa409 = &Check{
	ID:         "IRSA409",
	Slug:       "sts-endpoint-unreachable",
	Title:      "The SDK calls the global STS endpoint where it cannot be reached",
	Severity:   finding.SeverityError,
	Link:       finding.LinkWebhook,
	Scope:      ScopeWorkloads,
	Requires:   []*Check{irsa101},
	IRSA:       true,
	Secondary:  true,
	Containers: containers409,
	Run:        runIRSA409,
}

// legacyGlobalRegions are the Regions where the legacy setting sends STS
// calls to sts.amazonaws.com; every other Region uses its Regional
// endpoint whatever the setting (AWS SDKs and Tools Reference Guide, "AWS
// STS Regional endpoints"; aws-sdk-go CHANGELOG, #2779).
var legacyGlobalRegions = map[string]bool{
	"ap-northeast-1": true, "ap-south-1": true, "ap-southeast-1": true, "ap-southeast-2": true, "aws-global": true,
	"ca-central-1": true, "eu-central-1": true, "eu-north-1": true, "eu-west-1": true, "eu-west-2": true, "eu-west-3": true,
	"sa-east-1": true, "us-east-1": true, "us-east-2": true, "us-west-1": true, "us-west-2": true,
}

// stsLegacySDKs are the SDKs whose default is the legacy (global)
// setting, with the source of that fact; SDKs not listed are unknown
// (several changed their default in 2025, by version: AWS Developer Tools
// Blog, "Updating AWS SDK defaults – AWS STS service endpoint and Retry
// Strategy").
var stsLegacySDKs = map[string]string{
	"go-v1": "aws-sdk-go CHANGELOG v1.25.18 (#2779): the STS regional flag \"defaults to legacy\"; aws-sdk-go is in maintenance and never changed it",
}

func runIRSA409(c *model.Context, t *model.Target, r *Recorder) {
	for _, ch := range model.CredentialChains(c.Snap, t) {
		if ch.Ephemeral || ch.Source != model.SourceWebIdentity {
			continue
		}
		judgeSTSEndpoint(c, t, r, ch)
	}
}

func judgeSTSEndpoint(c *model.Context, t *model.Target, r *Recorder, ch model.ContainerChain) {
	subj := t.ContainerSubject(ch.Name)
	setting, how, known := stsSetting(c, t, ch.Name)
	// How the setting is known goes to evidence, so that a template's
	// finding and its pods' read alike and fold into one.
	// Built only when a finding shows it (EvLazy): most are passes, dropped.
	// The closure takes the name alone: taking ch would move the whole
	// chain to the heap for every container.
	name := ch.Name
	howEv := model.EvLazy(&t.Source, func() string { return fmt.Sprintf("container %s: AWS_STS_REGIONAL_ENDPOINTS: %s", name, how) })
	switch {
	case !known:
		r.Skip(subj, "whether AWS_STS_REGIONAL_ENDPOINTS=regional is injected is unknown: "+how)
		return
	case strings.EqualFold(setting, "regional"):
		r.PassFunc(subj, func() (string, []model.Detail) {
			return "the container's SDK calls the regional STS endpoint (AWS_STS_REGIONAL_ENDPOINTS=regional)", []model.Detail{howEv}
		})
		return
	}
	region := containerRegion(t, ch.Name)
	if region != "" && !legacyGlobalRegions[region] {
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("region %s is not one where the legacy setting uses the global endpoint, so the container's SDK calls sts.%s.%s", region, region, regionDomain(region)), nil
		})
		return
	}
	settingText := "AWS_STS_REGIONAL_ENDPOINTS is unset"
	if setting != "" {
		settingText = fmt.Sprintf("AWS_STS_REGIONAL_ENDPOINTS is %q", setting)
	}
	regionText := "the container sets no Region (AWS_REGION, AWS_DEFAULT_REGION)"
	if region != "" {
		regionText = "its Region " + region + " is one where the legacy setting uses the global endpoint"
	}

	// Where the global endpoint fails.
	var where string
	var sev finding.Severity
	details := []model.Detail{howEv}
	cl := c.Snap.Cluster()
	partition := rolePartition(ch.Role)
	if cl != nil {
		if p := regionPartition(cl.Region); p != "" {
			partition = p
		}
		details = append(details, model.Ev(cl.Source, clusterEndpointFacts(cl)))
	}
	switch {
	case partition != "" && partition != "aws" && region == "":
		where = fmt.Sprintf("partition %s has no global STS endpoint: sts.amazonaws.com is the commercial partition's, where the role does not exist", partition)
		sev = finding.SeverityError
	case cl != nil && cl.EndpointPublicAccess != nil && !*cl.EndpointPublicAccess:
		where = "the cluster's API server endpoint is private only (endpointPublicAccess false), a hint (not a proof) that its VPC has no route to the internet: sts.amazonaws.com is public, and an STS VPC endpoint serves only the Regional name"
		sev = finding.SeverityWarning
	case cl == nil:
		r.Skip(subj, fmt.Sprintf("%s and %s, so an SDK with the legacy default calls sts.amazonaws.com; whether that endpoint is reachable is unknown: the input has no EKS cluster (capture: aws eks describe-cluster --name CLUSTER --output json)", settingText, regionText), howEv)
		return
	default:
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("%s and %s, so an SDK with the legacy default calls sts.amazonaws.com, which a cluster with a public API endpoint in partition aws usually reaches (regional is recommended)", settingText, regionText), details
		})
		return
	}

	image := imageOf(t, ch.Name)
	sdkName, source, legacy := sdkSTSDefault(image)
	if !legacy {
		what := "the container's image " + image + " is not a well-known AWS image"
		if sdkName != "" {
			what = "the default STS setting of " + sdkName + " (image " + image + ") is not known"
		}
		r.Skip(subj, fmt.Sprintf("%s and %s; %s, so whether its SDK calls sts.amazonaws.com is unknown: if it does, the call fails, because %s", settingText, regionText, what, where), details...)
		return
	}
	msg := fmt.Sprintf("%s and %s, and the container's SDK (%s, image %s) defaults to the global endpoint, so AssumeRoleWithWebIdentity goes to sts.amazonaws.com, which fails here: %s",
		settingText, regionText, sdkName, image, where)
	details = append(details, model.WithSeverity(sev), model.Ev(t.Source, fmt.Sprintf("container %s: image %s carries %s (%s)", ch.Name, image, sdkName, source)))
	if t.SA != nil {
		details = append(details, model.Ev(t.SA.Source, fmt.Sprintf("ServiceAccount %s/%s: %s %s", t.Namespace, t.SAName, webhook.AnnotationSTSRegional, annotationOrUnset(t.SA.Annotations, webhook.AnnotationSTSRegional))))
	}
	on := "true"
	cmds := []model.Argv{model.SaAnnotateCmd(t.Namespace, t.SAName, webhook.AnnotationSTSRegional, &on, true)}
	if t.IsPod() {
		more, _ := model.RecreateFix(c, t)
		cmds = append(cmds, more...)
	} else if t.IsTemplate() {
		cmds = append(cmds, model.RolloutRestart(t.Kind, t.Name, t.Namespace))
	}
	details = append(details, model.Run(cmds...))
	r.Fail(subj, msg, details...)
}

// stsSetting returns the AWS_STS_REGIONAL_ENDPOINTS value the container
// runs with ("" when unset), how that is known, and whether it is. A pod
// shows it; a template gets what the webhook injects: the container's own
// value, else "regional" when the ServiceAccount's
// eks.amazonaws.com/sts-regional-endpoints parses true, nothing when it
// parses false, else the webhook's default, which EKS sets to regional
// from Kubernetes 1.22 on (docs/reference/webhook.md#annotations-it-reads; EKS User Guide,
// "Configure the AWS STS endpoint for a service account").
func stsSetting(c *model.Context, t *model.Target, name string) (value, how string, known bool) {
	cont := model.SpecContainer(t.Spec, name)
	if cont != nil {
		if v, ok := model.EnvOf(cont)[webhook.EnvSTSRegional]; ok {
			if v.Ref != nil {
				return "", "set from " + model.RefString(v.Ref), false
			}
			if t.IsPod() {
				return v.Value, "in the container's environment", true
			}
			return v.Value, "set in the container spec", true
		}
	}
	if t.IsPod() {
		return "", "not in the container's environment", true
	}
	if t.SA != nil {
		if v, ok := t.SA.Annotations[webhook.AnnotationSTSRegional]; ok {
			if b, err := strconv.ParseBool(v); err == nil {
				if b {
					return "regional", fmt.Sprintf("the webhook injects it for %s %q", webhook.AnnotationSTSRegional, v), true
				}
				return "", fmt.Sprintf("%s %q turns the injection off", webhook.AnnotationSTSRegional, v), true
			}
		}
	}
	minor, how, ok := eksMinor(c.Snap)
	switch {
	case !ok:
		return "", "the webhook's default depends on the cluster (EKS injects it from Kubernetes 1.22 on), and " + how, false
	case minor >= 22:
		return "regional", "EKS " + how + " injects it by default", true
	}
	return "", "EKS " + how + " does not inject it by default", true
}

// eksMinor returns the Kubernetes minor version of the EKS cluster the
// snapshot describes, and how it is known; ok false when the input does
// not show an EKS cluster's version.
func eksMinor(s *snapshot.Snapshot) (int, string, bool) {
	if cl := s.Cluster(); cl != nil && cl.Version != "" {
		if _, m, ok := strings.Cut(cl.Version, "."); ok {
			if n, err := strconv.Atoi(m); err == nil {
				return n, "cluster " + cl.Name + " version " + cl.Version, true
			}
		}
	}
	if v := s.ServerVersion; v != nil && strings.Contains(v.GitVersion, "-eks-") {
		if n, err := strconv.Atoi(strings.TrimSuffix(v.Minor, "+")); err == nil {
			return n, "server version " + v.GitVersion, true
		}
	}
	return 0, "the input shows neither an EKS cluster's version nor an EKS server version (capture: aws eks describe-cluster --name CLUSTER --output json)", false
}

// containerRegion is the container's literal AWS_REGION, else
// AWS_DEFAULT_REGION, after the webhook for a template ("" when unset).
func containerRegion(t *model.Target, name string) string {
	spec := t.Spec
	if t.IsTemplate() {
		if m := t.Mutated(false).Spec; m != nil {
			spec = m
		}
	}
	cont := model.SpecContainer(spec, name)
	if cont == nil {
		return ""
	}
	env := model.EnvOf(cont)
	for _, n := range []string{webhook.EnvRegion, webhook.EnvDefaultRegion} {
		if v := env[n]; v.Ref == nil && v.Value != "" {
			return v.Value
		}
	}
	return ""
}

func imageOf(t *model.Target, name string) string {
	if cont := model.SpecContainer(t.Spec, name); cont != nil && cont.Image != "" {
		return cont.Image
	}
	return "(unknown)"
}

// sdkSTSDefault returns the SDK a well-known image carries and whether
// its default is the legacy (global) setting, with the source.
func sdkSTSDefault(image string) (name, source string, legacy bool) {
	d, err := sdk.Load()
	if err != nil {
		return "", "", false
	}
	im := d.Image(sdk.ParseImage(image))
	if im == nil {
		return "", "", false
	}
	name = im.ClientName()
	src, ok := stsLegacySDKs[im.SDK]
	return name, src, ok
}

// regionPartition is the partition of a Region (arn.PartitionForRegion);
// "" when the Region is unknown.
func regionPartition(region string) string {
	if region == "" {
		return ""
	}
	return arn.PartitionForRegion(region)
}

func regionDomain(region string) string {
	if strings.HasPrefix(region, "cn-") {
		return "amazonaws.com.cn"
	}
	return "amazonaws.com"
}

// rolePartition is the partition of a role ARN literal, "" when it is not
// one.
func rolePartition(role string) string {
	f := strings.SplitN(role, ":", 3)
	if len(f) < 3 || f[0] != "arn" {
		return ""
	}
	return f[1]
}

func clusterEndpointFacts(cl *snapshot.Cluster) string {
	b := func(p *bool) string {
		if p == nil {
			return "unknown"
		}
		return strconv.FormatBool(*p)
	}
	return fmt.Sprintf("cluster %s (region %s): endpointPublicAccess %s, endpointPrivateAccess %s", cl.Name, model.OrUnknown(cl.Region), b(cl.EndpointPublicAccess), b(cl.EndpointPrivateAccess))
}

func annotationOrUnset(m map[string]string, k string) string {
	if v, ok := m[k]; ok {
		return strconv.Quote(v)
	}
	return "unset"
}

// containers409 are the containers that use web identity.
func containers409(c *model.Context, t *model.Target) []string {
	names := []string{}
	for _, ch := range model.CredentialChains(c.Snap, t) {
		if !ch.Ephemeral && ch.Source == model.SourceWebIdentity {
			names = append(names, ch.Name)
		}
	}
	return names
}
