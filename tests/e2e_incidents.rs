//! End to end, incidents: the built binary in tmux, driven by keys, read by capture-pane.
//! - `--demo`: `5`, declare an incident, see it listed with its clocks, quit cleanly;
//! - team mode, read-only, against a simulated cluster in this process: a teammate's shared
//!   incident shows up, this console's own are saved locally, and the cluster receives no
//!   write from it.

#[path = "support/bin.rs"]
mod bin;
#[path = "common/console.rs"]
mod console;
#[path = "support/skip.rs"]
mod skip;
#[path = "common/tmux.rs"]
mod tmux;

use std::path::Path;

use console::{skip_without_tmux, start};
use kubechat_sim::{SimHandle, SimOptions};

/// `5` shows the Incidents pane; `D` declares one (a title, then the severity offered from
/// live facts); it is listed with its clocks once the journal has it on disk.
#[test]
fn demo_declares_an_incident_and_lists_it_with_its_clocks() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = start(dir.path(), "--demo", &[]);
    t.wait_text("kubechat-api-gateway");
    t.keys(&["5"]);
    t.wait_text("┏ 5 Incidents");
    t.wait_text("no incidents: D declares one");
    t.keys(&["D"]);
    t.wait_text("What is happening?");
    t.type_text("chat messages fail to send");
    t.keys(&["Enter"]);
    t.wait_text("Suggested: SEV");
    t.wait_text("1  SEV1  Complete service outage");
    t.keys(&["Enter"]);
    let screen = t.wait_for("the incident, saved, with its clocks", |s| {
        s.contains("chat messages fail to send")
            && s.contains("INVESTIGATING")
            && s.contains("response in")
            && s.contains("next update in")
            && !s.contains("saving…")
    });
    assert!(
        screen.contains("▲ SEV"),
        "the status bar carries the clock:\n{screen}"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0, "exit status; screen:\n{}", t.screen());
    t.restored().expect("terminal restored");
    let journals: Vec<_> = std::fs::read_dir(dir.path().join("data/kubechat-ops/incidents"))
        .unwrap()
        .collect();
    assert_eq!(journals.len(), 1, "one journal on disk");
}

/// Team mode, read-only: an incident a teammate shares (a ConfigMap in the cluster) shows
/// up; this console declares its own and adds to it, saved locally, and the cluster receives
/// no write from it (the simulator's audit has only the teammate's).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_read_only_team_console_sees_shared_incidents_and_writes_nothing_to_the_cluster() {
    use kubechat_ops::effect::IncidentAppend;
    use kubechat_ops::incident::{EntryIds, What};
    use kubechat_ops::io::kube_writer::KubeWriter;

    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("config/kubechat-ops");
    std::fs::create_dir_all(&config).unwrap();
    std::fs::write(config.join("config.toml"), "[incidents]\nteam = true\n").unwrap();
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    let t = start(
        dir.path(),
        "--read-only",
        &[("KUBECONFIG", kubeconfig.display().to_string())],
    );
    t.wait_text("kubechat-api-gateway");
    t.keys(&["5"]);
    t.wait_text("no incidents: D declares one");

    let teammate = KubeWriter::new(sim.client(), "kubechat-system");
    let mut ids = EntryIds::new("console-teammate");
    let declared = ids.entry(
        jiff::Timestamp::now(),
        What::Declared {
            incident: "inc-20261128-151000".into(),
            title: "declared by a teammate".into(),
            severity: 1,
        },
    );
    let share = IncidentAppend {
        incident: "inc-20261128-151000".into(),
        entries: vec![declared],
        create: false,
    };
    teammate.share_incident(&share).await.unwrap();
    t.wait_text("declared by a teammate");

    t.keys(&["D"]);
    t.wait_text("What is happening?");
    t.type_text("seen from the read-only console");
    t.keys(&["Enter"]);
    t.wait_text("Suggested: SEV");
    t.keys(&["Enter"]);
    t.wait_for("our incident saved", |s| {
        s.contains("seen from the read-only console") && !s.contains("saving…")
    });
    t.keys(&["n"]);
    t.type_text("watching");
    t.keys(&["Enter"]);
    t.wait_for("the note saved", |s| {
        s.contains("note: watching") && !s.contains("saving…")
    });
    assert!(!t.screen().contains("refused"), "{}", t.screen());
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.restored().expect("terminal restored");
    assert_eq!(
        sim.client_writes(),
        vec!["POST /api/v1/namespaces/kubechat-system/configmaps?".to_string()],
        "only the teammate wrote to the cluster"
    );
}

/// Team mode, two engineers: two consoles (two processes, each with its own data directory,
/// as two laptops) against one cluster. An incident declared in one shows in the other, and
/// a note typed in the other shows in the first.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_team_consoles_see_each_others_incident_and_notes() {
    if skip_without_tmux() {
        return;
    }
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let console = |dir: &Path| {
        let config = dir.join("config/kubechat-ops");
        std::fs::create_dir_all(&config).unwrap();
        std::fs::write(config.join("config.toml"), "[incidents]\nteam = true\n").unwrap();
        let kubeconfig = dir.join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        let t = start(dir, "", &[("KUBECONFIG", kubeconfig.display().to_string())]);
        t.wait_text("kubechat-api-gateway");
        t.keys(&["5"]);
        t.wait_text("no incidents: D declares one");
        t
    };
    let (dir_a, dir_b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = console(dir_a.path());
    let b = console(dir_b.path());

    a.keys(&["D"]);
    a.wait_text("What is happening?");
    a.type_text("checkout requests fail");
    a.keys(&["Enter"]);
    a.wait_text("Suggested: SEV");
    a.keys(&["Enter"]);
    a.wait_for("the declaration saved", |s| {
        s.contains("checkout requests fail") && !s.contains("saving…")
    });
    b.wait_text("checkout requests fail");

    b.keys(&["n"]);
    b.type_text("b looks at the database");
    b.keys(&["Enter"]);
    b.wait_for("the note saved", |s| {
        s.contains("note: b looks at the database") && !s.contains("saving…")
    });
    a.wait_text("note: b looks at the database");

    for t in [&a, &b] {
        t.keys(&["q"]);
        assert_eq!(t.wait_exit(), 0);
        t.restored().expect("terminal restored");
    }
    sim.shutdown().await;
}
