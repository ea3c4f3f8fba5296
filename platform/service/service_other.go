//go:build !linux && !darwin && !windows

package service

import (
	"context"
	"errors"
	"fmt"
)

var errUnsupported = fmt.Errorf("service: not supported on this OS: %w", errors.ErrUnsupported)

func Install(context.Context, Options) error   { return errUnsupported }
func Uninstall(context.Context, Options) error { return errUnsupported }
func Start(context.Context, Options) error     { return errUnsupported }
func Stop(context.Context, Options) error      { return errUnsupported }
func Status(context.Context) (string, error)   { return "", errUnsupported }
