//! Gathers what the security audit reads, through kube-rs lists (pods page by page, so
//! 10,000 pods are never all held at once), and runs the pure checks of `crate::audit`.
//! Used by `kubechat-ops audit` and, through `Effect::Audit`, by the Security pane.

use k8s_openapi::api::core::v1::{Pod, ServiceAccount};
use k8s_openapi::api::rbac::v1::{ClusterRole, ClusterRoleBinding, Role, RoleBinding};
use kube::api::{Api, ListParams, ObjectList};
use kube::Resource;
use serde::de::DeserializeOwned;

use crate::audit::{audit_pod, audit_rbac, sort, AuditReport, Rbac, ServiceAccounts};
use crate::cluster::scope::Scope;

/// Pods per list page.
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

/// Every page of a list, each handed to `each`; `what` names it in errors.
async fn pages<K>(
    api: &Api<K>,
    what: &str,
    mut each: impl FnMut(ObjectList<K>),
) -> Result<(), String>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let mut params = ListParams::default().limit(PAGE);
    loop {
        let page = api
            .list(&params)
            .await
            .map_err(|e| format!("cannot list {what}: {}", describe(&e)))?;
        let next = page.metadata.continue_.clone().filter(|c| !c.is_empty());
        each(page);
        match next {
            Some(token) => params = params.continue_token(&token),
            None => return Ok(()),
        }
    }
}

async fn all<K>(api: &Api<K>, what: &str) -> Result<Vec<K>, String>
where
    K: Resource + Clone + DeserializeOwned + std::fmt::Debug,
{
    let mut items = Vec::new();
    pages(api, what, |page| items.extend(page.items)).await?;
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
pub async fn run(client: &kube::Client, scope: &Scope) -> Result<AuditReport, String> {
    let where_ = scope.to_string();
    let rbac = Rbac {
        cluster_role_bindings: all(
            &Api::<ClusterRoleBinding>::all(client.clone()),
            "clusterrolebindings",
        )
        .await?,
        cluster_roles: all(&Api::<ClusterRole>::all(client.clone()), "clusterroles").await?,
        role_bindings: all(
            &api::<RoleBinding>(client, scope),
            &format!("rolebindings in {where_}"),
        )
        .await?,
        roles: all(&api::<Role>(client, scope), &format!("roles in {where_}")).await?,
    };
    let accounts = all(
        &api::<ServiceAccount>(client, scope),
        &format!("serviceaccounts in {where_}"),
    )
    .await?;
    let accounts = ServiceAccounts::new(&accounts);
    let mut findings = audit_rbac(&rbac);
    let mut pods = 0;
    pages(
        &api::<Pod>(client, scope),
        &format!("pods in {where_}"),
        |page| {
            pods += page.items.len();
            for pod in &page.items {
                audit_pod(pod, &accounts, &mut findings);
            }
        },
    )
    .await?;
    sort(&mut findings);
    Ok(AuditReport { findings, pods })
}
