// Package sigv4 verifies AWS Signature Version 4 on incoming X-Ray requests, signs outgoing
// ones for the load generator, and maps access keys to accounts and principals (spec rules
// The behaviour it follows is "AWS Signature Version 4 for API requests"
// (IAM User Guide, reference_sigv.html and create-signed-request.html); the signers of
// aws-sdk-go-v2 and smithy-go are its test oracles.
package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/xraylocal/xraylocal"
)

// Mode is how much the server checks of a request's signature (--auth).
type Mode string

const (
	// ModeOpen reads the signature for account and region but checks nothing (rule A-2).
	ModeOpen Mode = "open"
	// ModeStrict requires a valid signature by a listed access key on every request.
	ModeStrict Mode = "strict"
)

// ParseMode returns the Mode named by s ("open" or "strict"), or an error naming both.
func ParseMode(s string) (Mode, error) {
	switch m := Mode(s); m {
	case ModeOpen, ModeStrict:
		return m, nil
	}
	return "", fmt.Errorf("auth mode %q: want open or strict", s)
}

// Config configures an Authenticator.
type Config struct {
	Mode Mode // "" means ModeOpen, the --auth default
	// DefaultAccount is the account of unsigned requests and of access keys that are neither
	// listed nor 12 digits (open mode); "" means xraylocal.DefaultAccount.
	DefaultAccount string
	// DefaultRegion is the region of requests whose region cannot be read from a credential
	// scope (open mode); "" means xraylocal.DefaultRegion.
	DefaultRegion string
	// Credentials are the known access keys (--credentials); strict mode needs at least one.
	Credentials []Credentials
	// Now is the server's clock, against which signature times are checked; nil means time.Now.
	Now func() time.Time
}

// Authenticator establishes who sent a request. It is safe for concurrent use.
type Authenticator struct {
	mode           Mode
	defaultAccount string
	defaultRegion  string
	// defaultPrincipal is the root of defaultAccount, built once: open mode gives it to
	// every unsigned request.
	defaultPrincipal string
	byKey            map[string]*Credentials
	now              func() time.Time
	keys             keyCache
}

// NewAuthenticator checks cfg and returns an Authenticator. It fails on an unknown mode, a
// default account that is not 12 digits, an invalid default region, a bad credential entry
// (same checks as LoadCredentials), or strict mode without credentials.
func NewAuthenticator(cfg Config) (*Authenticator, error) {
	a := &Authenticator{
		mode:           cfg.Mode,
		defaultAccount: cfg.DefaultAccount,
		defaultRegion:  cfg.DefaultRegion,
		byKey:          make(map[string]*Credentials, len(cfg.Credentials)),
		now:            cfg.Now,
	}
	if a.mode == "" {
		a.mode = ModeOpen
	}
	if _, err := ParseMode(string(a.mode)); err != nil {
		return nil, err
	}
	if a.defaultAccount == "" {
		a.defaultAccount = xraylocal.DefaultAccount
	}
	if !accountIDPattern.MatchString(a.defaultAccount) {
		return nil, fmt.Errorf("default account %q is not a 12-digit AWS account id", a.defaultAccount)
	}
	a.defaultPrincipal = xraylocal.RootPrincipal(a.defaultAccount)
	if a.defaultRegion == "" {
		a.defaultRegion = xraylocal.DefaultRegion
	}
	if !validRegion(a.defaultRegion) {
		return nil, fmt.Errorf("default region %q: want lowercase letters, digits and '-', such as us-east-1", a.defaultRegion)
	}
	if a.now == nil {
		a.now = time.Now
	}
	if err := checkCredentials(cfg.Credentials); err != nil {
		return nil, err
	}
	if a.mode == ModeStrict && len(cfg.Credentials) == 0 {
		return nil, fmt.Errorf("auth mode strict needs credentials (--credentials FILE): without them no request can be signed by a known key")
	}
	for i := range cfg.Credentials {
		c := cfg.Credentials[i]
		a.byKey[c.AccessKeyID] = &c
	}
	return a, nil
}

// Authenticate establishes the Caller of an X-Ray request whose body has been read. In open
// mode it never fails. In strict mode it returns an *xraylocal.Error with code
// MissingAuthenticationTokenException, IncompleteSignatureException,
// UnrecognizedClientException or InvalidSignatureException (all HTTP 403) when the request
// is not validly signed by a listed key.
func (a *Authenticator) Authenticate(r *http.Request, body []byte) (xraylocal.Caller, error) {
	c := xraylocal.Caller{SourceIP: sourceIP(r.RemoteAddr), SecureTransport: r.TLS != nil}
	query := parseQuery(r.URL.RawQuery)
	if a.mode == ModeOpen {
		a.identifyOpen(&c, r, query)
		return c, nil
	}
	cl, err := readClaim(r, query)
	if err != nil {
		return xraylocal.Caller{}, err
	}
	cred, err := a.verify(r, body, query, cl)
	if err != nil {
		return xraylocal.Caller{}, err
	}
	c.Account = cred.AccountID
	c.Region = cl.Credential.Region
	c.AccessKeyID = cred.AccessKeyID
	c.PrincipalARN = principal(cred.AccountID, cred)
	return c, nil
}

// identifyOpen picks account, region and principal without checking anything (rule A-2):
// the region from the credential scope when it can be read, the account from the access
// key. A header or query that cannot be read leaves the defaults: open mode never refuses.
func (a *Authenticator) identifyOpen(c *xraylocal.Caller, r *http.Request, query []queryParam) {
	c.Account, c.Region = a.defaultAccount, a.defaultRegion
	var cl claim
	var err error
	// Unlike strict mode, a request with several signatures is not refused: the first
	// Authorization header, else the query, says who it is.
	auth := r.Header.Values("Authorization")
	presigned := isPresigned(query)
	switch {
	case len(auth) > 0:
		cl, err = parseAuthorization(auth[0])
	case presigned:
		cl, err = parsePresigned(query)
	}
	if err != nil || (len(auth) == 0 && !presigned) {
		c.PrincipalARN = a.defaultPrincipal
		return
	}
	key := cl.Credential.AccessKeyID
	c.AccessKeyID = key
	if validRegion(cl.Credential.Region) {
		c.Region = cl.Credential.Region
	}
	cred := a.byKey[key]
	switch {
	case cred != nil:
		c.Account = cred.AccountID
	case accountIDPattern.MatchString(key):
		// A 12-digit access key id is the account id itself: the LocalStack convention.
		c.Account = key
	}
	if cred == nil && c.Account == a.defaultAccount {
		c.PrincipalARN = a.defaultPrincipal
		return
	}
	c.PrincipalARN = principal(c.Account, cred)
}

// principal is the caller's principal ARN: the one the credentials name, else the account's
// root (rule A-3).
func principal(account string, cred *Credentials) string {
	if cred != nil && cred.PrincipalARN != "" {
		return cred.PrincipalARN
	}
	return xraylocal.RootPrincipal(account)
}

// readClaim finds the request's signature: the Authorization header, or the query string of
// a presigned request. A request with neither is MissingAuthenticationTokenException.
func readClaim(r *http.Request, query []queryParam) (claim, error) {
	auth := r.Header.Values("Authorization")
	presigned := isPresigned(query)
	switch {
	case len(auth) == 0 && !presigned:
		return claim{}, xraylocal.Errorf(xraylocal.MissingAuthenticationTokenException,
			"Missing Authentication Token: sign the request with AWS Signature Version 4 "+
				"(an Authorization header, or X-Amz-* query parameters for a presigned URL).")
	case len(auth) > 1:
		return claim{}, incomplete("The request has %d Authorization headers; send exactly one.", len(auth))
	case len(auth) == 1 && presigned:
		return claim{}, incomplete("Only one auth mechanism allowed; only the X-Amz-Algorithm query parameter " +
			"or the Authorization header should be specified.")
	case presigned:
		return parsePresigned(query)
	}
	return parseAuthorization(auth[0])
}

func invalidSignature(format string, args ...any) error {
	return xraylocal.Errorf(xraylocal.InvalidSignatureException, format, args...)
}

func unrecognized(format string, args ...any) error {
	return xraylocal.Errorf(xraylocal.UnrecognizedClientException, format, args...)
}

// verify checks a claimed signature and returns the credential that made it. The checks run
// in the order that lets each error say the most useful thing: the request's form first,
// then who signed it, then when, then what.
func (a *Authenticator) verify(r *http.Request, body []byte, query []queryParam, cl claim) (*Credentials, error) {
	amzDate, from, signedAt, err := requestTime(r, query, cl.Presigned)
	if err != nil {
		return nil, err
	}
	scope := cl.Credential
	if scope.Date != amzDate[:8] {
		return nil, invalidSignature("Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: "+
			"'%s' != '%s', from '%s'.", scope.Date, amzDate[:8], from)
	}
	if scope.Service != Service {
		return nil, invalidSignature("Credential should be scoped to correct service: '%s'. Got %s.", Service, quote(scope.Service))
	}
	if !validRegion(scope.Region) {
		return nil, invalidSignature("Credential should be scoped to a valid region, not %s.", quote(scope.Region))
	}

	cred := a.byKey[scope.AccessKeyID]
	if cred == nil {
		return nil, unrecognized("The security token included in the request is invalid: access key %s is not listed "+
			"in the server's credentials (--credentials).", quote(scope.AccessKeyID))
	}
	if err := checkSessionToken(r, query, cl.Presigned, cred); err != nil {
		return nil, err
	}

	if err := a.checkTime(r, query, cl.Presigned, amzDate, signedAt); err != nil {
		return nil, err
	}

	payloadHash, err := payloadHash(r, body)
	if err != nil {
		return nil, err
	}

	canonical := canonicalRequest(r, query, cl.SignedHeaders, payloadHash, cl.Presigned)
	toSign := stringToSign(amzDate, scope.scope(), canonical)
	key := a.keys.get(cred.SecretAccessKey, scope.Date, scope.Region, scope.Service)
	// Constant-time comparison, so that the time taken does not tell how much of a guessed
	// signature was right.
	if !hmac.Equal(key.sign(toSign), []byte(cl.Signature)) {
		// AWS's wording, with the canonical request and string to sign it computed, as AWS
		// gives them, so that a client can see where its signing differs.
		return nil, invalidSignature("The request signature we calculated does not match the signature you provided. "+
			"Check your AWS Secret Access Key and signing method. Consult the service documentation for details.\n\n"+
			"The Canonical String for this request should have been\n'%s'\n\nThe String-to-Sign should have been\n'%s'\n",
			canonical, toSign)
	}
	return cred, nil
}

// requestTime returns the signature's time as the string to sign carries it (ISO 8601 basic
// format) and parsed. Header-signed requests give it in X-Amz-Date or, failing that, Date
// ("Handling dates in Signature Version 4": either header may carry the time stamp);
// presigned requests in the X-Amz-Date parameter.
func requestTime(r *http.Request, query []queryParam, presigned bool) (amzDate, from string, t time.Time, err error) {
	var v string
	if presigned {
		v, _ = queryValue(query, qDate)
		from = "X-Amz-Date"
	} else if v = r.Header.Get("X-Amz-Date"); v != "" {
		from = "X-Amz-Date"
	} else if v = r.Header.Get("Date"); v != "" {
		from = "Date"
	} else {
		return "", "", time.Time{}, incomplete("Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.")
	}
	if t, ok := parseAmzDate(v); ok {
		return v, from, t, nil
	}
	if from == "Date" {
		if t, err := http.ParseTime(v); err == nil {
			return t.UTC().Format(amzDateLayout), from, t.UTC(), nil
		}
	}
	return "", "", time.Time{}, incomplete("Date must be in ISO-8601 'basic format'. Got %s in %s. See http://en.wikipedia.org/wiki/ISO_8601",
		quote(v), from)
}

// parseAmzDate parses YYYYMMDD'T'HHMMSS'Z' exactly. It is the hot path of every request,
// and time.Parse, which also accepts what this format must not, costs more than the rest of
// the header parsing together.
func parseAmzDate(v string) (time.Time, bool) {
	if len(v) != len(amzDateLayout) || v[8] != 'T' || v[15] != 'Z' {
		return time.Time{}, false
	}
	num := func(s string) (int, bool) {
		n := 0
		for i := 0; i < len(s); i++ {
			if s[i] < '0' || s[i] > '9' {
				return 0, false
			}
			n = n*10 + int(s[i]-'0')
		}
		return n, true
	}
	year, ok1 := num(v[0:4])
	month, ok2 := num(v[4:6])
	day, ok3 := num(v[6:8])
	hour, ok4 := num(v[9:11])
	minute, ok5 := num(v[11:13])
	sec, ok6 := num(v[13:15])
	if !(ok1 && ok2 && ok3 && ok4 && ok5 && ok6) || month < 1 || month > 12 || day < 1 || hour > 23 || minute > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(year, time.Month(month), day, hour, minute, sec, 0, time.UTC)
	if t.Day() != day { // 20260231 and the like
		return time.Time{}, false
	}
	return t, true
}

// checkTime refuses signatures made more than 15 minutes away from the server's clock, with
// AWS's messages; a presigned request is also refused once its X-Amz-Expires has passed.
func (a *Authenticator) checkTime(r *http.Request, query []queryParam, presigned bool, amzDate string, signedAt time.Time) error {
	now := a.now().UTC()
	if signedAt.After(now.Add(maxSkew)) {
		nowS := now.Format(amzDateLayout)
		return invalidSignature("Signature not yet current: %s is still later than %s (%s + 15 min.) "+
			"Check the client's clock.", amzDate, now.Add(maxSkew).Format(amzDateLayout), nowS)
	}
	if !presigned {
		if signedAt.Before(now.Add(-maxSkew)) {
			nowS := now.Format(amzDateLayout)
			return invalidSignature("Signature expired: %s is now earlier than %s (%s - 15 min.) "+
				"Sign the request again and check the client's clock.", amzDate, now.Add(-maxSkew).Format(amzDateLayout), nowS)
		}
		return nil
	}
	expires := int64(maxSkew / time.Second)
	if v, n := queryValue(query, qExpires); n > 0 {
		e, err := strconv.ParseInt(v, 10, 64)
		if n > 1 || err != nil || e < 1 || e > maxPresignExpires {
			return incomplete("X-Amz-Expires must be a whole number of seconds from 1 to %d (7 days), got %s.", maxPresignExpires, quote(v))
		}
		expires = e
	}
	if end := signedAt.Add(time.Duration(expires) * time.Second); now.After(end) {
		nowS := now.Format(amzDateLayout)
		return invalidSignature("Signature expired: %s is now earlier than %s (%s - %d sec.) "+
			"The presigned URL expired at %s (X-Amz-Expires=%d); presign it again.",
			amzDate, now.Add(-time.Duration(expires)*time.Second).Format(amzDateLayout), nowS, expires,
			end.Format(amzDateLayout), expires)
	}
	return nil
}

// checkSessionToken requires the session token of a temporary credential: without the
// right one, AWS answers that the security token is invalid. A credential configured
// without a token accepts any (decided: the key alone identifies it).
func checkSessionToken(r *http.Request, query []queryParam, presigned bool, cred *Credentials) error {
	if cred.SessionToken == "" {
		return nil
	}
	var token string
	n := 0
	if presigned {
		token, n = queryValue(query, qSecurityToken)
	}
	if n == 0 {
		vs := r.Header.Values("X-Amz-Security-Token")
		if n = len(vs); n > 0 {
			token = vs[0]
		}
	}
	if n == 0 {
		return unrecognized("The security token included in the request is invalid: access key %s is a temporary "+
			"credential; send its session token in X-Amz-Security-Token.", quote(cred.AccessKeyID))
	}
	if n > 1 || subtle.ConstantTimeCompare([]byte(token), []byte(cred.SessionToken)) != 1 {
		return unrecognized("The security token included in the request is invalid: the X-Amz-Security-Token does not "+
			"match the session token configured for access key %s.", quote(cred.AccessKeyID))
	}
	return nil
}

// payloadHash is the last line of the canonical request: the X-Amz-Content-Sha256 header
// when the client sent it (UNSIGNED-PAYLOAD or the hex SHA-256 of the body, which must then
// match the body received), else the hex SHA-256 of the body.
func payloadHash(r *http.Request, body []byte) (string, error) {
	sum := func() string { s := sha256.Sum256(body); return hex.EncodeToString(s[:]) }
	vs := r.Header.Values("X-Amz-Content-Sha256")
	switch {
	case len(vs) == 0:
		return sum(), nil
	case len(vs) > 1:
		return "", invalidSignature("The request has %d X-Amz-Content-Sha256 headers; send at most one.", len(vs))
	case vs[0] == unsignedPayload:
		return unsignedPayload, nil
	}
	claimed, err := hex.DecodeString(vs[0])
	if err != nil || len(claimed) != sha256.Size {
		return "", invalidSignature("X-Amz-Content-Sha256 must be UNSIGNED-PAYLOAD or the hex SHA-256 of the body, got %s.", quote(vs[0]))
	}
	got := sha256.Sum256(body)
	if !hmac.Equal(claimed, got[:]) {
		// Amazon S3's wording for the same mismatch.
		return "", invalidSignature("The provided 'x-amz-content-sha256' header does not match what was computed. " +
			"The body was changed after signing, or the hash was computed over other bytes.")
	}
	return vs[0], nil
}

// validRegion accepts region names as AWS spells them: lowercase letters, digits and '-'.
func validRegion(s string) bool {
	if s == "" || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// sourceIP is the host part of a RemoteAddr ("ip:port"), or the whole of it when it has no port.
func sourceIP(remote string) string {
	if host, _, err := net.SplitHostPort(remote); err == nil {
		return host
	}
	return remote
}
