//! The embedded default runbooks (`assets/runbooks/`): every procedure of the seed's
//! operational procedures, fixed where its commands are wrong for the cluster it describes
//! (each fix said in the step's `note`).

use super::model::Runbook;
use super::parse::parse;

/// `(file name, text)` of every embedded runbook.
pub const FILES: &[(&str, &str)] = &[
    (
        "kubechat-high-error-rate.yaml",
        include_str!("../../assets/runbooks/kubechat-high-error-rate.yaml"),
    ),
    (
        "kubechat-pod-crash-looping.yaml",
        include_str!("../../assets/runbooks/kubechat-pod-crash-looping.yaml"),
    ),
    (
        "pre-deployment-checks.yaml",
        include_str!("../../assets/runbooks/pre-deployment-checks.yaml"),
    ),
    (
        "staging-validation.yaml",
        include_str!("../../assets/runbooks/staging-validation.yaml"),
    ),
    (
        "blue-green.yaml",
        include_str!("../../assets/runbooks/blue-green.yaml"),
    ),
    (
        "canary-promotion.yaml",
        include_str!("../../assets/runbooks/canary-promotion.yaml"),
    ),
    (
        "database-point-in-time-recovery.yaml",
        include_str!("../../assets/runbooks/database-point-in-time-recovery.yaml"),
    ),
    (
        "application-recovery.yaml",
        include_str!("../../assets/runbooks/application-recovery.yaml"),
    ),
    (
        "configuration-backup.yaml",
        include_str!("../../assets/runbooks/configuration-backup.yaml"),
    ),
    (
        "security-audit.yaml",
        include_str!("../../assets/runbooks/security-audit.yaml"),
    ),
    (
        "initial-response.yaml",
        include_str!("../../assets/runbooks/initial-response.yaml"),
    ),
    (
        "investigation-process.yaml",
        include_str!("../../assets/runbooks/investigation-process.yaml"),
    ),
];

/// The stem of a runbook file name (its id when the file gives none).
pub fn stem(file: &str) -> &str {
    let name = file.rsplit('/').next().unwrap_or(file);
    name.strip_suffix(".yaml")
        .or_else(|| name.strip_suffix(".yml"))
        .unwrap_or(name)
}

/// The embedded runbooks (a test parses every one: none can fail here).
pub fn builtin() -> Vec<Runbook> {
    FILES
        .iter()
        .filter_map(|(file, text)| {
            let mut rb = parse(text, &format!("assets/runbooks/{file}"), stem(file)).ok()?;
            rb.source = "built-in".into();
            Some(rb)
        })
        .collect()
}

/// Defaults with the user's runbooks over them: a user runbook with a default's id replaces
/// it, the others are added (sorted by id after the defaults).
pub fn merge(defaults: Vec<Runbook>, user: Vec<Runbook>) -> Vec<Runbook> {
    let mut out = defaults;
    let mut added = Vec::new();
    for rb in user {
        match out.iter_mut().find(|d| d.id == rb.id) {
            Some(slot) => *slot = rb,
            None => added.push(rb),
        }
    }
    added.sort_by(|a, b| a.id.cmp(&b.id));
    out.extend(added);
    out
}
