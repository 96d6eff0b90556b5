package policy

import (
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/xraylocal/xraylocal"
)

// Engine checks resource-policy documents for the service. It implements
// xraylocal.PolicyEngine; the zero value is ready to use.
type Engine struct{}

var _ xraylocal.PolicyEngine = Engine{}

// CheckResourcePolicy validates document (rules V-1..V-12) and evaluates it
// against lockout (rule P-6). An invalid document, an empty one included, gets
// an *xraylocal.Error with code MalformedPolicyDocumentException whose message
// names the statement and element at fault (rule P-3). For a valid document,
// LocksOut is true only when a Deny statement applies to the request: an Allow,
// or no applicable statement at all, never locks out.
func (Engine) CheckResourcePolicy(document string, lockout xraylocal.AccessRequest) (xraylocal.PolicyCheck, error) {
	pol, err := Parse(document)
	if err != nil {
		var verr *ValidationError
		if errors.As(err, &verr) {
			return xraylocal.PolicyCheck{}, xraylocal.Errorf(xraylocal.MalformedPolicyDocumentException,
				"Invalid policy document: %s", verr.Error())
		}
		return xraylocal.PolicyCheck{}, xraylocal.Errorf(xraylocal.MalformedPolicyDocumentException, "Invalid policy document: %v", err)
	}
	req := RequestFor(lockout)
	res := pol.Evaluate(&req)
	check := xraylocal.PolicyCheck{LocksOut: res.Decision == Deny}
	if check.LocksOut {
		for _, s := range res.Statements {
			check.DeniedBy = append(check.DeniedBy, s.String())
		}
	}
	return check, nil
}

// RequestFor builds the request IAM would evaluate for an access request: the
// caller's principal, the action, the resource, and the request context of
// ContextFor.
func RequestFor(ar xraylocal.AccessRequest) Request {
	return Request{
		Principal: PrincipalOf(ar.Caller),
		Action:    ar.Action,
		Resource:  ar.Resource,
		Context:   ContextFor(ar.Caller, ar.Time),
	}
}

// PrincipalOf returns the caller's principal: its ARN, or its account's root when
// the edge established none (rule A-3).
func PrincipalOf(c xraylocal.Caller) Principal {
	arn := c.PrincipalARN
	if arn == "" {
		if c.Account == "" {
			return Principal{Kind: PrincipalAnonymous}
		}
		arn = xraylocal.RootPrincipal(c.Account)
	}
	return Principal{Kind: PrincipalAWS, ID: arn}
}

// ContextFor returns the global condition keys of a request from caller at time
// now (IAM User Guide, "AWS global condition context keys"): aws:PrincipalArn,
// aws:PrincipalAccount, aws:PrincipalType, aws:username and aws:userid where IAM
// sets them, aws:PrincipalIsAWSService, aws:SourceIp, aws:CurrentTime (ISO 8601,
// UTC), aws:EpochTime, aws:SecureTransport and aws:RequestedRegion. Keys whose
// value is unknown (no source address, a zero time) are left out, as IAM leaves
// out keys a request does not carry.
func ContextFor(c xraylocal.Caller, now time.Time) Context {
	return lazyContext(func() map[string][]string { return contextKeys(c, now) })
}

// contextKeys makes the keys of ContextFor. Every key has one value: one array holds
// them all, and the map is made for them.
func contextKeys(c xraylocal.Caller, now time.Time) map[string][]string {
	const maxKeys = 10
	m := make(map[string][]string, maxKeys)
	values := make([]string, 0, maxKeys)
	set := func(key, value string) {
		values = append(values, value)
		m[lowerKey(key)] = values[len(values)-1 : len(values) : len(values)]
	}
	setPrincipalKeys(set, PrincipalOf(c))
	if c.SourceIP != "" {
		set("aws:SourceIp", c.SourceIP)
	}
	if !now.IsZero() {
		setTimeKeys(set, now)
	}
	set("aws:SecureTransport", strconv.FormatBool(c.SecureTransport))
	if c.Region != "" {
		set("aws:RequestedRegion", c.Region)
	}
	return m
}

// SetTimeKeys sets aws:CurrentTime and aws:EpochTime from now.
func SetTimeKeys(ctx *Context, now time.Time) {
	setTimeKeys(func(k, v string) { ctx.Set(k, v) }, now)
}

func setTimeKeys(set func(key, value string), now time.Time) {
	set("aws:CurrentTime", now.UTC().Format("2006-01-02T15:04:05Z"))
	set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
}

// SetPrincipalKeys sets the keys that describe the principal. aws:PrincipalType
// follows the IAM table of principal key values: "Account" for an account's
// root user, "User" for an IAM user, "AssumedRole" for a role session,
// "FederatedUser" for an STS federated user, "Anonymous" without credentials. A
// service principal instead gets aws:PrincipalServiceName and
// aws:PrincipalIsAWSService=true.
func SetPrincipalKeys(ctx *Context, p Principal) {
	setPrincipalKeys(func(k, v string) { ctx.Set(k, v) }, p)
}

func setPrincipalKeys(set func(key, value string), p Principal) {
	switch p.Kind {
	case PrincipalService:
		set("aws:PrincipalServiceName", p.ID)
		set("aws:PrincipalIsAWSService", "true")
		return
	case PrincipalAnonymous:
		set("aws:PrincipalType", "Anonymous")
		set("aws:PrincipalIsAWSService", "false")
		return
	case PrincipalAWS:
	default:
		set("aws:PrincipalIsAWSService", "false")
		return
	}
	set("aws:PrincipalArn", p.ID)
	set("aws:PrincipalIsAWSService", "false")
	// arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE
	var parts [6]string
	rest := p.ID
	for i := range 5 {
		var found bool
		if parts[i], rest, found = strings.Cut(rest, ":"); !found {
			return
		}
	}
	parts[5] = rest
	account, resource := parts[4], parts[5]
	if account != "" {
		set("aws:PrincipalAccount", account)
	}
	kind, rest, _ := strings.Cut(resource, "/")
	switch {
	case parts[2] == "iam" && resource == "root":
		set("aws:PrincipalType", "Account")
		set("aws:userid", account)
	case parts[2] == "iam" && kind == "user":
		set("aws:PrincipalType", "User")
		set("aws:username", rest[strings.LastIndexByte(rest, '/')+1:])
	case parts[2] == "iam" && kind == "role", parts[2] == "sts" && kind == "assumed-role":
		set("aws:PrincipalType", "AssumedRole")
	case parts[2] == "sts" && kind == "federated-user":
		set("aws:PrincipalType", "FederatedUser")
	}
}
