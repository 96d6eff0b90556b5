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

// decodeMembers decodes the members of an operation's input, as operations.CheckMembers
// delimited them in the body it checked, into the wire struct v: each field from the
// member named exactly as its json tag (see decodeValue).
func decodeMembers(in *operations.Shape, members [][]byte, v any) error {
	if in == nil {
		return nil
	}
	rv := reflect.ValueOf(v).Elem()
	fields := fieldsOf(rv.Type())
	for i, raw := range members {
		name := in.Members[i].Name
		if f, ok := fields[name]; ok && raw != nil {
			if err := decodeValue(raw, rv.Field(f)); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		}
	}
	return nil
}

// decodeValue decodes JSON that operations.Check accepted into v, taking a structure's
// member only when its name matches a field's json tag exactly. encoding/json also
// accepts names that differ by case, so {"policyname": ...} would override PolicyName
// after the model's checks, which (like AWS) ignored it as unknown (rule W-2). Doubles
// also take restJson1's "NaN", "Infinity" and "-Infinity".
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
