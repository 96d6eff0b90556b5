package policy

import "strings"

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
	action := lowerASCII(req.Action)
	who := newCaller(&req.Principal)
	var allows, denies []StatementRef
	for pi, pol := range policies {
		if pol == nil {
			continue
		}
		for si := range pol.Statements {
			st := &pol.Statements[si]
			if st.Effect == EffectAllow && len(denies) > 0 {
				continue // an Allow cannot change the outcome any more
			}
			if !st.applies(req, &who, action) {
				continue
			}
			ref := StatementRef{Policy: pi, Position: st.Position, Sid: st.Sid, Statement: st}
			if st.Effect == EffectDeny {
				denies = append(denies, ref)
			} else {
				if allows == nil {
					allows = make([]StatementRef, 0, len(pol.Statements)-si)
				}
				allows = append(allows, ref)
			}
		}
	}
	switch {
	case len(denies) > 0:
		return Result{Decision: Deny, Statements: denies}
	case len(allows) > 0:
		return Result{Decision: Allow, Statements: allows}
	}
	return Result{Decision: ImplicitDeny}
}

// applies reports whether every element of the statement matches the request:
// its principal, its action, its resource, and all of its conditions (IAM JSON
// policy elements reference: elements are AND'ed; within Condition, operators
// and keys are AND'ed and each key's values are OR'ed). action is the request's
// action in lower case.
func (s *Statement) applies(req *Request, who *caller, action string) bool {
	if s.Effect != EffectAllow && s.Effect != EffectDeny {
		return false
	}
	if s.principals.matches(who) == s.notPrincipal {
		return false
	}
	if matchAction(s.actions, action) == s.notAction {
		return false
	}
	if matched, resolved := anyARN(s.resources, req.Resource, req.Context); !resolved || matched == s.notResource {
		// An entry whose policy variable the request cannot fill makes the
		// statement inapplicable, Resource or NotResource alike (IAM User Guide,
		// "IAM policy elements: Variables and tags").
		return false
	}
	for i := range s.conditions {
		if !s.conditions[i].evaluate(req.Context) {
			return false
		}
	}
	return true
}

// matchAction matches a lower-case request action against an Action element.
func matchAction(ps []actionPattern, action string) bool {
	service, name, ok := strings.Cut(action, ":")
	xray := ok && service == "xray"
	for i := range ps {
		if ps[i].all || (xray && ps[i].name.match(name)) {
			return true
		}
	}
	return false
}

// anyARN reports whether s matches one of ps; resolved is false when an entry
// holds a policy variable the request cannot fill.
func anyARN(ps []arnPattern, s string, ctx Context) (matched, resolved bool) {
	resolved = true
	for i := range ps {
		m, r := ps[i].match(s, ctx)
		if !r {
			return false, false
		}
		matched = matched || m
	}
	return matched, resolved
}
