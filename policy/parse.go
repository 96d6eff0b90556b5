package policy

import (
	"strconv"
	"strings"
)

// Versions a document may declare (rule V-2; IAM JSON policy elements reference: Version).
const (
	Version2012 = "2012-10-17"
	Version2008 = "2008-10-17"
)

// Parse reads and validates a policy document (rules V-1..V-12). It returns the
// parsed policy, or a *ValidationError listing every problem in document order.
// It never panics, and its work is linear in the document's length.
func Parse(document string) (*Policy, error) {
	p := &parser{a: newArena(len(document))}
	pol := p.document(document)
	if len(p.problems) > 0 {
		return nil, &ValidationError{Problems: p.problems}
	}
	return pol, nil
}

type parser struct {
	a        *arena
	t        *jsonTape // the document being read
	problems []Problem
	// variables is whether policy variables are recognised: only under Version
	// 2012-10-17 (IAM JSON policy elements reference: Version).
	variables bool
	// statement context for problems
	pos int
	sid string
	// list holds what stringList read last. Its callers are done with the
	// strings before the next call and copy what they keep into the arena,
	// so the lists cost the policy nothing.
	list [16]string
}

func (p *parser) add(rule, element, msg string) {
	p.problems = append(p.problems, Problem{Rule: rule, Statement: p.pos, Sid: p.sid, Element: element, Message: msg})
}

// duplicates reports members of obj whose name appeared before: a document that
// says two different things under one name is ambiguous, so it is refused
// rather than read as its last member. The element is element+suffix, joined
// only when there is something to report.
func (p *parser) duplicates(rule, element, suffix string, obj int) {
	t := p.t
	n := t.count(obj)
	if n < 2 {
		return
	}
	report := func(key string) {
		p.add(rule, element+suffix, "has the key "+quote(key)+" more than once")
	}
	if n <= 16 {
		// Few members, the usual case: comparing pairs costs less than a map.
		var keys [16]string
		for i, m := 0, t.first(obj); i < n; i, m = i+1, t.after(m+1) {
			keys[i] = t.text(m)
			for j := 0; j < i; j++ {
				if keys[j] == keys[i] {
					report(keys[i])
					break
				}
			}
		}
		return
	}
	seen := make(map[string]struct{}, n)
	for i, m := 0, t.first(obj); i < n; i, m = i+1, t.after(m+1) {
		key := t.text(m)
		if _, dup := seen[key]; dup {
			report(key)
		}
		seen[key] = struct{}{}
	}
}

func (p *parser) document(doc string) *Policy {
	if strings.TrimSpace(doc) == "" {
		p.add("V-1", "", "the policy document is empty; it must be a JSON object")
		return nil
	}
	scratch := jsonScratchPool.Get().(*jsonScratch)
	defer scratch.release()
	t, err := readJSON(doc, scratch)
	if err != nil {
		p.add("V-1", "", "the policy document is "+err.Error())
		return nil
	}
	p.t = t
	defer func() { p.t = nil }()
	const root = 0
	if t.kind(root) != jsonObject {
		p.add("V-1", "", "the policy document is "+t.kind(root).String()+"; it must be a JSON object")
		return nil
	}
	p.duplicates("V-1", "", "", root)
	pol := &Policy{}
	statements := -1
	for i, m := 0, t.first(root); i < t.count(root); i, m = i+1, t.after(m+1) {
		v := m + 1
		switch key := t.text(m); key {
		case "Version":
			if t.kind(v) != jsonString || (t.text(v) != Version2012 && t.text(v) != Version2008) {
				p.add("V-2", "Version", p.describe(v)+" is not \"2012-10-17\" or \"2008-10-17\"")
				continue
			}
			pol.Version = t.text(v)
		case "Id":
			if t.kind(v) != jsonString {
				p.add("V-1", "Id", "is "+t.kind(v).String()+"; it must be a string")
				continue
			}
			pol.ID = t.text(v)
		case "Statement":
			// With Statement repeated (refused above), the last one is
			// read and its problems reported too.
			statements = v
		default:
			p.add("V-1", "", "unknown key "+quote(key)+"; a policy document has only Version, Id and Statement")
		}
	}
	p.variables = pol.Version == Version2012
	switch {
	case statements < 0:
		p.add("V-3", "Statement", "is missing; a policy needs at least one statement")
	case t.kind(statements) == jsonObject:
		pol.Statements = make([]Statement, 1)
		p.statement(&pol.Statements[0], 1, statements)
	case t.kind(statements) == jsonArray && t.count(statements) > 0:
		n := t.count(statements)
		pol.Statements = make([]Statement, n)
		// Few statements, the usual case: comparing Sids in pairs costs less
		// than a map; many go through a map, so the work stays linear (V-12).
		var sids map[string]int
		if n > maxPairwise {
			sids = make(map[string]int, n)
		}
		for i, v := 0, t.first(statements); i < n; i, v = i+1, t.after(v) {
			st := &pol.Statements[i]
			p.statement(st, i+1, v)
			if st.Sid != "" {
				if first := p.firstSid(pol.Statements[:i], sids, st.Sid); first > 0 {
					p.pos, p.sid = i+1, st.Sid
					p.add("V-4", "Sid", "is also the Sid of statement "+strconv.Itoa(first)+"; Sids must be unique in a policy")
				} else if sids != nil {
					sids[st.Sid] = i + 1
				}
			}
		}
	case t.kind(statements) == jsonArray:
		p.add("V-3", "Statement", "is an empty array; a policy needs at least one statement")
	default:
		p.add("V-3", "Statement", "is "+t.kind(statements).String()+"; it must be a statement object or an array of them")
	}
	p.pos, p.sid = 0, ""
	pol.keys = p.a.keys
	return pol
}

// maxPairwise is the number of statements, or of an object's members, up to
// which duplicates are found by comparing pairs rather than through a map.
const maxPairwise = 32

// firstSid returns the position of the first statement before those checked
// so far whose Sid is sid, or 0. With sids nil it compares with each earlier
// statement; otherwise sids maps each Sid seen to its first position.
func (p *parser) firstSid(earlier []Statement, sids map[string]int, sid string) int {
	if sids != nil {
		return sids[sid]
	}
	for i := range earlier {
		if earlier[i].Sid == sid {
			return earlier[i].Position
		}
	}
	return 0
}

// describe renders the JSON value at node v in a message.
func (p *parser) describe(v int) string {
	return describeValue(p.t.kind(v), p.t.text(v))
}

func describeValue(kind jsonKind, text string) string {
	switch kind {
	case jsonString:
		return quote(text)
	case jsonNumber, jsonBool, jsonNull:
		return text
	}
	return kind.String()
}

// statementMembers holds a statement's members by name (the first of
// duplicates): the node of each value, 0 when absent (node 0 is the document).
type statementMembers struct {
	sid, effect, principal, notPrincipal, action, notAction, resource, notResource, condition int
}

func (sm *statementMembers) slot(key string) *int {
	switch key {
	case "Sid":
		return &sm.sid
	case "Effect":
		return &sm.effect
	case "Principal":
		return &sm.principal
	case "NotPrincipal":
		return &sm.notPrincipal
	case "Action":
		return &sm.action
	case "NotAction":
		return &sm.notAction
	case "Resource":
		return &sm.resource
	case "NotResource":
		return &sm.notResource
	case "Condition":
		return &sm.condition
	}
	return nil
}

// statement reads the statement at node v into st, which is zero: the parser
// fills the policy's statements where they are, a Statement being large to copy.
func (p *parser) statement(st *Statement, pos int, v int) {
	t := p.t
	p.pos, p.sid = pos, ""
	st.Position = pos
	if t.kind(v) != jsonObject {
		p.add("V-3", "", "is "+t.kind(v).String()+"; a statement is a JSON object")
		return
	}
	// One pass finds the members, the first of each name, and the Sid that
	// problems are reported with (the last string Sid). Only a statement
	// with a repeated or unknown name has problems to report, found in a
	// second pass in the document's order: repeated names first.
	var members statementMembers
	n := t.count(v)
	clean := true
	for i, m := 0, t.first(v); i < n; i, m = i+1, t.after(m+1) {
		key := t.text(m)
		if key == "Sid" && t.kind(m+1) == jsonString {
			st.Sid = t.text(m + 1)
			p.sid = st.Sid
		}
		slot := members.slot(key)
		if slot == nil || *slot != 0 {
			clean = false
			continue
		}
		*slot = m + 1
	}
	if !clean {
		p.duplicates("V-4", "", "", v)
		for i, m := 0, t.first(v); i < n; i, m = i+1, t.after(m+1) {
			if key := t.text(m); members.slot(key) == nil {
				p.add("V-4", "", "unknown key "+quote(key)+"; a statement has only Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition")
			}
		}
	}
	if sid := members.sid; sid != 0 && t.kind(sid) != jsonString {
		p.add("V-4", "Sid", "is "+t.kind(sid).String()+"; it must be a string")
	}

	switch e := members.effect; {
	case e == 0:
		p.add("V-5", "Effect", "is missing; it must be \"Allow\" or \"Deny\"")
	case t.kind(e) == jsonString && t.text(e) == "Allow":
		st.Effect = EffectAllow
	case t.kind(e) == jsonString && t.text(e) == "Deny":
		st.Effect = EffectDeny
	default:
		// IAM: "The Effect element is required ... Valid values for Effect are
		// Allow and Deny. The Effect value is case sensitive."
		p.add("V-5", "Effect", p.describe(e)+" is not \"Allow\" or \"Deny\" (case-sensitive)")
	}

	if elem, v, not, ok := p.exactlyOne("V-6", "Principal", members.principal, members.notPrincipal,
		"a resource policy must name who it applies to"); ok {
		st.notPrincipal = not
		p.principal(&st.principals, elem, v)
		if not && st.Effect == EffectAllow {
			// IAM JSON policy elements reference, NotPrincipal: AWS strongly
			// recommends against NotPrincipal with Allow; rule V-6 refuses it.
			p.add("V-6", "NotPrincipal", "is only allowed in a statement whose Effect is \"Deny\"")
		}
	}
	if elem, v, not, ok := p.exactlyOne("V-8", "Action", members.action, members.notAction,
		"give Action or NotAction"); ok {
		st.notAction = not
		st.actions = p.actions(elem, v)
	}
	if elem, v, not, ok := p.exactlyOne("V-9", "Resource", members.resource, members.notResource,
		"give Resource (\"*\" for X-Ray) or NotResource"); ok {
		st.notResource = not
		st.resources = p.resources(elem, v)
	}

	if c := members.condition; c != 0 {
		st.conditions = p.conditions(c)
	}
}

// exactlyOne applies "exactly one of Name / NotName" (rules V-6, V-8, V-9) to a
// statement's members pos and neg (0 when absent). It returns the element present, its
// value and whether it is the Not form; ok is false after a problem was reported, with
// missing saying what to give when neither is there.
func (p *parser) exactlyOne(rule, name string, pos, neg int, missing string) (elem string, v int, not, ok bool) {
	switch {
	case pos != 0 && neg != 0:
		p.add(rule, "", "has both "+name+" and Not"+name+"; give exactly one")
	case pos == 0 && neg == 0:
		p.add(rule, "", "has no "+name+"; "+missing)
	case pos != 0:
		return name, pos, false, true
	default:
		return "Not" + name, neg, true, true
	}
	return "", 0, false, false
}

// stringList reads a string or a non-empty array of strings. The list is
// valid until the next call.
func (p *parser) stringList(rule, element string, v int) ([]string, bool) {
	t := p.t
	switch kind := t.kind(v); {
	case kind == jsonString:
		p.list[0] = t.text(v)
		return p.list[:1], true
	case kind == jsonArray && t.count(v) > 0:
		n := t.count(v)
		out := p.list[:0] // a longer list grows onto the heap
		ok := true
		for i, it := 0, t.first(v); i < n; i, it = i+1, t.after(it) {
			if t.kind(it) != jsonString {
				p.add(rule, element, "has "+t.kind(it).String()+" in its array; each entry must be a string")
				ok = false
				continue
			}
			out = append(out, t.text(it))
		}
		return out, ok
	case kind == jsonArray:
		p.add(rule, element, "is an empty array; it must be a string or a non-empty array of strings")
	default:
		p.add(rule, element, "is "+kind.String()+"; it must be a string or a non-empty array of strings")
	}
	return nil, false
}

// principal reads a Principal or NotPrincipal element (rule V-7) into ps, which is zero.
func (p *parser) principal(ps *principalSet, element string, v int) {
	t := p.t
	if t.kind(v) == jsonString {
		if t.text(v) == "*" {
			ps.everyone = true
		} else {
			p.add("V-7", element, p.describe(v)+" is not \"*\"; name principals in an object such as {\"AWS\": \"123456789012\"} or {\"Service\": \"sns.amazonaws.com\"}")
		}
		return
	}
	if t.kind(v) != jsonObject {
		p.add("V-7", element, "is "+t.kind(v).String()+"; it must be \"*\" or an object with AWS, Service, Federated or CanonicalUser")
		return
	}
	if t.count(v) == 0 {
		p.add("V-7", element, "is an empty object; name at least one principal")
		return
	}
	p.duplicates("V-7", element, "", v)
	for i, m := 0, t.first(v); i < t.count(v); i, m = i+1, t.after(m+1) {
		key := t.text(m)
		switch key {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			p.add("V-7", element, "unknown key "+quote(key)+"; use AWS, Service, Federated or CanonicalUser")
			continue
		}
		el := principalElement(element, key)
		vals, _ := p.stringList("V-7", el, m+1)
		for vi, s := range vals {
			room := len(vals) - vi // what the lists may still receive from this key
			switch key {
			case "AWS":
				switch {
				case s == "*":
					ps.everyone = true
				case isAccountID(s):
					ps.accounts = p.appendString(ps.accounts, s, room)
				default:
					a, err := parseAWSPrincipalARN(s)
					if err != nil {
						p.add("V-7", el, quote(s)+" is not \"*\", a 12-digit account id, or an IAM or STS principal ARN: it "+err.Error())
						continue
					}
					switch a.kind {
					case "root":
						ps.accounts = p.appendString(ps.accounts, a.account, room)
					case "role":
						if ps.roles == nil {
							ps.roles = take(&p.a.roles, room)[:0]
						}
						ps.roles = append(ps.roles, a)
					default:
						ps.arns = p.appendString(ps.arns, s, room)
					}
				}
			case "Service":
				if !isServicePrincipal(s) {
					p.add("V-7", el, quote(s)+" is not a service principal; service principals end in .amazonaws.com or .amazonaws.com.cn")
					continue
				}
				ps.services = p.appendString(ps.services, s, room)
			case "Federated":
				if s == "" {
					p.add("V-7", el, "is empty")
					continue
				}
				ps.federated = p.appendString(ps.federated, s, room)
			case "CanonicalUser":
				if s == "" {
					p.add("V-7", el, "is empty")
					continue
				}
				ps.canonical = p.appendString(ps.canonical, s, room)
			}
		}
	}
}

// appendString appends s to list, giving an empty list room for the values
// still to come from the arena rather than growing it one value at a time.
func (p *parser) appendString(list []string, s string, room int) []string {
	if list == nil {
		list = take(&p.a.strs, room)[:0]
	}
	return append(list, s)
}

// principalElement names a principal key in messages, as "Principal.AWS".
// The usual names are constants, so naming them allocates nothing.
func principalElement(element, key string) string {
	if element == "Principal" {
		switch key {
		case "AWS":
			return "Principal.AWS"
		case "Service":
			return "Principal.Service"
		case "Federated":
			return "Principal.Federated"
		case "CanonicalUser":
			return "Principal.CanonicalUser"
		}
	}
	return element + "." + key
}

// actions reads an Action or NotAction element (rule V-8).
func (p *parser) actions(element string, v int) []actionPattern {
	vals, _ := p.stringList("V-8", element, v)
	out := take(&p.a.actions, len(vals))[:0]
	for _, s := range vals {
		if s == "*" {
			out = append(out, actionPattern{all: true})
			continue
		}
		service, name, ok := strings.Cut(s, ":")
		if !ok || !isXRayService(service) {
			p.add("V-8", element, quote(s)+" is not an X-Ray action; use \"*\" or xray:<Operation>")
			continue
		}
		if name == "" {
			p.add("V-8", element, quote(s)+" names no operation")
			continue
		}
		if !hasWildcard(name) {
			// An operation name: look it up rather than match it against
			// each one, first as the model spells it, the usual case.
			pat, ok := operationPatternBySpelling[name]
			if !ok {
				pat, ok = operationPatternByLower[lowerASCII(name)]
			}
			if !ok {
				p.add("V-8", element, quote(s)+" is not an X-Ray action: X-Ray has no operation "+quote(name))
				continue
			}
			out = append(out, actionPattern{name: pat})
			continue
		}
		lname := lowerASCII(name)
		pat := compilePatternIn(lname, p.a)
		if !matchesSomeOperation(&pat, lname) {
			p.add("V-8", element, quote(s)+" matches no X-Ray action")
			continue
		}
		out = append(out, actionPattern{name: pat})
	}
	return out
}

// resources reads a Resource or NotResource element (rules V-9, V-11).
func (p *parser) resources(element string, v int) []arnPattern {
	vals, _ := p.stringList("V-9", element, v)
	out := take(&p.a.arns, len(vals))[:0]
	for _, s := range vals {
		t, err := parseTemplateIn(s, p.variables, p.a)
		if err != nil {
			p.add("V-11", element, quote(s)+" "+err.Error())
			continue
		}
		if t.parts == nil && s != "*" {
			// Plain text, the usual case: split it once, for the check and
			// for the compiled form.
			c, msg := p.compileXRayARN(s)
			if msg != "" {
				p.add("V-9", element, quote(s)+" "+msg)
				continue
			}
			out = out[:len(out)+1]
			out[len(out)-1].tmpl, out[len(out)-1].static = t, c
			continue
		}
		if s != "*" {
			if msg := checkXRayARN(&t); msg != "" {
				p.add("V-9", element, quote(s)+" "+msg)
				continue
			}
		}
		out = out[:len(out)+1]
		out[len(out)-1].compileIn(t, p.a)
	}
	return out
}

// compileXRayARN compiles plain policy text that must be an X-Ray ARN, as
// compileARNTextIn does, or returns why it is not one, as checkXRayARN does.
func (p *parser) compileXRayARN(s string) (compiledARN, string) {
	const want = "is not \"*\" or an X-Ray ARN (arn:<partition>:xray:<region>:<account>:<resource>)"
	var comps [arnComponents]string
	rest := s
	for i := 0; i < arnComponents-1; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return compiledARN{}, want
		}
		comps[i], rest = rest[:j], rest[j+1:]
	}
	comps[arnComponents-1] = rest
	if comps[0] != "arn" || comps[1] == "" || comps[5] == "" {
		return compiledARN{}, want
	}
	c := compiledARN{components: take(p.a.patternSlab(), arnComponents)}
	for i := range comps {
		c.components[i] = compilePatternIn(comps[i], p.a)
	}
	// The service component, compiled, is what globMatch would compile.
	if !c.components[2].match("xray") {
		return compiledARN{}, "is not an X-Ray resource: its service is " + quote(comps[2]) + ", not xray"
	}
	return c, ""
}

// checkXRayARN checks that a Resource with policy variables or escapes is
// arn:<partition>:xray:<region>:<account>:<resource>, where any component may
// hold wildcards or variables (plain text goes through compileXRayARN). It
// returns why not, or "" when it is.
func checkXRayARN(t *template) string {
	const want = "is not \"*\" or an X-Ray ARN (arn:<partition>:xray:<region>:<account>:<resource>)"
	// With variables or escapes: split at the colons of the policy's own text
	// (a colon in a variable's value does not split). A component that holds a
	// variable or an escape stands for text the request supplies; it is not
	// "arn" and not empty, and it cannot match "xray", whose characters are
	// not those of "${}", so only its presence matters, until a message
	// needs its text.
	var comps [arnComponents]string
	var withVar [arnComponents]bool
	n := 0
	for i := range t.parts {
		part := &t.parts[i]
		if part.kind != partText {
			withVar[n] = true
			continue
		}
		s := part.text
		for {
			j := strings.IndexByte(s, ':')
			if j < 0 || n == arnComponents-1 {
				break
			}
			comps[n] = s[:j]
			n++
			s = s[j+1:]
		}
		comps[n] = s
	}
	if n != arnComponents-1 {
		return want
	}
	if withVar[0] || comps[0] != "arn" || (comps[1] == "" && !withVar[1]) || (comps[5] == "" && !withVar[5]) {
		return want
	}
	if withVar[2] || !globMatch(comps[2], "xray") {
		return "is not an X-Ray resource: its service is " + quote(arnComponentText(t, 2)) + ", not xray"
	}
	return ""
}

// arnComponentText returns component i of an ARN template as policy text,
// with "${}" for each variable or escape, for messages.
func arnComponentText(t *template, i int) string {
	var cur strings.Builder
	n := 0
	for k := range t.parts {
		part := &t.parts[k]
		if part.kind != partText {
			if n == i {
				cur.WriteString("${}")
			}
			continue
		}
		s := part.text
		for {
			j := strings.IndexByte(s, ':')
			if j < 0 || n == arnComponents-1 {
				break
			}
			if n == i {
				cur.WriteString(s[:j])
			}
			n++
			s = s[j+1:]
		}
		if n == i {
			cur.WriteString(s)
		}
	}
	return cur.String()
}

// conditions reads a Condition element (rules V-10, V-11).
func (p *parser) conditions(v int) []condition {
	t := p.t
	if t.kind(v) != jsonObject {
		p.add("V-10", "Condition", "is "+t.kind(v).String()+"; it must be an object of operators")
		return nil
	}
	p.duplicates("V-10", "Condition", "", v)
	n := 0
	for i, m := 0, t.first(v); i < t.count(v); i, m = i+1, t.after(m+1) {
		n += t.count(m + 1)
	}
	var out []condition
	if n > 0 {
		out = take(&p.a.conds, n)[:0]
	} else {
		out = []condition{}
	}
	for i, m := 0, t.first(v); i < t.count(v); i, m = i+1, t.after(m+1) {
		name, block := t.text(m), m+1
		op, err := parseOperator(name)
		if err != nil {
			p.add("V-10", "Condition", quote(name)+" "+err.Error())
			continue
		}
		if t.kind(block) != jsonObject {
			p.add("V-10", "Condition: "+name, "is "+t.kind(block).String()+"; it must be an object of condition keys and values")
			continue
		}
		p.duplicates("V-10", "Condition: ", name, block)
		for j, km := 0, t.first(block); j < t.count(block); j, km = j+1, t.after(km+1) {
			if t.text(km) == "" {
				p.add("V-10", "Condition: "+name, "has an empty condition key")
				continue
			}
			// Read straight into the slab, as condition values are.
			out = out[:len(out)+1]
			if c := &out[len(out)-1]; !p.condition(c, op, km) {
				*c = condition{}
				out = out[:len(out)-1]
			}
		}
	}
	return out
}

// condition reads one condition key (the name node km) and its values into
// c, which is zero. It reports whether they are all valid.
func (p *parser) condition(c *condition, op operator, km int) bool {
	t := p.t
	key, v := t.text(km), km+1
	c.op, c.key = op, lowerKey(key)
	c.keyID = p.a.keyID(c.key)
	element := func() string { return "Condition: " + op.name + ": " + quote(key) }
	it, count := v, 1
	if t.kind(v) == jsonArray {
		it, count = t.first(v), t.count(v)
		if count == 0 {
			p.add("V-10", element(), "is an empty array; give at least one value")
			return false
		}
	}
	c.values = take(&p.a.values, count)[:0]
	ok := true
	for i := 0; i < count; i, it = i+1, t.after(it) {
		kind := t.kind(it)
		switch kind {
		case jsonString, jsonNumber, jsonBool:
		default:
			p.add("V-10", element(), "has "+kind.String()+"; a condition value is a string, number or boolean, or an array of them")
			ok = false
			continue
		}
		text := t.text(it)
		// Read straight into the slab: a condValue is large to copy.
		c.values = c.values[:len(c.values)+1]
		cv := &c.values[len(c.values)-1]
		if err := parseConditionValue(cv, &op, kind, text, p.variables, p.a); err != nil {
			*cv = condValue{}
			c.values = c.values[:len(c.values)-1]
			rule := "V-10"
			if _, isVar := err.(*variableError); isVar {
				rule = "V-11"
			}
			p.add(rule, element(), describeValue(kind, text)+" "+err.Error())
			ok = false
			continue
		}
	}
	return ok
}
