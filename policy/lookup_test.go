package policy

import (
	"strconv"
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
		"getinsight*", "getinsight", "*s", "*x", "", "untag*", "update?ndexingrule", "g", "getgroup?",
		"get**s", "**", "*t*t*t*", "g*e*t", "gettrace*trace", "*ss*", "get*get*", "*rule", "put*"}
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
		if strings.Contains(text, "?") {
			continue
		}
		for _, op := range append(lowerOperations, "", "get", "gettrace", "sampling") {
			if got, want := matchStarsOnly(&pat, op), pat.match(op); got != want {
				t.Errorf("matchStarsOnly(%q, %q) = %v, pattern.match says %v", text, op, got, want)
			}
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

// TestFirstSpecialMatchesTable checks the word-at-a-time test of the JSON
// reader's string scan against the byte table: every byte value at every
// position, and pairs of bytes near the boundaries the arithmetic borrows
// across.
func TestFirstSpecialMatchesTable(t *testing.T) {
	t.Parallel()
	check := func(buf [8]byte) {
		var x uint64
		want := 8
		for i := 7; i >= 0; i-- {
			x = x<<8 | uint64(buf[i])
			if strSpecial[buf[i]] {
				want = i
			}
		}
		if got := firstSpecial(x); got != want {
			t.Fatalf("firstSpecial(%q) = %d, the table says %d", buf[:], got, want)
		}
	}
	filler := [8]byte{'x', 'x', 'x', 'x', 'x', 'x', 'x', 'x'}
	for pos := range 8 {
		for c := range 256 {
			buf := filler
			buf[pos] = byte(c)
			check(buf)
		}
	}
	near := []byte{0, 1, 0x1f, 0x20, 0x21, '"' - 1, '"', '"' + 1, '\\' - 1, '\\', '\\' + 1, 0x7f, 0x80, 0xff}
	for _, a := range near {
		for _, b := range near {
			for pos := range 8 {
				for pos2 := range 8 {
					buf := filler
					buf[pos], buf[pos2] = a, b
					check(buf)
				}
			}
		}
	}
}

// TestEvaluateKeysPerPolicy checks that the values an evaluation keeps per
// condition key follow the policy being evaluated: two policies number the
// same keys differently, and a policy with more keys than are kept is read
// from the request directly.
func TestEvaluateKeysPerPolicy(t *testing.T) {
	t.Parallel()
	a := mustParse(t, doc(stmt(`Sid="A"`, `Condition={"StringEquals":{"k1":"a","k2":"b"}}`)))
	b := mustParse(t, doc(stmt(`Sid="B"`, `Condition={"StringEquals":{"k2":"b","k1":"a"}}`)))
	req := Request{Principal: Principal{Kind: PrincipalService, ID: "sns.amazonaws.com"}, Action: "xray:PutTraceSegments", Resource: "*",
		Context: ctxOf("k1", "a", "k2", "b")}
	for _, order := range [][]*Policy{{a, b}, {b, a}} {
		res := Evaluate(order, &req)
		if res.Decision != Allow || len(res.Statements) != 2 {
			t.Errorf("decision %s by %v; want allow by both statements", res.Decision, res.Statements)
		}
	}

	var conds []string
	for i := range 40 {
		conds = append(conds, `"x`+strconv.Itoa(i)+`":"v`+strconv.Itoa(i)+`"`)
	}
	many := mustParse(t, doc(stmt(`Condition={"StringEquals":{`+strings.Join(conds, ",")+`}}`)))
	req.Context = ctxOf("k1", "a", "k2", "b")
	for i := range 40 {
		req.Context.Set("x"+strconv.Itoa(i), "v"+strconv.Itoa(i))
	}
	if res := many.Evaluate(&req); res.Decision != Allow {
		t.Errorf("40 keys, all matching: %s, want allow", res.Decision)
	}
	req.Context.Set("x39", "other")
	if res := Evaluate([]*Policy{a, many}, &req); res.Decision != Allow || len(res.Statements) != 1 || res.Statements[0].Sid != "A" {
		t.Errorf("40 keys, the last not matching, with policy A: %s by %v, want allow by A alone", res.Decision, res.Statements)
	}
}
