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

func newARNPattern(t template) arnPattern {
	p := arnPattern{tmpl: t}
	if !t.vars {
		p.static, _ = compileARN(&t, Context{})
	}
	return p
}

// compileARN splits the template at the first five colons of its own text (a
// colon inside a variable's value does not split), then compiles each component.
func compileARN(t *template, ctx Context) (compiledARN, bool) {
	var whole patternBuilder
	comps := make([]patternBuilder, 1, arnComponents)
	for i := range t.parts {
		part := &t.parts[i]
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
func (p *arnPattern) match(value string, ctx Context) bool {
	c := &p.static
	if p.tmpl.vars {
		dyn, ok := compileARN(&p.tmpl, ctx)
		if !ok {
			return false
		}
		c = &dyn
	}
	return c.match(value)
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
