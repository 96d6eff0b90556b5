package policy

import "strings"

// ARN matching, for the Resource element and the Arn condition operators. IAM
// checks "each of the six colon-delimited components of the ARN separately", each
// of which may hold "*" and "?" (IAM JSON policy elements reference: Condition
// operators, "Amazon Resource Name (ARN) condition operators"); the sixth
// component is everything after the fifth colon. A pattern with fewer than six
// components, such as "*", is matched against the whole string.

const arnComponents = 6

// arnPattern is a compiled ARN pattern.
type arnPattern struct {
	tmpl template
	// static is the compiled form when the template has no variables.
	static compiledARN
	// vars is the compiled form of a template with variables, when it has the
	// shape varGlob handles (comps is nil otherwise).
	vars varARN
}

type compiledARN struct {
	components []pattern // six when the pattern is ARN-shaped
	whole      pattern   // used when it is not
}

// newARNPattern compiles t.
func newARNPattern(t template) arnPattern { return newARNPatternIn(t, nil) }

// newARNPatternIn compiles t with its pieces cut from a's slabs.
func newARNPatternIn(t template, a *arena) arnPattern {
	var p arnPattern
	p.compileIn(t, a)
	return p
}

// compileIn compiles t into p, which is zero, with its pieces cut from a's
// slabs. The parser compiles straight into the policy's memory: a pattern is
// large to copy.
func (p *arnPattern) compileIn(t template, a *arena) {
	p.tmpl = t
	switch {
	case t.parts == nil:
		p.static = compileARNTextIn(t.raw, a)
	case !t.vars:
		p.static, _ = compileARN(&t, Context{})
	default:
		p.vars, _ = newVarARN(&t, a)
	}
}

// compileARNText compiles plain policy text.
func compileARNText(s string) compiledARN { return compileARNTextIn(s, nil) }

func compileARNTextIn(s string, a *arena) compiledARN {
	if strings.Count(s, ":") < arnComponents-1 {
		return compiledARN{whole: compilePatternIn(s, a)}
	}
	c := compiledARN{components: take(a.patternSlab(), arnComponents)[:0]}
	for i := 0; i < arnComponents-1; i++ {
		j := strings.IndexByte(s, ':')
		c.components = append(c.components, compilePatternIn(s[:j], a))
		s = s[j+1:]
	}
	c.components = append(c.components, compilePatternIn(s, a))
	return c
}

// compileARN splits the template at the first five colons of its own text (a
// colon inside a variable's value does not split), then compiles each component.
func compileARN(t *template, ctx Context) (compiledARN, bool) {
	var whole patternBuilder
	parts := t.parts
	if parts == nil {
		parts = []templatePart{{kind: partText, text: t.raw}}
	}
	comps := make([]patternBuilder, 1, arnComponents)
	for i := range parts {
		part := &parts[i]
		switch part.kind {
		case partText:
			whole.wild(part.text)
			s := part.text
			for len(comps) < arnComponents {
				j := strings.IndexByte(s, ':')
				if j < 0 {
					break
				}
				comps[len(comps)-1].wild(s[:j])
				comps = append(comps, patternBuilder{})
				s = s[j+1:]
			}
			comps[len(comps)-1].wild(s)
		case partLiteral:
			whole.literal(part.text)
			comps[len(comps)-1].literal(part.text)
		case partVar:
			v, ok := part.resolve(ctx)
			if !ok {
				return compiledARN{}, false
			}
			whole.literal(v)
			comps[len(comps)-1].literal(v)
		}
	}
	c := compiledARN{whole: whole.pattern()}
	if len(comps) == arnComponents {
		c.components = make([]pattern, arnComponents)
		for i := range comps {
			c.components[i] = comps[i].pattern()
		}
	}
	return c, true
}

// match reports whether value matches the pattern in the request context ctx.
// resolved is false when the pattern holds a policy variable the request cannot
// fill; matched is then false too.
func (p *arnPattern) match(value string, ev *evaluation) (matched, resolved bool) {
	v := splitARN(value)
	return p.matchSplit(&v, ev)
}

// arnValue is a value to match against ARN patterns, split once into its six
// components (when it has five colons) for all the patterns it is matched with.
type arnValue struct {
	s string
	// colons holds the positions of the first five colons of s, when isARN.
	colons [arnComponents - 1]int
	isARN  bool
}

func splitARN(s string) arnValue {
	v := arnValue{s: s}
	at := 0
	for i := range v.colons {
		j := strings.IndexByte(s[at:], ':')
		if j < 0 {
			return v
		}
		v.colons[i] = at + j
		at += j + 1
	}
	v.isARN = true
	return v
}

// comp returns component i (0 to 5) of an ARN value; the sixth is everything
// after the fifth colon.
func (v *arnValue) comp(i int) string {
	start, end := 0, len(v.s)
	if i > 0 {
		start = v.colons[i-1] + 1
	}
	if i < len(v.colons) {
		end = v.colons[i]
	}
	return v.s[start:end]
}

// matchSplit is match on a split value.
func (p *arnPattern) matchSplit(value *arnValue, ev *evaluation) (matched, resolved bool) {
	ctx := ev.req.Context
	c := &p.static
	if p.tmpl.vars {
		if p.vars.comps != nil {
			// A variable without a value makes the entry inapplicable,
			// whatever the other variables hold.
			if !p.tmpl.resolvable(ev) {
				return false, false
			}
			return p.vars.match(value, ev), true
		}
		if text, ok, plain := p.tmpl.renderText(ctx); plain {
			// The variables' values hold no wildcard characters and no colons, so
			// the rendered text reads as policy text with the same meaning.
			return ok && matchARNText(text, value.s), ok
		}
		dyn, ok := compileARN(&p.tmpl, ctx)
		if !ok {
			return false, false
		}
		c = &dyn
	}
	return c.match(value), true
}

func (c *compiledARN) match(value *arnValue) bool {
	if c.components == nil {
		return c.whole.match(value.s)
	}
	if !value.isARN {
		return false
	}
	for i := range arnComponents {
		if !c.components[i].match(value.comp(i)) {
			return false
		}
	}
	return true
}

// matchARNText matches value against policy text pat without compiling it.
func matchARNText(pat, value string) bool {
	if strings.Count(pat, ":") < arnComponents-1 {
		return globMatch(pat, value)
	}
	for i := 0; i < arnComponents-1; i++ {
		j := strings.IndexByte(pat, ':')
		k := strings.IndexByte(value, ':')
		if k < 0 || !globMatch(pat[:j], value[:k]) {
			return false
		}
		pat, value = pat[j+1:], value[k+1:]
	}
	return globMatch(pat, value)
}

// varGlob matches text against a pattern that holds policy variables without
// building the substituted pattern, for the usual shape of such a pattern: its
// variables come before its first star ("${aws:PrincipalAccount}",
// "group/${aws:username}/*"). head is what precedes the first star: text whose
// "?" are wildcards, and variables, whose values match literally; tail is the
// rest, compiled once since it holds no variable. Neither needs backtracking:
// head has no star, so it matches one way or none.
type varGlob struct {
	head []headPart
	tail pattern
}

// headPart is a variable, or text with its piece for matching.
type headPart struct {
	templatePart
	piece piece
}

// newVarGlob compiles parts (text and variables, no escapes) as one glob; ok is
// false when a variable follows a star. parts is copied, not kept.
func newVarGlob(parts []templatePart, a *arena) (g varGlob, ok bool) {
	if len(parts) == 1 && parts[0].kind == partText {
		// No variable in this component: all of it is the tail.
		g.tail = compilePatternIn(parts[0].text, a)
		return g, true
	}
	n := len(parts)
	for i := range parts {
		part := &parts[i]
		if part.kind == partLiteral {
			return varGlob{}, false
		}
		if part.kind == partText && strings.IndexByte(part.text, '*') >= 0 {
			if i+1 < len(parts) {
				return varGlob{}, false // a variable after the star
			}
			n = i + 1
		}
	}
	g.head = take(a.headSlab(), n)
	g.tail = emptyPattern
	for i := range g.head {
		h := &g.head[i]
		h.templatePart = parts[i]
		if h.kind != partText {
			continue
		}
		if star := strings.IndexByte(h.text, '*'); star >= 0 {
			g.tail = compilePatternIn(h.text[star:], a)
			h.text = h.text[:star]
		}
		h.piece = textPiece(h.text)
	}
	return g, true
}

// emptyPattern matches only "". Compiled patterns are never modified, so
// documents share it.
var emptyPattern = compilePattern("")

// match reports whether s matches, the variables taking their values in the
// request; each variable must have a value (or a default).
func (g *varGlob) match(s string, ev *evaluation) bool {
	i := 0
	for k := range g.head {
		part := &g.head[k]
		if part.kind == partText {
			end, ok := part.piece.matchAt(s, i, len(s), nil)
			if !ok {
				return false
			}
			i = end
			continue
		}
		v, ok := part.templatePart.resolveIn(ev)
		if !ok || !strings.HasPrefix(s[i:], v) {
			return false
		}
		i += len(v)
	}
	return g.tail.match(s[i:])
}

// varARN is an ARN pattern with variables compiled for matching without
// substitution: six components, or one glob over the whole value when the
// pattern's own text has fewer than five colons (the variables' values never
// split a component).
type varARN struct {
	comps []varGlob
}

// newVarARN compiles t, which holds variables; ok is false when a component
// is not of the shape varGlob handles (or t holds an escape).
func newVarARN(t *template, a *arena) (v varARN, ok bool) {
	colons := 0
	for i := range t.parts {
		if t.parts[i].kind == partLiteral {
			return varARN{}, false
		}
		if t.parts[i].kind == partText {
			colons += strings.Count(t.parts[i].text, ":")
		}
	}
	if colons < arnComponents-1 {
		g, ok := newVarGlob(t.parts, a)
		if !ok {
			return varARN{}, false
		}
		v.comps = take(a.varGlobSlab(), 1)
		v.comps[0] = g
		return v, true
	}
	// Split the parts at the first five colons of their text, collecting each
	// component's parts in comp.
	v.comps = take(a.varGlobSlab(), arnComponents)[:0]
	var compBuf [8]templatePart
	comp := compBuf[:0]
	add := func(part templatePart) bool {
		if len(comp) == len(compBuf) {
			return false // a long component: left to the general matcher
		}
		comp = append(comp, part)
		return true
	}
	for i := range t.parts {
		part := t.parts[i]
		if part.kind != partText {
			if !add(part) {
				return varARN{}, false
			}
			continue
		}
		s := part.text
		for len(v.comps) < arnComponents-1 {
			j := strings.IndexByte(s, ':')
			if j < 0 {
				break
			}
			if j > 0 || len(comp) == 0 {
				if !add(templatePart{kind: partText, text: s[:j]}) {
					return varARN{}, false
				}
			}
			g, ok := newVarGlob(comp, a)
			if !ok {
				return varARN{}, false
			}
			v.comps = append(v.comps, g)
			comp = comp[:0]
			s = s[j+1:]
		}
		if s != "" || len(comp) == 0 {
			if !add(templatePart{kind: partText, text: s}) {
				return varARN{}, false
			}
		}
	}
	g, ok := newVarGlob(comp, a)
	if !ok {
		return varARN{}, false
	}
	v.comps = append(v.comps, g)
	return v, true
}

func (v *varARN) match(value *arnValue, ev *evaluation) bool {
	if len(v.comps) == 1 {
		return v.comps[0].match(value.s, ev)
	}
	if !value.isARN {
		return false
	}
	for i := range arnComponents {
		if !v.comps[i].match(value.comp(i), ev) {
			return false
		}
	}
	return true
}
