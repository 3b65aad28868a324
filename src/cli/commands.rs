//! The subcommands that do not serve: `decide`, `openapi` and `healthcheck` (and `forecast`, in
//! [`super::forecast`]).

use std::io::{Read, Write};
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::process::ExitCode;

use chrono::Utc;
use http_body_util::Empty;
use hyper::body::Bytes;
use hyper_util::rt::TokioIo;

use super::args::{DecideArgs, HealthcheckArgs, Rules};
use crate::codec::pipeline::{self as decide, DecisionInputs};
use crate::codec::problem::Problem;
use crate::codec::v2::pipeline as decide_v2;
use crate::domain::Timestamp;

/// `decide [FILE]`: the decision JSON on stdout, or the problem on stderr and exit 1.
pub fn decide(args: &DecideArgs) -> ExitCode {
    match decide_file(args) {
        Ok(decision) => {
            let mut stdout = std::io::stdout().lock();
            let written = serde_json::to_writer_pretty(&mut stdout, &decision)
                .map_err(std::io::Error::from)
                .and_then(|()| writeln!(stdout));
            if written.is_err() {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(problem) => {
            let text = serde_json::to_string_pretty(&problem).expect("a problem is plain data");
            eprintln!("{text}");
            ExitCode::FAILURE
        }
    }
}

/// The decision for the snapshot `args` name, by the rules they choose, as JSON (v1's and v2's
/// answers have different shapes). Bad flags are problems too, so every failure reads the same.
fn decide_file(args: &DecideArgs) -> Result<serde_json::Value, Problem> {
    let body = read_snapshot(args.file.as_deref())?;
    let now = match &args.now {
        Some(value) => decide::parse_now(value).map_err(Problem::invalid_query)?,
        None => Timestamp::from_utc(Utc::now()),
    };
    let backoff_interval =
        decide::parse_backoff_interval(&args.backoff_interval).map_err(Problem::invalid_query)?;
    let inputs = DecisionInputs {
        now,
        backoff_interval,
    };
    let answer = match args.rules {
        Rules::V1 => serde_json::to_value(decide::reconcile(&body, inputs, args.explain)?),
        Rules::V2 => serde_json::to_value(decide_v2::reconcile(&body, inputs, args.explain)?),
    };
    Ok(answer.expect("answers are plain data"))
}

/// The snapshot in `file`, or on stdin when it is absent or `-`; a file that cannot be read is a
/// problem like any other.
pub(super) fn read_snapshot(file: Option<&std::path::Path>) -> Result<Vec<u8>, Problem> {
    let mut body = Vec::new();
    let read = match file {
        None => std::io::stdin().read_to_end(&mut body).map(drop),
        Some(path) if path.as_os_str() == "-" => std::io::stdin().read_to_end(&mut body).map(drop),
        Some(path) => std::fs::File::open(path)
            .and_then(|mut f| f.read_to_end(&mut body))
            .map(drop),
    };
    read.map_err(|error| {
        Problem::http(
            axum::http::StatusCode::BAD_REQUEST,
            format!("cannot read the snapshot: {error}"),
        )
    })?;
    Ok(body)
}

/// `openapi`: the document on stdout.
pub fn openapi() -> ExitCode {
    let written = std::io::stdout()
        .lock()
        .write_all(crate::http::openapi_json().as_bytes());
    if written.is_err() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    }
}

/// `healthcheck`: 0 when `/healthz` answers 200 within the timeout.
pub async fn healthcheck(args: &HealthcheckArgs) -> ExitCode {
    let target = probe_address(args.listen);
    let timeout = args.timeout.to_std().unwrap_or_default();
    match tokio::time::timeout(timeout, get_healthz(target)).await {
        Ok(Ok(200)) => ExitCode::SUCCESS,
        Ok(Ok(status)) => {
            eprintln!("http://{target}/healthz answered {status}");
            ExitCode::FAILURE
        }
        Ok(Err(error)) => {
            eprintln!("http://{target}/healthz: {error}");
            ExitCode::FAILURE
        }
        Err(_) => {
            eprintln!("http://{target}/healthz: no answer within {}", args.timeout);
            ExitCode::FAILURE
        }
    }
}

/// A wildcard listen address is reached on loopback.
fn probe_address(listen: SocketAddr) -> SocketAddr {
    let ip = match listen.ip() {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    };
    SocketAddr::new(ip, listen.port())
}

async fn get_healthz(target: SocketAddr) -> Result<u16, Box<dyn std::error::Error + Send + Sync>> {
    let stream = tokio::net::TcpStream::connect(target).await?;
    let (mut sender, connection) =
        hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
    tokio::spawn(connection);
    let request = hyper::Request::get("/healthz")
        .header(hyper::header::HOST, target.to_string())
        .body(Empty::<Bytes>::new())?;
    Ok(sender.send_request(request).await?.status().as_u16())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wildcard_addresses_are_probed_on_loopback() {
        let v4: SocketAddr = "0.0.0.0:8080".parse().unwrap();
        assert_eq!(probe_address(v4), "127.0.0.1:8080".parse().unwrap());
        let v6: SocketAddr = "[::]:9000".parse().unwrap();
        assert_eq!(probe_address(v6), "[::1]:9000".parse().unwrap());
        let specific: SocketAddr = "10.1.2.3:80".parse().unwrap();
        assert_eq!(probe_address(specific), specific);
    }
}
