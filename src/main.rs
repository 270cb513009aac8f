//! Wiring only: cli → config → logging → terminal guard → app::run.

use std::path::Path;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;
use kube::config::{KubeConfigOptions, Kubeconfig};

use kubechat_ops::cli::{Cli, Command};
use kubechat_ops::cluster::scope::Scope;
use kubechat_ops::config::{Config, Paths};
use kubechat_ops::io::kube_writer::KubeWriter;
use kubechat_ops::keymap::Keymap;
use kubechat_ops::shell::{State, StateInit};
use kubechat_ops::theme::Theme;
use kubechat_ops::{app, kpi, logging, terminal};
use kubechat_sim::{SimHandle, SimOptions};

const DEFAULT_NAMESPACE: &str = "kubechat-system";

/// Threads for the async runtime. The console alone needs one besides its own loop (the
/// main thread): decoding a thousand watch events a second is a tenth of a core, and a
/// second worker only adds wake-ups between the two (measured at churn 200: a fifth of the
/// console's CPU went to parking and waking workers). The simulator (`sim`, `--demo`)
/// serves many clients and runs its control loop: it gets two.
fn worker_threads(cli: &Cli) -> usize {
    let serves =
        matches!(cli.command, Some(kubechat_ops::cli::Command::Sim(_))) || cli.demo.is_some();
    if serves {
        2
    } else {
        1
    }
}

fn main() -> ExitCode {
    let started = Instant::now();
    kubechat_sim::memory::limit_arenas();
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(worker_threads(&cli))
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("kubechat-ops: cannot start the async runtime: {e}");
            return ExitCode::from(1);
        }
    };
    let result = runtime.block_on(run(cli, started));
    terminal::restore();
    runtime.shutdown_timeout(Duration::from_millis(200));
    match result {
        Ok(code) => code,
        Err(e) => {
            eprintln!("kubechat-ops: {e:#}");
            ExitCode::from(1)
        }
    }
}

async fn run(cli: Cli, started: Instant) -> anyhow::Result<ExitCode> {
    match cli.command {
        Some(Command::Sim(args)) => {
            kubechat_sim::handle::run_cli(args).await?;
            return Ok(ExitCode::SUCCESS);
        }
        Some(Command::Check(args)) => {
            return check(cli.config.as_deref(), cli.context.clone(), args).await
        }
        Some(Command::Incident(args)) => {
            let paths = Paths::discover()?;
            let code = kubechat_ops::commands::incident::run(args, &paths);
            return Ok(ExitCode::from(code));
        }
        Some(Command::Audit(args)) => {
            let code = kubechat_ops::commands::audit::run(
                args,
                cli.context,
                cli.namespace,
                DEFAULT_NAMESPACE,
            )
            .await;
            return Ok(ExitCode::from(code));
        }
        Some(Command::Runbook(args)) => {
            let globals = kubechat_ops::commands::runbook::Globals {
                context: cli.context.clone(),
                namespace: cli.namespace.clone(),
                read_only: cli.read_only,
                config_file: cli.config.clone(),
            };
            let code = kubechat_ops::commands::runbook::run(args, globals).await;
            return Ok(ExitCode::from(code));
        }
        Some(Command::Rollout(args)) => {
            let namespace = cli
                .namespace
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
            let code =
                kubechat_ops::commands::rollout_status::run(args, cli.context, namespace).await;
            return Ok(ExitCode::from(code));
        }
        Some(Command::Backup(args)) => {
            let paths = Paths::discover()?;
            let (config, warning) = Config::load(cli.config.as_deref(), &paths.config_file())?;
            if let Some(w) = warning {
                eprintln!("warning: {w}");
            }
            let namespace = cli
                .namespace
                .or(config.namespace.clone())
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
            let policy = config.backups.policy();
            let code =
                kubechat_ops::commands::backup::run(args, cli.context, namespace, policy).await;
            return Ok(ExitCode::from(code));
        }
        Some(Command::Snapshot(args)) => {
            let paths = Paths::discover()?;
            let (config, _) = Config::load(cli.config.as_deref(), &paths.config_file())?;
            let namespace = cli
                .namespace
                .or(config.namespace.clone())
                .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());
            let dir = paths.data_dir.join("snapshots");
            let code = kubechat_ops::commands::snapshot::run(
                args,
                cli.context,
                namespace,
                dir,
                cli.read_only,
                &config,
            )
            .await;
            return Ok(ExitCode::from(code));
        }
        None => {}
    }
    console(cli, started).await.map(|()| ExitCode::SUCCESS)
}

async fn console(cli: Cli, started: Instant) -> anyhow::Result<()> {
    let paths = Paths::discover()?;
    let (config, warning) = Config::load(cli.config.as_deref(), &paths.config_file())?;
    let mut warnings: Vec<String> = warning.into_iter().collect();
    let log = logging::init(&paths.state_dir, &cli.log_level)?;
    tracing::info!("kubechat-ops {} starting", env!("CARGO_PKG_VERSION"));

    let namespace = cli
        .namespace
        .clone()
        .or(config.namespace.clone())
        .unwrap_or_else(|| DEFAULT_NAMESPACE.to_string());

    // The demo: asked for, or no cluster configured at all.
    let demo = cli.demo.clone().or_else(|| {
        (!cluster_configured()).then(|| {
            warnings
                .push("no Kubernetes cluster configured: running the embedded demo".to_string());
            "default".to_string()
        })
    });
    let mut _sim = None;
    let step_kubeconfig: Option<Kubeconfig>;
    let (kube_config, context) = match &demo {
        Some(scenario) => {
            let sim = SimHandle::start(SimOptions {
                scenario: scenario.clone(),
                speed: cli.demo_speed,
                warm_history: true,
                ..SimOptions::default()
            })
            .await
            .with_context(|| format!("cannot start the demo scenario {scenario:?}"))?;
            let config = kube::Config::from_custom_kubeconfig(
                sim.kubeconfig(),
                &KubeConfigOptions::default(),
            )
            .await
            .context("the demo cluster's kubeconfig")?;
            step_kubeconfig = Some(sim.kubeconfig());
            _sim = Some(sim);
            (config, "kubechat-sim".to_string())
        }
        None => {
            let options = KubeConfigOptions {
                context: cli.context.clone(),
                ..Default::default()
            };
            let config = kube::Config::from_kubeconfig(&options)
                .await
                .or_else(|e| kube::Config::incluster().map_err(|_| e))
                .context("cannot load the Kubernetes configuration")?;
            let context = cli.context.clone().unwrap_or_else(current_context);
            step_kubeconfig = Kubeconfig::read().ok();
            (config, context)
        }
    };
    let read_only = config.read_only(cli.read_only, &context);
    if read_only && !cli.read_only {
        warnings.push(format!(
            "context {context} is read-only by the config's read_only_contexts"
        ));
    }
    let client = kube::Client::try_from(kube_config.clone())
        .context("cannot build the Kubernetes client")?;
    let watch_client = kubechat_ops::io::kube_watch::watch_client(
        &kube_config,
        kubechat_ops::io::kube_watch::SILENT_WATCH_TIMEOUT,
    )
    .context("cannot build the Kubernetes client")?;
    // The writer is built only in read-write mode: in read-only mode nothing can write.
    let writer = (!read_only).then(|| KubeWriter::new(client.clone(), &namespace));

    let theme_name = cli
        .theme
        .clone()
        .or(config.theme.clone())
        .unwrap_or_else(|| "dark".into());
    let theme = if std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()) {
        Theme::no_color()
    } else {
        let (theme, warning) = Theme::load(&theme_name, Some(&paths.config_dir));
        warnings.extend(warning);
        theme
    };
    let (keymap, keymap_warnings) = Keymap::load(Some(&paths.config_dir.join("keymap.toml")));
    warnings.extend(keymap_warnings);
    let (kpi_defs, kpi_warnings) = kpi::defs::load(Some(&paths.config_dir.join("kpis.yaml")));
    let kpi_board = kpi::KpiBoard::new(kpi_defs.clone());
    warnings.extend(kpi_warnings);

    let prometheus = kubechat_ops::io::prom_source::resolve(
        cli.prometheus
            .as_deref()
            .or(config.prometheus.url.as_deref()),
        _sim.as_ref().map(|s: &SimHandle| s.url()),
        &config.prometheus,
        Some(&kube_config),
    )?;
    let prom_label = prometheus.base_url.clone();
    let interval = Duration::from_secs(config.prometheus.interval_seconds.max(1));
    let mut extra: Vec<app::Producer> = Vec::new();
    let prom_for_checks = kubechat_ops::io::prom::PromClient::new(prometheus.clone()).ok();
    let prom_client = kubechat_ops::io::prom::PromClient::new(prometheus)?;
    extra.push(Box::new(move |tx| {
        kubechat_ops::io::prom::spawn_poller(prom_client, kpi_defs.clone(), interval, tx)
    }));
    for w in &warnings {
        tracing::warn!("{w}");
    }

    let scope = if cli.all_namespaces {
        Scope::All
    } else {
        Scope::Namespace(namespace.clone())
    };
    let context_name = context.clone();
    let mut state = State::new(StateInit {
        context,
        scope: scope.clone(),
        read_only,
        demo: demo.clone(),
        keymap,
        prometheus: Some(prom_label),
        warnings,
    });
    state.kpis = kpi_board;
    state.panes.incidents = incidents_model(&paths, &config, &mut state.pending_warnings);
    state.panes.rollouts.guided_config = kubechat_ops::panes::rollouts::guided::GuidedConfig {
        error_rate_kpi: config.rollouts.switch_error_rate_kpi.clone(),
        window: jiff::SignedDuration::from_secs(config.rollouts.switch_monitor_seconds as i64),
        threshold_pct: config.rollouts.switch_error_threshold_percent,
        delete_after: jiff::SignedDuration::from_secs(config.rollouts.cleanup_delay_seconds as i64),
    };
    state.panes.backups.policy = config.backups.policy();
    state.panes.backups.tz = Some(jiff::tz::TimeZone::system());
    let (runbooks, runbook_warnings) = kubechat_ops::io::runbook_files::load(&paths.config_dir);
    state.pending_warnings.extend(runbook_warnings);
    let runs_dir = kubechat_ops::io::runbook_runs::runs_dir(&paths.data_dir);
    let (saved_runs, run_warnings) = kubechat_ops::io::runbook_runs::load(&runs_dir);
    state.pending_warnings.extend(run_warnings);
    state.panes.runbooks =
        kubechat_ops::panes::runbooks::Model::new(runbooks, saved_runs, &namespace);
    let runbook_sources = runbook_sources(
        step_kubeconfig.as_ref(),
        &context_name,
        &namespace,
        &kube_config,
        prom_for_checks,
        runs_dir,
        &mut state.pending_warnings,
    );
    let sources = app::Sources {
        runbooks: runbook_sources,
        kube: client,
        kube_watch: watch_client,
        namespace,
        scope,
        writer,
        extra,
        incidents: Some(kubechat_ops::io::incident_journal::journal_dir(
            &paths.data_dir,
        )),
        team_incidents: config.incidents.team,
        snapshots: Some((paths.data_dir.join("snapshots"), state.context.clone())),
    };
    let mut guard = terminal::TerminalGuard::new(Some(log.path.display().to_string()))?;
    let result = app::run(&mut guard.terminal, state, &theme, sources, started).await;
    drop(guard);
    if let Some(sim) = _sim {
        sim.shutdown().await;
    }
    result
}

/// Where runbook steps run: a private kubeconfig with only the console's context (the
/// demo's own in `--demo`), a client for checks that takes a 503 as the answer.
fn runbook_sources(
    kubeconfig: Option<&Kubeconfig>,
    context: &str,
    namespace: &str,
    kube_config: &kube::Config,
    prom: Option<kubechat_ops::io::prom::PromClient>,
    runs_dir: std::path::PathBuf,
    warnings: &mut Vec<String>,
) -> Option<app::RunbookSources> {
    let Some(kubeconfig) = kubeconfig else {
        warnings.push("no kubeconfig: runbook steps cannot run in this console".into());
        return None;
    };
    let env = match kubechat_ops::io::runbook_runner::RunEnv::prepare(
        kubeconfig,
        context,
        namespace,
        &std::env::temp_dir(),
    ) {
        Ok(env) => env,
        Err(e) => {
            warnings.push(format!("runbook steps cannot run: {e:#}"));
            return None;
        }
    };
    let mut check_config = kube_config.clone();
    check_config.default_retry = false;
    let client = kube::Client::try_from(check_config).ok()?;
    Some(app::RunbookSources {
        env,
        checks: kubechat_ops::io::runbook_checks::CheckCx {
            client,
            namespace: namespace.to_string(),
            prom,
        },
        runs_dir,
    })
}

/// The Incidents pane's model: the severity levels (the config dir's file or the built-in
/// ones), an origin naming this process in entry ids, team mode.
fn incidents_model(
    paths: &Paths,
    config: &Config,
    warnings: &mut Vec<String>,
) -> kubechat_ops::panes::incidents::Model {
    let (severities, severity_warnings) =
        kubechat_ops::io::incident_journal::load_severities(&paths.config_dir);
    warnings.extend(severity_warnings);
    // unique beside other consoles and the headless commands
    let origin = format!(
        "console-{}-{}",
        std::process::id(),
        jiff::Timestamp::now().as_second()
    );
    let mut model = kubechat_ops::panes::incidents::Model::new(&origin, severities);
    model.team = config.incidents.team;
    model
}

/// `kubechat-ops check`: Prometheus from `--prometheus`, the config, or the Kubernetes
/// service proxy of the current (or `--context`) cluster.
async fn check(
    config_file: Option<&Path>,
    context: Option<String>,
    mut args: kubechat_ops::commands::check::CheckArgs,
) -> anyhow::Result<ExitCode> {
    let paths = Paths::discover()?;
    let (config, warning) = Config::load(config_file, &paths.config_file())?;
    if let Some(w) = warning {
        eprintln!("warning: {w}");
    }
    let (defs, warnings) = kpi::defs::load(Some(&paths.config_dir.join("kpis.yaml")));
    for w in warnings {
        eprintln!("warning: {w}");
    }
    let explicit = args.prometheus.take().or(config.prometheus.url.clone());
    let kube_config = match &explicit {
        Some(_) => None,
        None if cluster_configured() => {
            let options = KubeConfigOptions {
                context,
                ..Default::default()
            };
            kube::Config::from_kubeconfig(&options).await.ok()
        }
        None => None,
    };
    let mut settings = config.prometheus.clone();
    settings.timeout_seconds = args.timeout.as_secs().max(1);
    let prom = kubechat_ops::io::prom_source::resolve(
        explicit.as_deref(),
        None,
        &settings,
        kube_config.as_ref(),
    )?;
    let code = match kubechat_ops::io::prom::PromClient::new(prom) {
        Ok(client) => kubechat_ops::commands::check::run_with(&client, &args, defs).await,
        Err(e) => {
            eprintln!("check: {e:#}");
            2
        }
    };
    Ok(ExitCode::from(code.clamp(0, 255) as u8))
}

/// True when a kubeconfig or an in-cluster service account is there to use.
fn cluster_configured() -> bool {
    if std::env::var_os("KUBERNETES_SERVICE_HOST").is_some() {
        return true;
    }
    if let Some(paths) = std::env::var_os("KUBECONFIG").filter(|v| !v.is_empty()) {
        return std::env::split_paths(&paths).any(|p| p.exists());
    }
    std::env::var_os("HOME").is_some_and(|home| Path::new(&home).join(".kube/config").exists())
}

fn current_context() -> String {
    Kubeconfig::read()
        .ok()
        .and_then(|k| k.current_context)
        .unwrap_or_else(|| "in-cluster".into())
}
