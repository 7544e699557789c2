package bundle

import (
	"testing"
)

const describePod = `Name:             api-7d9f8b6c5-x2k4p
Namespace:        payments
Priority:         0
Service Account:  s3-reader
Node:             ip-10-0-1-23.eu-west-1.compute.internal/10.0.1.23
Start Time:       Sun, 06 Dec 2026 10:00:00 +0000
Labels:           app=api
                  pod-template-hash=7d9f8b6c5
Annotations:      <none>
Status:           Running
IP:               10.0.1.50
Controlled By:  ReplicaSet/api-7d9f8b6c5
Containers:
  app:
    Image:          public.ecr.aws/aws-cli/aws-cli:2.15.0
    Environment:
      AWS_ROLE_ARN:                 arn:aws:iam::111122223333:role/payments-s3-reader
      AWS_WEB_IDENTITY_TOKEN_FILE:  /var/run/secrets/eks.amazonaws.com/serviceaccount/token
QoS Class:                   BestEffort
Events:                      <none>
`

const describeSA = `Name:                s3-reader
Namespace:           payments
Labels:              <none>
Annotations:         eks.amazonaws.com/role-arn: arn:aws:iam::111122223333:role/payments-s3-reader
Image pull secrets:  <none>
Mountable secrets:   <none>
Tokens:              <none>
Events:              <none>
`

const describeDeployment = `Name:                   api
Namespace:              payments
CreationTimestamp:      Sun, 06 Dec 2026 10:00:00 +0000
Labels:                 app=api
Annotations:            deployment.kubernetes.io/revision: 1
Selector:               app=api
Replicas:               2 desired | 2 updated | 2 total | 2 available | 0 unavailable
StrategyType:           RollingUpdate
MinReadySeconds:        0
Pod Template:
  Labels:           app=api
  Service Account:  s3-reader
`

func TestKubectlTextIsNamed(t *testing.T) {
	for _, tc := range []struct {
		name, file, content, want string
	}{
		{"describe pod", "describe-pod.txt", describePod,
			"b/describe-pod.txt: kubectl describe output, which leaves out what the checks read: capture the object with: kubectl get pod api-7d9f8b6c5-x2k4p -n payments -o json > describe-pod.json 2>&1"},
		{"describe serviceaccount", "sa.yaml", describeSA,
			"b/sa.yaml: kubectl describe output, which leaves out what the checks read: capture the object with: kubectl get serviceaccount s3-reader -n payments -o json > sa.json 2>&1"},
		{"describe deployment", "api.txt", describeDeployment,
			"b/api.txt: kubectl describe output, which leaves out what the checks read: capture the object with: kubectl get deployment api -n payments -o json > api.json 2>&1"},
		{"get pods table", "pods.txt",
			"NAME                  READY   STATUS    RESTARTS   AGE\napi-7d9f8b6c5-x2k4p   1/1     Running   0          5d\napi-7d9f8b6c5-z9q2w   1/1     Running   0          5d\n",
			"b/pods.txt: a kubectl get table (no -o), which leaves out what the checks read: capture it with: kubectl get pods -n NAMESPACE -o json > pods.json 2>&1"},
		{"get one serviceaccount, -A", "sa.txt",
			"NAMESPACE   NAME        SECRETS   AGE\npayments    s3-reader   0         12d\n",
			"b/sa.txt: a kubectl get table (no -o), which leaves out what the checks read: capture it with: kubectl get serviceaccount s3-reader -n payments -o json > sa.json 2>&1"},
		{"get deployments -A", "deploy.txt",
			"NAMESPACE   NAME   READY   UP-TO-DATE   AVAILABLE   AGE\npayments    api    2/2     2            2           5d\nweb         front  1/1     1            1           9d\n",
			"b/deploy.txt: a kubectl get table (no -o), which leaves out what the checks read: capture it with: kubectl get deployments -A -o json > deploy.json 2>&1"},
		{"get pods,sa", "all.txt",
			"NAME                      READY   STATUS    RESTARTS   AGE\npod/api-7d9f8b6c5-x2k4p   1/1     Running   0          5d\n\nNAME                       SECRETS   AGE\nserviceaccount/s3-reader   0         12d\n",
			"b/all.txt: a kubectl get table (no -o), which leaves out what the checks read: capture it with: kubectl get pods -n NAMESPACE -o json > all.json 2>&1"},
		{"get webhooks", "wh.txt",
			"NAME                   WEBHOOKS   AGE\npod-identity-webhook   1          300d\n",
			"b/wh.txt: a kubectl get table (no -o), which leaves out what the checks read: capture it with: kubectl get mutatingwebhookconfiguration pod-identity-webhook -o json > wh.json 2>&1"},
		{"a crafted name is not repeated", "x.txt",
			"Name:       $(touch pwned)\nNamespace:  payments\nMountable secrets:  <none>\n",
			"b/x.txt: kubectl describe output, which leaves out what the checks read: capture the object with: kubectl get serviceaccount NAME -n payments -o json > x.json 2>&1"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			writeTree(t, map[string]string{"b/" + tc.file: tc.content})
			s := readPaths(t, "b")
			if len(s.Files) != 1 {
				t.Fatalf("files: %+v", s.Files)
			}
			if got := s.Files[0].Error; got != tc.want {
				t.Errorf("error:\n got %q\nwant %q", got, tc.want)
			}
		})
	}
}

// kubectl's YAML is never taken for describe output or a table.
func TestKubectlYAMLIsNotText(t *testing.T) {
	s := readStdin(t, "apiVersion: v1\nkind: ServiceAccount\nmetadata:\n  name: api\n  namespace: payments\n")
	if len(s.ServiceAccounts) != 1 || s.Files[0].Error != "" {
		t.Errorf("files %+v, SAs %d", s.Files, len(s.ServiceAccounts))
	}
}
