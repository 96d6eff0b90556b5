package sigv4

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestLoadCredentials(t *testing.T) {
	t.Parallel()
	entry := func(fields string) string { return `{"credentials":[` + fields + `]}` }
	tests := []struct {
		name    string
		content string
		want    []Credentials
		err     string // "" means success
	}{
		{
			name: "all fields",
			content: entry(`{"access_key_id":"AKIAALICE","secret_access_key":"s1","session_token":"tok","account_id":"111122223333",` +
				`"principal_arn":"arn:aws:iam::111122223333:user/alice"}`),
			want: []Credentials{{AccessKeyID: "AKIAALICE", SecretAccessKey: "s1", SessionToken: "tok", AccountID: "111122223333",
				PrincipalARN: "arn:aws:iam::111122223333:user/alice"}},
		},
		{
			name: "several, optional fields left out, other partitions and principal kinds",
			content: entry(`{"access_key_id":"K1","secret_access_key":"s","account_id":"111122223333"},` +
				`{"access_key_id":"K2","secret_access_key":"s","account_id":"222233334444","principal_arn":"arn:aws-cn:iam::222233334444:role/path/r"},` +
				`{"access_key_id":"K3","secret_access_key":"s","account_id":"333344445555","principal_arn":"arn:aws-us-gov:sts::333344445555:assumed-role/r/s"},` +
				`{"access_key_id":"K4","secret_access_key":"s","account_id":"444455556666","principal_arn":"arn:aws:iam::444455556666:root"}`),
			want: []Credentials{
				{AccessKeyID: "K1", SecretAccessKey: "s", AccountID: "111122223333"},
				{AccessKeyID: "K2", SecretAccessKey: "s", AccountID: "222233334444", PrincipalARN: "arn:aws-cn:iam::222233334444:role/path/r"},
				{AccessKeyID: "K3", SecretAccessKey: "s", AccountID: "333344445555", PrincipalARN: "arn:aws-us-gov:sts::333344445555:assumed-role/r/s"},
				{AccessKeyID: "K4", SecretAccessKey: "s", AccountID: "444455556666", PrincipalARN: "arn:aws:iam::444455556666:root"},
			},
		},
		{name: "not JSON", content: `credentials: []`, err: "not valid JSON"},
		{name: "truncated", content: `{"credentials":[{"access_key_id":"K"`, err: "not valid JSON"},
		{name: "misspelt field", content: entry(`{"acces_key_id":"K","secret_access_key":"s","account_id":"111122223333"}`),
			err: `unknown field "acces_key_id"`},
		{name: "wrong type", content: entry(`{"access_key_id":"K","secret_access_key":"s","account_id":111122223333}`), err: "not valid JSON"},
		{name: "trailing data", content: `{"credentials":[]} {}`, err: "unexpected data after the JSON object"},
		{name: "no credentials member", content: `{}`, err: `missing "credentials" array`},
		{name: "empty list", content: `{"credentials":[]}`, err: `"credentials" is empty`},
		{name: "missing access_key_id", content: entry(`{"secret_access_key":"s","account_id":"111122223333"}`),
			err: "credentials[1]: access_key_id is missing"},
		{name: "access key with a slash", content: entry(`{"access_key_id":"AK/IA","secret_access_key":"s","account_id":"111122223333"}`),
			err: `access_key_id "AK/IA" has characters`},
		{name: "missing secret", content: entry(`{"access_key_id":"K","account_id":"111122223333"}`),
			err: "credentials[1] (K): secret_access_key is missing"},
		{name: "missing account", content: entry(`{"access_key_id":"K","secret_access_key":"s"}`),
			err: "credentials[1] (K): account_id is missing"},
		{name: "account too short", content: entry(`{"access_key_id":"K","secret_access_key":"s","account_id":"11112222333"}`),
			err: `account_id "11112222333" is not a 12-digit AWS account id`},
		{name: "account not digits", content: entry(`{"access_key_id":"K","secret_access_key":"s","account_id":"11112222333x"}`),
			err: "is not a 12-digit AWS account id"},
		{name: "duplicate key",
			content: entry(`{"access_key_id":"K","secret_access_key":"s","account_id":"111122223333"},` +
				`{"access_key_id":"J","secret_access_key":"s","account_id":"111122223333"},` +
				`{"access_key_id":"K","secret_access_key":"t","account_id":"222233334444"}`),
			err: `credentials[3]: access_key_id "K" is already listed at credentials[1]`},
		{name: "principal of another account",
			content: entry(`{"access_key_id":"K","secret_access_key":"s","account_id":"111122223333","principal_arn":"arn:aws:iam::999988887777:user/x"}`),
			err:     "belongs to account 999988887777, not to account_id 111122223333"},
		{name: "principal not IAM",
			content: entry(`{"access_key_id":"K","secret_access_key":"s","account_id":"111122223333","principal_arn":"arn:aws:s3:::bucket"}`),
			err:     "is not an IAM or STS principal ARN"},
		{name: "assumed role under iam",
			content: entry(`{"access_key_id":"K","secret_access_key":"s","account_id":"111122223333","principal_arn":"arn:aws:iam::111122223333:assumed-role/r/s"}`),
			err:     "is not an IAM or STS principal ARN"},
		{name: "user under sts",
			content: entry(`{"access_key_id":"K","secret_access_key":"s","account_id":"111122223333","principal_arn":"arn:aws:sts::111122223333:user/u"}`),
			err:     "is not an IAM or STS principal ARN"},
		{name: "user without name",
			content: entry(`{"access_key_id":"K","secret_access_key":"s","account_id":"111122223333","principal_arn":"arn:aws:iam::111122223333:user/"}`),
			err:     "is not an IAM or STS principal ARN"},
	}
	dir := t.TempDir()
	for i, tc := range tests {
		path := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".json")
		if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
			t.Fatal(err)
		}
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := LoadCredentials(path)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) || !strings.Contains(err.Error(), path) {
					t.Fatalf("case %d: error = %v, want one naming %s and containing %q", i, err, path, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatalf("LoadCredentials: %v", err)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("credentials (-want +got):\n%s", diff)
			}
		})
	}
}

func TestLoadCredentialsMissingFile(t *testing.T) {
	t.Parallel()
	_, err := LoadCredentials(filepath.Join(t.TempDir(), "nope.json"))
	if err == nil || !strings.Contains(err.Error(), "nope.json") {
		t.Fatalf("error = %v, want one naming the file", err)
	}
}
