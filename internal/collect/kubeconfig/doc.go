// Package kubeconfig finds, in a kubeconfig, the EKS cluster a context
// points at (name or Outposts ID, region, account), the context's
// namespace and the AWS profile its user authenticates with, so that
// `scan` and `dump` need no --cluster in the common case (issue 4, item 1).
//
// It reads a clientcmd raw config (clientcmd.ClientConfig.RawConfig) and
// runs nothing: the exec plugin's arguments are read, never executed. It
// imports client-go's clientcmd/api types and internal/arn only.
package kubeconfig
