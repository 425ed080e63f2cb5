package store_test

import (
	"testing"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/storetest"
)

func TestMemoryConformance(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(*testing.T) store.TokenStore { return store.Memory() })
	storetest.RunStates(t, func(*testing.T) store.StateStore { return store.Memory() })
}
