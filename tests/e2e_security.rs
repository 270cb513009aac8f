//! End to end, the Security pane: the built binary in tmux against the demo (default
//! scenario), `8` shows exactly the seeded problems (a pod running as root, a privileged
//! container with a hostPath volume, a service account bound to cluster-admin), every other
//! check says none, and the drill-down shows the privileged container's field.

#[path = "support/bin.rs"]
mod bin;
#[path = "common/console.rs"]
mod console;
#[path = "support/skip.rs"]
mod skip;
#[path = "common/tmux.rs"]
mod tmux;

use console::{skip_without_tmux, start};

#[test]
fn demo_security_pane_shows_exactly_the_seeded_problems() {
    if skip_without_tmux() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let t = start(dir.path(), "--demo -A", &[]);
    t.wait_text("kubechat-api-gateway");
    t.keys(&["8"]);
    // the pane audits what the console watches: every namespace with -A
    t.wait_text("Security all namespaces");
    let screen = t.wait_text("4 findings (4 high, 0 medium, 0 low)");
    let line = |start: &str| -> String {
        screen
            .lines()
            .find(|l| l.contains(start))
            .unwrap_or_else(|| panic!("no line with {start:?}:\n{screen}"))
            .to_string()
    };
    for (check, count) in [
        ("Pods running as root", "1"),
        ("Privileged containers", "1"),
        ("Service accounts, users and groups with cluster-admin", "1"),
        ("Pods mounting host paths", "1"),
        (
            "Pods sharing the node's network, PID or IPC namespace",
            "none",
        ),
        ("Containers allowing privilege escalation", "none"),
        ("Containers adding dangerous capabilities", "none"),
        ("Images with :latest or no tag", "none"),
        ("Containers without resource limits", "none"),
        ("Secrets exposed as environment variables", "none"),
        (
            "Pods automounting the default service account's token",
            "none",
        ),
        ("Roles with wildcard rules", "none"),
    ] {
        let l = line(check);
        let shown = l
            .split(check)
            .nth(1)
            .unwrap_or("")
            .split_whitespace()
            .next();
        assert_eq!(shown, Some(count), "{check}: {l}");
    }
    let objects: Vec<&str> = screen
        .lines()
        .filter(|l| l.contains("    high   "))
        .collect();
    assert_eq!(objects.len(), 4, "{screen}");
    assert!(objects[0].contains("Pod kubechat-system/postgres-primary-"));
    assert!(
        objects[1].contains("Pod kubechat-system/kubechat-log-shipper-")
            && objects[1].contains("(container fluent-bit)")
    );
    assert!(objects[2].contains("ServiceAccount kubechat-system/kubechat-admin"));
    assert!(objects[3].contains("Pod kubechat-system/kubechat-log-shipper-"));
    assert!(screen.contains("Security alerts (KPIs)"), "{screen}");
    assert!(screen.contains("Auth failures /5m"), "{screen}");
    // down to the privileged container: its field, why, the fix
    t.keys(&["j", "j", "j"]);
    t.wait_text("spec.containers[fluent-bit].securityContext.privileged: true");
    t.wait_text("fix  remove securityContext.privileged");
    t.keys(&["q"]);
    assert_eq!(t.wait_exit(), 0);
}
