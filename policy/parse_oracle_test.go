package policy

// The parser as it was before it read documents from a tape: the same checks,
// in the same order, over the tree of jsonValue that parseJSONTree builds. It
// calls today's compilers of patterns, templates and condition values; what
// it pins down is the walk over the document: which problems are reported, in
// which order, and which statements come out. FuzzParseTree compares it with
// Parse.

import (
	"strconv"
	"strings"
	"testing"
)

// parseTree reads and validates a policy document (rules V-1..V-12). It returns the
// parsed policy, or a *ValidationError listing every problem in document order.
// It never panics, and its work is linear in the document's length.
func parseTree(document string) (*Policy, error) {
	p := &treeParser{a: newArena(len(document))}
	pol := p.document(document)
	if len(p.problems) > 0 {
		return nil, &ValidationError{Problems: p.problems}
	}
	return pol, nil
}

type treeParser struct {
	a        *arena
	problems []Problem
	// variables is whether policy variables are recognised: only under Version
	// 2012-10-17 (IAM JSON policy elements reference: Version).
	variables bool
	// statement context for problems
	pos int
	sid string
}

func (p *treeParser) add(rule, element, msg string) {
	p.problems = append(p.problems, Problem{Rule: rule, Statement: p.pos, Sid: p.sid, Element: element, Message: msg})
}

// duplicates reports members of obj whose name appeared before: a document that
// says two different things under one name is ambiguous, so it is refused
// rather than read as its last member. The element is element+suffix, joined
// only when there is something to report.
func (p *treeParser) duplicates(rule, element, suffix string, obj *jsonValue) {
	ms := obj.kids
	report := func(key string) {
		p.add(rule, element+suffix, "has the key "+quote(key)+" more than once")
	}
	if len(ms) <= 16 {
		// Few members, the usual case: comparing pairs costs less than a map.
		for i := 1; i < len(ms); i++ {
			for j := 0; j < i; j++ {
				if ms[i].key == ms[j].key {
					report(ms[i].key)
					break
				}
			}
		}
		return
	}
	seen := make(map[string]struct{}, len(ms))
	for _, m := range ms {
		if _, dup := seen[m.key]; dup {
			report(m.key)
		}
		seen[m.key] = struct{}{}
	}
}

func (p *treeParser) document(doc string) *Policy {
	if strings.TrimSpace(doc) == "" {
		p.add("V-1", "", "the policy document is empty; it must be a JSON object")
		return nil
	}
	root, err := parseJSONTree(doc, new(treeScratch))
	if err != nil {
		p.add("V-1", "", "the policy document is "+err.Error())
		return nil
	}
	if root.kind != jsonObject {
		p.add("V-1", "", "the policy document is "+root.kind.String()+"; it must be a JSON object")
		return nil
	}
	p.duplicates("V-1", "", "", &root)
	pol := &Policy{}
	var statements *jsonValue
	for i := range root.kids {
		m := &root.kids[i]
		switch m.key {
		case "Version":
			if m.value.kind != jsonString || (m.value.text != Version2012 && m.value.text != Version2008) {
				p.add("V-2", "Version", treeDescribe(&m.value)+" is not \"2012-10-17\" or \"2008-10-17\"")
				continue
			}
			pol.Version = m.value.text
		case "Id":
			if m.value.kind != jsonString {
				p.add("V-1", "Id", "is "+m.value.kind.String()+"; it must be a string")
				continue
			}
			pol.ID = m.value.text
		case "Statement":
			statements = &m.value
		default:
			p.add("V-1", "", "unknown key "+quote(m.key)+"; a policy document has only Version, Id and Statement")
		}
	}
	p.variables = pol.Version == Version2012
	switch {
	case statements == nil:
		p.add("V-3", "Statement", "is missing; a policy needs at least one statement")
	case statements.kind == jsonObject:
		pol.Statements = []Statement{p.statement(1, statements)}
	case statements.kind == jsonArray && len(statements.kids) > 0:
		pol.Statements = make([]Statement, 0, len(statements.kids))
		sids := make(map[string]int)
		for i := range statements.kids {
			st := p.statement(i+1, &statements.kids[i].value)
			if st.Sid != "" {
				if first, dup := sids[st.Sid]; dup {
					p.pos, p.sid = i+1, st.Sid
					p.add("V-4", "Sid", "is also the Sid of statement "+strconv.Itoa(first)+"; Sids must be unique in a policy")
				} else {
					sids[st.Sid] = i + 1
				}
			}
			pol.Statements = append(pol.Statements, st)
		}
	case statements.kind == jsonArray:
		p.add("V-3", "Statement", "is an empty array; a policy needs at least one statement")
	default:
		p.add("V-3", "Statement", "is "+statements.kind.String()+"; it must be a statement object or an array of them")
	}
	p.pos, p.sid = 0, ""
	return pol
}

// describe renders a JSON value in a message.
func treeDescribe(v *jsonValue) string {
	switch v.kind {
	case jsonString:
		return quote(v.text)
	case jsonNumber, jsonBool, jsonNull:
		return v.text
	}
	return v.kind.String()
}

// treeMembers holds a statement's members by name (the first of duplicates).
type treeMembers struct {
	sid, effect, principal, notPrincipal, action, notAction, resource, notResource, condition *jsonValue
}

func (sm *treeMembers) slot(key string) **jsonValue {
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

func (p *treeParser) statement(pos int, v *jsonValue) Statement {
	p.pos, p.sid = pos, ""
	st := Statement{Position: pos}
	if v.kind != jsonObject {
		p.add("V-3", "", "is "+v.kind.String()+"; a statement is a JSON object")
		return st
	}
	var members treeMembers
	for i := range v.kids {
		m := &v.kids[i]
		if m.key == "Sid" && m.value.kind == jsonString {
			st.Sid, p.sid = m.value.text, m.value.text
		}
	}
	p.duplicates("V-4", "", "", v)
	for i := range v.kids {
		m := &v.kids[i]
		slot := members.slot(m.key)
		if slot == nil {
			p.add("V-4", "", "unknown key "+quote(m.key)+"; a statement has only Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource and Condition")
			continue
		}
		if *slot == nil {
			*slot = &m.value
		}
	}
	if sid := members.sid; sid != nil && sid.kind != jsonString {
		p.add("V-4", "Sid", "is "+sid.kind.String()+"; it must be a string")
	}

	switch e := members.effect; {
	case e == nil:
		p.add("V-5", "Effect", "is missing; it must be \"Allow\" or \"Deny\"")
	case e.kind == jsonString && e.text == "Allow":
		st.Effect = EffectAllow
	case e.kind == jsonString && e.text == "Deny":
		st.Effect = EffectDeny
	default:
		// IAM: "The Effect element is required ... Valid values for Effect are
		// Allow and Deny. The Effect value is case sensitive."
		p.add("V-5", "Effect", treeDescribe(e)+" is not \"Allow\" or \"Deny\" (case-sensitive)")
	}

	prin, notPrin := members.principal, members.notPrincipal
	hasP, hasNP := prin != nil, notPrin != nil
	switch {
	case hasP && hasNP:
		p.add("V-6", "", "has both Principal and NotPrincipal; give exactly one")
	case !hasP && !hasNP:
		p.add("V-6", "", "has no Principal; a resource policy must name who it applies to")
	case hasP:
		st.principals = p.principal("Principal", prin)
	default:
		st.notPrincipal = true
		st.principals = p.principal("NotPrincipal", notPrin)
		if st.Effect == EffectAllow {
			// IAM JSON policy elements reference, NotPrincipal: AWS strongly
			// recommends against NotPrincipal with Allow; rule V-6 refuses it.
			p.add("V-6", "NotPrincipal", "is only allowed in a statement whose Effect is \"Deny\"")
		}
	}

	act, notAct := members.action, members.notAction
	hasA, hasNA := act != nil, notAct != nil
	switch {
	case hasA && hasNA:
		p.add("V-8", "", "has both Action and NotAction; give exactly one")
	case !hasA && !hasNA:
		p.add("V-8", "", "has no Action; give Action or NotAction")
	case hasA:
		st.actions = p.actions("Action", act)
	default:
		st.notAction = true
		st.actions = p.actions("NotAction", notAct)
	}

	res, notRes := members.resource, members.notResource
	hasR, hasNR := res != nil, notRes != nil
	switch {
	case hasR && hasNR:
		p.add("V-9", "", "has both Resource and NotResource; give exactly one")
	case !hasR && !hasNR:
		p.add("V-9", "", "has no Resource; give Resource (\"*\" for X-Ray) or NotResource")
	case hasR:
		st.resources = p.resources("Resource", res)
	default:
		st.notResource = true
		st.resources = p.resources("NotResource", notRes)
	}

	if c := members.condition; c != nil {
		st.conditions = p.conditions(c)
	}
	return st
}

// stringList reads a string or a non-empty array of strings.
func (p *treeParser) stringList(rule, element string, v *jsonValue) ([]string, bool) {
	switch {
	case v.kind == jsonString:
		out := take(&p.a.strs, 1)
		out[0] = v.text
		return out, true
	case v.kind == jsonArray && len(v.kids) > 0:
		out := take(&p.a.strs, len(v.kids))[:0]
		ok := true
		for i := range v.kids {
			it := &v.kids[i].value
			if it.kind != jsonString {
				p.add(rule, element, "has "+it.kind.String()+" in its array; each entry must be a string")
				ok = false
				continue
			}
			out = append(out, it.text)
		}
		return out, ok
	case v.kind == jsonArray:
		p.add(rule, element, "is an empty array; it must be a string or a non-empty array of strings")
	default:
		p.add(rule, element, "is "+v.kind.String()+"; it must be a string or a non-empty array of strings")
	}
	return nil, false
}

// principal reads a Principal or NotPrincipal element (rule V-7).
func (p *treeParser) principal(element string, v *jsonValue) principalSet {
	var ps principalSet
	if v.kind == jsonString {
		if v.text == "*" {
			ps.everyone = true
		} else {
			p.add("V-7", element, treeDescribe(v)+" is not \"*\"; name principals in an object such as {\"AWS\": \"123456789012\"} or {\"Service\": \"sns.amazonaws.com\"}")
		}
		return ps
	}
	if v.kind != jsonObject {
		p.add("V-7", element, "is "+v.kind.String()+"; it must be \"*\" or an object with AWS, Service, Federated or CanonicalUser")
		return ps
	}
	if len(v.kids) == 0 {
		p.add("V-7", element, "is an empty object; name at least one principal")
		return ps
	}
	p.duplicates("V-7", element, "", v)
	for i := range v.kids {
		m := &v.kids[i]
		switch m.key {
		case "AWS", "Service", "Federated", "CanonicalUser":
		default:
			p.add("V-7", element, "unknown key "+quote(m.key)+"; use AWS, Service, Federated or CanonicalUser")
			continue
		}
		el := element + "." + m.key
		vals, _ := p.stringList("V-7", el, &m.value)
		for _, s := range vals {
			switch m.key {
			case "AWS":
				switch {
				case s == "*":
					ps.everyone = true
				case isAccountID(s):
					ps.accounts = append(ps.accounts, s)
				default:
					a, err := parseAWSPrincipalARN(s)
					if err != nil {
						p.add("V-7", el, quote(s)+" is not \"*\", a 12-digit account id, or an IAM or STS principal ARN: it "+err.Error())
						continue
					}
					switch a.kind {
					case "root":
						ps.accounts = append(ps.accounts, a.account)
					case "role":
						ps.roles = append(ps.roles, a)
					default:
						ps.arns = append(ps.arns, s)
					}
				}
			case "Service":
				if !isServicePrincipal(s) {
					p.add("V-7", el, quote(s)+" is not a service principal; service principals end in .amazonaws.com or .amazonaws.com.cn")
					continue
				}
				ps.services = append(ps.services, s)
			case "Federated":
				if s == "" {
					p.add("V-7", el, "is empty")
					continue
				}
				ps.federated = append(ps.federated, s)
			case "CanonicalUser":
				if s == "" {
					p.add("V-7", el, "is empty")
					continue
				}
				ps.canonical = append(ps.canonical, s)
			}
		}
	}
	return ps
}

// actions reads an Action or NotAction element (rule V-8).
func (p *treeParser) actions(element string, v *jsonValue) []actionPattern {
	vals, _ := p.stringList("V-8", element, v)
	out := make([]actionPattern, 0, len(vals))
	for _, s := range vals {
		if s == "*" {
			out = append(out, actionPattern{all: true})
			continue
		}
		service, name, ok := strings.Cut(s, ":")
		if !ok || lowerASCII(service) != "xray" {
			p.add("V-8", element, quote(s)+" is not an X-Ray action; use \"*\" or xray:<Operation>")
			continue
		}
		if name == "" {
			p.add("V-8", element, quote(s)+" names no operation")
			continue
		}
		lname, known := lowerOperationName[name]
		if !known {
			lname = lowerASCII(name)
		}
		if !strings.ContainsAny(lname, "*?") {
			// An operation name: look it up rather than match it against each one.
			if _, ok := operationByLower[lname]; !ok {
				p.add("V-8", element, quote(s)+" is not an X-Ray action: X-Ray has no operation "+quote(name))
				continue
			}
			pieces := take(p.a.pieceSlab(), 1)
			pieces[0].text = lname
			out = append(out, actionPattern{name: pattern{pieces: pieces}})
			continue
		}
		pat := compilePatternIn(lname, p.a)
		found := false
		for _, op := range lowerOperations {
			if pat.match(op) {
				found = true
				break
			}
		}
		if !found {
			p.add("V-8", element, quote(s)+" matches no X-Ray action")
			continue
		}
		out = append(out, actionPattern{name: pat})
	}
	return out
}

// resources reads a Resource or NotResource element (rules V-9, V-11).
func (p *treeParser) resources(element string, v *jsonValue) []arnPattern {
	vals, _ := p.stringList("V-9", element, v)
	out := make([]arnPattern, 0, len(vals))
	for _, s := range vals {
		t, err := parseTemplate(s, p.variables)
		if err != nil {
			p.add("V-11", element, quote(s)+" "+err.Error())
			continue
		}
		if s != "*" {
			if msg := treeCheckXRayARN(&t); msg != "" {
				p.add("V-9", element, quote(s)+" "+msg)
				continue
			}
		}
		out = append(out, newARNPatternIn(t, p.a))
	}
	return out
}

// checkXRayARN checks that a Resource is arn:<partition>:xray:<region>:<account>:<resource>,
// where any component may hold wildcards or policy variables. It returns why not,
// or "" when it is.
func treeCheckXRayARN(t *template) string {
	const want = "is not \"*\" or an X-Ray ARN (arn:<partition>:xray:<region>:<account>:<resource>)"
	if t.parts == nil {
		// Plain text, the usual case: look at the components in place.
		s := t.raw
		var comps [arnComponents]string
		for i := 0; i < arnComponents-1; i++ {
			j := strings.IndexByte(s, ':')
			if j < 0 {
				return want
			}
			comps[i], s = s[:j], s[j+1:]
		}
		comps[arnComponents-1] = s
		return treeCheckARNComponents(comps[:])
	}
	parts := t.parts
	if parts == nil {
		parts = []templatePart{{kind: partText, text: t.raw}}
	}
	var comps []string
	var cur strings.Builder
	for i := range parts {
		part := &parts[i]
		if part.kind != partText {
			cur.WriteString("${}") // a variable or escape stands for some text in this component
			continue
		}
		s := part.text
		for len(comps) < arnComponents-1 {
			j := strings.IndexByte(s, ':')
			if j < 0 {
				break
			}
			cur.WriteString(s[:j])
			comps = append(comps, cur.String())
			cur.Reset()
			s = s[j+1:]
		}
		cur.WriteString(s)
	}
	comps = append(comps, cur.String())
	if len(comps) != arnComponents {
		return want
	}
	return treeCheckARNComponents(comps)
}

func treeCheckARNComponents(comps []string) string {
	const want = "is not \"*\" or an X-Ray ARN (arn:<partition>:xray:<region>:<account>:<resource>)"
	if comps[0] != "arn" || comps[1] == "" || comps[5] == "" {
		return want
	}
	if !globMatch(comps[2], "xray") {
		return "is not an X-Ray resource: its service is " + quote(comps[2]) + ", not xray"
	}
	return ""
}

// conditions reads a Condition element (rules V-10, V-11).
func (p *treeParser) conditions(v *jsonValue) []condition {
	if v.kind != jsonObject {
		p.add("V-10", "Condition", "is "+v.kind.String()+"; it must be an object of operators")
		return nil
	}
	p.duplicates("V-10", "Condition", "", v)
	n := 0
	for i := range v.kids {
		n += len(v.kids[i].value.kids)
	}
	out := make([]condition, 0, n)
	for i := range v.kids {
		m := &v.kids[i]
		op, err := parseOperator(m.key)
		if err != nil {
			p.add("V-10", "Condition", quote(m.key)+" "+err.Error())
			continue
		}
		if m.value.kind != jsonObject {
			p.add("V-10", "Condition: "+m.key, "is "+m.value.kind.String()+"; it must be an object of condition keys and values")
			continue
		}
		p.duplicates("V-10", "Condition: ", m.key, &m.value)
		for j := range m.value.kids {
			km := &m.value.kids[j]
			if km.key == "" {
				p.add("V-10", "Condition: "+m.key, "has an empty condition key")
				continue
			}
			c, ok := p.condition(op, km)
			if ok {
				out = append(out, c)
			}
		}
	}
	return out
}

func (p *treeParser) condition(op operator, km *jsonMember) (condition, bool) {
	c := condition{op: op, key: lowerKey(km.key)}
	element := func() string { return "Condition: " + op.name + ": " + quote(km.key) }
	items, count := km.value.kids, len(km.value.kids)
	if km.value.kind != jsonArray {
		items, count = nil, 1
	} else if count == 0 {
		p.add("V-10", element(), "is an empty array; give at least one value")
		return c, false
	}
	c.values = take(&p.a.values, count)[:0]
	ok := true
	for i := 0; i < count; i++ {
		it := &km.value
		if items != nil {
			it = &items[i].value
		}
		switch it.kind {
		case jsonString, jsonNumber, jsonBool:
		default:
			p.add("V-10", element(), "has "+it.kind.String()+"; a condition value is a string, number or boolean, or an array of them")
			ok = false
			continue
		}
		var cv condValue
		err := parseConditionValue(&cv, &op, it.kind, it.text, p.variables, p.a)
		if err != nil {
			rule := "V-10"
			if _, isVar := err.(*variableError); isVar {
				rule = "V-11"
			}
			p.add(rule, element(), treeDescribe(it)+" "+err.Error())
			ok = false
			continue
		}
		c.values = append(c.values, cv)
	}
	return c, ok
}

// FuzzParseTree compares Parse with parseTree, the parser it replaced: the same
// problems, in the same order, for a document either refuses; for a document
// both accept, the same statements deciding the requests of TestParseGolden
// the same way. Its seeds are the documents of TestParseGolden.
func FuzzParseTree(f *testing.F) {
	for _, d := range goldenDocuments(f) {
		f.Add(d)
	}
	requests := goldenRequests()
	f.Fuzz(func(t *testing.T, document string) {
		pol, err := Parse(document)
		got := outcome(pol, err, requests)
		pol, err = parseTree(document)
		if want := outcome(pol, err, requests); got != want {
			t.Fatalf("document %s:\nParse:\n%s\nthe tree parser:\n%s", quote(document), got, want)
		}
	})
}
