package sqlite

import (
	"context"
	"errors"
	"fmt"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/xraylocal/xraylocal"
)

// ErrClosed is returned by every method of a Store after Close. It wraps
// xraylocal.ErrUnavailable: a request that races a shutdown is answered 503, retry later.
var ErrClosed = fmt.Errorf("sqlite store is closed: %w", xraylocal.ErrUnavailable)

// ErrSchemaTooNew is returned by Open for a file written by a newer xraylocal, whose
// schema this code does not know; opening it could corrupt what the newer code wrote.
var ErrSchemaTooNew = errors.New("the file's schema is newer than this xraylocal knows; upgrade xraylocal or use another file")

// ErrNotADatabase is returned by Open for a file that exists but is not a SQLite
// database (or is encrypted or damaged beyond its header).
var ErrNotADatabase = errors.New("the file is not a SQLite database")

// ErrForeignDatabase is returned by Open for a SQLite database that another program
// made: it has tables but no xraylocal schema version.
var ErrForeignDatabase = errors.New("the file is a SQLite database of another program, not an xraylocal store")

// wrap adds what was being done to a database error. Errors that mean the database
// is out of reach for now (locked by another process beyond busy_timeout, a failing
// or full disk, the file gone) also wrap xraylocal.ErrUnavailable, so the edge
// answers 503 and AWS SDKs retry. Driver errors are told apart by their result code,
// never by their text, which changes between SQLite versions.
func wrap(doing string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("sqlite store: %s: %w", doing, err)
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		// Extended result codes are on in modernc.org/sqlite: the low byte is the
		// primary code (SQLITE_IOERR_FSYNC is SQLITE_IOERR | 4<<8).
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR,
			sqlite3.SQLITE_FULL, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM,
			sqlite3.SQLITE_PROTOCOL, sqlite3.SQLITE_READONLY:
			return fmt.Errorf("sqlite store: %s: %w: %w", doing, xraylocal.ErrUnavailable, err)
		case sqlite3.SQLITE_NOTADB:
			return fmt.Errorf("sqlite store: %s: %w: %w", doing, ErrNotADatabase, err)
		}
	}
	return fmt.Errorf("sqlite store: %s: %w", doing, err)
}
