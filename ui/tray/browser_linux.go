package tray

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
)

// openURL starts $BROWSER (a colon-separated list; "%s" marks where the URL
// goes) or else xdg-open, without a shell, and does not wait for it: a
// browser started fresh runs until the user closes it.
func openURL(_ context.Context, u string) error {
	var tried []string
	for _, b := range strings.Split(os.Getenv("BROWSER"), ":") {
		if b = strings.TrimSpace(b); b == "" {
			continue
		}
		args := strings.Fields(b)
		if strings.Contains(b, "%s") {
			for i := range args {
				args[i] = strings.ReplaceAll(args[i], "%s", u)
			}
		} else {
			args = append(args, u)
		}
		if err := start(args); err == nil {
			return nil
		}
		tried = append(tried, args[0])
	}
	if err := start([]string{"xdg-open", u}); err != nil {
		return fmt.Errorf("no browser: tried %v and xdg-open: %w", tried, err)
	}
	return nil
}

func start(args []string) error {
	cmd := exec.Command(args[0], args[1:]...)
	if err := cmd.Start(); err != nil {
		return err
	}
	go cmd.Wait() // reap it whenever it exits
	return nil
}
