package policy

// slab hands out exactly sized slices cut from larger blocks, so that parsing a
// document makes a few large allocations instead of one per element. A parsed
// Policy keeps its blocks alive as long as it lives; nothing is reused.
type slab[T any] struct {
	buf   []T
	block int // elements per block; 64 when zero
	first int // elements of the first block, when not zero
}

// take returns a zeroed slice of length and capacity n. A nil slab allocates it
// on its own. The usual case, room left in the current block, is small enough
// to be inlined where it is called.
func take[T any](s *slab[T], n int) []T {
	if s != nil {
		if start := len(s.buf); cap(s.buf)-start >= n {
			s.buf = s.buf[:start+n]
			return s.buf[start : start+n : start+n]
		}
	}
	return takeNew(s, n)
}

// takeNew is take when the slab's current block has no room for n elements.
func takeNew[T any](s *slab[T], n int) []T {
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
		if s.buf == nil && s.first >= n {
			block = s.first
		}
		s.buf = make([]T, 0, block)
	}
	start := len(s.buf)
	s.buf = s.buf[:start+n]
	return s.buf[start : start+n : start+n]
}

// newArena returns the slabs for a document of size bytes. The first block of
// each slab is sized from the document, by what a document dense with
// statements needs per byte, so that most documents take one block of each
// kind and a small one pins little memory; a document that needs more gets
// blocks of the usual size.
func newArena(size int) *arena {
	first := func(perByte, most int) int { return min(max(size/perByte, 4), most) }
	return &arena{
		pieces:   slab[piece]{first: first(32, 256)},
		strs:     slab[string]{first: first(100, 128)},
		values:   slab[condValue]{block: 16, first: first(100, 64)},
		arns:     slab[arnPattern]{block: 16, first: first(200, 64)},
		patterns: slab[pattern]{block: 32, first: first(64, 128)},
		actions:  slab[actionPattern]{block: 32, first: first(200, 64)},
		conds:    slab[condition]{block: 32, first: first(128, 64)},
		parts:    slab[templatePart]{block: 32, first: first(160, 64)},
		roles:    slab[principalARN]{block: 8, first: first(400, 16)},
		auxes:    slab[pieceAux]{block: 16, first: first(800, 16)},
		ints:     slab[int]{block: 128, first: first(100, 256)},
		globs:    slab[varGlob]{block: 12, first: first(128, 48)},
		heads:    slab[headPart]{block: 8},
	}
}

// arena holds the slabs of one parse: every slice and pointer of a compiled
// statement is cut from one of them, so that compiling a statement allocates
// only when a block fills.
type arena struct {
	pieces   slab[piece]
	strs     slab[string]
	values   slab[condValue]
	arns     slab[arnPattern]
	patterns slab[pattern]
	actions  slab[actionPattern]
	conds    slab[condition]
	parts    slab[templatePart]
	roles    slab[principalARN]
	auxes    slab[pieceAux]
	ints     slab[int]
	globs    slab[varGlob]
	heads    slab[headPart]

	// keys lists the condition keys the document's conditions and policy
	// variables read, each once; keyIndex finds them when there are many.
	keys     []string
	keyIndex map[string]int32
}

// keyID returns the position of key (in lower case) among the document's keys,
// adding it; -1 for a nil arena. Evaluation caches the request's values by
// that position.
func (a *arena) keyID(key string) int32 {
	if a == nil {
		return -1
	}
	if a.keyIndex != nil {
		if id, ok := a.keyIndex[key]; ok {
			return id
		}
	} else {
		for i, k := range a.keys {
			if k == key {
				return int32(i)
			}
		}
	}
	id := int32(len(a.keys))
	if a.keys == nil {
		a.keys = take(&a.strs, 8)[:0] // a policy tests a few keys
	}
	a.keys = append(a.keys, key)
	if a.keyIndex != nil {
		a.keyIndex[key] = id
	} else if len(a.keys) > maxPairwise {
		// Many keys: a map keeps the work linear (V-12).
		a.keyIndex = make(map[string]int32, 2*len(a.keys))
		for i, k := range a.keys {
			a.keyIndex[k] = int32(i)
		}
	}
	return id
}

func (a *arena) pieceSlab() *slab[piece] {
	if a == nil {
		return nil
	}
	return &a.pieces
}

// The accessors below return nil (allocate on the heap) for a nil arena:
// patterns compiled at evaluation time have none.

func (a *arena) auxSlab() *slab[pieceAux] {
	if a == nil {
		return nil
	}
	return &a.auxes
}

func (a *arena) intSlab() *slab[int] {
	if a == nil {
		return nil
	}
	return &a.ints
}

func (a *arena) patternSlab() *slab[pattern] {
	if a == nil {
		return nil
	}
	return &a.patterns
}

func (a *arena) partSlab() *slab[templatePart] {
	if a == nil {
		return nil
	}
	return &a.parts
}

func (a *arena) arnSlab() *slab[arnPattern] {
	if a == nil {
		return nil
	}
	return &a.arns
}

func (a *arena) varGlobSlab() *slab[varGlob] {
	if a == nil {
		return nil
	}
	return &a.globs
}

func (a *arena) headSlab() *slab[headPart] {
	if a == nil {
		return nil
	}
	return &a.heads
}
