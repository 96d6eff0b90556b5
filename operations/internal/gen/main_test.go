package main

import (
	"bytes"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// TestGeneratedTableIsCurrent regenerates the table from the checked-in model: the model
// is the source of truth, and table_gen.go must be what `go generate` makes of it.
func TestGeneratedTableIsCurrent(t *testing.T) {
	t.Parallel()
	model, err := os.ReadFile("../../model/xray-2016-04-12-service-2.json")
	if err != nil {
		t.Fatal(err)
	}
	want, err := generate(model)
	if err != nil {
		t.Fatalf("generate: %v", err)
	}
	got, err := os.ReadFile("../../table_gen.go")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("table_gen.go is not what the model generates; run `go generate ./operations` (-checked in +generated):\n%s",
			cmp.Diff(strings.Split(string(got), "\n"), strings.Split(string(want), "\n")))
	}
	again, err := generate(model)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, again) {
		t.Error("two runs of generate differ: the output is not deterministic")
	}
}

// TestGenerateFailsLoudly changes one shape of the real model at a time and checks that
// the generator refuses what it cannot translate faithfully instead of guessing.
func TestGenerateFailsLoudly(t *testing.T) {
	t.Parallel()
	src, err := os.ReadFile("../../model/xray-2016-04-12-service-2.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		shape   string
		edit    func(s map[string]any)
		wantErr string
	}{
		{
			name:    "pattern RE2 cannot compile (lookahead)",
			shape:   "PolicyName",
			edit:    func(s map[string]any) { s["pattern"] = `(?=a)[\w]+` },
			wantErr: "does not compile in RE2",
		},
		{
			name:    "pattern with Java class intersection",
			shape:   "PolicyName",
			edit:    func(s map[string]any) { s["pattern"] = `[a-z&&[^b]]+` },
			wantErr: "RE2 does not read as Java does",
		},
		{
			name:    "pattern with a possessive quantifier",
			shape:   "PolicyName",
			edit:    func(s map[string]any) { s["pattern"] = `a*+b` },
			wantErr: "RE2 does not read as Java does",
		},
		{
			name:    "unknown shape trait",
			shape:   "PolicyName",
			edit:    func(s map[string]any) { s["timestampFormat"] = "iso8601" },
			wantErr: `trait "timestampFormat"`,
		},
		{
			name:  "member bound to a header",
			shape: "PutResourcePolicyRequest",
			edit: func(s map[string]any) {
				s["members"].(map[string]any)["PolicyName"].(map[string]any)["location"] = "header"
			},
			wantErr: `trait "location"`,
		},
		{
			name:    "unknown type",
			shape:   "PolicyDocument",
			edit:    func(s map[string]any) { s["type"] = "document" },
			wantErr: `type "document"`,
		},
		{
			name:  "recursive input shape",
			shape: "PutResourcePolicyRequest",
			edit: func(s map[string]any) {
				s["members"].(map[string]any)["Self"] = map[string]any{"shape": "PutResourcePolicyRequest"}
			},
			wantErr: "recursive",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var m map[string]any
			if err := json.Unmarshal(src, &m); err != nil {
				t.Fatal(err)
			}
			tt.edit(m["shapes"].(map[string]any)[tt.shape].(map[string]any))
			edited, err := json.Marshal(m)
			if err != nil {
				t.Fatal(err)
			}
			_, err = generate(edited)
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("generate: got error %v, want one containing %q", err, tt.wantErr)
			}
		})
	}
}
