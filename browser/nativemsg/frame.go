package nativemsg

import (
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"sync"
)

// Browser native messaging (Chrome, Edge, Firefox): each message is a 32-bit
// length in native byte order (little-endian on every platform we ship) and
// that many bytes of UTF-8 JSON. Chrome refuses host messages over 1 MB; the
// host's messages are small both ways, so it takes no more than that either.
const maxNativeMessage = 1 << 20

// readFrame reads one message. io.EOF means the browser closed the port
// between messages; any other error is a broken stream that ends the host.
func readFrame(r io.Reader) ([]byte, error) {
	var hdr [4]byte
	if _, err := io.ReadFull(r, hdr[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return nil, io.EOF
		}
		return nil, fmt.Errorf("message length cut short: %w", err)
	}
	n := binary.LittleEndian.Uint32(hdr[:])
	if n > maxNativeMessage {
		return nil, fmt.Errorf("message of %d bytes is over the %d-byte limit", n, maxNativeMessage)
	}
	buf := make([]byte, n)
	if _, err := io.ReadFull(r, buf); err != nil {
		return nil, fmt.Errorf("message cut short (%d bytes announced): %w", n, err)
	}
	return buf, nil
}

// frameWriter writes whole messages; the host's replies and its state pushes
// come from several goroutines.
type frameWriter struct {
	mu  sync.Mutex
	w   io.Writer
	err error // the first write error: the browser is gone
}

func (fw *frameWriter) send(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	if len(b) > maxNativeMessage {
		return fmt.Errorf("reply of %d bytes is over the %d-byte limit", len(b), maxNativeMessage)
	}
	frame := make([]byte, 4+len(b))
	binary.LittleEndian.PutUint32(frame, uint32(len(b)))
	copy(frame[4:], b)
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if fw.err != nil {
		return fw.err
	}
	if _, err := fw.w.Write(frame); err != nil {
		fw.err = fmt.Errorf("writing to the browser: %w", err)
	}
	return fw.err
}
