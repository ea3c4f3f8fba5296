package server

import (
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// accessTokenType is the JOSE "typ" of an access token (RFC 9068 §2.1).
// ID tokens are signed by the same key with typ "JWT" and the client as
// audience; the type and the audience both keep an ID token from passing
// as a bearer token.
const accessTokenType = "at+jwt"

// accessClaims are the claims of an access token (RFC 9068 JWT profile):
// its audience is the resource, this service's own API (see resource).
type accessClaims struct {
	jwt.Claims
	Email    string `json:"email"`
	SID      string `json:"sid"`
	Account  string `json:"account"`
	ClientID string `json:"client_id"`
	Scope    string `json:"scope,omitempty"`
}

// idClaims are the claims of an ID token.
type idClaims struct {
	jwt.Claims
	Email         string `json:"email"`
	EmailVerified bool   `json:"email_verified"`
	SID           string `json:"sid"`
	Nonce         string `json:"nonce,omitempty"`
	AuthTime      int64  `json:"auth_time"`
}

func (s *Server) sign(signer jose.Signer, claims any) (string, error) {
	tok, err := jwt.Signed(signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return tok, nil
}

func (s *Server) accessToken(u User, ss Session, now time.Time) (string, time.Duration, error) {
	life := min(MaxAccessTokenLifetime, ss.Timeout)
	c := accessClaims{
		Claims: jwt.Claims{
			Issuer: s.issuer, Subject: u.ID, Audience: jwt.Audience{s.resource()},
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(life)),
			ID: newSecret()[:16],
		},
		Email: u.Email, SID: ss.ID, Account: ss.Account, ClientID: ss.ClientID, Scope: ss.Scope,
	}
	tok, err := s.sign(s.keys.current().current.accessSigner, c)
	return tok, life, err
}

func (s *Server) idToken(u User, ss Session, nonce string, now time.Time) (string, error) {
	return s.sign(s.keys.current().current.idSigner, idClaims{
		Claims: jwt.Claims{
			Issuer: s.issuer, Subject: u.ID, Audience: jwt.Audience{ss.ClientID},
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(min(MaxAccessTokenLifetime, ss.Timeout))),
		},
		Email: u.Email, EmailVerified: true, SID: ss.ID, Nonce: nonce, AuthTime: ss.AuthTime.Unix(),
	})
}

var errBadToken = errors.New("invalid access token")

// resource is the audience of every access token: the API of this
// service (admin API, userinfo), named by the issuer URL. No client ID is
// a URL, so no ID token has this audience.
func (s *Server) resource() string { return s.issuer }

// verifyAccess checks an access token's signature, type, issuer and
// audience, not its expiry nor whether its session is still live.
func (s *Server) verifyAccess(token string) (accessClaims, error) {
	var c accessClaims
	t, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{signingAlg})
	if err != nil || len(t.Headers) != 1 || !isAccessTokenType(t.Headers[0]) {
		return c, errBadToken
	}
	key, ok := s.keys.verifier(t.Headers[0].KeyID)
	if !ok {
		return c, errBadToken
	}
	if err := t.Claims(&key.private.PublicKey, &c); err != nil {
		return c, errBadToken
	}
	if c.SID == "" || c.Issuer != s.issuer || c.Expiry == nil || c.ClientID == "" ||
		len(c.Audience) != 1 || !c.Audience.Contains(s.resource()) {
		return c, errBadToken
	}
	return c, nil
}

// isAccessTokenType reports whether h says "at+jwt"; RFC 9068 §4 also
// allows the full media type, and media types ignore case.
func isAccessTokenType(h jose.Header) bool {
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	typ = strings.TrimPrefix(strings.ToLower(typ), "application/")
	return typ == accessTokenType
}

// parseAccess is verifyAccess plus expiry at now, with no leeway.
func (s *Server) parseAccess(token string, now time.Time) (accessClaims, error) {
	c, err := s.verifyAccess(token)
	if err != nil || !now.Before(c.Expiry.Time()) {
		return c, errBadToken
	}
	return c, nil
}
