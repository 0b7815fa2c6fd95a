package jitsudo.eligibility

# The local cluster's eligibility policy: members of the group sre may request the mock provider and
# prod-infra-admin on AWS, and break-glass.
default allow := false

allow if {
	"sre" in input.user.groups
	input.request.provider in {"mock", "aws"}
}

break_glass_allowed if "sre" in input.user.groups

reason := "only members of sre are eligible" if not allow
