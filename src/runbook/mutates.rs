//! Whether a command writes to the cluster, from its kubectl verbs (when the step does not
//! say): `get`, `describe`, `logs`, `top`, `events`, `auth can-i` (and a few other reads
//! such as `rollout status`) read; any other kubectl verb writes. Whether it needs the
//! terminal: `-it`/`--tty` on `kubectl exec|debug|run|attach`.

/// kubectl flags that take a value as the next word (so it is not the verb).
const FLAGS_WITH_VALUE: &[&str] = &[
    "-n",
    "--namespace",
    "--context",
    "--kubeconfig",
    "--cluster",
    "--user",
    "-s",
    "--server",
    "--token",
    "--as",
    "--as-group",
    "--request-timeout",
    "-v",
    "--cache-dir",
];

/// Verbs that only read; `rollout` and `auth` have sub-verbs.
const READ_VERBS: &[&str] = &[
    "get",
    "describe",
    "logs",
    "top",
    "events",
    "explain",
    "version",
    "api-resources",
    "api-versions",
    "cluster-info",
    "wait",
    "diff",
];

/// The commands of a shell line, split at `|`, `;`, `&`, newlines and `$(`/backticks.
fn segments(line: &str) -> Vec<Vec<String>> {
    let mut out = Vec::new();
    let mut cur = String::new();
    for c in line.chars() {
        if "|;&\n`()".contains(c) {
            out.push(std::mem::take(&mut cur));
        } else {
            cur.push(c);
        }
    }
    out.push(cur);
    out.into_iter()
        .map(|s| {
            s.split_whitespace()
                .map(|w| w.trim_matches(|c| c == '"' || c == '\'').to_string())
                .collect::<Vec<_>>()
        })
        .filter(|w| !w.is_empty())
        .collect()
}

/// The words after `kubectl` in a command (env assignments and `sudo`/`exec` skipped).
fn kubectl_args(words: &[String]) -> Option<&[String]> {
    let mut i = 0;
    while i < words.len() && (words[i].contains('=') || words[i] == "sudo" || words[i] == "exec") {
        i += 1;
    }
    let prog = words.get(i)?;
    let base = prog.rsplit('/').next().unwrap_or(prog);
    (base == "kubectl" || base == "oc").then(|| &words[i + 1..])
}

/// The non-flag words of kubectl's arguments.
fn positional(args: &[String]) -> Vec<&str> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        if a.starts_with('-') {
            if FLAGS_WITH_VALUE.contains(&a) {
                i += 1;
            }
        } else {
            out.push(a);
        }
        i += 1;
    }
    out
}

fn args_write(args: &[String]) -> bool {
    let words = positional(args);
    match words.as_slice() {
        [] => false,
        ["auth", "can-i", ..] | ["auth", "whoami", ..] => false,
        ["rollout", "status" | "history", ..] => false,
        ["config", "view" | "get-contexts" | "current-context", ..] => false,
        ["argo", "rollouts", "get" | "list" | "status", ..] => false,
        [verb, ..] => !READ_VERBS.contains(verb),
    }
}

/// Whether the command line writes to the cluster (any of its kubectl commands does, or a
/// `helm` that installs, upgrades, rolls back or uninstalls).
pub fn command_mutates(line: &str) -> bool {
    segments(line).iter().any(|words| {
        if let Some(args) = kubectl_args(words) {
            return args_write(args);
        }
        let first = words.first().map(String::as_str).unwrap_or("");
        first.rsplit('/').next() == Some("helm")
            && words.iter().skip(1).any(|w| {
                matches!(
                    w.as_str(),
                    "install" | "upgrade" | "rollback" | "uninstall" | "delete"
                )
            })
    })
}

/// Whether the command needs the terminal: kubectl exec/debug/run/attach with `-it`, `-ti`,
/// `-t` or `--tty`.
pub fn command_interactive(line: &str) -> bool {
    segments(line).iter().any(|words| {
        let Some(args) = kubectl_args(words) else {
            return false;
        };
        let verb = positional(args).first().copied();
        matches!(verb, Some("exec" | "debug" | "run" | "attach"))
            && args.iter().any(|a| {
                a == "--tty"
                    || a == "--tty=true"
                    || (a.starts_with('-') && !a.starts_with("--") && a.contains('t'))
            })
    })
}
