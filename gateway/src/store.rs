//! The violation store: SQLite (bundled) owned by one writer thread, so the request path only
//! pushes records onto a bounded queue and never waits for disk. Queries travel through the same
//! thread, which also makes an in-memory database work.

use std::sync::mpsc::{self, Receiver, SyncSender, TrySendError};
use std::sync::Mutex;
use std::thread::JoinHandle;

use contracts::diff::date::Date;
use rusqlite::{params, Connection};
use serde::Serialize;
use tokio::sync::oneshot;

use crate::config::StoreConfig;
use crate::problem::Violation;

/// Rows kept at most; older ones are pruned.
const MAX_ROWS: i64 = 1_000_000;
/// Records queued at most before new ones are dropped (and counted).
const QUEUE: usize = 4096;

/// One violation with the exchange it was found in.
#[derive(Debug, Clone)]
pub struct Record {
    /// Milliseconds since the Unix epoch.
    pub ts_ms: i64,
    /// The route prefix.
    pub route: String,
    /// The operation (`operationId`, or `METHOD /template`), `-` when none matched.
    pub operation: String,
    /// The request method.
    pub method: String,
    /// The request path, without the query string (which may carry credentials).
    pub path: String,
    /// The mode the request ran in.
    pub mode: String,
    /// The request id.
    pub request_id: String,
    /// What was wrong.
    pub violation: Violation,
}

/// A stored violation, as `GET /violations` returns it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct StoredViolation {
    /// Row id (increasing).
    pub id: i64,
    /// RFC 3339 UTC time.
    pub time: String,
    /// Milliseconds since the Unix epoch.
    pub ts_ms: i64,
    /// The route prefix.
    pub route: String,
    /// The operation.
    pub operation: String,
    /// The request method.
    pub method: String,
    /// The request path.
    pub path: String,
    /// The mode.
    pub mode: String,
    /// The request id.
    pub request_id: String,
    /// The violation kind.
    pub kind: String,
    /// Where in the exchange.
    pub location: String,
    /// JSON Pointer into the value.
    pub instance_path: String,
    /// JSON Pointer into the schema.
    pub schema_path: String,
    /// The contract's `file:line`.
    pub spec: Option<String>,
    /// What was wrong.
    pub message: String,
}

/// A filter over stored violations.
#[derive(Debug, Clone, Default)]
pub struct Query {
    /// Only this operation.
    pub operation: Option<String>,
    /// Only this route prefix.
    pub route: Option<String>,
    /// Only this kind.
    pub kind: Option<String>,
    /// Only at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
    /// At most this many, newest first.
    pub limit: usize,
}

enum Msg {
    Insert(Record),
    Query(Query, oneshot::Sender<Result<Vec<StoredViolation>, String>>),
    Flush(oneshot::Sender<()>),
}

/// Handle to the store's writer thread.
pub struct Store {
    tx: Mutex<Option<SyncSender<Msg>>>,
    thread: Mutex<Option<JoinHandle<()>>>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (creating if needed) the store; `Ok(None)` for [`StoreConfig::Off`].
    pub fn open(cfg: &StoreConfig) -> Result<Option<Store>, String> {
        let conn = match cfg {
            StoreConfig::Off => return Ok(None),
            StoreConfig::Memory => Connection::open_in_memory(),
            StoreConfig::Sqlite(p) => Connection::open(p),
        }
        .map_err(|e| format!("cannot open the violation store: {e}"))?;
        init(&conn).map_err(|e| format!("cannot prepare the violation store: {e}"))?;
        let (tx, rx) = mpsc::sync_channel(QUEUE);
        let thread = std::thread::Builder::new()
            .name("gateway-store".into())
            .spawn(move || run(conn, rx))
            .map_err(|e| format!("cannot start the violation store thread: {e}"))?;
        Ok(Some(Store {
            tx: Mutex::new(Some(tx)),
            thread: Mutex::new(Some(thread)),
        }))
    }

    fn sender(&self) -> Option<SyncSender<Msg>> {
        self.tx.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Queues records without waiting; returns how many were dropped because the queue was full.
    pub fn record(&self, records: Vec<Record>) -> u64 {
        let Some(tx) = self.sender() else {
            return records.len() as u64;
        };
        let mut dropped = 0;
        for r in records {
            match tx.try_send(Msg::Insert(r)) {
                Ok(()) => {}
                Err(TrySendError::Full(_)) | Err(TrySendError::Disconnected(_)) => dropped += 1,
            }
        }
        dropped
    }

    /// Runs a query.
    pub async fn query(&self, q: Query) -> Result<Vec<StoredViolation>, String> {
        let tx = self.sender().ok_or("the store is closed")?;
        let (otx, orx) = oneshot::channel();
        // Blocks only when the queue is full, on a blocking-pool thread.
        let sent = tokio::task::spawn_blocking(move || tx.send(Msg::Query(q, otx)).is_ok())
            .await
            .map_err(|e| e.to_string())?;
        if !sent {
            return Err("the store is closed".to_string());
        }
        orx.await.map_err(|_| "the store stopped".to_string())?
    }

    /// Waits until everything queued so far is written.
    pub async fn flush(&self) {
        let Some(tx) = self.sender() else { return };
        let (otx, orx) = oneshot::channel();
        let sent = tokio::task::spawn_blocking(move || tx.send(Msg::Flush(otx)).is_ok()).await;
        if sent.unwrap_or(false) {
            let _ = orx.await;
        }
    }

    /// Writes what is queued and stops the writer thread.
    pub fn close(&self) {
        drop(self.tx.lock().unwrap_or_else(|p| p.into_inner()).take());
        if let Some(t) = self.thread.lock().unwrap_or_else(|p| p.into_inner()).take() {
            let _ = t.join();
        }
    }
}

impl Drop for Store {
    fn drop(&mut self) {
        self.close();
    }
}

fn init(conn: &Connection) -> rusqlite::Result<()> {
    conn.execute_batch(
        "PRAGMA journal_mode = WAL;
         PRAGMA synchronous = NORMAL;
         CREATE TABLE IF NOT EXISTS violations (
           id INTEGER PRIMARY KEY,
           ts_ms INTEGER NOT NULL,
           route TEXT NOT NULL,
           operation TEXT NOT NULL,
           method TEXT NOT NULL,
           path TEXT NOT NULL,
           mode TEXT NOT NULL,
           request_id TEXT NOT NULL,
           kind TEXT NOT NULL,
           location TEXT NOT NULL,
           instance_path TEXT NOT NULL,
           schema_path TEXT NOT NULL,
           spec TEXT,
           message TEXT NOT NULL
         );
         CREATE INDEX IF NOT EXISTS violations_ts ON violations (ts_ms);
         CREATE INDEX IF NOT EXISTS violations_op_ts ON violations (operation, ts_ms);",
    )
}

fn run(mut conn: Connection, rx: Receiver<Msg>) {
    let mut since_prune = 0usize;
    while let Ok(first) = rx.recv() {
        // Batch every insert already queued into one transaction.
        let mut batch = Vec::new();
        let mut other = None;
        match first {
            Msg::Insert(r) => batch.push(r),
            m => other = Some(m),
        }
        while other.is_none() {
            match rx.try_recv() {
                Ok(Msg::Insert(r)) => batch.push(r),
                Ok(m) => other = Some(m),
                Err(_) => break,
            }
        }
        if !batch.is_empty() {
            since_prune += batch.len();
            if let Err(e) = insert(&mut conn, &batch) {
                tracing::error!(error = %e, lost = batch.len(), "cannot store violations");
            }
            if since_prune >= 10_000 {
                since_prune = 0;
                let _ = conn.execute(
                    "DELETE FROM violations WHERE id <= (SELECT max(id) FROM violations) - ?1",
                    params![MAX_ROWS],
                );
            }
        }
        match other {
            Some(Msg::Query(q, reply)) => {
                let _ = reply.send(select(&conn, &q).map_err(|e| e.to_string()));
            }
            Some(Msg::Flush(reply)) => {
                let _ = reply.send(());
            }
            Some(Msg::Insert(_)) | None => {}
        }
    }
}

fn insert(conn: &mut Connection, batch: &[Record]) -> rusqlite::Result<()> {
    let tx = conn.transaction()?;
    {
        let mut st = tx.prepare_cached(
            "INSERT INTO violations (ts_ms, route, operation, method, path, mode, request_id, kind,
               location, instance_path, schema_path, spec, message)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
        )?;
        for r in batch {
            let v = &r.violation;
            st.execute(params![
                r.ts_ms,
                r.route,
                r.operation,
                r.method,
                r.path,
                r.mode,
                r.request_id,
                v.kind,
                v.location,
                v.instance_path,
                v.schema_path,
                v.spec,
                v.message
            ])?;
        }
    }
    tx.commit()
}

fn select(conn: &Connection, q: &Query) -> rusqlite::Result<Vec<StoredViolation>> {
    let mut st = conn.prepare_cached(
        "SELECT id, ts_ms, route, operation, method, path, mode, request_id, kind, location,
                instance_path, schema_path, spec, message
         FROM violations
         WHERE (?1 IS NULL OR operation = ?1) AND (?2 IS NULL OR route = ?2)
           AND (?3 IS NULL OR kind = ?3) AND (?4 IS NULL OR ts_ms >= ?4)
         ORDER BY id DESC LIMIT ?5",
    )?;
    let rows = st.query_map(
        params![q.operation, q.route, q.kind, q.since_ms, q.limit as i64],
        |row| {
            let ts_ms: i64 = row.get(1)?;
            Ok(StoredViolation {
                id: row.get(0)?,
                time: rfc3339(ts_ms),
                ts_ms,
                route: row.get(2)?,
                operation: row.get(3)?,
                method: row.get(4)?,
                path: row.get(5)?,
                mode: row.get(6)?,
                request_id: row.get(7)?,
                kind: row.get(8)?,
                location: row.get(9)?,
                instance_path: row.get(10)?,
                schema_path: row.get(11)?,
                spec: row.get(12)?,
                message: row.get(13)?,
            })
        },
    )?;
    rows.collect()
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as i64)
        .unwrap_or(0)
}

fn epoch() -> Option<Date> {
    Date::from_ymd(1970, 1, 1)
}

/// `YYYY-MM-DDTHH:MM:SS.mmmZ` for milliseconds since the epoch.
pub fn rfc3339(ms: i64) -> String {
    let days = ms.div_euclid(86_400_000);
    let rem = ms.rem_euclid(86_400_000);
    let (y, m, d) = epoch().map_or((1970, 1, 1), |e| e.plus_days(days).ymd());
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:03}Z",
        rem / 3_600_000,
        rem / 60_000 % 60,
        rem / 1000 % 60,
        rem % 1000
    )
}

/// Parses a `since` value: milliseconds since the epoch, `YYYY-MM-DD`, or RFC 3339
/// (`YYYY-MM-DDTHH:MM:SS[.fff](Z|±HH:MM)`).
pub fn parse_time(s: &str) -> Option<i64> {
    if let Ok(ms) = s.parse::<i64>() {
        return Some(ms);
    }
    let date = s.get(..10)?;
    let day: Date = date.parse().ok()?;
    let days = epoch()?.days_until(day);
    let mut ms = days * 86_400_000;
    let rest = &s[10..];
    if rest.is_empty() {
        return Some(ms);
    }
    let rest = rest.strip_prefix(['T', 't', ' '])?;
    let num = |a: &str| -> Option<i64> {
        (a.len() == 2 && a.bytes().all(|b| b.is_ascii_digit()))
            .then(|| a.parse().ok())
            .flatten()
    };
    let (h, mi, sec) = (
        num(rest.get(0..2)?)?,
        num(rest.get(3..5)?)?,
        num(rest.get(6..8)?)?,
    );
    if rest.get(2..3)? != ":" || rest.get(5..6)? != ":" || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    ms += (h * 3600 + mi * 60 + sec) * 1000;
    let mut tail = &rest[8..];
    if let Some(frac) = tail.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        let f = &frac[..digits];
        let millis: i64 = format!("{:0<3}", &f[..digits.min(3)]).parse().ok()?;
        ms += millis;
        tail = &frac[digits..];
    }
    match tail {
        "Z" | "z" => Some(ms),
        _ => {
            let sign = match tail.get(0..1)? {
                "+" => 1,
                "-" => -1,
                _ => return None,
            };
            let (oh, om) = (num(tail.get(1..3)?)?, num(tail.get(4..6)?)?);
            if tail.get(3..4)? != ":" || tail.len() != 6 {
                return None;
            }
            Some(ms - sign * (oh * 3600 + om * 60) * 1000)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rec(op: &str, ts: i64) -> Record {
        Record {
            ts_ms: ts,
            route: "/".into(),
            operation: op.into(),
            method: "GET".into(),
            path: "/pets".into(),
            mode: "report".into(),
            request_id: "1".into(),
            violation: Violation::new("parameter-invalid", "request.query.limit", "too big"),
        }
    }

    #[test]
    fn times_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00.000Z");
        let t = parse_time("2026-03-01T12:34:56.789Z").unwrap();
        assert_eq!(rfc3339(t), "2026-03-01T12:34:56.789Z");
        assert_eq!(parse_time("2026-03-01T14:34:56.789+02:00"), Some(t));
        assert_eq!(parse_time("1700000000000"), Some(1_700_000_000_000));
        assert_eq!(
            parse_time("2026-03-01"),
            Some(t - (12 * 3600 + 34 * 60 + 56) * 1000 - 789)
        );
        for bad in [
            "2026-13-01",
            "2026-03-01T25:00:00Z",
            "yesterday",
            "2026-03-01T12:34:56",
        ] {
            assert_eq!(parse_time(bad), None, "{bad}");
        }
    }

    #[tokio::test]
    async fn stores_and_filters_and_survives_reopen() {
        let dir = tempfile::tempdir().unwrap();
        let cfg = StoreConfig::Sqlite(dir.path().join("v.sqlite"));
        let s = Store::open(&cfg).unwrap().unwrap();
        assert_eq!(
            s.record(vec![rec("a", 1000), rec("b", 2000), rec("a", 3000)]),
            0
        );
        s.flush().await;
        let all = s
            .query(Query {
                limit: 10,
                ..Query::default()
            })
            .await
            .unwrap();
        assert_eq!(all.len(), 3);
        assert!(all[0].id > all[1].id, "newest first");
        s.close();
        drop(s);
        let s = Store::open(&cfg).unwrap().unwrap();
        let a = s
            .query(Query {
                operation: Some("a".into()),
                since_ms: Some(2000),
                limit: 10,
                ..Query::default()
            })
            .await
            .unwrap();
        assert_eq!(a.len(), 1);
        assert_eq!(a[0].ts_ms, 3000);
        assert_eq!(a[0].location, "request.query.limit");
    }
}
