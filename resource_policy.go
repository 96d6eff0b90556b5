// Package xraylocal holds the domain of the X-Ray emulator: accounts and regions, resource
// policies, the rules AWS applies to them, and the contracts (store, policy engine) that the
// adapters around it implement.
package xraylocal

import (
	"strconv"
	"time"
)

// Defaults for requests that carry no credentials (rule A-2).
const (
	DefaultAccount = "000000000000"
	DefaultRegion  = "us-east-1"
)

// Limits AWS documents for resource policies (service model; CloudFormation AWS::XRay::ResourcePolicy).
const (
	MaxResourcePolicies    = 5    // per account and region (P-5)
	MaxPolicyDocumentBytes = 5120 // UTF-8 bytes of the document (P-2)
)

// Scope is the (account, region) that owns a piece of state (rule A-1).
type Scope struct {
	Account string
	Region  string
}

// ResourcePolicy is one stored resource policy.
type ResourcePolicy struct {
	Name     string
	Document string // byte for byte as the client sent it (P-7)
	// Revision counts the successful Puts since the policy was created: 1, 2, 3, ... (P-7, P-9).
	Revision    int64
	LastUpdated time.Time
}

// RevisionID is the revision as X-Ray spells it on the wire: a decimal string.
func (p ResourcePolicy) RevisionID() string { return strconv.FormatInt(p.Revision, 10) }

// Caller is who sent a request and how, as the edge established it (rules ).
type Caller struct {
	Scope
	AccessKeyID     string // empty for unsigned requests
	PrincipalARN    string // arn:aws:iam::<account>:root unless credentials name another
	SourceIP        string // the TCP peer's address, without port
	SecureTransport bool   // false on plain HTTP
}

// RootPrincipal returns the ARN of an account's root principal (rule A-3).
func RootPrincipal(account string) string { return "arn:aws:iam::" + account + ":root" }
