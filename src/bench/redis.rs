//! `driftdb bench redis`: the produce and consume workload of `driftdb bench produce` and
//! `driftdb bench consume` against Redis Streams, the peer a user might pick instead.
//!
//! The benchmark does not start Redis: it drives whatever server `--addr` names and prints its
//! `appendonly` and `appendfsync` settings in the report, so the durability compared is on
//! record. `docs/benchmarks.md` gives the `redis-server` command lines.
//!
//! Produce: each client is one connection that sends `--pipeline` `XADD KEY * v VALUE`
//! commands (no `MAXLEN`: nothing is trimmed) in one write, then reads their replies, and
//! repeats for `--seconds`. With `appendfsync always` Redis fsyncs its append-only file once
//! per event-loop iteration, before it sends the replies of the commands that iteration ran,
//! so a pipeline is Redis's counterpart of a producer batch. Consume: one connection replays
//! the stream the last produce run wrote with `XREAD COUNT n STREAMS KEY LAST_ID`.
//!
//! The client is [`Connection`], a minimal RESP2 client over a tokio `TcpStream`: commands
//! are arrays of bulk strings; replies are parsed with every length checked and capped.

use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::Args;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;
use tokio::net::tcp::{OwnedReadHalf, OwnedWriteHalf};

use super::{Throughput, load_average, ms, percentiles, thousands};

/// Largest bulk string accepted from the server (Redis's own `proto-max-bulk-len` default).
const MAX_BULK: usize = 512 << 20;
/// Largest array accepted from the server.
const MAX_ARRAY: usize = 1 << 24;
/// Longest header line (`$123\r\n`, `-ERR ...\r\n`) accepted from the server.
const MAX_LINE: usize = 64 << 10;

/// Options of `driftdb bench redis`.
#[derive(Debug, Clone, Args)]
pub struct RedisBench {
    /// The Redis server, `host:port`.
    #[arg(long, default_value = "127.0.0.1:6379")]
    pub addr: String,
    /// Seconds per produce run.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Entry value sizes in bytes.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1024])]
    pub sizes: Vec<usize>,
    /// Numbers of concurrent pipelining clients, each on its own connection.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 8])]
    pub clients: Vec<usize>,
    /// XADD commands per pipeline (the counterpart of a producer batch).
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub pipeline: u32,
    /// Entries per XREAD in the consume run.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub read_count: u32,
}

/// One produce run.
#[derive(Debug)]
struct XaddRun {
    size: usize,
    clients: usize,
    throughput: Throughput,
    pipeline_p50: Duration,
    pipeline_p99: Duration,
}

pub async fn run_redis_bench(opts: &RedisBench) -> Result<()> {
    if opts.clients.contains(&0) {
        bail!("--clients: every count must be at least 1");
    }
    let mut admin = Connection::connect(&opts.addr).await?;
    let appendonly = admin.config_get("appendonly").await?;
    let appendfsync = admin.config_get("appendfsync").await?;
    println!("# driftdb bench redis\n");
    println!("load average at start: {}\n", load_average());
    println!(
        "server {} (appendonly {appendonly}, appendfsync {appendfsync}); {} s per run; \
         pipelines of {} XADD; XREAD COUNT {}\n",
        opts.addr, opts.seconds, opts.pipeline, opts.read_count
    );

    let mut produced = Vec::new();
    let mut consumed = Vec::new();
    for &size in &opts.sizes {
        let mut last_key = None;
        for &clients in &opts.clients {
            let key = stream_key(size, clients);
            admin.command(&[b"DEL", key.as_bytes()]).await?;
            let run = xadd_throughput(opts, &key, size, clients).await?;
            eprintln!(
                "appendfsync {appendfsync} {size} B x{clients}: {:.0} entries/s",
                run.throughput.records_per_s()
            );
            produced.push(run);
            if let Some(previous) = last_key.replace(key) {
                admin.command(&[b"DEL", previous.as_bytes()]).await?;
            }
        }
        if let Some(key) = last_key {
            consumed.push((size, xread_throughput(opts, &key).await?));
            admin.command(&[b"DEL", key.as_bytes()]).await?;
        }
    }

    println!("## XADD throughput (appendfsync {appendfsync})\n");
    println!("| record | clients | entries/s | MB/s | pipeline round trip p50 | p99 |");
    println!("|---:|---:|---:|---:|---:|---:|");
    for r in &produced {
        println!(
            "| {} B | {} | {} | {:.1} | {:.2} ms | {:.2} ms |",
            r.size,
            r.clients,
            thousands(r.throughput.records_per_s()),
            r.throughput.mb_per_s(),
            ms(r.pipeline_p50),
            ms(r.pipeline_p99)
        );
    }
    println!("\n## XREAD throughput (replay from the beginning)\n");
    println!("| record | entries | entries/s | MB/s |\n|---:|---:|---:|---:|");
    for (size, t) in &consumed {
        println!(
            "| {size} B | {} | {} | {:.1} |",
            thousands(t.records as f64),
            thousands(t.records_per_s()),
            t.mb_per_s()
        );
    }
    println!("\nload average at end: {}", load_average());
    Ok(())
}

fn stream_key(size: usize, clients: usize) -> String {
    format!("driftdb-bench-{}-{size}-{clients}", std::process::id())
}

/// Entries/s and MB/s of `clients` connections each sending pipelines of XADD for
/// `--seconds`, with each pipeline's round-trip time.
async fn xadd_throughput(
    opts: &RedisBench,
    key: &str,
    size: usize,
    clients: usize,
) -> Result<XaddRun> {
    let mut connections = Vec::with_capacity(clients);
    for _ in 0..clients {
        connections.push(Connection::connect(&opts.addr).await?);
    }
    let deadline = Duration::from_secs_f64(opts.seconds);
    let start = Instant::now();
    let tasks: Vec<_> = connections
        .into_iter()
        .map(|connection| {
            tokio::spawn(xadd_client(
                connection,
                key.to_string(),
                size,
                opts.pipeline as usize,
                start,
                deadline,
            ))
        })
        .collect();
    let mut entries = 0u64;
    let mut round_trips = Vec::new();
    for task in tasks {
        let (n, times) = task.await??;
        entries += n;
        round_trips.extend(times);
    }
    let elapsed = start.elapsed();
    let (pipeline_p50, pipeline_p99) = percentiles(&mut round_trips);
    Ok(XaddRun {
        size,
        clients,
        throughput: Throughput {
            records: entries,
            bytes: entries * size as u64,
            elapsed,
        },
        pipeline_p50,
        pipeline_p99,
    })
}

/// One client of [`xadd_throughput`]: returns the entries it added and each pipeline's
/// round-trip time.
async fn xadd_client(
    mut connection: Connection,
    key: String,
    size: usize,
    pipeline: usize,
    start: Instant,
    deadline: Duration,
) -> Result<(u64, Vec<Duration>)> {
    let value = vec![b'v'; size];
    let mut entries = 0u64;
    let mut round_trips = Vec::new();
    while start.elapsed() < deadline {
        let sent = Instant::now();
        for _ in 0..pipeline {
            connection.queue(&[b"XADD", key.as_bytes(), b"*", b"v", &value]);
        }
        connection.flush().await?;
        for _ in 0..pipeline {
            match connection.read_reply().await? {
                Reply::Bulk(Some(_)) => {}
                Reply::Error(e) => bail!("XADD failed: {e}"),
                other => bail!("XADD answered {other:?}, expected an entry id"),
            }
        }
        round_trips.push(sent.elapsed());
        entries += pipeline as u64;
    }
    Ok((entries, round_trips))
}

/// Entries/s and MB/s of one connection replaying the whole stream `key` with XREAD.
async fn xread_throughput(opts: &RedisBench, key: &str) -> Result<Throughput> {
    let mut connection = Connection::connect(&opts.addr).await?;
    let total = match connection.command(&[b"XLEN", key.as_bytes()]).await? {
        Reply::Integer(n) => u64::try_from(n).context("XLEN answered a negative length")?,
        other => bail!("XLEN answered {other:?}"),
    };
    let count = opts.read_count.to_string();
    let mut last_id = b"0-0".to_vec();
    let (mut entries, mut bytes) = (0u64, 0u64);
    let start = Instant::now();
    while entries < total {
        let reply = connection
            .command(&[
                b"XREAD",
                b"COUNT",
                count.as_bytes(),
                b"STREAMS",
                key.as_bytes(),
                &last_id,
            ])
            .await?;
        let batch = StreamBatch::from_xread(reply)?;
        if batch.entries == 0 {
            bail!("XREAD returned nothing after {entries} of {total} entries");
        }
        entries += batch.entries;
        bytes += batch.value_bytes;
        last_id = batch.last_id;
    }
    Ok(Throughput {
        records: entries,
        bytes,
        elapsed: start.elapsed(),
    })
}

/// What one XREAD reply for one stream held.
#[derive(Debug, PartialEq)]
struct StreamBatch {
    entries: u64,
    /// Bytes of field values, the counterpart of record values.
    value_bytes: u64,
    last_id: Vec<u8>,
}

impl StreamBatch {
    /// Reads `[[KEY, [[ID, [FIELD, VALUE, ...]], ...]]]`; a null reply is an empty batch.
    fn from_xread(reply: Reply) -> Result<StreamBatch> {
        let mut batch = StreamBatch {
            entries: 0,
            value_bytes: 0,
            last_id: Vec::new(),
        };
        let streams = match reply {
            Reply::Array(None) => return Ok(batch),
            Reply::Array(Some(streams)) => streams,
            Reply::Error(e) => bail!("XREAD failed: {e}"),
            other => bail!("XREAD answered {other:?}"),
        };
        let Some(Reply::Array(Some(stream))) = streams.into_iter().next() else {
            bail!("XREAD answered no stream");
        };
        let Some(Reply::Array(Some(entries))) = stream.into_iter().nth(1) else {
            bail!("XREAD answered a stream without entries");
        };
        for entry in entries {
            let Reply::Array(Some(entry)) = entry else {
                bail!("XREAD answered a malformed entry");
            };
            let mut parts = entry.into_iter();
            let (Some(Reply::Bulk(Some(id))), Some(Reply::Array(Some(fields)))) =
                (parts.next(), parts.next())
            else {
                bail!("XREAD answered an entry without id or fields");
            };
            for value in fields.iter().skip(1).step_by(2) {
                if let Reply::Bulk(Some(value)) = value {
                    batch.value_bytes += value.len() as u64;
                }
            }
            batch.entries += 1;
            batch.last_id = id;
        }
        Ok(batch)
    }
}

/// A RESP2 reply.
#[derive(Debug, Clone, PartialEq)]
enum Reply {
    Simple(String),
    Error(String),
    Integer(i64),
    Bulk(Option<Vec<u8>>),
    Array(Option<Vec<Reply>>),
}

/// One connection to Redis. Commands are queued, sent by [`Connection::flush`], and their
/// replies read in order by [`Connection::read_reply`]: pipelining.
#[derive(Debug)]
struct Connection {
    reader: BufReader<OwnedReadHalf>,
    writer: OwnedWriteHalf,
    out: Vec<u8>,
}

impl Connection {
    async fn connect(addr: &str) -> Result<Connection> {
        let stream = TcpStream::connect(addr)
            .await
            .with_context(|| format!("cannot reach Redis at {addr}"))?;
        stream.set_nodelay(true)?;
        let (reader, writer) = stream.into_split();
        Ok(Connection {
            reader: BufReader::with_capacity(256 << 10, reader),
            writer,
            out: Vec::new(),
        })
    }

    /// Queues one command, an array of bulk strings.
    fn queue(&mut self, args: &[&[u8]]) {
        encode_command(&mut self.out, args);
    }

    /// Sends every queued command.
    async fn flush(&mut self) -> Result<()> {
        self.writer.write_all(&self.out).await?;
        self.out.clear();
        Ok(())
    }

    /// Sends one command and reads its reply.
    async fn command(&mut self, args: &[&[u8]]) -> Result<Reply> {
        self.queue(args);
        self.flush().await?;
        self.read_reply().await
    }

    /// `CONFIG GET name`'s value.
    async fn config_get(&mut self, name: &str) -> Result<String> {
        match self.command(&[b"CONFIG", b"GET", name.as_bytes()]).await? {
            Reply::Array(Some(pair)) => match pair.get(1) {
                Some(Reply::Bulk(Some(value))) => Ok(String::from_utf8_lossy(value).into_owned()),
                _ => bail!("CONFIG GET {name} answered no value"),
            },
            other => bail!("CONFIG GET {name} answered {other:?}"),
        }
    }

    async fn read_reply(&mut self) -> Result<Reply> {
        let line = self.read_line().await?;
        let (kind, rest) = line.split_first().context("empty reply line from Redis")?;
        let text = std::str::from_utf8(rest).context("reply header is not UTF-8")?;
        match kind {
            b'+' => Ok(Reply::Simple(text.to_string())),
            b'-' => Ok(Reply::Error(text.to_string())),
            b':' => Ok(Reply::Integer(
                text.parse().context("malformed integer reply")?,
            )),
            b'$' => {
                let Some(len) = length(text, MAX_BULK)? else {
                    return Ok(Reply::Bulk(None));
                };
                let mut data = vec![0; len + 2];
                self.reader.read_exact(&mut data).await?;
                if !data.ends_with(b"\r\n") {
                    bail!("bulk string not terminated by CRLF");
                }
                data.truncate(len);
                Ok(Reply::Bulk(Some(data)))
            }
            b'*' => {
                let Some(len) = length(text, MAX_ARRAY)? else {
                    return Ok(Reply::Array(None));
                };
                let mut items = Vec::with_capacity(len.min(1024));
                for _ in 0..len {
                    items.push(Box::pin(self.read_reply()).await?);
                }
                Ok(Reply::Array(Some(items)))
            }
            other => bail!("unknown RESP reply type {:?}", char::from(*other)),
        }
    }

    /// One CRLF-terminated line, without the CRLF.
    async fn read_line(&mut self) -> Result<Vec<u8>> {
        let mut line = Vec::new();
        let n = (&mut self.reader)
            .take(MAX_LINE as u64)
            .read_until(b'\n', &mut line)
            .await?;
        if n == 0 {
            bail!("Redis closed the connection");
        }
        if !line.ends_with(b"\r\n") {
            bail!("reply line longer than {MAX_LINE} bytes or not terminated by CRLF");
        }
        line.truncate(line.len() - 2);
        Ok(line)
    }
}

/// A bulk or array length: `-1` is null (`None`); anything else must be in `0..=max`.
fn length(text: &str, max: usize) -> Result<Option<usize>> {
    let n: i64 = text.parse().context("malformed length in reply")?;
    if n == -1 {
        return Ok(None);
    }
    match usize::try_from(n) {
        Ok(n) if n <= max => Ok(Some(n)),
        _ => bail!("reply length {n} out of range"),
    }
}

fn encode_command(out: &mut Vec<u8>, args: &[&[u8]]) {
    out.extend_from_slice(format!("*{}\r\n", args.len()).as_bytes());
    for arg in args {
        out.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
        out.extend_from_slice(arg);
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn commands_are_arrays_of_bulk_strings() {
        let mut out = Vec::new();
        encode_command(&mut out, &[b"XADD", b"k", b"*", b"v", b"hello"]);
        assert_eq!(
            out,
            b"*5\r\n$4\r\nXADD\r\n$1\r\nk\r\n$1\r\n*\r\n$1\r\nv\r\n$5\r\nhello\r\n"
        );
    }

    #[test]
    fn lengths_are_checked() {
        assert_eq!(length("-1", 10).ok(), Some(None));
        assert_eq!(length("10", 10).ok(), Some(Some(10)));
        assert!(length("11", 10).is_err());
        assert!(length("-2", 10).is_err());
        assert!(length("x", 10).is_err());
    }

    #[test]
    fn xread_replies_give_count_bytes_and_last_id() {
        let entry = |id: &str, value: &str| {
            Reply::Array(Some(vec![
                Reply::Bulk(Some(id.as_bytes().to_vec())),
                Reply::Array(Some(vec![
                    Reply::Bulk(Some(b"v".to_vec())),
                    Reply::Bulk(Some(value.as_bytes().to_vec())),
                ])),
            ]))
        };
        let reply = Reply::Array(Some(vec![Reply::Array(Some(vec![
            Reply::Bulk(Some(b"key".to_vec())),
            Reply::Array(Some(vec![entry("1-0", "abc"), entry("1-1", "de")])),
        ]))]));
        let batch = StreamBatch::from_xread(reply).expect("well-formed reply");
        assert_eq!(
            batch,
            StreamBatch {
                entries: 2,
                value_bytes: 5,
                last_id: b"1-1".to_vec()
            }
        );
        let empty = StreamBatch::from_xread(Reply::Array(None)).expect("null reply");
        assert_eq!(empty.entries, 0);
        assert!(StreamBatch::from_xread(Reply::Integer(3)).is_err());
    }
}
