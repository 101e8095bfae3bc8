package auth

// Principal is who a request comes from: a signed-in user (by bearer token
// or browser session) or a store's API key.
type Principal struct {
	// User is the person signed in; nil for an API key.
	User *User
	// Session is set when the user signed in through the browser.
	Session *Session
	// Key is set for a seller system's API key.
	Key *APIKey
	// Support is set while a platform admin acts as a store's owner.
	Support *SupportGrant
}

// Label names the principal in logs and the audit log: an email, or the
// key's id.
func (p *Principal) Label() string {
	switch {
	case p == nil:
		return "anonymous"
	case p.Key != nil:
		return "key:" + p.Key.ID
	default:
		return p.User.Email
	}
}
