package sigv4

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"testing"
)

// TestKeyCache: a cached key signs exactly as a freshly derived one, entries for different
// secrets, dates, regions and services do not mix, and the cache stays bounded.
func TestKeyCache(t *testing.T) {
	t.Parallel()
	var c keyCache
	fresh := func(secret, date, region, service, msg string) string {
		m := hmac.New(sha256.New, signingKey(secret, date, region, service))
		m.Write([]byte(msg))
		return hex.EncodeToString(m.Sum(nil))
	}
	for i := range keyCacheMax + 10 {
		region := fmt.Sprintf("r-%d", i)
		for _, secret := range []string{"a", "b"} {
			msg := "string to sign " + region
			// Twice: the first call derives, the second must hit the cache with the same result.
			for range 2 {
				if got, want := string(c.get(secret, "20261126", region, Service).sign([]byte(msg))), fresh(secret, "20261126", region, Service, msg); got != want {
					t.Fatalf("secret %s region %s: cached signature %s, want %s", secret, region, got, want)
				}
			}
		}
		if n := len(c.keys); n > keyCacheMax {
			t.Fatalf("cache holds %d keys, more than %d", n, keyCacheMax)
		}
	}
	if a, b := string(c.get("a", "20261126", "x", Service).sign(nil)), string(c.get("a", "20261127", "x", Service).sign(nil)); a == b {
		t.Error("keys of two dates sign alike")
	}
	if a, b := string(c.get("a", "20261126", "x", Service).sign(nil)), string(c.get("a", "20261126", "x", "s3").sign(nil)); a == b {
		t.Error("keys of two services sign alike")
	}
}
