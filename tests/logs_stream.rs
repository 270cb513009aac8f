//! The Logs pane's reader (`io::logs`) against the simulated cluster over HTTP: it follows a
//! pod whose container keeps restarting (crashloop scenario) across its restarts, reads the
//! terminated container's logs with `--previous`, resolves a label selector, and says when a
//! pod does not exist.

use std::time::{Duration, Instant};

use k8s_openapi::api::core::v1::Pod;
use kube::api::{Api, ListParams};
use kubechat_ops::effect::{LogPods, LogStream};
use kubechat_ops::io::logs;
use kubechat_ops::msg::{LogMsg, Msg};
use kubechat_sim::{SimHandle, SimOptions};
use tokio::sync::mpsc;

const NS: &str = "kubechat-system";
const BOUND: Duration = Duration::from_secs(90);

fn restarts(p: &Pod) -> i32 {
    p.status
        .as_ref()
        .and_then(|s| s.container_statuses.as_ref())
        .map(|c| c.iter().map(|c| c.restart_count).sum())
        .unwrap_or(0)
}

/// The crash-looping pod of the blue slot, once it has restarted at least once.
async fn crashing_pod(pods: &Api<Pod>) -> String {
    let deadline = Instant::now() + BOUND;
    loop {
        let list = pods
            .list(&ListParams::default().labels("deployment-slot=blue"))
            .await
            .unwrap();
        if let Some(p) = list.items.iter().find(|p| restarts(p) >= 1) {
            return p.metadata.name.clone().unwrap();
        }
        assert!(
            Instant::now() < deadline,
            "no blue pod restarted within {BOUND:?}"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The next log message of stream `id`, within the bound.
async fn next(rx: &mut mpsc::Receiver<Msg>) -> LogMsg {
    match tokio::time::timeout(BOUND, rx.recv()).await {
        Ok(Some(Msg::Log(m))) => m,
        other => panic!("no log message: {other:?}"),
    }
}

fn stream(id: u64, pods: LogPods, follow: bool, previous: bool) -> LogStream {
    LogStream {
        id,
        pods,
        container: None,
        follow,
        previous,
        tail: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn follows_a_restarting_container_and_reads_the_previous_one() {
    let sim = SimHandle::start(SimOptions {
        scenario: "crashloop".into(),
        speed: 10.0,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let client = sim.client();
    let pods: Api<Pod> = Api::namespaced(client.clone(), NS);
    let pod = crashing_pod(&pods).await;

    // followed: the container starts again (and again) on the same stream
    let (tx, mut rx) = mpsc::channel(64);
    let task = logs::spawn(
        client.clone(),
        kubechat_ops::cluster::scope::Scope::Namespace(NS.into()),
        stream(1, LogPods::Named(vec![pod.clone()]), true, false),
        tx,
    );
    let mut starts = 0;
    let deadline = Instant::now() + BOUND;
    while starts < 2 {
        assert!(Instant::now() < deadline, "saw {starts} container starts");
        match next(&mut rx).await {
            LogMsg::Lines { id, pod: p, lines } => {
                assert_eq!((id, p.as_str()), (1, pod.as_str()));
                starts += lines
                    .iter()
                    .filter(|l| l.contains("msg=\"starting"))
                    .count();
            }
            LogMsg::Reopened { .. } => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    task.abort();

    // --previous: the terminated container's lines, ending with its fatal error, then the end
    let (tx, mut rx) = mpsc::channel(64);
    logs::spawn(
        client.clone(),
        kubechat_ops::cluster::scope::Scope::Namespace(NS.into()),
        stream(2, LogPods::Named(vec![pod.clone()]), false, true),
        tx,
    );
    let mut previous = Vec::new();
    loop {
        match next(&mut rx).await {
            LogMsg::Lines { lines, .. } => previous.extend(lines),
            LogMsg::Ended { error, .. } => {
                assert_eq!(error, None);
                break;
            }
            other => panic!("unexpected {other:?}"),
        }
    }
    assert!(
        previous.iter().any(|l| l.contains("level=error")),
        "{previous:?}"
    );

    // a selector resolves to its pods first
    let (tx, mut rx) = mpsc::channel(64);
    logs::spawn(
        client.clone(),
        kubechat_ops::cluster::scope::Scope::Namespace(NS.into()),
        stream(
            3,
            LogPods::Selector("deployment-slot=green".into()),
            false,
            false,
        ),
        tx,
    );
    match next(&mut rx).await {
        LogMsg::Pods { id: 3, pods } => {
            assert!(!pods.is_empty());
            assert!(pods.iter().all(|p| p.contains("green")), "{pods:?}");
        }
        other => panic!("unexpected {other:?}"),
    }

    // a pod that does not exist: the stream ends saying why
    let (tx, mut rx) = mpsc::channel(64);
    logs::spawn(
        client,
        kubechat_ops::cluster::scope::Scope::Namespace(NS.into()),
        stream(4, LogPods::Named(vec!["no-such-pod".into()]), false, false),
        tx,
    );
    match next(&mut rx).await {
        LogMsg::Ended { error: Some(e), .. } => assert!(e.contains("not found"), "{e}"),
        other => panic!("unexpected {other:?}"),
    }
    sim.shutdown().await;
}
