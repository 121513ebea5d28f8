//! A local implementation of the Lambda Runtime API
//! (`/2018-06-01/runtime/invocation/next`, `.../{id}/response`, `.../{id}/error`,
//! `/runtime/init/error`), enough to run a function binary the way Lambda does and time it.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// What one run of a function measured.
#[derive(Debug, Clone, Default)]
pub struct Run {
    /// Process start to its first `next` call.
    pub init: Duration,
    /// The first invocation, from the event handed over to the response.
    pub first: Duration,
    /// Every later invocation.
    pub warm: Vec<Duration>,
    /// CPU time (user + system) the process spent on the warm invocations.
    pub warm_cpu: Duration,
    /// Peak resident set size (VmHWM).
    pub peak_rss_kib: u64,
    /// Invocations answered with an error, and the first error.
    pub errors: usize,
    pub first_error: Option<String>,
    /// The response bodies, in order.
    pub responses: Vec<Value>,
}

pub struct RuntimeApi {
    server: tiny_http::Server,
    port: u16,
}

const TIMEOUT: Duration = Duration::from_secs(120);

impl RuntimeApi {
    pub fn start() -> Result<Self> {
        let server = tiny_http::Server::http("127.0.0.1:0").map_err(|e| anyhow::anyhow!("{e}"))?;
        let port = server
            .server_addr()
            .to_ip()
            .context("a TCP address")?
            .port();
        Ok(Self { server, port })
    }

    /// Starts `binary` as Lambda would, hands it `events` one at a time, and stops it.
    pub fn run(&self, name: &str, binary: &str, env: &[(String, String)], events: &[Value]) -> Result<Run> {
        let started = Instant::now();
        let mut child = Command::new(binary)
            .env_clear()
            .envs(env.iter().map(|(k, v)| (k.as_str(), v.as_str())))
            .env("AWS_LAMBDA_RUNTIME_API", format!("127.0.0.1:{}", self.port))
            .env("AWS_LAMBDA_FUNCTION_NAME", name)
            .env("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "128")
            .env("AWS_LAMBDA_FUNCTION_VERSION", "$LATEST")
            .env("AWS_LAMBDA_LOG_GROUP_NAME", format!("/aws/lambda/{name}"))
            .env("AWS_LAMBDA_LOG_STREAM_NAME", "bench")
            .env("RUST_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .with_context(|| format!("starting {binary}"))?;
        let result = self.serve(&mut child, started, events);
        let _ = child.kill();
        let _ = child.wait();
        result.with_context(|| format!("running {name}"))
    }

    fn serve(&self, child: &mut Child, started: Instant, events: &[Value]) -> Result<Run> {
        let mut run = Run::default();
        let mut next_event = 0;
        let mut in_flight: Option<(String, Instant)> = None;
        let mut cpu_after_first = None;
        loop {
            let Some(mut request) = self.server.recv_timeout(TIMEOUT)? else {
                bail!("the function went quiet for {TIMEOUT:?}");
            };
            let url = request.url().to_owned();
            let mut body = String::new();
            request.as_reader().read_to_string(&mut body)?;
            if url.ends_with("/runtime/invocation/next") {
                if next_event == 0 {
                    run.init = started.elapsed();
                }
                if let Some(pid_cpu) = cpu_after_first.filter(|_| next_event == events.len()) {
                    // Every event answered: read the process before stopping it.
                    run.warm_cpu = cpu_time(child.id())?.saturating_sub(pid_cpu);
                    run.peak_rss_kib = peak_rss_kib(child.id())?;
                    return Ok(run);
                }
                if next_event == events.len() {
                    run.peak_rss_kib = peak_rss_kib(child.id())?;
                    return Ok(run);
                }
                let id = format!("bench-{next_event}");
                let deadline = std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)?
                    .as_millis()
                    + 60_000;
                let headers = [
                    ("Lambda-Runtime-Aws-Request-Id", id.clone()),
                    ("Lambda-Runtime-Deadline-Ms", deadline.to_string()),
                    (
                        "Lambda-Runtime-Invoked-Function-Arn",
                        "arn:aws:lambda:us-east-1:123456789012:function:bench".to_owned(),
                    ),
                    ("Lambda-Runtime-Trace-Id", format!("Root=1-00000000-{next_event:024}")),
                    ("Content-Type", "application/json".to_owned()),
                ];
                let mut response = tiny_http::Response::from_string(events[next_event].to_string());
                for (name, value) in headers {
                    response.add_header(tiny_http::Header::from_bytes(name, value).map_err(|_| anyhow::anyhow!("header"))?);
                }
                in_flight = Some((id, Instant::now()));
                next_event += 1;
                request.respond(response)?;
            } else if url.contains("/runtime/invocation/") {
                let (id, sent) = in_flight.take().context("a response to no invocation")?;
                anyhow::ensure!(url.contains(&id), "a response for another invocation: {url}");
                let elapsed = sent.elapsed();
                if url.ends_with("/error") {
                    run.errors += 1;
                    run.first_error.get_or_insert(body.clone());
                }
                run.responses.push(serde_json::from_str(&body).unwrap_or(Value::String(body)));
                if next_event == 1 {
                    run.first = elapsed;
                    cpu_after_first = Some(cpu_time(child.id())?);
                } else {
                    run.warm.push(elapsed);
                }
                request.respond(tiny_http::Response::empty(202))?;
            } else if url.ends_with("/runtime/init/error") {
                request.respond(tiny_http::Response::empty(202))?;
                bail!("the function failed to start: {body}");
            } else {
                request.respond(tiny_http::Response::empty(404))?;
            }
        }
    }
}

fn proc_file(pid: u32, file: &str) -> Result<String> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}")).with_context(|| format!("reading /proc/{pid}/{file}"))
}

fn peak_rss_kib(pid: u32) -> Result<u64> {
    let status = proc_file(pid, "status")?;
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .context("VmHWM in /proc/<pid>/status")
}

/// User plus system CPU time of a process.
fn cpu_time(pid: u32) -> Result<Duration> {
    let stat = proc_file(pid, "stat")?;
    // Fields after the command name (which may hold spaces) start after the last ')'.
    let fields: Vec<&str> = stat.rsplit_once(')').context("a stat line")?.1.split_whitespace().collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    // Linux reports in USER_HZ, 100 per second on every mainstream configuration.
    Ok(Duration::from_millis(ticks * 10))
}
