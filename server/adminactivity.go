package server

// Actions of the activity log.
const (
	ActionTimeoutChanged  = "security.inactivity_timeout"
	ActionSessionEnded    = "session.ended"
	ActionSignInFailed    = "security.sign_in_failed"
	ActionSignInThrottled = "security.sign_in_throttled"
	ActionRoleChanged     = "user.role"
)
