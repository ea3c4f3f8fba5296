package server_test

import "testing"

// BenchmarkRefresh is one renewal over loopback HTTP against each store:
// the server's steady-state load (docs/design.md §10).
func BenchmarkRefresh(b *testing.B) {
	for _, store := range []string{"sqlite", "redis"} { // startEnv picks the store by name
		b.Run(store, func(b *testing.B) {
			e := startEnv(b, false)
			rt := e.login("user@acme.test").RefreshToken
			b.ResetTimer()
			for b.Loop() {
				rt = e.mustRefresh(rt).RefreshToken
			}
		})
	}
}
