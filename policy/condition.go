package policy

import (
	"bytes"
	"encoding/base64"
	"errors"
	"math"
	"net/netip"
	"strconv"
	"strings"
	"time"
)

// Condition operators, as listed in the IAM JSON policy elements reference,
// "Condition operators": string, numeric, date, Boolean, binary, IP address, ARN
// and Null, each (except Null) with an optional IfExists suffix, and the
// ForAllValues: / ForAnyValue: set qualifiers for multivalued keys.

type family uint8

const (
	famString family = iota
	famStringIgnoreCase
	famStringLike
	famNumeric
	famDate
	famBool
	famBinary
	famIP
	famARN
	famNull
)

type comparison uint8

const (
	cmpEQ comparison = iota
	cmpLT
	cmpLE
	cmpGT
	cmpGE
)

type setQualifier uint8

const (
	setNone setQualifier = iota
	setForAll
	setForAny
)

type operator struct {
	name     string // as written in the document
	family   family
	cmp      comparison
	negated  bool // StringNotEquals, NotIpAddress, ArnNotLike, ...
	ifExists bool
	set      setQualifier
}

type baseOperator struct {
	family  family
	cmp     comparison
	negated bool
}

var baseOperators = map[string]baseOperator{
	"StringEquals":              {famString, cmpEQ, false},
	"StringNotEquals":           {famString, cmpEQ, true},
	"StringEqualsIgnoreCase":    {famStringIgnoreCase, cmpEQ, false},
	"StringNotEqualsIgnoreCase": {famStringIgnoreCase, cmpEQ, true},
	"StringLike":                {famStringLike, cmpEQ, false},
	"StringNotLike":             {famStringLike, cmpEQ, true},
	"NumericEquals":             {famNumeric, cmpEQ, false},
	"NumericNotEquals":          {famNumeric, cmpEQ, true},
	"NumericLessThan":           {famNumeric, cmpLT, false},
	"NumericLessThanEquals":     {famNumeric, cmpLE, false},
	"NumericGreaterThan":        {famNumeric, cmpGT, false},
	"NumericGreaterThanEquals":  {famNumeric, cmpGE, false},
	"DateEquals":                {famDate, cmpEQ, false},
	"DateNotEquals":             {famDate, cmpEQ, true},
	"DateLessThan":              {famDate, cmpLT, false},
	"DateLessThanEquals":        {famDate, cmpLE, false},
	"DateGreaterThan":           {famDate, cmpGT, false},
	"DateGreaterThanEquals":     {famDate, cmpGE, false},
	"Bool":                      {famBool, cmpEQ, false},
	"BinaryEquals":              {famBinary, cmpEQ, false},
	"IpAddress":                 {famIP, cmpEQ, false},
	"NotIpAddress":              {famIP, cmpEQ, true},
	// ArnEquals and ArnLike behave alike: both accept wildcards in each component.
	"ArnEquals":    {famARN, cmpEQ, false},
	"ArnLike":      {famARN, cmpEQ, false},
	"ArnNotEquals": {famARN, cmpEQ, true},
	"ArnNotLike":   {famARN, cmpEQ, true},
	"Null":         {famNull, cmpEQ, false},
}

// lookupBaseOperator is baseOperators[name], as a switch: the compiler turns it
// into a search on the name's length and bytes, which costs less than hashing.
func lookupBaseOperator(name string) (baseOperator, bool) {
	switch name {
	case "StringEquals":
		return baseOperator{famString, cmpEQ, false}, true
	case "StringNotEquals":
		return baseOperator{famString, cmpEQ, true}, true
	case "StringEqualsIgnoreCase":
		return baseOperator{famStringIgnoreCase, cmpEQ, false}, true
	case "StringNotEqualsIgnoreCase":
		return baseOperator{famStringIgnoreCase, cmpEQ, true}, true
	case "StringLike":
		return baseOperator{famStringLike, cmpEQ, false}, true
	case "StringNotLike":
		return baseOperator{famStringLike, cmpEQ, true}, true
	case "NumericEquals":
		return baseOperator{famNumeric, cmpEQ, false}, true
	case "NumericNotEquals":
		return baseOperator{famNumeric, cmpEQ, true}, true
	case "NumericLessThan":
		return baseOperator{famNumeric, cmpLT, false}, true
	case "NumericLessThanEquals":
		return baseOperator{famNumeric, cmpLE, false}, true
	case "NumericGreaterThan":
		return baseOperator{famNumeric, cmpGT, false}, true
	case "NumericGreaterThanEquals":
		return baseOperator{famNumeric, cmpGE, false}, true
	case "DateEquals":
		return baseOperator{famDate, cmpEQ, false}, true
	case "DateNotEquals":
		return baseOperator{famDate, cmpEQ, true}, true
	case "DateLessThan":
		return baseOperator{famDate, cmpLT, false}, true
	case "DateLessThanEquals":
		return baseOperator{famDate, cmpLE, false}, true
	case "DateGreaterThan":
		return baseOperator{famDate, cmpGT, false}, true
	case "DateGreaterThanEquals":
		return baseOperator{famDate, cmpGE, false}, true
	case "Bool":
		return baseOperator{famBool, cmpEQ, false}, true
	case "BinaryEquals":
		return baseOperator{famBinary, cmpEQ, false}, true
	case "IpAddress":
		return baseOperator{famIP, cmpEQ, false}, true
	case "NotIpAddress":
		return baseOperator{famIP, cmpEQ, true}, true
	case "ArnEquals":
		return baseOperator{famARN, cmpEQ, false}, true
	case "ArnLike":
		return baseOperator{famARN, cmpEQ, false}, true
	case "ArnNotEquals":
		return baseOperator{famARN, cmpEQ, true}, true
	case "ArnNotLike":
		return baseOperator{famARN, cmpEQ, true}, true
	case "Null":
		return baseOperator{famNull, cmpEQ, false}, true
	}
	return baseOperator{}, false
}

// parseOperator reads an operator name. Names are matched exactly as IAM spells them.
func parseOperator(name string) (operator, error) {
	op := operator{name: name}
	rest := name
	if r, ok := strings.CutPrefix(rest, "ForAllValues:"); ok {
		op.set, rest = setForAll, r
	} else if r, ok := strings.CutPrefix(rest, "ForAnyValue:"); ok {
		op.set, rest = setForAny, r
	}
	base, ok := lookupBaseOperator(rest)
	if !ok {
		if b, found := strings.CutSuffix(rest, "IfExists"); found {
			if base, ok = lookupBaseOperator(b); ok {
				op.ifExists = true
			}
		}
	}
	if !ok {
		for known := range baseOperators {
			if strings.EqualFold(known, rest) || strings.EqualFold(known+"IfExists", rest) {
				return op, errors.New("is not a condition operator; operator names are case-sensitive (did you mean " + strconv.Quote(known) + "?)")
			}
		}
		return op, errors.New("is not a condition operator")
	}
	op.family, op.cmp, op.negated = base.family, base.cmp, base.negated
	if op.family == famNull && (op.ifExists || op.set != setNone) {
		// IAM: "You can add IfExists to the end of any condition operator name
		// except the Null condition"; Null tests presence, so a set qualifier
		// has nothing to range over either.
		return op, errors.New("is not a condition operator; Null takes no IfExists suffix or set qualifier")
	}
	return op, nil
}

// condition is one key of one operator block: all its values, converted once.
type condition struct {
	op     operator
	key    string // lower case
	keyID  int32  // the key's position among the document's keys (arena.keyID)
	values []condValue
}

// condValue is one policy value of a condition, in the form its operator compares.
type condValue struct {
	tmpl   template     // string and ARN families
	like   *pattern     // StringLike without variables
	arn    *arnPattern  // ARN family
	num    float64      // Numeric
	when   time.Time    // Date
	truth  bool         // Bool, Null
	binary []byte       // BinaryEquals
	prefix netip.Prefix // IpAddress
}

// parseConditionValue converts one JSON scalar for op into cv, which is zero. text is the
// string, or the JSON text of a number or boolean (rule V-10: those compare as their JSON
// text). It sets only the fields the operator uses: a condValue is large to copy.
func parseConditionValue(cv *condValue, op *operator, kind jsonKind, text string, variables bool, a *arena) error {
	switch op.family {
	case famString, famStringIgnoreCase, famStringLike, famARN:
		t, err := parseTemplateIn(text, variables, a)
		if err != nil {
			return err
		}
		cv.tmpl = t
		switch {
		case op.family == famStringLike && t.parts == nil:
			cv.like = &take(a.patternSlab(), 1)[0]
			*cv.like = compilePatternIn(t.raw, a)
		case op.family == famStringLike && !t.vars:
			cv.like = &take(a.patternSlab(), 1)[0]
			*cv.like, _ = t.pattern(Context{})
		case op.family == famARN:
			cv.arn = &take(a.arnSlab(), 1)[0]
			cv.arn.compileIn(t, a)
		}
		return nil
	case famNumeric:
		if kind == jsonBool {
			return errors.New("is not a number")
		}
		f, ok := parseNumber(text)
		if !ok {
			return errors.New("is not a number")
		}
		cv.num = f
		return nil
	case famDate:
		if kind == jsonBool {
			return errors.New("is not a date (ISO 8601, such as 2026-01-02T15:04:05Z, or epoch seconds)")
		}
		t, ok := parseDate(text)
		if !ok {
			return errors.New("is not a date (ISO 8601, such as 2026-01-02T15:04:05Z, or epoch seconds)")
		}
		cv.when = t
		return nil
	case famBool, famNull:
		if kind == jsonNumber {
			return errors.New("is not true or false")
		}
		b, ok := parseBool(text)
		if !ok {
			return errors.New("is not true or false")
		}
		cv.truth = b
		return nil
	case famBinary:
		if kind != jsonString {
			return errors.New("is not base64")
		}
		b, err := base64.StdEncoding.Strict().DecodeString(text)
		if err != nil {
			return errors.New("is not base64")
		}
		cv.binary = b
		return nil
	case famIP:
		if kind != jsonString {
			return errors.New("is not an IP address or CIDR block")
		}
		p, ok := parseIPPrefix(text)
		if !ok {
			return errors.New("is not an IP address or CIDR block")
		}
		cv.prefix = p
		return nil
	}
	return errors.New("has no comparison")
}

// parseNumber accepts a JSON number's syntax only: no hexadecimal, infinities or NaN.
func parseNumber(s string) (float64, bool) {
	if s == "" || scanNumber(s) != len(s) {
		return 0, false
	}
	if f, ok := parseSmallInteger(s); ok {
		return f, true
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// parseSmallInteger reads s, a JSON number, when it is an integer of at most
// 15 digits, the usual condition value: such an integer converts to float64
// exactly, so the result is strconv.ParseFloat's (-0 for "-0" included),
// without its general algorithm.
func parseSmallInteger(s string) (float64, bool) {
	digits := s
	if digits[0] == '-' {
		digits = digits[1:]
	}
	if len(digits) > 15 {
		return 0, false
	}
	var n int64
	for i := 0; i < len(digits); i++ {
		c := digits[i]
		if c < '0' || c > '9' {
			return 0, false // a fraction or an exponent
		}
		n = n*10 + int64(c-'0')
	}
	f := float64(n)
	if len(digits) < len(s) {
		f = -f
	}
	return f, true
}

// dateLayouts are the ISO 8601 forms IAM documents for date conditions
// ("W3C implementation of the ISO 8601 date format").
var dateLayouts = []string{
	time.RFC3339Nano,
	"2006-01-02T15:04Z07:00",
	"2006-01-02T15:04:05.999999999",
	"2006-01-02T15:04",
	"2006-01-02",
}

// parseDate reads an ISO 8601 date or epoch seconds; times without a zone are UTC.
func parseDate(s string) (time.Time, bool) {
	if s != "" && scanNumber(s) == len(s) {
		f, err := strconv.ParseFloat(s, 64)
		// Beyond year 9999 a date is no longer one time.Time can order reliably.
		if err != nil || math.Abs(f) > 253402300799 {
			return time.Time{}, false
		}
		sec, frac := math.Modf(f)
		return time.Unix(int64(sec), int64(frac*1e9)).UTC(), true
	}
	for _, layout := range dateLayouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

func parseBool(s string) (bool, bool) {
	switch {
	case strings.EqualFold(s, "true"):
		return true, true
	case strings.EqualFold(s, "false"):
		return false, true
	}
	return false, false
}

// parseIPPrefix reads a CIDR block or a single address (which means /32 or /128).
func parseIPPrefix(s string) (netip.Prefix, bool) {
	if strings.Contains(s, "/") {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			return netip.Prefix{}, false
		}
		return p.Masked(), true
	}
	a, err := netip.ParseAddr(s)
	if err != nil || a.Zone() != "" {
		return netip.Prefix{}, false
	}
	return netip.PrefixFrom(a, a.BitLen()), true
}

// evaluate reports whether the condition holds for ctx. IAM JSON policy elements
// reference, "Condition operators" and "Multivalued context keys":
//   - a key missing from the request makes a condition false, except that
//     ...IfExists is then true, a negated operator (StringNotEquals, NotIpAddress,
//     ArnNotLike, ...) is then true, ForAllValues: is true (it holds for every
//     value of an empty set), and Null tests exactly that presence;
//   - a condition's values are OR'ed: it holds when the request value matches any;
//     a negated operator holds when the request value matches none;
//   - ForAllValues: holds when every request value passes, ForAnyValue: when at
//     least one does; without a qualifier any request value may match (negated:
//     none may).
//
// A request value that cannot be read as the operator's type (a number, a date, an
// address, true/false) passes no test, negated or not, so that a malformed request
// never satisfies a condition by accident.
func (c *condition) evaluate(ev *evaluation) bool {
	vals, present := ev.lookup(c.keyID, c.key)
	present = present && len(vals) > 0
	if c.op.family == famNull {
		for i := range c.values {
			if c.values[i].truth != present {
				return true
			}
		}
		return false
	}
	if !present {
		switch {
		case c.op.ifExists, c.op.set == setForAll:
			return true
		case c.op.set == setForAny:
			return false
		}
		return c.op.negated
	}
	// A policy variable the request cannot fill (no such key, no default): "If AWS
	// cannot resolve a variable, this can cause the entire statement to be invalid"
	// (IAM User Guide, "IAM policy elements: Variables and tags"). The condition is
	// then false, negated operator or not, so the statement does not apply.
	for i := range c.values {
		if c.values[i].tmpl.vars && !c.values[i].tmpl.resolvable(ev) {
			return false
		}
	}
	switch c.op.set {
	case setForAll:
		for _, r := range vals {
			if !c.passes(r, ev) {
				return false
			}
		}
		return true
	case setForAny:
		for _, r := range vals {
			if c.passes(r, ev) {
				return true
			}
		}
		return false
	}
	if c.op.negated {
		for _, r := range vals {
			if !c.passes(r, ev) {
				return false
			}
		}
		return true
	}
	for _, r := range vals {
		if c.passes(r, ev) {
			return true
		}
	}
	return false
}

// resolvable reports whether every variable of the template has a value in
// the request or a default.
func (t *template) resolvable(ev *evaluation) bool {
	for i := range t.parts {
		if p := &t.parts[i]; p.kind == partVar {
			if _, ok := p.resolveIn(ev); !ok {
				return false
			}
		}
	}
	return true
}

// passes applies the operator to one request value: it matches some policy value,
// or, negated, matches none.
func (c *condition) passes(r string, ev *evaluation) bool {
	req, ok := ev.read(c.op.family, r)
	if !ok {
		return false
	}
	matched := false
	for i := range c.values {
		if c.matchOne(req, &c.values[i], ev) {
			matched = true
			break
		}
	}
	return matched != c.op.negated
}

// requestValue is a request's value read as the operator's type.
type requestValue struct {
	s     string
	arn   arnValue // for the ARN operators: s split into components
	num   float64
	when  time.Time
	truth bool
	addr  netip.Addr
}

func (q *requestValue) read(f family, s string) bool {
	q.s = s
	var ok bool
	switch f {
	case famNumeric:
		q.num, ok = parseNumber(s)
		return ok
	case famDate:
		q.when, ok = parseDate(s)
		return ok
	case famBool:
		q.truth, ok = parseBool(s)
		return ok
	case famIP:
		a, err := netip.ParseAddr(s)
		if err != nil {
			return false
		}
		q.addr = a.WithZone("")
		return true
	case famARN:
		q.arn = splitARN(s)
	}
	return true
}

func (c *condition) matchOne(q *requestValue, v *condValue, ev *evaluation) bool {
	ctx := ev.req.Context
	switch c.op.family {
	case famString:
		return v.tmpl.equal(q.s, ev)
	case famStringIgnoreCase:
		want, ok := v.tmpl.render(ctx)
		if !ok {
			return false
		}
		return strings.EqualFold(q.s, want)
	case famStringLike:
		if !v.tmpl.vars {
			return v.like.match(q.s)
		}
		if text, ok, plain := v.tmpl.renderText(ctx); plain {
			return ok && globMatch(text, q.s)
		}
		p, ok := v.tmpl.pattern(ctx)
		return ok && p.match(q.s)
	case famARN:
		matched, _ := v.arn.matchSplit(&q.arn, ev)
		return matched
	case famNumeric:
		return compare(c.op.cmp, cmpFloat(q.num, v.num))
	case famDate:
		return compare(c.op.cmp, q.when.Compare(v.when))
	case famBool:
		return q.truth == v.truth
	case famBinary:
		// The request's value is the binary data itself; the policy holds it base64-encoded.
		return bytes.Equal([]byte(q.s), v.binary)
	case famIP:
		a := q.addr
		if v.prefix.Addr().Is4() {
			a = a.Unmap() // ::ffff:192.0.2.1 is the IPv4 address 192.0.2.1
		}
		return v.prefix.Contains(a)
	}
	return false
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func compare(op comparison, c int) bool {
	switch op {
	case cmpLT:
		return c < 0
	case cmpLE:
		return c <= 0
	case cmpGT:
		return c > 0
	case cmpGE:
		return c >= 0
	}
	return c == 0
}
