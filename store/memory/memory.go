// Package memory is a Store that keeps everything in the process's memory: fast, and gone
// when the process ends (--store memory).
package memory

import (
	"context"
	"sort"
	"sync"

	"github.com/xraylocal/xraylocal"
)

// Store is an in-memory xraylocal.Store. The zero value is not usable; call New.
type Store struct {
	mu       sync.RWMutex
	policies map[xraylocal.Scope]map[string]xraylocal.ResourcePolicy
}

var _ xraylocal.Store = (*Store)(nil)

// New returns an empty store.
func New() *Store {
	return &Store{policies: map[xraylocal.Scope]map[string]xraylocal.ResourcePolicy{}}
}

// PutResourcePolicy implements xraylocal.Store; the lock makes the decision and the write one step.
func (s *Store) PutResourcePolicy(_ context.Context, req xraylocal.PutRequest) (xraylocal.ResourcePolicy, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	scope := s.policies[req.Scope]
	var current *xraylocal.ResourcePolicy
	if p, ok := scope[req.Name]; ok {
		current = &p
	}
	next, err := xraylocal.DecidePut(req, current, len(scope))
	if err != nil {
		return xraylocal.ResourcePolicy{}, err
	}
	if scope == nil {
		scope = map[string]xraylocal.ResourcePolicy{}
		s.policies[req.Scope] = scope
	}
	scope[req.Name] = next
	return next, nil
}

// ListResourcePolicies implements xraylocal.Store.
func (s *Store) ListResourcePolicies(_ context.Context, scope xraylocal.Scope) ([]xraylocal.ResourcePolicy, error) {
	s.mu.RLock()
	out := make([]xraylocal.ResourcePolicy, 0, len(s.policies[scope]))
	for _, p := range s.policies[scope] {
		out = append(out, p)
	}
	s.mu.RUnlock()
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

// DeleteResourcePolicy implements xraylocal.Store.
func (s *Store) DeleteResourcePolicy(_ context.Context, req xraylocal.DeleteRequest) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	var current *xraylocal.ResourcePolicy
	if p, ok := s.policies[req.Scope][req.Name]; ok {
		current = &p
	}
	if err := xraylocal.DecideDelete(req, current); err != nil {
		return err
	}
	delete(s.policies[req.Scope], req.Name)
	return nil
}

// Reset implements xraylocal.Store.
func (s *Store) Reset(context.Context) error {
	s.mu.Lock()
	s.policies = map[xraylocal.Scope]map[string]xraylocal.ResourcePolicy{}
	s.mu.Unlock()
	return nil
}

// Ping implements xraylocal.Store; memory is always there.
func (s *Store) Ping(context.Context) error { return nil }

// Close implements xraylocal.Store.
func (s *Store) Close() error { return nil }
