package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/kiln-dev/kiln/runner/warehouse"
)

var (
	_ warehouse.Seeder     = (*Warehouse)(nil)
	_ warehouse.TextSeeder = (*Warehouse)(nil)
)

// LoadSeed replaces the seed's table with s.Rows, atomically, in one
// transaction: a new table with s.Columns is created beside the target,
// the rows are streamed into it with COPY, and it is swapped in as a table
// model is, so views that depend on the old table are recreated on the new
// one and its grants and comments are carried over. s.Options apply as in
// Build. On error what was at s.Relation is left as it was. A full refresh
// takes the same path: the swap already replaces the table whole.
// RowsAffected is the number of rows copied.
func (w *Warehouse) LoadSeed(ctx context.Context, s warehouse.Seed) (warehouse.BuildResult, error) {
	return w.loadSeed(ctx, s, &copySource{rows: s.Rows, cols: s.Columns})
}

// LoadSeedText is LoadSeed with the rows read from rows as they are sent,
// each value as text the column's type reads; s.Rows is not used. The
// values go into COPY's text format as they are, escaped, so that the
// server, not kiln, converts them.
func (w *Warehouse) LoadSeedText(ctx context.Context, s warehouse.Seed, rows warehouse.SeedRows) (warehouse.BuildResult, error) {
	s.Rows = nil
	return w.loadSeed(ctx, s, &textCopySource{rows: rows, cols: s.Columns})
}

// copyReader is the rows of a seed in COPY's text format; encodeErr is
// the error that stopped it encoding a row, if any.
type copyReader interface {
	io.Reader
	encodeErr() error
}

func (w *Warehouse) loadSeed(ctx context.Context, s warehouse.Seed, src copyReader) (warehouse.BuildResult, error) {
	res := warehouse.BuildResult{RowsAffected: -1}
	if err := checkRelation(s.Relation); err != nil {
		return res, err
	}
	if err := checkSeed(s); err != nil {
		return res, err
	}
	if s.Existing == warehouse.Other {
		return res, notReplaceable(s.Relation, "")
	}
	b := warehouse.Build{
		NodeID:       s.NodeID,
		Relation:     s.Relation,
		Materialized: "seed",
		Existing:     s.Existing,
		InvocationID: s.InvocationID,
		Options:      s.Options,
	}
	var err error
	res.Statements, err = w.inTx(ctx, b, func(r *run) error {
		tmp := warehouse.Relation{Schema: s.Relation.Schema, Name: tempName(s.Relation, s.InvocationID)}
		if _, err := r.do(ctx, createSeedTable(r.header, tmp, s.Relation, s.Columns)); err != nil {
			return err
		}
		n, err := r.copyRows(ctx, copySeedRows(r.header, tmp, s.Relation, s.Columns), src, tmp.Name, s.Columns)
		if err != nil {
			return err
		}
		res.RowsAffected = n
		oid, relkind, err := r.lookup(ctx)
		if err != nil {
			return err
		}
		return r.swapIn(ctx, oid, relkind, tmp.Name, warehouse.Table)
	})
	if err != nil {
		res.RowsAffected = -1
		if ctx.Err() != nil {
			err = fmt.Errorf("load of seed %s stopped: %w", s.Relation, ctx.Err())
		}
	}
	return res, err
}

// copyRows sends the COPY statement st and streams src to it, into table
// (the name, in st's schema) of columns cols.
func (r *run) copyRows(ctx context.Context, st step, src copyReader, table string, cols []warehouse.Column) (int64, error) {
	r.statements = append(r.statements, st.SQL)
	tag, err := r.tx.Conn().PgConn().CopyFrom(ctx, src, st.SQL)
	if err := src.encodeErr(); err != nil {
		return 0, fmt.Errorf("%s: %w", st.What, err)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return 0, copyRowError(st.What, pgErr, table, cols)
	}
	if err != nil {
		return 0, r.explain(st, err)
	}
	return tag.RowsAffected(), nil
}

// copySource is an io.Reader of rows in COPY's text format.
type copySource struct {
	rows [][]any
	cols []warehouse.Column
	next int    // the next row to encode
	buf  []byte // encoded rows; buf[off:] is not read yet
	off  int
	err  error // a row that could not be encoded
}

func (c *copySource) Read(p []byte) (int, error) {
	if c.off > 0 { // keep what the last read left, at most a row
		c.buf = c.buf[:copy(c.buf, c.buf[c.off:])]
		c.off = 0
	}
	for len(c.buf)-c.off < len(p) && c.next < len(c.rows) {
		var err error
		if c.buf, err = appendCopyRow(c.buf, c.rows[c.next], c.cols); err != nil {
			c.err = fmt.Errorf("row %d, %w", c.next+1, err)
			return 0, c.err
		}
		c.next++
	}
	if c.off == len(c.buf) {
		return 0, io.EOF
	}
	n := copy(p, c.buf[c.off:])
	c.off += n
	return n, nil
}

func (c *copySource) encodeErr() error { return c.err }

// textCopySource is an io.Reader of rows read as text, in COPY's text
// format.
type textCopySource struct {
	rows warehouse.SeedRows
	cols []warehouse.Column
	n    int    // rows read so far
	done bool   // rows has no more
	buf  []byte // encoded rows; buf[off:] is not read yet
	off  int
	err  error // a row that could not be encoded
}

func (c *textCopySource) Read(p []byte) (int, error) {
	if c.off > 0 { // keep what the last read left, at most a row
		c.buf = c.buf[:copy(c.buf, c.buf[c.off:])]
		c.off = 0
	}
	for len(c.buf) < len(p) && !c.done {
		if !c.rows.Next() {
			c.done = true
			break
		}
		c.n++
		vals := c.rows.Values()
		if len(vals) != len(c.cols) {
			c.err = fmt.Errorf("row %d has %d values for %d columns", c.n, len(vals), len(c.cols))
			return 0, c.err
		}
		c.buf = appendCopyTextRow(c.buf, vals)
	}
	if c.off == len(c.buf) {
		return 0, io.EOF
	}
	n := copy(p, c.buf[c.off:])
	c.off += n
	return n, nil
}

func (c *textCopySource) encodeErr() error { return c.err }
