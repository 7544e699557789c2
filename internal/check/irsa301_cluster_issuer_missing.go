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
	Subject:  model.IssuerSubjectOf,
	Run:      runIRSA301,
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
		r.PassFunc(subj, func() (string, []model.Detail) {
			return fmt.Sprintf("cluster %s has the OIDC issuer %s", issuer.Cluster.Name, issuer.URL), []model.Detail{issuer.Evidence()}
		})
	default:
		r.PassFunc(subj, func() (string, []model.Detail) {
			return "the cluster's OIDC issuer is " + issuer.URL, []model.Detail{issuer.Evidence()}
		})
	}
}
