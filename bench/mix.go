package bench

import (
	"fmt"
	"strconv"
	"strings"
)

// Op is an X-Ray operation the load generator sends.
type Op int

// The operations, in the order reports list them.
const (
	Put Op = iota
	List
	Delete
	numOps
)

var opInfo = [numOps]struct{ short, name string }{
	Put:    {"put", "PutResourcePolicy"},
	List:   {"list", "ListResourcePolicies"},
	Delete: {"delete", "DeleteResourcePolicy"},
}

// String returns the operation's X-Ray name, such as PutResourcePolicy.
func (o Op) String() string { return opInfo[o].name }

// Mix is the relative weight of each operation: with put=3,list=1 three requests in four
// are Puts. Weights are non-negative and at least one is positive.
type Mix [numOps]int

// ParseMix reads a mix such as "put=1,list=1,delete=0". Operations not named weigh 0. It
// returns an error naming the part it cannot read: an unknown operation, a weight that is
// not a non-negative integer, an operation named twice, or all weights zero.
func ParseMix(s string) (Mix, error) {
	var m Mix
	var seen [numOps]bool
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		name, w, ok := strings.Cut(part, "=")
		if !ok {
			return Mix{}, fmt.Errorf("mix %q: %q is not op=weight", s, part)
		}
		op, ok := opByShort(strings.TrimSpace(name))
		if !ok {
			return Mix{}, fmt.Errorf("mix %q: unknown operation %q; want put, list or delete", s, name)
		}
		if seen[op] {
			return Mix{}, fmt.Errorf("mix %q: %s named twice", s, name)
		}
		seen[op] = true
		n, err := strconv.Atoi(strings.TrimSpace(w))
		if err != nil || n < 0 {
			return Mix{}, fmt.Errorf("mix %q: weight of %s is %q, want a non-negative integer", s, name, w)
		}
		m[op] = n
	}
	if m.total() == 0 {
		return Mix{}, fmt.Errorf("mix %q: every weight is 0", s)
	}
	return m, nil
}

func opByShort(s string) (Op, bool) {
	for o := range numOps {
		if opInfo[o].short == strings.ToLower(s) {
			return o, true
		}
	}
	return 0, false
}

func (m Mix) total() int {
	t := 0
	for _, w := range m {
		t += w
	}
	return t
}

// pick maps r, uniform in [0, total), to an operation in proportion to the weights.
func (m Mix) pick(r int) Op {
	for o, w := range m {
		if r < w {
			return Op(o)
		}
		r -= w
	}
	return numOps - 1 // unreachable for r < total
}

// String writes the mix back in the form ParseMix reads, zero weights left out.
func (m Mix) String() string {
	var b strings.Builder
	for o, w := range m {
		if w == 0 {
			continue
		}
		if b.Len() > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%d", opInfo[o].short, w)
	}
	return b.String()
}
