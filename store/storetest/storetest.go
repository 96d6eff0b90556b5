// Package storetest is the conformance suite of the xraylocal.Store contract. Every store
// (memory, sqlite, postgres) runs it unchanged from its own tests; each subtest is named
// after the rule of spec/resource-policies.md it checks.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/xraylocal/xraylocal"
)

// Harness tells the suite how to get stores.
type Harness struct {
	// New returns an empty store, closed by the suite at the end of the test. Subtests
	// call it concurrently.
	New func(t *testing.T) xraylocal.Store
	// Reopen, for durable stores, closes s and opens the same storage again; nil for
	// stores that keep nothing.
	Reopen func(t *testing.T, s xraylocal.Store) xraylocal.Store
	// Second, for stores that several processes can share, opens another store on the
	// storage of s, with nothing shared in this process (its own connections, its own
	// writer), as another server process would; the suite closes it. Nil for memory.
	Second func(t *testing.T, s xraylocal.Store) xraylocal.Store
}

var (
	scopeA  = xraylocal.Scope{Account: "111111111111", Region: "us-east-1"}
	scopeB  = xraylocal.Scope{Account: "222222222222", Region: "us-east-1"}
	scopeA2 = xraylocal.Scope{Account: "111111111111", Region: "eu-west-1"}
	t0      = time.Date(2026, 11, 26, 12, 0, 0, 123456000, time.UTC)
)

func str(s string) *string { return &s }

// Put is a PutRequest in scopeA at t0 plus n seconds.
func put(name, doc string, expected *string, n int) xraylocal.PutRequest {
	return xraylocal.PutRequest{Scope: scopeA, Name: name, Document: doc, ExpectedRevision: expected,
		Time: t0.Add(time.Duration(n) * time.Second)}
}

// Run runs the whole suite.
func Run(t *testing.T, h Harness) {
	t.Helper()
	open := func(t *testing.T) xraylocal.Store {
		t.Helper()
		s := h.New(t)
		t.Cleanup(func() { _ = s.Close() })
		return s
	}
	ctx := context.Background()

	t.Run("P7_CreateThenUpdateIncrementsRevision", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		doc := `{"Version":"2012-10-17", "Statement":[]}` + "\n\t é"
		var got []xraylocal.ResourcePolicy
		for i := 0; i < 3; i++ {
			p, err := s.PutResourcePolicy(ctx, put("p", doc, nil, i))
			if err != nil {
				t.Fatalf("put %d: %v", i, err)
			}
			got = append(got, p)
		}
		want := []xraylocal.ResourcePolicy{
			{Name: "p", Document: doc, Revision: 1, LastUpdated: t0},
			{Name: "p", Document: doc, Revision: 2, LastUpdated: t0.Add(time.Second)},
			{Name: "p", Document: doc, Revision: 3, LastUpdated: t0.Add(2 * time.Second)},
		}
		if d := cmp.Diff(want, got); d != "" {
			t.Errorf("puts (-want +got):\n%s", d)
		}
		listed := list(t, s, scopeA)
		if d := cmp.Diff(want[2:], listed); d != "" {
			t.Errorf("list after puts (-want +got):\n%s", d)
		}
	})

	t.Run("P4_RevisionZeroCreatesOnly", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		if _, err := s.PutResourcePolicy(ctx, put("p", "d1", str("0"), 0)); err != nil {
			t.Fatalf("create with revision 0: %v", err)
		}
		_, err := s.PutResourcePolicy(ctx, put("p", "d2", str("0"), 1))
		wantCode(t, err, xraylocal.InvalidPolicyRevisionIdException)
		wantDocs(t, s, scopeA, map[string]string{"p": "d1"})
	})

	t.Run("P4_RevisionMustMatchExactly", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustPut(t, s, put("p", "d1", nil, 0))
		mustPut(t, s, put("p", "d2", nil, 1)) // revision 2
		for _, rev := range []string{"1", "3", "02", " 2", "2.0", ""} {
			_, err := s.PutResourcePolicy(ctx, put("p", "bad", str(rev), 2))
			wantCode(t, err, xraylocal.InvalidPolicyRevisionIdException)
		}
		p, err := s.PutResourcePolicy(ctx, put("p", "d3", str("2"), 3))
		if err != nil || p.RevisionID() != "3" {
			t.Fatalf("put with the current revision: got %+v, %v; want revision 3", p, err)
		}
		wantDocs(t, s, scopeA, map[string]string{"p": "d3"})
	})

	t.Run("P4_RevisionForMissingPolicy", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		_, err := s.PutResourcePolicy(ctx, put("p", "d", str("1"), 0))
		wantCode(t, err, xraylocal.InvalidPolicyRevisionIdException)
		wantDocs(t, s, scopeA, map[string]string{})
	})

	t.Run("P5_CountLimit", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		want := map[string]string{}
		for i := 0; i < xraylocal.MaxResourcePolicies; i++ {
			name := fmt.Sprintf("p%d", i)
			mustPut(t, s, put(name, "d", nil, i))
			want[name] = "d"
		}
		_, err := s.PutResourcePolicy(ctx, put("sixth", "d", nil, 9))
		wantCode(t, err, xraylocal.PolicyCountLimitExceededException)
		// Updating one of the five is allowed.
		mustPut(t, s, put("p0", "updated", nil, 10))
		want["p0"] = "updated"
		wantDocs(t, s, scopeA, want)
		// Another scope has its own five.
		other := put("sixth", "d", nil, 11)
		other.Scope = scopeB
		mustPut(t, s, other)
	})

	t.Run("P4_BeforeP5", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i := 0; i < xraylocal.MaxResourcePolicies; i++ {
			mustPut(t, s, put(fmt.Sprintf("p%d", i), "d", nil, i))
		}
		_, err := s.PutResourcePolicy(ctx, put("new", "d", str("4"), 9))
		wantCode(t, err, xraylocal.InvalidPolicyRevisionIdException)
	})

	t.Run("P6_RefuseComesAfterRevisionAndCount", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		refuse := xraylocal.Errorf(xraylocal.LockoutPreventionException, "locked out")
		req := put("p", "d", str("5"), 0)
		req.Refuse = refuse
		_, err := s.PutResourcePolicy(ctx, req)
		wantCode(t, err, xraylocal.InvalidPolicyRevisionIdException)
		req.ExpectedRevision = nil
		_, err = s.PutResourcePolicy(ctx, req)
		if !errors.Is(err, refuse) {
			t.Fatalf("got %v, want the Refuse error", err)
		}
		wantDocs(t, s, scopeA, map[string]string{})
	})

	t.Run("P8_ConcurrentPutsSameRevisionOneWins", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustPut(t, s, put("p", "d", nil, 0))
		const n = 16
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = s.PutResourcePolicy(ctx, put("p", fmt.Sprintf("writer %d", i), str("1"), 1))
			})
		}
		wg.Wait()
		if wins := countWins(t, errs, xraylocal.InvalidPolicyRevisionIdException); wins != 1 {
			t.Fatalf("%d of %d concurrent puts with the same expected revision succeeded, want exactly 1", wins, n)
		}
		if got := list(t, s, scopeA); len(got) != 1 || got[0].Revision != 2 {
			t.Fatalf("after the race: %+v, want one policy at revision 2", got)
		}
	})

	t.Run("P8_ConcurrentCreatesNeverExceedLimit", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		const n = 40
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Go(func() {
				_, errs[i] = s.PutResourcePolicy(ctx, put(fmt.Sprintf("p%02d", i), "d", nil, 0))
			})
		}
		wg.Wait()
		wins := countWins(t, errs, xraylocal.PolicyCountLimitExceededException)
		if got := list(t, s, scopeA); wins != xraylocal.MaxResourcePolicies || len(got) != xraylocal.MaxResourcePolicies {
			t.Fatalf("%d creates succeeded and %d policies exist, want %d and %d", wins, len(got),
				xraylocal.MaxResourcePolicies, xraylocal.MaxResourcePolicies)
		}
	})

	t.Run("P9_RecreateStartsAtRevisionOne", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustPut(t, s, put("p", "d", nil, 0))
		mustPut(t, s, put("p", "d", nil, 1))
		if err := s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "p"}); err != nil {
			t.Fatal(err)
		}
		p := mustPut(t, s, put("p", "d", nil, 2))
		if p.RevisionID() != "1" {
			t.Fatalf("revision after delete and re-create = %q, want \"1\"", p.RevisionID())
		}
	})

	t.Run("L1_EmptyScopeListsEmptySlice", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		got, err := s.ListResourcePolicies(ctx, scopeA)
		if err != nil || got == nil || len(got) != 0 {
			t.Fatalf("list of an empty scope = %#v, %v; want an empty non-nil slice", got, err)
		}
	})

	t.Run("L2_OrderedByNameBytes", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i, name := range []string{"b", "B", "a", "_x", "A-1"} {
			mustPut(t, s, put(name, "d", nil, i))
		}
		var names []string
		for _, p := range list(t, s, scopeA) {
			names = append(names, p.Name)
		}
		if d := cmp.Diff([]string{"A-1", "B", "_x", "a", "b"}, names); d != "" {
			t.Errorf("order (-want +got):\n%s", d)
		}
	})

	t.Run("A1_ScopesAreIsolated", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i, sc := range []xraylocal.Scope{scopeA, scopeB, scopeA2} {
			req := put("same-name", sc.Account+"/"+sc.Region, nil, i)
			req.Scope = sc
			mustPut(t, s, req)
		}
		for _, sc := range []xraylocal.Scope{scopeA, scopeB, scopeA2} {
			wantDocs(t, s, sc, map[string]string{"same-name": sc.Account + "/" + sc.Region})
		}
		if err := s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeB, Name: "same-name"}); err != nil {
			t.Fatal(err)
		}
		wantDocs(t, s, scopeB, map[string]string{})
		wantDocs(t, s, scopeA, map[string]string{"same-name": scopeA.Account + "/" + scopeA.Region})
	})

	t.Run("D2_DeleteRevisionMustMatch", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		mustPut(t, s, put("p", "d", nil, 0))
		mustPut(t, s, put("p", "d", nil, 1))
		for _, rev := range []string{"1", "3", "02", "0"} {
			err := s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "p", ExpectedRevision: str(rev)})
			wantCode(t, err, xraylocal.InvalidPolicyRevisionIdException)
		}
		wantDocs(t, s, scopeA, map[string]string{"p": "d"})
		if err := s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "p", ExpectedRevision: str("2")}); err != nil {
			t.Fatalf("delete with the current revision: %v", err)
		}
		wantDocs(t, s, scopeA, map[string]string{})
	})

	t.Run("D3_DeleteMissingPolicy", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		err := s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "nope"})
		wantCode(t, err, xraylocal.InvalidRequestException)
		err = s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "nope", ExpectedRevision: str("1")})
		wantCode(t, err, xraylocal.InvalidPolicyRevisionIdException)
	})

	t.Run("ResetRemovesEveryScope", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		for i, sc := range []xraylocal.Scope{scopeA, scopeB} {
			req := put("p", "d", nil, i)
			req.Scope = sc
			mustPut(t, s, req)
		}
		if err := s.Reset(ctx); err != nil {
			t.Fatal(err)
		}
		wantDocs(t, s, scopeA, map[string]string{})
		wantDocs(t, s, scopeB, map[string]string{})
		if err := s.Ping(ctx); err != nil {
			t.Fatalf("ping after reset: %v", err)
		}
	})

	t.Run("P7_DocumentBytesAndMicroseconds", func(t *testing.T) {
		t.Parallel()
		s := open(t)
		docs := []string{
			"",
			`{"Version":"2012-10-17","Statement":[]}`,
			"line1\nline2\r\n\ttabbed  spaced ",
			"é 中文 🙂 \u2028\u00a0 \\u00e9",
			"nul\x00inside",
			"\xff\xfe not UTF-8",
			strings.Repeat("x", xraylocal.MaxPolicyDocumentBytes),
		}
		at := time.Date(2026, 11, 26, 13, 14, 15, 123456789, time.FixedZone("CET", 3600))
		wantTime := time.Date(2026, 11, 26, 12, 14, 15, 123456000, time.UTC)
		scopeOf := func(i int) xraylocal.Scope {
			return xraylocal.Scope{Account: fmt.Sprintf("%012d", i), Region: "us-east-1"}
		}
		check := func(what string, i int, got xraylocal.ResourcePolicy) {
			t.Helper()
			want := xraylocal.ResourcePolicy{Name: "p", Document: docs[i], Revision: 1, LastUpdated: wantTime}
			if got.LastUpdated.Location() != time.UTC {
				t.Errorf("doc %d %s: LastUpdated in %v, want UTC", i, what, got.LastUpdated.Location())
			}
			if d := cmp.Diff(want, got); d != "" {
				t.Errorf("doc %d %s (-want +got):\n%s", i, what, d)
			}
		}
		for i, doc := range docs {
			p, err := s.PutResourcePolicy(ctx, xraylocal.PutRequest{Scope: scopeOf(i), Name: "p", Document: doc, Time: at})
			if err != nil {
				t.Fatalf("put doc %d: %v", i, err)
			}
			check("put", i, p)
			got, err := s.ListResourcePolicies(ctx, scopeOf(i))
			if err != nil || len(got) != 1 {
				t.Fatalf("doc %d: list %v, %v", i, got, err)
			}
			check("list", i, got[0])
		}
		if h.Reopen == nil {
			return
		}
		s = h.Reopen(t, s)
		t.Cleanup(func() { _ = s.Close() })
		for i := range docs {
			got, err := s.ListResourcePolicies(ctx, scopeOf(i))
			if err != nil || len(got) != 1 {
				t.Fatalf("doc %d after reopen: list %v, %v", i, got, err)
			}
			check("after reopen", i, got[0])
		}
	})

	if h.Second != nil {
		t.Run("P8_L4_TwoStoresOneStorage", func(t *testing.T) {
			t.Parallel()
			first := open(t)
			second := h.Second(t, first)
			t.Cleanup(func() { _ = second.Close() })
			stores := [2]xraylocal.Store{first, second}
			// L-4: alternate writes; each store sees the other's at once and decides on
			// them, whatever it remembers of the scope.
			for i := range 6 {
				p, err := stores[i%2].PutResourcePolicy(ctx, put("p", fmt.Sprint(i), nil, i))
				if err != nil || p.Revision != int64(i+1) {
					t.Fatalf("put %d through store %d: %+v, %v; want revision %d", i, i%2, p, err, i+1)
				}
				if got := list(t, stores[(i+1)%2], scopeA); len(got) != 1 || got[0] != p {
					t.Fatalf("store %d lists %+v after put %d, want %+v", (i+1)%2, got, i, p)
				}
			}
			// P-8: the same expected revision through both stores: exactly one wins.
			const n = 32
			errs := make([]error, n)
			var wg sync.WaitGroup
			for i := range n {
				wg.Go(func() {
					_, errs[i] = stores[i%2].PutResourcePolicy(ctx, put("p", fmt.Sprintf("writer %d", i), str("6"), 9))
				})
			}
			wg.Wait()
			if wins := countWins(t, errs, xraylocal.InvalidPolicyRevisionIdException); wins != 1 {
				t.Fatalf("%d of %d puts with the same expected revision through two stores succeeded, want exactly 1", wins, n)
			}
			for i, s := range stores {
				if got := list(t, s, scopeA); len(got) != 1 || got[0].Revision != 7 {
					t.Errorf("store %d lists %+v, want p at revision 7", i, got)
				}
			}
			// P-8: creates through both stores, each knowing part of the scope first.
			for i := range 2 {
				req := put(fmt.Sprintf("seed%d", i), "d", nil, 0)
				req.Scope = scopeB
				if _, err := stores[i].PutResourcePolicy(ctx, req); err != nil {
					t.Fatal(err)
				}
			}
			const creates = 40
			errs = make([]error, creates)
			for i := range creates {
				wg.Go(func() {
					req := put(fmt.Sprintf("p%02d", i), "d", nil, 0)
					req.Scope = scopeB
					_, errs[i] = stores[i%2].PutResourcePolicy(ctx, req)
				})
			}
			wg.Wait()
			wins := countWins(t, errs, xraylocal.PolicyCountLimitExceededException)
			for i, s := range stores {
				if got := list(t, s, scopeB); wins != xraylocal.MaxResourcePolicies-2 || len(got) != xraylocal.MaxResourcePolicies {
					t.Errorf("store %d: %d creates succeeded and %d policies exist, want %d and %d",
						i, wins, len(got), xraylocal.MaxResourcePolicies-2, xraylocal.MaxResourcePolicies)
				}
			}
		})
	}

	if h.Reopen != nil {
		t.Run("DurableAcrossReopen", func(t *testing.T) {
			t.Parallel()
			s := h.New(t)
			mustPut(t, s, put("p", "d1", nil, 0))
			mustPut(t, s, put("p", "d2", nil, 1))
			mustPut(t, s, put("q", "gone", nil, 2))
			if err := s.DeleteResourcePolicy(ctx, xraylocal.DeleteRequest{Scope: scopeA, Name: "q"}); err != nil {
				t.Fatal(err)
			}
			s = h.Reopen(t, s)
			t.Cleanup(func() { _ = s.Close() })
			want := []xraylocal.ResourcePolicy{{Name: "p", Document: "d2", Revision: 2, LastUpdated: t0.Add(time.Second)}}
			if d := cmp.Diff(want, list(t, s, scopeA)); d != "" {
				t.Errorf("after reopen (-want +got):\n%s", d)
			}
		})
	}
}

// countWins counts the successes among errs; every failure must have code.
func countWins(t *testing.T, errs []error, code xraylocal.ErrorCode) int {
	t.Helper()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
		case xraylocal.ErrorCodeOf(err) != code:
			t.Errorf("request %d: %v, want success or %s", i, err, code)
		}
	}
	return wins
}

func mustPut(t *testing.T, s xraylocal.Store, req xraylocal.PutRequest) xraylocal.ResourcePolicy {
	t.Helper()
	p, err := s.PutResourcePolicy(context.Background(), req)
	if err != nil {
		t.Fatalf("put %q: %v", req.Name, err)
	}
	return p
}

func list(t *testing.T, s xraylocal.Store, scope xraylocal.Scope) []xraylocal.ResourcePolicy {
	t.Helper()
	got, err := s.ListResourcePolicies(context.Background(), scope)
	if err != nil {
		t.Fatalf("list %v: %v", scope, err)
	}
	for i := range got {
		// Compare instants, not locations: a store may hand back local or UTC times.
		got[i].LastUpdated = got[i].LastUpdated.UTC()
	}
	return got
}

// wantDocs checks the names and documents of a scope's policies.
func wantDocs(t *testing.T, s xraylocal.Store, scope xraylocal.Scope, want map[string]string) {
	t.Helper()
	got := map[string]string{}
	for _, p := range list(t, s, scope) {
		got[p.Name] = p.Document
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("policies of %v (-want +got):\n%s", scope, d)
	}
}

func wantCode(t *testing.T, err error, code xraylocal.ErrorCode) {
	t.Helper()
	if err == nil {
		t.Fatalf("got success, want %s", code)
	}
	if got := xraylocal.ErrorCodeOf(err); got != code {
		t.Fatalf("got %v, want code %s", err, code)
	}
}
