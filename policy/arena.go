package policy

// slab hands out exactly sized slices cut from larger blocks, so that parsing a
// document makes a few large allocations instead of one per element. A parsed
// Policy keeps its blocks alive as long as it lives; nothing is reused.
type slab[T any] struct {
	buf   []T
	block int // elements per block; 64 when zero
}

// take returns a zeroed slice of length and capacity n. A nil slab allocates it
// on its own.
func take[T any](s *slab[T], n int) []T {
	if s == nil {
		return make([]T, n)
	}
	block := s.block
	if block == 0 {
		block = 64
	}
	if n > block/2 {
		return make([]T, n)
	}
	if cap(s.buf)-len(s.buf) < n {
		s.buf = make([]T, 0, block)
	}
	start := len(s.buf)
	s.buf = s.buf[:start+n]
	return s.buf[start : start+n : start+n]
}

// newArena returns the slabs for one document. Condition values are large, so
// their blocks hold fewer.
func newArena() *arena {
	return &arena{values: slab[condValue]{block: 16}}
}

// arena holds the slabs of one parse.
type arena struct {
	pieces slab[piece]
	strs   slab[string]
	values slab[condValue]
}

func (a *arena) pieceSlab() *slab[piece] {
	if a == nil {
		return nil
	}
	return &a.pieces
}
