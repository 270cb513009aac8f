//! At scale, the way a user meets it (issue 14): the real binaries as processes, over HTTP,
//! against `kubechat-ops sim --scenario scale`, side by side with the peers in one run:
//! `kubechat-ops -A` and `kdash` in tmux at 200×60, `kubectl get pods -A -w` on a pipe.
//! Prints one table; asserts nothing.
//!
//! Run: `cargo bench --bench at_scale` (about 12 minutes; `-- --quick` shortens the CPU
//! windows to 10 s and the kubectl survival to 1 minute, and skips the 100,000-pod run;
//! `-- --only-big` runs the 100,000-pod run alone, `-- --only-relist` the relist alone).
//! kdash is `$KDASH`, else looked for on PATH and in ~/.cargo/bin, else installed with
//! `cargo install kdash --locked` (a few minutes, once). kubectl: `$KUBECHAT_TEST_KUBECTL`,
//! `kubectl.1.33`, or `kubectl` on PATH. A peer that cannot be found is reported as such.
//!
//! Phases: (1) churn 0 — each tool alone, started fresh: start → first populated frame,
//! RSS after sync, CPU over the window, API requests, and (ours, kubectl) a change →
//! on screen; (2) churn 200 — `kubectl get pods -A -w` runs throughout (5 minutes must pass
//! without an error), ours and kdash each alone for the CPU window, ours' relists counted;
//! (3) ours alone on 100,000 pods: populated, RSS, idle CPU, and the frames drawn while
//! scrolling (40 PageDowns 50 ms apart, then 200 `j` 10 ms apart, typed through one tmux
//! control-mode client), read from the console's per-frame trace: wall time, its CPU time,
//! and its wait for a core.

#[path = "common/proc.rs"]
mod proc;

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use k8s_openapi::api::apps::v1::Deployment;
use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams, Patch, PatchParams};
use serde_json::{json, Value};

const BIN: &str = env!("CARGO_BIN_EXE_kubechat-ops");
const WIDTH: u16 = 200;
const HEIGHT: u16 = 60;

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    // `-- --only-big`: the 100,000-pod run alone; `-- --only-relist`: the relist alone
    let only_big = std::env::args().any(|a| a == "--only-big");
    let only_relist = std::env::args().any(|a| a == "--only-relist");
    let window = Duration::from_secs(if quick { 10 } else { 30 });
    let survive = Duration::from_secs(if quick { 60 } else { 300 });
    let dir = tempfile::tempdir().expect("temp dir");
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    // the peers are looked for only when they run
    let peers = !only_big && !only_relist;
    let kubectl = peers.then(find_kubectl).flatten();
    let kdash = peers.then(find_or_install_kdash).flatten();

    let mut table = Table::default();

    let history = peers.then(|| {
        // (1) churn 0
        let sim = Sim::start(dir.path(), "idle", 2000, 10_000, 0);
        println!("simulator (churn 0) ready: RSS {:.0} MiB", sim.rss_mib());
        let ours = measure_ours(&sim, dir.path(), "ours", "", window, 2000);
        let latency = runtime.block_on(ours_latency(&sim, &ours.tmux, if quick { 20 } else { 60 }));
        ours.stop();
        table.ours_idle(&ours.figures, latency);
        match &kdash {
            Some(kdash) => {
                let k = measure_kdash(&sim, dir.path(), kdash, window, |s| kdash_pods(s) >= 10_000);
                k.stop();
                table.kdash_idle(&k.figures);
            }
            None => table.note("kdash: not found and could not be installed"),
        }
        match &kubectl {
            Some(kubectl) => {
                let (figures, latency) = runtime.block_on(measure_kubectl(&sim, kubectl, window));
                table.kubectl_idle(&figures, latency);
            }
            None => table.note("kubectl: not found"),
        }
        sim.stop();

        // (2) churn 200
        let sim = Sim::start(dir.path(), "churn", 2000, 10_000, 200);
        println!("simulator (churn 200) ready: RSS {:.0} MiB", sim.rss_mib());
        let watch = kubectl
            .as_ref()
            .map(|k| KubectlWatch::start(&sim, k, dir.path()));
        let ours = measure_ours(&sim, dir.path(), "ours", "", window, 2000);
        ours.stop();
        table.ours_churn(&ours.figures);
        if let Some(kdash) = &kdash {
            let k = measure_kdash(&sim, dir.path(), kdash, window, |_| true);
            k.stop();
            table.kdash_churn(&k.figures);
        }
        if let Some(watch) = watch {
            let outcome = watch.survive(survive);
            table.kubectl_churn(&outcome, survive);
        }
        let history = sim.get("/_sim/history");
        sim.stop();
        history
    });

    // (2b) a relist of 10,000 pods under churn
    let relist = (!quick && !only_big).then(|| relist_under_churn(dir.path()));

    // (3) 100,000 pods
    let big = (!quick && !only_relist).then(|| {
        let sim = Sim::start(dir.path(), "big", 10_000, 100_000, 0);
        println!(
            "simulator (100,000 pods) ready: RSS {:.0} MiB",
            sim.rss_mib()
        );
        let ours = measure_ours(
            &sim,
            dir.path(),
            "ours-big",
            "--log-level info,frames=trace",
            window,
            10_000,
        );
        // only the frames of the scrolling count: those drawn before it are in the log
        // already (the window above was idle)
        let before = frame_trace(&ours.log()).len();
        let mut typist = Typist::attach(&ours.tmux);
        for _ in 0..40 {
            typist.key("PageDown");
            std::thread::sleep(Duration::from_millis(50));
        }
        for _ in 0..200 {
            typist.key("j");
            std::thread::sleep(Duration::from_millis(10));
        }
        drop(typist);
        ours.quit();
        let frames = scrolling_frames(&frame_trace(&ours.log())[before..]);
        let sim_rss = sim.rss_mib();
        sim.stop();
        (ours.figures, frames, sim_rss)
    });

    if peers {
        println!();
        table.print();
    }
    if let Some(relist) = relist {
        println!();
        println!("{relist}");
    }
    if let Some((f, frames, sim_rss)) = big {
        println!();
        println!("| 100,000 pods, 10,000 Deployments (ours alone) | kubechat-ops | target |");
        println!("|---|---|---|");
        println!(
            "| start → first populated frame | {} | ≤3 s |",
            secs(f.populated)
        );
        println!("| RSS after sync | {:.0} MiB | ≤256 MiB |", f.rss_mib);
        println!(
            "| CPU, churn 0, over the window | {:.2} % | ≤0.5 % |",
            f.cpu_pct
        );
        println!(
            "| frame while scrolling, wall time p50 / p99 / max | {} | p99 ≤2 ms |",
            frames.wall
        );
        println!(
            "| the same frames: the console's CPU time, p50 / p99 / max | {} | |",
            frames.cpu
        );
        println!(
            "| the same frames: waited for a core, p50 / p99 / max | {} | |",
            frames.waited
        );
        println!("| frames while scrolling | {} | |", frames.count);
        println!("| the simulator's RSS | {sim_rss:.0} MiB | |");
    }
    println!();
    if let Some(history) = history {
        println!("watch history per resource at churn 200 (/_sim/history): {history}");
    }
}

/// Ours at churn 200 while the simulator goes away for longer than its watch history
/// (80 s against 75 s): every watch comes back to `410 Expired` and lists again. What the
/// console lists afterwards against what the simulator holds, the rows on screen, and the
/// frame times over the whole run, the outage and the relists included.
fn relist_under_churn(dir: &Path) -> String {
    let sim = Sim::start(dir, "relist", 2000, 10_000, 200);
    let ours = measure_ours(&sim, dir, "ours-relist", "", Duration::from_secs(5), 2000);
    let pod_lists = |log: &str| log.matches("pods: listed").count();
    let listed_before = pod_lists(&ours.log());
    sim.post("/_sim/refuse?seconds=80");
    let deadline = Instant::now() + Duration::from_secs(300);
    while pod_lists(&ours.log()) == listed_before && Instant::now() < deadline {
        std::thread::sleep(Duration::from_secs(1));
    }
    let log = ours.log();
    let relisted = log
        .lines()
        .rev()
        .find_map(|l| {
            l.split_once("pods: listed")
                .map(|(_, r)| r.trim().to_string())
        })
        .filter(|_| pod_lists(&log) > listed_before)
        .unwrap_or_else(|| {
            // what the console's log says of its watches, to see why
            let said: Vec<&str> = log
                .lines()
                .filter(|l| l.contains("pods") || l.contains("watch") || l.contains("kube"))
                .collect();
            println!(
                "no relist: the console's log on its watches, last lines:\n{}",
                said[said.len().saturating_sub(20)..].join("\n")
            );
            "no relist within 300 s".into()
        });
    let held = sim.get("/api/v1/pods?limit=1");
    let held = held["items"].as_array().map_or(0, Vec::len)
        + held["metadata"]["remainingItemCount"].as_u64().unwrap_or(0) as usize;
    let rows = rollouts_count(&ours.tmux.screen());
    let frames = ours.stop_and_read_frames();
    sim.stop();
    format!(
        "| relist of 10,000 pods at churn 200 (80 s outage → 410 Expired) | kubechat-ops |\n|---|---|\n| pods listed again | {relisted} (the simulator holds {held}) |\n| rows on screen after it | {rows} |\n| frames over the run, outage and relists included | {frames} |"
    )
}

// ---------------------------------------------------------------------------------------
// the figures

#[derive(Debug, Clone, Default)]
struct Figures {
    populated: Option<Duration>,
    rss_mib: f64,
    cpu_pct: f64,
    /// Kubernetes API requests per minute over the window: (watches, other reads).
    requests_per_min: (f64, f64),
}

#[derive(Default)]
struct Table {
    notes: Vec<String>,
    cells: std::collections::HashMap<(&'static str, usize), String>,
}

const FIGURES: [(&str, &str); 6] = [
    ("start → first populated frame / first list printed", "≤1 s"),
    ("RSS after sync (steady)", "≤64 MiB"),
    ("CPU, churn 0, over the window", "≤0.5 % of a core"),
    (
        "CPU at churn 200 (pods replaced per second), over the window",
        "≤10 % of a core",
    ),
    (
        "a change in the cluster → on screen, p50 / p99",
        "p99 ≤100 ms",
    ),
    (
        "API requests per minute at steady state (watches / lists+gets)",
        "watch only",
    ),
];

impl Table {
    fn set(&mut self, who: &'static str, row: usize, text: String) {
        self.cells.insert((who, row), text);
    }

    fn note(&mut self, text: &str) {
        self.notes.push(text.to_string());
    }

    fn idle(&mut self, who: &'static str, f: &Figures) {
        self.set(who, 0, secs(f.populated));
        self.set(who, 1, format!("{:.0} MiB", f.rss_mib));
        self.set(who, 2, format!("{:.2} %", f.cpu_pct));
        self.set(
            who,
            5,
            format!("{:.1} / {:.1}", f.requests_per_min.0, f.requests_per_min.1),
        );
    }

    fn ours_idle(&mut self, f: &Figures, latency: String) {
        self.idle("ours", f);
        self.set("ours", 4, latency);
    }

    fn kdash_idle(&mut self, f: &Figures) {
        self.idle("kdash", f);
        self.set("kdash", 4, "not measured (polls lists every 5 s)".into());
    }

    fn kubectl_idle(&mut self, f: &Figures, latency: String) {
        self.idle("kubectl", f);
        self.set("kubectl", 4, latency);
    }

    fn ours_churn(&mut self, f: &Figures) {
        self.set("ours", 3, format!("{:.2} %", f.cpu_pct));
        self.note(&format!(
            "ours at churn 200: {:.1} watches/min, {:.1} lists+gets/min (relists at steady state: {}), RSS {:.0} MiB, populated in {}",
            f.requests_per_min.0,
            f.requests_per_min.1,
            if f.requests_per_min.1 == 0.0 { "none" } else { "some" },
            f.rss_mib,
            secs(f.populated)
        ));
    }

    fn kdash_churn(&mut self, f: &Figures) {
        self.set("kdash", 3, format!("{:.2} %", f.cpu_pct));
    }

    fn kubectl_churn(&mut self, o: &WatchOutcome, survive: Duration) {
        self.set("kubectl", 3, format!("{:.2} %", o.cpu_pct));
        self.note(&format!(
            "kubectl get pods -A -w at churn 200 for {} s: {} ({} lines printed, RSS {:.0} MiB)",
            survive.as_secs(),
            match &o.error {
                None => "ran without an error".to_string(),
                Some(e) => format!("failed: {e}"),
            },
            o.lines,
            o.rss_mib
        ));
    }

    fn print(&self) {
        println!("| figure | kubechat-ops | kdash | kubectl -w | target (ours) |");
        println!("|---|---|---|---|---|");
        for (i, (figure, target)) in FIGURES.iter().enumerate() {
            let cell = |who: &'static str| {
                self.cells
                    .get(&(who, i))
                    .cloned()
                    .unwrap_or_else(|| "—".into())
            };
            println!(
                "| {figure} | {} | {} | {} | {target} |",
                cell("ours"),
                cell("kdash"),
                cell("kubectl")
            );
        }
        for n in &self.notes {
            println!("- {n}");
        }
    }
}

fn secs(d: Option<Duration>) -> String {
    match d {
        Some(d) => format!("{:.2} s", d.as_secs_f64()),
        None => "never (60 s)".into(),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

// ---------------------------------------------------------------------------------------
// the simulator

struct Sim {
    child: Child,
    kubeconfig: PathBuf,
    url: String,
}

/// Seconds over which the simulator's CPU is averaged: longer than its control loop's
/// longest rest, so that a rest between two busy passes is not taken for calm.
const SETTLE_WINDOW: u64 = 3;
/// The longest wait for the simulator to build its cluster and calm down.
const SETTLE_AT_MOST: Duration = Duration::from_secs(300);

impl Sim {
    fn start(dir: &Path, name: &str, deployments: usize, pods: usize, churn: usize) -> Sim {
        let kubeconfig = dir.join(format!("{name}.kubeconfig"));
        let child = Command::new(BIN)
            .args(["sim", "--scenario", "scale"])
            .args(["--deployments", &deployments.to_string()])
            .args(["--pods", &pods.to_string()])
            .args(["--churn", &churn.to_string()])
            .arg("--kubeconfig-out")
            .arg(&kubeconfig)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start the simulator");
        let deadline = Instant::now() + Duration::from_secs(120);
        while !kubeconfig.exists() {
            assert!(Instant::now() < deadline, "the simulator did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        let text = std::fs::read_to_string(&kubeconfig).expect("kubeconfig");
        let url = text
            .lines()
            .find_map(|l| l.trim().strip_prefix("server:"))
            .map(|s| s.trim().trim_matches('"').to_string())
            .expect("the kubeconfig names the server");
        let sim = Sim {
            child,
            kubeconfig,
            url,
        };
        sim.settle(pods, churn);
        sim
    }

    /// Waits until the simulator has built its cluster and is only running it: every pod
    /// created and at most a tenth of them (or 1,000) not Running (under churn some are
    /// always starting), then its CPU steady and below a ceiling (two windows in a row
    /// within 10 points of a core; below half a core at churn 0, where its control loop
    /// alone takes about a third of one, and below 90 % under churn), at most
    /// `SETTLE_AT_MOST` in all. The tools are measured against a cluster that is up, as a
    /// user meets one, not against one still creating its pods.
    fn settle(&self, pods: usize, churn: usize) {
        // an idle simulator's control loop takes about a third of a core; replacing pods
        // takes more
        let calm_below = if churn == 0 { 50 } else { 90 };
        let started = Instant::now();
        let starting_at_most = (pods / 10).min(1000);
        while started.elapsed() < SETTLE_AT_MOST {
            let all = self.get("/api/v1/pods?limit=1");
            let created = all["items"].as_array().map_or(0, Vec::len)
                + all["metadata"]["remainingItemCount"].as_u64().unwrap_or(0) as usize;
            let starting = self.get(&format!(
                "/api/v1/pods?fieldSelector=status.phase!%3DRunning&limit={}",
                starting_at_most + 1
            ));
            let starting = starting["items"].as_array().map_or(usize::MAX, Vec::len);
            if created >= pods && starting <= starting_at_most {
                break;
            }
            std::thread::sleep(Duration::from_secs(2));
        }
        let built = started.elapsed();
        let pid = self.child.id().to_string();
        let mut before = proc::cpu_ticks(&pid);
        let mut last: Option<u64> = None;
        while started.elapsed() < SETTLE_AT_MOST {
            std::thread::sleep(Duration::from_secs(SETTLE_WINDOW));
            let now = proc::cpu_ticks(&pid);
            let pct = now.saturating_sub(before) / SETTLE_WINDOW;
            before = now;
            if pct < calm_below && last.is_some_and(|l| l.abs_diff(pct) <= 10) {
                println!(
                    "simulator built its cluster in {:.0} s, steady after {:.0} s ({pct} % of a core over the last {SETTLE_WINDOW} s)",
                    built.as_secs_f64(),
                    started.elapsed().as_secs_f64()
                );
                return;
            }
            last = Some(pct);
        }
        println!(
            "simulator not settled after {} s: measuring anyway",
            SETTLE_AT_MOST.as_secs()
        );
    }

    /// Waits until no list or get has reached the simulator for 3 s (at most a minute).
    fn wait_until_lists_stop(&self) {
        let started = Instant::now();
        let mut before = self.requests().1;
        while started.elapsed() < Duration::from_secs(60) {
            std::thread::sleep(Duration::from_secs(3));
            let now = self.requests().1;
            if now == before {
                return;
            }
            before = now;
        }
        println!("lists still arriving after 60 s: measuring anyway");
    }

    fn rss_mib(&self) -> f64 {
        proc::mib(proc::rss_kib(&self.child.id().to_string()))
    }

    fn get(&self, path: &str) -> Value {
        let out = Command::new("curl")
            .args(["-s", &format!("{}{path}", self.url)])
            .output();
        match out {
            Ok(o) => serde_json::from_slice(&o.stdout).unwrap_or(Value::Null),
            Err(_) => Value::Null,
        }
    }

    fn post(&self, path: &str) {
        let _ = Command::new("curl")
            .args(["-s", "-X", "POST", &format!("{}{path}", self.url)])
            .output();
    }

    fn requests(&self) -> (u64, u64) {
        let v = self.get("/_sim/requests");
        (
            v["watches"].as_u64().unwrap_or(0),
            v["reads"].as_u64().unwrap_or(0),
        )
    }

    async fn client(&self) -> kube::Client {
        let text = std::fs::read_to_string(&self.kubeconfig).unwrap();
        let kc = kube::config::Kubeconfig::from_yaml(&text).unwrap();
        let config = kube::Config::from_custom_kubeconfig(kc, &Default::default())
            .await
            .unwrap();
        kube::Client::try_from(config).unwrap()
    }

    fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

// ---------------------------------------------------------------------------------------
// a terminal program in tmux

struct Tmux {
    socket: PathBuf,
    session: String,
}

impl Tmux {
    fn start(dir: &Path, name: &str, command: &str, env: &[(&str, String)]) -> Tmux {
        let t = Tmux {
            socket: dir.join(format!("{name}.tmux")),
            session: name.to_string(),
        };
        let mut cmd = t.cmd();
        cmd.args(["-f", "/dev/null", "new-session", "-d", "-s", name])
            .args(["-x", &WIDTH.to_string(), "-y", &HEIGHT.to_string()]);
        for (k, v) in env {
            cmd.args(["-e", &format!("{k}={v}")]);
        }
        cmd.arg(format!("exec {command}"));
        let out = cmd.output().expect("tmux runs");
        assert!(
            out.status.success(),
            "tmux: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        t
    }

    fn cmd(&self) -> Command {
        let mut c = Command::new("tmux");
        c.arg("-S").arg(&self.socket);
        c
    }

    fn run(&self, args: &[&str]) -> String {
        let out = self.cmd().args(args).output().expect("tmux runs");
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn screen(&self) -> String {
        self.run(&["capture-pane", "-p", "-t", &self.session])
    }

    fn keys(&self, keys: &[&str]) {
        let mut args = vec!["send-keys", "-t", self.session.as_str()];
        args.extend_from_slice(keys);
        self.run(&args);
    }

    fn pid(&self) -> String {
        self.run(&["display-message", "-p", "-t", &self.session, "#{pane_pid}"])
            .trim()
            .to_string()
    }

    fn kill(&self) {
        self.run(&["kill-server"]);
    }
}

/// Keys typed through one tmux control-mode client: a key costs a line on a pipe, not a
/// tmux process started per key (240 of those in 4 s compete with the console measured).
struct Typist {
    client: Child,
    session: String,
}

impl Typist {
    fn attach(tmux: &Tmux) -> Typist {
        let client = tmux
            .cmd()
            .args(["-C", "attach-session", "-f", "no-output"])
            .args(["-t", &tmux.session])
            .stdin(Stdio::piped())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("tmux runs");
        Typist {
            client,
            session: tmux.session.clone(),
        }
    }

    fn key(&mut self, key: &str) {
        use std::io::Write;
        if let Some(stdin) = self.client.stdin.as_mut() {
            let _ = writeln!(stdin, "send-keys -t {} {key}", self.session);
            let _ = stdin.flush();
        }
    }
}

impl Drop for Typist {
    fn drop(&mut self) {
        // closing its input ends the control client
        drop(self.client.stdin.take());
        let _ = self.client.wait();
    }
}

/// One frame as the console traced it (`--log-level info,frames=trace`), in microseconds.
#[derive(Clone, Copy)]
struct FrameTrace {
    wall: u64,
    cpu: u64,
    waited: u64,
}

fn frame_trace(log: &str) -> Vec<FrameTrace> {
    let number_after = |line: &str, label: &str| -> Option<u64> {
        let (_, rest) = line.split_once(label)?;
        rest.split_whitespace().next()?.parse().ok()
    };
    log.lines()
        .filter(|l| l.contains("frame: wall"))
        .filter_map(|l| {
            Some(FrameTrace {
                wall: number_after(l, "frame: wall ")?,
                cpu: number_after(l, "CPU ")?,
                waited: number_after(l, "waited for a core ")?,
            })
        })
        .collect()
}

struct ScrollingFrames {
    count: usize,
    wall: String,
    cpu: String,
    waited: String,
}

fn scrolling_frames(frames: &[FrameTrace]) -> ScrollingFrames {
    let cell = |pick: fn(&FrameTrace) -> u64| {
        let mut ms: Vec<f64> = frames.iter().map(|f| pick(f) as f64 / 1000.0).collect();
        ms.sort_by(f64::total_cmp);
        if ms.is_empty() {
            return "no frames traced".to_string();
        }
        format!(
            "{:.2} / {:.2} / {:.2} ms",
            percentile(&ms, 0.5),
            percentile(&ms, 0.99),
            ms[ms.len() - 1]
        )
    };
    ScrollingFrames {
        count: frames.len(),
        wall: cell(|f| f.wall),
        cpu: cell(|f| f.cpu),
        waited: cell(|f| f.waited),
    }
}

struct Running {
    tmux: Tmux,
    figures: Figures,
    state_dir: PathBuf,
}

impl Running {
    fn stop(&self) {
        self.tmux.kill();
    }

    /// The console's log so far.
    fn log(&self) -> String {
        std::fs::read_dir(self.state_dir.join("kubechat-ops"))
            .into_iter()
            .flatten()
            .flatten()
            .filter(|e| e.file_name().to_string_lossy().contains("log"))
            .filter_map(|e| std::fs::read_to_string(e.path()).ok())
            .collect::<String>()
    }

    /// Quits the console: its frame-time summary and its last trace lines go to its log.
    fn quit(&self) {
        self.tmux.keys(&["q"]);
        std::thread::sleep(Duration::from_secs(1));
        self.tmux.kill();
    }

    /// Quits the console and reads its frame-time summary.
    fn stop_and_read_frames(&self) -> String {
        self.quit();
        self.log()
            .lines()
            .rev()
            .find_map(|l| {
                l.split_once("frames drawn:")
                    .map(|(_, r)| r.trim().to_string())
            })
            .unwrap_or_else(|| "no frame summary in the log".into())
    }
}

/// `kubechat-ops -A` (and `args`) through [`measure_tui`], populated once its Rollouts pane
/// counts `rows`.
fn measure_ours(
    sim: &Sim,
    dir: &Path,
    name: &str,
    args: &str,
    window: Duration,
    rows: usize,
) -> Running {
    measure_tui(
        sim,
        dir,
        name,
        &format!("{BIN} -A {args}"),
        window,
        |s| rollouts_count(s) >= rows,
        Synced::UntilListsStop,
    )
}

/// kdash through [`measure_tui`], populated when `populated` says so.
fn measure_kdash(
    sim: &Sim,
    dir: &Path,
    kdash: &str,
    window: Duration,
    populated: impl Fn(&str) -> bool,
) -> Running {
    measure_tui(
        sim,
        dir,
        "kdash",
        kdash,
        window,
        populated,
        Synced::AfterFirstScreen,
    )
}

/// When a tool counts as synced, for its steady figures.
#[derive(PartialEq)]
enum Synced {
    /// 5 s after its first populated screen (kdash lists every 5 s: its lists never stop).
    AfterFirstScreen,
    /// Also once its lists have stopped: ours lists its other kinds after the rows' own,
    /// which at 100,000 pods goes on for seconds after the first populated frame.
    UntilListsStop,
}

/// Starts `command` fresh against `sim`, times it to its first populated screen, then
/// reads its RSS and its CPU and API requests over `window`.
fn measure_tui(
    sim: &Sim,
    dir: &Path,
    name: &str,
    command: &str,
    window: Duration,
    populated: impl Fn(&str) -> bool,
    sync: Synced,
) -> Running {
    let home = dir.join(format!("{name}-home"));
    let state_dir = home.join("state");
    std::fs::create_dir_all(&state_dir).unwrap();
    let env = [
        ("KUBECONFIG", sim.kubeconfig.display().to_string()),
        ("HOME", home.display().to_string()),
        ("XDG_STATE_HOME", state_dir.display().to_string()),
        ("XDG_CONFIG_HOME", home.join("config").display().to_string()),
        ("XDG_DATA_HOME", home.join("data").display().to_string()),
        ("TERM", "xterm-256color".to_string()),
    ];
    let start = Instant::now();
    let tmux = Tmux::start(dir, name, command, &env);
    let mut first = None;
    while start.elapsed() < Duration::from_secs(60) {
        if populated(&tmux.screen()) {
            first = Some(start.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    if sync == Synced::UntilListsStop {
        sim.wait_until_lists_stop();
    }
    let figures = steady(sim, &tmux.pid(), first, window);
    println!("{name}: {figures:?}");
    Running {
        tmux,
        figures,
        state_dir,
    }
}

/// After a 5 s settle (the list is in, the first frames drawn): `pid`'s RSS, then its CPU
/// and the API requests over `window`.
fn steady(sim: &Sim, pid: &str, populated: Option<Duration>, window: Duration) -> Figures {
    std::thread::sleep(Duration::from_secs(5));
    let rss = proc::mib(proc::rss_kib(pid));
    let (w0, r0) = sim.requests();
    let c0 = proc::cpu_ticks(pid);
    std::thread::sleep(window);
    let c1 = proc::cpu_ticks(pid);
    let (w1, r1) = sim.requests();
    let per_min = 60.0 / window.as_secs_f64();
    Figures {
        populated,
        rss_mib: rss,
        cpu_pct: c1.saturating_sub(c0) as f64 / 100.0 / window.as_secs_f64() * 100.0,
        requests_per_min: ((w1 - w0) as f64 * per_min, (r1 - r0) as f64 * per_min),
    }
}

/// The count on kdash's Pods tab ("Pods [10018]").
fn kdash_pods(screen: &str) -> usize {
    screen
        .split("Pods [")
        .nth(1)
        .and_then(|rest| rest.split(']').next())
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
}

/// The count in the Rollouts pane's title ("1 Rollouts 2006").
fn rollouts_count(screen: &str) -> usize {
    screen
        .lines()
        .find_map(|l| {
            let rest = l.split_once("Rollouts ")?.1;
            let digits: String = rest.chars().take_while(|c| c.is_ascii_digit()).collect();
            digits.parse().ok()
        })
        .unwrap_or(0)
}

/// Scales `scale-000/app-0000` back and forth and times each change to the screen (the
/// row's desired count in the PROGRESS cell), `n` times: "p50 / p99".
async fn ours_latency(sim: &Sim, tmux: &Tmux, n: usize) -> String {
    let client = sim.client().await;
    let api: Api<Deployment> = Api::namespaced(client, "scale-000");
    let mut samples = Vec::new();
    for i in 0..n {
        let replicas = if i % 2 == 0 { 6 } else { 5 };
        let patch = json!({"spec": {"replicas": replicas}});
        let t0 = Instant::now();
        if api
            .patch_scale("app-0000", &PatchParams::default(), &Patch::Merge(&patch))
            .await
            .is_err()
        {
            return "the scale patch failed".into();
        }
        let want = format!("/{replicas} ");
        let deadline = t0 + Duration::from_secs(10);
        loop {
            let screen = tmux.screen();
            let seen = screen
                .lines()
                .any(|l| l.contains("scale-000/app-0000 ") && l.contains(&want));
            if seen {
                samples.push(t0.elapsed().as_secs_f64() * 1000.0);
                break;
            }
            if Instant::now() > deadline {
                break;
            }
        }
        tokio::time::sleep(Duration::from_millis(300)).await;
    }
    latency_cell(samples, n)
}

fn latency_cell(mut samples: Vec<f64>, n: usize) -> String {
    samples.sort_by(f64::total_cmp);
    let missed = n - samples.len();
    let mut cell = format!(
        "{:.0} / {:.0} ms",
        percentile(&samples, 0.5),
        percentile(&samples, 0.99)
    );
    if missed > 0 {
        cell.push_str(&format!(" ({missed} of {n} not seen in 10 s)"));
    }
    cell
}

// ---------------------------------------------------------------------------------------
// kubectl get pods -A -w

struct KubectlWatch {
    child: Child,
    started: Instant,
    out: PathBuf,
    err: PathBuf,
}

struct WatchOutcome {
    error: Option<String>,
    lines: usize,
    rss_mib: f64,
    cpu_pct: f64,
}

impl KubectlWatch {
    fn start(sim: &Sim, kubectl: &Path, dir: &Path) -> KubectlWatch {
        let out = dir.join("kubectl-w.out");
        let err = dir.join("kubectl-w.err");
        let child = Command::new(kubectl)
            .args(["get", "pods", "-A", "-w"])
            .env("KUBECONFIG", &sim.kubeconfig)
            .stdout(std::fs::File::create(&out).unwrap())
            .stderr(std::fs::File::create(&err).unwrap())
            .spawn()
            .expect("start kubectl");
        KubectlWatch {
            child,
            started: Instant::now(),
            out,
            err,
        }
    }

    fn lines(&self) -> usize {
        std::fs::read(&self.out)
            .map(|b| b.iter().filter(|c| **c == b'\n').count())
            .unwrap_or(0)
    }

    /// Lets it run until `total` has passed since it started; what happened.
    fn survive(mut self, total: Duration) -> WatchOutcome {
        let pid = self.child.id().to_string();
        // CPU over the last 30 s of its run
        let window = Duration::from_secs(30).min(total);
        let until_window = total.saturating_sub(window);
        while self.started.elapsed() < until_window {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let c0 = proc::cpu_ticks(&pid);
        let rss = proc::mib(proc::rss_kib(&pid));
        while self.started.elapsed() < total {
            if let Ok(Some(_)) = self.child.try_wait() {
                break;
            }
            std::thread::sleep(Duration::from_millis(500));
        }
        let c1 = proc::cpu_ticks(&pid);
        let exited = self.child.try_wait().ok().flatten();
        let stderr = std::fs::read_to_string(&self.err).unwrap_or_default();
        let error = match (exited, stderr.trim()) {
            (None, "") => None,
            (Some(status), "") => Some(format!("exited ({status})")),
            (_, e) => Some(e.lines().next().unwrap_or(e).to_string()),
        };
        let lines = self.lines();
        let _ = self.child.kill();
        let _ = self.child.wait();
        WatchOutcome {
            error,
            lines,
            rss_mib: rss,
            cpu_pct: c1.saturating_sub(c0) as f64 / 100.0 / window.as_secs_f64() * 100.0,
        }
    }
}

/// kubectl at churn 0: time to the whole list printed, RSS, CPU and requests over the
/// window, and a pod's label change → its line printed.
async fn measure_kubectl(sim: &Sim, kubectl: &Path, window: Duration) -> (Figures, String) {
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    let w = KubectlWatch::start(sim, kubectl, dir.path());
    let client = sim.client().await;
    let pods: Api<Pod> = Api::all(client.clone());
    let total = pods
        .list_metadata(&ListParams::default())
        .await
        .map(|l| l.items.len())
        .unwrap_or(0);
    let mut first = None;
    while start.elapsed() < Duration::from_secs(60) {
        if w.lines() > total {
            first = Some(start.elapsed());
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let figures = steady(sim, &w.child.id().to_string(), first, window);
    println!("kubectl: {figures:?}");
    // a label change on one pod → its line printed
    let in_ns: Api<Pod> = Api::namespaced(client, "scale-000");
    let pod = in_ns
        .list_metadata(&ListParams::default().limit(1))
        .await
        .ok()
        .and_then(|l| l.items.into_iter().next())
        .and_then(|p| p.metadata.name);
    let mut samples = Vec::new();
    let n = 20;
    if let Some(pod) = pod {
        for i in 0..n {
            let before = std::fs::read_to_string(&w.out).unwrap_or_default().len();
            let patch = json!({"metadata": {"labels": {"bench": format!("v{i}")}}});
            let t0 = Instant::now();
            if in_ns
                .patch(&pod, &PatchParams::default(), &Patch::Merge(&patch))
                .await
                .is_err()
            {
                break;
            }
            while t0.elapsed() < Duration::from_secs(10) {
                let text = std::fs::read_to_string(&w.out).unwrap_or_default();
                if text.get(before..).is_some_and(|new| new.contains(&pod)) {
                    samples.push(t0.elapsed().as_secs_f64() * 1000.0);
                    break;
                }
                std::thread::sleep(Duration::from_millis(1));
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
    }
    let mut child = w.child;
    let _ = child.kill();
    let _ = child.wait();
    (figures, latency_cell(samples, n))
}

// ---------------------------------------------------------------------------------------
// finding the peers

fn on_path(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|p| p.join(name))
            .find(|p| p.is_file())
    })
}

fn find_kubectl() -> Option<PathBuf> {
    if let Some(k) = std::env::var_os("KUBECHAT_TEST_KUBECTL") {
        return Some(PathBuf::from(k));
    }
    on_path("kubectl.1.33").or_else(|| on_path("kubectl"))
}

fn find_or_install_kdash() -> Option<String> {
    // $KDASH names it (and, naming nothing, leaves it out)
    if let Some(k) = std::env::var_os("KDASH") {
        let k = PathBuf::from(k);
        return k.is_file().then(|| k.display().to_string());
    }
    let home = std::env::var("HOME").unwrap_or_default();
    let cargo_bin = PathBuf::from(&home).join(".cargo/bin/kdash");
    let found = on_path("kdash").or_else(|| cargo_bin.is_file().then(|| cargo_bin.clone()));
    if let Some(k) = found {
        return Some(k.display().to_string());
    }
    println!("kdash not found: cargo install kdash --locked (once, a few minutes)");
    let ok = Command::new("cargo")
        .args(["install", "kdash", "--locked"])
        .status()
        .is_ok_and(|s| s.success());
    (ok && cargo_bin.is_file()).then(|| cargo_bin.display().to_string())
}
