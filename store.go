package xraylocal

import (
	"context"
	"time"
)

// Store keeps resource policies per Scope. Implementations live in store/memory,
// store/sqlite and store/postgres; store/storetest is the conformance suite every one of
// them passes. The comments below are the contract.
//
// Every method returns either an *Error meant for the client (the codes named below) or
// another error, which the edge answers as InternalFailure, or, when it wraps
// ErrUnavailable, as ServiceUnavailableException.
type Store interface {
	// PutResourcePolicy creates or updates the policy req.Name in req.Scope. Reading the
	// current policy and the scope's policy count, deciding with DecidePut, and writing
	// the result are one atomic step (rule P-8): of concurrent Puts naming the same
	// expected revision exactly one succeeds, and concurrent creates never leave more
	// than MaxResourcePolicies policies in a scope, also across processes sharing the
	// store. It returns the stored policy, or DecidePut's error with nothing written.
	PutResourcePolicy(ctx context.Context, req PutRequest) (ResourcePolicy, error)

	// Documents come back byte for byte, whatever bytes they hold, and LastUpdated as
	// DecidePut set it: in UTC, to the microsecond.
	//
	// ListResourcePolicies returns every policy of scope, ordered by name in byte order
	// (rule L-2), and an empty, non-nil slice when there are none. It sees every Put
	// acknowledged before it was called (rule L-4).
	ListResourcePolicies(ctx context.Context, scope Scope) ([]ResourcePolicy, error)

	// DeleteResourcePolicy removes the policy req.Name from req.Scope after DecideDelete
	// allowed it, in one atomic step; it returns DecideDelete's error with nothing removed.
	DeleteResourcePolicy(ctx context.Context, req DeleteRequest) error

	// Reset removes all state of all scopes.
	Reset(ctx context.Context) error

	// Ping returns nil when the store can serve requests.
	Ping(ctx context.Context) error

	// Close releases the store. Every write acknowledged before Close stays durable for
	// stores that promise durability (sqlite, postgres).
	Close() error
}

// ErrUnavailable marks a store error caused by the backing database being out of reach.
var ErrUnavailable = &Error{Code: ServiceUnavailableException, Message: "the state store is unavailable; retry later"}

// PutRequest is a PutResourcePolicy that passed every check that needs no state.
type PutRequest struct {
	Scope
	Name     string
	Document string
	// ExpectedRevision is the client's PolicyRevisionId, nil when absent (rule P-4).
	ExpectedRevision *string
	// Time is the write's LastUpdatedTime (rule P-7).
	Time time.Time
	// Refuse, when not nil, is the error returned once the revision and count checks
	// have passed, with nothing written: the lockout check (rule P-6) comes after them.
	Refuse error
}

// DeleteRequest is a DeleteResourcePolicy that passed every check that needs no state.
type DeleteRequest struct {
	Scope
	Name string
	// ExpectedRevision is the client's PolicyRevisionId, nil when absent (rule D-2).
	ExpectedRevision *string
}

// DecidePut applies rules P-4, P-5, P-6 and P-7 to a Put, given the policy currently
// stored under req.Name (nil when there is none) and the number of policies in the scope.
// It returns the policy to write, or the error to answer with. Stores call it inside the
// transaction that then writes its result.
func DecidePut(req PutRequest, current *ResourcePolicy, count int) (ResourcePolicy, error) {
	if exp := req.ExpectedRevision; exp != nil {
		switch {
		case *exp == "0" && current != nil:
			return ResourcePolicy{}, Errorf(InvalidPolicyRevisionIdException,
				"a resource policy named %q already exists (revision %s); PolicyRevisionId 0 only creates a new policy",
				req.Name, current.RevisionID())
		case *exp != "0" && current == nil:
			return ResourcePolicy{}, Errorf(InvalidPolicyRevisionIdException,
				"no resource policy named %q exists, so PolicyRevisionId %q cannot match; omit it, or pass 0 to create the policy",
				req.Name, *exp)
		case current != nil && *exp != current.RevisionID():
			return ResourcePolicy{}, revisionMismatch(req.Name, *exp, current)
		}
	}
	if current == nil && count >= MaxResourcePolicies {
		return ResourcePolicy{}, Errorf(PolicyCountLimitExceededException,
			"account %s already has %d resource policies in %s, the maximum; delete one or update an existing policy",
			req.Account, count, req.Region)
	}
	if req.Refuse != nil {
		return ResourcePolicy{}, req.Refuse
	}
	// Every store keeps times to the microsecond, in UTC (PostgreSQL's timestamptz can
	// hold no more), so every store answers the same time.
	next := ResourcePolicy{Name: req.Name, Document: req.Document, Revision: 1, LastUpdated: req.Time.UTC().Truncate(time.Microsecond)}
	if current != nil {
		next.Revision = current.Revision + 1
	}
	return next, nil
}

// DecideDelete applies rules D-2 and D-3 to a Delete, given the policy currently stored
// under req.Name (nil when there is none). It returns nil when the policy may be removed.
func DecideDelete(req DeleteRequest, current *ResourcePolicy) error {
	switch {
	case current == nil && req.ExpectedRevision != nil:
		return Errorf(InvalidPolicyRevisionIdException,
			"no resource policy named %q exists, so PolicyRevisionId %q cannot match", req.Name, *req.ExpectedRevision)
	case current == nil:
		return Errorf(InvalidRequestException,
			"no resource policy named %q exists in account %s, region %s", req.Name, req.Account, req.Region)
	case req.ExpectedRevision != nil && *req.ExpectedRevision != current.RevisionID():
		return revisionMismatch(req.Name, *req.ExpectedRevision, current)
	}
	return nil
}

func revisionMismatch(name, expected string, current *ResourcePolicy) error {
	return Errorf(InvalidPolicyRevisionIdException,
		"PolicyRevisionId %q does not match the current revision %q of resource policy %q; list the policies for the current revision",
		expected, current.RevisionID(), name)
}
