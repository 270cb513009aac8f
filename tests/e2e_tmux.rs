//! End to end: the built binary in tmux, driven by keys, read by capture-pane.
//! - `--demo`: the dashboard shows the simulated deployments, keys move focus and open
//!   help, `q` quits with exit 0 and the terminal is restored.
//! - `--read-only` against a simulated cluster in this process: every mutating key is
//!   refused on screen and no write request reaches the cluster.
//! - the cluster stops while the console runs: Kubernetes shows as disconnected with the
//!   data's age, and recovers by itself when the cluster comes back.

#[path = "support/bin.rs"]
mod bin;
#[path = "common/console.rs"]
mod console;
#[path = "support/skip.rs"]
mod skip;
#[path = "common/tmux.rs"]
mod tmux;

use std::path::Path;
use std::time::Duration;

use console::{skip_without_tmux, start};
use kubechat_sim::{SimHandle, SimOptions};
use tmux::Tmux;

/// A simulated cluster in this process and the console in tmux against it (its kubeconfig
/// written into the test's directory), with `args` and `extra_env`.
async fn console_against_sim(
    dir: &Path,
    args: &str,
    extra_env: &[(&str, String)],
) -> (SimHandle, Tmux) {
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let kubeconfig = dir.join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let mut env = vec![("KUBECONFIG", kubeconfig.display().to_string())];
    env.extend(extra_env.iter().cloned());
    let t = start(dir, args, &env);
    (sim, t)
}

#[test]
fn demo_shows_the_cluster_moves_focus_opens_help_and_quits_cleanly() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = start(dir.path(), "--demo", &[]);
    let screen = t.wait_text("kubechat-api-gateway");
    assert!(screen.contains("DEMO"), "{screen}");
    assert!(screen.contains("READ-WRITE"), "{screen}");
    t.wait_text("postgres-primary");

    // Focus starts on Rollouts (the heavy border); Tab moves it to KPIs, 3 to the timeline.
    t.wait_text("┏ 1 Rollouts");
    t.keys(&["Tab"]);
    t.wait_text("┏ 2 KPIs");
    t.keys(&["3"]);
    t.wait_text("┏ 3 Timeline");

    t.keys(&["?"]);
    t.wait_text("Keys (Esc closes)");
    t.keys(&["Escape"]);
    t.wait_for("help closed", |s| !s.contains("Keys (Esc closes)"));

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "exit status; screen:\n{}", t.screen());
    t.restored().expect("terminal restored");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_every_mutating_key_and_writes_nothing() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (sim, t) =
        console_against_sim(dir.path(), "--read-only", &[("NO_COLOR", "1".into())]).await;
    let screen = t.wait_text("kubechat-api-gateway");
    assert!(screen.contains("READ-ONLY"), "{screen}");
    t.wait_text("postgres-primary");
    let before = spec_versions(&sim).await;

    // Every mutating key of the Rollouts pane, on the blue/green row and on the canary row.
    let keys = [
        ("s", "scale"),
        ("r", "restart"),
        ("u", "undo"),
        ("p", "pause-resume"),
        ("w", "switch-slot"),
        ("P", "promote"),
        ("F", "promote-full"),
        ("A", "abort"),
        ("R", "retry"),
    ];
    for _row in 0..4 {
        for (key, name) in keys {
            t.keys(&[key]);
            // No Escape between keys: ESC followed by a letter reads as Alt+letter.
            t.wait_text(&format!("read-only mode: {name} refused"));
        }
        t.keys(&["j"]);
    }
    t.keys(&[":"]);
    t.type_text("scale");
    t.keys(&["Enter"]);
    t.wait_text("read-only mode: scale refused");

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.restored().expect("terminal restored");
    assert_eq!(
        sim.client_writes(),
        Vec::<String>::new(),
        "writes reached the cluster"
    );
    assert_eq!(
        spec_versions(&sim).await,
        before,
        "the cluster's specs changed"
    );
    sim.shutdown().await;
}

/// What a write from the console would change: each Deployment's and Rollout's
/// `metadata.generation` (bumped by any spec change, scale included) and each Service's
/// resourceVersion (nothing in the simulator changes a Service on its own).
async fn spec_versions(sim: &SimHandle) -> Vec<(String, String)> {
    use kube::api::{Api, DynamicObject, ListParams};
    let client = sim.client();
    let mut out = Vec::new();
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(client.clone(), "kubechat-system");
    for d in deployments.list(&ListParams::default()).await.unwrap() {
        out.push((
            format!("deployment/{}", d.metadata.name.unwrap_or_default()),
            format!("{:?}", d.metadata.generation),
        ));
    }
    let services: Api<k8s_openapi::api::core::v1::Service> =
        Api::namespaced(client.clone(), "kubechat-system");
    for s in services.list(&ListParams::default()).await.unwrap() {
        out.push((
            format!("service/{}", s.metadata.name.unwrap_or_default()),
            s.metadata.resource_version.unwrap_or_default(),
        ));
    }
    let rollouts: Api<DynamicObject> = Api::namespaced_with(
        client,
        "kubechat-system",
        &kubechat_ops::io::kube_watch::rollout_resource(),
    );
    for r in rollouts.list(&ListParams::default()).await.unwrap() {
        out.push((
            format!("rollout/{}", r.metadata.name.unwrap_or_default()),
            format!("{:?}", r.metadata.generation),
        ));
    }
    out
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cluster_that_goes_away_shows_disconnected_and_recovers() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (sim, t) = console_against_sim(dir.path(), "", &[]).await;
    t.wait_text("postgres-primary");
    t.wait_text("● kube");

    sim.stop().await;
    let screen = t.wait_text("✕ kube");
    assert!(
        screen.contains("postgres-primary"),
        "the last data stays on screen:\n{screen}"
    );

    sim.restart().await.unwrap();
    t.wait_for("kube reconnected", |s| {
        s.contains("● kube") && !s.contains("✕ kube")
    });

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_write_scale_asks_confirmation_then_patches_the_cluster() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (sim, t) = console_against_sim(dir.path(), "", &[]).await;
    t.wait_text("READ-WRITE");
    t.wait_text("postgres-primary");
    // Walk down to the postgres-primary row and ask to scale it.
    t.wait_for("postgres-primary selected", |s| {
        let selected = s.contains(" postgres-primary · ");
        if !selected {
            t.keys(&["j"]);
        }
        selected
    });
    t.keys(&["s"]);
    t.wait_text("Replicas for deployment postgres-primary");
    t.keys(&["BSpace"]);
    t.type_text("2");
    t.keys(&["Enter"]);
    t.wait_text("Scale deployment postgres-primary from 1 to 2 replicas?");
    assert!(
        sim.client_writes().is_empty(),
        "nothing is written before the confirmation"
    );
    t.keys(&["y"]);
    t.wait_text("scale deployment postgres-primary to 2: done");

    let writes = sim.client_writes();
    assert_eq!(writes.len(), 1, "{writes:?}");
    assert!(
        writes[0].starts_with(
            "PATCH /apis/apps/v1/namespaces/kubechat-system/deployments/postgres-primary/scale"
        ),
        "{writes:?}"
    );
    let deployments: kube::Api<k8s_openapi::api::apps::v1::Deployment> =
        kube::Api::namespaced(sim.client(), "kubechat-system");
    let replicas = deployments
        .get("postgres-primary")
        .await
        .unwrap()
        .spec
        .unwrap()
        .replicas;
    assert_eq!(replicas, Some(2));

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    sim.shutdown().await;
}

#[test]
fn without_any_cluster_configured_the_demo_starts_and_says_so() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // HOME without ~/.kube/config, no KUBECONFIG: the README's `cargo run` on a fresh machine.
    let t = start(dir.path(), "", &[("KUBECONFIG", String::new())]);
    t.wait_text("running the embedded demo");
    t.wait_text("DEMO");
    t.wait_text("postgres-primary");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn an_unreachable_cluster_does_not_hang_start_up() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A port nothing listens on: the console opens at once and shows Kubernetes down.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let kubeconfig = dir.path().join("kubeconfig");
    std::fs::write(
        &kubeconfig,
        format!(
            "apiVersion: v1\nkind: Config\nclusters:\n- name: gone\n  cluster:\n    server: http://127.0.0.1:{port}\nusers:\n- name: gone\n  user: {{}}\ncontexts:\n- name: gone\n  context:\n    cluster: gone\n    user: gone\ncurrent-context: gone\n"
        ),
    )
    .unwrap();
    let t = start(
        dir.path(),
        "--prometheus http://127.0.0.1:9",
        &[("KUBECONFIG", kubeconfig.display().to_string())],
    );
    let screen = t.wait_text("✕ kube");
    assert!(screen.contains("gone"), "the context is named:\n{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.restored().expect("terminal restored");
}

#[test]
fn sigterm_quits_cleanly_and_restores_the_terminal() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = start(dir.path(), "--demo", &[]);
    t.wait_text("postgres-primary");
    // The pane runs the wrapper shell; the console is its child.
    let shell = t.pane("pane_pid");
    let out = std::process::Command::new("pgrep")
        .args(["-P", &shell])
        .output()
        .unwrap();
    let console = String::from_utf8_lossy(&out.stdout).trim().to_string();
    assert!(!console.is_empty(), "no console process under pid {shell}");
    let killed = std::process::Command::new("kill")
        .args(["-TERM", &console])
        .status()
        .unwrap();
    assert!(killed.success());
    assert_eq!(t.wait_exit(), 0);
    t.restored().expect("terminal restored after SIGTERM");
}

/// A config that polls Prometheus every second and watches a guided switch for 20 s. The
/// error-rate KPI is a 5-minute rate, so 20 s of a bad slot moves it only a fraction of the
/// way: the threshold is lowered to 0.3 % (a healthy demo serves about 0.1 % errors).
fn fast_guided_config(dir: &Path) {
    let config_dir = dir.join("config/kubechat-ops");
    std::fs::create_dir_all(&config_dir).unwrap();
    std::fs::write(
        config_dir.join("config.toml"),
        "[prometheus]\ninterval_seconds = 1\n[rollouts]\nswitch_monitor_seconds = 20\nswitch_error_threshold_percent = 0.3\n",
    )
    .unwrap();
}

/// Starts the guided switch on the blue/green pair (the first row) once the idle slot is
/// ready, and confirms it.
fn start_guided_switch(t: &Tmux) {
    t.wait_text("└ green · idle");
    t.wait_text("Error rate (5xx)");
    t.wait_for("the guided switch's confirmation", |s| {
        if s.contains("from blue to green, then watch") {
            return true;
        }
        if !s.contains("is not fully ready") {
            t.keys(&["g", "W"]);
        }
        false
    });
    t.keys(&["y"]);
}

#[test]
fn guided_switch_rolls_back_by_itself_when_green_serves_errors() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fast_guided_config(dir.path());
    let t = start(dir.path(), "--demo bad-green", &[]);
    start_guided_switch(&t);
    let screen = t.wait_text("rolled back to blue");
    assert!(screen.contains("error rate"), "says why:\n{screen}");
    t.wait_text("└ blue · serving");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

#[test]
fn guided_switch_completes_when_green_is_healthy() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    fast_guided_config(dir.path());
    let t = start(dir.path(), "--demo", &[]);
    start_guided_switch(&t);
    t.wait_text("green serves; error rate stayed");
    t.wait_text("└ green · serving");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

/// Selects the canary Rollout: the fourth row (the blue/green pair and its two slots come
/// first). Keys are sent at once, so the cursor cannot overshoot while the screen catches up.
fn select_canary(t: &Tmux) {
    t.wait_for("the rows", |s| {
        s.contains("canary") && s.contains("postgres-primary")
    });
    t.keys(&["g", "j", "j", "j"]);
    t.wait_text("Steps");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rolling_update_and_a_canary_progress_on_screen() {
    if skip_without_tmux() {
        return;
    }
    use kube::api::{Api, DynamicObject, Patch, PatchParams};
    let dir = tempfile::tempdir().unwrap();
    let (sim, t) = console_against_sim(dir.path(), "", &[]).await;
    t.wait_for("kubechat-log-shipper Healthy", |s| {
        s.lines()
            .any(|l| l.contains("kubechat-log-shipper") && l.contains("Healthy"))
    });
    t.wait_text("rollout finished: kubechat-log-shipper");

    // A rolling update made outside the console (as `kubectl set image` would).
    let deployments: Api<k8s_openapi::api::apps::v1::Deployment> =
        Api::namespaced(sim.client(), "kubechat-system");
    let image = serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "fluent-bit", "image": "fluent/fluent-bit:3.3"}]}}}});
    deployments
        .patch(
            "kubechat-log-shipper",
            &PatchParams::default(),
            &Patch::Strategic(&image),
        )
        .await
        .unwrap();
    t.wait_text("rollout started: kubechat-log-shipper");
    t.wait_for("the new image on the row, Healthy", |s| {
        s.lines().any(|l| {
            l.contains("kubechat-log-shipper") && l.contains("Healthy") && l.contains("3.3")
        })
    });

    // A canary: it pauses at its first step, the pane shows the step and the countdown.
    select_canary(&t);
    let rollouts: Api<DynamicObject> = Api::namespaced_with(
        sim.client(),
        "kubechat-system",
        &kubechat_ops::io::kube_watch::rollout_resource(),
    );
    let image = serde_json::json!({"spec": {"template": {"spec": {"containers": [{"name": "api-gateway", "image": "harbor.company.com/kubechat/api-gateway:2.4.2"}]}}}});
    rollouts
        .patch(
            "kubechat-api-gateway",
            &PatchParams::default(),
            &Patch::Merge(&image),
        )
        .await
        .unwrap();
    t.wait_text("Paused");
    let screen = t.wait_text("paused,");
    assert!(
        screen.contains("set 5%"),
        "the weight of the first step:\n{screen}"
    );

    // Promote (confirmed) moves it to the next step.
    t.keys(&["P"]);
    t.wait_text("Promote");
    t.keys(&["y"]);
    t.wait_text("set 10%");

    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    sim.shutdown().await;
}

#[test]
fn a_bad_canary_ends_degraded_and_the_pane_says_why() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // Twenty times real time: the canary's pauses and analysis intervals pass in seconds.
    let t = start(dir.path(), "--demo bad-canary --demo-speed 20", &[]);
    t.wait_text("kubechat-api-gateway");
    select_canary(&t);
    let screen = t.wait_for_within(Duration::from_secs(120), "the canary Degraded", |s| {
        s.lines()
            .any(|l| l.contains("canary") && l.contains("Degraded"))
    });
    assert!(
        screen.contains("Abort") || screen.contains("abort") || screen.contains("nalysis"),
        "the pane says why:\n{screen}"
    );
    // the analysis' measurements against its successCondition and failureLimit
    let screen = t.wait_text("failed of limit 3");
    assert!(screen.contains("result[0] >= 0.95"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}

/// `l` on a rollout opens its pods' logs: the crash-looping blue pod's fatal error shows, the
/// view follows it as it restarts, and `p` switches to the terminated container's logs.
#[test]
fn logs_of_a_crash_looping_rollout_follow_and_show_the_previous_container() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = start(dir.path(), "--demo crashloop --demo-speed 10", &[]);
    t.wait_for("the rows", |s| {
        s.contains("canary") && s.contains("postgres-primary")
    });
    // the blue/green pair is the first row: its pods are both slots'
    t.keys(&["g", "l"]);
    t.wait_text("┏ 4 Logs service kubechat-api-gateway");
    t.wait_text("msg=\"starting api-gateway\"");
    // the broken image reaches the blue slot after 30 simulated seconds and crashes
    t.wait_text("level=error msg=\"fatal:");
    t.keys(&["p"]);
    t.wait_text("PREVIOUS container");
    t.keys(&["/"]);
    t.type_text("fatal");
    t.keys(&["Enter"]);
    t.wait_text("/fatal");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "exit status; screen:\n{}", t.screen());
    t.restored().expect("terminal restored");
}
