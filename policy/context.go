package policy

import "sync"

// Context holds a request's condition keys and their values. IAM compares key
// names case-insensitively ("Condition key names are not case-sensitive", IAM JSON
// policy elements reference: Condition), so keys are stored in lower case. A key
// may have several values (a multivalued key, for ForAllValues and ForAnyValue).
// The zero value is an empty context ready to use. Copies of a Context share its keys.
type Context struct {
	m map[string][]string
	// lazy, when set, builds m on first use: most policies decide most requests
	// without reading a key, and the server builds a context for every request.
	lazy *lazyKeys
}

// lazyKeys builds a context's keys once, on first use.
type lazyKeys struct {
	once  sync.Once
	build func() map[string][]string
	m     map[string][]string
}

// lazyContext returns a context whose keys build makes when they are first read or
// changed.
func lazyContext(build func() map[string][]string) Context {
	return Context{lazy: &lazyKeys{build: build}}
}

// keys returns the context's keys, built now if they are lazy.
func (c Context) keys() map[string][]string {
	if c.m == nil && c.lazy != nil {
		c.lazy.once.Do(func() { c.lazy.m = c.lazy.build() })
		return c.lazy.m
	}
	return c.m
}

// own makes c's keys its own, to change them.
func (c *Context) own() {
	if c.m == nil {
		c.m = c.keys()
		c.lazy = nil
	}
	if c.m == nil {
		c.m = make(map[string][]string)
	}
}

// Set replaces key's values.
func (c *Context) Set(key string, values ...string) {
	c.own()
	c.m[lowerKey(key)] = append([]string(nil), values...)
}

// Add appends a value to key's values.
func (c *Context) Add(key, value string) {
	c.own()
	k := lowerKey(key)
	c.m[k] = append(c.m[k], value)
}

// Delete removes key.
func (c *Context) Delete(key string) {
	c.own()
	delete(c.m, lowerKey(key))
}

// Get returns key's values and whether the context has key.
func (c Context) Get(key string) ([]string, bool) { return c.lookup(lowerKey(key)) }

// lookup takes a key already in lower case.
func (c Context) lookup(key string) ([]string, bool) {
	v, ok := c.keys()[key]
	return v, ok
}

// Request is one request to evaluate: who asks to do what, on which resource,
// with which condition keys.
type Request struct {
	Principal Principal
	Action    string // e.g. "xray:PutResourcePolicy"
	Resource  string // an ARN, or "*" for actions without a resource
	Context   Context
}

// wellKnownKeys are global condition keys (IAM User Guide, "AWS global condition
// context keys") and the service keys X-Ray's documented policies use, mapped to
// their lower case so that reading them from a policy allocates nothing.
var wellKnownKeys = func() map[string]string {
	keys := []string{
		"aws:CalledVia", "aws:CurrentTime", "aws:EpochTime", "aws:PrincipalAccount",
		"aws:PrincipalArn", "aws:PrincipalIsAWSService", "aws:PrincipalOrgID",
		"aws:PrincipalServiceName", "aws:PrincipalType", "aws:RequestedRegion",
		"aws:ResourceAccount", "aws:SecureTransport", "aws:SourceAccount", "aws:SourceArn",
		"aws:SourceIp", "aws:SourceOrgID", "aws:SourceVpc", "aws:SourceVpce", "aws:TagKeys",
		"aws:userid", "aws:username", "aws:ViaAWSService", "logs:LogGeneratingResourceArns",
	}
	m := make(map[string]string, len(keys))
	for _, k := range keys {
		m[k] = lowerASCII(k)
	}
	return m
}()

// lowerKey returns a condition key in lower case.
func lowerKey(k string) string {
	if l, ok := wellKnownKeys[k]; ok {
		return l
	}
	return lowerASCII(k)
}
