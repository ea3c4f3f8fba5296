//go:build !linux && !darwin && !windows

package notify

import (
	"context"
	"errors"
)

func send(context.Context, Notification) error {
	return errors.New("notify: desktop notifications are not supported on this OS")
}
