//! End to end, runbooks: the built binary in tmux against a simulated cluster (in this
//! process) playing `oomkill`, with the real kubectl on PATH for the steps.
//! - read-write: the alert fires and its runbook is on top; `[POD_NAME]` is offered as the
//!   crashing pod; the logs step shows the crash; the memory patch ends the crash loop; the
//!   run is saved; the console is killed with SIGKILL and the restarted one resumes the run
//!   at the first step not done (3: the walkthrough went from the logs to the patch);
//! - read-only: the same patch is refused on screen and the simulator records no write.

#[path = "support/bin.rs"]
mod bin;
#[path = "common/console.rs"]
mod console;
#[path = "support/kubectl.rs"]
mod kubectl;
#[path = "support/skip.rs"]
mod skip;
#[path = "common/tmux.rs"]
mod tmux;

use std::path::Path;
use std::time::Duration;

use console::{skip_without_tmux, start};
use k8s_openapi::api::apps::v1::Deployment;
use kube::Api;
use kubechat_sim::{SimHandle, SimOptions};

const GATEWAY: &str = "kubechat-api-gateway-blue";

/// The console's files under `files`, KUBECONFIG the simulator's, kubectl on PATH.
fn env_for(files: &Path, kubeconfig: &Path) -> Vec<(&'static str, String)> {
    let bin = files.join("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let link = bin.join("kubectl");
    if !link.exists() {
        std::os::unix::fs::symlink(kubectl::kubectl_path(), &link).unwrap();
    }
    let d = |s: &str| files.join(s).display().to_string();
    vec![
        ("KUBECONFIG", kubeconfig.display().to_string()),
        ("HOME", d("home")),
        ("XDG_CONFIG_HOME", d("config")),
        ("XDG_DATA_HOME", d("data")),
        ("XDG_STATE_HOME", d("state")),
        (
            "PATH",
            format!(
                "{}:{}",
                bin.display(),
                std::env::var("PATH").unwrap_or_default()
            ),
        ),
    ]
}

async fn oomkill() -> (SimHandle, tempfile::TempDir, std::path::PathBuf) {
    let sim = SimHandle::start(SimOptions {
        scenario: "oomkill".into(),
        speed: 10.0,
        warm_history: true,
        ..SimOptions::default()
    })
    .await
    .unwrap();
    let files = tempfile::tempdir().unwrap();
    let kubeconfig = files.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    (sim, files, kubeconfig)
}

/// Opens the firing runbook and runs its first step: `[POD_NAME]` is the crashing pod the
/// firing alert names (its `pod` label), nothing asked.
fn open_and_describe(t: &tmux::Tmux) {
    t.keys(&["6"]);
    t.wait_text("┏ 6 Runbooks");
    let screen = t.wait_for("the alert's runbook on top, with the crashing pod", |s| {
        s.lines().nth(2).is_some_and(|l| {
            l.contains("kubechat-pod-crash-looping")
                && l.contains("firing: KubeChatPodCrashLooping")
                && l.contains("pod=kubechat-api-gateway-blue-")
        })
    });
    let top = screen.lines().nth(2).unwrap_or_default();
    let pod: String = top[top.find("pod=").unwrap() + 4..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    t.keys(&["Enter"]);
    t.wait_text("[investigate]");
    // the steps show the command as it will run, the pod filled in
    t.wait_text(&format!("kubectl describe pod {pod} -n kubechat-system"));
    t.keys(&["Enter"]);
    t.wait_for(
        "step 1 passed, with the OOMKill in the pod's description",
        |s| {
            s.contains("1 Check pod events passed") && s.contains("OOMKilled")
                || s.contains("BackOff")
        },
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn oomkill_walkthrough_heals_the_pods_and_resumes_after_sigkill() {
    if skip_without_tmux() || !kubectl::kubectl_present() {
        return;
    }
    let (sim, files, kubeconfig) = oomkill().await;
    let env = env_for(files.path(), &kubeconfig);
    let tdir = tempfile::tempdir().unwrap();
    let t = start(tdir.path(), "", &env);
    open_and_describe(&t);

    // the logs step shows the crash
    t.keys(&["j", "Enter"]);
    t.wait_for("the previous container's crash", |s| {
        s.contains("2 Review container logs passed") && s.contains("out of memory")
    });
    // the memory patch: a write, confirmed by the dialog every write has, which shows the
    // command as it will run
    t.keys(&["j", "j", "j", "Enter"]);
    let dialog = t.wait_text("Confirm — changes the cluster");
    assert!(
        dialog.contains("kubectl patch deployment kubechat-api-gateway-blue -n kubechat-system"),
        "{dialog}"
    );
    t.keys(&["y"]);
    t.wait_for("the patch applied", |s| {
        s.contains("5 Increase resource limits if OOMKilled writes passed")
            && s.contains("deployment.apps/kubechat-api-gateway-blue patched")
    });
    assert!(
        sim.client_writes().iter().any(|w| w.starts_with(
            "PATCH /apis/apps/v1/namespaces/kubechat-system/deployments/kubechat-api-gateway-blue"
        )),
        "{:?}",
        sim.client_writes()
    );
    // the crash loop ends: the new pods, limited to 1Gi, are all ready
    let api: Api<Deployment> = Api::namespaced(sim.client(), "kubechat-system");
    let deadline = tokio::time::Instant::now() + tmux::PATIENCE;
    loop {
        let d = api.get(GATEWAY).await.unwrap();
        let limit = d.spec.as_ref().and_then(|s| {
            s.template.spec.as_ref()?.containers[0]
                .resources
                .as_ref()?
                .limits
                .as_ref()?
                .get("memory")
                .cloned()
        });
        let st = d.status.unwrap_or_default();
        if limit.is_some_and(|l| l.0 == "1Gi")
            && st.ready_replicas == Some(3)
            && st.updated_replicas == Some(3)
            && st.replicas == Some(3)
        {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the gateway never healed"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    // the run is on disk; SIGKILL the console and start another
    let runs = files.path().join("data/kubechat-ops/runbook-runs");
    let saved = std::fs::read_dir(&runs).unwrap().count();
    assert_eq!(saved, 1, "one run saved");
    let shell = t.pane("#{pane_pid}").trim().parse::<i32>().unwrap();
    let children = std::process::Command::new("pgrep")
        .args(["-P", &shell.to_string()])
        .output()
        .unwrap();
    let pids: Vec<String> = String::from_utf8_lossy(&children.stdout)
        .split_whitespace()
        .map(String::from)
        .collect();
    assert!(!pids.is_empty(), "the console runs under the pane's shell");
    for pid in &pids {
        std::process::Command::new("kill")
            .args(["-KILL", pid])
            .status()
            .unwrap();
    }
    t.wait_for("the console killed", |s| s.contains("exit=137"));
    drop(t);

    let tdir2 = tempfile::tempdir().unwrap();
    let t = start(tdir2.path(), "", &env);
    t.keys(&["6"]);
    t.wait_text("↻ resume kubechat-pod-crash-looping-");
    // steps 1, 2 and 5 ran; 3 and 4 were passed over
    t.wait_text("(3/6 steps)");
    // the cursor is on the resume line (runs to resume come first); the run opens at the
    // first step not done, with what was done as it was
    t.keys(&["Enter"]);
    let screen = t.wait_text("output of step 3");
    assert!(
        screen.contains("5 Increase resource limits if OOMKilled writes passed"),
        "{screen}"
    );
    assert!(screen.contains("1 Check pod events passed"), "{screen}");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    sim.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_refuses_the_patch_and_writes_nothing() {
    if skip_without_tmux() || !kubectl::kubectl_present() {
        return;
    }
    let (sim, files, kubeconfig) = oomkill().await;
    let env = env_for(files.path(), &kubeconfig);
    let tdir = tempfile::tempdir().unwrap();
    let t = start(tdir.path(), "--read-only", &env);
    open_and_describe(&t);
    t.keys(&["j", "j", "j", "j", "Enter"]);
    let screen = t.wait_for("the patch refused", |s| {
        s.contains("5 Increase resource limits if OOMKilled writes refused")
    });
    assert!(screen.contains("read-only mode"), "{screen}");
    // still visible, as it would run
    assert!(
        screen.contains("kubectl patch deployment kubechat-api-gateway-blue"),
        "{screen}"
    );
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    assert!(sim.client_writes().is_empty(), "{:?}", sim.client_writes());
    sim.shutdown().await;
}

/// A step that needs the terminal: the console steps aside, the step reads what is typed,
/// the console comes back with the result; Ctrl-C stops the step, not the console.
#[test]
fn an_interactive_step_gets_the_terminal_and_gives_it_back() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let runbooks = dir.path().join("config/kubechat-ops/runbooks");
    std::fs::create_dir_all(&runbooks).unwrap();
    std::fs::write(
        runbooks.join("ask.yaml"),
        "id: ask\ntitle: Ask\nsections:\n  - name: talk\n    steps:\n      - title: asks a question\n        command: \"printf 'answer? '; read -r x; test \\\"$x\\\" = yes\"\n        interactive: true\n",
    )
    .unwrap();
    let t = start(dir.path(), "--demo", &[]);
    t.wait_text("kubechat-api-gateway");
    t.keys(&["6", "/"]);
    t.type_text("ask");
    t.keys(&["Enter"]);
    t.wait_text("ask ");
    t.keys(&["Enter"]);
    t.wait_text("[talk]");
    t.keys(&["Enter"]);
    t.wait_text("answer?");
    t.type_text("yes");
    t.keys(&["Enter"]);
    t.wait_text("1 asks a question interactive passed — exit status 0");
    t.keys(&["Enter"]);
    t.wait_text("answer?");
    t.keys(&["C-c"]);
    t.wait_text("1 asks a question interactive failed");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
    t.restored().expect("terminal restored");
}

/// Ctrl-C while a step runs cancels the step (its whole process group), not the console;
/// with no step running it quits as everywhere.
#[test]
fn ctrl_c_cancels_a_running_step_then_quits() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let runbooks = dir.path().join("config/kubechat-ops/runbooks");
    std::fs::create_dir_all(&runbooks).unwrap();
    let marker = dir.path().join("child-alive");
    std::fs::write(
        runbooks.join("slow.yaml"),
        format!(
            "id: slow\ntitle: Slow\nsections:\n  - name: wait\n    steps:\n      - title: waits a while\n        command: \"(sleep 300; touch {}) & echo started; sleep 300\"\n",
            marker.display()
        ),
    )
    .unwrap();
    let t = start(dir.path(), "--demo", &[]);
    t.wait_text("kubechat-api-gateway");
    t.keys(&["6", "/"]);
    t.type_text("slow");
    t.keys(&["Enter"]);
    t.wait_text("slow ");
    t.keys(&["Enter"]);
    t.wait_text("[wait]");
    t.keys(&["Enter"]);
    t.wait_text("1 waits a while running");
    t.wait_text("started");
    t.keys(&["C-c"]);
    t.wait_text(
        "1 waits a while failed — cancelled: the command and its process group were killed",
    );
    // the console is still there; now Ctrl-C quits it
    t.keys(&["C-c"]);
    assert_eq!(t.wait_exit(), 0);
    assert!(!marker.exists());
}
