package check

import (
	"fmt"

	"github.com/irsa-doctor/irsa-doctor/internal/model"

	"github.com/irsa-doctor/irsa-doctor/internal/finding"
)

var irsa301 = &Check{
	ID:       "IRSA301",
	Slug:     "cluster-issuer-missing",
	Title:    "The cluster has no usable OIDC issuer",
	Severity: finding.SeverityError,
	Link:     finding.LinkIssuer,
	Scope:    ScopeWorkloads | ScopeServiceAccount,
	IRSA:     true,
	Doc: `IRSA rests on the cluster's OIDC issuer: the API server signs service account tokens as
` + "`https://oidc.eks.REGION.amazonaws.com/id/ID`" + `, and STS finds the IAM OIDC provider, the trust policy's
principal and its condition keys by that URL (irsa-facts.md §3.1, §3.2). ` + "`aws eks describe-cluster`" + `
shows it as ` + "`cluster.identity.oidc.issuer`" + `; without it (or with a value that is not an https URL an IAM
OIDC provider can be created for) no pod of the cluster can use IRSA. The issuer is read from
describe-cluster, or from a bare issuer URL file
(` + "`aws eks describe-cluster --name CLUSTER --query cluster.identity.oidc.issuer --output text`" + `).`,
	Fix: `Check that the describe-cluster output is the cluster's own and complete
(` + "`aws eks describe-cluster --name CLUSTER --output json`" + `). EKS gives every cluster an issuer; a cluster
without one must be updated to a Kubernetes and platform version that supports IAM roles for service
accounts.`,
	Subject: model.IssuerSubjectOf,
	Run:     runIRSA301,
}

func runIRSA301(c *model.Context, t *model.Target, r *Recorder) {
	if _, ok := model.RoleAnnotation(t.SA); !ok {
		// No role: nothing of the cluster's issuer is needed.
		return
	}
	issuer, why, missing := c.ClusterIssuer()
	subj := model.ClusterSubject(issuer)
	switch {
	case missing:
		r.Fail(subj, why, model.Ev(issuer.Source, fmt.Sprintf("cluster %s issuer: %q", issuer.ClusterName(), issuer.Cluster.Issuer)))
	case why != "":
		r.Skip(subj, why)
	case issuer.Cluster != nil:
		r.Pass(subj, fmt.Sprintf("cluster %s has the OIDC issuer %s", issuer.Cluster.Name, issuer.URL), issuer.Evidence())
	default:
		r.Pass(subj, "the cluster's OIDC issuer is "+issuer.URL, issuer.Evidence())
	}
}
