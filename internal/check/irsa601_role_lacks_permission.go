package check

import "github.com/irsa-doctor/irsa-doctor/internal/model"

// IRSA601 (issue 13): the judgement of every permission question, shared
// with IRSA602 and IRSA603, is model.JudgePermissions.
var irsa601 = permissionCheck(model.CheckLacksPermission, "role-lacks-permission",
	"The pod's role has no statement that allows the request")
