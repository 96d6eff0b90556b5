package policy

// Context holds a request's condition keys and their values. IAM compares key
// names case-insensitively ("Condition key names are not case-sensitive", IAM JSON
// policy elements reference: Condition), so keys are stored in lower case. A key
// may have several values (a multivalued key, for ForAllValues and ForAnyValue).
// The zero value is an empty context ready to use.
type Context struct {
	m map[string][]string
}

// Set replaces key's values.
func (c *Context) Set(key string, values ...string) {
	if c.m == nil {
		c.m = make(map[string][]string)
	}
	c.m[lowerASCII(key)] = append([]string(nil), values...)
}

// Add appends a value to key's values.
func (c *Context) Add(key, value string) {
	if c.m == nil {
		c.m = make(map[string][]string)
	}
	k := lowerASCII(key)
	c.m[k] = append(c.m[k], value)
}

// Delete removes key.
func (c *Context) Delete(key string) { delete(c.m, lowerASCII(key)) }

// Get returns key's values and whether the context has key.
func (c Context) Get(key string) ([]string, bool) { return c.lookup(lowerASCII(key)) }

// lookup takes a key already in lower case.
func (c Context) lookup(key string) ([]string, bool) {
	v, ok := c.m[key]
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
