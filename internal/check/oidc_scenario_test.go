package check_test

import (
	"crypto/x509"
	"errors"
	"os"

	"github.com/irsa-doctor/irsa-doctor/internal/model"
)

// The scenarios' chains are made offline (oidc_certs_test.go), so no chain
// of theirs can end at a real public root: testdata/certs/public-root.pem
// stands in for the system's pool in every test of this binary, which also
// keeps the outcome independent of the machine's roots.
func init() {
	model.PublicRootCAs = func() (*x509.CertPool, error) {
		raw, err := os.ReadFile("testdata/certs/public-root.pem")
		if err != nil {
			return nil, err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(raw) {
			return nil, errors.New("testdata/certs/public-root.pem holds no certificate")
		}
		return pool, nil
	}
}
