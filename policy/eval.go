package policy

import (
	"slices"
	"strings"
)

// StatementRef names a statement that decided a request.
type StatementRef struct {
	Policy    int // index of the policy among those evaluated together (0 for a single policy)
	Position  int // 1-based position of the statement in its policy
	Sid       string
	Statement *Statement
}

// String returns the statement's Sid, or its 1-based position when it has none.
func (r StatementRef) String() string { return r.Statement.Ref() }

// Result is the outcome of an evaluation: the decision, and the statements that
// decided it (the applicable Deny statements for Deny, the applicable Allow
// statements for Allow, none for ImplicitDeny).
type Result struct {
	Decision   Decision
	Statements []StatementRef
}

// Evaluate decides req against this policy alone. It never fails: a request that
// matches nothing is implicitly denied.
func (p *Policy) Evaluate(req *Request) Result {
	return Evaluate([]*Policy{p}, req)
}

// Evaluate decides req against several policies together, as IAM does for all the
// resource-based policies that apply to one request: an explicit Deny in any of
// them wins; otherwise an Allow in any of them allows; otherwise the request is
// implicitly denied (IAM User Guide, "Policy evaluation logic"). Nil policies are
// skipped.
func Evaluate(policies []*Policy, req *Request) Result {
	if req == nil {
		req = &Request{} // nobody asking for nothing: only "*" statements can apply
	}
	ev := evaluation{req: req, who: newCaller(&req.Principal), resource: splitARN(req.Resource)}
	ev.readAction(req.Action)
	// The deciding statements are collected on the stack and copied once, at
	// their exact number, into the result.
	var allowBuf [8]StatementRef
	var denyBuf [4]StatementRef
	allows, denies := allowBuf[:0], denyBuf[:0]
	for pi, pol := range policies {
		if pol == nil {
			continue
		}
		ev.usePolicy(pol)
		for si := range pol.Statements {
			st := &pol.Statements[si]
			if st.Effect == EffectAllow && len(denies) > 0 {
				continue // an Allow cannot change the outcome any more
			}
			if !st.applies(&ev) {
				continue
			}
			ref := StatementRef{Policy: pi, Position: st.Position, Sid: st.Sid, Statement: st}
			if st.Effect == EffectDeny {
				denies = append(denies, ref)
			} else {
				allows = append(allows, ref)
			}
		}
	}
	switch {
	case len(denies) > 0:
		return Result{Decision: Deny, Statements: slices.Clone(denies)}
	case len(allows) > 0:
		return Result{Decision: Allow, Statements: slices.Clone(allows)}
	}
	return Result{Decision: ImplicitDeny}
}

// evaluation is the evaluation of one request: the request, and what is read
// from it once rather than for each statement.
type evaluation struct {
	req      *Request
	who      caller
	resource arnValue // the request's resource, split once
	// xray says whether the action names an X-Ray operation ("xray:..."); name
	// is then the operation's name in lower case.
	xray bool
	name string
	// reads holds request values already read as a number, a date, a boolean,
	// an address or an ARN's components: a policy tends to test the same keys
	// in every statement.
	reads  [6]cachedRead
	nreads int
	// keys holds the context's values of the current policy's keys, by their
	// position in Policy.keys, once looked up: the statements of a policy test
	// the same few keys. nkeys is how many the policy has, or 0 when they are
	// too many to cache.
	keys  [8]cachedKey
	nkeys int
}

type cachedKey struct {
	values []string
	ok     bool
	done   bool
}

// usePolicy prepares the key cache for the statements of pol.
func (ev *evaluation) usePolicy(pol *Policy) {
	ev.nkeys = len(pol.keys)
	if ev.nkeys > len(ev.keys) {
		ev.nkeys = 0
	}
	clear(ev.keys[:ev.nkeys])
}

// lookup returns the request context's values of key, which is in lower case
// and at position id among the current policy's keys (-1 when not known).
func (ev *evaluation) lookup(id int32, key string) ([]string, bool) {
	if id < 0 || int(id) >= ev.nkeys {
		return ev.req.Context.lookup(key)
	}
	k := &ev.keys[id]
	if !k.done {
		k.values, k.ok = ev.req.Context.lookup(key)
		k.done = true
	}
	return k.values, k.ok
}

type cachedRead struct {
	family family
	ok     bool
	value  requestValue
}

// readAction splits the request's action into service and operation. The
// operation names of the service model have their lower case at hand, so the
// usual action costs no allocation.
func (ev *evaluation) readAction(action string) {
	service, name, ok := strings.Cut(action, ":")
	if !ok || !isXRayService(service) {
		return
	}
	ev.xray = true
	if l, known := lowerOperationName[name]; known {
		ev.name = l
	} else {
		ev.name = lowerASCII(name)
	}
}

// isXRayService reports whether s is "xray" ignoring the case of ASCII letters.
func isXRayService(s string) bool {
	return len(s) == 4 && s[0]|0x20 == 'x' && s[1]|0x20 == 'r' && s[2]|0x20 == 'a' && s[3]|0x20 == 'y'
}

// read returns s read as f's type, from the cache when the same value was read
// for the same family before.
func (ev *evaluation) read(f family, s string) (*requestValue, bool) {
	switch f {
	case famNumeric, famDate, famBool, famIP, famARN:
	default:
		// Compared as text: nothing to read.
		q := &ev.reads[len(ev.reads)-1].value
		q.s = s
		return q, true
	}
	for i := 0; i < ev.nreads; i++ {
		if c := &ev.reads[i]; c.family == f && c.value.s == s {
			return &c.value, c.ok
		}
	}
	if ev.nreads == len(ev.reads)-1 {
		// Full (the last entry is the scratch for text): read without caching.
		var q requestValue
		ok := q.read(f, s)
		c := &ev.reads[len(ev.reads)-1]
		c.value = q
		return &c.value, ok
	}
	c := &ev.reads[ev.nreads]
	ev.nreads++
	c.family = f
	c.ok = c.value.read(f, s)
	c.value.s = s
	return &c.value, c.ok
}

// applies reports whether every element of the statement matches the request:
// its principal, its action, its resource, and all of its conditions (IAM JSON
// policy elements reference: elements are AND'ed; within Condition, operators
// and keys are AND'ed and each key's values are OR'ed).
func (s *Statement) applies(ev *evaluation) bool {
	if s.Effect != EffectAllow && s.Effect != EffectDeny {
		return false
	}
	if s.principals.matches(&ev.who) == s.notPrincipal {
		return false
	}
	if matchAction(s.actions, ev.xray, ev.name) == s.notAction {
		return false
	}
	if matched, resolved := anyARN(s.resources, &ev.resource, ev); !resolved || matched == s.notResource {
		// An entry whose policy variable the request cannot fill makes the
		// statement inapplicable, Resource or NotResource alike (IAM User Guide,
		// "IAM policy elements: Variables and tags").
		return false
	}
	for i := range s.conditions {
		if !s.conditions[i].evaluate(ev) {
			return false
		}
	}
	return true
}

// matchAction matches a request action against an Action element: xray says
// whether it is an X-Ray action, name is its operation in lower case.
func matchAction(ps []actionPattern, xray bool, name string) bool {
	for i := range ps {
		if ps[i].all || (xray && ps[i].name.match(name)) {
			return true
		}
	}
	return false
}

// anyARN reports whether s matches one of ps; resolved is false when an entry
// holds a policy variable the request cannot fill. Once an entry matches, the
// rest are only checked for such variables.
func anyARN(ps []arnPattern, s *arnValue, ev *evaluation) (matched, resolved bool) {
	for i := range ps {
		p := &ps[i]
		if matched {
			if p.tmpl.vars && !p.tmpl.resolvable(ev) {
				return false, false
			}
			continue
		}
		m, r := p.matchSplit(s, ev)
		if !r {
			return false, false
		}
		matched = m
	}
	return matched, true
}
