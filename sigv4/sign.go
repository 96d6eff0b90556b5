package sigv4

import (
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"
)

// unsignedHeaders are the headers a signer leaves out: they are changed by proxies and HTTP
// clients on the way (the list aws-sdk-go-v2's v4 signer ignores: aws/signer/internal/v4/headers.go).
var unsignedHeaders = map[string]bool{
	"authorization":     true,
	"user-agent":        true,
	"x-amzn-trace-id":   true,
	"expect":            true,
	"transfer-encoding": true,
}

// signKeys memoises the signing keys Sign derives, as aws-sdk-go-v2's signer does
// (aws/signer/internal/v4/cache.go): a load generator signs many requests with one key per
// day, and deriving it is four HMACs. It holds no state a signature depends on beyond the
// pure function signingKey, and is bounded like every keyCache.
var signKeys keyCache

// Sign signs req with AWS Signature Version 4 in the Authorization header, as an AWS SDK
// does. body must be the bytes req will send; its SHA-256 goes into the X-Amz-Content-Sha256
// header and the signature. Sign sets X-Amz-Date (from t), X-Amz-Content-Sha256,
// X-Amz-Security-Token (when cred has a session token) and Authorization. It signs host,
// content-length when req.ContentLength > 0, and every other header except those proxies
// rewrite (Authorization, User-Agent, X-Amzn-Trace-Id, Expect, Transfer-Encoding), the
// choice aws-sdk-go-v2's signer makes, so both give the same signature for the same request.
func Sign(req *http.Request, body []byte, cred Credentials, region, service string, t time.Time) {
	t = t.UTC()
	sum := sha256.Sum256(body)
	payloadHash := hex.EncodeToString(sum[:])
	amzDate := t.Format(amzDateLayout)

	req.Header.Del("Authorization")
	req.Header.Set("X-Amz-Date", amzDate)
	req.Header.Set("X-Amz-Content-Sha256", payloadHash)
	if cred.SessionToken != "" {
		req.Header.Set("X-Amz-Security-Token", cred.SessionToken)
	}

	signed := []string{"host"}
	if req.ContentLength > 0 {
		signed = append(signed, "content-length")
	}
	for k := range req.Header {
		name := strings.ToLower(k)
		if unsignedHeaders[name] || name == "host" || name == "content-length" {
			continue
		}
		signed = append(signed, name)
	}
	slices.Sort(signed)
	signed = slices.Compact(signed)

	scope := credentialScope{AccessKeyID: cred.AccessKeyID, Date: amzDate[:8], Region: region, Service: service}
	signedList := strings.Join(signed, ";")
	canonical := canonicalRequest(req, parseQuery(req.URL.RawQuery), signedList, payloadHash, false)
	toSign := stringToSign(amzDate, scope.scope(), canonical)
	sig := signKeys.get(cred.SecretAccessKey, scope.Date, region, service).sign(toSign)

	req.Header.Set("Authorization", algorithm+" Credential="+cred.AccessKeyID+"/"+scope.scope()+
		", SignedHeaders="+signedList+", Signature="+string(sig))
}
