package main

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/xraylocal/xraylocal/bench"
)

// The load generator's requests all succeed against the baseline, except Deletes of a
// name already deleted, which it answers as xraylocal does.
func TestBaselineAnswersTheLoad(t *testing.T) {
	ts := httptest.NewServer(&store{accounts: map[string]map[string]*policy{}})
	defer ts.Close()
	res, err := bench.Run(context.Background(), bench.Config{
		Endpoint: ts.URL, Workers: 4, Requests: 400, Accounts: 2, Seed: 3,
		Mix: bench.Mix{bench.Put: 2, bench.List: 1, bench.Delete: 1},
	})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests != 400 {
		t.Errorf("Requests = %d, want 400", res.Requests)
	}
	if res.Ops[bench.Put].Errors+res.Ops[bench.List].Errors != 0 {
		t.Errorf("Put or List failed: %v", res.ErrorsByCode)
	}
	for code := range res.ErrorsByCode {
		if code != "InvalidRequestException" {
			t.Errorf("error %s, want only InvalidRequestException", code)
		}
	}
}
