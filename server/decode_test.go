package server

import (
	"math"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestW2_DecodeExactNestedAndDoubles(t *testing.T) {
	t.Parallel()
	type inner struct {
		Name string  `json:"Name"`
		Rate float64 `json:"Rate"`
	}
	type input struct {
		Top   *string           `json:"Top"`
		Items []inner           `json:"Items"`
		Tags  map[string]string `json:"Tags"`
		Ptr   *inner            `json:"Ptr"`
		Blob  []byte            `json:"Blob"`
	}
	var got input
	body := `{"top":"no","Top":"yes","Items":[{"name":"no","Name":"a","Rate":"NaN"},{"Name":"b","Rate":"-Infinity","RATE":1}],` +
		`"Tags":{"k":"v"},"Ptr":{"Rate":"Infinity"},"Blob":"aGk="}`
	if err := decodeExact([]byte(body), &got); err != nil {
		t.Fatal(err)
	}
	if !math.IsNaN(got.Items[0].Rate) || !math.IsInf(got.Items[1].Rate, -1) || !math.IsInf(got.Ptr.Rate, 1) {
		t.Errorf("doubles: %v %v %v, want NaN, -Inf, +Inf", got.Items[0].Rate, got.Items[1].Rate, got.Ptr.Rate)
	}
	got.Items[0].Rate, got.Items[1].Rate, got.Ptr.Rate = 0, 0, 0
	yes := "yes"
	want := input{Top: &yes, Items: []inner{{Name: "a"}, {Name: "b"}}, Tags: map[string]string{"k": "v"}, Ptr: &inner{}, Blob: []byte("hi")}
	if d := cmp.Diff(want, got); d != "" {
		t.Errorf("(-want +got):\n%s", d)
	}
	if err := decodeExact([]byte(`{"Top":5}`), &got); err == nil {
		t.Errorf("a number for a string member decoded without error")
	}
}
