package sqlitestore_test

import (
	"path/filepath"
	"testing"

	"github.com/walkme/session-agent/server/sqlitestore"
	"github.com/walkme/session-agent/server/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T) storetest.Store {
		st, err := sqlitestore.Open(filepath.Join(t.TempDir(), "s.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { st.Close() })
		return st
	})
}
