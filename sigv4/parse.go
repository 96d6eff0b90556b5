package sigv4

import (
	"net/url"
	"strings"
	"time"

	"github.com/xraylocal/xraylocal"
)

// Constants of AWS Signature Version 4 ("Create a signed AWS API request", IAM User Guide:
// https://docs.aws.amazon.com/IAM/latest/UserGuide/create-signed-request.html).
const (
	algorithm       = "AWS4-HMAC-SHA256"
	scopeTerminator = "aws4_request"
	amzDateLayout   = "20060102T150405Z" // ISO 8601 basic format, as X-Amz-Date carries it
	unsignedPayload = "UNSIGNED-PAYLOAD"

	// Service is the signing name of AWS X-Ray: the fourth part of the credential scope.
	Service = "xray"

	// maxSkew is how far a signature's time may be from the server's. The IAM User Guide
	// ("Elements of an AWS API request signature", reference_aws-signing.html) says a request
	// must reach AWS "in most cases" within five minutes of its time stamp; AWS services
	// answer a stale signature with "Signature expired: ... (... - 15 min.)", and Amazon S3
	// documents 15 minutes for RequestTimeTooSkewed. xraylocal allows 15 minutes either
	// way, the tolerance AWS applies in practice.
	maxSkew = 15 * time.Minute

	// maxPresignExpires is the longest X-Amz-Expires SigV4 accepts: seven days
	// ("Authenticating Requests: Using Query Parameters", Amazon S3 API Reference).
	maxPresignExpires = 604800
)

// Query parameters of a presigned request ("Authenticating Requests: Using Query Parameters").
const (
	qAlgorithm     = "X-Amz-Algorithm"
	qCredential    = "X-Amz-Credential"
	qDate          = "X-Amz-Date"
	qExpires       = "X-Amz-Expires"
	qSignedHeaders = "X-Amz-SignedHeaders"
	qSignature     = "X-Amz-Signature"
	qSecurityToken = "X-Amz-Security-Token"
)

// credentialScope is the Credential element of a signature:
// <AccessKeyId>/<YYYYMMDD>/<region>/<service>/aws4_request.
type credentialScope struct {
	AccessKeyID string
	Date        string
	Region      string
	Service     string
}

// scope is the credential scope as it appears in the string to sign (without the key id).
func (c credentialScope) scope() string {
	return c.Date + "/" + c.Region + "/" + c.Service + "/" + scopeTerminator
}

// claim is a signature as the client stated it, read from the Authorization header or from
// the query string of a presigned request, before anything about it is checked.
type claim struct {
	Presigned  bool
	Credential credentialScope
	// SignedHeaders is the client's list, lowercased: names separated by ';', in its order.
	SignedHeaders string
	Signature     string
}

func incomplete(format string, args ...any) error {
	return xraylocal.Errorf(xraylocal.IncompleteSignatureException, format, args...)
}

// parseAuthorization reads an Authorization header of the form
//
//	AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request, SignedHeaders=a;b, Signature=hex
//
// ("Authorization header", Signature Version 4 signing elements). Whitespace around the
// comma-separated parts is tolerated, as AWS does. Every failure is an
// IncompleteSignatureException whose message says what is missing; it never panics.
func parseAuthorization(header string) (claim, error) {
	header = strings.TrimSpace(header)
	alg, rest, _ := strings.Cut(header, " ")
	if alg != algorithm {
		return claim{}, incomplete("Unsupported AWS 'algorithm': %s. Sign the request with AWS Signature Version 4: "+
			"Authorization: AWS4-HMAC-SHA256 Credential=..., SignedHeaders=..., Signature=... . Authorization=%s",
			quote(alg), quote(header))
	}
	var credential, signedHeaders, signature string
	var seen [3]bool
	for part := range strings.SplitSeq(rest, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		k, v, ok := strings.Cut(part, "=")
		if !ok {
			return claim{}, incomplete("%s not a valid key=value pair (missing equal-sign) in Authorization header: %s",
				quote(part), quote(header))
		}
		k, v = strings.TrimSpace(k), strings.TrimSpace(v)
		var i int
		var dst *string
		switch k {
		case "Credential":
			i, dst = 0, &credential
		case "SignedHeaders":
			i, dst = 1, &signedHeaders
		case "Signature":
			i, dst = 2, &signature
		default:
			continue // AWS ignores parameters it does not know
		}
		if seen[i] {
			return claim{}, incomplete("Authorization header has the %s parameter more than once: %s", quote(k), quote(header))
		}
		seen[i], *dst = true, v
	}
	var missing []string
	if credential == "" {
		missing = append(missing, "Authorization header requires 'Credential' parameter.")
	}
	if signature == "" {
		missing = append(missing, "Authorization header requires 'Signature' parameter.")
	}
	if signedHeaders == "" {
		missing = append(missing, "Authorization header requires 'SignedHeaders' parameter.")
	}
	if len(missing) > 0 {
		return claim{}, incomplete("%s Authorization=%s", strings.Join(missing, " "), quote(header))
	}
	return newClaim(false, credential, signedHeaders, signature, "Authorization header")
}

// parsePresigned reads the X-Amz-* parameters of a presigned request. The caller has
// established that the query carries at least one of them.
func parsePresigned(q []queryParam) (claim, error) {
	required := [...]string{qAlgorithm, qCredential, qSignature, qSignedHeaders, qDate}
	var values [len(required)]string
	for i, name := range required {
		v, n := queryValue(q, name)
		if n == 0 || v == "" {
			// AWS's wording for a presigned request that lacks a parameter.
			return claim{}, incomplete("AWS query-string parameters must include 'X-Amz-Algorithm', 'X-Amz-Credential', " +
				"'X-Amz-Signature', 'X-Amz-SignedHeaders', 'X-Amz-Date'. Re-examine the query-string parameters.")
		}
		if n > 1 {
			return claim{}, incomplete("The query-string parameter %s is given %d times; a presigned request carries it once.", name, n)
		}
		values[i] = v
	}
	if values[0] != algorithm {
		return claim{}, incomplete("Unsupported AWS 'algorithm': %s in X-Amz-Algorithm; use AWS4-HMAC-SHA256 (Signature Version 4).",
			quote(values[0]))
	}
	return newClaim(true, values[1], values[3], values[2], "X-Amz-SignedHeaders")
}

func newClaim(presigned bool, credential, signedHeaders, signature, where string) (claim, error) {
	c := claim{Presigned: presigned, Signature: signature}
	var err error
	if c.Credential, err = parseCredential(credential); err != nil {
		return claim{}, err
	}
	if c.SignedHeaders, err = parseSignedHeaders(signedHeaders, where); err != nil {
		return claim{}, err
	}
	return c, nil
}

// parseCredential splits AKID/DATE/REGION/SERVICE/aws4_request. Whether the date, region and
// service are acceptable is decided later (verify), because open mode takes the region
// without checking anything else.
func parseCredential(s string) (credentialScope, error) {
	var c credentialScope
	rest := s
	ok := true
	for _, dst := range []*string{&c.AccessKeyID, &c.Date, &c.Region, &c.Service} {
		var part string
		var found bool
		part, rest, found = strings.Cut(rest, "/")
		ok = ok && found && part != ""
		*dst = part
	}
	if !ok || rest != scopeTerminator {
		return credentialScope{}, incomplete("Credential must have the form <AccessKeyId>/<YYYYMMDD>/<region>/%s/aws4_request, got %s.",
			Service, quote(s))
	}
	return c, nil
}

// parseSignedHeaders checks and lowercases the SignedHeaders list. The host header must be
// signed (Signature Version 4: "The host header must be included as a signed header");
// AWS's message for a request that does not sign it is kept word for word.
func parseSignedHeaders(s, where string) (string, error) {
	host := false
	s = strings.ToLower(s)
	for n := range strings.SplitSeq(s, ";") {
		if n == "" {
			return "", incomplete("%s has an empty header name: %s. List lowercase header names separated by ';'.", where, quote(s))
		}
		if n == "host" || n == ":authority" {
			host = true
		}
	}
	if !host {
		return "", incomplete("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.")
	}
	return s, nil
}

// queryParam is one name=value pair of a query string, percent-decoded.
type queryParam struct {
	Key, Value string
}

// parseQuery splits a raw query string into its pairs, in order, keeping repeated names.
// A component that does not percent-decode is kept as sent, so that a bad query leads to a
// signature mismatch (it is what the client signed, if anything) rather than to a panic or
// a silently dropped pair as url.ParseQuery would do.
func parseQuery(raw string) []queryParam {
	if raw == "" {
		return nil
	}
	out := make([]queryParam, 0, strings.Count(raw, "&")+1)
	for pair := range strings.SplitSeq(raw, "&") {
		if pair == "" {
			continue
		}
		k, v, _ := strings.Cut(pair, "=")
		out = append(out, queryParam{Key: unescapeQuery(k), Value: unescapeQuery(v)})
	}
	return out
}

func unescapeQuery(s string) string {
	if !strings.ContainsAny(s, "%+") {
		return s
	}
	if u, err := url.QueryUnescape(s); err == nil {
		return u
	}
	return s
}

// queryValue returns the first value of name and how many times name occurs.
func queryValue(q []queryParam, name string) (string, int) {
	var v string
	n := 0
	for _, p := range q {
		if p.Key == name {
			if n == 0 {
				v = p.Value
			}
			n++
		}
	}
	return v, n
}

// isPresigned reports whether a query string carries a query-string signature.
func isPresigned(q []queryParam) bool {
	for _, p := range q {
		switch p.Key {
		case qAlgorithm, qCredential, qSignature:
			return true
		}
	}
	return false
}

// quote renders client-sent text for an error message: quoted, control characters escaped,
// and cut to a length a message can carry.
func quote(s string) string {
	const max = 256
	if len(s) > max {
		s = s[:max] + "..."
	}
	return "'" + strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return '?'
		}
		return r
	}, s) + "'"
}
