# Owned by ui/: `make screenshots` takes docs/tray*.png with the real tray in
# a real xfce4-panel on Xvfb (apt: xvfb xfce4-panel imagemagick xdotool).
.PHONY: screenshots
screenshots:
	@mkdir -p $(BIN) docs
	CGO_ENABLED=0 $(GO) build -o $(BIN)/tray-shot ./ui/tray/internal/shot
	ui/screenshot/screenshot.sh $(BIN)/tray-shot docs/tray.png active
	ui/screenshot/screenshot.sh $(BIN)/tray-shot docs/tray-idle.png idle
	# The Windows tray under Wine's desktop on Xvfb, its menu open.
	WALKME_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run TestTrayUnderWine ./e2e/
	# The Admin Center's Security, Sessions and Activity Log pages, as headless Chromium shows them.
	WALKME_SCREENSHOTS=$(CURDIR)/docs $(GO) test -count=1 -run TestAdminCenterInBrowser ./server/
