package awscollect

import (
	"fmt"
	"net/url"
	"time"

	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"
	iamtypes "github.com/aws/aws-sdk-go-v2/service/iam/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"
	json "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// The captures are what AWS CLI v2 prints with --output json for the same
// call, so that a dump is a bundle like any other (internal/bundle doc.go):
//
//   - members in the service model's order (botocore fills the parsed
//     dict in shape-member order), absent members left out, present empty
//     lists and maps printed as [] and {};
//   - json.dumps(indent=4, ensure_ascii=False) layout and a final newline;
//   - timestamps as Python's datetime.isoformat() in UTC:
//     "2026-09-14T08:05:12+00:00", "2026-03-02T15:10:44.512000+00:00";
//   - AssumeRolePolicyDocument URL-decoded into a JSON object, as
//     botocore's json_decode_policies handler does for IAM
//     (STYLE.md "Snapshot": the API returns it URL-encoded, the CLI prints
//     it decoded).
//
// The member orders are those of the SDK's generated schemas (service/*/
// schemas), which follow the models botocore uses. Members the SDK does
// not model cannot be printed; EKS members that no check reads and whose
// shapes are deeply nested and new (kubeApiServerConfig and friends,
// certificateAuthority.active, elasticLoadBalancing.gatewayApi, etcd and
// spread placement of outposts) are left out.

// render encodes v as the CLI prints it.
func render(v any) ([]byte, error) {
	b, err := json.Marshal(v, jsontext.WithIndent("    "))
	if err != nil {
		return nil, fmt.Errorf("render capture: %w", err)
	}
	return append(b, '\n'), nil
}

// cliTime is datetime.isoformat() of a UTC timestamp: microseconds only
// when non-zero, and "+00:00" for the zone.
func cliTime(t *time.Time) *string {
	if t == nil {
		return nil
	}
	u := t.UTC().Round(time.Microsecond)
	s := u.Format("2006-01-02T15:04:05")
	if u.Nanosecond() != 0 {
		s += fmt.Sprintf(".%06d", u.Nanosecond()/1000)
	}
	s += "+00:00"
	return &s
}

// cliErrorText is the line AWS CLI v2 prints on stderr for an API error,
// which the bundle reader turns into proof of absence (NoSuchEntity,
// ResourceNotFoundException) or a gap.
func cliErrorText(code, operation, message string) []byte {
	return []byte(fmt.Sprintf("An error occurred (%s) when calling the %s operation: %s\n", code, operation, message))
}

func str(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// --- sts get-caller-identity ---

type cliCallerIdentity struct {
	UserID  *string `json:"UserId,omitzero"`
	Account *string `json:"Account,omitzero"`
	Arn     *string `json:"Arn,omitzero"`
}

func renderCallerIdentity(o *sts.GetCallerIdentityOutput) ([]byte, error) {
	return render(cliCallerIdentity{UserID: o.UserId, Account: o.Account, Arn: o.Arn})
}

// --- iam get-role ---

type cliTag struct {
	Key   *string `json:"Key,omitzero"`
	Value *string `json:"Value,omitzero"`
}

func cliTags(tags []iamtypes.Tag) []cliTag {
	if tags == nil {
		return nil
	}
	out := make([]cliTag, 0, len(tags))
	for _, t := range tags {
		out = append(out, cliTag{Key: t.Key, Value: t.Value})
	}
	return out
}

type cliRole struct {
	Path                     *string        `json:"Path,omitzero"`
	RoleName                 *string        `json:"RoleName,omitzero"`
	RoleID                   *string        `json:"RoleId,omitzero"`
	Arn                      *string        `json:"Arn,omitzero"`
	CreateDate               *string        `json:"CreateDate,omitzero"`
	AssumeRolePolicyDocument jsontext.Value `json:"AssumeRolePolicyDocument,omitzero"`
	Description              *string        `json:"Description,omitzero"`
	MaxSessionDuration       *int32         `json:"MaxSessionDuration,omitzero"`
	PermissionsBoundary      *struct {
		PermissionsBoundaryType *string `json:"PermissionsBoundaryType,omitzero"`
		PermissionsBoundaryArn  *string `json:"PermissionsBoundaryArn,omitzero"`
	} `json:"PermissionsBoundary,omitzero"`
	Tags         []cliTag `json:"Tags,omitzero"`
	RoleLastUsed *struct {
		LastUsedDate *string `json:"LastUsedDate,omitzero"`
		Region       *string `json:"Region,omitzero"`
	} `json:"RoleLastUsed,omitzero"`
	SourceRoleTemplate *struct {
		TemplateArn          *string `json:"TemplateArn,omitzero"`
		TemplateMinorVersion *int32  `json:"TemplateMinorVersion,omitzero"`
	} `json:"SourceRoleTemplate,omitzero"`
}

func renderGetRole(o *iam.GetRoleOutput) ([]byte, error) {
	var out struct {
		Role *cliRole `json:"Role,omitzero"`
	}
	if r := o.Role; r != nil {
		c := &cliRole{Path: r.Path, RoleName: r.RoleName, RoleID: r.RoleId, Arn: r.Arn, CreateDate: cliTime(r.CreateDate),
			Description: r.Description, MaxSessionDuration: r.MaxSessionDuration, Tags: cliTags(r.Tags)}
		if r.AssumeRolePolicyDocument != nil {
			c.AssumeRolePolicyDocument = decodePolicy(*r.AssumeRolePolicyDocument)
		}
		if b := r.PermissionsBoundary; b != nil {
			c.PermissionsBoundary = &struct {
				PermissionsBoundaryType *string `json:"PermissionsBoundaryType,omitzero"`
				PermissionsBoundaryArn  *string `json:"PermissionsBoundaryArn,omitzero"`
			}{str(string(b.PermissionsBoundaryType)), b.PermissionsBoundaryArn}
		}
		if u := r.RoleLastUsed; u != nil {
			c.RoleLastUsed = &struct {
				LastUsedDate *string `json:"LastUsedDate,omitzero"`
				Region       *string `json:"Region,omitzero"`
			}{cliTime(u.LastUsedDate), u.Region}
		}
		if t := r.SourceRoleTemplate; t != nil {
			c.SourceRoleTemplate = &struct {
				TemplateArn          *string `json:"TemplateArn,omitzero"`
				TemplateMinorVersion *int32  `json:"TemplateMinorVersion,omitzero"`
			}{t.TemplateArn, t.TemplateMinorVersion}
		}
		out.Role = c
	}
	return render(out)
}

// decodePolicy is AssumeRolePolicyDocument as the CLI prints it: the
// URL-decoded JSON document. botocore keeps the string as it came when it
// does not decode (decode_quoted_jsondoc), and so do we. A document that
// repeats a key is kept URL-encoded too, which the bundle reader accepts:
// Python's json.loads would silently keep the last value, and the policy
// evaluator must see the repetition to say the document is ambiguous.
func decodePolicy(raw string) jsontext.Value {
	quoted := func() jsontext.Value {
		b, err := jsontext.AppendQuote(nil, raw)
		if err != nil { // invalid UTF-8 from the API: keep what it can
			b, _ = jsontext.AppendQuote(nil, []byte(raw))
		}
		return b
	}
	// Python's urllib.parse.unquote decodes %XX only, never '+'.
	dec, err := url.PathUnescape(raw)
	if err != nil {
		return quoted()
	}
	v := jsontext.Value(dec)
	if !v.IsValid() {
		return quoted()
	}
	return v
}

// --- iam list-open-id-connect-providers / get-open-id-connect-provider ---

type cliProviderEntry struct {
	Arn *string `json:"Arn,omitzero"`
}

func renderListProviders(o *iam.ListOpenIDConnectProvidersOutput) ([]byte, error) {
	out := struct {
		List []cliProviderEntry `json:"OpenIDConnectProviderList"`
	}{List: []cliProviderEntry{}}
	for _, e := range o.OpenIDConnectProviderList {
		out.List = append(out.List, cliProviderEntry{Arn: e.Arn})
	}
	return render(out)
}

func renderGetProvider(o *iam.GetOpenIDConnectProviderOutput) ([]byte, error) {
	return render(struct {
		URL         *string  `json:"Url,omitzero"`
		ClientIDs   []string `json:"ClientIDList,omitzero"`
		Thumbprints []string `json:"ThumbprintList,omitzero"`
		CreateDate  *string  `json:"CreateDate,omitzero"`
		Tags        []cliTag `json:"Tags,omitzero"`
	}{o.Url, o.ClientIDList, o.ThumbprintList, cliTime(o.CreateDate), cliTags(o.Tags)})
}

// --- eks describe-cluster ---

type cliVpcConfig struct {
	SubnetIDs              []string `json:"subnetIds,omitzero"`
	SecurityGroupIDs       []string `json:"securityGroupIds,omitzero"`
	ClusterSecurityGroupID *string  `json:"clusterSecurityGroupId,omitzero"`
	VpcID                  *string  `json:"vpcId,omitzero"`
	EndpointPublicAccess   bool     `json:"endpointPublicAccess"`
	EndpointPrivateAccess  bool     `json:"endpointPrivateAccess"`
	PublicAccessCidrs      []string `json:"publicAccessCidrs,omitzero"`
	ControlPlaneEgressMode *string  `json:"controlPlaneEgressMode,omitzero"`
}

type cliEnabled struct {
	Enabled *bool `json:"enabled,omitzero"`
}

type cliNetworkConfig struct {
	ServiceIpv4Cidr      *string     `json:"serviceIpv4Cidr,omitzero"`
	ServiceIpv6Cidr      *string     `json:"serviceIpv6Cidr,omitzero"`
	IPFamily             *string     `json:"ipFamily,omitzero"`
	ElasticLoadBalancing *cliEnabled `json:"elasticLoadBalancing,omitzero"`
}

type cliLogSetup struct {
	Types   []string `json:"types,omitzero"`
	Enabled *bool    `json:"enabled,omitzero"`
}

type cliLogging struct {
	ClusterLogging []cliLogSetup `json:"clusterLogging,omitzero"`
}

type cliIdentity struct {
	OIDC *struct {
		Issuer *string `json:"issuer,omitzero"`
	} `json:"oidc,omitzero"`
}

type cliEncryptionConfig struct {
	Resources []string `json:"resources,omitzero"`
	Provider  *struct {
		KeyArn *string `json:"keyArn,omitzero"`
	} `json:"provider,omitzero"`
}

type cliConnectorConfig struct {
	ActivationID     *string `json:"activationId,omitzero"`
	ActivationCode   *string `json:"activationCode,omitzero"`
	ActivationExpiry *string `json:"activationExpiry,omitzero"`
	Provider         *string `json:"provider,omitzero"`
	RoleArn          *string `json:"roleArn,omitzero"`
}

type cliClusterIssue struct {
	Code        *string  `json:"code,omitzero"`
	Message     *string  `json:"message,omitzero"`
	ResourceIDs []string `json:"resourceIds,omitzero"`
}

type cliOutpostConfig struct {
	OutpostArns              []string `json:"outpostArns,omitzero"`
	ControlPlaneInstanceType *string  `json:"controlPlaneInstanceType,omitzero"`
	ControlPlanePlacement    *struct {
		GroupName *string `json:"groupName,omitzero"`
	} `json:"controlPlanePlacement,omitzero"`
}

type cliCidrs struct {
	Cidrs []string `json:"cidrs,omitzero"`
}

type cliCluster struct {
	Name                    *string           `json:"name,omitzero"`
	Arn                     *string           `json:"arn,omitzero"`
	CreatedAt               *string           `json:"createdAt,omitzero"`
	Version                 *string           `json:"version,omitzero"`
	Endpoint                *string           `json:"endpoint,omitzero"`
	RoleArn                 *string           `json:"roleArn,omitzero"`
	ResourcesVpcConfig      *cliVpcConfig     `json:"resourcesVpcConfig,omitzero"`
	KubernetesNetworkConfig *cliNetworkConfig `json:"kubernetesNetworkConfig,omitzero"`
	Logging                 *cliLogging       `json:"logging,omitzero"`
	Identity                *cliIdentity      `json:"identity,omitzero"`
	Status                  *string           `json:"status,omitzero"`
	CertificateAuthority    *struct {
		Data *string `json:"data,omitzero"`
	} `json:"certificateAuthority,omitzero"`
	ClientRequestToken *string               `json:"clientRequestToken,omitzero"`
	PlatformVersion    *string               `json:"platformVersion,omitzero"`
	Tags               map[string]string     `json:"tags,omitzero"`
	EncryptionConfig   []cliEncryptionConfig `json:"encryptionConfig,omitzero"`
	ConnectorConfig    *cliConnectorConfig   `json:"connectorConfig,omitzero"`
	ID                 *string               `json:"id,omitzero"`
	Health             *struct {
		Issues []cliClusterIssue `json:"issues,omitzero"`
	} `json:"health,omitzero"`
	OutpostConfig *cliOutpostConfig `json:"outpostConfig,omitzero"`
	AccessConfig  *struct {
		BootstrapClusterCreatorAdminPermissions *bool   `json:"bootstrapClusterCreatorAdminPermissions,omitzero"`
		AuthenticationMode                      *string `json:"authenticationMode,omitzero"`
	} `json:"accessConfig,omitzero"`
	UpgradePolicy *struct {
		SupportType *string `json:"supportType,omitzero"`
	} `json:"upgradePolicy,omitzero"`
	ZonalShiftConfig    *cliEnabled `json:"zonalShiftConfig,omitzero"`
	RemoteNetworkConfig *struct {
		RemoteNodeNetworks []cliCidrs `json:"remoteNodeNetworks,omitzero"`
		RemotePodNetworks  []cliCidrs `json:"remotePodNetworks,omitzero"`
	} `json:"remoteNetworkConfig,omitzero"`
	ComputeConfig *struct {
		Enabled     *bool    `json:"enabled,omitzero"`
		NodePools   []string `json:"nodePools,omitzero"`
		NodeRoleArn *string  `json:"nodeRoleArn,omitzero"`
	} `json:"computeConfig,omitzero"`
	StorageConfig *struct {
		BlockStorage *cliEnabled `json:"blockStorage,omitzero"`
	} `json:"storageConfig,omitzero"`
	DeletionProtection        *bool `json:"deletionProtection,omitzero"`
	ControlPlaneScalingConfig *struct {
		Tier *string `json:"tier,omitzero"`
	} `json:"controlPlaneScalingConfig,omitzero"`
}

func cidrs[T interface {
	ekstypes.RemoteNodeNetwork | ekstypes.RemotePodNetwork
}](in []T, get func(T) []string) []cliCidrs {
	if in == nil {
		return nil
	}
	out := make([]cliCidrs, 0, len(in))
	for _, n := range in {
		out = append(out, cliCidrs{Cidrs: get(n)})
	}
	return out
}

func strs[T ~string](in []T) []string {
	if in == nil {
		return nil
	}
	out := make([]string, 0, len(in))
	for _, s := range in {
		out = append(out, string(s))
	}
	return out
}

func renderDescribeCluster(c *ekstypes.Cluster) ([]byte, error) {
	var out struct {
		Cluster *cliCluster `json:"cluster,omitzero"`
	}
	if c == nil {
		return render(out)
	}
	o := &cliCluster{Name: c.Name, Arn: c.Arn, CreatedAt: cliTime(c.CreatedAt), Version: c.Version, Endpoint: c.Endpoint,
		RoleArn: c.RoleArn, Status: str(string(c.Status)), ClientRequestToken: c.ClientRequestToken,
		PlatformVersion: c.PlatformVersion, Tags: c.Tags, ID: c.Id, DeletionProtection: c.DeletionProtection}
	if v := c.ResourcesVpcConfig; v != nil {
		o.ResourcesVpcConfig = &cliVpcConfig{SubnetIDs: v.SubnetIds, SecurityGroupIDs: v.SecurityGroupIds,
			ClusterSecurityGroupID: v.ClusterSecurityGroupId, VpcID: v.VpcId, EndpointPublicAccess: v.EndpointPublicAccess,
			EndpointPrivateAccess: v.EndpointPrivateAccess, PublicAccessCidrs: v.PublicAccessCidrs,
			ControlPlaneEgressMode: str(string(v.ControlPlaneEgressMode))}
	}
	if n := c.KubernetesNetworkConfig; n != nil {
		o.KubernetesNetworkConfig = &cliNetworkConfig{ServiceIpv4Cidr: n.ServiceIpv4Cidr, ServiceIpv6Cidr: n.ServiceIpv6Cidr,
			IPFamily: str(string(n.IpFamily))}
		if e := n.ElasticLoadBalancing; e != nil {
			o.KubernetesNetworkConfig.ElasticLoadBalancing = &cliEnabled{Enabled: e.Enabled}
		}
	}
	if l := c.Logging; l != nil {
		o.Logging = &cliLogging{}
		if l.ClusterLogging != nil {
			o.Logging.ClusterLogging = []cliLogSetup{}
			for _, s := range l.ClusterLogging {
				o.Logging.ClusterLogging = append(o.Logging.ClusterLogging, cliLogSetup{Types: strs(s.Types), Enabled: s.Enabled})
			}
		}
	}
	if id := c.Identity; id != nil {
		o.Identity = &cliIdentity{}
		if id.Oidc != nil {
			o.Identity.OIDC = &struct {
				Issuer *string `json:"issuer,omitzero"`
			}{id.Oidc.Issuer}
		}
	}
	if ca := c.CertificateAuthority; ca != nil {
		o.CertificateAuthority = &struct {
			Data *string `json:"data,omitzero"`
		}{ca.Data}
	}
	if c.EncryptionConfig != nil {
		o.EncryptionConfig = []cliEncryptionConfig{}
		for _, e := range c.EncryptionConfig {
			//lint:ignore SA1019 the aws CLI still prints resources, and this output is the CLI's
			ce := cliEncryptionConfig{Resources: e.Resources}
			if e.Provider != nil {
				ce.Provider = &struct {
					KeyArn *string `json:"keyArn,omitzero"`
				}{e.Provider.KeyArn}
			}
			o.EncryptionConfig = append(o.EncryptionConfig, ce)
		}
	}
	if cc := c.ConnectorConfig; cc != nil {
		o.ConnectorConfig = &cliConnectorConfig{ActivationID: cc.ActivationId, ActivationCode: cc.ActivationCode,
			ActivationExpiry: cliTime(cc.ActivationExpiry), Provider: cc.Provider, RoleArn: cc.RoleArn}
	}
	if h := c.Health; h != nil {
		o.Health = &struct {
			Issues []cliClusterIssue `json:"issues,omitzero"`
		}{}
		if h.Issues != nil {
			o.Health.Issues = []cliClusterIssue{}
			for _, i := range h.Issues {
				o.Health.Issues = append(o.Health.Issues, cliClusterIssue{Code: str(string(i.Code)), Message: i.Message, ResourceIDs: i.ResourceIds})
			}
		}
	}
	if oc := c.OutpostConfig; oc != nil {
		o.OutpostConfig = &cliOutpostConfig{OutpostArns: oc.OutpostArns, ControlPlaneInstanceType: oc.ControlPlaneInstanceType}
		if p := oc.ControlPlanePlacement; p != nil {
			o.OutpostConfig.ControlPlanePlacement = &struct {
				GroupName *string `json:"groupName,omitzero"`
			}{p.GroupName}
		}
	}
	if a := c.AccessConfig; a != nil {
		o.AccessConfig = &struct {
			BootstrapClusterCreatorAdminPermissions *bool   `json:"bootstrapClusterCreatorAdminPermissions,omitzero"`
			AuthenticationMode                      *string `json:"authenticationMode,omitzero"`
		}{a.BootstrapClusterCreatorAdminPermissions, str(string(a.AuthenticationMode))}
	}
	if u := c.UpgradePolicy; u != nil {
		o.UpgradePolicy = &struct {
			SupportType *string `json:"supportType,omitzero"`
		}{str(string(u.SupportType))}
	}
	if z := c.ZonalShiftConfig; z != nil {
		o.ZonalShiftConfig = &cliEnabled{Enabled: z.Enabled}
	}
	if r := c.RemoteNetworkConfig; r != nil {
		o.RemoteNetworkConfig = &struct {
			RemoteNodeNetworks []cliCidrs `json:"remoteNodeNetworks,omitzero"`
			RemotePodNetworks  []cliCidrs `json:"remotePodNetworks,omitzero"`
		}{cidrs(r.RemoteNodeNetworks, func(n ekstypes.RemoteNodeNetwork) []string { return n.Cidrs }),
			cidrs(r.RemotePodNetworks, func(n ekstypes.RemotePodNetwork) []string { return n.Cidrs })}
	}
	if cc := c.ComputeConfig; cc != nil {
		o.ComputeConfig = &struct {
			Enabled     *bool    `json:"enabled,omitzero"`
			NodePools   []string `json:"nodePools,omitzero"`
			NodeRoleArn *string  `json:"nodeRoleArn,omitzero"`
		}{cc.Enabled, cc.NodePools, cc.NodeRoleArn}
	}
	if s := c.StorageConfig; s != nil {
		o.StorageConfig = &struct {
			BlockStorage *cliEnabled `json:"blockStorage,omitzero"`
		}{}
		if s.BlockStorage != nil {
			o.StorageConfig.BlockStorage = &cliEnabled{Enabled: s.BlockStorage.Enabled}
		}
	}
	if s := c.ControlPlaneScalingConfig; s != nil {
		o.ControlPlaneScalingConfig = &struct {
			Tier *string `json:"tier,omitzero"`
		}{str(string(s.Tier))}
	}
	out.Cluster = o
	return render(out)
}
