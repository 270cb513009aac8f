//! The real kubectl (1.33) against a simulated cluster playing a scenario: found as
//! `tests/sim_kubectl.rs` finds it (`$KUBECHAT_TEST_KUBECTL`, then the machine image's
//! kubectl 1.33, then PATH; without one, tests skip through `skip.rs`, which fails under
//! CI), run with its own kubeconfig and HOME, every call bounded by a deadline.
//!
//! Include with `#[path = "support/skip.rs"] mod skip;` beside it.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::OnceLock;
use std::time::Duration;

use kubechat_sim::{SimHandle, SimOptions};
use serde_json::Value;
use tokio::process::Command;

use super::skip;

/// Where `scripts/test` says the real kubectl is.
const KUBECTL_ENV: &str = "KUBECHAT_TEST_KUBECTL";
/// The machine image's kubectl 1.33 (Google Cloud SDK).
const KUBECTL_133: &str = "/usr/lib/google-cloud-sdk/bin/kubectl.1.33";
/// The longest one kubectl call, or one wait for a state, may take.
pub const DEADLINE: Duration = Duration::from_secs(60);

/// The kubectl to drive, or where it looked (for the skip message).
fn find_kubectl() -> Result<PathBuf, String> {
    let mut looked = Vec::new();
    match std::env::var_os(KUBECTL_ENV).filter(|v| !v.is_empty()) {
        Some(path) if Path::new(&path).is_file() => return Ok(PathBuf::from(path)),
        Some(path) => looked.push(format!("${KUBECTL_ENV}={}", Path::new(&path).display())),
        None => looked.push(format!("${KUBECTL_ENV} (unset)")),
    }
    if Path::new(KUBECTL_133).is_file() {
        return Ok(PathBuf::from(KUBECTL_133));
    }
    looked.push(KUBECTL_133.to_string());
    let on_path = std::env::var_os("PATH")
        .map(|paths| std::env::split_paths(&paths).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .map(|dir| dir.join("kubectl"))
        .find(|p| p.is_file());
    if let Some(path) = on_path {
        return Ok(path);
    }
    looked.push("kubectl on PATH".to_string());
    Err(format!("no kubectl: looked at {}", looked.join(", ")))
}

fn kubectl() -> &'static Result<PathBuf, String> {
    static KUBECTL: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    KUBECTL.get_or_init(find_kubectl)
}

/// The kubectl found (call [`kubectl_present`] first).
pub fn kubectl_path() -> &'static Path {
    kubectl().as_ref().expect("kubectl_present() checked")
}

/// Whether there is a kubectl to test with; skips (see `skip.rs`) when there is none.
pub fn kubectl_present() -> bool {
    match kubectl() {
        Ok(_) => true,
        Err(looked) => {
            skip::skip(looked);
            false
        }
    }
}

static NEXT_DIR: AtomicU32 = AtomicU32::new(0);

/// What one kubectl run ended with.
#[derive(Debug, Clone)]
pub struct Run {
    pub ok: bool,
    pub code: Option<i32>,
    pub stdout: String,
    pub stderr: String,
}

pub struct Kubectl {
    pub sim: SimHandle,
    kubeconfig: PathBuf,
    dir: PathBuf,
}

impl Kubectl {
    /// A simulator playing `scenario` (a built-in name or a file) on a clock `speed` times
    /// faster than real time.
    pub async fn start(scenario: &str, speed: f64) -> Kubectl {
        let dir = std::env::temp_dir().join(format!(
            "kubechat-sim-runbooks-{}-{}",
            std::process::id(),
            NEXT_DIR.fetch_add(1, Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let sim = SimHandle::start(SimOptions {
            scenario: scenario.into(),
            speed,
            ..SimOptions::default()
        })
        .await
        .expect("the simulator starts");
        let kubeconfig = dir.join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        Kubectl {
            sim,
            kubeconfig,
            dir,
        }
    }

    fn command(&self, program: &Path) -> Command {
        let mut cmd = Command::new(program);
        cmd.env("HOME", &self.dir)
            .env("KUBECACHEDIR", self.dir.join("cache"))
            .env("KUBECONFIG", &self.kubeconfig)
            .stdin(std::process::Stdio::null());
        cmd.kill_on_drop(true);
        cmd
    }

    async fn finish_run(mut cmd: Command, what: &str) -> Run {
        let out = tokio::time::timeout(DEADLINE, cmd.output())
            .await
            .unwrap_or_else(|_| panic!("{what} did not finish within {DEADLINE:?}"))
            .expect("the command runs");
        Run {
            ok: out.status.success(),
            code: out.status.code(),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// Runs `kubectl ARGS`.
    pub async fn run(&self, args: &[&str]) -> Run {
        let mut cmd = self.command(kubectl_path());
        cmd.arg("--kubeconfig").arg(&self.kubeconfig).args(args);
        Self::finish_run(cmd, &format!("kubectl {args:?}")).await
    }

    /// Runs a shell command line in which `kubectl` is the real kubectl (for the runbook's
    /// pipelines, e.g. `kubectl get deployment X -o yaml | grep image`).
    pub async fn shell(&self, line: &str) -> Run {
        let bin = self.dir.join("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let link = bin.join("kubectl");
        if !link.exists() {
            std::os::unix::fs::symlink(kubectl_path(), &link).unwrap();
        }
        let path = format!(
            "{}:{}",
            bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let mut cmd = self.command(Path::new("/bin/sh"));
        cmd.env("PATH", path).arg("-c").arg(line);
        Self::finish_run(cmd, line).await
    }

    /// Runs kubectl and insists it succeeds; returns stdout.
    pub async fn ok(&self, args: &[&str]) -> String {
        let r = self.run(args).await;
        assert!(r.ok, "kubectl {args:?} failed:\n{}\n{}", r.stderr, r.stdout);
        r.stdout
    }

    /// Runs kubectl until its output satisfies `want` (the cluster reaches a state), within
    /// the deadline; returns that output.
    pub async fn wait_for(&self, args: &[&str], want: impl Fn(&str) -> bool) -> String {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let r = self.run(args).await;
            if r.ok && want(&r.stdout) {
                return r.stdout;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "kubectl {args:?} never printed what was expected:\n{}\n{}",
                r.stderr,
                r.stdout
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// Runs kubectl until the run satisfies `want` (exit status and output), within the
    /// deadline; returns it.
    pub async fn wait_run(&self, args: &[&str], want: impl Fn(&Run) -> bool) -> Run {
        let deadline = tokio::time::Instant::now() + DEADLINE;
        loop {
            let r = self.run(args).await;
            if want(&r) {
                return r;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "kubectl {args:?} never ended as expected: {r:?}"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }

    /// `kubectl ARGS -o json`, parsed.
    pub async fn json(&self, args: &[&str]) -> Value {
        let mut all = args.to_vec();
        all.extend(["-o", "json"]);
        serde_json::from_str(&self.ok(&all).await).expect("kubectl printed JSON")
    }

    /// The simulated time now.
    pub fn sim_now(&self) -> jiff::Timestamp {
        self.sim.shared().clock.now()
    }

    pub async fn finish(self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        self.sim.shutdown().await;
    }
}

/// The columns of a line of `kubectl get` output.
pub fn columns(line: &str) -> Vec<&str> {
    line.split("  ")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .collect()
}
