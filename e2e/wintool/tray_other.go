//go:build !windows

package main

import "errors"

func readTray(string) ([]Icon, []Menu, error) {
	return nil, nil, errors.New("the notification area is read on Windows only")
}
