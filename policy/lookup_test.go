package policy

import (
	"strings"
	"testing"
)

// The parser and the evaluator answer a few questions with hand-written fast
// forms (a switch for a map, a binary search for a scan, a byte test for a
// lower-casing). Each is checked here against the plain form it stands for.

func TestLookupBaseOperatorMatchesTable(t *testing.T) {
	t.Parallel()
	for name, want := range baseOperators {
		for _, n := range []string{name, strings.ToLower(name), name + "IfExists", "ForAllValues:" + name, name[:len(name)-1]} {
			got, ok := lookupBaseOperator(n)
			wantHere, wantOK := baseOperators[n]
			if ok != wantOK || got != wantHere {
				t.Errorf("lookupBaseOperator(%q) = %v, %v; the table says %v, %v", n, got, ok, wantHere, wantOK)
			}
		}
		if got, ok := lookupBaseOperator(name); !ok || got != want {
			t.Errorf("lookupBaseOperator(%q) = %v, %v; want %v", name, got, ok, want)
		}
	}
	if n := len(baseOperators); n != 27 {
		t.Errorf("%d base operators; lookupBaseOperator lists 27", n)
	}
}

func TestMatchesSomeOperationMatchesScan(t *testing.T) {
	t.Parallel()
	patterns := []string{"*", "get*", "*sampling*", "put?race*", "?*", "batchgettraces", "batchgettraces*", "z*",
		"getinsight*", "getinsight", "*s", "*x", "", "untag*", "update?ndexingrule", "g", "getgroup?"}
	for _, op := range lowerOperations {
		patterns = append(patterns, op, op[:len(op)/2]+"*", "*"+op[len(op)/2:], op+"x")
	}
	for _, text := range patterns {
		pat := compilePattern(text)
		want := false
		for _, op := range lowerOperations {
			if pat.match(op) {
				want = true
				break
			}
		}
		if got := matchesSomeOperation(&pat, text); got != want {
			t.Errorf("matchesSomeOperation(%q) = %v; scanning every operation says %v", text, got, want)
		}
	}
}

func TestIsXRayServiceIgnoresASCIICaseOnly(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"xray", "XRAY", "XRay", "xRaY", "xra", "xrays", "", "x ray", "xr\x01y", "8ray", "xr\xc1y", "XRAY\x00", "ẋray", "\x58\x52\x41\x59"} {
		if got, want := isXRayService(s), lowerASCII(s) == "xray"; got != want {
			t.Errorf("isXRayService(%q) = %v, want %v", s, got, want)
		}
	}
	// Every byte that is not a letter of "xray" in either case is refused.
	for c := 0; c < 256; c++ {
		s := string([]byte{byte(c), 'r', 'a', 'y'})
		if got, want := isXRayService(s), lowerASCII(s) == "xray"; got != want {
			t.Errorf("isXRayService(%q) = %v, want %v", s, got, want)
		}
	}
}

func TestHasWildcard(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "a", "*", "?", "a*b", "ab?", "abc", "é?", "\x00"} {
		if got, want := hasWildcard(s), strings.ContainsAny(s, "*?"); got != want {
			t.Errorf("hasWildcard(%q) = %v, want %v", s, got, want)
		}
	}
}
