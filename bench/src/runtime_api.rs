//! A local implementation of the Lambda Runtime API
//! (`/2018-06-01/runtime/invocation/next`, `.../{id}/response`, `.../{id}/error`,
//! `/runtime/init/error`), enough to run a function binary the way Lambda does and time it.

use anyhow::{Context, Result, bail};
use serde_json::Value;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
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
    listener: TcpListener,
    port: u16,
}

const TIMEOUT: Duration = Duration::from_secs(120);

/// One HTTP/1.1 request as the runtime client sends it.
struct Request {
    path: String,
    body: String,
}

/// The runtime client's connection: requests are read from it and answered on it, each
/// answer in a single write with Nagle's algorithm off, as a local Runtime API should be
/// (a split write would add a delayed-ACK stall that is not the function's).
struct Connection {
    reader: BufReader<TcpStream>,
}

impl Connection {
    fn read(&mut self) -> Result<Option<Request>> {
        let mut line = String::new();
        if self.reader.read_line(&mut line)? == 0 {
            return Ok(None);
        }
        let path = line
            .split_whitespace()
            .nth(1)
            .context("a request line")?
            .to_owned();
        let mut length = 0;
        let mut chunked = false;
        loop {
            let mut header = String::new();
            self.reader.read_line(&mut header)?;
            let header = header.trim_end();
            if header.is_empty() {
                break;
            }
            if let Some((name, value)) = header.split_once(':') {
                match name.trim().to_ascii_lowercase().as_str() {
                    "content-length" => length = value.trim().parse()?,
                    "transfer-encoding" => chunked = value.trim().eq_ignore_ascii_case("chunked"),
                    _ => {}
                }
            }
        }
        let mut body = Vec::new();
        if chunked {
            loop {
                let mut size = String::new();
                self.reader.read_line(&mut size)?;
                let size = usize::from_str_radix(size.trim(), 16)?;
                let mut chunk = vec![0; size + 2];
                self.reader.read_exact(&mut chunk)?;
                if size == 0 {
                    break;
                }
                body.extend_from_slice(&chunk[..size]);
            }
        } else {
            body.resize(length, 0);
            self.reader.read_exact(&mut body)?;
        }
        Ok(Some(Request {
            path,
            body: String::from_utf8_lossy(&body).into_owned(),
        }))
    }

    fn answer(&mut self, status: &str, headers: &[(&str, String)], body: &str) -> Result<()> {
        let mut response = format!("HTTP/1.1 {status}\r\nContent-Length: {}\r\n", body.len());
        for (name, value) in headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        response.push_str("\r\n");
        response.push_str(body);
        self.reader.get_mut().write_all(response.as_bytes())?;
        Ok(())
    }
}

impl RuntimeApi {
    pub fn start() -> Result<Self> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let port = listener.local_addr()?.port();
        Ok(Self { listener, port })
    }

    /// Starts `binary` as Lambda would, hands it `events` one at a time, and stops it.
    pub fn run(
        &self,
        name: &str,
        binary: &str,
        env: &[(String, String)],
        events: &[Value],
    ) -> Result<Run> {
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

    fn accept(&self) -> Result<Connection> {
        let (stream, _) = self.listener.accept()?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(TIMEOUT))?;
        Ok(Connection {
            reader: BufReader::new(stream),
        })
    }

    fn serve(&self, child: &mut Child, started: Instant, events: &[Value]) -> Result<Run> {
        let mut run = Run::default();
        let mut next_event = 0;
        let mut in_flight: Option<(String, Instant)> = None;
        let mut cpu_after_first = None;
        let mut connection = self.accept()?;
        loop {
            let Some(request) = connection.read()? else {
                // The client closed its connection: it opens another.
                connection = self.accept()?;
                continue;
            };
            let url = request.path;
            let body = request.body;
            if url.ends_with("/runtime/invocation/next") {
                if next_event == 0 {
                    run.init = started.elapsed();
                }
                if next_event == events.len() {
                    // Every event answered: read the process before stopping it.
                    if let Some(before) = cpu_after_first {
                        run.warm_cpu = cpu_time(child.id())?.saturating_sub(before);
                    }
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
                    (
                        "Lambda-Runtime-Trace-Id",
                        format!("Root=1-00000000-{next_event:024}"),
                    ),
                    ("Content-Type", "application/json".to_owned()),
                ];
                let event = events[next_event].to_string();
                in_flight = Some((id, Instant::now()));
                next_event += 1;
                connection.answer("200 OK", &headers, &event)?;
            } else if url.contains("/runtime/invocation/") {
                let (id, sent) = in_flight.take().context("a response to no invocation")?;
                let elapsed = sent.elapsed();
                anyhow::ensure!(
                    url.contains(&id),
                    "a response for another invocation: {url}"
                );
                if url.ends_with("/error") {
                    run.errors += 1;
                    run.first_error.get_or_insert(body.clone());
                }
                run.responses
                    .push(serde_json::from_str(&body).unwrap_or(Value::String(body)));
                if next_event == 1 {
                    run.first = elapsed;
                    cpu_after_first = Some(cpu_time(child.id())?);
                } else {
                    run.warm.push(elapsed);
                }
                connection.answer("202 Accepted", &[], "")?;
            } else if url.ends_with("/runtime/init/error") {
                connection.answer("202 Accepted", &[], "")?;
                bail!("the function failed to start: {body}");
            } else {
                connection.answer("404 Not Found", &[], "")?;
            }
        }
    }
}

fn proc_file(pid: u32, file: &str) -> Result<String> {
    std::fs::read_to_string(format!("/proc/{pid}/{file}"))
        .with_context(|| format!("reading /proc/{pid}/{file}"))
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
    let fields: Vec<&str> = stat
        .rsplit_once(')')
        .context("a stat line")?
        .1
        .split_whitespace()
        .collect();
    let ticks: u64 = fields[11].parse::<u64>()? + fields[12].parse::<u64>()?;
    // Linux reports in USER_HZ, 100 per second on every mainstream configuration.
    Ok(Duration::from_millis(ticks * 10))
}
