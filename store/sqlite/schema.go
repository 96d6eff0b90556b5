package sqlite

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations[i] brings the schema from version i to version i+1; the version lives in
// PRAGMA user_version, which SQLite keeps in the file header and changes within the
// transaction. Append only: a shipped migration is never edited.
var migrations = []string{
	// Version 1. WITHOUT ROWID keeps each row in the primary key's b-tree, so the
	// lookup of one policy and the listing of a scope in name order read one index.
	// TEXT compares with the BINARY collation, which is byte order (rule L-2).
	// STRICT refuses a value of the wrong type instead of converting it.
	`CREATE TABLE policies (
		account             TEXT    NOT NULL,
		region              TEXT    NOT NULL,
		name                TEXT    NOT NULL,
		document            TEXT    NOT NULL,
		revision            INTEGER NOT NULL CHECK (revision >= 1),
		updated_unix_micros INTEGER NOT NULL,
		PRIMARY KEY (account, region, name)
	) WITHOUT ROWID, STRICT`,
}

// schemaVersion is the version this code writes and understands.
var schemaVersion = len(migrations)

// applicationID marks a file as an xraylocal store in its header (PRAGMA application_id,
// "xrl1"), so that Open never adds its table to another program's database.
const applicationID = 0x78726c31

// migrate brings the schema of the database behind db up to schemaVersion in one write
// transaction, so that two processes opening a new file at once do not both create it.
// It returns ErrSchemaTooNew for a file from a newer xraylocal, and nothing changed.
func migrate(ctx context.Context, db *sql.DB) error {
	tx, err := db.BeginTx(ctx, nil) // BEGIN IMMEDIATE: see writerParams
	if err != nil {
		return wrap("begin schema migration", err)
	}
	defer func() { _ = tx.Rollback() }()

	var version int
	if err := tx.QueryRowContext(ctx, `PRAGMA user_version`).Scan(&version); err != nil {
		return wrap("read schema version", err)
	}
	if version > schemaVersion {
		return fmt.Errorf("sqlite store: %w (file has schema version %d, this xraylocal knows up to %d)",
			ErrSchemaTooNew, version, schemaVersion)
	}
	if version == schemaVersion {
		return nil
	}
	if version == 0 {
		if err := checkForeign(ctx, tx); err != nil {
			return err
		}
	}
	for v := version; v < schemaVersion; v++ {
		if _, err := tx.ExecContext(ctx, migrations[v]); err != nil {
			return wrap(fmt.Sprintf("migrate schema to version %d", v+1), err)
		}
	}
	// PRAGMA takes no bound parameters; both values are ints of ours.
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA application_id = %d`, applicationID)); err != nil {
		return wrap("write application id", err)
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA user_version = %d`, schemaVersion)); err != nil {
		return wrap("write schema version", err)
	}
	return wrap("commit schema migration", tx.Commit())
}

// checkForeign returns ErrForeignDatabase when a database without our schema version
// already holds tables or carries another program's application id: it belongs to
// someone else.
func checkForeign(ctx context.Context, tx *sql.Tx) error {
	var appID, tables int
	if err := tx.QueryRowContext(ctx, `PRAGMA application_id`).Scan(&appID); err != nil {
		return wrap("read application id", err)
	}
	if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM sqlite_schema`).Scan(&tables); err != nil {
		return wrap("read schema", err)
	}
	if (appID != 0 && appID != applicationID) || tables > 0 {
		return fmt.Errorf("sqlite store: %w (application id %#x, %d schema objects)", ErrForeignDatabase, appID, tables)
	}
	return nil
}
