// Package chromiumtest starts headless Chromium for tests that act as a
// person in a browser: open a page, type into its form, press its buttons.
// It is a package of its own so that only the tests that drive a browser
// link chromedp.
package chromiumtest

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/walkme/session-agent/internal/testenv"
)

// New starts a headless Chromium with a fresh profile and returns a
// chromedp context for its first tab. The browser stops when the test
// ends; every action fails once limit has passed since New, so call it
// after t.Parallel. Without the Debian chromium package the test skips,
// or fails under CI=true.
//
// extra options come last, so they override the defaults (a user data
// directory of the test's choosing, extensions to load).
func New(t testing.TB, limit time.Duration, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	chromium := testenv.Command(t, "chromium")
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium), chromedp.NoSandbox,
		chromedp.UserDataDir(t.TempDir()))
	opts = append(opts, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelTab := chromedp.NewContext(actx)
	ctx, cancelTimeout := context.WithTimeout(ctx, limit)
	t.Cleanup(func() { cancelTimeout(); cancelTab(); cancelAlloc() })
	// What the pages wrote to the console (a blocked navigation, a CSP
	// violation) explains most failures; show it when the test fails.
	var mu sync.Mutex
	var console []string
	messages := chromedp.Console(ctx)
	go func() {
		for m, err := range messages {
			if err != nil {
				return
			}
			mu.Lock()
			console = append(console, m.String())
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		mu.Lock()
		defer mu.Unlock()
		if t.Failed() && len(console) > 0 {
			t.Logf("browser console:\n%s", strings.Join(console, "\n"))
		}
	})
	return ctx
}

// Location is the URL the tab shows now.
func Location(ctx context.Context) string {
	u, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		return "(unknown: " + err.Error() + ")"
	}
	return u
}

// WaitText waits until the page in the tab shows text, across the
// navigations a form post and its redirects cause (chromedp's Poll does
// not survive a navigation). It gives up after within, saying where the
// tab is and what it shows.
func WaitText(ctx context.Context, within time.Duration, text string) error {
	ctx, cancel := context.WithTimeout(ctx, within)
	defer cancel()
	var shown string
	for {
		body, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
		if err == nil {
			if strings.Contains(body, text) {
				return nil
			}
			shown = body
		}
		select {
		case <-ctx.Done():
			lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			return fmt.Errorf("%q never showed: the tab is at %s showing %.300q: %w", text, Location(lctx), shown, ctx.Err())
		case <-time.After(100 * time.Millisecond):
		}
	}
}
