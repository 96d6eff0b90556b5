package operations

import (
	"sort"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestW1_PathsFromModel(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, op, path string
	}{
		{name: "resource policy put", op: "PutResourcePolicy", path: "/PutResourcePolicy"},
		{name: "resource policy list", op: "ListResourcePolicies", path: "/ListResourcePolicies"},
		{name: "resource policy delete", op: "DeleteResourcePolicy", path: "/DeleteResourcePolicy"},
		{name: "path differs from name: segments", op: "PutTraceSegments", path: "/TraceSegments"},
		{name: "path differs from name: groups", op: "GetGroups", path: "/Groups"},
		{name: "path differs from name: traces", op: "BatchGetTraces", path: "/Traces"},
		{name: "path differs from name: telemetry", op: "PutTelemetryRecords", path: "/TelemetryRecords"},
		{name: "path differs from name: encryption", op: "GetEncryptionConfig", path: "/EncryptionConfig"},
		{name: "path differs from name: sampling targets", op: "GetSamplingTargets", path: "/SamplingTargets"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			op, ok := ByName(tt.op)
			if !ok {
				t.Fatalf("ByName(%q): not found", tt.op)
			}
			if op.Path != tt.path || op.Method != "POST" || op.Name != tt.op {
				t.Errorf("ByName(%q) = %s %s %s, want POST %s", tt.op, op.Name, op.Method, op.Path, tt.path)
			}
			byPath, ok := ByPath(tt.path)
			if !ok || byPath != op {
				t.Errorf("ByPath(%q) = %v, %v; want the operation %s", tt.path, byPath, ok, tt.op)
			}
		})
	}
}

func TestW1_AllOperations(t *testing.T) {
	t.Parallel()
	all := All()
	if len(all) != 38 {
		t.Errorf("All() has %d operations, want 38", len(all))
	}
	if !sort.SliceIsSorted(all, func(i, j int) bool { return all[i].Name < all[j].Name }) {
		t.Error("All() is not sorted by name")
	}
	paths := map[string]string{}
	for _, op := range all {
		if op.Method != "POST" {
			t.Errorf("%s: method %q, want POST", op.Name, op.Method)
		}
		if op.Input == nil || op.Input.Type != TypeStructure {
			t.Errorf("%s: input is not a structure", op.Name)
		}
		if other, dup := paths[op.Path]; dup {
			t.Errorf("%s and %s share the path %s", other, op.Name, op.Path)
		}
		paths[op.Path] = op.Name
		if got, ok := ByPath(op.Path); !ok || got != op {
			t.Errorf("ByPath(%q) does not find %s", op.Path, op.Name)
		}
	}
	all[0] = nil // the slice is the caller's: changing it must not change the table
	if All()[0] == nil {
		t.Error("All() returns the package's own slice")
	}
}

func TestW1_UnknownNamesAndPaths(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, path, opName string
	}{
		{name: "path with trailing slash", path: "/PutResourcePolicy/", opName: "putresourcepolicy"},
		{name: "path without slash", path: "PutResourcePolicy", opName: "PutResourcePolicy "},
		{name: "name is not a path", path: "/PutTraceSegments", opName: "TraceSegments"},
		{name: "empty", path: "", opName: ""},
		{name: "root", path: "/", opName: "/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if op, ok := ByPath(tt.path); ok {
				t.Errorf("ByPath(%q) = %s, want no operation", tt.path, op.Name)
			}
			if op, ok := ByName(tt.opName); ok {
				t.Errorf("ByName(%q) = %s, want no operation", tt.opName, op.Name)
			}
		})
	}
}

func TestW8_BodyLimits(t *testing.T) {
	t.Parallel()
	got := map[string]int64{}
	for _, op := range All() {
		got[op.Name] = op.MaxBodyBytes
	}
	want := map[string]int64{}
	for name := range got {
		want[name] = 1 << 20
	}
	want["PutTraceSegments"] = 8 << 20
	if len(want) != 38 {
		t.Errorf("%d operations, want 38", len(want))
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("MaxBodyBytes (-want +got):\n%s", diff)
	}
}

// TestTableShapes spot-checks that the generated shapes carry the model's constraints.
func TestTableShapes(t *testing.T) {
	t.Parallel()
	op, _ := ByName("PutResourcePolicy")
	type member struct {
		Name     string
		Type     Type
		Required bool
		Min, Max float64
		Pattern  string
	}
	var got []member
	for _, m := range op.Input.Members {
		got = append(got, member{m.Name, m.Shape.Type, m.Required, m.Shape.Min, m.Shape.Max, m.Shape.Pattern})
	}
	want := []member{
		{Name: "PolicyName", Type: TypeString, Required: true, Min: 1, Max: 128, Pattern: `[\w+=,.@-]+`},
		{Name: "PolicyDocument", Type: TypeString, Required: true},
		{Name: "PolicyRevisionId", Type: TypeString},
		{Name: "BypassPolicyLockoutCheck", Type: TypeBoolean},
	}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("PutResourcePolicy input members (-want +got):\n%s", diff)
	}
	enc, _ := ByName("PutEncryptionConfig")
	var typ *Shape
	for _, m := range enc.Input.Members {
		if m.Name == "Type" {
			typ = m.Shape
		}
	}
	if typ == nil {
		t.Fatal("PutEncryptionConfig has no member Type")
	}
	if diff := cmp.Diff([]string{"NONE", "KMS"}, typ.Enum); diff != "" {
		t.Errorf("EncryptionType enum (-want +got):\n%s", diff)
	}
}
