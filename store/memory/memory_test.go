package memory_test

import (
	"testing"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/store/memory"
	"github.com/xraylocal/xraylocal/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, storetest.Harness{
		New: func(t *testing.T) xraylocal.Store { return memory.New() },
	})
}
