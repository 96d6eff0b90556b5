package policy

import (
	"errors"
	"strings"
)

// PrincipalKind says which kind of identity a request comes from, matching the
// keys of a policy's Principal element (IAM JSON policy elements reference: Principal).
type PrincipalKind uint8

const (
	PrincipalAnonymous PrincipalKind = iota
	PrincipalAWS                     // an IAM or STS principal, named by its ARN
	PrincipalService                 // an AWS service, e.g. sns.amazonaws.com
	PrincipalFederated
	PrincipalCanonicalUser
)

// Principal is who sends a request.
type Principal struct {
	Kind PrincipalKind
	// ID is the principal's ARN (PrincipalAWS), the service's name (PrincipalService),
	// or the federated provider or canonical user id.
	ID string
}

// ParsePrincipal reads a principal as a user names it: an IAM or STS ARN, a
// 12-digit account id (meaning that account's root user, as in a Principal
// element), or a service principal such as sns.amazonaws.com. Anything else is
// an error that says which forms are accepted.
func ParsePrincipal(s string) (Principal, error) {
	switch {
	case isAccountID(s):
		return Principal{Kind: PrincipalAWS, ID: "arn:aws:iam::" + s + ":root"}, nil
	case strings.HasPrefix(s, "arn:"):
		if _, err := parseAWSPrincipalARN(s); err != nil {
			return Principal{}, err
		}
		return Principal{Kind: PrincipalAWS, ID: s}, nil
	case isServicePrincipal(s):
		return Principal{Kind: PrincipalService, ID: s}, nil
	}
	return Principal{}, errors.New("a principal is an IAM or STS ARN, a 12-digit account id, or a service principal ending in .amazonaws.com")
}

func isAccountID(s string) bool {
	if len(s) != 12 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func isServicePrincipal(s string) bool {
	name, ok := strings.CutSuffix(s, ".amazonaws.com")
	if !ok {
		if name, ok = strings.CutSuffix(s, ".amazonaws.com.cn"); !ok {
			return false
		}
	}
	if name == "" {
		return false
	}
	for i := 0; i < len(name); i++ {
		switch name[i] {
		case '*', '?', ' ', '/', ':':
			return false
		}
	}
	return true
}

// principalARN is an IAM or STS principal ARN taken apart (rule V-7).
type principalARN struct {
	partition string
	account   string
	kind      string // "root", "user", "role", "assumed-role"
	name      string // user or role name (without path); for assumed-role the role name
}

// parseAWSPrincipalARN accepts arn:<partition>:iam::<account>:root|user/...|role/...
// and arn:<partition>:sts::<account>:assumed-role/<role>/<session>. IAM does not
// accept wildcards inside a principal ARN ("You cannot use a wildcard to match
// part of a principal name or ARN", IAM JSON policy elements reference: Principal).
func parseAWSPrincipalARN(s string) (principalARN, error) {
	var parts [6]string
	rest := s
	for i := 0; i < 5; i++ {
		j := strings.IndexByte(rest, ':')
		if j < 0 {
			return principalARN{}, errors.New("is not an ARN")
		}
		parts[i], rest = rest[:j], rest[j+1:]
	}
	parts[5] = rest
	if parts[0] != "arn" {
		return principalARN{}, errors.New("is not an ARN")
	}
	if hasWildcard(s) {
		return principalARN{}, errors.New("has a wildcard; a principal ARN must be exact (only \"*\" alone means everyone)")
	}
	p := principalARN{partition: parts[1], account: parts[4]}
	if !validPartition(p.partition) {
		return principalARN{}, errors.New("has no valid partition (such as aws)")
	}
	if parts[3] != "" {
		return principalARN{}, errors.New("has a region; IAM and STS principal ARNs have none")
	}
	if !isAccountID(p.account) {
		return principalARN{}, errors.New("has no 12-digit account id")
	}
	res := parts[5]
	switch parts[2] {
	case "iam":
		switch {
		case res == "root":
			p.kind = "root"
			return p, nil
		case strings.HasPrefix(res, "user/"), strings.HasPrefix(res, "role/"):
			kind, path, _ := strings.Cut(res, "/")
			name := path[strings.LastIndexByte(path, '/')+1:]
			if name == "" {
				return principalARN{}, errors.New("names no " + kind)
			}
			p.kind, p.name = kind, name
			return p, nil
		}
		return principalARN{}, errors.New("is not an IAM root, user or role ARN")
	case "sts":
		if rest, ok := strings.CutPrefix(res, "assumed-role/"); ok {
			role, session, ok := strings.Cut(rest, "/")
			if ok && role != "" && session != "" {
				p.kind, p.name = "assumed-role", role
				return p, nil
			}
		}
		return principalARN{}, errors.New("is not an STS assumed-role ARN (arn:aws:sts::<account>:assumed-role/<role>/<session>)")
	}
	return principalARN{}, errors.New("is not an IAM or STS ARN")
}

func validPartition(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z') && !('0' <= c && c <= '9') && c != '-' {
			return false
		}
	}
	return true
}

// caller is a request's principal, its ARN taken apart once per evaluation.
type caller struct {
	p     *Principal
	arn   principalARN
	arnOK bool
}

func newCaller(p *Principal) caller {
	c := caller{p: p}
	if p.Kind == PrincipalAWS {
		a, err := parseAWSPrincipalARN(p.ID)
		c.arn, c.arnOK = a, err == nil
	}
	return c
}

// principalSet is a compiled Principal or NotPrincipal element.
type principalSet struct {
	everyone  bool     // "*" or {"AWS":"*"}
	accounts  []string // account ids, from an id or an account's :root ARN
	arns      []string // user and assumed-role ARNs, matched exactly
	roles     []principalARN
	services  []string
	federated []string
	canonical []string
}

// matches reports whether the set names p. IAM's account principal (an account id,
// or arn:aws:iam::<account>:root) stands for every principal of that account, and
// a role ARN also covers the role's sessions (IAM JSON policy elements reference:
// Principal, "AWS account principals" and "IAM role principals").
func (ps *principalSet) matches(who *caller) bool {
	if ps.everyone {
		return true
	}
	p, a := who.p, &who.arn
	switch p.Kind {
	case PrincipalAWS:
		if !who.arnOK {
			// Not an ARN IAM could issue; only an exact listing can match it.
			return contains(ps.arns, p.ID)
		}
		if contains(ps.accounts, a.account) || contains(ps.arns, p.ID) {
			return true
		}
		for _, r := range ps.roles {
			if r.partition == a.partition && r.account == a.account && r.name == a.name &&
				(a.kind == "role" || a.kind == "assumed-role") {
				return true
			}
		}
	case PrincipalService:
		for _, s := range ps.services {
			if strings.EqualFold(s, p.ID) {
				return true
			}
		}
	case PrincipalFederated:
		return contains(ps.federated, p.ID)
	case PrincipalCanonicalUser:
		return contains(ps.canonical, p.ID)
	}
	return false
}

func contains(list []string, s string) bool {
	for _, v := range list {
		if v == s {
			return true
		}
	}
	return false
}
