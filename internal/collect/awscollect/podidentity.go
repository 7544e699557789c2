package awscollect

import (
	"context"
	"slices"
	"sort"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/eks"
	ekstypes "github.com/aws/aws-sdk-go-v2/service/eks/types"
	"github.com/aws/aws-sdk-go-v2/service/iam"

	"github.com/irsa-doctor/irsa-doctor/internal/arn"
	"github.com/irsa-doctor/irsa-doctor/internal/bundle"
	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// PodIdentityScope says which EKS Pod Identity associations to read: the
// cluster's list is read whole (one paginated eks:ListPodIdentityAssociations),
// then eks:DescribePodIdentityAssociation once per association of these
// namespaces (every namespace with AllNamespaces), for its role and
// createdAt; iam:GetRole then reads each association's role.
type PodIdentityScope struct {
	Namespaces    []string
	AllNamespaces bool
}

func (p *PodIdentityScope) covers(ns string) bool {
	return p.AllNamespaces || slices.Contains(p.Namespaces, ns)
}

// associations lists the cluster's associations and describes those in
// scope, capturing both as the AWS CLI prints them (`aws eks
// list-pod-identity-associations --cluster-name C` merges every page into
// one "associations" list). It returns the roles of the described
// associations.
func (c *collector) associations(ctx context.Context, client *eks.Client, cluster, clusterARN string) []string {
	scope := c.opts.PodIdentity
	var all []ekstypes.PodIdentityAssociationSummary
	p := eks.NewListPodIdentityAssociationsPaginator(client, &eks.ListPodIdentityAssociationsInput{ClusterName: aws.String(cluster)})
	for p.HasMorePages() {
		var out *eks.ListPodIdentityAssociationsOutput
		err := c.call(ctx, "eks:ListPodIdentityAssociations", func(ctx context.Context) error {
			var err error
			out, err = p.NextPage(ctx)
			return err
		})
		if err != nil {
			c.failed(ctx, err, "ListPodIdentityAssociations", "", "eks:ListPodIdentityAssociations "+cluster,
				snapshot.Gap{Source: "aws", Operation: "eks:ListPodIdentityAssociations", Resource: clusterARN},
				"grant eks:ListPodIdentityAssociations on "+clusterARN+"; deploy/iam-policy.json lists what irsa-doctor calls",
				"aws eks list-pod-identity-associations --cluster-name "+cluster+" --output json")
			return nil
		}
		all = append(all, out.Associations...)
	}
	data, err := renderListAssociations(all)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "eks:ListPodIdentityAssociations", Resource: clusterARN, Reason: err.Error()})
		return nil
	}
	file := c.account + "/list-pod-identity-associations-" + fileSafe(cluster) + ".json"
	c.capture(file, data, "eks:ListPodIdentityAssociations "+cluster)
	c.mu.Lock()
	// The list is complete for the cluster: an empty one proves that no
	// ServiceAccount has an association (bundle doc.go).
	c.res.Listed = append(c.res.Listed, bundle.ManifestEntry{Kind: snapshot.KindPodIdentity, File: file})
	c.mu.Unlock()

	var inScope []ekstypes.PodIdentityAssociationSummary
	for _, a := range all {
		if scope.covers(aws.ToString(a.Namespace)) && aws.ToString(a.AssociationId) != "" {
			inScope = append(inScope, a)
		}
	}
	roles := make([]string, len(inScope))
	done := make(chan struct{})
	for i, a := range inScope {
		go func() {
			defer func() { done <- struct{}{} }()
			roles[i] = c.describeAssociation(ctx, client, cluster, aws.ToString(a.AssociationId))
		}()
	}
	for range inScope {
		<-done
	}
	return roles
}

// describeAssociation captures one association's details and returns its
// role ARN ("" when the call failed).
func (c *collector) describeAssociation(ctx context.Context, client *eks.Client, cluster, id string) string {
	var out *eks.DescribePodIdentityAssociationOutput
	err := c.call(ctx, "eks:DescribePodIdentityAssociation", func(ctx context.Context) error {
		var err error
		out, err = client.DescribePodIdentityAssociation(ctx, &eks.DescribePodIdentityAssociationInput{ClusterName: aws.String(cluster), AssociationId: aws.String(id)})
		return err
	})
	base := c.account + "/describe-pod-identity-association-" + fileSafe(id)
	src := "eks:DescribePodIdentityAssociation " + id
	if err != nil {
		// A ResourceNotFoundException (the association was deleted since
		// the list) is captured as the CLI's error text; it proves nothing
		// the checks read.
		c.failed(ctx, err, "DescribePodIdentityAssociation", "", src,
			snapshot.Gap{Source: "aws", Operation: "eks:DescribePodIdentityAssociation", Resource: cluster + "/" + id},
			"grant eks:DescribePodIdentityAssociation on the cluster's associations; deploy/iam-policy.json lists what irsa-doctor calls",
			"aws eks describe-pod-identity-association --cluster-name "+cluster+" --association-id "+id+" --output json")
		return ""
	}
	if out.Association == nil {
		return ""
	}
	data, err := renderDescribeAssociation(out.Association)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "eks:DescribePodIdentityAssociation", Resource: cluster + "/" + id, Reason: err.Error()})
		return ""
	}
	c.capture(base+".json", data, src)
	return aws.ToString(out.Association.RoleArn)
}

// associationRoles reads, with iam:GetRole, the associations' roles that
// the targets' annotations did not already name. A role in another
// account is read with that account's --role-profile, else left as a gap,
// as plan does for annotated roles.
func (c *collector) associationRoles(ctx context.Context, accounts []*account, roleARNs []string) {
	read := map[string]bool{}
	for _, a := range accounts {
		for _, ref := range a.roles {
			read[ref.Partition+":"+ref.Account+":"+ref.Name] = true
		}
	}
	byID := map[string]*account{}
	for _, a := range accounts {
		byID[a.id] = a
	}
	type job struct {
		a   *account
		ref arn.Role
	}
	var jobs []job
	sort.Strings(roleARNs)
	for _, s := range slices.Compact(roleARNs) {
		ref, err := arn.ParseRole(s)
		if err != nil {
			continue
		}
		key := ref.Partition + ":" + ref.Account + ":" + ref.Name
		if read[key] {
			continue
		}
		read[key] = true
		a := byID[ref.Account]
		if a == nil && ref.Partition == c.partition {
			if pcfg, ok := c.opts.RoleProfiles[ref.Account]; ok {
				a = &account{id: ref.Account, cfg: pcfg, profile: true}
				byID[ref.Account] = a
			}
		}
		if a == nil || a.bad || ref.Partition != c.partition {
			c.gap(snapshot.Gap{Source: "aws", Operation: "iam:GetRole", Resource: ref.ARN,
				Reason: "not read: the EKS Pod Identity association's role is in account " + ref.Account + " and the AWS credentials are in account " + c.account +
					"; iam:GetRole reads the caller's own account (pass --role-profile " + ref.Account + "=PROFILE with a profile of that account allowed iam:GetRole)"})
			continue
		}
		jobs = append(jobs, job{a, ref})
	}
	done := make(chan struct{})
	for _, j := range jobs {
		go func() {
			defer func() { done <- struct{}{} }()
			c.getRole(ctx, iam.NewFromConfig(j.a.cfg), j.a, j.ref)
		}()
	}
	for range jobs {
		<-done
	}
}

// --- eks list-pod-identity-associations / describe-pod-identity-association ---

type cliAssociationSummary struct {
	ClusterName    *string `json:"clusterName,omitzero"`
	Namespace      *string `json:"namespace,omitzero"`
	ServiceAccount *string `json:"serviceAccount,omitzero"`
	AssociationArn *string `json:"associationArn,omitzero"`
	AssociationID  *string `json:"associationId,omitzero"`
	OwnerArn       *string `json:"ownerArn,omitzero"`
}

func renderListAssociations(all []ekstypes.PodIdentityAssociationSummary) ([]byte, error) {
	out := struct {
		Associations []cliAssociationSummary `json:"associations"`
	}{Associations: []cliAssociationSummary{}}
	for _, a := range all {
		out.Associations = append(out.Associations, cliAssociationSummary{a.ClusterName, a.Namespace, a.ServiceAccount, a.AssociationArn, a.AssociationId, a.OwnerArn})
	}
	return render(out)
}

// cliAssociation follows the member order of the EKS model's
// PodIdentityAssociation.
type cliAssociation struct {
	ClusterName        *string           `json:"clusterName,omitzero"`
	Namespace          *string           `json:"namespace,omitzero"`
	ServiceAccount     *string           `json:"serviceAccount,omitzero"`
	RoleArn            *string           `json:"roleArn,omitzero"`
	AssociationArn     *string           `json:"associationArn,omitzero"`
	AssociationID      *string           `json:"associationId,omitzero"`
	Tags               map[string]string `json:"tags,omitzero"`
	CreatedAt          *string           `json:"createdAt,omitzero"`
	ModifiedAt         *string           `json:"modifiedAt,omitzero"`
	OwnerArn           *string           `json:"ownerArn,omitzero"`
	DisableSessionTags *bool             `json:"disableSessionTags,omitzero"`
	TargetRoleArn      *string           `json:"targetRoleArn,omitzero"`
	ExternalID         *string           `json:"externalId,omitzero"`
	Policy             *string           `json:"policy,omitzero"`
}

func renderDescribeAssociation(a *ekstypes.PodIdentityAssociation) ([]byte, error) {
	tags := a.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return render(struct {
		Association cliAssociation `json:"association"`
	}{cliAssociation{a.ClusterName, a.Namespace, a.ServiceAccount, a.RoleArn, a.AssociationArn, a.AssociationId, tags,
		cliTime(a.CreatedAt), cliTime(a.ModifiedAt), a.OwnerArn, a.DisableSessionTags, a.TargetRoleArn, a.ExternalId, a.Policy}})
}
