package server

import (
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// accessClaims are the claims of an access token (a signed JWT).
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

func (s *Server) sign(claims any) (string, error) {
	tok, err := jwt.Signed(s.keys.signer).Claims(claims).Serialize()
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return tok, nil
}

func (s *Server) accessToken(u User, ss Session, now time.Time) (string, time.Duration, error) {
	life := min(MaxAccessTokenLifetime, ss.Timeout)
	c := accessClaims{
		Claims: jwt.Claims{
			Issuer: s.issuer, Subject: u.ID, Audience: jwt.Audience{ss.ClientID},
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(life)),
			ID: newSecret()[:16],
		},
		Email: u.Email, SID: ss.ID, Account: ss.Account, ClientID: ss.ClientID, Scope: ss.Scope,
	}
	tok, err := s.sign(c)
	return tok, life, err
}

func (s *Server) idToken(u User, ss Session, nonce string, now time.Time) (string, error) {
	return s.sign(idClaims{
		Claims: jwt.Claims{
			Issuer: s.issuer, Subject: u.ID, Audience: jwt.Audience{ss.ClientID},
			IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(min(MaxAccessTokenLifetime, ss.Timeout))),
		},
		Email: u.Email, EmailVerified: true, SID: ss.ID, Nonce: nonce, AuthTime: ss.AuthTime.Unix(),
	})
}

var errBadToken = errors.New("invalid access token")

// verifyAccess checks an access token's signature and issuer, not its
// expiry nor whether its session is still live.
func (s *Server) verifyAccess(token string) (accessClaims, error) {
	var c accessClaims
	t, err := jwt.ParseSigned(token, []jose.SignatureAlgorithm{signingAlg})
	if err != nil {
		return c, errBadToken
	}
	if err := t.Claims(&s.keys.private.PublicKey, &c); err != nil {
		return c, errBadToken
	}
	if c.SID == "" || c.Issuer != s.issuer || c.Expiry == nil {
		return c, errBadToken
	}
	return c, nil
}

// parseAccess is verifyAccess plus expiry at now, with no leeway.
func (s *Server) parseAccess(token string, now time.Time) (accessClaims, error) {
	c, err := s.verifyAccess(token)
	if err != nil || !now.Before(c.Expiry.Time()) {
		return c, errBadToken
	}
	return c, nil
}
