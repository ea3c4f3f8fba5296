//go:build !windows

package main

import "errors"

func readTray(string) ([]Icon, []Menu, error) {
	return nil, nil, errors.New("the notification area is read on Windows only")
}

func quitTray() error { return errors.New("the tray is closed on Windows only") }
