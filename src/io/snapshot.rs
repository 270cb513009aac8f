//! Configuration snapshots on disk: every object of the namespace the seed's
//! backup-kubernetes-configs.sh saves (and the kinds `get all` misses), the CRDs and the
//! cluster RBAC, cleaned and (by default) with Secrets redacted, as one YAML file per
//! object under a directory with a `manifest.json`; reading one back for `snapshot diff`;
//! the retention that prunes old snapshots; and the local key Secrets are digested under.

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Context as _;
use jiff::Timestamp;
use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use kube::Client;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::cluster::snapshot::{clean, is_generated, redact_secret, DigestKey};

/// One kind a snapshot saves: (group, version, kind, plural, namespaced).
type KindSpec = (&'static str, &'static str, &'static str, &'static str, bool);

/// The seed's list: `all`, configmap, secret, pvc, ingress, and what `all` misses.
pub const KINDS: &[KindSpec] = &[
    ("", "v1", "Pod", "pods", true),
    ("", "v1", "Service", "services", true),
    ("", "v1", "ConfigMap", "configmaps", true),
    ("", "v1", "Secret", "secrets", true),
    (
        "",
        "v1",
        "PersistentVolumeClaim",
        "persistentvolumeclaims",
        true,
    ),
    ("", "v1", "ServiceAccount", "serviceaccounts", true),
    ("apps", "v1", "Deployment", "deployments", true),
    ("apps", "v1", "StatefulSet", "statefulsets", true),
    ("apps", "v1", "DaemonSet", "daemonsets", true),
    ("apps", "v1", "ReplicaSet", "replicasets", true),
    ("batch", "v1", "Job", "jobs", true),
    ("batch", "v1", "CronJob", "cronjobs", true),
    (
        "autoscaling",
        "v2",
        "HorizontalPodAutoscaler",
        "horizontalpodautoscalers",
        true,
    ),
    ("networking.k8s.io", "v1", "Ingress", "ingresses", true),
    ("rbac.authorization.k8s.io", "v1", "Role", "roles", true),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "RoleBinding",
        "rolebindings",
        true,
    ),
    ("argoproj.io", "v1alpha1", "Rollout", "rollouts", true),
    (
        "argoproj.io",
        "v1alpha1",
        "AnalysisTemplate",
        "analysistemplates",
        true,
    ),
    ("postgresql.cnpg.io", "v1", "Cluster", "clusters", true),
    (
        "apiextensions.k8s.io",
        "v1",
        "CustomResourceDefinition",
        "customresourcedefinitions",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRole",
        "clusterroles",
        false,
    ),
    (
        "rbac.authorization.k8s.io",
        "v1",
        "ClusterRoleBinding",
        "clusterrolebindings",
        false,
    ),
];

/// What a snapshot says about itself (`manifest.json`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Manifest {
    pub tool: String,
    pub version: String,
    pub context: String,
    pub namespace: String,
    pub taken_at: Timestamp,
    /// "redacted" (values are HMAC-SHA256 digests) or "included" (in clear, files 0600).
    pub secrets: String,
    /// Redacted: the id of the local key the digests were made under (never the key);
    /// snapshots with the same id digest a value alike.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest_key: Option<String>,
    /// Objects saved, by kind (plural, with the group when not core).
    pub counts: BTreeMap<String, usize>,
    /// Kinds the cluster does not serve or would not list, and why.
    pub skipped: BTreeMap<String, String>,
}

/// What a snapshot does with Secrets' values.
#[derive(Debug, Clone)]
pub enum Secrets {
    /// Each value replaced by its HMAC-SHA256 under the key.
    Redacted(DigestKey),
    /// In clear: every file written 0600.
    Included,
}

/// The digest key's file, in the data dir (beside the snapshots directory).
pub const KEY_FILE: &str = "snapshot-digest.key";

/// The machine's digest key for the snapshots under `snapshots_dir`: read from the data
/// dir, or made there (random, 0600) the first time.
pub fn digest_key(snapshots_dir: &Path) -> anyhow::Result<DigestKey> {
    let dir = snapshots_dir.parent().unwrap_or(snapshots_dir);
    create_dir(dir, true)?;
    let path = dir.join(KEY_FILE);
    let mut bytes = [0u8; DigestKey::LEN];
    getrandom::fill(&mut bytes).map_err(|e| anyhow::anyhow!("no randomness for the key: {e}"))?;
    match write_file(&path, &bytes, true) {
        Ok(()) => return Ok(DigestKey::from_bytes(bytes)),
        Err(_) if path.exists() => {}
        Err(e) => return Err(e),
    }
    let read = std::fs::read(&path).with_context(|| format!("{}: cannot read", path.display()))?;
    let bytes: [u8; DigestKey::LEN] = read.try_into().map_err(|r: Vec<u8>| {
        anyhow::anyhow!(
            "{}: {} bytes, a digest key is {} (remove it to make a new one)",
            path.display(),
            r.len(),
            DigestKey::LEN
        )
    })?;
    Ok(DigestKey::from_bytes(bytes))
}

pub const TOOL: &str = "kubechat-ops";
pub const MANIFEST: &str = "manifest.json";

fn kind_dir(group: &str, plural: &str) -> String {
    if group.is_empty() {
        plural.to_string()
    } else {
        format!("{plural}.{group}")
    }
}

/// Takes a snapshot of `namespace` into the new directory `out`.
pub async fn take(
    client: &Client,
    context: &str,
    namespace: &str,
    secrets: &Secrets,
    out: &Path,
) -> anyhow::Result<Manifest> {
    let include_secrets = matches!(secrets, Secrets::Included);
    if out.exists() {
        anyhow::bail!(
            "{}: already exists (a snapshot goes to a new directory)",
            out.display()
        );
    }
    create_dir(out, include_secrets)?;
    let mut manifest = Manifest {
        tool: TOOL.into(),
        version: env!("CARGO_PKG_VERSION").into(),
        context: context.into(),
        namespace: namespace.into(),
        taken_at: Timestamp::now(),
        secrets: if include_secrets {
            "included"
        } else {
            "redacted"
        }
        .into(),
        digest_key: match secrets {
            Secrets::Redacted(key) => Some(key.id()),
            Secrets::Included => None,
        },
        counts: BTreeMap::new(),
        skipped: BTreeMap::new(),
    };
    for &(group, version, kind, plural, namespaced) in KINDS {
        let ar = ApiResource {
            group: group.into(),
            version: version.into(),
            api_version: if group.is_empty() {
                version.into()
            } else {
                format!("{group}/{version}")
            },
            kind: kind.into(),
            plural: plural.into(),
        };
        let api: Api<DynamicObject> = if namespaced {
            Api::namespaced_with(client.clone(), namespace, &ar)
        } else {
            Api::all_with(client.clone(), &ar)
        };
        let dir_name = kind_dir(group, plural);
        let list = match api.list(&ListParams::default()).await {
            Ok(list) => list,
            Err(kube::Error::Api(s)) if s.code == 404 || s.code == 403 => {
                manifest.skipped.insert(dir_name, s.message.clone());
                continue;
            }
            Err(e) => return Err(e).with_context(|| format!("cannot list {dir_name}")),
        };
        let scope = if namespaced { "namespace" } else { "cluster" };
        let dir = out.join(scope).join(&dir_name);
        let mut count = 0;
        for obj in &list.items {
            let mut value = serde_json::to_value(obj)?;
            if is_generated(&value) {
                continue;
            }
            value["apiVersion"] = Value::String(ar.api_version.clone());
            value["kind"] = Value::String(kind.into());
            let mut cleaned = clean(&value);
            if let (Secrets::Redacted(key), "Secret") = (secrets, kind) {
                cleaned = redact_secret(&cleaned, key);
            }
            let name = obj.metadata.name.clone().unwrap_or_default();
            if count == 0 {
                create_dir(&dir, include_secrets)?;
            }
            write_file(
                &dir.join(format!("{}.yaml", file_name(&name))),
                serde_yaml_ng::to_string(&cleaned)?.as_bytes(),
                include_secrets,
            )?;
            count += 1;
        }
        manifest.counts.insert(dir_name, count);
    }
    write_file(
        &out.join(MANIFEST),
        serde_json::to_string_pretty(&manifest)?.as_bytes(),
        include_secrets,
    )?;
    Ok(manifest)
}

/// A name safe as a file name (ClusterRoles are named `system:…`).
fn file_name(name: &str) -> String {
    name.chars()
        .map(|c| if c == '/' || c == '\\' { '_' } else { c })
        .collect()
}

fn create_dir(dir: &Path, private: bool) -> anyhow::Result<()> {
    let mut b = std::fs::DirBuilder::new();
    b.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt as _;
        b.mode(if private { 0o700 } else { 0o755 });
    }
    b.create(dir)
        .with_context(|| format!("{}: cannot create the directory", dir.display()))
}

/// Writes a new file; 0600 when the snapshot holds secrets in clear.
fn write_file(path: &Path, bytes: &[u8], private: bool) -> anyhow::Result<()> {
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        o.mode(if private { 0o600 } else { 0o644 });
    }
    let mut f = o
        .open(path)
        .with_context(|| format!("{}: cannot create", path.display()))?;
    f.write_all(bytes)
        .with_context(|| format!("{}: cannot write", path.display()))
}

/// A snapshot's manifest; an error names the file.
pub fn read_manifest(dir: &Path) -> anyhow::Result<Manifest> {
    let path = dir.join(MANIFEST);
    let text = std::fs::read_to_string(&path)
        .with_context(|| format!("{}: not a snapshot (cannot read it)", path.display()))?;
    serde_json::from_str(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))
}

/// A snapshot's objects by their path under it without `.yaml`
/// ("namespace/deployments.apps/web"); a file that cannot be read names itself and its line.
pub fn read(dir: &Path) -> anyhow::Result<BTreeMap<String, Value>> {
    if !dir.join(MANIFEST).is_file() {
        anyhow::bail!("{}: not a snapshot (no {MANIFEST})", dir.display());
    }
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        let entries =
            std::fs::read_dir(&d).with_context(|| format!("{}: cannot read", d.display()))?;
        for entry in entries {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else if path.extension().is_some_and(|e| e == "yaml") {
                let text = std::fs::read_to_string(&path)
                    .with_context(|| format!("{}: cannot read", path.display()))?;
                let value: Value = serde_yaml_ng::from_str(&text)
                    .map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
                let rel: PathBuf = path.strip_prefix(dir)?.with_extension("");
                out.insert(rel.to_string_lossy().into_owned(), value);
            }
        }
    }
    Ok(out)
}

/// Removes the snapshots in `dir` (directories with a kubechat-ops manifest) taken more
/// than `keep_days` before `now`; returns what it removed.
pub fn prune(dir: &Path, keep_days: u32, now: Timestamp) -> anyhow::Result<Vec<PathBuf>> {
    let mut removed = Vec::new();
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Ok(removed);
    };
    let keep = jiff::SignedDuration::from_hours(24 * i64::from(keep_days));
    for entry in entries {
        let path = entry?.path();
        let Ok(text) = std::fs::read_to_string(path.join(MANIFEST)) else {
            continue;
        };
        let Ok(m) = serde_json::from_str::<Manifest>(&text) else {
            continue;
        };
        if m.tool == TOOL && now.duration_since(m.taken_at) > keep {
            std::fs::remove_dir_all(&path)
                .with_context(|| format!("{}: cannot remove", path.display()))?;
            removed.push(path);
        }
    }
    Ok(removed)
}
