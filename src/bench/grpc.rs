//! `driftdb bench produce` and `driftdb bench consume`: the broker measured through a running
//! `driftdb-server` over gRPC, with the `driftdb-client` crate as a service would use it.
//!
//! Produce: each producer is a batching [`Producer`] on its own connection, fed by one task
//! that keeps `--window` records awaiting acknowledgement (a semaphore of permits, released
//! when a record's acknowledgement arrives). A separate task per producer awaits the
//! acknowledgements in order and records each record's latency from `enqueue` to its
//! acknowledgement, so the latency is not inflated by the sending loop. Throughput counts
//! acknowledged records over the time until the last one was acknowledged. MB/s counts record
//! values only, as `driftdb bench log` does.
//!
//! Consume: read throughput subscribes from the beginning of a topic filled beforehand and
//! times the replay of all of it. End-to-end latency runs one rate-limited producer at a
//! fraction (`--load`, 10%) of the peak produce rate measured just before, with the send time
//! stamped into the first 8 bytes of each value (nanoseconds since a shared [`Instant`], so
//! producer and subscriber in this one process share a monotonic clock), and a subscriber that
//! started at the partition's end before the first record was sent.
//!
//! Every topic is created with a unique name and deleted after its run; produce-throughput
//! topics have `--partitions` partitions (one by default), the consume runs' topics one.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};
use clap::{Args, ValueEnum};
use driftdb_client::{
    Bytes, Client, Durability, ProducerConfig, ProducerRecord, Start, TopicConfig,
};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

use super::{Throughput, disk_sequential_bandwidth, load_average, ms, percentiles, thousands};

/// The fsync interval of [`Policy::Interval`] topics, in milliseconds.
const INTERVAL_MS: u64 = 1000;

/// Bytes of the send-time stamp at the start of each value in the end-to-end latency run.
const STAMP_BYTES: usize = 8;

/// Producers that fill a topic before the read-throughput run.
const FILL_PRODUCERS: usize = 8;

/// How long the end-to-end subscriber waits for a record before giving up on the run.
const SUBSCRIBER_PATIENCE: Duration = Duration::from_secs(10);

/// A topic's durability policy, as the benchmark names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Policy {
    /// Acknowledged after fsync (group commit).
    Always,
    /// Acknowledged at once; fsynced every second, as Redis's `appendfsync everysec`.
    Interval,
    /// Acknowledged at once; flushing is left to the operating system.
    Never,
}

impl std::fmt::Display for Policy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl Policy {
    fn name(self) -> &'static str {
        match self {
            Policy::Always => "always",
            Policy::Interval => "interval 1 s",
            Policy::Never => "never",
        }
    }

    fn durability(self) -> Durability {
        match self {
            Policy::Always => Durability::Always,
            Policy::Interval => Durability::Interval,
            Policy::Never => Durability::Never,
        }
    }
}

/// How each benchmark producer batches.
#[derive(Debug, Clone, Args)]
pub struct ProducerOptions {
    /// Producer linger: how long a batch stays open for more records.
    #[arg(long, default_value_t = 2)]
    pub linger_ms: u64,
    /// Producer batch limit in records.
    #[arg(long, default_value_t = 1000, value_parser = clap::value_parser!(u32).range(1..))]
    pub batch: u32,
    /// Records each producer keeps awaiting acknowledgement.
    #[arg(long, default_value_t = 2000, value_parser = clap::value_parser!(u32).range(1..))]
    pub window: u32,
    /// Partitions of each produce-throughput topic. The consume runs always use one partition:
    /// they subscribe to partition 0.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub partitions: u32,
}

impl ProducerOptions {
    fn config(&self) -> ProducerConfig {
        ProducerConfig {
            linger: Duration::from_millis(self.linger_ms),
            max_batch_records: self.batch as usize,
            queue_capacity: self.window as usize,
            ..ProducerConfig::default()
        }
    }
}

/// Options of `driftdb bench produce`.
#[derive(Debug, Clone, Args)]
pub struct ProduceBench {
    /// Seconds per throughput run.
    #[arg(long, default_value_t = 3.0)]
    pub seconds: f64,
    /// Record value sizes in bytes.
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1024])]
    pub sizes: Vec<usize>,
    /// Numbers of concurrent producers, each on its own connection.
    #[arg(long, value_delimiter = ',', default_values_t = [1, 8])]
    pub producers: Vec<usize>,
    /// Topic durability policies to run.
    #[arg(long, value_delimiter = ',', default_values_t = [Policy::Always, Policy::Never])]
    pub durability: Vec<Policy>,
    /// A directory on the server's disk, where the disk's fdatasync'd sequential bandwidth is
    /// measured (512 MiB) to compare durable throughput against.
    #[arg(long, default_value = ".")]
    pub disk_dir: PathBuf,
    /// Records sent one at a time (no batching) for the lone produce latency.
    #[arg(long, default_value_t = 1000)]
    pub latency_samples: usize,
    #[command(flatten)]
    pub producer: ProducerOptions,
}

/// Options of `driftdb bench consume`.
#[derive(Debug, Clone, Args)]
pub struct ConsumeBench {
    /// Record value sizes in bytes (at least 8: the latency run stamps the send time in them).
    #[arg(long, value_delimiter = ',', default_values_t = [100, 1024])]
    pub sizes: Vec<usize>,
    /// Megabytes of values written before the read-throughput run replays them (0: skip the
    /// read-throughput run).
    #[arg(long, default_value_t = 256)]
    pub fill_mb: u64,
    /// Topic durability policies for the end-to-end latency runs.
    #[arg(long, value_delimiter = ',', default_values_t = [Policy::Always, Policy::Never])]
    pub durability: Vec<Policy>,
    /// Producers used to measure the peak produce rate before each latency run.
    #[arg(long, default_value_t = 8)]
    pub peak_producers: usize,
    /// Seconds of the peak measurement.
    #[arg(long, default_value_t = 2.0)]
    pub peak_seconds: f64,
    /// The latency run's rate as a fraction of the measured peak.
    #[arg(long, default_value_t = 0.10)]
    pub load: f64,
    /// Seconds of each end-to-end latency run.
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    #[command(flatten)]
    pub producer: ProducerOptions,
}

/// One produce throughput run.
#[derive(Debug)]
struct ProduceRun {
    policy: Policy,
    size: usize,
    producers: usize,
    throughput: Throughput,
    ack_p50: Duration,
    ack_p99: Duration,
}

/// One end-to-end latency run.
#[derive(Debug)]
struct TailRun {
    policy: Policy,
    size: usize,
    peak: f64,
    rate: f64,
    received: u64,
    p50: Duration,
    p99: Duration,
    max: Duration,
}

/// When a producer stops sending.
#[derive(Debug, Clone, Copy)]
enum Stop {
    After(Duration),
    Records(u64),
}

pub async fn run_produce_bench(server: &Broker, opts: &ProduceBench) -> Result<()> {
    if opts.producers.contains(&0) {
        bail!("--producers: every count must be at least 1");
    }
    let admin = connect(server).await?.admin();
    println!("# driftdb bench produce\n");
    println!("load average at start: {}\n", load_average());
    println!(
        "server {server}; {} s per run; producer linger {} ms, batch {} records, window {} \
         records per producer; {} partition(s) per topic\n",
        opts.seconds,
        opts.producer.linger_ms,
        opts.producer.batch,
        opts.producer.window,
        opts.producer.partitions
    );

    let disk_dir = opts.disk_dir.clone();
    let disk_bw =
        tokio::task::spawn_blocking(move || disk_sequential_bandwidth(&disk_dir, 512 << 20))
            .await??;
    println!("## Disk ({})\n", opts.disk_dir.display());
    println!("| measurement | value |\n|---|---|");
    println!(
        "| sequential write 512 MiB + fdatasync | {:.1} MB/s |\n",
        disk_bw / 1e6
    );

    let mut runs = Vec::new();
    for &policy in &opts.durability {
        for &size in &opts.sizes {
            for &producers in &opts.producers {
                let topic = create_topic(&admin, policy, opts.producer.partitions).await?;
                let run = produce_throughput(server, &topic, policy, size, producers, opts).await;
                admin.delete_topic(&topic).await?;
                let run = run?;
                eprintln!(
                    "{} {size} B x{producers}: {:.0} records/s",
                    policy.name(),
                    run.throughput.records_per_s()
                );
                runs.push(run);
            }
        }
    }
    println!("## Produce throughput\n");
    println!(
        "| durability | record | producers | records/s | MB/s | fraction of disk bandwidth | \
         ack latency p50 | ack latency p99 |"
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &runs {
        println!(
            "| {} | {} B | {} | {} | {:.1} | {:.0}% | {:.2} ms | {:.2} ms |",
            r.policy.name(),
            r.size,
            r.producers,
            thousands(r.throughput.records_per_s()),
            r.throughput.mb_per_s(),
            100.0 * r.throughput.mb_per_s() * 1e6 / disk_bw,
            ms(r.ack_p50),
            ms(r.ack_p99)
        );
    }

    println!(
        "\n## Latency of one record produced alone (100 B, one producer, {} samples)\n",
        opts.latency_samples
    );
    println!(
        "| durability | `Producer::send`, linger 0: p50 | p99 | one `Produce` request \
         (`append_if`): p50 | p99 |"
    );
    println!("|---|---:|---:|---:|---:|");
    for &policy in &opts.durability {
        let topic = create_topic(&admin, policy, 1).await?;
        let send = lone_send_latency(server, &topic, opts.latency_samples).await;
        admin.delete_topic(&topic).await?;
        let topic = create_topic(&admin, policy, 1).await?;
        let request = lone_request_latency(server, &topic, opts.latency_samples).await;
        admin.delete_topic(&topic).await?;
        let ((send_p50, send_p99), (request_p50, request_p99)) = (send?, request?);
        println!(
            "| {policy} | {:.3} ms | {:.3} ms | {:.3} ms | {:.3} ms |",
            ms(send_p50),
            ms(send_p99),
            ms(request_p50),
            ms(request_p99)
        );
    }
    println!("\nload average at end: {}", load_average());
    Ok(())
}

pub async fn run_consume_bench(server: &Broker, opts: &ConsumeBench) -> Result<()> {
    if let Some(size) = opts.sizes.iter().find(|&&s| s < STAMP_BYTES) {
        bail!("--sizes: {size} B cannot hold the {STAMP_BYTES}-byte send-time stamp");
    }
    if opts.peak_producers == 0 {
        bail!("--peak-producers must be at least 1");
    }
    if !(opts.load > 0.0 && opts.load <= 1.0) {
        bail!("--load must be in (0, 1], got {}", opts.load);
    }
    let admin = connect(server).await?.admin();
    println!("# driftdb bench consume\n");
    println!("load average at start: {}\n", load_average());
    println!(
        "server {server}; producer linger {} ms, batch {} records, window {} records\n",
        opts.producer.linger_ms, opts.producer.batch, opts.producer.window
    );

    if opts.fill_mb > 0 {
        println!(
            "## Subscribe throughput (replay from the beginning, {} MB of values, page cache \
             warm)\n",
            opts.fill_mb
        );
        println!("| record | records | records/s | MB/s |\n|---:|---:|---:|---:|");
    }
    for &size in opts.sizes.iter().filter(|_| opts.fill_mb > 0) {
        let topic = create_topic(&admin, Policy::Never, 1).await?;
        let throughput = subscribe_throughput(server, &topic, size, opts).await;
        admin.delete_topic(&topic).await?;
        let t = throughput?;
        println!(
            "| {size} B | {} | {} | {:.1} |",
            thousands(t.records as f64),
            thousands(t.records_per_s()),
            t.mb_per_s()
        );
    }

    let mut runs = Vec::new();
    for &policy in &opts.durability {
        for &size in &opts.sizes {
            let run = live_tail_latency(server, &admin, policy, size, opts).await?;
            eprintln!(
                "{} {size} B at {:.0}/s: p99 {:.2} ms",
                policy.name(),
                run.rate,
                ms(run.p99)
            );
            runs.push(run);
        }
    }
    println!(
        "\n## End-to-end latency, produce to live subscriber ({:.0}% of peak, {} s per run)\n",
        100.0 * opts.load,
        opts.seconds
    );
    println!(
        "| durability | record | peak records/s ({} producers) | rate records/s | records \
         received | p50 | p99 | max |",
        opts.peak_producers
    );
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for r in &runs {
        println!(
            "| {} | {} B | {} | {} | {} | {:.2} ms | {:.2} ms | {:.2} ms |",
            r.policy.name(),
            r.size,
            thousands(r.peak),
            thousands(r.rate),
            thousands(r.received as f64),
            ms(r.p50),
            ms(r.p99),
            ms(r.max)
        );
    }
    println!("\nload average at end: {}", load_average());
    Ok(())
}

/// Records/s, MB/s and acknowledgement latency of `producers` batching producers keeping
/// their windows full for `--seconds`.
async fn produce_throughput(
    server: &Broker,
    topic: &str,
    policy: Policy,
    size: usize,
    producers: usize,
    opts: &ProduceBench,
) -> Result<ProduceRun> {
    let stop = Stop::After(Duration::from_secs_f64(opts.seconds));
    let (throughput, mut latencies) =
        drive_producers(server, topic, size, producers, &opts.producer, stop).await?;
    let (ack_p50, ack_p99) = percentiles(&mut latencies);
    Ok(ProduceRun {
        policy,
        size,
        producers,
        throughput,
        ack_p50,
        ack_p99,
    })
}

/// Median and p99 of producing one 100 B record through a [`Producer`](driftdb_client::Producer)
/// with linger 0 and waiting for its acknowledgement before sending the next.
async fn lone_send_latency(
    server: &Broker,
    topic: &str,
    samples: usize,
) -> Result<(Duration, Duration)> {
    let client = connect(server).await?;
    let producer = client.producer(ProducerConfig {
        linger: Duration::ZERO,
        ..ProducerConfig::default()
    });
    let value = Bytes::from(vec![b'l'; 100]);
    let mut times = Vec::with_capacity(samples);
    for _ in 0..samples {
        let start = Instant::now();
        producer
            .send(topic, ProducerRecord::new(value.clone()))
            .await?;
        times.push(start.elapsed());
    }
    producer.close().await?;
    Ok(percentiles(&mut times))
}

/// Median and p99 of one `Produce` request of one 100 B record, sent directly (with an
/// expected offset, which bypasses the producer's batching task), one after the other to
/// partition 0 of an empty `topic`.
async fn lone_request_latency(
    server: &Broker,
    topic: &str,
    samples: usize,
) -> Result<(Duration, Duration)> {
    let client = connect(server).await?;
    let producer = client.producer(ProducerConfig::default());
    let value = Bytes::from(vec![b'l'; 100]);
    let mut times = Vec::with_capacity(samples);
    for offset in 0..samples as u64 {
        let start = Instant::now();
        producer
            .append_if(topic, 0, vec![ProducerRecord::new(value.clone())], offset)
            .await?;
        times.push(start.elapsed());
    }
    producer.close().await?;
    Ok(percentiles(&mut times))
}

/// Fills `topic` with `--fill-mb` of `size`-byte values, then times one subscriber replaying
/// all of it from the beginning.
async fn subscribe_throughput(
    server: &Broker,
    topic: &str,
    size: usize,
    opts: &ConsumeBench,
) -> Result<Throughput> {
    let records = (opts.fill_mb * 1_000_000).div_ceil(size as u64);
    let stop = Stop::Records(records);
    drive_producers(server, topic, size, FILL_PRODUCERS, &opts.producer, stop).await?;

    let client = connect(server).await?;
    let start = Instant::now();
    let mut subscription = client
        .consumer()
        .subscribe(topic, 0, Start::Earliest)
        .await?;
    let (mut received, mut bytes) = (0u64, 0u64);
    while received < records {
        let batch = tokio::time::timeout(SUBSCRIBER_PATIENCE, subscription.next_batch())
            .await
            .context("the subscription stalled")??
            .context("the broker ended the subscription")?;
        received += batch.len() as u64;
        bytes += batch
            .iter()
            .map(|r| r.value.as_ref().map_or(0, |v| v.len() as u64))
            .sum::<u64>();
    }
    Ok(Throughput {
        records: received,
        bytes,
        elapsed: start.elapsed(),
    })
}

/// Measures the peak produce rate on a fresh topic, then produces at `--load` of it with one
/// rate-limited producer while a live subscriber measures each record's delay from send to
/// receipt.
async fn live_tail_latency(
    server: &Broker,
    admin: &driftdb_client::Admin,
    policy: Policy,
    size: usize,
    opts: &ConsumeBench,
) -> Result<TailRun> {
    let topic = create_topic(admin, policy, 1).await?;
    let peak = drive_producers(
        server,
        &topic,
        size,
        opts.peak_producers,
        &opts.producer,
        Stop::After(Duration::from_secs_f64(opts.peak_seconds)),
    )
    .await;
    admin.delete_topic(&topic).await?;
    let peak = peak?.0.records_per_s();
    let rate = peak * opts.load;

    let topic = create_topic(admin, policy, 1).await?;
    let run = tail_at_rate(server, &topic, size, rate, opts).await;
    admin.delete_topic(&topic).await?;
    let (received, mut latencies) = run?;
    let max = latencies.iter().copied().max().unwrap_or_default();
    let (p50, p99) = percentiles(&mut latencies);
    Ok(TailRun {
        policy,
        size,
        peak,
        rate,
        received,
        p50,
        p99,
        max,
    })
}

/// Produces `rate` stamped records per second to partition 0 of `topic` for `--seconds` and
/// returns how many a live subscriber received and each one's delay.
async fn tail_at_rate(
    server: &Broker,
    topic: &str,
    size: usize,
    rate: f64,
    opts: &ConsumeBench,
) -> Result<(u64, Vec<Duration>)> {
    let epoch = Instant::now();
    let subscriber_client = connect(server).await?;
    let mut subscription = subscriber_client
        .consumer()
        .subscribe(topic, 0, Start::Latest)
        .await?;
    let producer_client = connect(server).await?;
    let producer = producer_client.producer(opts.producer.config());

    let duration = Duration::from_secs_f64(opts.seconds);
    let expected = (rate * opts.seconds) as u64;
    let subscriber = tokio::spawn(async move {
        let mut latencies = Vec::with_capacity(expected as usize);
        while (latencies.len() as u64) < expected {
            let batch = tokio::time::timeout(SUBSCRIBER_PATIENCE, subscription.next_batch())
                .await
                .context("the subscription stalled")??
                .context("the broker ended the subscription")?;
            let now = epoch.elapsed();
            for record in batch {
                let sent = record
                    .value
                    .as_ref()
                    .and_then(|v| v.get(..STAMP_BYTES))
                    .and_then(|stamp| <[u8; STAMP_BYTES]>::try_from(stamp).ok())
                    .map(|stamp| Duration::from_nanos(u64::from_le_bytes(stamp)))
                    .with_context(|| format!("record {} has no send-time stamp", record.offset))?;
                latencies.push(now.saturating_sub(sent));
            }
        }
        anyhow::Ok(latencies)
    });

    // Sends what is due every millisecond (tokio's timer resolution), stamping each record at
    // the moment it is handed to the producer.
    let (acks_tx, mut acks_rx) = mpsc::unbounded_channel();
    let acker = tokio::spawn(async move {
        while let Some(ack) = acks_rx.recv().await {
            ack.await?;
        }
        anyhow::Ok(())
    });
    let mut ticks = tokio::time::interval(Duration::from_millis(1));
    let start = Instant::now();
    let mut sent = 0u64;
    while sent < expected {
        ticks.tick().await;
        let due = ((start.elapsed().as_secs_f64() * rate) as u64).min(expected);
        while sent < due {
            let mut value = vec![b'e'; size];
            let stamp = epoch.elapsed().as_nanos() as u64;
            value[..STAMP_BYTES].copy_from_slice(&stamp.to_le_bytes());
            let ack = producer
                .enqueue(topic, ProducerRecord::new(value).partition(0))
                .await?;
            acks_tx
                .send(ack)
                .context("the acknowledgement task ended")?;
            sent += 1;
        }
        if start.elapsed() > duration + SUBSCRIBER_PATIENCE {
            bail!("the producer could not keep up with {rate:.0} records/s");
        }
    }
    drop(acks_tx);
    acker.await??;
    producer.close().await?;
    let latencies = subscriber.await??;
    Ok((latencies.len() as u64, latencies))
}

/// Runs `producers` batching producers, each on its own connection with `--window` records
/// in flight, until `stop`; returns the throughput and every record's acknowledgement latency.
async fn drive_producers(
    server: &Broker,
    topic: &str,
    size: usize,
    producers: usize,
    opts: &ProducerOptions,
    stop: Stop,
) -> Result<(Throughput, Vec<Duration>)> {
    let value = Bytes::from(vec![b'v'; size]);
    let mut clients = Vec::with_capacity(producers);
    for _ in 0..producers {
        clients.push(connect(server).await?);
    }
    let start = Instant::now();
    let mut tasks = Vec::with_capacity(producers);
    for (i, client) in clients.into_iter().enumerate() {
        let stop = match stop {
            Stop::After(d) => Stop::After(d),
            // Split the records evenly, the first producers taking the remainder.
            Stop::Records(n) => {
                let share = n / producers as u64 + u64::from((i as u64) < n % producers as u64);
                Stop::Records(share)
            }
        };
        tasks.push(tokio::spawn(one_producer(
            client,
            topic.to_string(),
            value.clone(),
            opts.clone(),
            start,
            stop,
        )));
    }
    let mut latencies = Vec::new();
    for task in tasks {
        latencies.extend(task.await??);
    }
    let elapsed = start.elapsed();
    let records = latencies.len() as u64;
    Ok((
        Throughput {
            records,
            bytes: records * size as u64,
            elapsed,
        },
        latencies,
    ))
}

/// One producer of [`drive_producers`]: returns each acknowledged record's latency.
async fn one_producer(
    client: Client,
    topic: String,
    value: Bytes,
    opts: ProducerOptions,
    start: Instant,
    stop: Stop,
) -> Result<Vec<Duration>> {
    let producer = client.producer(opts.config());
    let window = Arc::new(Semaphore::new(opts.window as usize));
    let (acks_tx, mut acks_rx) = mpsc::unbounded_channel::<(Instant, _, OwnedSemaphorePermit)>();
    let acker = tokio::spawn(async move {
        let mut latencies = Vec::new();
        while let Some((sent, ack, permit)) = acks_rx.recv().await {
            ack.await?;
            latencies.push(sent.elapsed());
            drop(permit);
        }
        anyhow::Ok(latencies)
    });
    let mut sent = 0u64;
    loop {
        let more = match stop {
            Stop::After(d) => start.elapsed() < d,
            Stop::Records(n) => sent < n,
        };
        if !more {
            break;
        }
        let permit = Arc::clone(&window).acquire_owned().await?;
        let at = Instant::now();
        let ack = producer
            .enqueue(&topic, ProducerRecord::new(value.clone()))
            .await?;
        acks_tx
            .send((at, ack, permit))
            .context("the acknowledgement task ended")?;
        sent += 1;
    }
    drop(acks_tx);
    producer.flush().await?;
    let latencies = acker.await??;
    producer.close().await?;
    Ok(latencies)
}

/// The broker a benchmark runs against: its address, and how to connect (TLS, a role).
#[derive(Debug, Clone)]
pub struct Broker {
    pub url: String,
    pub options: driftdb_client::ConnectOptions,
}

impl std::fmt::Display for Broker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.url)
    }
}

async fn connect(server: &Broker) -> Result<Client> {
    // The client's error names the address and, in its sources, why.
    Ok(Client::connect_with(server.url.clone(), server.options.clone()).await?)
}

/// Creates a uniquely named benchmark topic.
async fn create_topic(
    admin: &driftdb_client::Admin,
    policy: Policy,
    partitions: u32,
) -> Result<String> {
    static NEXT: std::sync::atomic::AtomicU32 = std::sync::atomic::AtomicU32::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let name = format!("bench-{}-{n}", std::process::id());
    admin
        .create_topic(
            &name,
            TopicConfig {
                partitions,
                durability: policy.durability().into(),
                durability_interval_ms: if policy == Policy::Interval {
                    INTERVAL_MS
                } else {
                    0
                },
                ..TopicConfig::default()
            },
        )
        .await
        .with_context(|| format!("creating topic {name}"))?;
    Ok(name)
}
