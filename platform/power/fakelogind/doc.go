// Package fakelogind is a stand-in for systemd-logind in tests: it owns
// org.freedesktop.login1 on a private bus and speaks the real protocol
// (PrepareForSleep signals, the LidClosed property with and without
// PropertiesChanged, delay inhibitors as file descriptors), because a test
// machine cannot really suspend. Linux only.
package fakelogind
