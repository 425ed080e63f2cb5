package pgstore_test

import (
	"testing"

	"github.com/amazondrs/drs/store"
	"github.com/amazondrs/drs/store/pgstore"
	"github.com/amazondrs/drs/store/storetest"
)

// TestReadOnlyConnection saves a token, then opens the schema through
// connections whose transactions are read-only (as on a standby): loads
// work, and saves fail naming the server and the cause.
func TestReadOnlyConnection(t *testing.T) {
	t.Parallel()
	u := newSchema(t)
	k := storetest.TestKey(t, 1)
	s := open(t, u)
	if err := s.Save(t.Context(), k, storetest.TestToken("seeded")); err != nil {
		t.Fatal(err)
	}
	storetest.RunUnwritable(t, storetest.Unwritable{
		Open: func(t *testing.T) (store.TokenStore, error) {
			ro, err := pgstore.Open(t.Context(), u+"&default_transaction_read_only=on")
			if err != nil {
				return nil, err
			}
			t.Cleanup(func() { ro.Close() })
			return ro, nil
		},
		Key: k, Token: storetest.TestToken("seeded"),
		Where: s.String(), Cause: "read-only transaction",
	})
}
