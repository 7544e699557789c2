package snapshot

import (
	"sort"
	"strings"
)

// The IAM role of the nodes' instance profiles and its permission
// policies. EKS Pod Identity needs the node's role to allow
// eks-auth:AssumeRoleForPodIdentity: the EKS Pod Identity Agent on the
// node calls EKS Auth with the node's credentials (docs/reference/pod-identity.md,
// §6.2 item 2). The role comes from
//
//	aws iam get-instance-profile --instance-profile-name P
//
// and its policies as any role's (rolepolicies.go).

// InstanceProfile is the InstanceProfile of `aws iam get-instance-profile`.
type InstanceProfile struct {
	ARN     string `json:"arn"`
	Name    string `json:"name"`
	Account string `json:"account"`
	// RoleName and RoleARN are its role (Roles[0]: a profile holds at most
	// one); "" when the profile holds none.
	RoleName string `json:"roleName,omitempty"`
	RoleARN  string `json:"roleArn,omitempty"`
	Source   Source `json:"-"`
}

// InstanceProfileFor returns the instance profile an EC2 instance's
// IamInstanceProfile.Arn names, or nil. The ARN carries the profile's
// path; a profile whose ARN differs only in case matches too (IAM names
// are unique case-insensitively).
func (s *Snapshot) InstanceProfileFor(arn string) *InstanceProfile {
	if arn == "" {
		return nil
	}
	for _, p := range s.InstanceProfiles {
		if strings.EqualFold(p.ARN, arn) {
			return p
		}
	}
	return nil
}

// PodIdentityInstanceIDs returns the distinct EC2 instance IDs of the
// nodes that unfinished pods using EKS Pod Identity run on, sorted: the
// instances whose node roles the live collector reads. A pod uses Pod
// Identity when it carries what the webhook injects for it: the
// eks-pod-identity-token volume or AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE
// (docs/reference/webhook.md#pod-identity-mode).
func (s *Snapshot) PodIdentityInstanceIDs() []string {
	used := map[string]bool{}
	for _, p := range s.Pods {
		if p.Spec.NodeName == "" || p.Finished() || !podUsesPodIdentity(p) {
			continue
		}
		used[p.Spec.NodeName] = true
	}
	seen := map[string]bool{}
	var out []string
	for _, n := range s.Nodes {
		if !used[n.Name] {
			continue
		}
		if id := n.InstanceID(); id != "" && !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func podUsesPodIdentity(p *Pod) bool {
	for _, v := range p.Spec.Volumes {
		if v.Name == "eks-pod-identity-token" {
			return true
		}
	}
	for _, list := range [][]Container{p.Spec.InitContainers, p.Spec.Containers} {
		for _, c := range list {
			for _, e := range c.Env {
				if e.Name == "AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE" {
					return true
				}
			}
		}
	}
	return false
}
