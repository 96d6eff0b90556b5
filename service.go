package xraylocal

import (
	"context"
	"strings"
	"time"
)

// AccessRequest is one request for a policy engine to decide: who asks to do what, on
// which resource, and when.
type AccessRequest struct {
	Caller   Caller
	Action   string // for example "xray:PutResourcePolicy"
	Resource string // "*" for every X-Ray action without a resource ARN (rule P-6)
	Time     time.Time
}

// PolicyCheck is what a policy engine found in a valid resource-policy document.
type PolicyCheck struct {
	// LocksOut is true when the document explicitly denies the access request it was
	// checked against (rule P-6).
	LocksOut bool
	// DeniedBy names the statements that decided (their Sid, or their 1-based position).
	DeniedBy []string
}

// PolicyEngine validates resource-policy documents and evaluates them.
type PolicyEngine interface {
	// CheckResourcePolicy validates document (rules V-1..V-12). An invalid document gets
	// an *Error with code MalformedPolicyDocumentException whose message names the
	// statement and the element at fault (rule P-3). A valid one is evaluated against
	// lockout, the caller's own xray:PutResourcePolicy.
	CheckResourcePolicy(document string, lockout AccessRequest) (PolicyCheck, error)
}

// Service carries out the resource-policy operations. Its fields are its dependencies;
// all are required except Now, which defaults to time.Now.
type Service struct {
	Store    Store
	Policies PolicyEngine
	Now      func() time.Time
}

// PutResourcePolicyInput is a PutResourcePolicy request whose members passed the model's
// constraints (rule P-1, checked at the edge).
type PutResourcePolicyInput struct {
	PolicyName               string
	PolicyDocument           string
	PolicyRevisionID         *string
	BypassPolicyLockoutCheck bool
}

// now returns the service's time, truncated to the microsecond every store keeps.
func (s *Service) now() time.Time {
	now := time.Now
	if s.Now != nil {
		now = s.Now
	}
	return now().Truncate(time.Microsecond)
}

// PutResourcePolicy creates or updates a resource policy of the caller's scope, applying
// rules P-2..P-9 in order. Errors are *Error values for the client, or store failures.
func (s *Service) PutResourcePolicy(ctx context.Context, caller Caller, in PutResourcePolicyInput) (ResourcePolicy, error) {
	if n := len(in.PolicyDocument); n > MaxPolicyDocumentBytes {
		return ResourcePolicy{}, Errorf(PolicySizeLimitExceededException,
			"PolicyDocument is %d bytes; a resource policy may be at most %d bytes (UTF-8)", n, MaxPolicyDocumentBytes)
	}
	now := s.now()
	check, err := s.Policies.CheckResourcePolicy(in.PolicyDocument, AccessRequest{
		Caller: caller, Action: "xray:PutResourcePolicy", Resource: "*", Time: now,
	})
	if err != nil {
		return ResourcePolicy{}, err
	}
	var refuse error
	if check.LocksOut && !in.BypassPolicyLockoutCheck {
		refuse = Errorf(LockoutPreventionException,
			"statement %s would deny %s the action xray:PutResourcePolicy, locking the caller out of this policy; change the statement, or set BypassPolicyLockoutCheck to true",
			strings.Join(check.DeniedBy, ", "), caller.PrincipalARN)
	}
	return s.Store.PutResourcePolicy(ctx, PutRequest{
		Scope:            caller.Scope,
		Name:             in.PolicyName,
		Document:         in.PolicyDocument,
		ExpectedRevision: in.PolicyRevisionID,
		Time:             now,
		Refuse:           refuse,
	})
}

// ListResourcePolicies returns the policies of the caller's scope ordered by name (L-1, L-2).
func (s *Service) ListResourcePolicies(ctx context.Context, caller Caller) ([]ResourcePolicy, error) {
	return s.Store.ListResourcePolicies(ctx, caller.Scope)
}

// DeleteResourcePolicy removes a policy of the caller's scope (rules D-1..D-4).
func (s *Service) DeleteResourcePolicy(ctx context.Context, caller Caller, name string, revision *string) error {
	return s.Store.DeleteResourcePolicy(ctx, DeleteRequest{Scope: caller.Scope, Name: name, ExpectedRevision: revision})
}
