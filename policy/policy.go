// Package policy validates X-Ray resource-policy documents and evaluates them the
// way IAM evaluates a resource-based policy.
//
// A document is parsed once (Parse) into typed statements: actions and resources
// become compiled wildcard patterns, condition values are converted to the type
// their operator compares (numbers, times, IP prefixes, bytes, patterns), and every
// problem is reported against the statement and element it was found in (rules
// V-1..V-12 of the project's resource-policy specification). Evaluation (Evaluate)
// then takes a Request and returns a Decision together with the statements that
// decided it, following the IAM policy evaluation logic: an explicit Deny wins over
// any Allow, and without an applicable Allow the request is implicitly denied.
package policy

import (
	"strconv"
	"strings"
)

// Effect is a statement's Effect element.
type Effect uint8

const (
	EffectAllow Effect = iota + 1
	EffectDeny
)

func (e Effect) String() string {
	switch e {
	case EffectAllow:
		return "Allow"
	case EffectDeny:
		return "Deny"
	}
	return "Effect(" + strconv.Itoa(int(e)) + ")"
}

// Decision is the outcome of evaluating a request (IAM User Guide, "Policy
// evaluation logic").
type Decision uint8

const (
	// ImplicitDeny: no statement applies; the request is denied by default.
	ImplicitDeny Decision = iota
	// Allow: an Allow statement applies and no Deny statement does.
	Allow
	// Deny: a Deny statement applies (an explicit deny), whatever the Allows.
	Deny
)

// String returns the decision as the policy simulate command prints it.
func (d Decision) String() string {
	switch d {
	case Allow:
		return "allow"
	case Deny:
		return "deny"
	}
	return "implicit-deny"
}

// Policy is a parsed, valid policy document.
type Policy struct {
	Version    string // "2012-10-17", "2008-10-17", or "" when the document has none
	ID         string
	Statements []Statement

	// keys are the condition keys the statements read, in lower case, each
	// once: conditions and policy variables name them by position, so that an
	// evaluation looks each up in the request once.
	keys []string
}

// Statement is one parsed statement. Its matching elements are unexported: they
// are compiled forms, read only by evaluation.
type Statement struct {
	Sid      string
	Position int // 1-based position in the document's Statement list
	Effect   Effect

	principals   principalSet
	notPrincipal bool
	actions      []actionPattern
	notAction    bool
	resources    []arnPattern
	notResource  bool
	conditions   []condition
}

// Label names the statement in messages: its position, and its Sid when it has one.
func (s *Statement) Label() string { return statementLabel(s.Position, s.Sid) }

func statementLabel(pos int, sid string) string {
	l := "statement " + strconv.Itoa(pos)
	if sid != "" {
		l += " (" + strconv.Quote(sid) + ")"
	}
	return l
}

// Ref returns how the statement is named among deciding statements: its Sid, or
// its 1-based position when it has no Sid.
func (s *Statement) Ref() string {
	if s.Sid != "" {
		return s.Sid
	}
	return strconv.Itoa(s.Position)
}

// actionPattern is one entry of Action or NotAction: "*", or a pattern over
// X-Ray operation names in lower case (IAM action names are case-insensitive).
type actionPattern struct {
	all  bool
	name pattern
}

// Problem is one reason a document is not a valid policy.
type Problem struct {
	Rule      string // the specification rule broken, e.g. "V-8"
	Statement int    // 1-based statement position; 0 for the document as a whole
	Sid       string
	Element   string // e.g. "Action", "Condition", "Principal"; "" for the statement or document itself
	Message   string
}

// String returns the problem as one line, for example
// `statement 2 ("SNSAccess"): Action: "s3:GetObject" is not an X-Ray action`.
func (p Problem) String() string {
	var b strings.Builder
	if p.Statement > 0 {
		b.WriteString(statementLabel(p.Statement, p.Sid))
		b.WriteString(": ")
	}
	if p.Element != "" {
		b.WriteString(p.Element)
		b.WriteString(": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// ValidationError lists every problem found in an invalid document, in document order.
type ValidationError struct {
	Problems []Problem
}

// Error returns the first problem, and how many more there are.
func (e *ValidationError) Error() string {
	if len(e.Problems) == 0 {
		return "invalid policy document"
	}
	msg := e.Problems[0].String()
	switch n := len(e.Problems) - 1; n {
	case 0:
	case 1:
		msg += " (and 1 more problem)"
	default:
		msg += " (and " + strconv.Itoa(n) + " more problems)"
	}
	return msg
}

// quote renders a value from the document in a message, shortened so that a
// message stays one readable line whatever the document holds.
func quote(s string) string {
	const max = 80
	if len(s) > max {
		cut := max
		for cut > 0 && s[cut]&0xC0 == 0x80 { // do not split a UTF-8 sequence
			cut--
		}
		return strconv.Quote(s[:cut]) + "..."
	}
	return strconv.Quote(s)
}
