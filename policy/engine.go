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
	var ctx Context
	SetPrincipalKeys(&ctx, PrincipalOf(c))
	if c.SourceIP != "" {
		ctx.Set("aws:SourceIp", c.SourceIP)
	}
	if !now.IsZero() {
		SetTimeKeys(&ctx, now)
	}
	ctx.Set("aws:SecureTransport", strconv.FormatBool(c.SecureTransport))
	if c.Region != "" {
		ctx.Set("aws:RequestedRegion", c.Region)
	}
	return ctx
}

// SetTimeKeys sets aws:CurrentTime and aws:EpochTime from now.
func SetTimeKeys(ctx *Context, now time.Time) {
	ctx.Set("aws:CurrentTime", now.UTC().Format("2006-01-02T15:04:05Z"))
	ctx.Set("aws:EpochTime", strconv.FormatInt(now.Unix(), 10))
}

// SetPrincipalKeys sets the keys that describe the principal. aws:PrincipalType
// follows the IAM table of principal key values: "Account" for an account's
// root user, "User" for an IAM user, "AssumedRole" for a role session,
// "FederatedUser" for an STS federated user, "Anonymous" without credentials. A
// service principal instead gets aws:PrincipalServiceName and
// aws:PrincipalIsAWSService=true.
func SetPrincipalKeys(ctx *Context, p Principal) {
	switch p.Kind {
	case PrincipalService:
		ctx.Set("aws:PrincipalServiceName", p.ID)
		ctx.Set("aws:PrincipalIsAWSService", "true")
		return
	case PrincipalAnonymous:
		ctx.Set("aws:PrincipalType", "Anonymous")
		ctx.Set("aws:PrincipalIsAWSService", "false")
		return
	case PrincipalAWS:
	default:
		ctx.Set("aws:PrincipalIsAWSService", "false")
		return
	}
	ctx.Set("aws:PrincipalArn", p.ID)
	ctx.Set("aws:PrincipalIsAWSService", "false")
	parts := strings.SplitN(p.ID, ":", 6)
	if len(parts) != 6 {
		return
	}
	account, resource := parts[4], parts[5]
	if account != "" {
		ctx.Set("aws:PrincipalAccount", account)
	}
	kind, rest, _ := strings.Cut(resource, "/")
	switch {
	case parts[2] == "iam" && resource == "root":
		ctx.Set("aws:PrincipalType", "Account")
		ctx.Set("aws:userid", account)
	case parts[2] == "iam" && kind == "user":
		ctx.Set("aws:PrincipalType", "User")
		ctx.Set("aws:username", rest[strings.LastIndexByte(rest, '/')+1:])
	case parts[2] == "iam" && kind == "role", parts[2] == "sts" && kind == "assumed-role":
		ctx.Set("aws:PrincipalType", "AssumedRole")
	case parts[2] == "sts" && kind == "federated-user":
		ctx.Set("aws:PrincipalType", "FederatedUser")
	}
}
