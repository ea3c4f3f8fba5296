# make packages: every installer, built on Linux with no Docker, into dist/.
#   dist/walkme-agent_<v>_amd64.deb, walkme-agent-<v>-1.x86_64.rpm (+ walkme-sessiond)
#   dist/walkme-agent-<v>-x64.msi + dist/windows/ (ADMX/ADML)
#   dist/walkme-agent-<v>.pkg + dist/macos/com.walkme.agent.mobileconfig
# Signing: set SIGN_CERT and SIGN_KEY (PEM or DER files for osslsigncode) to sign the .exe and .msi.
DIST ?= dist
PKGBIN = $(DIST)/bin
# A Mac release build passes its own (cgo, universal) binary here.
DARWIN_AGENT ?= $(PKGBIN)/darwin-arm64/walkme-agent
MKPKG_BIN = $(PKGBIN)/mkpkg
# Computed on first use and then kept, so one build has one version even when
# the tree changes under it.
PKG_VERSION ?= $(eval PKG_VERSION := $(shell $(GO) build -o $(MKPKG_BIN) ./packaging/cmd/mkpkg && $(MKPKG_BIN) -print-version '$(VERSION)'))$(PKG_VERSION)
CHROME_EXTENSION_IDS ?= pjphaallaogfddomihpagleebbjnafgi
FIREFOX_EXTENSION_IDS ?= walkme-agent@walkme.com
MKPKG = $(MKPKG_BIN) -version '$(PKG_VERSION)' \
	-chrome-extension-ids '$(CHROME_EXTENSION_IDS)' -firefox-extension-ids '$(FIREFOX_EXTENSION_IDS)'
PKG_LDFLAGS = -s -w -X github.com/walkme/session-agent/internal/version.Version=$(PKG_VERSION)
PKG_GOBUILD = CGO_ENABLED=0 $(GO) build -trimpath -ldflags '$(PKG_LDFLAGS)'
# The commands to package (override with the stand-in, packaging/internal/testdata/standin, to test the tooling alone).
AGENT_CMD ?= ./cmd/walkme-agent
SESSIOND_CMD ?= ./cmd/walkme-sessiond

.PHONY: packages packages-linux packages-windows packages-macos test-packages

packages: packages-linux packages-windows packages-macos
	@ls -l $(DIST)

packages-linux:
	@mkdir -p $(PKGBIN)/linux-amd64
	GOOS=linux GOARCH=amd64 $(PKG_GOBUILD) -o $(PKGBIN)/linux-amd64/walkme-agent $(AGENT_CMD)
	GOOS=linux GOARCH=amd64 $(PKG_GOBUILD) -o $(PKGBIN)/linux-amd64/walkme-sessiond $(SESSIOND_CMD)
	for f in deb rpm; do \
	  $(MKPKG) -format $$f -arch amd64 -name walkme-agent -bin $(PKGBIN)/linux-amd64/walkme-agent -o $(DIST)/walkme-agent_$(PKG_VERSION)_amd64.$$f && \
	  $(MKPKG) -format $$f -arch amd64 -name walkme-sessiond -bin $(PKGBIN)/linux-amd64/walkme-sessiond -o $(DIST)/walkme-sessiond_$(PKG_VERSION)_amd64.$$f || exit 1; \
	done

packages-windows:
	@mkdir -p $(PKGBIN)/windows-amd64 $(DIST)/windows
	GOOS=windows GOARCH=amd64 $(PKG_GOBUILD) -o $(PKGBIN)/windows-amd64/walkme-agent.exe $(AGENT_CMD)
	SIGN_CERT='$(SIGN_CERT)' SIGN_KEY='$(SIGN_KEY)' $(MKPKG) -format msi -bin $(PKGBIN)/windows-amd64/walkme-agent.exe -o $(DIST)/walkme-agent-$(PKG_VERSION)-x64.msi
	cp -r packaging/winpkg/admx/. $(DIST)/windows/

# The tray needs cgo on macOS, so a release .pkg is built on a Mac with
# CGO_ENABLED=1 (see docs/deploy/macos.md); here the agent is built without cgo.
packages-macos:
	@mkdir -p $(PKGBIN)/darwin-arm64 $(DIST)/macos
	GOOS=darwin GOARCH=arm64 $(PKG_GOBUILD) -o $(PKGBIN)/darwin-arm64/walkme-agent $(AGENT_CMD)
	$(MKPKG) -format pkg -bin $(DARWIN_AGENT) -o $(DIST)/walkme-agent-$(PKG_VERSION).pkg
	cp packaging/macospkg/com.walkme.agent.mobileconfig $(DIST)/macos/

# Package tests with real tools (lintian, dpkg, rpm, msiinfo, wixl); see packaging/*_test.go.
test-packages:
	$(GO) test -count=1 -timeout 10m ./packaging/... ./platform/service/...
