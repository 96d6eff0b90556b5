// Command gen writes ../../table_gen.go, the table of X-Ray operations, from the service
// model ../../model/xray-2016-04-12-service-2.json. It is run by `go generate` in the
// operations package, whose directory is then the working directory.
//
// It fails, rather than guess, on anything in the model it does not understand: an
// unknown shape type or trait, a member bound to a header or query string, a recursive
// input shape, or a pattern RE2 cannot compile or would read differently from Java.
package main

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"go/format"
	"math"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// maxBodyBytes is rule W-8: 8 MiB for PutTraceSegments (a daemon's batch of 50 segments
// of up to 64 KiB), 1 MiB for every other operation. The values are Go expressions.
var maxBodyBytes = map[string]string{"PutTraceSegments": "8 << 20"}

const defaultMaxBodyBytes = "1 << 20"

func main() {
	modelPath := flag.String("model", "model/xray-2016-04-12-service-2.json", "service model to read")
	out := flag.String("out", "table_gen.go", "Go file to write")
	flag.Parse()
	model, err := os.ReadFile(*modelPath)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
	src, err := generate(model)
	if err != nil {
		fmt.Fprintln(os.Stderr, "gen:", *modelPath+":", err)
		os.Exit(1)
	}
	if err := os.WriteFile(*out, src, 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "gen:", err)
		os.Exit(1)
	}
}

type model struct {
	Metadata struct {
		Protocol string `json:"protocol"`
	} `json:"metadata"`
	Operations map[string]operation `json:"operations"`
	Shapes     map[string]shape     `json:"shapes"`
}

type operation struct {
	Name string `json:"name"`
	HTTP struct {
		Method     string `json:"method"`
		RequestURI string `json:"requestUri"`
	} `json:"http"`
	Input *struct {
		Shape string `json:"shape"`
	} `json:"input"`
}

type shape struct {
	Type     string            `json:"type"`
	Members  map[string]member `json:"members"`
	Required []string          `json:"required"`
	Union    bool              `json:"union"`
	Member   *member           `json:"member"`
	Key      *member           `json:"key"`
	Value    *member           `json:"value"`
	Min      *json.Number      `json:"min"`
	Max      *json.Number      `json:"max"`
	Pattern  *string           `json:"pattern"`
	Enum     []string          `json:"enum"`
	// raw holds every key of the shape, to refuse traits this generator does not know.
	raw map[string]json.RawMessage
	// order is the members' names in model order.
	order []string
}

type member struct {
	Shape string `json:"shape"`
	raw   map[string]json.RawMessage
}

// Keys the generator understands. Documentation and error traits do not affect input checks.
var (
	knownShapeKeys = map[string]bool{
		"type": true, "members": true, "required": true, "union": true, "member": true,
		"key": true, "value": true, "min": true, "max": true, "pattern": true, "enum": true,
		"documentation": true, "exception": true, "error": true, "fault": true,
		"deprecated": true, "deprecatedMessage": true, "sensitive": true,
	}
	knownMemberKeys = map[string]bool{
		"shape": true, "documentation": true, "deprecated": true, "deprecatedMessage": true,
	}
	goTypes = map[string]string{
		"structure": "TypeStructure", "list": "TypeList", "map": "TypeMap",
		"string": "TypeString", "integer": "TypeInteger", "long": "TypeLong",
		"float": "TypeFloat", "double": "TypeDouble", "boolean": "TypeBoolean",
		"timestamp": "TypeTimestamp", "blob": "TypeBlob",
	}
)

func (s *shape) UnmarshalJSON(b []byte) error {
	type plain shape
	if err := json.Unmarshal(b, (*plain)(s)); err != nil {
		return err
	}
	if err := json.Unmarshal(b, &s.raw); err != nil {
		return err
	}
	if raw, ok := s.raw["members"]; ok {
		order, err := objectKeys(raw)
		if err != nil {
			return err
		}
		s.order = order
	}
	return nil
}

func (m *member) UnmarshalJSON(b []byte) error {
	type plain member
	if err := json.Unmarshal(b, (*plain)(m)); err != nil {
		return err
	}
	return json.Unmarshal(b, &m.raw)
}

// objectKeys returns the keys of a JSON object in document order.
func objectKeys(raw json.RawMessage) ([]string, error) {
	dec := json.NewDecoder(bytes.NewReader(raw))
	if _, err := dec.Token(); err != nil {
		return nil, err
	}
	var keys []string
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, err
		}
		keys = append(keys, tok.(string))
		var skip json.RawMessage
		if err := dec.Decode(&skip); err != nil {
			return nil, err
		}
	}
	return keys, nil
}

type generator struct {
	m        model
	used     map[string]bool // shapes reachable from an operation's input
	depth    map[string]int  // nesting depth of JSON containers a shape may hold
	visiting map[string]bool // cycle detection
}

// generate returns the gofmt'd source of table_gen.go for the model.
func generate(src []byte) ([]byte, error) {
	g := &generator{used: map[string]bool{}, depth: map[string]int{}, visiting: map[string]bool{}}
	if err := json.Unmarshal(src, &g.m); err != nil {
		return nil, err
	}
	if g.m.Metadata.Protocol != "rest-json" {
		return nil, fmt.Errorf("protocol %q, want rest-json", g.m.Metadata.Protocol)
	}
	if len(g.m.Operations) == 0 {
		return nil, fmt.Errorf("no operations")
	}
	for name := range maxBodyBytes {
		if _, ok := g.m.Operations[name]; !ok {
			return nil, fmt.Errorf("body limit for %s, which is no operation of the model", name)
		}
	}

	names := make([]string, 0, len(g.m.Operations))
	for name := range g.m.Operations {
		names = append(names, name)
	}
	sort.Strings(names)

	var b bytes.Buffer
	b.WriteString("// Code generated by internal/gen from model/xray-2016-04-12-service-2.json. DO NOT EDIT.\n\n")
	b.WriteString("package operations\n\n")
	b.WriteString("import \"regexp\"\n\n")

	var ops bytes.Buffer
	maxDepth := 0
	paths := map[string]string{}
	for _, name := range names {
		op := g.m.Operations[name]
		if op.Name != name {
			return nil, fmt.Errorf("operation %s has name %q", name, op.Name)
		}
		if op.HTTP.Method == "" || !strings.HasPrefix(op.HTTP.RequestURI, "/") {
			return nil, fmt.Errorf("operation %s: method %q, requestUri %q", name, op.HTTP.Method, op.HTTP.RequestURI)
		}
		if strings.ContainsAny(op.HTTP.RequestURI, "{?") {
			return nil, fmt.Errorf("operation %s: requestUri %q has labels or a query, which Check does not read", name, op.HTTP.RequestURI)
		}
		if other, ok := paths[op.HTTP.RequestURI]; ok {
			return nil, fmt.Errorf("operations %s and %s share the path %s", other, name, op.HTTP.RequestURI)
		}
		paths[op.HTTP.RequestURI] = name
		if op.Input == nil {
			return nil, fmt.Errorf("operation %s has no input shape", name)
		}
		in, ok := g.m.Shapes[op.Input.Shape]
		if !ok || in.Type != "structure" {
			return nil, fmt.Errorf("operation %s: input %q is not a structure shape", name, op.Input.Shape)
		}
		d, err := g.walk(op.Input.Shape)
		if err != nil {
			return nil, fmt.Errorf("operation %s: %w", name, err)
		}
		maxDepth = max(maxDepth, d)
		limit, ok := maxBodyBytes[name]
		if !ok {
			limit = defaultMaxBodyBytes
		}
		fmt.Fprintf(&ops, "\t{Name: %q, Path: %q, Method: %q, MaxBodyBytes: %s, Input: %s},\n",
			name, op.HTTP.RequestURI, op.HTTP.Method, limit, goName(op.Input.Shape))
	}

	fmt.Fprintf(&b, "// maxModelDepth is the deepest nesting of JSON objects and arrays any operation's input\n")
	fmt.Fprintf(&b, "// shape allows; the top-level object counts 1.\n")
	fmt.Fprintf(&b, "const maxModelDepth = %d\n\n", maxDepth)
	b.WriteString("// operations is every operation of the model, sorted by name.\n")
	b.WriteString("var operations = []*Operation{\n")
	b.Write(ops.Bytes())
	b.WriteString("}\n\n")

	shapes := make([]string, 0, len(g.used))
	for name := range g.used {
		shapes = append(shapes, name)
	}
	sort.Strings(shapes)
	b.WriteString("// The input shapes of the model, by name.\nvar (\n")
	for _, name := range shapes {
		line, err := g.shapeLiteral(name)
		if err != nil {
			return nil, fmt.Errorf("shape %s: %w", name, err)
		}
		fmt.Fprintf(&b, "\t%s = %s\n", goName(name), line)
	}
	b.WriteString(")\n")
	// Keep the import used when no shape has a pattern.
	b.WriteString("\nvar _ = regexp.Compile\n")

	out, err := format.Source(b.Bytes())
	if err != nil {
		return nil, fmt.Errorf("formatting the generated code: %w", err)
	}
	return out, nil
}

// walk marks the shape and all it references as used, checks that the generator
// understands them, and returns the JSON nesting depth the shape allows.
func (g *generator) walk(name string) (int, error) {
	if d, ok := g.depth[name]; ok {
		return d, nil
	}
	if g.visiting[name] {
		// A recursive input shape would need a depth limit of its own and a table
		// built at run time (a Go initialization cycle); the X-Ray model has none.
		return 0, fmt.Errorf("shape %s is recursive", name)
	}
	s, ok := g.m.Shapes[name]
	if !ok {
		return 0, fmt.Errorf("shape %s is not in the model", name)
	}
	for k := range s.raw {
		if !knownShapeKeys[k] {
			return 0, fmt.Errorf("shape %s has the trait %q, which the generator does not know", name, k)
		}
	}
	if _, ok := goTypes[s.Type]; !ok {
		return 0, fmt.Errorf("shape %s has the type %q, which the generator does not know", name, s.Type)
	}
	g.visiting[name] = true
	defer delete(g.visiting, name)
	g.used[name] = true

	var children []*member
	switch s.Type {
	case "structure":
		if len(s.order) > 64 {
			return 0, fmt.Errorf("shape %s has %d members; Check tracks at most 64", name, len(s.order))
		}
		for _, mn := range s.order {
			m := s.Members[mn]
			children = append(children, &m)
		}
		for _, r := range s.Required {
			if _, ok := s.Members[r]; !ok {
				return 0, fmt.Errorf("shape %s requires %q, which is not a member", name, r)
			}
		}
	case "list":
		if s.Member == nil {
			return 0, fmt.Errorf("list %s has no member shape", name)
		}
		children = append(children, s.Member)
	case "map":
		if s.Key == nil || s.Value == nil {
			return 0, fmt.Errorf("map %s lacks a key or value shape", name)
		}
		if k := g.m.Shapes[s.Key.Shape]; k.Type != "string" {
			return 0, fmt.Errorf("map %s has key shape %s of type %q; JSON keys are strings", name, s.Key.Shape, k.Type)
		}
		children = append(children, s.Key, s.Value)
	default:
		if len(s.Members) > 0 || s.Member != nil || s.Key != nil || s.Value != nil || len(s.Required) > 0 || s.Union {
			return 0, fmt.Errorf("%s shape %s has structure, list or map traits", s.Type, name)
		}
	}
	if s.Pattern != nil {
		if s.Type != "string" {
			return 0, fmt.Errorf("shape %s of type %s has a pattern", name, s.Type)
		}
		if _, err := compilePattern(*s.Pattern); err != nil {
			return 0, fmt.Errorf("shape %s: %w", name, err)
		}
	}
	if len(s.Enum) > 0 && s.Type != "string" {
		return 0, fmt.Errorf("shape %s of type %s has an enum", name, s.Type)
	}
	if (s.Min != nil || s.Max != nil) && !map[string]bool{"string": true, "list": true, "map": true, "blob": true,
		"integer": true, "long": true, "float": true, "double": true}[s.Type] {
		return 0, fmt.Errorf("shape %s of type %s has min or max", name, s.Type)
	}
	if s.Type == "blob" && (s.Min != nil || s.Max != nil) {
		// A blob's length counts decoded bytes; Check does not implement that yet.
		return 0, fmt.Errorf("blob shape %s has a length constraint, which Check does not implement", name)
	}

	depth := 0
	for _, m := range children {
		for k := range m.raw {
			if !knownMemberKeys[k] {
				// location, locationName, jsonvalue and the like change where or how a
				// member travels; Check reads every member from the JSON body by name.
				return 0, fmt.Errorf("shape %s: a member has the trait %q, which the generator does not know", name, k)
			}
		}
		d, err := g.walk(m.Shape)
		if err != nil {
			return 0, err
		}
		depth = max(depth, d)
	}
	if s.Type == "structure" || s.Type == "list" || s.Type == "map" {
		depth++
	}
	g.depth[name] = depth
	return depth, nil
}

// javaOnly finds regular-expression syntax that Java reads and RE2 would either reject
// or, worse, read differently: class intersection and nested classes ("[a-z&&[^b]]"),
// possessive quantifiers, and Java's \p{javaX} and \h \H \v \R \X \G \Z escapes.
var javaOnly = regexp.MustCompile(`&&|\[[^\]]*\[|[*+?}]\+|\\p\{java|\\[hHvRXGZ]`)

// compilePattern compiles a model pattern as Check uses it: anchored so it must match the
// whole string, as Java's String.matches and Smithy's anchored copies of the patterns do.
// In both Java (without UNICODE_CHARACTER_CLASS) and RE2, \w \d \s are ASCII-only.
func compilePattern(p string) (*regexp.Regexp, error) {
	if loc := javaOnly.FindStringIndex(p); loc != nil {
		return nil, fmt.Errorf("pattern %q uses %q, which RE2 does not read as Java does; handle this shape explicitly", p, p[loc[0]:loc[1]])
	}
	re, err := regexp.Compile(anchor(p))
	if err != nil {
		return nil, fmt.Errorf("pattern %q does not compile in RE2: %w; handle this shape explicitly", p, err)
	}
	return re, nil
}

func anchor(p string) string { return "^(?:" + p + ")$" }

// shapeLiteral returns the Go expression of the shape's table entry.
func (g *generator) shapeLiteral(name string) (string, error) {
	s := g.m.Shapes[name]
	var f []string
	f = append(f, fmt.Sprintf("Name: %q", name), "Type: "+goTypes[s.Type])
	switch s.Type {
	case "structure":
		req := map[string]bool{}
		for _, r := range s.Required {
			req[r] = true
		}
		var ms []string
		for _, mn := range s.order {
			m := fmt.Sprintf("{Name: %q, Shape: %s", mn, goName(s.Members[mn].Shape))
			if req[mn] {
				m += ", Required: true"
			}
			ms = append(ms, m+"}")
		}
		if len(ms) > 0 {
			f = append(f, "Members: []Member{"+strings.Join(ms, ", ")+"}")
		}
		if s.Union {
			f = append(f, "Union: true")
		}
	case "list":
		f = append(f, "Elem: "+goName(s.Member.Shape))
	case "map":
		f = append(f, "Key: "+goName(s.Key.Shape), "Value: "+goName(s.Value.Shape))
	}
	for _, b := range []struct {
		n   *json.Number
		val string
		has string
	}{{s.Min, "Min", "HasMin"}, {s.Max, "Max", "HasMax"}} {
		if b.n == nil {
			continue
		}
		v, err := strconv.ParseFloat(b.n.String(), 64)
		if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
			return "", fmt.Errorf("bound %q is not a finite number", b.n.String())
		}
		if math.Abs(v) > 1<<53 {
			return "", fmt.Errorf("bound %q is not exact as a float64", b.n.String())
		}
		f = append(f, fmt.Sprintf("%s: %s, %s: true", b.val, strconv.FormatFloat(v, 'g', -1, 64), b.has))
	}
	if s.Pattern != nil {
		f = append(f, fmt.Sprintf("Pattern: %s, re: regexp.MustCompile(%s)", goString(*s.Pattern), goString(anchor(*s.Pattern))))
	}
	if len(s.Enum) > 0 {
		var es []string
		for _, e := range s.Enum {
			es = append(es, strconv.Quote(e))
		}
		f = append(f, "Enum: []string{"+strings.Join(es, ", ")+"}")
	}
	return "&Shape{" + strings.Join(f, ", ") + "}", nil
}

// goString returns s as a Go string literal, a raw one when that is possible, so the
// generated patterns read as they do in the model.
func goString(s string) string {
	if strconv.CanBackquote(s) {
		return "`" + s + "`"
	}
	return strconv.Quote(s)
}

// goName is the name of the Go variable holding the shape.
func goName(shape string) string { return "shape" + shape }
