// Package operations is the one table of the 38 X-Ray operations and the input checks
// every operation runs before any state is touched.
//
// The table (table_gen.go) is generated from AWS's service model, checked in as
// model/xray-2016-04-12-service-2.json; it holds facts only: each operation's name, path,
// method, body limit and input shape tree. The wire rules of the resource-policies spec:
//
//   - W-1: every operation is POST on the path of the model's http.requestUri
//     (PutResourcePolicy is /PutResourcePolicy, PutTraceSegments is /TraceSegments).
//     ByPath and ByName find an operation; All lists them.
//   - W-2: Check reads an empty body (or one of only white space) as {}. Member names are
//     matched exactly (case-sensitive); unknown members are ignored but must still be
//     well-formed JSON. A body that is not a JSON object, is not valid JSON or UTF-8, or has
//     a member of the wrong JSON type anywhere is SerializationException (decided).
//   - W-3: timestamps are epoch seconds as JSON numbers (fractions allowed); a string
//     for a timestamp is a SerializationException.
//   - W-7: then the model's constraints: required members (JSON null counts as absent),
//     string lengths in Unicode code points (as Smithy's @length counts), list and map
//     sizes, numeric ranges, enums and patterns, answered with InvalidRequestException
//     naming the member path and the constraint (decided). The model's patterns are Java
//     regular expressions that must match the whole string; they are compiled anchored,
//     ^(?:pattern)$, for Go's RE2, whose \w is ASCII-only as Java's is (rule P-1). The
//     generator refuses a pattern RE2 cannot compile or would read differently.
//   - W-8: MaxBodyBytes is 8 MiB for PutTraceSegments, 1 MiB for every other operation
//     (decided); the HTTP edge enforces it with RequestEntityTooLargeException.
//
// Further decided details of Check: a type error anywhere wins over a constraint error
// anywhere; of several constraint errors the first in document order is reported.
// integer and long members take JSON integer literals only (no fraction or exponent)
// within int32 or int64. float and double members take JSON numbers, and the strings
// "NaN", "Infinity" and "-Infinity" that restJson1 defines for them. A null inside a list or as a map
// value is a SerializationException (the model's lists and maps are dense). A union must
// set exactly one of its members (InvalidRequestException). JSON nested deeper than the
// model allows plus a margin (maxDepth, 36 levels) is a SerializationException, so hostile nesting
// costs neither stack nor more than linear time. When a member appears twice in one
// object, both values are checked and the last decides whether it is present.
package operations

//go:generate go run ./internal/gen

import (
	"regexp"
	"sort"
)

// Operation is one X-Ray operation of the service model.
type Operation struct {
	// Name is the operation's name, e.g. "PutResourcePolicy".
	Name string
	// Path is the model's http.requestUri, e.g. "/PutResourcePolicy" (W-1).
	Path string
	// Method is the model's HTTP method; "POST" for every X-Ray operation.
	Method string
	// MaxBodyBytes is the largest request body the operation accepts (W-8).
	MaxBodyBytes int64
	// Input is the shape of the request body: a structure.
	Input *Shape
}

// Type is the type of a shape, as the service model names it.
type Type uint8

// The shape types of the service model.
const (
	TypeStructure Type = iota + 1
	TypeList
	TypeMap
	TypeString
	TypeInteger
	TypeLong
	TypeFloat
	TypeDouble
	TypeBoolean
	TypeTimestamp
	TypeBlob
)

var typeNames = [...]string{
	TypeStructure: "structure",
	TypeList:      "list",
	TypeMap:       "map",
	TypeString:    "string",
	TypeInteger:   "integer",
	TypeLong:      "long",
	TypeFloat:     "float",
	TypeDouble:    "double",
	TypeBoolean:   "boolean",
	TypeTimestamp: "timestamp",
	TypeBlob:      "blob",
}

// String returns the model's name of the type, e.g. "structure".
func (t Type) String() string {
	if int(t) < len(typeNames) && typeNames[t] != "" {
		return typeNames[t]
	}
	return "unknown"
}

// Shape is a shape of the service model with the constraints Check enforces.
type Shape struct {
	// Name is the shape's name in the model, e.g. "PolicyName".
	Name string
	Type Type

	// Members are a structure's members in model order.
	Members []Member
	// Union is true for a structure of which exactly one member must be set.
	Union bool
	// Elem is a list's member shape.
	Elem *Shape
	// Key and Value are a map's key and value shapes.
	Key, Value *Shape

	// Min and Max bound a string's length in Unicode code points, a list's or map's
	// number of entries, or a number's value; each counts only when HasMin or HasMax is set.
	Min, Max       float64
	HasMin, HasMax bool
	// Pattern is the model's pattern for a string, a Java regular expression that must
	// match the whole string; re is it compiled, anchored, for RE2.
	Pattern string
	re      *regexp.Regexp
	// class, when set, matches as re does, faster (see newClassMatcher).
	class *classMatcher
	// Enum lists a string's allowed values; empty when any value goes.
	Enum []string
}

// Member is a member of a structure shape.
type Member struct {
	// Name is the member's name, which is also its JSON name (restJson1 without jsonName).
	Name     string
	Shape    *Shape
	Required bool
}

var byName, byPath = func() (map[string]*Operation, map[string]*Operation) {
	n := make(map[string]*Operation, len(operations))
	p := make(map[string]*Operation, len(operations))
	for _, op := range operations {
		n[op.Name] = op
		p[op.Path] = op
	}
	return n, p
}()

func init() {
	seen := map[*Shape]bool{}
	var walk func(s *Shape)
	walk = func(s *Shape) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.re != nil {
			s.class = newClassMatcher(s.re.String())
		}
		for _, m := range s.Members {
			walk(m.Shape)
		}
		walk(s.Elem)
		walk(s.Key)
		walk(s.Value)
	}
	for _, op := range operations {
		walk(op.Input)
	}
}

// matchPattern reports whether str matches the shape's pattern as a whole.
func (s *Shape) matchPattern(str []byte) bool {
	if s.class != nil {
		return s.class.match(str)
	}
	return s.re.Match(str)
}

// ByPath returns the operation whose path is exactly path (e.g. "/TraceSegments"),
// and false when no operation has that path.
func ByPath(path string) (*Operation, bool) {
	op, ok := byPath[path]
	return op, ok
}

// ByName returns the operation of that name (e.g. "PutTraceSegments"), and false when
// there is none.
func ByName(name string) (*Operation, bool) {
	op, ok := byName[name]
	return op, ok
}

// All returns every operation, sorted by name. The slice is the caller's to keep.
func All() []*Operation {
	out := make([]*Operation, len(operations))
	copy(out, operations)
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}
