//! [`Table`]: the versioned storage of one table, readable at any retained sequence number.
//!
//! A table is fed the committed changes of the ledger in order, one [`Table::apply`] call per
//! ledger record that touches it. Invariants:
//! - sequence numbers and commit times of applied records strictly increase; a record out of
//!   order is rejected with [`Error::OutOfOrder`] and changes nothing;
//! - `apply` is atomic: every change of the record is validated (types, NOT NULL, unique
//!   constraints on the resulting state) before any is stored, so a rejected record leaves
//!   the table as it was;
//! - several changes to one key within a record collapse into one version: what a reader at
//!   that sequence sees is the record's net effect;
//! - rows are kept per primary key as a version chain (see `table/chain.rs`); each key's
//!   newest entry is stored apart, so current reads walk no history, and reads at an old
//!   sequence binary-search the chain. Chains are found by hash for point lookups and by
//!   B-tree for key order (see `table/rows.rs`);
//! - secondary indexes are versioned (see `table/index.rs`) and agree with the chains at every
//!   retained sequence; unique constraints are checked against the current state only (the
//!   past cannot change);
//! - after [`Table::vacuum`] with horizon `h`, reads at sequences below `h` fail with
//!   [`Error::BeforeHorizon`] instead of returning a partial past.
//!
//! Reads at a sequence after the newest applied record see the current state: the table only
//! hears about records that touch it, so the SQL layer bounds sequences by the ledger's end.
//! Reads at a sequence before the table's first record see no rows.
//!
//! # History filters
//!
//! [`Table::versions`] follows SQL Server's rules for system-versioned tables, with
//! sequence numbers in place of times (the SQL layer maps a time `T` to the last sequence
//! committed at or before `T`). A version holds over `[start, end)`, with `end = ∞` while it is
//! current:
//!
//! | filter | versions returned |
//! |---|---|
//! | `AsOf(s)` | `start <= s < end` (the same rows as [`Table::scan`]) |
//! | `FromTo(a, b)` | `start < b` and `end > a`: those live at some point in `[a, b)` (for `a == b`: live at `a` but not begun at `a`) |
//! | `Between(a, b)` | `start <= b` and `end > a`: as `FromTo`, plus those that began at `b` |
//! | `ContainedIn(a, b)` | `start >= a` and `end <= b`: opened and closed within `[a, b]` |
//! | `All` | every retained version, and the deletions as versions with `op = Delete` |
//!
//! Only `All` reports deletions: a deletion holds over `[delete, next insert)` and carries the
//! row it deleted.

mod chain;
mod chunks;
mod index;
mod key;
mod numeric;
mod rows;

use std::collections::hash_map::Entry as HashEntry;
use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use crate::error::{Error, Result};
use crate::schema::{IndexDef, Key, Row, TableSchema, UniqueConstraint, project};
use crate::value::Value;

pub(crate) use chain::{ArchivedEntry, Chain, Entry};
pub use chunks::CHUNK_SLOTS;
use chunks::Chunks;
use index::SecondaryIndex;
use key::StoredKey;
pub use numeric::NumericWidth;
use numeric::NumericWidths;
#[cfg(test)]
pub(crate) use numeric::amounts as numeric_test_schema;
use rows::Rows;

/// What a ledger record did to one primary key.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, rkyv::Archive, rkyv::Serialize, rkyv::Deserialize,
)]
#[rkyv(derive(Debug, PartialEq))]
pub enum Op {
    /// The key got a row after having none.
    Insert,
    /// The key's row was replaced.
    Update,
    /// The key's row was removed.
    Delete,
}

impl Op {
    /// True for versions that carry a current row (`Insert`, `Update`).
    pub fn is_live(self) -> bool {
        self != Op::Delete
    }
}

/// One row change within a ledger record.
#[derive(Debug, Clone, PartialEq)]
pub enum Change {
    /// Insert the row, or replace the row with the same primary key.
    Upsert(Row),
    /// Delete the row with this primary key; nothing happens if there is none.
    Delete(Key),
    /// Delete every row.
    Truncate,
}

/// One version of a row, as read.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VersionRef<'a> {
    /// Sequence number of the record that created this version (`__sequence`).
    pub start_seq: u64,
    /// Commit time of that record, microseconds since the Unix epoch.
    pub start_time: i64,
    /// Sequence number of the record that ended it; `None` while it is current.
    pub end_seq: Option<u64>,
    /// Commit time of that record.
    pub end_time: Option<i64>,
    /// What the creating record did.
    pub op: Op,
    /// The row; for a deletion, the row that was deleted.
    pub row: &'a Row,
}

/// Which versions [`Table::versions`] returns; see the module documentation for the rules.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VersionFilter {
    /// Versions visible at one sequence.
    AsOf(u64),
    /// `FOR SYSTEM_TIME FROM a TO b`.
    FromTo(u64, u64),
    /// `FOR SYSTEM_TIME BETWEEN a AND b`.
    Between(u64, u64),
    /// `FOR SYSTEM_TIME CONTAINED IN (a, b)`.
    ContainedIn(u64, u64),
    /// `FOR SYSTEM_TIME ALL`, deletions included.
    All,
}

impl VersionFilter {
    /// The oldest sequence the filter looks at, and a check of its bounds.
    fn lowest(self) -> Result<Option<u64>> {
        Ok(match self {
            VersionFilter::AsOf(s) => Some(s),
            // A range that ends before it starts reads nothing; it is not an error.
            VersionFilter::FromTo(a, b)
            | VersionFilter::Between(a, b)
            | VersionFilter::ContainedIn(a, b) => Some(a.min(b)),
            VersionFilter::All => None,
        })
    }

    fn admits(self, v: &VersionRef<'_>) -> bool {
        let ends_after = |a: u64| v.end_seq.is_none_or(|e| e > a);
        match self {
            VersionFilter::All => true,
            _ if !v.op.is_live() => false,
            VersionFilter::FromTo(a, b)
            | VersionFilter::Between(a, b)
            | VersionFilter::ContainedIn(a, b)
                if a > b =>
            {
                false
            }
            VersionFilter::AsOf(s) => v.start_seq <= s && ends_after(s),
            VersionFilter::FromTo(a, b) => v.start_seq < b && ends_after(a),
            VersionFilter::Between(a, b) => v.start_seq <= b && ends_after(a),
            VersionFilter::ContainedIn(a, b) => {
                v.start_seq >= a && v.end_seq.is_some_and(|e| e <= b)
            }
        }
    }
}

/// What [`Table::vacuum`] removed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct VacuumStats {
    /// Chain entries (versions and deletions) dropped.
    pub versions: usize,
    /// Primary keys dropped entirely (deleted before the horizon).
    pub keys: usize,
    /// Secondary-index entries dropped.
    pub index_entries: usize,
}

/// Approximate memory held by a table; see [`Table::memory`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct MemoryUsage {
    /// Primary keys with a chain (live or with retained history).
    pub keys: usize,
    /// Rows live now.
    pub live_rows: usize,
    /// Chain entries, current ones included.
    pub versions: usize,
    /// Secondary-index entries over all indexes.
    pub index_entries: usize,
    /// Approximate bytes of all of the above.
    pub bytes: usize,
}

/// Heap bytes of a list of values: the values themselves and what they own.
pub(crate) fn row_heap_bytes(values: &[Value]) -> usize {
    std::mem::size_of_val(values) + values.iter().map(Value::heap_bytes).sum::<usize>()
}

/// The versioned contents of one table.
#[derive(Debug, Clone)]
pub struct Table {
    schema: TableSchema,
    rows: Rows,
    /// When each run of `CHUNK_SLOTS` slots of `rows` changed.
    chunks: Chunks,
    /// Parallel to `schema.indexes()`.
    indexes: Vec<SecondaryIndex>,
    /// Parallel to `schema.unique()`: the current holder of each non-NULL constraint key.
    unique: Vec<HashMap<Vec<Value>, Key>>,
    /// Sequence and commit time of the newest applied record.
    last: Option<(u64, i64)>,
    /// Reads below this sequence fail.
    horizon: u64,
    /// Sequence and time from which this table no longer exists under its name (dropped, or
    /// replaced by an `ALTER TABLE`): its versions still current then end there.
    ended: Option<(u64, i64)>,
    live_rows: usize,
    versions: usize,
    /// How wide the values of the unconstrained `numeric` columns have been.
    numeric: NumericWidths,
}

/// What `apply` will do to one key: the key's final row (`None`: no row).
type Pending = BTreeMap<Key, Option<Row>>;

impl Table {
    /// An empty table.
    pub fn new(schema: TableSchema) -> Self {
        let indexes = schema
            .indexes()
            .iter()
            .map(|i| SecondaryIndex::new(i.columns.clone()))
            .collect();
        let unique = schema.unique().iter().map(|_| HashMap::new()).collect();
        Table {
            numeric: NumericWidths::new(&schema),
            schema,
            rows: Rows::default(),
            chunks: Chunks::default(),
            indexes,
            unique,
            last: None,
            horizon: 0,
            ended: None,
            live_rows: 0,
            versions: 0,
        }
    }

    /// The table's schema.
    pub fn schema(&self) -> &TableSchema {
        &self.schema
    }

    /// Sequence number of the newest applied record; `None` before the first.
    pub fn current_seq(&self) -> Option<u64> {
        self.last.map(|(seq, _)| seq)
    }

    /// Commit time of the newest applied record.
    pub fn current_time(&self) -> Option<i64> {
        self.last.map(|(_, time)| time)
    }

    /// The oldest sequence the table can be read at (0 until the first vacuum).
    pub fn horizon(&self) -> u64 {
        self.horizon
    }

    /// Number of rows live now.
    pub fn len(&self) -> usize {
        self.live_rows
    }

    /// True if no row is live now.
    pub fn is_empty(&self) -> bool {
        self.live_rows == 0
    }

    /// Applies the changes of the ledger record `seq`, committed at `time` (microseconds since
    /// the Unix epoch), all or nothing. See the module documentation for the rules.
    pub fn apply(
        &mut self,
        seq: u64,
        time: i64,
        changes: impl IntoIterator<Item = Change>,
    ) -> Result<()> {
        if let Some((current_seq, current_time)) = self.last
            && (seq <= current_seq || time <= current_time)
        {
            return Err(Error::OutOfOrder {
                seq,
                time,
                current_seq,
                current_time,
            });
        }
        let pending = self.plan(changes)?;
        self.check_unique(&pending)?;
        self.check_numeric(&pending)?;
        for (key, row) in pending {
            self.commit(seq, time, key, row);
        }
        self.last = Some((seq, time));
        Ok(())
    }

    /// Validates the changes and folds them into each key's final row.
    fn plan(&self, changes: impl IntoIterator<Item = Change>) -> Result<Pending> {
        let mut pending = Pending::new();
        for change in changes {
            match change {
                Change::Upsert(row) => {
                    self.schema.validate_row(&row)?;
                    pending.insert(self.schema.key_of(&row), Some(row));
                }
                Change::Delete(key) => {
                    self.schema.validate_key(&key)?;
                    pending.insert(key, None);
                }
                Change::Truncate => {
                    pending.clear();
                    for (key, chain) in self.rows.iter() {
                        if chain.live_row().is_some() {
                            pending.insert(key.as_slice().to_vec(), None);
                        }
                    }
                }
            }
        }
        Ok(pending)
    }

    /// Checks every unique constraint against the state the pending changes would leave.
    fn check_unique(&self, pending: &Pending) -> Result<()> {
        for (constraint, holders) in self.schema.unique().iter().zip(&self.unique) {
            let mut claimed: HashMap<Vec<Value>, &Key> = HashMap::new();
            for (key, row) in pending {
                let Some(row) = row else { continue };
                let ukey = project(row, &constraint.columns);
                if ukey.iter().any(Value::is_null) {
                    continue;
                }
                let violation = || Error::UniqueViolation {
                    constraint: constraint.name.clone(),
                };
                // A current holder that this record leaves alone keeps its value.
                if let Some(holder) = holders.get(&ukey)
                    && holder != key
                    && !pending.contains_key(holder)
                {
                    return Err(violation());
                }
                match claimed.entry(ukey) {
                    HashEntry::Occupied(_) => return Err(violation()),
                    HashEntry::Vacant(slot) => {
                        slot.insert(key);
                    }
                }
            }
        }
        Ok(())
    }

    /// Checks that each unconstrained `numeric` column can still be read as one 38-digit
    /// decimal type with the pending rows in it (see `table/numeric.rs`).
    fn check_numeric(&self, pending: &Pending) -> Result<()> {
        for column in self.numeric.columns() {
            let mut width = self.numeric.at(column, u64::MAX);
            for row in pending.values().flatten() {
                width = width.max(NumericWidth::of(&row[column]));
            }
            if !width.fits() {
                return Err(Error::NumericOverflow {
                    column: self.schema.columns()[column].name.clone(),
                    scale: width.scale,
                    whole: width.whole,
                });
            }
        }
        Ok(())
    }

    /// How wide the values of column `column` (an unconstrained `numeric`) are as read at
    /// `seq`: every value a read at `seq` sees fits a decimal type of that scale and
    /// `scale + whole` digits. Zero for another column, or before its first value.
    pub fn numeric_width(&self, column: usize, seq: u64) -> NumericWidth {
        self.numeric.at(column, seq)
    }

    /// Stores the final row of one key at `seq`, keeping indexes and unique maps in step.
    fn commit(&mut self, seq: u64, time: i64, key: Key, row: Option<Row>) {
        let old = self.rows.get(key.as_slice()).and_then(Chain::live_row);
        let op = match (old.is_some(), row.is_some()) {
            (false, false) => return,
            (false, true) => Op::Insert,
            (true, true) => Op::Update,
            (true, false) => Op::Delete,
        };
        // Index and unique bookkeeping needs the old row; take what it needs first.
        let old_ikeys: Vec<Option<Vec<Value>>> = self
            .indexes
            .iter()
            .map(|i| old.map(|r| i.key_of(r)))
            .collect();
        let old_ukeys: Vec<Option<Vec<Value>>> = self
            .schema
            .unique()
            .iter()
            .map(|c| old.map(|r| project(r, &c.columns)))
            .collect();
        for (index, old_ikey) in self.indexes.iter_mut().zip(old_ikeys) {
            let new_ikey = row.as_ref().map(|r| index.key_of(r));
            if old_ikey == new_ikey {
                continue;
            }
            if let Some(old_ikey) = old_ikey {
                index.close(old_ikey, key.clone(), seq);
            }
            if let Some(new_ikey) = new_ikey {
                index.open(new_ikey, key.clone(), seq);
            }
        }
        for ((constraint, holders), old_ukey) in self
            .schema
            .unique()
            .iter()
            .zip(&mut self.unique)
            .zip(old_ukeys)
        {
            if let Some(old_ukey) = old_ukey
                && holders.get(&old_ukey) == Some(&key)
            {
                holders.remove(&old_ukey);
            }
            if let Some(row) = &row {
                let ukey = project(row, &constraint.columns);
                if !ukey.iter().any(Value::is_null) {
                    holders.insert(ukey, key.clone());
                }
            }
        }
        if let Some(row) = &row {
            self.numeric.note(seq, row);
        }
        let entry = Entry {
            start_seq: seq,
            start_time: time,
            op,
            row: row.unwrap_or_default(),
        };
        match op {
            Op::Insert => self.live_rows += 1,
            Op::Delete => self.live_rows -= 1,
            Op::Update => {}
        }
        self.versions += 1;
        let slot = match self.rows.slot_of(key.as_slice()) {
            Some(slot) => {
                if let Some(chain) = self.rows.at_mut(slot) {
                    chain.push(entry);
                }
                Some(slot)
            }
            None => self.rows.insert(StoredKey::from(key), Chain::new(entry)),
        };
        if let Some(slot) = slot {
            self.chunks.note(slot, seq);
        }
    }

    fn check_horizon(&self, seq: u64) -> Result<()> {
        if seq < self.horizon {
            return Err(Error::BeforeHorizon {
                requested: seq,
                horizon: self.horizon,
            });
        }
        Ok(())
    }

    /// The row with primary key `key` as it was at sequence `seq`.
    pub fn get(&self, key: &[Value], seq: u64) -> Result<Option<VersionRef<'_>>> {
        self.check_horizon(seq)?;
        Ok(self.rows.get(key).and_then(|c| c.visible_at(seq)))
    }

    /// The row with primary key `key` now.
    pub fn get_current(&self, key: &[Value]) -> Option<&Row> {
        self.rows.get(key).and_then(Chain::live_row)
    }

    /// Every row visible at `seq`, in primary-key order.
    pub fn scan(&self, seq: u64) -> Result<impl Iterator<Item = VersionRef<'_>> + '_> {
        self.check_horizon(seq)?;
        Ok(self.rows.chains().filter_map(move |c| c.visible_at(seq)))
    }

    /// The rows visible at `seq` whose primary keys lie within the bounds, in key order.
    /// Bounds compare keys lexicographically, so a shorter bound acts on a key prefix.
    pub fn scan_range<'a>(
        &'a self,
        lower: Bound<&'a [Value]>,
        upper: Bound<&'a [Value]>,
        seq: u64,
    ) -> Result<impl Iterator<Item = VersionRef<'a>> + 'a> {
        self.check_horizon(seq)?;
        let range = (!range_is_empty(lower, upper)).then(|| self.rows.range(lower, upper));
        Ok(range
            .into_iter()
            .flatten()
            .filter_map(move |c| c.visible_at(seq)))
    }

    /// How many chunks of [`CHUNK_SLOTS`] slots the table's rows span. Chunks divide the
    /// rows by storage position, not key: a key stays in its chunk for its whole life.
    pub fn chunk_count(&self) -> usize {
        self.rows.slot_count().div_ceil(CHUNK_SLOTS)
    }

    /// The state of `chunk` at `seq`: the newest change to its rows at or before `seq`
    /// (`None`: it had no rows then). Reads of the chunk at sequences with the same state
    /// return the same rows, so a copy made at one serves them all.
    pub fn chunk_state(&self, chunk: usize, seq: u64) -> Result<Option<u64>> {
        self.check_horizon(seq)?;
        Ok(self.chunks.state_at(chunk, seq))
    }

    /// The rows of `chunk` visible at `seq`, in storage order.
    pub fn scan_chunk(
        &self,
        chunk: usize,
        seq: u64,
    ) -> Result<impl Iterator<Item = VersionRef<'_>> + '_> {
        self.check_horizon(seq)?;
        let first = chunk.saturating_mul(CHUNK_SLOTS);
        Ok(self
            .rows
            .in_slots(first..first.saturating_add(CHUNK_SLOTS))
            .filter_map(move |c| c.visible_at(seq)))
    }

    /// Retained versions matching `filter`, in primary-key order and, per key, oldest first.
    pub fn versions(
        &self,
        filter: VersionFilter,
    ) -> Result<impl Iterator<Item = VersionRef<'_>> + '_> {
        self.versions_through(filter, None)
    }

    /// [`Table::versions`] as the table stood at sequence `through` (`None`: now): later
    /// versions are left out and versions a later record ended are still current. A reader
    /// at a snapshot passes its sequence, so commits it must not see stay out of its ranges.
    pub fn versions_through(
        &self,
        filter: VersionFilter,
        through: Option<u64>,
    ) -> Result<impl Iterator<Item = VersionRef<'_>> + '_> {
        if let Some(lowest) = filter.lowest()? {
            self.check_horizon(lowest)?;
        }
        Ok(self.rows.chains().flat_map(move |c| {
            c.versions()
                .filter_map(move |v| self.cap(v, through))
                .filter(move |v| filter.admits(v))
        }))
    }

    /// Marks the table as ended at `seq` (committed at `time`): from then on its name means
    /// another table or none, so its current versions end there in version reads.
    pub fn end(&mut self, seq: u64, time: i64) {
        self.ended = Some((seq, time));
    }

    /// The sequence and time the table ended at, if it did.
    pub fn ended(&self) -> Option<(u64, i64)> {
        self.ended
    }

    /// A version as seen at `through`: `None` if it is newer, its end forgotten if that is
    /// newer; else ended with the table if the table has ended.
    fn cap<'a>(&self, mut v: VersionRef<'a>, through: Option<u64>) -> Option<VersionRef<'a>> {
        let seen = |seq: u64| through.is_none_or(|t| seq <= t);
        if !seen(v.start_seq) {
            return None;
        }
        if v.end_seq.is_some_and(|e| !seen(e)) {
            v.end_seq = None;
            v.end_time = None;
        }
        if v.end_seq.is_none()
            && let Some((seq, time)) = self.ended
            && seen(seq)
        {
            v.end_seq = Some(seq);
            v.end_time = Some(time);
        }
        Some(v)
    }

    /// Retained versions of one key matching `filter`, oldest first.
    pub fn key_versions(
        &self,
        key: &[Value],
        filter: VersionFilter,
    ) -> Result<impl Iterator<Item = VersionRef<'_>> + '_> {
        self.key_versions_through(key, filter, None)
    }

    /// [`Table::key_versions`] as the table stood at sequence `through`; see
    /// [`Table::versions_through`].
    pub fn key_versions_through(
        &self,
        key: &[Value],
        filter: VersionFilter,
        through: Option<u64>,
    ) -> Result<impl Iterator<Item = VersionRef<'_>> + '_> {
        if let Some(lowest) = filter.lowest()? {
            self.check_horizon(lowest)?;
        }
        Ok(self.rows.get(key).into_iter().flat_map(move |c| {
            c.versions()
                .filter_map(move |v| self.cap(v, through))
                .filter(move |v| filter.admits(v))
        }))
    }

    fn index(&self, name: &str) -> Result<&SecondaryIndex> {
        self.schema
            .indexes()
            .iter()
            .position(|i| i.name == name)
            .and_then(|p| self.indexes.get(p))
            .ok_or_else(|| Error::NotFound {
                what: "index",
                name: name.to_owned(),
            })
    }

    /// Rows visible at `seq` whose values in the columns of index `index` start with
    /// `prefix` (all of the index's columns for an equality lookup), in index order.
    pub fn index_eq<'a>(
        &'a self,
        index: &str,
        prefix: &'a [Value],
        seq: u64,
    ) -> Result<impl Iterator<Item = VersionRef<'a>> + 'a> {
        self.check_horizon(seq)?;
        let index = self.index(index)?;
        Ok(index
            .prefix(prefix, seq)
            .filter_map(move |pk| self.rows.get(pk).and_then(|c| c.visible_at(seq))))
    }

    /// Rows visible at `seq` whose index key in index `index` lies within the bounds, in
    /// index order. Bounds compare index keys lexicographically (`[5] < [5, x]`).
    pub fn index_range<'a>(
        &'a self,
        index: &str,
        lower: Bound<&'a [Value]>,
        upper: Bound<&'a [Value]>,
        seq: u64,
    ) -> Result<impl Iterator<Item = VersionRef<'a>> + 'a> {
        self.check_horizon(seq)?;
        let index = self.index(index)?;
        let empty = range_is_empty(lower, upper);
        Ok(index
            .range(lower, upper, seq)
            .take_while(move |_| !empty)
            .filter_map(move |pk| self.rows.get(pk).and_then(|c| c.visible_at(seq))))
    }

    /// Would these changes, as one record applied now, be rejected? Returns the error
    /// [`Table::apply`] would (invalid row, NOT NULL, unique violation), without applying
    /// anything, so the SQL layer can fail a statement before it commits. Sequence order is
    /// not checked.
    pub fn check(&self, changes: &[Change]) -> Result<()> {
        self.check_owned(changes.iter().cloned())
    }

    /// [`Table::check`] of changes the caller no longer needs.
    pub fn check_owned(&self, changes: impl IntoIterator<Item = Change>) -> Result<()> {
        let pending = self.plan(changes)?;
        self.check_unique(&pending)?;
        self.check_numeric(&pending)
    }

    /// Adds a secondary index built over every retained version, so a read at any
    /// readable sequence can use it. Fails if the name is taken or a column is unknown.
    pub fn create_index(&mut self, def: IndexDef) -> Result<()> {
        let mut indexes = self.schema.indexes().to_vec();
        indexes.push(def.clone());
        let schema = self.schema.with_indexes(indexes)?;
        let mut index = SecondaryIndex::new(def.columns);
        for chain in self.rows.chains() {
            for v in chain.versions().filter(|v| v.op.is_live()) {
                let key = self.schema.key_of(v.row);
                let ikey = index.key_of(v.row);
                index.open(ikey.clone(), key.clone(), v.start_seq);
                if let Some(end) = v.end_seq {
                    index.close(ikey, key, end);
                }
            }
        }
        self.indexes.push(index);
        self.schema = schema;
        Ok(())
    }

    /// Adds the unique constraint `constraint`, which the current rows must satisfy
    /// ([`Error::UniqueViolation`] if two of them hold the same non-NULL values).
    pub fn add_unique(&mut self, constraint: UniqueConstraint) -> Result<()> {
        let holders = self.unique_holders(&constraint)?;
        let mut unique = self.schema.unique().to_vec();
        unique.push(constraint);
        self.schema = self.schema.with_unique(unique)?;
        self.unique.push(holders);
        Ok(())
    }

    /// Whether [`Table::add_unique`] of `constraint` would succeed, changing nothing.
    pub fn check_add_unique(&self, constraint: &UniqueConstraint) -> Result<()> {
        let mut unique = self.schema.unique().to_vec();
        unique.push(constraint.clone());
        self.schema.with_unique(unique)?;
        self.unique_holders(constraint).map(drop)
    }

    /// The current holder of each non-NULL value of `constraint`'s columns.
    fn unique_holders(&self, constraint: &UniqueConstraint) -> Result<HashMap<Vec<Value>, Key>> {
        let mut holders = HashMap::new();
        let Some(now) = self.current_seq() else {
            return Ok(holders);
        };
        for v in self.scan(now)? {
            let ukey = project(v.row, &constraint.columns);
            if ukey.iter().any(Value::is_null) {
                continue;
            }
            if holders.insert(ukey, self.schema.key_of(v.row)).is_some() {
                return Err(Error::UniqueViolation {
                    constraint: constraint.name.clone(),
                });
            }
        }
        Ok(holders)
    }

    /// The key of the current row holding `values` in the columns of unique constraint
    /// `name`, if any.
    pub fn unique_holder(&self, name: &str, values: &[Value]) -> Option<&Key> {
        let i = self.schema.unique().iter().position(|u| u.name == name)?;
        self.unique.get(i)?.get(values)
    }

    /// Removes the unique constraint called `name`.
    pub fn drop_unique(&mut self, name: &str) -> Result<()> {
        let position = self
            .schema
            .unique()
            .iter()
            .position(|u| u.name == name)
            .ok_or_else(|| Error::NotFound {
                what: "unique constraint",
                name: name.to_owned(),
            })?;
        let mut unique = self.schema.unique().to_vec();
        unique.remove(position);
        self.schema = self.schema.with_unique(unique)?;
        self.unique.remove(position);
        Ok(())
    }

    /// Removes the secondary index called `name`.
    pub fn drop_index(&mut self, name: &str) -> Result<()> {
        let position = self
            .schema
            .indexes()
            .iter()
            .position(|i| i.name == name)
            .ok_or_else(|| Error::NotFound {
                what: "index",
                name: name.to_owned(),
            })?;
        let mut indexes = self.schema.indexes().to_vec();
        indexes.remove(position);
        self.schema = self.schema.with_indexes(indexes)?;
        self.indexes.remove(position);
        Ok(())
    }

    /// Drops history that no read at or after `horizon` can see, and makes reads below
    /// `horizon` fail from now on. The horizon never moves back: a lower one changes
    /// nothing. It may not pass the current sequence.
    pub fn vacuum(&mut self, horizon: u64) -> Result<VacuumStats> {
        let limit = self.current_seq().unwrap_or(0);
        if horizon > limit {
            return Err(Error::InvalidInput(format!(
                "vacuum horizon {horizon} is after the table's current sequence {limit}"
            )));
        }
        let mut stats = VacuumStats::default();
        if horizon <= self.horizon {
            return Ok(stats);
        }
        self.rows.retain(|chain| {
            let (dropped, empty) = chain.vacuum(horizon);
            stats.versions += dropped;
            stats.keys += usize::from(empty);
            !empty
        });
        for index in &mut self.indexes {
            stats.index_entries += index.vacuum(horizon);
        }
        self.chunks.vacuum(horizon);
        self.numeric.rebuild(stored_rows(&self.rows));
        self.versions -= stats.versions;
        self.horizon = horizon;
        Ok(stats)
    }

    /// Approximate memory held by rows, history and indexes. Walks everything: O(size).
    /// B-tree node overhead is counted as half the entry size again, a rough mean for nodes
    /// between half and fully occupied.
    /// Chain entries (versions, current ones included), cheaply.
    pub fn version_count(&self) -> usize {
        self.versions
    }

    pub fn memory(&self) -> MemoryUsage {
        let rows = self.rows.approx_bytes()
            + self.chunks.approx_bytes()
            + self.rows.chains().map(Chain::heap_bytes).sum::<usize>();
        let unique: usize = self
            .unique
            .iter()
            .flat_map(|m| m.iter())
            .map(|(u, k)| {
                2 * std::mem::size_of::<Vec<Value>>() + 8 + row_heap_bytes(u) + row_heap_bytes(k)
            })
            .sum();
        let index_bytes: usize = self.indexes.iter().map(SecondaryIndex::approx_bytes).sum();
        MemoryUsage {
            keys: self.rows.len(),
            live_rows: self.live_rows,
            versions: self.versions,
            index_entries: self.indexes.iter().map(SecondaryIndex::len).sum(),
            bytes: std::mem::size_of::<Self>() + rows + unique + index_bytes,
        }
    }

    /// The first key after `after` (the first key if `None`) whose chain had begun by
    /// `seq`, with that chain, for snapshots written a chunk of keys at a time.
    pub(crate) fn chain_after(
        &self,
        after: Option<&[Value]>,
        seq: u64,
    ) -> Option<(&StoredKey, &Chain)> {
        self.rows
            .iter_after(after)
            .find(|(_, chain)| chain.len_at(seq) > 0)
    }

    /// Newest applied record as `(seq, time)`.
    pub(crate) fn last(&self) -> Option<(u64, i64)> {
        self.last
    }

    /// Rebuilds a table from a snapshot's parts, checking every invariant a table keeps.
    /// The error is the reason the parts are inconsistent.
    pub(crate) fn restore(
        schema: TableSchema,
        last: Option<(u64, i64)>,
        horizon: u64,
        chains: Vec<Vec<Entry>>,
    ) -> std::result::Result<Table, String> {
        // The schema came from bytes: re-run its checks.
        let schema = TableSchema::new(
            schema.name(),
            schema.columns().to_vec(),
            schema.primary_key().to_vec(),
            schema.unique().to_vec(),
            schema.indexes().to_vec(),
        )
        .map_err(|e| format!("schema: {e}"))?;
        let mut table = Table::new(schema);
        let (last_seq, last_time) = match last {
            Some(last) => last,
            None if chains.is_empty() && horizon == 0 => return Ok(table),
            None => return Err("rows or a horizon without a current sequence".into()),
        };
        if horizon > last_seq {
            return Err(format!(
                "horizon {horizon} after current sequence {last_seq}"
            ));
        }
        for entries in chains {
            let key = match entries.first() {
                Some(first) if first.is_live() => {
                    table
                        .schema
                        .validate_row(&first.row)
                        .map_err(|e| e.to_string())?;
                    table.schema.key_of(&first.row)
                }
                Some(_) => return Err("a version chain starts with a deletion".into()),
                None => return Err("an empty version chain".into()),
            };
            let mut previous: Option<&Entry> = None;
            for entry in &entries {
                if entry.start_seq > last_seq || entry.start_time > last_time {
                    return Err(format!(
                        "a version at sequence {} after the current sequence {last_seq}",
                        entry.start_seq
                    ));
                }
                if let Some(p) = previous {
                    if entry.start_seq <= p.start_seq || entry.start_time <= p.start_time {
                        return Err(format!("versions of key {key:?} out of order"));
                    }
                    if p.is_live() == (entry.op == Op::Insert) {
                        return Err(format!("key {key:?}: {:?} after {:?}", entry.op, p.op));
                    }
                }
                if entry.is_live() {
                    table
                        .schema
                        .validate_row(&entry.row)
                        .map_err(|e| e.to_string())?;
                    if table.schema.key_of(&entry.row) != key {
                        return Err(format!("a version of key {key:?} holds another key"));
                    }
                } else if !entry.row.is_empty() {
                    return Err(format!("a deletion of key {key:?} carries a row"));
                }
                previous = Some(entry);
            }
            // Index entries: one per run of versions with the same index key.
            for index in &mut table.indexes {
                let mut open: Option<Vec<Value>> = None;
                for entry in &entries {
                    let ikey = entry.is_live().then(|| index.key_of(&entry.row));
                    if ikey == open {
                        continue;
                    }
                    if let Some(old) = open.take() {
                        index.close(old, key.clone(), entry.start_seq);
                    }
                    if let Some(new) = ikey {
                        index.open(new.clone(), key.clone(), entry.start_seq);
                        open = Some(new);
                    }
                }
            }
            let chain = Chain::from_entries(entries).ok_or("an empty version chain")?;
            if let Some(row) = chain.live_row() {
                for (constraint, holders) in table.schema.unique().iter().zip(&mut table.unique) {
                    let ukey = project(row, &constraint.columns);
                    if ukey.iter().any(Value::is_null) {
                        continue;
                    }
                    if holders.insert(ukey, key.clone()).is_some() {
                        return Err(format!(
                            "rows break unique constraint {:?}",
                            constraint.name
                        ));
                    }
                }
                table.live_rows += 1;
            }
            table.versions += chain.len();
            let Some(slot) = table.rows.insert(StoredKey::from(key.as_slice()), chain) else {
                return Err(format!("key {key:?} has two version chains"));
            };
            for entry in table.rows.slot(slot).into_iter().flat_map(Chain::entries) {
                table.chunks.note(slot, entry.start_seq);
            }
        }
        table.chunks.settle();
        table.numeric.rebuild(stored_rows(&table.rows));
        table.last = last;
        table.horizon = horizon;
        Ok(table)
    }
}

/// Every row version `rows` holds, with the sequence it was stored at.
fn stored_rows(rows: &Rows) -> impl Iterator<Item = (u64, &[Value])> {
    rows.chains()
        .flat_map(Chain::entries)
        .filter(|e| e.is_live())
        .map(|e| (e.start_seq, e.row.as_slice()))
}

/// Whether `(lower, upper)` selects nothing; `BTreeMap::range` panics on some such bounds.
fn range_is_empty(lower: Bound<&[Value]>, upper: Bound<&[Value]>) -> bool {
    match (lower, upper) {
        (Bound::Included(lo), Bound::Included(hi)) => lo > hi,
        (Bound::Included(lo) | Bound::Excluded(lo), Bound::Excluded(hi))
        | (Bound::Excluded(lo), Bound::Included(hi)) => lo >= hi,
        _ => false,
    }
}

#[cfg(test)]
mod tests;
