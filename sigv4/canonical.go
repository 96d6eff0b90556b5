package sigv4

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"hash"
	"net/http"
	"net/textproto"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// canonicalRequest builds the canonical request of Signature Version 4 ("Create a canonical
// request", IAM User Guide, create-signed-request.html):
//
//	Method \n CanonicalURI \n CanonicalQueryString \n CanonicalHeaders \n SignedHeaders \n HashedPayload
//
// The signer and the verifier share it, so the two cannot drift apart. signed lists the
// lowercase header names to include, separated by ';'; presigned drops X-Amz-Signature from the
// query, as the query-string signing documents require.
func canonicalRequest(r *http.Request, query []queryParam, signed string, payloadHash string, presigned bool) []byte {
	b := make([]byte, 0, 512)
	b = append(b, r.Method...)
	b = append(b, '\n')
	b = appendCanonicalURI(b, r)
	b = append(b, '\n')
	b = appendCanonicalQuery(b, query, presigned)
	b = append(b, '\n')
	for name := range strings.SplitSeq(signed, ";") {
		b = append(b, name...)
		b = append(b, ':')
		b = appendHeaderValues(b, r, name)
		b = append(b, '\n')
	}
	b = append(b, '\n')
	b = append(b, signed...)
	b = append(b, '\n')
	b = append(b, payloadHash...)
	return b
}

// appendCanonicalURI appends the URI-encoded path. For every service but Amazon S3 each path
// segment is encoded once more on top of its wire form ("Each path segment must be
// URI-encoded twice", create-signed-request.html): the wire path is already encoded once,
// so the escaped path is encoded a second time here. An empty path is "/".
func appendCanonicalURI(b []byte, r *http.Request) []byte {
	p := r.URL.EscapedPath()
	if p == "" {
		return append(b, '/')
	}
	return appendEscaped(b, p, true)
}

// appendCanonicalQuery appends the query parameters URI-encoded and sorted by encoded name,
// then encoded value ("Sort the encoded parameters by key name ... the sorting occurs after
// encoding", create-signed-request.html). A name without '=' has an empty value.
func appendCanonicalQuery(b []byte, query []queryParam, presigned bool) []byte {
	if len(query) == 0 {
		return b
	}
	// All encoded names and values go into one buffer; pairs index into it, so sorting
	// moves small structs and the query costs two allocations whatever its length.
	type span struct{ k0, k1, v1 int }
	enc := make([]byte, 0, 64*len(query))
	pairs := make([]span, 0, len(query))
	for _, p := range query {
		if presigned && p.Key == qSignature {
			continue
		}
		k0 := len(enc)
		enc = appendEscaped(enc, p.Key, false)
		k1 := len(enc)
		enc = appendEscaped(enc, p.Value, false)
		pairs = append(pairs, span{k0, k1, len(enc)})
	}
	slices.SortFunc(pairs, func(x, y span) int {
		if c := bytes.Compare(enc[x.k0:x.k1], enc[y.k0:y.k1]); c != 0 {
			return c
		}
		return bytes.Compare(enc[x.k1:x.v1], enc[y.k1:y.v1])
	})
	for i, p := range pairs {
		if i > 0 {
			b = append(b, '&')
		}
		b = append(b, enc[p.k0:p.k1]...)
		b = append(b, '=')
		b = append(b, enc[p.k1:p.v1]...)
	}
	return b
}

// appendHeaderValues appends a signed header's canonical value: its values trimmed, inner
// runs of spaces folded to one, joined with commas ("Trim any leading or trailing spaces ...
// convert sequential spaces to a single space", create-signed-request.html). Go's server
// moves Host out of the header map into r.Host, so host is read from there; Content-Length
// falls back to r.ContentLength, which is how an outgoing request carries it.
func appendHeaderValues(b []byte, r *http.Request, name string) []byte {
	switch name {
	case "host", ":authority":
		h := r.Host
		if h == "" && r.URL != nil {
			h = r.URL.Host
		}
		return appendFolded(b, h)
	case "content-length":
		if _, ok := r.Header["Content-Length"]; !ok && r.ContentLength > 0 {
			return strconv.AppendInt(b, r.ContentLength, 10)
		}
	}
	for i, v := range r.Header[canonicalHeaderKey(name)] {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendFolded(b, v)
	}
	return b
}

// commonHeaderKeys maps the lowercase names SDKs sign to Go's canonical header keys, so
// that looking them up does not allocate; other names are canonicalised on the fly.
var commonHeaderKeys = map[string]string{
	"content-type":          "Content-Type",
	"content-length":        "Content-Length",
	"x-amz-date":            "X-Amz-Date",
	"x-amz-content-sha256":  "X-Amz-Content-Sha256",
	"x-amz-security-token":  "X-Amz-Security-Token",
	"x-amz-target":          "X-Amz-Target",
	"x-amz-user-agent":      "X-Amz-User-Agent",
	"amz-sdk-invocation-id": "Amz-Sdk-Invocation-Id",
	"amz-sdk-request":       "Amz-Sdk-Request",
	"date":                  "Date",
}

func canonicalHeaderKey(lower string) string {
	if k, ok := commonHeaderKeys[lower]; ok {
		return k
	}
	return textproto.CanonicalMIMEHeaderKey(lower)
}

// appendFolded appends v without leading and trailing whitespace and with every run of
// spaces inside it replaced by one space.
func appendFolded(b []byte, v string) []byte {
	v = strings.TrimSpace(v)
	space := false
	for i := 0; i < len(v); i++ {
		c := v[i]
		if c == ' ' {
			if space {
				continue
			}
			space = true
		} else {
			space = false
		}
		b = append(b, c)
	}
	return b
}

// appendEscaped URI-encodes s as SigV4 requires: every byte except the unreserved characters
// A-Z a-z 0-9 - _ . ~ becomes %XX with uppercase hex; '/' is kept in paths only
// ("URI-encode each parameter name and value", create-signed-request.html).
func appendEscaped(b []byte, s string, keepSlash bool) []byte {
	const hexUpper = "0123456789ABCDEF"
	for i := 0; i < len(s); i++ {
		c := s[i]
		if unreserved(c) || (keepSlash && c == '/') {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hexUpper[c>>4], hexUpper[c&15])
	}
	return b
}

func unreserved(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_' || c == '.' || c == '~'
}

// stringToSign builds "AWS4-HMAC-SHA256 \n RequestDateTime \n CredentialScope \n
// hex(SHA256(CanonicalRequest))" ("Create a string to sign", create-signed-request.html).
func stringToSign(amzDate, scope string, canonical []byte) []byte {
	sum := sha256.Sum256(canonical)
	b := make([]byte, 0, len(algorithm)+len(amzDate)+len(scope)+3+64)
	b = append(b, algorithm...)
	b = append(b, '\n')
	b = append(b, amzDate...)
	b = append(b, '\n')
	b = append(b, scope...)
	b = append(b, '\n')
	return hex.AppendEncode(b, sum[:])
}

// signingKey derives kSigning = HMAC(HMAC(HMAC(HMAC("AWS4"+secret, date), region), service),
// "aws4_request") ("Derive a signing key", create-signed-request.html).
func signingKey(secret, date, region, service string) []byte {
	k := hmacSHA256([]byte("AWS4"+secret), date)
	k = hmacSHA256(k, region)
	k = hmacSHA256(k, service)
	return hmacSHA256(k, scopeTerminator)
}

func hmacSHA256(key []byte, data string) []byte {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(data))
	return h.Sum(nil)
}

// keyCache keeps derived signing keys: a key depends only on (secret, date, region, service),
// so deriving it (four HMACs) once per day and region is enough. Each entry also pools
// HMAC states keyed with it, so that verifying a signature allocates no new hash. The region
// comes from the client, so the cache is bounded: when full it starts over.
type keyCache struct {
	mu   sync.RWMutex
	keys map[keyCacheKey]*cachedKey
}

type keyCacheKey struct{ secret, date, region, service string }

type cachedKey struct {
	macs sync.Pool // of hash.Hash: HMAC-SHA256 keyed with the signing key
}

// sign returns the lowercase hex HMAC-SHA256 of toSign under the cached key.
func (k *cachedKey) sign(toSign []byte) []byte {
	mac := k.macs.Get().(hash.Hash)
	mac.Reset()
	mac.Write(toSign)
	var sum [sha256.Size]byte
	out := hex.AppendEncode(make([]byte, 0, 2*sha256.Size), mac.Sum(sum[:0]))
	k.macs.Put(mac)
	return out
}

const keyCacheMax = 4096

func (c *keyCache) get(secret, date, region, service string) *cachedKey {
	k := keyCacheKey{secret, date, region, service}
	c.mu.RLock()
	entry, ok := c.keys[k]
	c.mu.RUnlock()
	if ok {
		return entry
	}
	key := signingKey(secret, date, region, service)
	entry = &cachedKey{macs: sync.Pool{New: func() any { return hmac.New(sha256.New, key) }}}
	c.mu.Lock()
	if c.keys == nil || len(c.keys) >= keyCacheMax {
		c.keys = make(map[keyCacheKey]*cachedKey)
	}
	c.keys[k] = entry
	c.mu.Unlock()
	return entry
}
