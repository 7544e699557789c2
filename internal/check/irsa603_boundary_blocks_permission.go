package check

import "github.com/irsa-doctor/irsa-doctor/internal/model"

var irsa603 = permissionCheck(model.CheckBoundaryBlocksIt, "boundary-blocks-permission",
	"The role's permissions boundary blocks what its policies allow")
