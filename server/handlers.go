package server

import (
	"context"

	"github.com/xraylocal/xraylocal"
	"github.com/xraylocal/xraylocal/operations"
)

// handler runs one X-Ray operation on a body that passed the model's checks, given as
// the raw members operations.CheckMembers returned for the input shape in.
type handler func(ctx context.Context, in *operations.Shape, members [][]byte) (any, error)

// op adapts a typed operation func(ctx, *Input) (*Output, error) to a handler.
func op[In, Out any](fn func(context.Context, *In) (*Out, error)) handler {
	return func(ctx context.Context, shape *operations.Shape, members [][]byte) (any, error) {
		in := new(In)
		if err := decodeMembers(shape, members, in); err != nil {
			return nil, xraylocal.Errorf(xraylocal.SerializationException, "the request body does not match the operation's input: %v", err)
		}
		return fn(ctx, in)
	}
}

// handlers is the table of the X-Ray operations xraylocal implements, by operation name.
// Every other operation of the model answers NotImplemented (rule W-6).
func (s *Server) operationHandlers() map[string]handler {
	return map[string]handler{
		"PutResourcePolicy":    op(s.putResourcePolicy),
		"ListResourcePolicies": op(s.listResourcePolicies),
		"DeleteResourcePolicy": op(s.deleteResourcePolicy),
	}
}

type callerKey struct{}

// callerFrom returns the caller the edge authenticated for this request.
func callerFrom(ctx context.Context) xraylocal.Caller {
	c, _ := ctx.Value(callerKey{}).(xraylocal.Caller)
	return c
}

func (s *Server) putResourcePolicy(ctx context.Context, in *putResourcePolicyInput) (*putResourcePolicyOutput, error) {
	p, err := s.service.PutResourcePolicy(ctx, callerFrom(ctx), xraylocal.PutResourcePolicyInput{
		PolicyName:               in.PolicyName,
		PolicyDocument:           in.PolicyDocument,
		PolicyRevisionID:         in.PolicyRevisionId,
		BypassPolicyLockoutCheck: in.BypassPolicyLockoutCheck,
	})
	if err != nil {
		return nil, err
	}
	return &putResourcePolicyOutput{ResourcePolicy: resourcePolicyToWire(p)}, nil
}

func (s *Server) listResourcePolicies(ctx context.Context, in *listResourcePoliciesInput) (*listResourcePoliciesOutput, error) {
	if in.NextToken != nil {
		// Rule L-3: every listing fits one page (at most 5 policies), so this server never
		// issues a token, and any token it is sent is not one of its own.
		return nil, xraylocal.Errorf(xraylocal.InvalidRequestException,
			"NextToken %q was not issued by this server; ListResourcePolicies returns every policy in one page, so call it without NextToken", *in.NextToken)
	}
	ps, err := s.service.ListResourcePolicies(ctx, callerFrom(ctx))
	if err != nil {
		return nil, err
	}
	out := &listResourcePoliciesOutput{ResourcePolicies: make([]resourcePolicyJSON, len(ps))}
	for i, p := range ps {
		out.ResourcePolicies[i] = resourcePolicyToWire(p)
	}
	return out, nil
}

func (s *Server) deleteResourcePolicy(ctx context.Context, in *deleteResourcePolicyInput) (*deleteResourcePolicyOutput, error) {
	if err := s.service.DeleteResourcePolicy(ctx, callerFrom(ctx), in.PolicyName, in.PolicyRevisionId); err != nil {
		return nil, err
	}
	return &deleteResourcePolicyOutput{}, nil
}
