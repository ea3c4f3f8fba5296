package redisstore

// The key of each kind of record (the layout is in store.go's package
// comment). A record that a script reads or writes together with another
// shares its hash tag, the part in braces, which Redis Cluster hashes to
// choose the slot: a session's records share the session id, an account's
// the account name.

func (s *Store) key(parts ...string) string {
	k := s.prefix
	for _, p := range parts {
		k += p
	}
	return k
}

func (s *Store) sessionKey(id string) string           { return s.key("session:{", id, "}") }
func (s *Store) tokenKey(sid, hash string) string      { return s.key("token:{", sid, "}:", hash) }
func (s *Store) refreshKey(hash string) string         { return s.key("refresh:", hash) }
func (s *Store) accountKey(name string) string         { return s.key("account:{", name, "}") }
func (s *Store) activityKey(account string) string     { return s.key("activity:{", account, "}") }
func (s *Store) indexKey(account string) string        { return s.key("account-sessions:{", account, "}") }
func (s *Store) codeKey(hash string) string            { return s.key("code:", hash) }
func (s *Store) deviceKey(hash string) string          { return s.key("device:", hash) }
func (s *Store) userCodeKey(code string) string        { return s.key("user-code:", code) }
func (s *Store) userKey(id string) string              { return s.key("user:", id) }
func (s *Store) emailKey(lower string) string          { return s.key("email:", lower) }
func (s *Store) accountUsersKey(account string) string { return s.key("account-users:{", account, "}") }
func (s *Store) accountAdminsKey(account string) string {
	return s.key("account-admins:{", account, "}")
}
