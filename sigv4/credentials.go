package sigv4

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"strings"
)

// Credentials is one access key the server knows: what the --credentials file lists
// (docs/authentication.md). Sign uses only the key id, the secret and the session token.
type Credentials struct {
	AccessKeyID     string `json:"access_key_id"`
	SecretAccessKey string `json:"secret_access_key"`
	// SessionToken, when set, must travel with every request signed by this key
	// (X-Amz-Security-Token), as it does for temporary credentials from AWS STS.
	SessionToken string `json:"session_token,omitempty"`
	AccountID    string `json:"account_id"`
	// PrincipalARN is the caller's principal; empty means the account's root (rule A-3).
	PrincipalARN string `json:"principal_arn,omitempty"`
}

// credentialsFile is the JSON document of --credentials.
type credentialsFile struct {
	Credentials *[]Credentials `json:"credentials"`
}

// LoadCredentials reads and checks a credentials file. The error names the file and, for a
// bad entry, its 1-based position and the field at fault.
func LoadCredentials(path string) ([]Credentials, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("credentials file: %w", err)
	}
	creds, err := ParseCredentials(data)
	if err != nil {
		return nil, fmt.Errorf("credentials file %s: %w", path, err)
	}
	return creds, nil
}

// ParseCredentials decodes and checks the JSON of a credentials file:
// {"credentials":[{"access_key_id":..., "secret_access_key":..., "session_token":...,
// "account_id":..., "principal_arn":...}]}. Unknown members are errors, so that a misspelt
// field name is reported instead of being silently ignored.
func ParseCredentials(data []byte) ([]Credentials, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	var f credentialsFile
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("not valid JSON of the form {\"credentials\":[{...}]}: %w", err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, errors.New("unexpected data after the JSON object")
	}
	if f.Credentials == nil {
		return nil, errors.New(`missing "credentials" array`)
	}
	if len(*f.Credentials) == 0 {
		return nil, errors.New(`"credentials" is empty: list at least one access key`)
	}
	if err := checkCredentials(*f.Credentials); err != nil {
		return nil, err
	}
	return *f.Credentials, nil
}

var (
	accountIDPattern = regexp.MustCompile(`^[0-9]{12}$`)
	// IAM principals a credential can stand for (spec rule V-7): an account's root, an IAM user
	// or role, or an STS assumed-role session, in any partition (aws, aws-cn, aws-us-gov, ...).
	principalPattern = regexp.MustCompile(`^arn:(aws(?:-[a-z]+)*):(iam|sts)::([0-9]{12}):(root|user/.+|role/.+|assumed-role/[^/]+/.+)$`)
)

// checkCredentials checks every entry and that no access key id is listed twice.
func checkCredentials(creds []Credentials) error {
	first := make(map[string]int, len(creds))
	for i, c := range creds {
		n := i + 1
		switch {
		case c.AccessKeyID == "":
			return fmt.Errorf("credentials[%d]: access_key_id is missing", n)
		case strings.ContainsAny(c.AccessKeyID, "/,; \t\r\n=") || !printable(c.AccessKeyID):
			// The key id travels inside the Credential element, which '/' and ',' delimit.
			return fmt.Errorf("credentials[%d]: access_key_id %q has characters an access key id cannot have (/ , ; = space or control characters)", n, c.AccessKeyID)
		case c.SecretAccessKey == "":
			return fmt.Errorf("credentials[%d] (%s): secret_access_key is missing", n, c.AccessKeyID)
		case c.AccountID == "":
			return fmt.Errorf("credentials[%d] (%s): account_id is missing", n, c.AccessKeyID)
		case !accountIDPattern.MatchString(c.AccountID):
			return fmt.Errorf("credentials[%d] (%s): account_id %q is not a 12-digit AWS account id", n, c.AccessKeyID, c.AccountID)
		}
		if c.PrincipalARN != "" {
			m := principalPattern.FindStringSubmatch(c.PrincipalARN)
			if m == nil || (m[2] == "iam") == strings.HasPrefix(m[4], "assumed-role/") {
				return fmt.Errorf("credentials[%d] (%s): principal_arn %q is not an IAM or STS principal ARN "+
					"(arn:aws:iam::<account>:root, :user/<name>, :role/<name>, or arn:aws:sts::<account>:assumed-role/<role>/<session>)",
					n, c.AccessKeyID, c.PrincipalARN)
			}
			if m[3] != c.AccountID {
				return fmt.Errorf("credentials[%d] (%s): principal_arn %q belongs to account %s, not to account_id %s",
					n, c.AccessKeyID, c.PrincipalARN, m[3], c.AccountID)
			}
		}
		if j, dup := first[c.AccessKeyID]; dup {
			return fmt.Errorf("credentials[%d]: access_key_id %q is already listed at credentials[%d]", n, c.AccessKeyID, j)
		}
		first[c.AccessKeyID] = n
	}
	return nil
}

func printable(s string) bool {
	for _, r := range s {
		if r < 0x20 || r == 0x7f {
			return false
		}
	}
	return true
}
