package check

import "github.com/irsa-doctor/irsa-doctor/internal/model"

var irsa602 = permissionCheck(model.CheckExplicitlyDenied, "permission-explicitly-denied",
	"A Deny statement of the pod's role refuses the request")
