// Package server is walkme-sessiond, the reference WalkMe session service:
// an OAuth 2.0 / OpenID Connect provider whose sessions lapse after the
// account's inactivity timeout (docs/design.md §7; rules R1–R4, R6 and R8 of its §2).
//
// The protocol handlers are written here with net/http and go-jose rather
// than on top of zitadel/oidc: its storage interface has no room for
// rotation with a reuse grace (one successor per refresh token, the
// predecessor redeemable for 60 s) nor for the refresh_token_expires_in
// field, and bending it costs more than the handful of endpoints below.
//
// Refresh tokens are opaque and stored only as SHA-256 hashes. A rotated
// token's successor is derived from it with an HMAC under a server key, so
// replaying the predecessor inside the grace returns the same successor
// without ever storing a token in plaintext.
//
// The server keeps no global state: every Server carries its own Store,
// keys and clock, so tests and the demo can embed several in one process.
package server
