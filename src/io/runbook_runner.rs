//! Runs a runbook step's shell command: `sh -c` in its own process group, with the console's
//! cluster forced in (a private kubeconfig holding only the chosen context, its cluster and
//! user, with the console's namespace: a step can never reach the user's other contexts),
//! output streamed line by line (printable, capped), the whole group killed on timeout or
//! cancel. Exit 127 says where it looked.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use anyhow::Context;
use kube::config::Kubeconfig;
use tokio::io::AsyncReadExt;
use tokio::sync::oneshot;
use tokio::time::Instant;

use crate::runbook::run::{judge_command, LineSplitter, OutputTail, StepState, MAX_LINES};
use crate::runbook::Expect;

/// How long output is still read after the command exited (a background child holding the
/// pipe open is then killed with the group).
const DRAIN: Duration = Duration::from_millis(300);

/// Where steps run: the generated kubeconfig, removed with this.
#[derive(Debug)]
pub struct RunEnv {
    pub kubeconfig: PathBuf,
    pub context: String,
    pub namespace: String,
    /// The steps' PATH: this program's directory first, so `kubechat-ops` in a step is
    /// this very program, then the inherited PATH.
    pub path: String,
    dir: PathBuf,
}

impl Drop for RunEnv {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

impl RunEnv {
    /// Writes a kubeconfig with only `context` (its cluster and user), current, namespace
    /// `namespace`, readable by this user only, in a fresh directory under `parent`.
    pub fn prepare(
        source: &Kubeconfig,
        context: &str,
        namespace: &str,
        parent: &Path,
    ) -> anyhow::Result<RunEnv> {
        let ctx = source
            .contexts
            .iter()
            .find(|c| c.name == context)
            .cloned()
            .with_context(|| format!("no context {context:?} in the kubeconfig"))?;
        let mut ctx = ctx;
        let (cluster_name, user_name) = match ctx.context.as_mut() {
            Some(c) => {
                c.namespace = Some(namespace.to_string());
                (c.cluster.clone(), c.user.clone())
            }
            None => anyhow::bail!("context {context:?} names no cluster"),
        };
        let config = Kubeconfig {
            clusters: source
                .clusters
                .iter()
                .filter(|c| c.name == cluster_name)
                .cloned()
                .collect(),
            auth_infos: source
                .auth_infos
                .iter()
                .filter(|a| Some(&a.name) == user_name.as_ref())
                .cloned()
                .collect(),
            contexts: vec![ctx],
            current_context: Some(context.to_string()),
            api_version: Some("v1".into()),
            kind: Some("Config".into()),
            ..Kubeconfig::default()
        };
        let dir = parent.join(format!(
            "kubechat-runbook-{}-{}",
            std::process::id(),
            jiff::Timestamp::now().as_nanosecond()
        ));
        create_private_dir(&dir)?;
        let kubeconfig = dir.join("kubeconfig");
        let yaml = serde_yaml_ng::to_string(&config).context("writing the step kubeconfig")?;
        write_private(&kubeconfig, yaml.as_bytes())?;
        Ok(RunEnv {
            kubeconfig,
            context: context.to_string(),
            namespace: namespace.to_string(),
            path: step_path(),
            dir,
        })
    }
}

fn step_path() -> String {
    let inherited = std::env::var("PATH").unwrap_or_default();
    let own = std::env::current_exe()
        .ok()
        .and_then(|exe| exe.parent().map(|d| d.display().to_string()));
    match own {
        Some(dir) if inherited.is_empty() => dir,
        Some(dir) => format!("{dir}:{inherited}"),
        None => inherited,
    }
}

fn create_private_dir(dir: &Path) -> anyhow::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .with_context(|| format!("creating {}", dir.display()))
}

fn write_private(path: &Path, bytes: &[u8]) -> anyhow::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::OpenOptionsExt;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("creating {}", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("writing {}", path.display()))
}

/// What a command ended with.
#[derive(Debug, Clone)]
pub struct CommandResult {
    pub state: StepState,
    pub reason: String,
    pub exit: Option<i32>,
    pub tail: OutputTail,
}

/// Kills the process group `pgid` (the shell and everything it started).
fn kill_group(pgid: Option<u32>) {
    if let Some(pgid) = pgid.and_then(|p| i32::try_from(p).ok()).filter(|p| *p > 0) {
        // SAFETY: kill(2) with a negative pid signals that process group; no memory involved
        unsafe {
            libc::kill(-pgid, libc::SIGKILL);
        }
    }
}

async fn read_some(
    pipe: &mut Option<impl AsyncReadExt + Unpin>,
    buf: &mut [u8],
) -> std::io::Result<usize> {
    match pipe {
        Some(p) => p.read(buf).await,
        None => std::future::pending().await,
    }
}

/// The niceness of a step's command (see [`run_command`]).
pub const STEP_NICENESS: libc::c_int = 5;

/// Runs `line` with `sh -c` in `env`, calling `on_line` with each output line (stdout and
/// stderr as they come), until it exits, `timeout` passes or `cancel` fires.
pub async fn run_command(
    line: &str,
    env: &RunEnv,
    expect: &Expect,
    timeout: Option<Duration>,
    mut cancel: oneshot::Receiver<()>,
    mut on_line: impl FnMut(&str),
) -> CommandResult {
    let path = &env.path;
    let mut cmd = tokio::process::Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(line)
        .env("KUBECONFIG", &env.kubeconfig)
        .env("PATH", &env.path)
        .env("KUBECHAT_CONTEXT", &env.context)
        .env("KUBECHAT_NAMESPACE", &env.namespace)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0)
        .kill_on_drop(true);
    // A step's command yields a core to the console when both want one: a command that
    // floods its output (or computes) must not make the screen stutter while the operator
    // reads it. It loses nothing on an idle core.
    // SAFETY: setpriority is async-signal-safe; it changes only the child's own priority
    unsafe {
        cmd.pre_exec(|| {
            libc::setpriority(libc::PRIO_PROCESS, 0, STEP_NICENESS);
            Ok(())
        });
    }
    let mut tail = OutputTail::new(MAX_LINES);
    let mut child = match cmd.spawn() {
        Ok(c) => c,
        Err(e) => {
            return CommandResult {
                state: StepState::Failed,
                reason: format!("cannot start /bin/sh: {e}"),
                exit: None,
                tail,
            }
        }
    };
    let pgid = child.id();
    let matcher = expect
        .output
        .as_deref()
        .and_then(|re| regex::Regex::new(re).ok());
    let mut matched = false;
    let mut out = child.stdout.take();
    let mut err = child.stderr.take();
    let (mut so, mut se) = (LineSplitter::default(), LineSplitter::default());
    let (mut bo, mut be) = (vec![0u8; 64 * 1024], vec![0u8; 64 * 1024]);
    let deadline = timeout.map(|t| Instant::now() + t);
    let mut exited = None;
    let mut drain_until: Option<Instant> = None;
    let mut timed_out = false;
    let mut cancelled = false;
    let mut emit = |l: String, tail: &mut OutputTail| {
        if let Some(m) = &matcher {
            matched = matched || m.is_match(&l);
        }
        on_line(&l);
        tail.push(l);
    };
    loop {
        if out.is_none() && err.is_none() && exited.is_some() {
            break;
        }
        tokio::select! {
            n = read_some(&mut out, &mut bo) => match n {
                Ok(n) if n > 0 => for l in so.feed(&bo[..n]) { emit(l, &mut tail) },
                _ => { out = None; if let Some(l) = so.finish() { emit(l, &mut tail) } }
            },
            n = read_some(&mut err, &mut be) => match n {
                Ok(n) if n > 0 => for l in se.feed(&be[..n]) { emit(l, &mut tail) },
                _ => { err = None; if let Some(l) = se.finish() { emit(l, &mut tail) } }
            },
            st = child.wait(), if exited.is_none() => {
                exited = Some(st);
                drain_until = Some(Instant::now() + DRAIN);
            }
            _ = sleep_until_opt(deadline), if exited.is_none() && !timed_out && !cancelled => {
                timed_out = true;
                kill_group(pgid);
            }
            _ = &mut cancel, if exited.is_none() && !timed_out && !cancelled => {
                cancelled = true;
                kill_group(pgid);
            }
            _ = sleep_until_opt(drain_until) => {
                // the shell is gone but something it started holds the output open
                kill_group(pgid);
                break;
            }
        }
    }
    // whatever the command left running in its group goes with it
    kill_group(pgid);
    let exit = match exited {
        Some(Ok(st)) => st.code(),
        _ => None,
    };
    let (state, reason) = if timed_out {
        (
            StepState::Failed,
            format!(
                "timed out after {}: the command and its process group were killed",
                crate::text::duration_label(timeout.unwrap_or_default().as_secs() as i64)
            ),
        )
    } else if cancelled {
        (
            StepState::Failed,
            "cancelled: the command and its process group were killed".to_string(),
        )
    } else {
        judge_command(expect, exit, matched, path)
    };
    CommandResult {
        state,
        reason,
        exit,
        tail,
    }
}

async fn sleep_until_opt(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Runs `line` with the terminal handed over (stdin, stdout, stderr inherited), blocking
/// until it exits; the console has left the alternate screen and raw mode. Its output is
/// the terminal's, so the result is the exit status alone.
pub fn run_interactive(
    line: &str,
    env: &RunEnv,
    expect: &Expect,
) -> (StepState, String, Option<i32>) {
    use std::os::unix::process::CommandExt;
    let path = &env.path;
    let mut cmd = std::process::Command::new("/bin/sh");
    cmd.arg("-c")
        .arg(line)
        .env("KUBECONFIG", &env.kubeconfig)
        .env("PATH", &env.path)
        .env("KUBECHAT_CONTEXT", &env.context)
        .env("KUBECHAT_NAMESPACE", &env.namespace);
    // SAFETY: isatty only reads the descriptor's state
    let job_control = unsafe { libc::isatty(0) } == 1;
    if job_control {
        // the step is a job of its own in the terminal's foreground, as a shell runs one:
        // Ctrl-C goes to it alone, not to the console (nor to whatever started the console)
        // SAFETY: only async-signal-safe calls between fork and exec
        unsafe {
            cmd.pre_exec(|| {
                libc::setpgid(0, 0);
                libc::signal(libc::SIGTTOU, libc::SIG_IGN);
                libc::tcsetpgrp(0, libc::getpid());
                libc::signal(libc::SIGTTOU, libc::SIG_DFL);
                Ok(())
            });
        }
    }
    let status = cmd.spawn().and_then(|mut child| {
        if job_control {
            let pgid = child.id() as libc::pid_t;
            // SAFETY: process-group calls on our own child and terminal
            unsafe {
                libc::setpgid(pgid, pgid);
                foreground(pgid);
            }
        }
        let status = child.wait();
        if job_control {
            // SAFETY: as above, for our own process group
            unsafe { foreground(libc::getpgrp()) };
        }
        status
    });
    match status {
        Ok(st) => {
            let expect = Expect {
                output: None,
                ..expect.clone()
            };
            let (state, reason) = judge_command(&expect, st.code(), false, path);
            (state, reason, st.code())
        }
        Err(e) => (
            StepState::Failed,
            format!("cannot start /bin/sh: {e}"),
            None,
        ),
    }
}

/// Makes `pgid` the terminal's foreground process group (SIGTTOU ignored meanwhile: the
/// caller may be in the background).
///
/// # Safety
/// Plain libc calls on descriptor 0; `pgid` must be a process group of this session.
unsafe fn foreground(pgid: libc::pid_t) {
    let old = libc::signal(libc::SIGTTOU, libc::SIG_IGN);
    libc::tcsetpgrp(0, pgid);
    libc::signal(libc::SIGTTOU, old);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_step_runs_nicer_than_the_console() {
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = Kubeconfig::from_yaml(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: c\n  cluster:\n    server: http://127.0.0.1:1\nusers:\n- name: u\n  user: {}\ncontexts:\n- name: t\n  context:\n    cluster: c\n    user: u\ncurrent-context: t\n",
        )
        .unwrap();
        let env = RunEnv::prepare(&kubeconfig, "t", "default", dir.path()).unwrap();
        let (_keep, cancel) = oneshot::channel();
        // the fields of /proc/self/stat after the command name: the niceness is the 17th
        let r = run_command(
            "cut -d')' -f2 /proc/self/stat",
            &env,
            &Expect::default(),
            None,
            cancel,
            |_| {},
        )
        .await;
        assert_eq!(r.state, StepState::Passed, "{}", r.reason);
        let stat = r.tail.lines.back().expect("a line").clone();
        let niceness: i32 = stat.split_whitespace().nth(16).unwrap().parse().unwrap();
        // SAFETY: reads this process's own priority
        let ours = unsafe { libc::getpriority(libc::PRIO_PROCESS, 0) };
        assert_eq!(niceness, (ours + STEP_NICENESS).min(19), "{stat}");
    }
}
