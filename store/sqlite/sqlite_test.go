package sqlite

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/store/storetest"
)

func openTest(t testing.TB, path string) *Store {
	t.Helper()
	s, err := Open(context.Background(), path)
	if err != nil {
		t.Fatalf("Open(%q): %v", path, err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) xraylocal.Store {
			return openTest(t, filepath.Join(t.TempDir(), "sub", "dir", "xraylocal.db"))
		},
		Reopen: func(t *testing.T, s xraylocal.Store) xraylocal.Store {
			path := s.(*Store).path
			if err := s.Close(); err != nil {
				t.Fatalf("close before reopen: %v", err)
			}
			return openTest(t, path)
		},
	})
}
