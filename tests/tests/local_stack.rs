//! The local AWS stack itself, where the tests and the benchmark rely on it to behave as AWS
//! does: it keeps connections open between requests (the SDK reuses them, and the benchmark
//! must not count a new connection per call), and an idle one holds up no other.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::time::Duration;

fn connect() -> BufReader<TcpStream> {
    let endpoint = std::env::var("AWS_ENDPOINT_URL")
        .expect("AWS_ENDPOINT_URL is not set: run these tests with `make test`");
    let address = endpoint
        .strip_prefix("http://")
        .expect("the local stack on plain HTTP")
        .trim_end_matches('/');
    let stream = TcpStream::connect(address).expect("connecting to the local stack");
    stream
        .set_read_timeout(Some(Duration::from_secs(10)))
        .unwrap();
    BufReader::new(stream)
}

/// Sends a DynamoDB ListTables on the connection and reads the whole answer: its status
/// code and its headers, lower-cased.
fn list_tables(connection: &mut BufReader<TcpStream>) -> (u16, Vec<(String, String)>) {
    let body = "{}";
    let request = format!(
        "POST / HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/x-amz-json-1.0\r\n\
         X-Amz-Target: DynamoDB_20120810.ListTables\r\n\
         Authorization: AWS4-HMAC-SHA256 Credential=local/20260101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0\r\n\
         Content-Length: {}\r\n\r\n{body}",
        body.len()
    );
    connection
        .get_mut()
        .write_all(request.as_bytes())
        .expect("sending a request");
    let mut status_line = String::new();
    connection
        .read_line(&mut status_line)
        .expect("an answer before the read timeout");
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse().ok())
        .unwrap_or_else(|| panic!("a status line, got {status_line:?}"));
    let mut headers = Vec::new();
    loop {
        let mut line = String::new();
        connection.read_line(&mut line).expect("a header line");
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        let (name, value) = line.split_once(':').expect("a header");
        headers.push((name.to_ascii_lowercase(), value.trim().to_ascii_lowercase()));
    }
    let length: usize = headers
        .iter()
        .find(|(name, _)| name == "content-length")
        .map(|(_, value)| value.parse().unwrap())
        .expect("a content length");
    let mut answer = vec![0; length];
    connection
        .read_exact(&mut answer)
        .expect("the answer's body");
    (status, headers)
}

#[test]
fn a_connection_serves_request_after_request() {
    let mut connection = connect();
    for _ in 0..3 {
        let (status, headers) = list_tables(&mut connection);
        assert_eq!(status, 200);
        assert!(
            !headers.contains(&("connection".to_owned(), "close".to_owned())),
            "the server closes the connection: {headers:?}"
        );
    }
}

#[test]
fn an_idle_connection_holds_up_no_other() {
    let mut idle = connect();
    assert_eq!(list_tables(&mut idle).0, 200);
    let mut other = connect();
    assert_eq!(list_tables(&mut other).0, 200);
    assert_eq!(list_tables(&mut idle).0, 200, "the idle one still serves");
}
