package policy

import "strings"

// Policy variables (IAM User Guide, "IAM policy elements: Variables and tags"):
// ${key} is replaced with the request's value of key; ${key, 'default'} uses
// default when the request lacks key; ${*}, ${?} and ${$} stand for the characters
// themselves, which then match only themselves even where "*" and "?" are
// wildcards. IAM recognises variables only in documents whose Version is
// 2012-10-17; under 2008-10-17, or without a Version, "${...}" is plain text.

type partKind uint8

const (
	partText    partKind = iota // policy text: "*" and "?" are wildcards where the operator has them
	partLiteral                 // an escape's character: never a wildcard
	partVar                     // a policy variable
)

type templatePart struct {
	kind       partKind
	text       string // the text, or the variable's default
	key        string // the variable's key, lower case
	keyID      int32  // the key's position among the document's keys (arena.keyID)
	hasDefault bool
}

// template is a policy string that may contain policy variables.
type template struct {
	raw string
	// parts is nil when raw is plain policy text (no variables, no escapes), the
	// common case, which then costs no allocation.
	parts []templatePart
	vars  bool // whether any part is a variable
}

// variableError is a malformed policy variable (rule V-11).
type variableError struct{ msg string }

func (e *variableError) Error() string { return e.msg }

// parseTemplate splits s into text, escapes and variables. With variables
// false (Version 2008-10-17), s is all text.
func parseTemplate(s string, variables bool) (template, error) {
	return parseTemplateIn(s, variables, nil)
}

// parseTemplateIn is parseTemplate with the parts cut from a's slab.
func parseTemplateIn(s string, variables bool, a *arena) (template, error) {
	t := template{raw: s}
	if !variables || strings.IndexByte(s, '$') < 0 {
		return t, nil
	}
	n := strings.Count(s, "${")
	if n == 0 {
		return t, nil
	}
	// Each "${" adds at most a text part and a variable or escape part.
	t.parts = take(a.partSlab(), 2*n+1)[:0]
	for s != "" {
		i := strings.Index(s, "${")
		if i < 0 {
			t.parts = append(t.parts, templatePart{kind: partText, text: s})
			break
		}
		if i > 0 {
			t.parts = append(t.parts, templatePart{kind: partText, text: s[:i]})
		}
		end := strings.IndexByte(s[i:], '}')
		if end < 0 {
			return template{}, &variableError{"has a policy variable without its closing '}'"}
		}
		inner := strings.TrimSpace(s[i+2 : i+end])
		s = s[i+end+1:]
		switch inner {
		case "*", "?", "$":
			t.parts = append(t.parts, templatePart{kind: partLiteral, text: inner})
			continue
		}
		p := templatePart{kind: partVar}
		key, def, hasDef := strings.Cut(inner, ",")
		key = strings.TrimSpace(key)
		if hasDef {
			def = strings.TrimSpace(def)
			if len(def) < 2 || def[0] != '\'' || def[len(def)-1] != '\'' {
				return template{}, &variableError{"has a policy variable whose default value is not in single quotes, as in ${aws:username, 'none'}"}
			}
			p.text, p.hasDefault = def[1:len(def)-1], true
		}
		if key == "" || strings.ContainsAny(key, "${ ") {
			return template{}, &variableError{"has a policy variable without a valid key, as in ${aws:PrincipalAccount}"}
		}
		p.key = lowerKey(key)
		p.keyID = a.keyID(p.key)
		t.parts = append(t.parts, p)
		t.vars = true
	}
	return t, nil
}

// resolve returns the value a variable stands for in ctx.
func (p *templatePart) resolve(ctx Context) (string, bool) {
	if vs, ok := ctx.lookup(p.key); ok && len(vs) > 0 {
		// A variable stands for one value; for a multivalued key this package
		// takes the first (AWS documents no behaviour for that case).
		return vs[0], true
	}
	if p.hasDefault {
		return p.text, true
	}
	return "", false
}

// resolveIn is resolve on the request being evaluated.
func (p *templatePart) resolveIn(ev *evaluation) (string, bool) {
	if vs, ok := ev.lookup(p.keyID, p.key); ok && len(vs) > 0 {
		return vs[0], true
	}
	if p.hasDefault {
		return p.text, true
	}
	return "", false
}

// render returns the template's text with its variables substituted. ok is false
// when a variable has no value and no default: IAM then treats the element as not
// matching (IAM User Guide, "Policy variables": "If the key that you specify is not
// present in the request context, ... the policy element ... does not match").
func (t *template) render(ctx Context) (string, bool) {
	if t.parts == nil {
		return t.raw, true
	}
	var b strings.Builder
	for i := range t.parts {
		p := &t.parts[i]
		if p.kind != partVar {
			b.WriteString(p.text)
			continue
		}
		v, ok := p.resolve(ctx)
		if !ok {
			return "", false
		}
		b.WriteString(v)
	}
	return b.String(), true
}

// equal reports whether s is the template's text with its variables
// substituted, comparing piece by piece rather than building that text. It is
// false when a variable has no value and no default.
func (t *template) equal(s string, ev *evaluation) bool {
	if t.parts == nil {
		return s == t.raw
	}
	for i := range t.parts {
		p := &t.parts[i]
		text := p.text
		if p.kind == partVar {
			v, ok := p.resolveIn(ev)
			if !ok {
				return false
			}
			text = v
		}
		if !strings.HasPrefix(s, text) {
			return false
		}
		s = s[len(text):]
	}
	return s == ""
}

// pattern compiles the template as a wildcard pattern, with variables' values and
// escapes matching literally.
func (t *template) pattern(ctx Context) (pattern, bool) {
	if t.parts == nil {
		return compilePattern(t.raw), true
	}
	var b patternBuilder
	for i := range t.parts {
		p := &t.parts[i]
		switch p.kind {
		case partText:
			b.wild(p.text)
		case partLiteral:
			b.literal(p.text)
		case partVar:
			v, ok := p.resolve(ctx)
			if !ok {
				return pattern{}, false
			}
			b.literal(v)
		}
	}
	return b.pattern(), true
}

// renderText renders the template for use as policy text. plain is false when a
// variable's value or an escape holds "*", "?" or ":", which as policy text would
// read as wildcards or component separators; the caller then compiles the
// template instead. ok is false when a variable has no value.
func (t *template) renderText(ctx Context) (text string, ok, plain bool) {
	var b strings.Builder
	for i := range t.parts {
		p := &t.parts[i]
		v := p.text
		switch p.kind {
		case partLiteral:
			return "", false, false
		case partVar:
			var found bool
			if v, found = p.resolve(ctx); !found {
				return "", false, true
			}
			if strings.ContainsAny(v, "*?:") {
				return "", false, false
			}
		}
		b.WriteString(v)
	}
	return b.String(), true, true
}
