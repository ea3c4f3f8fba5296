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
	"encoding/binary"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// keys are the server's secrets, kept in the store so that tokens survive
// a restart and every instance on a shared store signs alike: a ring of
// ES256 keys signs access and ID tokens, an HMAC key derives each refresh
// token's successor from it.
//
// The signing keys are generations in the store's secrets: generation 0
// is "signing-key-es256" (made on first start), and RotateSigningKey adds
// generation n+1 as "signing-key-es256.N+1". The newest signs; an older
// one still verifies, and is published, until every token it can have
// signed has expired (retireAfter past its successor's creation).
type keys struct {
	store  Store
	now    func() time.Time
	log    *slog.Logger
	derive []byte

	mu       sync.Mutex
	ring     keyRing
	loadedAt time.Time // when ring was read from the store
	missAt   time.Time // when an unknown kid last made us read it
}

const signingAlg = jose.ES256

// Key ring timing.
const (
	// keyReload is how often a server reads the ring again, so that a
	// rotation reaches every instance without a restart.
	keyReload = time.Minute
	// keyMissReload spaces the reads an unknown kid triggers (a token of
	// a key another instance already uses), so forged kids cannot make
	// every request read the store.
	keyMissReload = 5 * time.Second
	// retireAfter is how long a replaced key still verifies: a server
	// may sign with it for up to keyReload after the rotation, and its
	// tokens live MaxAccessTokenLifetime, plus a minute of clock skew.
	retireAfter = keyReload + MaxAccessTokenLifetime + time.Minute
)

// signingKey is one generation of the ring.
type signingKey struct {
	gen                    int
	created                time.Time // zero for generation 0
	public                 jose.JSONWebKey
	private                *ecdsa.PrivateKey
	accessSigner, idSigner jose.Signer // typ at+jwt and typ JWT
}

// keyRing is an immutable snapshot: the key that signs, and those that
// verify (the signing one included) by kid.
type keyRing struct {
	current *signingKey
	verify  map[string]*signingKey
	public  []jose.JSONWebKey // what /jwks publishes, newest first
}

const (
	firstKeyName  = "signing-key-es256"
	deriveKeyName = "refresh-derivation-key"
)

func keyName(gen int) string {
	if gen == 0 {
		return firstKeyName
	}
	return fmt.Sprintf("%s.%d", firstKeyName, gen)
}

// errNoSecret is what a look-up that must not create a secret makes
// Store.Secret return for a missing one.
var errNoSecret = errors.New("no such secret")

func absent() ([]byte, error) { return nil, errNoSecret }

func newKeyDER() ([]byte, error) {
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	return x509.MarshalPKCS8PrivateKey(k)
}

func loadKeys(ctx context.Context, st Store, now func() time.Time, log *slog.Logger) (*keys, error) {
	if _, err := st.Secret(ctx, firstKeyName, newKeyDER); err != nil {
		return nil, fmt.Errorf("signing key: %w", err)
	}
	k := &keys{store: st, now: now, log: log}
	var err error
	k.derive, err = st.Secret(ctx, deriveKeyName, func() ([]byte, error) {
		b := make([]byte, 32)
		_, err := rand.Read(b)
		return b, err
	})
	if err != nil {
		return nil, fmt.Errorf("derivation key: %w", err)
	}
	t := now()
	if k.ring, err = readRing(ctx, st, t); err != nil {
		return nil, err
	}
	k.loadedAt = t
	return k, nil
}

// readGenerations reads every signing key generation, oldest first.
func readGenerations(ctx context.Context, st Store) ([]*signingKey, error) {
	var gens []*signingKey
	for gen := 0; ; gen++ {
		v, err := st.Secret(ctx, keyName(gen), absent)
		if errors.Is(err, errNoSecret) && gen > 0 {
			return gens, nil
		}
		if err != nil {
			return nil, fmt.Errorf("signing key %d: %w", gen, err)
		}
		k, err := parseSigningKey(gen, v)
		if err != nil {
			return nil, fmt.Errorf("signing key %d: %w", gen, err)
		}
		gens = append(gens, k)
	}
}

// readRing reads the generations and keeps those still needed at now.
func readRing(ctx context.Context, st Store, now time.Time) (keyRing, error) {
	gens, err := readGenerations(ctx, st)
	if err != nil {
		return keyRing{}, err
	}
	r := keyRing{current: gens[len(gens)-1], verify: map[string]*signingKey{}}
	for i := len(gens) - 1; i >= 0; i-- {
		if i < len(gens)-1 && !now.Before(gens[i+1].created.Add(retireAfter)) {
			break // retired, and so is every older one
		}
		r.verify[gens[i].public.KeyID] = gens[i]
		r.public = append(r.public, gens[i].public)
	}
	return r, nil
}

// parseSigningKey reads a stored generation: PKCS #8 DER, after (from
// generation 1 on) its creation time as 8 bytes of big-endian Unix
// nanoseconds.
func parseSigningKey(gen int, v []byte) (*signingKey, error) {
	k := &signingKey{gen: gen}
	der := v
	if gen > 0 {
		if len(v) < 8 {
			return nil, errors.New("truncated")
		}
		k.created = time.Unix(0, int64(binary.BigEndian.Uint64(v[:8])))
		der = v[8:]
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, err
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("not an ECDSA key")
	}
	k.private = priv
	k.public = jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(signingAlg), Use: "sig"}
	thumb, err := k.public.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, err
	}
	k.public.KeyID = base64.RawURLEncoding.EncodeToString(thumb)
	signer := func(typ jose.ContentType) (jose.Signer, error) {
		return jose.NewSigner(jose.SigningKey{Algorithm: signingAlg, Key: priv},
			(&jose.SignerOptions{}).WithType(typ).WithHeader("kid", k.public.KeyID))
	}
	if k.accessSigner, err = signer(accessTokenType); err != nil {
		return nil, err
	}
	if k.idSigner, err = signer("JWT"); err != nil {
		return nil, err
	}
	return k, nil
}

// RotateSigningKey adds a new signing key to the store's ring and returns
// its kid. Servers on the store sign with it within keyReload (or at
// once when restarted); tokens of the previous key stay valid until they
// expire, and that key stays published in /jwks until then.
func RotateSigningKey(ctx context.Context, st Store, now time.Time) (string, error) {
	if _, err := st.Secret(ctx, firstKeyName, newKeyDER); err != nil {
		return "", fmt.Errorf("signing key: %w", err)
	}
	gens, err := readGenerations(ctx, st)
	if err != nil {
		return "", err
	}
	next := len(gens)
	v, err := st.Secret(ctx, keyName(next), func() ([]byte, error) {
		der, err := newKeyDER()
		if err != nil {
			return nil, err
		}
		return append(binary.BigEndian.AppendUint64(nil, uint64(now.UnixNano())), der...), nil
	})
	if err != nil {
		return "", fmt.Errorf("store signing key %d: %w", next, err)
	}
	// Another rotation may have won the race for this generation: its
	// key is then the new one, which is as good.
	k, err := parseSigningKey(next, v)
	if err != nil {
		return "", fmt.Errorf("signing key %d: %w", next, err)
	}
	return k.public.KeyID, nil
}

// current returns the ring, read again from the store every keyReload.
// A failed read keeps the ring it has (and is logged): the keys it holds
// are still good.
func (k *keys) current() keyRing {
	k.mu.Lock()
	defer k.mu.Unlock()
	if now := k.now(); now.Sub(k.loadedAt) >= keyReload {
		k.reload(now)
	}
	return k.ring
}

// verifier returns the key with that kid, reading the ring again first
// if it does not know the kid (another instance may already sign with a
// newer key) and has not done so for an unknown kid lately.
func (k *keys) verifier(kid string) (*signingKey, bool) {
	r := k.current()
	if key, ok := r.verify[kid]; ok {
		return key, true
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.now()
	if !k.missAt.IsZero() && now.Sub(k.missAt) < keyMissReload {
		return nil, false
	}
	k.missAt = now
	k.reload(now)
	key, ok := k.ring.verify[kid]
	return key, ok
}

// reload reads the ring; k.mu is held. Request handlers that sign or
// verify have no context of their own here, so the read has its own
// short deadline.
func (k *keys) reload(now time.Time) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	k.loadedAt = now
	r, err := readRing(ctx, k.store, now)
	if err != nil {
		k.log.Error("read the signing keys again", "err", err)
		return
	}
	if r.current.gen != k.ring.current.gen {
		k.log.Info("signing with a new key", "kid", r.current.public.KeyID, "generation", r.current.gen)
	}
	k.ring = r
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

// TokenHash is how the service hands a refresh token (or a code) to its
// Store: what Store.CreateSession and Rotation.Hash receive. Tools that
// seed a store with sessions (the fleet benchmark) write it so.
func TokenHash(token string) string { return hashToken(token) }

// hashToken is how tokens and codes are stored: they carry 256 random
// bits, so a fast hash is as good as a slow one.
func hashToken(token string) string {
	sum := sha256.Sum256([]byte(token))
	return hex.EncodeToString(sum[:])
}
