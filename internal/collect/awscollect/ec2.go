package awscollect

import (
	"context"
	"fmt"
	"sort"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/ec2"
	ec2types "github.com/aws/aws-sdk-go-v2/service/ec2/types"

	"github.com/irsa-doctor/irsa-doctor/internal/snapshot"
)

// instanceBatch bounds the instance IDs of one DescribeInstances call: an
// EC2 filter takes at most 200 values (EC2 API reference, "Filter").
const instanceBatch = 200

// instances describes the EC2 instances of the nodes the targets' pods run
// on (Options.InstanceIDs): their IMDS settings decide whether a container
// that falls through the credential chain reaches the node's role
// (IRSA407). The IDs go in an instance-id filter rather than InstanceIds,
// so that an instance terminated since the nodes were listed is simply
// absent instead of failing the whole call with InvalidInstanceID.NotFound.
// All pages of all batches become one capture, as `aws ec2
// describe-instances --filters Name=instance-id,Values=...` prints it.
func (c *collector) instances(ctx context.Context, cfg aws.Config) {
	ids := validInstanceIDs(append(append([]string(nil), c.opts.InstanceIDs...), c.opts.NodeRoleInstanceIDs...))
	if len(ids) == 0 {
		return
	}
	client := ec2.NewFromConfig(cfg)
	var reservations []ec2types.Reservation
	ok := false
	for start := 0; start < len(ids); start += instanceBatch {
		batch := ids[start:min(start+instanceBatch, len(ids))]
		in := &ec2.DescribeInstancesInput{Filters: []ec2types.Filter{{Name: aws.String("instance-id"), Values: batch}}}
		cmd := "aws ec2 describe-instances --filters Name=instance-id,Values=" + strings.Join(batch, ",") + " --output json"
		for {
			var out *ec2.DescribeInstancesOutput
			err := c.call(ctx, "ec2:DescribeInstances", func(ctx context.Context) error {
				var err error
				out, err = client.DescribeInstances(ctx, in)
				return err
			})
			if err != nil {
				c.failed(ctx, err, "DescribeInstances", "", "ec2:DescribeInstances",
					snapshot.Gap{Source: "aws", Operation: "ec2:DescribeInstances", Resource: strings.Join(batch, " ")},
					"grant ec2:DescribeInstances; deploy/iam-policy.json lists what irsa-doctor calls", cmd)
				break
			}
			ok = true
			reservations = append(reservations, out.Reservations...)
			if aws.ToString(out.NextToken) == "" {
				break
			}
			in.NextToken = out.NextToken
		}
	}
	if !ok {
		return
	}
	c.noteProfiles(reservations)
	data, err := renderDescribeInstances(reservations)
	if err != nil {
		c.gap(snapshot.Gap{Source: "aws", Operation: "ec2:DescribeInstances", Resource: strings.Join(ids, " "), Reason: err.Error()})
		return
	}
	c.capture(c.account+"/describe-instances.json", data, "ec2:DescribeInstances")
}

// validInstanceIDs keeps the distinct well-formed IDs, sorted.
func validInstanceIDs(in []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, id := range in {
		if !isInstanceID(id) || seen[id] {
			continue
		}
		seen[id] = true
		out = append(out, id)
	}
	sort.Strings(out)
	return out
}

func isInstanceID(s string) bool {
	rest, ok := strings.CutPrefix(s, "i-")
	if !ok || len(rest) < 8 {
		return false
	}
	for _, r := range rest {
		if !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f') {
			return false
		}
	}
	return true
}

// --- ec2 describe-instances ---
//
// The members are printed in the EC2 model's order, as the CLI does; an
// Instance has some sixty members, of which those no check reads (block
// devices, network interfaces, security groups, CPU options, tags, ...)
// are left out.

type cliReservation struct {
	Groups        []struct{}    `json:"Groups"`
	Instances     []cliInstance `json:"Instances"`
	OwnerID       *string       `json:"OwnerId,omitzero"`
	RequesterID   *string       `json:"RequesterId,omitzero"`
	ReservationID *string       `json:"ReservationId,omitzero"`
}

type cliInstance struct {
	AmiLaunchIndex     *int32                  `json:"AmiLaunchIndex,omitzero"`
	ImageID            *string                 `json:"ImageId,omitzero"`
	InstanceID         *string                 `json:"InstanceId,omitzero"`
	InstanceType       *string                 `json:"InstanceType,omitzero"`
	LaunchTime         *string                 `json:"LaunchTime,omitzero"`
	Placement          *cliPlacement           `json:"Placement,omitzero"`
	PrivateDNSName     *string                 `json:"PrivateDnsName,omitzero"`
	PrivateIPAddress   *string                 `json:"PrivateIpAddress,omitzero"`
	State              *cliInstanceState       `json:"State,omitzero"`
	SubnetID           *string                 `json:"SubnetId,omitzero"`
	VpcID              *string                 `json:"VpcId,omitzero"`
	Architecture       *string                 `json:"Architecture,omitzero"`
	IamInstanceProfile *cliInstanceProfile     `json:"IamInstanceProfile,omitzero"`
	MetadataOptions    *cliInstanceMetadataOpt `json:"MetadataOptions,omitzero"`
}

type cliPlacement struct {
	AvailabilityZone *string `json:"AvailabilityZone,omitzero"`
	Tenancy          *string `json:"Tenancy,omitzero"`
}

type cliInstanceState struct {
	Code *int32  `json:"Code,omitzero"`
	Name *string `json:"Name,omitzero"`
}

type cliInstanceProfile struct {
	Arn *string `json:"Arn,omitzero"`
	ID  *string `json:"Id,omitzero"`
}

type cliInstanceMetadataOpt struct {
	State                   *string `json:"State,omitzero"`
	HTTPTokens              *string `json:"HttpTokens,omitzero"`
	HTTPPutResponseHopLimit *int32  `json:"HttpPutResponseHopLimit,omitzero"`
	HTTPEndpoint            *string `json:"HttpEndpoint,omitzero"`
	HTTPProtocolIPv6        *string `json:"HttpProtocolIpv6,omitzero"`
	InstanceMetadataTags    *string `json:"InstanceMetadataTags,omitzero"`
}

func renderDescribeInstances(rs []ec2types.Reservation) ([]byte, error) {
	out := struct {
		Reservations []cliReservation `json:"Reservations"`
	}{Reservations: []cliReservation{}}
	for _, r := range rs {
		cr := cliReservation{Groups: []struct{}{}, Instances: []cliInstance{}, OwnerID: r.OwnerId, RequesterID: r.RequesterId, ReservationID: r.ReservationId}
		for _, i := range r.Instances {
			ci := cliInstance{AmiLaunchIndex: i.AmiLaunchIndex, ImageID: i.ImageId, InstanceID: i.InstanceId, InstanceType: str(string(i.InstanceType)),
				LaunchTime: cliTime(i.LaunchTime), PrivateDNSName: i.PrivateDnsName, PrivateIPAddress: i.PrivateIpAddress,
				SubnetID: i.SubnetId, VpcID: i.VpcId, Architecture: str(string(i.Architecture))}
			if p := i.Placement; p != nil {
				ci.Placement = &cliPlacement{AvailabilityZone: p.AvailabilityZone, Tenancy: str(string(p.Tenancy))}
			}
			if s := i.State; s != nil {
				ci.State = &cliInstanceState{Code: s.Code, Name: str(string(s.Name))}
			}
			if p := i.IamInstanceProfile; p != nil {
				ci.IamInstanceProfile = &cliInstanceProfile{Arn: p.Arn, ID: p.Id}
			}
			if m := i.MetadataOptions; m != nil {
				ci.MetadataOptions = &cliInstanceMetadataOpt{State: str(string(m.State)), HTTPTokens: str(string(m.HttpTokens)),
					HTTPPutResponseHopLimit: m.HttpPutResponseHopLimit, HTTPEndpoint: str(string(m.HttpEndpoint)),
					HTTPProtocolIPv6: str(string(m.HttpProtocolIpv6)), InstanceMetadataTags: str(string(m.InstanceMetadataTags))}
			}
			cr.Instances = append(cr.Instances, ci)
		}
		out.Reservations = append(out.Reservations, cr)
	}
	b, err := render(out)
	if err != nil {
		return nil, fmt.Errorf("describe-instances: %w", err)
	}
	return b, nil
}
