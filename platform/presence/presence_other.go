//go:build !linux && !darwin && !windows

package presence

import "errors"

type osState struct{}

func (s *Scanner) scan() error {
	return errors.New("presence: process scanning is not implemented on this OS")
}
