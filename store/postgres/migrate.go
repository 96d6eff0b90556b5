package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
)

// migrationFiles are the schema's steps, NNNN_what.sql, numbered 1, 2, 3, ... with no gap.
// A step is never edited once released: a change of schema is a new file.
//
//go:embed migrations/*.sql
var migrationFiles embed.FS

// SchemaVersion is the version of the schema this build migrates a database to: the number
// of its migration steps.
const SchemaVersion = 1

// ErrSchemaTooNew is returned by Open when the database was migrated by a newer xraylocal:
// this one does not know the newer schema and must not write to it.
var ErrSchemaTooNew = errors.New("postgres: the database schema is newer than this xraylocal knows")

// Advisory lock keys. The two-key form lives in a key space of its own, apart from the
// one-key locks that serialise writes per scope, so the two never contend.
const (
	lockClass     = 0x78726179 // "xray"
	lockMigration = 1
)

type migration struct {
	version int
	name    string
	sql     string
}

// migrations returns the embedded steps in order, checking that they number 1..n.
func migrations() ([]migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range entries { // ReadDir sorts by name
		prefix, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.Atoi(prefix)
		if !ok || err != nil || v != len(ms)+1 {
			return nil, fmt.Errorf("postgres: migration %s is out of sequence: want %04d_*.sql", e.Name(), len(ms)+1)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", e.Name()))
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: e.Name(), sql: string(b)})
	}
	if len(ms) != SchemaVersion {
		return nil, fmt.Errorf("postgres: %d migrations embedded, SchemaVersion says %d", len(ms), SchemaVersion)
	}
	return ms, nil
}

// migrate brings the database's schema up to date in one transaction. The transaction-scoped
// advisory lock makes servers that start together take turns: the first applies the steps,
// the others then find them applied. A failure leaves the schema as it was.
func migrate(ctx context.Context, db interface {
	BeginTx(context.Context, pgx.TxOptions) (pgx.Tx, error)
}) error {
	ms, err := migrations()
	if err != nil {
		return err
	}
	return pgx.BeginTxFunc(ctx, db, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1::int4, $2::int4)", lockClass, lockMigration); err != nil {
			return err
		}
		// Created only when missing: CREATE TABLE IF NOT EXISTS would need the CREATE
		// privilege even when the table is there, and a server migrated by an operator may
		// run as a role without it.
		var exists bool
		if err := tx.QueryRow(ctx, "SELECT to_regclass('xraylocal_schema_version') IS NOT NULL").Scan(&exists); err != nil {
			return err
		}
		if !exists {
			if _, err := tx.Exec(ctx, `CREATE TABLE xraylocal_schema_version (
				version    integer PRIMARY KEY,
				name       text NOT NULL,
				applied_at timestamptz NOT NULL DEFAULT now()
			)`); err != nil {
				return err
			}
		}
		var current int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM xraylocal_schema_version").Scan(&current); err != nil {
			return err
		}
		if current > len(ms) {
			return fmt.Errorf("%w: the database is at schema version %d, this xraylocal knows versions up to %d; upgrade xraylocal, or give it another database",
				ErrSchemaTooNew, current, len(ms))
		}
		for _, m := range ms[current:] {
			// No arguments: pgx sends it as a simple query, so a step may hold several statements.
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("postgres: migration %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO xraylocal_schema_version (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return err
			}
		}
		return nil
	})
}
