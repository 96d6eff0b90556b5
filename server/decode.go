package server

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"sync"

	"github.com/xraylocal/xraylocal/operations"
)

// decodeExact decodes a JSON body that operations.Check accepted into a wire struct,
// taking a member only when its name matches a field's json tag exactly. encoding/json
// also accepts names that differ by case, so {"policyname": ...} would override
// PolicyName after the model's checks, which (like AWS) ignored it as unknown (rule W-2).
// Doubles also take restJson1's "NaN", "Infinity" and "-Infinity".
func decodeExact(data []byte, v any) error {
	return decodeValue(data, reflect.ValueOf(v).Elem())
}

func decodeValue(data []byte, v reflect.Value) error {
	switch v.Kind() {
	case reflect.Pointer:
		if string(data) == "null" {
			return nil
		}
		if v.IsNil() {
			v.Set(reflect.New(v.Type().Elem()))
		}
		return decodeValue(data, v.Elem())
	case reflect.Struct:
		if string(data) == "null" {
			return nil
		}
		fields := fieldsOf(v.Type())
		if raws, ok := lastMembers(data, fields); ok {
			for name, i := range fields {
				if raws[i] != nil {
					if err := decodeValue(raws[i], v.Field(i)); err != nil {
						return fmt.Errorf("%s: %w", name, err)
					}
				}
			}
			return nil
		}
		var members map[string]json.RawMessage
		if err := json.Unmarshal(data, &members); err != nil {
			return err
		}
		for name, i := range fields {
			if raw, ok := members[name]; ok {
				if err := decodeValue(raw, v.Field(i)); err != nil {
					return fmt.Errorf("%s: %w", name, err)
				}
			}
		}
		return nil
	case reflect.Slice:
		if v.Type().Elem().Kind() == reflect.Uint8 { // blobs are base64 strings
			return json.Unmarshal(data, v.Addr().Interface())
		}
		var items []json.RawMessage
		if err := json.Unmarshal(data, &items); err != nil {
			return err
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, raw := range items {
			if err := decodeValue(raw, s.Index(i)); err != nil {
				return fmt.Errorf("[%d]: %w", i, err)
			}
		}
		v.Set(s)
		return nil
	case reflect.Map:
		var entries map[string]json.RawMessage
		if err := json.Unmarshal(data, &entries); err != nil {
			return err
		}
		m := reflect.MakeMapWithSize(v.Type(), len(entries))
		for k, raw := range entries {
			e := reflect.New(v.Type().Elem()).Elem()
			if err := decodeValue(raw, e); err != nil {
				return fmt.Errorf("[%q]: %w", k, err)
			}
			m.SetMapIndex(reflect.ValueOf(k).Convert(v.Type().Key()), e)
		}
		v.Set(m)
		return nil
	case reflect.String:
		if s, ok := operations.UnquoteString(data); ok {
			v.SetString(s)
			return nil
		}
	case reflect.Bool:
		switch string(data) {
		case "true", "false":
			v.SetBool(data[0] == 't')
			return nil
		}
	case reflect.Float32, reflect.Float64:
		switch string(data) {
		case `"NaN"`:
			v.SetFloat(math.NaN())
			return nil
		case `"Infinity"`:
			v.SetFloat(math.Inf(1))
			return nil
		case `"-Infinity"`:
			v.SetFloat(math.Inf(-1))
			return nil
		}
	}
	return json.Unmarshal(data, v.Addr().Interface())
}

var fieldCache sync.Map // reflect.Type → map[string]int

// fieldsOf maps a struct's json member names to field indexes.
func fieldsOf(t reflect.Type) map[string]int {
	if f, ok := fieldCache.Load(t); ok {
		return f.(map[string]int)
	}
	fields := map[string]int{}
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" && t.Field(i).IsExported() {
			fields[name] = i
		}
	}
	fieldCache.Store(t, fields)
	return fields
}

// lastMembers finds, in the JSON object data, the last value of each member named in
// fields, as the raw JSON indexed by field: what decoding into a map of raw messages
// gives, without the map. It reports false for anything but a plain object whose member
// names have no escapes; decodeValue then leaves the object to encoding/json. Values are
// delimited, not checked: operations.Check has checked the body.
func lastMembers(data []byte, fields map[string]int) ([][]byte, bool) {
	raws := make([][]byte, maxField(fields)+1)
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return nil, false
	}
	if i = skipSpace(data, i+1); i < len(data) && data[i] == '}' {
		return raws, skipSpace(data, i+1) == len(data)
	}
	for {
		end, escaped := stringEnd(data, i)
		if end < 0 || escaped {
			return nil, false
		}
		name := data[i+1 : end-1]
		if i = skipSpace(data, end); i >= len(data) || data[i] != ':' {
			return nil, false
		}
		i = skipSpace(data, i+1)
		end = valueEnd(data, i)
		if end < 0 {
			return nil, false
		}
		if f, ok := fields[string(name)]; ok {
			raws[f] = data[i:end]
		}
		if i = skipSpace(data, end); i >= len(data) {
			return nil, false
		}
		switch data[i] {
		case ',':
			i = skipSpace(data, i+1)
		case '}':
			return raws, skipSpace(data, i+1) == len(data)
		default:
			return nil, false
		}
	}
}

func maxField(fields map[string]int) int {
	m := -1
	for _, i := range fields {
		m = max(m, i)
	}
	return m
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// stringEnd returns the index just after the JSON string that starts at data[i], and
// whether it has escapes; -1 when there is no string there.
func stringEnd(data []byte, i int) (end int, escaped bool) {
	if i >= len(data) || data[i] != '"' {
		return -1, false
	}
	for i++; i < len(data); i++ {
		switch c := data[i]; {
		case c == '"':
			return i + 1, escaped
		case c == '\\':
			escaped = true
			i++
		case c < 0x20:
			return -1, false
		}
	}
	return -1, false
}

// valueEnd returns the index just after the JSON value that starts at data[i], or -1.
func valueEnd(data []byte, i int) int {
	if i >= len(data) {
		return -1
	}
	switch data[i] {
	case '"':
		end, _ := stringEnd(data, i)
		return end
	case '{', '[':
		depth := 0
		for i < len(data) {
			switch data[i] {
			case '"':
				if i, _ = stringEnd(data, i); i < 0 {
					return -1
				}
				continue
			case '{', '[':
				depth++
			case '}', ']':
				if depth--; depth == 0 {
					return i + 1
				}
			}
			i++
		}
		return -1
	}
	for i < len(data) {
		switch data[i] {
		case ',', '}', ']', ' ', '\t', '\n', '\r':
			return i
		}
		i++
	}
	return i
}
