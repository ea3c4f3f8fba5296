package server

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"fmt"

	"github.com/go-jose/go-jose/v4"
)

// keys are the server's secrets, kept in the store so that tokens survive
// a restart: an ES256 key signs access and ID tokens, an HMAC key derives
// each refresh token's successor from it.
type keys struct {
	// accessSigner signs access tokens (typ at+jwt), idSigner ID tokens
	// (typ JWT), with the same key.
	accessSigner, idSigner jose.Signer
	public                 jose.JSONWebKey
	private                *ecdsa.PrivateKey
	derive                 []byte
}

const signingAlg = jose.ES256

func loadKeys(ctx context.Context, st Store) (*keys, error) {
	der, err := st.Secret(ctx, "signing-key-es256", func() ([]byte, error) {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			return nil, err
		}
		return x509.MarshalPKCS8PrivateKey(k)
	})
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("signing key: not an ECDSA key")
	}
	k := &keys{private: priv, public: jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(signingAlg), Use: "sig"}}
	thumb, err := k.public.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	k.public.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	signer := func(typ jose.ContentType) (jose.Signer, error) {
		return jose.NewSigner(jose.SigningKey{Algorithm: signingAlg, Key: priv},
			(&jose.SignerOptions{}).WithType(typ).WithHeader("kid", k.public.KeyID))
	}
	if k.accessSigner, err = signer(accessTokenType); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	if k.idSigner, err = signer("JWT"); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	k.derive, err = st.Secret(ctx, "refresh-derivation-key", func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("derivation key: %w", err)
	}
	return k, nil
}

// newSecret returns a fresh opaque token: 256 random bits.
func newSecret() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// successor is the refresh token that replaces token: the same input
// always yields the same successor, which is what lets a replay inside
// the grace return it again without storing it.
func (k *keys) successor(token string) string {
	m := hmac.New(sha256.New, k.derive)
	m.Write([]byte("walkme refresh successor\x00"))
	m.Write([]byte(token))
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil))
}

// hashToken is how tokens and codes are stored: they carry 256 random
// bits, so a fast hash is as good as a slow one.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
