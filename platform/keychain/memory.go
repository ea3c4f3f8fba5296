package keychain

import (
	"context"
	"sync"
)

// MemoryStore is the in-process store behind the "memory" backend. It is
// safe for concurrent use. (go-keyring's MockInit is not: it is a global map
// without a lock.)
type MemoryStore struct {
	mu      sync.Mutex
	entries map[entryKey][]byte
}

type entryKey struct{ service, account string }

// NewMemoryStore returns an empty store.
func NewMemoryStore() *MemoryStore {
	return &MemoryStore{entries: make(map[entryKey][]byte)}
}

type memoryKeychain struct {
	store *MemoryStore
	key   entryKey
}

func (m *memoryKeychain) Backend() Backend { return BackendMemory }

func (m *memoryKeychain) Get(ctx context.Context) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	v, ok := m.store.entries[m.key]
	if !ok {
		return nil, ErrNotFound
	}
	return append([]byte(nil), v...), nil
}

func (m *memoryKeychain) Set(ctx context.Context, secret []byte) error {
	if err := checkSecret(secret); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	m.store.entries[m.key] = append([]byte(nil), secret...)
	return nil
}

func (m *memoryKeychain) Delete(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.store.mu.Lock()
	defer m.store.mu.Unlock()
	delete(m.store.entries, m.key)
	return nil
}

func (m *memoryKeychain) Probe(ctx context.Context) error { return ctx.Err() }
