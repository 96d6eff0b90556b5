//go:build !(linux || darwin || freebsd || netbsd || openbsd)

package sqlite

import "errors"

// walIndexHeaderWords is the size of a version: see walindex_unix.go.
const walIndexHeaderWords = 12

// openWALIndex is not available here: the readers' cache uses PRAGMA data_version.
func openWALIndex(string) (versionSource, error) {
	return nil, errors.New("the WAL-index is not mapped on this system")
}
