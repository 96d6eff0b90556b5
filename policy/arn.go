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
}

type compiledARN struct {
	components []pattern // six when the pattern is ARN-shaped
	whole      pattern   // used when it is not
}

// newARNPattern compiles t.
func newARNPattern(t template) arnPattern { return newARNPatternIn(t, nil) }

// newARNPatternIn compiles t with its pieces cut from a's slabs.
func newARNPatternIn(t template, a *arena) arnPattern {
	p := arnPattern{tmpl: t}
	switch {
	case t.parts == nil:
		p.static = compileARNTextIn(t.raw, a)
	case !t.vars:
		p.static, _ = compileARN(&t, Context{})
	}
	return p
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
func (p *arnPattern) match(value string, ctx Context) (matched, resolved bool) {
	c := &p.static
	if p.tmpl.vars {
		if text, ok, plain := p.tmpl.renderText(ctx); plain {
			// The variables' values hold no wildcard characters and no colons, so
			// the rendered text reads as policy text with the same meaning.
			return ok && matchARNText(text, value), ok
		}
		dyn, ok := compileARN(&p.tmpl, ctx)
		if !ok {
			return false, false
		}
		c = &dyn
	}
	return c.match(value), true
}

func (c *compiledARN) match(value string) bool {
	if c.components == nil {
		return c.whole.match(value)
	}
	for i := 0; i < arnComponents-1; i++ {
		j := strings.IndexByte(value, ':')
		if j < 0 {
			return false // the value is not an ARN
		}
		if !c.components[i].match(value[:j]) {
			return false
		}
		value = value[j+1:]
	}
	return c.components[arnComponents-1].match(value)
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
