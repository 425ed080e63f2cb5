// Package e2e holds end-to-end tests that drive a real web browser (Debian's
// Chromium, through chromedp) through the device login: the agent's login
// route, the emulator's consent page, and back. It has no non-test code.
package e2e
