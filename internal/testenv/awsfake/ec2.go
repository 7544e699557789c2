package awsfake

import (
	"encoding/xml"
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EC2 answers ec2:DescribeInstances in the EC2 query protocol: a form POST
// like IAM's, but the answer is <DescribeInstancesResponse
// xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"> with a lower-case
// <requestId> and lists as <xSet><item>...</item></xSet>, and an error is
// <Response><Errors><Error><Code>..</Code><Message>..</Message></Error>
// </Errors><RequestID>..</RequestID></Response> (EC2 API reference,
// "Query requests", "Error codes"). The instances are the signing
// principal's account's, in the fake's region.

// Instance is an EC2 instance of the fake's region.
type Instance struct {
	ID      string // i-...
	Account string // default: the first principal's account
	Type    string // default m6i.large
	Zone    string // default REGION + "a"
	// PrivateDNSName is the node name EKS gives the instance's node.
	PrivateDNSName string
	// InstanceProfileARN is IamInstanceProfile.Arn ("" for none).
	InstanceProfileARN string
	// HTTPTokens ("optional" or "required", default "required"),
	// HopLimit (default 2) and HTTPEndpoint ("enabled" or "disabled",
	// default "enabled") are its MetadataOptions.
	HTTPTokens   string
	HopLimit     int
	HTTPEndpoint string
	LaunchTime   time.Time
}

const ec2Namespace = "http://ec2.amazonaws.com/doc/2016-11-15/"

type ec2Placement struct {
	AvailabilityZone string `xml:"availabilityZone"`
	Tenancy          string `xml:"tenancy"`
}

type ec2State struct {
	Code int    `xml:"code"`
	Name string `xml:"name"`
}

type ec2Profile struct {
	Arn string `xml:"arn"`
	ID  string `xml:"id"`
}

type ec2MetadataOptions struct {
	State                   string `xml:"state"`
	HTTPTokens              string `xml:"httpTokens"`
	HTTPPutResponseHopLimit int    `xml:"httpPutResponseHopLimit"`
	HTTPEndpoint            string `xml:"httpEndpoint"`
	HTTPProtocolIPv6        string `xml:"httpProtocolIpv6"`
	InstanceMetadataTags    string `xml:"instanceMetadataTags"`
}

type ec2Instance struct {
	InstanceID         string             `xml:"instanceId"`
	ImageID            string             `xml:"imageId"`
	InstanceState      ec2State           `xml:"instanceState"`
	PrivateDNSName     string             `xml:"privateDnsName"`
	AmiLaunchIndex     int                `xml:"amiLaunchIndex"`
	InstanceType       string             `xml:"instanceType"`
	LaunchTime         string             `xml:"launchTime"`
	Placement          ec2Placement       `xml:"placement"`
	Architecture       string             `xml:"architecture"`
	IamInstanceProfile *ec2Profile        `xml:"iamInstanceProfile,omitempty"`
	MetadataOptions    ec2MetadataOptions `xml:"metadataOptions"`
}

type ec2Reservation struct {
	ReservationID string `xml:"reservationId"`
	OwnerID       string `xml:"ownerId"`
	GroupSet      struct {
	} `xml:"groupSet"`
	Instances struct {
		Items []ec2Instance `xml:"item"`
	} `xml:"instancesSet"`
}

type describeInstancesResponse struct {
	XMLName      xml.Name `xml:"DescribeInstancesResponse"`
	Xmlns        string   `xml:"xmlns,attr"`
	RequestID    string   `xml:"requestId"`
	Reservations struct {
		Items []ec2Reservation `xml:"item"`
	} `xml:"reservationSet"`
	NextToken string `xml:"nextToken,omitempty"`
}

type ec2ErrorResponse struct {
	XMLName xml.Name `xml:"Response"`
	Errors  struct {
		Error struct {
			Code    string `xml:"Code"`
			Message string `xml:"Message"`
		} `xml:"Error"`
	} `xml:"Errors"`
	RequestID string `xml:"RequestID"`
}

func (f *Fake) answerEC2Error(w http.ResponseWriter, req *request, e *apiError) {
	var doc ec2ErrorResponse
	doc.Errors.Error.Code = e.Code
	doc.Errors.Error.Message = e.Message
	doc.RequestID = f.requestID()
	f.writeXML(w, req, e.Status, doc, doc.RequestID)
}

// ec2PageSize is how many reservations one page holds when the request
// names no MaxResults (EC2 returns up to 1000).
const ec2PageSize = 1000

func (f *Fake) serveEC2(w http.ResponseWriter, req *request) {
	if !f.checkQuery(w, req) {
		return
	}
	st := f.state()
	p := req.principal
	switch req.action {
	case "DescribeInstances":
		ids, filter, err := instanceSelection(req.form)
		if err != nil {
			f.answerEC2Error(w, req, &apiError{Code: "InvalidParameterValue", Message: err.Error(), Status: http.StatusBadRequest})
			return
		}
		req.resources = append(ids, filter...)
		req.resource = strings.Join(req.resources, " ")
		if e := f.fault(req); e != nil {
			f.answerEC2Error(w, req, e)
			return
		}
		byID := map[string]Instance{}
		for _, in := range st.Instances {
			if in.Account == p.Account {
				byID[in.ID] = in
			}
		}
		var picked []Instance
		var missing []string
		switch {
		case len(ids) > 0:
			// InstanceId.N: every ID must exist (EC2:
			// InvalidInstanceID.NotFound names the missing ones).
			for _, id := range ids {
				in, ok := byID[id]
				if !ok {
					missing = append(missing, id)
					continue
				}
				picked = append(picked, in)
			}
		default:
			// Filter instance-id: the matching instances, no error for
			// the others; no filter: every instance.
			want := map[string]bool{}
			for _, id := range filter {
				want[id] = true
			}
			for _, in := range byID {
				if len(filter) == 0 || want[in.ID] {
					picked = append(picked, in)
				}
			}
		}
		if len(missing) > 0 {
			msg := fmt.Sprintf("The instance ID '%s' does not exist", missing[0])
			if len(missing) > 1 {
				msg = fmt.Sprintf("The instance IDs '%s' do not exist", strings.Join(missing, ", "))
			}
			f.answerEC2Error(w, req, &apiError{Code: "InvalidInstanceID.NotFound", Message: msg, Status: http.StatusBadRequest})
			return
		}
		sort.Slice(picked, func(i, j int) bool { return picked[i].ID < picked[j].ID })
		size := ec2PageSize
		if v, err := strconv.Atoi(req.form.Get("MaxResults")); err == nil && v > 0 {
			size = v
		}
		start := 0
		if tok := req.form.Get("NextToken"); tok != "" {
			n, err := strconv.Atoi(strings.TrimPrefix(tok, "page-"))
			if err != nil || n < 0 || n > len(picked) {
				f.answerEC2Error(w, req, &apiError{Code: "InvalidParameterValue", Message: "Invalid NextToken", Status: http.StatusBadRequest})
				return
			}
			start = n
		}
		end := min(start+size, len(picked))
		res := describeInstancesResponse{Xmlns: ec2Namespace, RequestID: f.requestID()}
		for _, in := range picked[start:end] {
			res.Reservations.Items = append(res.Reservations.Items, ec2Reservation{ReservationID: "r-" + strings.TrimPrefix(in.ID, "i-"),
				OwnerID: in.Account, Instances: struct {
					Items []ec2Instance `xml:"item"`
				}{Items: []ec2Instance{ec2Item(in)}}})
		}
		if end < len(picked) {
			res.NextToken = fmt.Sprintf("page-%d", end)
		}
		f.writeXML(w, req, http.StatusOK, res, res.RequestID)
	default:
		f.answerEC2Error(w, req, &apiError{Code: "InvalidAction", Message: "The action " + req.action + " is not valid for this web service.", Status: http.StatusBadRequest})
	}
}

func ec2Item(in Instance) ec2Instance {
	out := ec2Instance{InstanceID: in.ID, ImageID: "ami-0c2d3e4f5a6b7c8d9", InstanceState: ec2State{Code: 16, Name: "running"},
		PrivateDNSName: in.PrivateDNSName, InstanceType: in.Type, LaunchTime: isoTime(in.LaunchTime),
		Placement: ec2Placement{AvailabilityZone: in.Zone, Tenancy: "default"}, Architecture: "x86_64",
		MetadataOptions: ec2MetadataOptions{State: "applied", HTTPTokens: in.HTTPTokens, HTTPPutResponseHopLimit: in.HopLimit,
			HTTPEndpoint: in.HTTPEndpoint, HTTPProtocolIPv6: "disabled", InstanceMetadataTags: "disabled"}}
	if in.InstanceProfileARN != "" {
		out.IamInstanceProfile = &ec2Profile{Arn: in.InstanceProfileARN, ID: fakeID("AIPA", in.InstanceProfileARN)}
	}
	return out
}

// instanceSelection reads InstanceId.N and the values of a Filter.N named
// instance-id (the EC2 query protocol's list and filter encoding); other
// filters are refused, as this fake does not model them.
func instanceSelection(form map[string][]string) (ids, filter []string, err error) {
	get := func(k string) string {
		if v := form[k]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	for i := 1; ; i++ {
		v := get(fmt.Sprintf("InstanceId.%d", i))
		if v == "" {
			break
		}
		ids = append(ids, v)
	}
	for i := 1; ; i++ {
		name := get(fmt.Sprintf("Filter.%d.Name", i))
		if name == "" {
			break
		}
		if name != "instance-id" {
			return nil, nil, fmt.Errorf("awsfake: filter %q is not modelled", name)
		}
		for j := 1; ; j++ {
			v := get(fmt.Sprintf("Filter.%d.Value.%d", i, j))
			if v == "" {
				break
			}
			filter = append(filter, v)
		}
	}
	return ids, filter, nil
}
