package bundle

import (
	"fmt"
	"strings"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// eksAssociation is an EKS Pod Identity association as the AWS CLI prints
// it (camelCase, like every EKS API member): the summary of `aws eks
// list-pod-identity-associations` has the first six members; `aws eks
// describe-pod-identity-association` (and create-/update-) adds the rest
// (EKS API reference, PodIdentityAssociation and
// PodIdentityAssociationSummary; docs/reference/pod-identity.md).
type eksAssociation struct {
	ClusterName        string            `json:"clusterName"`
	Namespace          string            `json:"namespace"`
	ServiceAccount     string            `json:"serviceAccount"`
	AssociationARN     string            `json:"associationArn"`
	AssociationID      string            `json:"associationId"`
	OwnerARN           string            `json:"ownerArn"`
	RoleARN            string            `json:"roleArn"`
	TargetRoleARN      string            `json:"targetRoleArn"`
	ExternalID         string            `json:"externalId"`
	DisableSessionTags *bool             `json:"disableSessionTags"`
	CreatedAt          string            `json:"createdAt"`
	ModifiedAt         string            `json:"modifiedAt"`
	Tags               map[string]string `json:"tags"`
}

// parseListPodIdentity reads `aws eks list-pod-identity-associations
// --cluster-name C --output json`: {"associations": [summary, ...]}.
func parseListPodIdentity(r *result, src *jsonSrc, o *object) {
	v, ok := r.member(src, o, "list-pod-identity-associations", "associations", '[')
	if !ok {
		return
	}
	raws, err := elements(v)
	if err != nil {
		r.failOff(src, offsetOf(src.data, v)+errOffset(err), "list-pod-identity-associations associations: "+describeJSONError(err))
		return
	}
	for i, raw := range raws {
		if a, ok := r.podIdentity(src, raw, fmt.Sprintf("list-pod-identity-associations association %d", i), false); ok {
			r.podIdentities = append(r.podIdentities, a)
		}
	}
	r.recognise("aws:ListPodIdentityAssociations")
}

// parseDescribePodIdentity reads `aws eks describe-pod-identity-association
// --output json`: {"association": {...}}.
func parseDescribePodIdentity(r *result, src *jsonSrc, o *object) {
	v, _ := o.get("association")
	if a, ok := r.podIdentity(src, v, "describe-pod-identity-association association", true); ok {
		r.podIdentities = append(r.podIdentities, a)
		r.recognise("aws:DescribePodIdentityAssociation")
	}
}

// podIdentity converts one association; ok false when it is unusable
// (recorded). The namespace and ServiceAccount are what the association
// is for, so one without them is unusable; the cluster comes from
// clusterName, or from the ARN
// (arn:PARTITION:eks:REGION:ACCOUNT:podidentityassociation/CLUSTER/ID).
func (r *result) podIdentity(src *jsonSrc, v jsontext.Value, what string, detailed bool) (*snapshot.PodIdentityAssociation, bool) {
	if v.Kind() != '{' {
		r.failOff(src, offsetOf(src.data, v), what+" is "+kindName(v.Kind())+", not an object")
		return nil, false
	}
	var e eksAssociation
	if !r.decodeMember(src, v, &e, what) {
		return nil, false
	}
	a := &snapshot.PodIdentityAssociation{ClusterName: e.ClusterName, Namespace: e.Namespace, ServiceAccount: e.ServiceAccount,
		ARN: e.AssociationARN, ID: e.AssociationID, OwnerARN: e.OwnerARN, RoleARN: e.RoleARN, TargetRoleARN: e.TargetRoleARN,
		ExternalID: e.ExternalID, DisableSessionTags: e.DisableSessionTags, CreatedAt: e.CreatedAt, ModifiedAt: e.ModifiedAt,
		Tags: e.Tags, Detailed: detailed, Source: r.src}
	p, ok := parseARN(e.AssociationARN)
	cluster, _, _ := strings.Cut(strings.TrimPrefix(p.resource, "podidentityassociation/"), "/")
	if !ok || p.service != "eks" || !strings.HasPrefix(p.resource, "podidentityassociation/") || p.account == "" {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s has no usable associationArn (%q): its account and region are unknown", what, e.AssociationARN))
		cluster = ""
	} else {
		a.Region, a.Account = p.region, p.account
	}
	switch {
	case a.ClusterName == "":
		a.ClusterName = cluster
	case cluster != "" && cluster != a.ClusterName:
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s names cluster %q, but its associationArn names cluster %q; skipped", what, a.ClusterName, cluster))
		return nil, false
	}
	if a.ClusterName == "" || a.Namespace == "" || a.ServiceAccount == "" {
		r.failOff(src, offsetOf(src.data, v), fmt.Sprintf("%s lacks clusterName, namespace or serviceAccount (%q, %q, %q); skipped", what, a.ClusterName, a.Namespace, a.ServiceAccount))
		return nil, false
	}
	return a, true
}

// associationKey identifies an association across a list entry and its
// describe output.
func associationKey(a *snapshot.PodIdentityAssociation) string {
	if a.ARN != "" {
		return a.ARN
	}
	return strings.Join([]string{a.ClusterName, a.Namespace, a.ServiceAccount, a.ID}, "\x00")
}
