package storetest

import "testing"

// exerciseGateway checks gateway configuration and gateway references.
func exerciseGateway(t *testing.T, setup setupFunc) {
	t.Helper()
}
