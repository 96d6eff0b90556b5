package bench

import (
	"strings"
	"testing"
)

func TestParseMix(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		in      string
		want    Mix
		wantErr string // a part of the error; "" for success
	}{
		{name: "all three", in: "put=1,list=1,delete=0", want: Mix{Put: 1, List: 1}},
		{name: "one", in: "list=1", want: Mix{List: 1}},
		{name: "weights", in: "put=3, list=1 ,delete=2", want: Mix{Put: 3, List: 1, Delete: 2}},
		{name: "case", in: "PUT=2", want: Mix{Put: 2}},
		{name: "unknown op", in: "put=1,get=1", wantErr: `unknown operation "get"`},
		{name: "no weight", in: "put", wantErr: `"put" is not op=weight`},
		{name: "negative", in: "put=-1,list=1", wantErr: "weight of put"},
		{name: "not a number", in: "put=x", wantErr: "weight of put"},
		{name: "twice", in: "put=1,put=2", wantErr: "put named twice"},
		{name: "all zero", in: "put=0,list=0", wantErr: "every weight is 0"},
		{name: "empty", in: "", wantErr: "is not op=weight"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseMix(tc.in)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("ParseMix(%q) error = %v, want one containing %q", tc.in, err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseMix(%q): %v", tc.in, err)
			}
			if got != tc.want {
				t.Errorf("ParseMix(%q) = %v, want %v", tc.in, got, tc.want)
			}
			// String writes what ParseMix reads back.
			again, err := ParseMix(got.String())
			if err != nil || again != got {
				t.Errorf("ParseMix(%q) = %v, %v; want %v", got.String(), again, err, got)
			}
		})
	}
}

func TestMixPickFollowsWeights(t *testing.T) {
	t.Parallel()
	m := Mix{Put: 3, List: 0, Delete: 2}
	var got [numOps]int
	for r := range m.total() {
		got[m.pick(r)]++
	}
	if got != [numOps]int{3, 0, 2} {
		t.Errorf("picks over one cycle = %v, want [3 0 2]", got)
	}
}
