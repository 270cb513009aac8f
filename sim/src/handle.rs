//! Starting and stopping the simulator in-process (owner: sim-api): [`SimHandle`] for
//! `--demo` and tests, [`run_cli`] for `kubechat-ops sim`.

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use serde_json::json;
use tokio::task::JoinHandle;

use super::clock::SimClock;
use super::server::lifecycle::ServerControl;
use super::server::{crds, Faults};
use super::store::{HistoryLimits, Store};
use super::{controllers, promql, resources, scenario, traffic, SimShared};

/// Namespaces every simulated cluster has before the scenario is seeded.
pub const BASE_NAMESPACES: &[&str] = &[
    "default",
    "kube-system",
    "monitoring-system",
    "kubechat-system",
];
/// The kubeconfig context (and cluster and user) name.
pub const CONTEXT: &str = "kubechat-sim";
pub const DEFAULT_NAMESPACE: &str = "kubechat-system";

#[derive(Debug, Clone)]
pub struct SimOptions {
    pub listen: SocketAddr,
    /// A built-in scenario name or a path to a scenario YAML file.
    pub scenario: String,
    /// How much faster than real time the simulated clock runs.
    pub speed: f64,
    /// Allow listening on a non-loopback address.
    pub allow_remote: bool,
    /// Start as though KubeChat had been serving for a while: the query API answers
    /// `rate(...[5m])` with the real rate at once (the demo; off for comparisons with a
    /// real Prometheus, which has no such history).
    pub warm_history: bool,
    /// The size of the generated `scale` scenario (ignored for other scenarios); `None`
    /// is [`scenario::ScaleParams::default`].
    pub scale: Option<scenario::ScaleParams>,
    /// Run the simulated control plane (controllers, kubelet, traffic). Off, the server is
    /// the API alone: objects change only when a client writes them (tests of API semantics
    /// that must not race a controller).
    pub control_plane: bool,
    /// How much watch history each resource keeps (kube-apiserver's 75 s by default).
    pub history: HistoryLimits,
}

impl Default for SimOptions {
    fn default() -> Self {
        SimOptions {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            scenario: "default".into(),
            speed: 1.0,
            allow_remote: false,
            warm_history: false,
            scale: None,
            control_plane: true,
            history: HistoryLimits::default(),
        }
    }
}

/// A running simulator. Dropping it aborts its tasks; prefer [`SimHandle::shutdown`].
pub struct SimHandle {
    shared: Arc<SimShared>,
    addr: SocketAddr,
    control: Arc<ServerControl>,
    background: Vec<JoinHandle<()>>,
}

fn refuse_remote(addr: SocketAddr, allow_remote: bool) -> anyhow::Result<()> {
    if !addr.ip().is_loopback() && !allow_remote {
        anyhow::bail!("refusing to listen on {addr}: not a loopback address (pass --allow-remote to allow it)");
    }
    Ok(())
}

/// The store a new simulator starts with: base namespaces, the CRDs, the scenario's objects.
fn initial_store(
    clock: SimClock,
    scenario: &scenario::Scenario,
    history: HistoryLimits,
) -> anyhow::Result<Store> {
    let mut store = Store::new(clock, history);
    let namespaces = resources::core("namespaces");
    for ns in BASE_NAMESPACES {
        store
            .create_internal(namespaces, "", json!({"metadata": {"name": ns}}))
            .with_context(|| format!("creating namespace {ns}"))?;
    }
    let crd = resources::of("apiextensions.k8s.io", "customresourcedefinitions");
    for res in crds::custom_resources() {
        store
            .create_internal(crd, "", crds::definition(res))
            .with_context(|| format!("creating the CRD of {}", res.key()))?;
    }
    scenario::seed(scenario, &mut store)
        .with_context(|| format!("seeding scenario {}", scenario.name))?;
    Ok(store)
}

impl SimHandle {
    pub async fn start(opts: SimOptions) -> anyhow::Result<SimHandle> {
        refuse_remote(opts.listen, opts.allow_remote)?;
        let clock = SimClock::new(opts.speed);
        let scenario = match opts.scale {
            Some(params) if opts.scenario == "scale" => scenario::Scenario::scale(params),
            _ => scenario::load(&opts.scenario)
                .with_context(|| format!("loading scenario {}", opts.scenario))?,
        };
        let store = initial_store(clock.clone(), &scenario, opts.history)?;
        let traffic = traffic::Traffic::new(&scenario);
        if opts.warm_history {
            traffic.warm_start(traffic::WARM_SPAN);
        }
        let shared = Arc::new(SimShared {
            store: store.shared(),
            clock,
            scenario: Arc::new(scenario),
            traffic,
            tsdb: promql::Tsdb::default(),
            faults: Faults::default(),
            audit: Default::default(),
        });
        let (control, supervisor) = ServerControl::start(shared.clone(), opts.listen).await?;
        let mut background = vec![supervisor, promql::spawn_recorder(shared.clone())];
        if opts.control_plane {
            background.push(controllers::spawn(shared.clone()));
        }
        Ok(SimHandle {
            shared,
            addr: control.addr(),
            control,
            background,
        })
    }

    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://127.0.0.1:PORT`
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn shared(&self) -> Arc<SimShared> {
        self.shared.clone()
    }

    /// A kubeconfig whose current context `kubechat-sim` points at this simulator, with
    /// namespace `kubechat-system`.
    pub fn kubeconfig(&self) -> kube::config::Kubeconfig {
        kube::config::Kubeconfig::from_yaml(&self.kubeconfig_yaml())
            .expect("the generated kubeconfig is valid")
    }

    fn kubeconfig_yaml(&self) -> String {
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: {CONTEXT}\n  cluster:\n    server: {url}\nusers:\n- name: {CONTEXT}\n  user: {{}}\ncontexts:\n- name: {CONTEXT}\n  context:\n    cluster: {CONTEXT}\n    user: {CONTEXT}\n    namespace: {DEFAULT_NAMESPACE}\ncurrent-context: {CONTEXT}\npreferences: {{}}\n",
            url = self.url()
        )
    }

    pub fn write_kubeconfig(&self, path: &Path) -> anyhow::Result<()> {
        std::fs::write(path, self.kubeconfig_yaml())
            .with_context(|| format!("writing kubeconfig {}", path.display()))
    }

    /// A kube client for this simulator (default namespace `kubechat-system`). Call it
    /// inside a tokio runtime.
    pub fn client(&self) -> kube::Client {
        let url = self.url().parse().expect("our own URL parses");
        let mut config = kube::Config::new(url);
        config.default_namespace = DEFAULT_NAMESPACE.into();
        kube::Client::try_from(config).expect("a plain-HTTP client needs no TLS setup")
    }

    /// Every write request ("METHOD path") a client has sent to the Kubernetes API.
    pub fn client_writes(&self) -> Vec<String> {
        self.shared.audit.writes()
    }

    /// Every open watch stream goes silent (`Faults::stall_watches`).
    pub fn stall_watches(&self) {
        self.shared.faults.stall_watches();
    }

    /// Ends every open watch stream (clients see the stream end and re-watch).
    pub fn drop_watches(&self) {
        self.shared.faults.drop_watches();
    }

    /// Refuses connections for `d`: the listener is closed until then (clients get
    /// "connection refused") and open connections are cut; `Duration::ZERO` ends it.
    pub fn refuse_connections_for(&self, d: Duration) {
        self.shared.faults.refuse_connections_for(d);
    }

    /// Closes the listener and every connection; the state is kept.
    pub async fn stop(&self) {
        self.control.stop().await;
    }

    /// Listens again on the same port, with the same state.
    pub async fn restart(&self) -> anyhow::Result<()> {
        self.control.restart().await
    }

    /// Stops the server and the simulated control plane.
    pub async fn shutdown(mut self) {
        self.stop().await;
        for task in self.background.drain(..) {
            task.abort();
        }
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        for task in &self.background {
            task.abort();
        }
        self.control.abort();
    }
}

/// `kubechat-ops sim`: run the simulated cluster until SIGINT or SIGTERM.
///
/// The `scale` scenario is generated: `--deployments`, `--pods` and `--churn` size it
/// (e.g. `kubechat-ops sim --scenario scale --deployments 2000 --pods 10000 --churn 200`).
#[derive(Debug, Clone, clap::Args)]
pub struct SimArgs {
    /// Address to listen on (port 0 picks a free port).
    #[arg(long, default_value = "127.0.0.1:0")]
    pub listen: SocketAddr,
    /// A built-in scenario name or a path to a scenario YAML file.
    #[arg(long, default_value = "default")]
    pub scenario: String,
    /// Write a kubeconfig pointing at the simulator to FILE.
    #[arg(long, value_name = "FILE")]
    pub kubeconfig_out: Option<PathBuf>,
    /// Run the simulated clock X times faster than real time.
    #[arg(long, value_name = "X", default_value_t = 1.0)]
    pub speed: f64,
    /// Allow listening on a non-loopback address.
    #[arg(long)]
    pub allow_remote: bool,
    /// Scenario `scale` only: how many Deployments to generate [default: 2000].
    #[arg(long, value_name = "N")]
    pub deployments: Option<usize>,
    /// Scenario `scale` only: pods in all, spread over the Deployments [default: 10000].
    #[arg(long, value_name = "N")]
    pub pods: Option<usize>,
    /// Scenario `scale` only: pods deleted (and replaced) per simulated second
    /// [default: 200].
    #[arg(long, value_name = "N")]
    pub churn: Option<f64>,
    /// Start without the made-up past: the query API's series begin now, as a real
    /// Prometheus scraping the simulator sees them (by default the simulator starts with
    /// 10 minutes of synthetic history, for the console's demo).
    #[arg(long)]
    pub no_warm_history: bool,
}

impl SimArgs {
    /// The scale scenario's size from `--deployments/--pods/--churn` (defaults for the
    /// ones not given); `None` when none is given. An error if one is given for another
    /// scenario or is out of range.
    pub fn scale_params(&self) -> anyhow::Result<Option<scenario::ScaleParams>> {
        if self.deployments.is_none() && self.pods.is_none() && self.churn.is_none() {
            return Ok(None);
        }
        if self.scenario != "scale" {
            anyhow::bail!(
                "--deployments, --pods and --churn size the `scale` scenario only (got --scenario {})",
                self.scenario
            );
        }
        let default = scenario::ScaleParams::default();
        let params = scenario::ScaleParams {
            deployments: self.deployments.unwrap_or(default.deployments),
            pods: self.pods.unwrap_or(default.pods),
            churn_per_sec: self.churn.unwrap_or(default.churn_per_sec),
        };
        if params.deployments == 0 {
            anyhow::bail!("--deployments must be at least 1");
        }
        if !(params.churn_per_sec.is_finite() && params.churn_per_sec >= 0.0) {
            anyhow::bail!(
                "--churn must be a number of pods per second >= 0, got {}",
                params.churn_per_sec
            );
        }
        Ok(Some(params))
    }
}

pub async fn run_cli(args: SimArgs) -> anyhow::Result<()> {
    use tokio::signal::unix::{signal, SignalKind};
    // Handlers first, so a SIGTERM sent right after the first line is caught.
    let mut int = signal(SignalKind::interrupt()).context("installing the SIGINT handler")?;
    let mut term = signal(SignalKind::terminate()).context("installing the SIGTERM handler")?;
    let stop = async move {
        tokio::select! {
            _ = int.recv() => {}
            _ = term.recv() => {}
        }
    };
    serve_until(args, &mut std::io::stdout(), stop).await
}

/// [`run_cli`] with its output and its stop signal given: prints
/// `listening on http://ADDR` as the first line of `out` (after writing the kubeconfig)
/// and serves until `stop` completes.
pub async fn serve_until(
    args: SimArgs,
    out: &mut (dyn Write + Send),
    stop: impl std::future::Future<Output = ()>,
) -> anyhow::Result<()> {
    refuse_remote(args.listen, args.allow_remote)?;
    if !(args.speed.is_finite() && args.speed > 0.0) {
        anyhow::bail!("--speed must be a positive number, got {}", args.speed);
    }
    let scale = args.scale_params()?;
    let handle = SimHandle::start(SimOptions {
        listen: args.listen,
        scenario: args.scenario,
        speed: args.speed,
        allow_remote: args.allow_remote,
        warm_history: !args.no_warm_history,
        scale,
        control_plane: true,
        history: HistoryLimits::default(),
    })
    .await?;
    // The kubeconfig is written first: whoever reads the first line can use it at once.
    if let Some(path) = &args.kubeconfig_out {
        handle.write_kubeconfig(path)?;
    }
    writeln!(out, "listening on {}", handle.url())?;
    out.flush()?;
    stop.await;
    handle.shutdown().await;
    Ok(())
}
