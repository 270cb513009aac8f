//! Gathers what the security audit reads, through kube-rs lists (pods page by page, so
//! 10,000 pods are never all held at once, decoded slim: name, namespace and spec), and runs
//! the pure checks of `crate::audit`.
//! Used by `kubechat-ops audit` and, through `Effect::Audit`, by the Security pane.

use k8s_openapi::api::core::v1::{Pod, PodSpec, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use k8s_openapi::apimachinery::pkg::apis::meta::v1::ObjectMeta;
use kube::api::{Api, ListParams, ObjectList};
use kube::Resource;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use tokio::task::JoinHandle;

use crate::audit::{audit_pod, audit_rbac, sort, AuditReport, Rbac, ServiceAccounts};
use crate::cluster::scope::Scope;

/// Objects per list page, one page held at a time (decoded slim). 10,000 pods in 21 pages of
/// 500 are fetched in 41 ms, in 6 pages of 2,000 in 73 ms (`cargo bench --bench audit`, since
/// the simulator pages from where the last page ended), and a smaller page holds less.
const PAGE: u32 = 500;

fn api<K>(client: &kube::Client, scope: &Scope) -> Api<K>
where
    K: Resource<Scope = k8s_openapi::NamespaceResourceScope, DynamicType = ()>,
{
    match scope {
        Scope::All => Api::all(client.clone()),
        Scope::Namespace(ns) => Api::namespaced(client.clone(), ns),
    }
}

/// What the checks read of a pod: its name, namespace and spec. The status and the rest of
/// the metadata (managed fields, labels, owners) are skipped as they are read, never built.
#[derive(Debug, Clone, Deserialize)]
pub struct SlimPod {
    metadata: SlimMeta,
    spec: Option<PodSpec>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct SlimMeta {
    name: Option<String>,
    namespace: Option<String>,
}

impl SlimPod {
    pub fn into_pod(self) -> Pod {
        Pod {
            metadata: ObjectMeta {
                name: self.metadata.name,
                namespace: self.metadata.namespace,
                ..ObjectMeta::default()
            },
            spec: self.spec,
            status: None,
        }
    }
}

type Fetch<T> = JoinHandle<Result<ObjectList<T>, kube::Error>>;

/// One page of `api`'s list, asked for on its own task.
fn list_page<K>(api: &Api<K>, params: ListParams) -> Fetch<K>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let api = api.clone();
    tokio::spawn(async move { api.list(&params).await })
}

/// One page of slim pods in `scope`, asked for on its own task.
fn slim_pods(client: &kube::Client, scope: &Scope, params: ListParams) -> Fetch<SlimPod> {
    let client = client.clone();
    let ns = match scope {
        Scope::All => None,
        Scope::Namespace(ns) => Some(ns.clone()),
    };
    tokio::spawn(async move {
        let url = Pod::url_path(&(), ns.as_deref());
        let request = kube::core::Request::new(url)
            .list(&params)
            .map_err(kube::Error::BuildRequest)?;
        client.request::<ObjectList<SlimPod>>(request).await
    })
}

/// Every page of a list, one after the other, each handed to `each` before the next is
/// asked for (one page held at a time); `what` names it in errors.
async fn pages<T: Clone>(
    fetch: impl Fn(ListParams) -> Fetch<T>,
    what: &str,
    mut each: impl FnMut(ObjectList<T>),
) -> Result<(), String> {
    let mut params = ListParams::default().limit(PAGE);
    loop {
        let page = fetch(params.clone())
            .await
            .map_err(|e| format!("cannot list {what}: {e}"))?
            .map_err(|e| format!("cannot list {what}: {}", describe(&e)))?;
        let token = page.metadata.continue_.clone().filter(|c| !c.is_empty());
        each(page);
        match token {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(()),
        }
    }
}

async fn all<K>(api: Api<K>, what: String) -> Result<Vec<K>, String>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug + Send + 'static,
{
    let mut items = Vec::new();
    pages(
        |p| list_page(&api, p),
        &what,
        |page| items.extend(page.items),
    )
    .await?;
    Ok(items)
}

fn describe(e: &kube::Error) -> String {
    match e {
        kube::Error::Api(s) => format!("{} ({} {})", s.message, s.code, s.reason),
        other => other.to_string(),
    }
}

/// Audits `scope`: its pods, service accounts, roles and role bindings, and the cluster's
/// ClusterRoleBindings and ClusterRoles (they reach every namespace, so every scope reads
/// them). Any list that fails fails the audit: a partial audit would pass what it did not see.
/// The RBAC and service-account lists are asked for together; the pods page by page after.
pub async fn run(client: &kube::Client, scope: &Scope) -> Result<AuditReport, String> {
    let where_ = scope.to_string();
    let (cluster_role_bindings, cluster_roles, role_bindings, roles, accounts) = futures::try_join!(
        all(
            Api::<ClusterRoleBinding>::all(client.clone()),
            "clusterrolebindings".into(),
        ),
        all(
            Api::<ClusterRole>::all(client.clone()),
            "clusterroles".into()
        ),
        all(
            api::<RoleBinding>(client, scope),
            format!("rolebindings in {where_}"),
        ),
        all(api::<Role>(client, scope), format!("roles in {where_}")),
        all(
            api::<ServiceAccount>(client, scope),
            format!("serviceaccounts in {where_}"),
        ),
    )?;
    let rbac = Rbac {
        cluster_role_bindings,
        cluster_roles,
        role_bindings,
        roles,
    };
    let accounts = ServiceAccounts::new(&accounts);
    let mut findings = audit_rbac(&rbac);
    let mut pods = 0;
    pages(
        |p| slim_pods(client, scope, p),
        &format!("pods in {where_}"),
        |page| {
            pods += page.items.len();
            for pod in page.items {
                audit_pod(&pod.into_pod(), &accounts, &mut findings);
            }
        },
    )
    .await?;
    sort(&mut findings);
    Ok(AuditReport { findings, pods })
}
