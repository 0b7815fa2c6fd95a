package jitsudo.approval

# The local cluster's approval policy: a member of sre other than the requester approves.
default allow := false

allow if "sre" in input.user.groups
