//! Running one command and measuring it: wall time and peak resident set size.
//!
//! The child is reaped with `wait4`, whose `rusage` is the child's own. On Linux its `ru_maxrss`
//! is the larger of the child's peak and that of the largest descendant it waited for (so for
//! `cargo sbom` it also covers the `cargo metadata` it runs). This needs no GNU `time`, which a
//! fresh Debian machine lacks, and unlike `getrusage(RUSAGE_CHILDREN)` it is per child rather
//! than a running maximum over every child this process ever reaped.

use std::io::Read;
use std::os::unix::process::ExitStatusExt;
use std::process::{Command, ExitStatus, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, Result, bail};

/// One finished run of a command.
pub struct Measured {
    /// From just before the spawn to the reaping of the child, with its output read to the end.
    pub wall: Duration,
    /// The peak resident set size in KiB (`ru_maxrss`).
    pub max_rss_kib: u64,
    /// User plus system CPU time of the child and the descendants it waited for.
    pub cpu: Duration,
    /// Everything the child wrote on standard output.
    pub stdout: Vec<u8>,
    /// Everything the child wrote on standard error.
    pub stderr: Vec<u8>,
    /// How the child exited.
    pub status: ExitStatus,
}

/// Runs `command` with both outputs piped and read to the end (as cargo-sbom reads the output of
/// `cargo metadata`), and fails unless `accept` says the run completed, given its exit status,
/// standard output and standard error (policy tools exit non-zero when they have findings, which
/// is no failure).
pub fn run(
    command: &mut Command,
    accept: impl Fn(ExitStatus, &[u8], &[u8]) -> bool,
) -> Result<Measured> {
    let description = format!("{command:?}");
    command
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let start = Instant::now();
    let mut child = command
        .spawn()
        .with_context(|| format!("spawning {description}"))?;
    let mut stdout_pipe = child.stdout.take().context("no stdout pipe")?;
    let mut stderr_pipe = child.stderr.take().context("no stderr pipe")?;
    let stderr_reader = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        stderr_pipe.read_to_end(&mut buffer).map(|_| buffer)
    });
    let mut stdout = Vec::new();
    let read = stdout_pipe.read_to_end(&mut stdout);
    let stderr = stderr_reader
        .join()
        .map_err(|_| anyhow::anyhow!("the stderr reader panicked"))?;
    // Reap the child whatever happened to the pipes, so that no zombie is left behind.
    let (status, max_rss_kib, cpu) =
        wait4(child.id()).with_context(|| format!("waiting for {description}"))?;
    let wall = start.elapsed();
    read.context("reading standard output")?;
    let stderr = stderr.context("reading standard error")?;
    if !accept(status, &stdout, &stderr) {
        bail!(
            "{description} failed ({status}):\n{}",
            String::from_utf8_lossy(&stderr).trim_end()
        );
    }
    Ok(Measured {
        wall,
        max_rss_kib,
        cpu,
        stdout,
        stderr,
        status,
    })
}

/// Waits for the child `pid` and returns its exit status, `ru_maxrss` (KiB on Linux) and CPU
/// time (user plus system).
///
/// `std::process::Child::wait` discards the child's resource usage, so the child is reaped here
/// instead; the caller must not wait for it again.
#[allow(unsafe_code)]
fn wait4(pid: u32) -> std::io::Result<(ExitStatus, u64, Duration)> {
    let pid = libc::pid_t::try_from(pid).map_err(std::io::Error::other)?;
    let mut status: libc::c_int = 0;
    // SAFETY: `rusage` is a plain C struct of integers, for which all zero bytes is a valid value.
    let mut usage: libc::rusage = unsafe { std::mem::zeroed() };
    loop {
        // SAFETY: both pointers are to live, writable locals of the types `wait4` expects.
        let reaped = unsafe { libc::wait4(pid, &mut status, 0, &mut usage) };
        if reaped == pid {
            break;
        }
        let error = std::io::Error::last_os_error();
        if error.kind() != std::io::ErrorKind::Interrupted {
            return Err(error);
        }
    }
    let max_rss = u64::try_from(usage.ru_maxrss).unwrap_or(0);
    let seconds = |t: libc::timeval| {
        Duration::from_secs(u64::try_from(t.tv_sec).unwrap_or(0))
            + Duration::from_micros(u64::try_from(t.tv_usec).unwrap_or(0))
    };
    let cpu = seconds(usage.ru_utime) + seconds(usage.ru_stime);
    Ok((ExitStatus::from_raw(status), max_rss, cpu))
}
