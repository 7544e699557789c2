package awsfake

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"
)

// EKS speaks REST-JSON: GET /clusters/{name} and friends; timestamps are
// epoch seconds as JSON numbers; an error names its type in the
// x-amzn-ErrorType header and carries {"message": ...} (EKS API
// reference, "Common Errors"; Smithy restJson1 protocol).

// eksRoute maps a request to its EKS action and the path parameters.
func eksRoute(r *http.Request) (action string, params []string) {
	var segs []string
	for _, s := range strings.Split(strings.Trim(r.URL.EscapedPath(), "/"), "/") {
		u, err := url.PathUnescape(s)
		if err != nil {
			return "", nil
		}
		segs = append(segs, u)
	}
	if r.Method != http.MethodGet || len(segs) == 0 || segs[0] != "clusters" {
		return "", nil
	}
	switch len(segs) {
	case 1:
		return "ListClusters", nil
	case 2:
		return "DescribeCluster", segs[1:]
	case 3:
		if segs[2] == "pod-identity-associations" {
			return "ListPodIdentityAssociations", segs[1:2]
		}
	case 4:
		if segs[2] == "pod-identity-associations" {
			return "DescribePodIdentityAssociation", []string{segs[1], segs[3]}
		}
	}
	return "", nil
}

func (f *Fake) answerEKSError(w http.ResponseWriter, req *request, e *apiError) {
	body := map[string]string{"message": e.Message}
	if e.Code == "ResourceNotFoundException" && req.resource != "" {
		body["clusterName"] = req.resource
	}
	w.Header().Set("x-amzn-ErrorType", e.Code)
	f.writeJSON(w, req, e.Status, body)
}

func (f *Fake) writeJSON(w http.ResponseWriter, req *request, status int, v any) {
	out, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "awsfake: encode answer: "+err.Error(), http.StatusInternalServerError)
		f.record(req, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("x-amzn-RequestId", f.requestID())
	// Recorded before the answer leaves: a client that has read it may
	// look at the log at once.
	if req.action != "" {
		f.record(req, status)
	}
	w.WriteHeader(status)
	_, _ = w.Write(out)
}

// epoch is an EKS timestamp: epoch seconds with milliseconds.
func epoch(t time.Time) float64 { return float64(t.UnixMilli()) / 1000 }

type eksClusterDoc struct {
	Name               string  `json:"name"`
	Arn                string  `json:"arn"`
	CreatedAt          float64 `json:"createdAt"`
	Version            string  `json:"version"`
	Endpoint           string  `json:"endpoint,omitempty"`
	RoleArn            string  `json:"roleArn"`
	ResourcesVpcConfig struct {
		SubnetIDs              []string `json:"subnetIds"`
		SecurityGroupIDs       []string `json:"securityGroupIds"`
		ClusterSecurityGroupID string   `json:"clusterSecurityGroupId"`
		VpcID                  string   `json:"vpcId"`
		EndpointPublicAccess   bool     `json:"endpointPublicAccess"`
		EndpointPrivateAccess  bool     `json:"endpointPrivateAccess"`
		PublicAccessCidrs      []string `json:"publicAccessCidrs"`
	} `json:"resourcesVpcConfig"`
	KubernetesNetworkConfig struct {
		ServiceIpv4Cidr      string `json:"serviceIpv4Cidr"`
		IPFamily             string `json:"ipFamily"`
		ElasticLoadBalancing struct {
			Enabled bool `json:"enabled"`
		} `json:"elasticLoadBalancing"`
	} `json:"kubernetesNetworkConfig"`
	Logging struct {
		ClusterLogging []eksLogSetup `json:"clusterLogging"`
	} `json:"logging"`
	Identity *eksIdentity `json:"identity,omitempty"`
	Status   string       `json:"status"`
	CA       struct {
		Data string `json:"data"`
	} `json:"certificateAuthority"`
	PlatformVersion string            `json:"platformVersion"`
	Tags            map[string]string `json:"tags"`
	Health          struct {
		Issues []any `json:"issues"`
	} `json:"health"`
	AccessConfig struct {
		AuthenticationMode string `json:"authenticationMode"`
	} `json:"accessConfig"`
	UpgradePolicy struct {
		SupportType string `json:"supportType"`
	} `json:"upgradePolicy"`
	DeletionProtection bool `json:"deletionProtection"`
}

type eksLogSetup struct {
	Types   []string `json:"types"`
	Enabled bool     `json:"enabled"`
}

type eksIdentity struct {
	OIDC struct {
		Issuer string `json:"issuer"`
	} `json:"oidc"`
}

func clusterDoc(st State, c Cluster) eksClusterDoc {
	d := eksClusterDoc{Name: c.Name, Arn: c.arn(st.Partition, st.Region), CreatedAt: epoch(c.CreatedAt), Version: c.Version,
		Endpoint: c.Endpoint, RoleArn: "arn:" + st.Partition + ":iam::" + c.Account + ":role/eks-cluster-role",
		Status: c.Status, PlatformVersion: c.PlatformVersion, Tags: map[string]string{}}
	v := &d.ResourcesVpcConfig
	v.SubnetIDs = []string{"subnet-0a1b2c3d4e5f6a7b8", "subnet-0f9e8d7c6b5a4f3e2"}
	v.SecurityGroupIDs = []string{}
	v.ClusterSecurityGroupID = "sg-0123456789abcdef0"
	v.VpcID = "vpc-0123456789abcdef0"
	v.EndpointPublicAccess, v.EndpointPrivateAccess = true, true
	v.PublicAccessCidrs = []string{"0.0.0.0/0"}
	d.KubernetesNetworkConfig.ServiceIpv4Cidr = "10.100.0.0/16"
	d.KubernetesNetworkConfig.IPFamily = "ipv4"
	d.Logging.ClusterLogging = []eksLogSetup{{Types: []string{"api", "audit", "authenticator", "controllerManager", "scheduler"}, Enabled: false}}
	if c.Issuer != "" {
		d.Identity = &eksIdentity{}
		d.Identity.OIDC.Issuer = c.Issuer
	}
	d.CA.Data = base64.StdEncoding.EncodeToString([]byte("-----BEGIN CERTIFICATE-----\nfake\n-----END CERTIFICATE-----\n"))
	d.Health.Issues = []any{}
	d.AccessConfig.AuthenticationMode = "API_AND_CONFIG_MAP"
	d.UpgradePolicy.SupportType = "STANDARD"
	return d
}

func (f *Fake) serveEKS(w http.ResponseWriter, req *request) {
	st := f.state()
	p := req.principal
	if p == nil {
		f.answerEKSError(w, req, &apiError{Code: "UnrecognizedClientException", Message: "Missing Authentication Token", Status: http.StatusForbidden})
		return
	}
	if req.action == "" {
		req.action = "UnknownOperation"
		f.answerEKSError(w, req, &apiError{Code: "UnknownOperationException", Message: "Unknown operation " + req.http.Method + " " + req.http.URL.Path, Status: http.StatusNotFound})
		return
	}
	visible := func(name string) *Cluster {
		for i, c := range st.Clusters {
			if c.Account == p.Account && c.Name == name {
				return &st.Clusters[i]
			}
		}
		return nil
	}
	clusterARN := func(name string) string {
		return Cluster{Name: name, Account: p.Account}.arn(st.Partition, st.Region)
	}
	if len(req.resources) > 0 {
		req.resource = req.resources[0]
		req.resources = []string{req.resources[0], clusterARN(req.resources[0])}
	} else {
		req.resources = []string{clusterARN("*")}
	}
	if e := f.fault(req); e != nil {
		f.answerEKSError(w, req, e)
		return
	}
	q := req.http.URL.Query()
	switch req.action {
	case "ListClusters":
		var names []string
		for _, c := range st.Clusters {
			if c.Account == p.Account {
				names = append(names, c.Name)
			}
		}
		sort.Strings(names)
		page, next, e := paginate(names, q, st.ListClustersPageSize)
		if e != nil {
			f.answerEKSError(w, req, e)
			return
		}
		f.writeJSON(w, req, http.StatusOK, struct {
			Clusters  []string `json:"clusters"`
			NextToken string   `json:"nextToken,omitempty"`
		}{page, next})
	case "DescribeCluster":
		c := visible(req.resource)
		if c == nil {
			f.answerEKSError(w, req, &apiError{Code: "ResourceNotFoundException", Message: "No cluster found for name: " + req.resource + ".", Status: http.StatusNotFound})
			return
		}
		f.writeJSON(w, req, http.StatusOK, map[string]any{"cluster": clusterDoc(st, *c)})
	case "ListPodIdentityAssociations":
		c := visible(req.resource)
		if c == nil {
			f.answerEKSError(w, req, &apiError{Code: "ResourceNotFoundException", Message: "No cluster found for name: " + req.resource + ".", Status: http.StatusNotFound})
			return
		}
		var ids []string
		byID := map[string]PodIdentityAssociation{}
		for _, a := range st.PodIdentityAssociations {
			if a.Cluster != c.Name || (q.Get("namespace") != "" && a.Namespace != q.Get("namespace")) ||
				(q.Get("serviceAccount") != "" && a.ServiceAccount != q.Get("serviceAccount")) {
				continue
			}
			ids = append(ids, a.ID)
			byID[a.ID] = a
		}
		sort.Strings(ids)
		page, next, e := paginate(ids, q, 100)
		if e != nil {
			f.answerEKSError(w, req, e)
			return
		}
		type summary struct {
			ClusterName    string `json:"clusterName"`
			Namespace      string `json:"namespace"`
			ServiceAccount string `json:"serviceAccount"`
			AssociationArn string `json:"associationArn"`
			AssociationID  string `json:"associationId"`
		}
		out := []summary{}
		for _, id := range page {
			a := byID[id]
			out = append(out, summary{a.Cluster, a.Namespace, a.ServiceAccount, associationARN(st, *c, a.ID), a.ID})
		}
		f.writeJSON(w, req, http.StatusOK, struct {
			Associations []summary `json:"associations"`
			NextToken    string    `json:"nextToken,omitempty"`
		}{out, next})
	case "DescribePodIdentityAssociation":
		c := visible(req.resource)
		id := req.http.URL.Path[strings.LastIndex(req.http.URL.Path, "/")+1:]
		if c != nil {
			for _, a := range st.PodIdentityAssociations {
				if a.Cluster == c.Name && a.ID == id {
					doc := map[string]any{"clusterName": a.Cluster, "namespace": a.Namespace, "serviceAccount": a.ServiceAccount,
						"roleArn": a.RoleARN, "associationArn": associationARN(st, *c, a.ID), "associationId": a.ID, "tags": map[string]string{},
						"createdAt": epoch(a.CreatedAt), "modifiedAt": epoch(a.CreatedAt), "disableSessionTags": a.DisableSessionTags}
					if a.TargetRoleARN != "" {
						doc["targetRoleArn"] = a.TargetRoleARN
					}
					if a.ExternalID != "" {
						doc["externalId"] = a.ExternalID
					}
					f.writeJSON(w, req, http.StatusOK, map[string]any{"association": doc})
					return
				}
			}
		}
		// EKS's wording for a missing association is not in docs/reference/README.md.
		f.answerEKSError(w, req, &apiError{Code: "ResourceNotFoundException", Message: "No Pod Identity Association found for id: " + id + ".", Status: http.StatusNotFound})
	}
}

func associationARN(st State, c Cluster, id string) string {
	return "arn:" + st.Partition + ":eks:" + st.Region + ":" + c.Account + ":podidentityassociation/" + c.Name + "/" + id
}

// paginate returns one page of items after nextToken (an opaque token, as
// EKS's are) of at most maxResults (default def, EKS allows 1-100).
func paginate(items []string, q url.Values, def int) (page []string, next string, e *apiError) {
	size := def
	if size <= 0 {
		size = 100
	}
	if s := q.Get("maxResults"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 100 {
			return nil, "", &apiError{Code: "InvalidParameterException", Message: "maxResults must be between 1 and 100", Status: http.StatusBadRequest}
		}
		size = n
	}
	start := 0
	if t := q.Get("nextToken"); t != "" {
		raw, err := base64.RawURLEncoding.DecodeString(t)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(raw), "page:"))
		if err != nil || err2 != nil || n < 0 || n > len(items) {
			return nil, "", &apiError{Code: "InvalidParameterException", Message: "The nextToken is not valid", Status: http.StatusBadRequest}
		}
		start = n
	}
	end := min(start+size, len(items))
	page = append([]string{}, items[start:end]...)
	if end < len(items) {
		next = base64.RawURLEncoding.EncodeToString([]byte("page:" + strconv.Itoa(end)))
	}
	return page, next, nil
}
