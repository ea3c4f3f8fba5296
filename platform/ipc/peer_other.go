//go:build unix && !linux && !darwin

package ipc

import "errors"

// Without a way to learn the peer's uid, every connection is refused.
func peerUIDOf(fd int) (int, error) {
	return -1, errors.New("peer credentials are not supported on this OS")
}
