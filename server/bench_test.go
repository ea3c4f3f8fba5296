package server_test

import "testing"

// BenchmarkRefresh is one renewal over loopback HTTP against SQLite: the
// server's steady-state load (DESIGN §8).
func BenchmarkRefresh(b *testing.B) {
	e := startEnv(b, false)
	rt := e.login("user@acme.test").RefreshToken
	b.ResetTimer()
	for b.Loop() {
		rt = e.mustRefresh(rt).RefreshToken
	}
}
