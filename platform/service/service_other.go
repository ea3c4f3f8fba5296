//go:build !linux && !darwin && !windows

package service

import (
	"context"
	"errors"
	"fmt"
)

var errUnsupported = fmt.Errorf("service: not supported on this OS: %w", errors.ErrUnsupported)

func install(context.Context, Options) error   { return errUnsupported }
func uninstall(context.Context, Options) error { return errUnsupported }
func start(context.Context, Options) error     { return errUnsupported }
func stop(context.Context, Options) error      { return errUnsupported }
func status(context.Context) (string, error)   { return "", errUnsupported }
