package kubeconfig

import (
	"cmp"
	"fmt"
	"net/url"
	"path"
	"regexp"
	"slices"
	"sort"
	"strings"

	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
)

// Cluster is what a kubeconfig context says about the EKS cluster behind
// it. Name and ID are "" when the kubeconfig does not say; Endpoint is
// always set, so the AWS collector can then match it against the
// DescribeCluster endpoint of the region's clusters.
type Cluster struct {
	// Context is the context used (the current one when none was named).
	Context string
	// Name is the EKS cluster name, as DescribeCluster takes it.
	Name string
	// ID is the cluster ID of an EKS local cluster on AWS Outposts
	// (`aws eks get-token --cluster-id`), which is not its name: match it
	// against DescribeCluster's cluster.id.
	ID string
	// Region is the cluster's AWS region, "" when unknown.
	Region string
	// Account is the cluster's 12-digit account, known only from an ARN.
	Account string
	// Endpoint is the API server URL of the context's cluster.
	Endpoint string
	// Namespace is the context's namespace, "default" when unset (what
	// kubectl uses without -n).
	Namespace string
	// Profile is the AWS profile the kubeconfig user authenticates with
	// (AWS_PROFILE in the exec plugin's env, or its --profile): the
	// credentials that reach this cluster.
	Profile string
	// From says how Name or ID was found, for messages: "exec", "arn",
	// "eksctl", or "" when neither is known.
	From string
}

// Where Cluster.Name came from.
const (
	FromExec   = "exec"   // the exec plugin's arguments
	FromARN    = "arn"    // a context or cluster named with the cluster's ARN
	FromEksctl = "eksctl" // eksctl's NAME.REGION.eksctl.io cluster name
)

// Identify finds the EKS cluster of a context (contextName, or the current
// context when ""), without being told, in this order:
//
//  1. the user's exec plugin: `aws eks get-token --cluster-name NAME
//     [--region R]` (or `--cluster-id ID` for a local cluster), and
//     `aws-iam-authenticator token -i NAME` (heptio-authenticator-aws, its
//     old name, alike), which `aws eks update-kubeconfig` and eksctl write;
//  2. a context or cluster named with the cluster's ARN,
//     `arn:aws:eks:REGION:ACCOUNT:cluster/NAME`, which `aws eks
//     update-kubeconfig` writes;
//  3. eksctl's cluster name NAME.REGION.eksctl.io.
//
// The region comes from the ARN, then from the API server host (EKS serves
// it at ID.SUFFIX.REGION.eks.amazonaws.com), then from the exec plugin's
// --region or its AWS_REGION / AWS_DEFAULT_REGION, then from the eksctl
// name. An error is returned only when the context cannot be used.
func Identify(cfg *clientcmdapi.Config, contextName string) (Cluster, error) {
	if cfg == nil {
		return Cluster{}, fmt.Errorf("no kubeconfig")
	}
	name := contextName
	if name == "" {
		name = cfg.CurrentContext
	}
	if name == "" {
		return Cluster{}, fmt.Errorf("the kubeconfig has no current context: pass --context (contexts: %s)", contextNames(cfg))
	}
	kctx, ok := cfg.Contexts[name]
	if !ok || kctx == nil {
		return Cluster{}, fmt.Errorf("context %q is not in the kubeconfig (contexts: %s)", name, contextNames(cfg))
	}
	c := Cluster{Context: name, Namespace: kctx.Namespace}
	if c.Namespace == "" {
		c.Namespace = "default"
	}
	kc, ok := cfg.Clusters[kctx.Cluster]
	if !ok || kc == nil {
		return Cluster{}, fmt.Errorf("context %q names the cluster %q, which is not in the kubeconfig", name, kctx.Cluster)
	}
	if kc.Server == "" {
		return Cluster{}, fmt.Errorf("cluster %q of context %q has no server URL", kctx.Cluster, name)
	}
	c.Endpoint = kc.Server

	var ex execArgs
	if user := cfg.AuthInfos[kctx.AuthInfo]; user != nil && user.Exec != nil {
		ex = parseExec(user.Exec)
	}
	byARN, haveARN := eksARN(name)
	if !haveARN {
		byARN, haveARN = eksARN(kctx.Cluster)
	}
	eksctlName, eksctlRegion := eksctlCluster(kctx.Cluster)

	switch {
	case ex.name != "" || ex.id != "":
		c.Name, c.ID, c.From = ex.name, ex.id, FromExec
	case haveARN:
		c.Name, c.From = byARN.name, FromARN
	case eksctlName != "":
		c.Name, c.From = eksctlName, FromEksctl
	}
	c.Profile = ex.profile
	// An ARN or eksctl name describes this cluster only when it names the
	// cluster found (a context named after another cluster's ARN, hand-
	// edited, must not lend its region).
	arnApplies := haveARN && (c.Name == byARN.name || c.Name == "" && c.ID == "")
	if arnApplies {
		c.Account = byARN.account
	}
	for _, r := range []string{
		pick(arnApplies, byARN.region),
		endpointRegion(kc.Server),
		ex.region,
		ex.envRegion,
		pick(eksctlName != "" && c.Name == eksctlName, eksctlRegion),
	} {
		if r != "" {
			c.Region = r
			break
		}
	}
	return c, nil
}

func pick(ok bool, s string) string {
	if ok {
		return s
	}
	return ""
}

func contextNames(cfg *clientcmdapi.Config) string {
	names := make([]string, 0, len(cfg.Contexts))
	for n := range cfg.Contexts {
		names = append(names, n)
	}
	if len(names) == 0 {
		return "none"
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// execArgs is what an exec credential plugin's command line says.
type execArgs struct {
	name, id, region, profile string
	envRegion                 string
}

// parseExec reads the exec plugin of a kubeconfig user. The AWS CLI is
// found by its `eks get-token` arguments wherever they stand, so a wrapper
// (`aws-vault exec prod -- aws eks get-token ...`, a full path, aws.exe)
// is read too. Flags take `--flag value` and `--flag=value`, as the AWS
// CLI and aws-iam-authenticator (cobra) accept.
func parseExec(e *clientcmdapi.ExecConfig) execArgs {
	var out execArgs
	var region, defaultRegion string
	for _, v := range e.Env {
		switch v.Name {
		case "AWS_PROFILE":
			out.profile = v.Value
		case "AWS_REGION":
			region = v.Value
		case "AWS_DEFAULT_REGION":
			defaultRegion = v.Value
		}
	}
	// The AWS CLI and SDKs prefer AWS_REGION to AWS_DEFAULT_REGION.
	out.envRegion = cmp.Or(region, defaultRegion)
	args := append([]string{e.Command}, e.Args...)
	getToken := -1
	authenticator := -1
	for i, a := range args {
		base := strings.TrimSuffix(path.Base(strings.ReplaceAll(a, `\`, "/")), ".exe")
		switch {
		case a == "get-token" && i > 0 && args[i-1] == "eks":
			getToken = i
		case (base == "aws-iam-authenticator" || base == "heptio-authenticator-aws") && i+1 < len(args) && args[i+1] == "token":
			authenticator = i + 1
		}
	}
	var nameFlags, idFlags []string
	switch {
	case getToken >= 0:
		// aws eks get-token: --cluster-name for a cluster in the AWS
		// Region, --cluster-id "for local clusters on AWS Outposts only"
		// (AWS CLI reference, eks get-token).
		nameFlags, idFlags = []string{"--cluster-name"}, []string{"--cluster-id"}
	case authenticator >= 0:
		// aws-iam-authenticator token -i/--cluster-id: for EKS this is
		// the cluster name (eksctl writes `token -i NAME`,
		// pkg/utils/kubeconfig).
		nameFlags = []string{"-i", "--cluster-id"}
	default:
		return out
	}
	for i := 0; i < len(args); i++ {
		flag, value, inline := strings.Cut(args[i], "=")
		if !inline {
			if i+1 >= len(args) {
				break
			}
			value = args[i+1]
		}
		switch {
		case slices.Contains(nameFlags, flag):
			out.name = value
		case slices.Contains(idFlags, flag):
			out.id = value
		case flag == "--region":
			out.region = value
		case flag == "--profile":
			out.profile = value
		default:
			continue
		}
		if !inline {
			i++
		}
	}
	// eksctl passes a local cluster's UUID where a name would go
	// (ClusterInfo.ID: "either the name of the cluster or a UUID").
	if uuidRE.MatchString(out.name) {
		out.id, out.name = out.name, ""
	}
	return out
}

var uuidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

type clusterARN struct{ name, region, account string }

// eksARN reads arn:PARTITION:eks:REGION:ACCOUNT:cluster/NAME.
func eksARN(s string) (clusterARN, bool) {
	if !strings.HasPrefix(s, "arn:") {
		return clusterARN{}, false
	}
	a, err := arn.Parse(s)
	if err != nil || a.Service != "eks" || a.Region == "" || !arn.IsAccountID(a.Account) {
		return clusterARN{}, false
	}
	name, ok := strings.CutPrefix(a.Resource, "cluster/")
	if !ok || name == "" || strings.Contains(name, "/") {
		return clusterARN{}, false
	}
	return clusterARN{name: name, region: a.Region, account: a.Account}, true
}

// eksctlRE is eksctl's cluster name in a kubeconfig: ClusterMeta.String()
// is NAME.REGION.eksctl.io, and its contexts are USER@NAME.REGION.eksctl.io
// (eksctl pkg/utils/kubeconfig New). EKS cluster names hold no dot.
var eksctlRE = regexp.MustCompile(`^([A-Za-z0-9][A-Za-z0-9_-]*)\.([a-z]{2}(?:-[a-z]+)+-\d+)\.eksctl\.io$`)

func eksctlCluster(s string) (name, region string) {
	if m := eksctlRE.FindStringSubmatch(s); m != nil {
		return m[1], m[2]
	}
	return "", ""
}

// endpointRE matches an EKS API server host: a cluster ID, a short
// suffix, then the region, as DescribeCluster's endpoint
// (https://0123456789ABCDEF0123456789ABCDEF.gr7.us-west-2.eks.amazonaws.com)
// and the China partition's .eks.amazonaws.com.cn.
var endpointRE = regexp.MustCompile(`^[a-z0-9]+\.[a-z0-9]+\.([a-z]{2}(?:-[a-z]+)+-\d+)\.eks\.amazonaws\.com(?:\.cn)?$`)

func endpointRegion(server string) string {
	u, err := url.Parse(server)
	if err != nil {
		return ""
	}
	if m := endpointRE.FindStringSubmatch(strings.ToLower(u.Hostname())); m != nil {
		return m[1]
	}
	return ""
}
