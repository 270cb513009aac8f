//! Reads what the backup verdicts are judged from: the namespace's CronJobs and Jobs, read
//! once (the headless `backup status`), as JSON decoded into the slim views.

use kube::api::{Api, ApiResource, DynamicObject, ListParams};
use kube::Client;

use crate::cluster::backup_view::{CronJobView, JobView};
use crate::cluster::cnpg_view::CnpgClusterView;

pub fn cronjob_resource() -> ApiResource {
    ApiResource::erase::<k8s_openapi::api::batch::v1::CronJob>(&())
}

pub fn job_resource() -> ApiResource {
    ApiResource::erase::<k8s_openapi::api::batch::v1::Job>(&())
}

/// A CloudNativePG kind (`postgresql.cnpg.io/v1`), read as JSON.
pub fn cnpg_resource(kind: &str, plural: &str) -> ApiResource {
    ApiResource {
        group: CNPG_GROUP.into(),
        version: "v1".into(),
        api_version: format!("{CNPG_GROUP}/v1"),
        kind: kind.into(),
        plural: plural.into(),
    }
}

pub const CNPG_GROUP: &str = "postgresql.cnpg.io";

/// Whether the cluster serves CloudNativePG's kinds (its CRDs are installed).
pub async fn cnpg_served(client: &Client) -> bool {
    match client.list_api_groups().await {
        Ok(groups) => groups.groups.iter().any(|g| g.name == CNPG_GROUP),
        Err(e) => {
            tracing::info!("cannot list API groups (CloudNativePG not watched): {e}");
            false
        }
    }
}

/// Lists `kind` in `namespace` as JSON objects.
async fn list_json(
    client: &Client,
    namespace: &str,
    kind: &ApiResource,
) -> kube::Result<Vec<serde_json::Value>> {
    let api: Api<DynamicObject> = Api::namespaced_with(client.clone(), namespace, kind);
    let list = api.list(&ListParams::default()).await?;
    Ok(list
        .items
        .iter()
        .filter_map(|o| serde_json::to_value(o).ok())
        .collect())
}

/// What the backup verdicts are judged from.
pub struct BackupObjects {
    pub cronjobs: Vec<CronJobView>,
    pub jobs: Vec<JobView>,
    /// CloudNativePG Clusters with a backup store (none where the CRDs do not exist).
    pub cnpg_clusters: Vec<CnpgClusterView>,
}

/// The namespace's CronJobs and Jobs, and its CloudNativePG Clusters where served.
pub async fn read(client: &Client, namespace: &str) -> kube::Result<BackupObjects> {
    let (cj_kind, job_kind) = (cronjob_resource(), job_resource());
    let (cronjobs, jobs) = futures::try_join!(
        list_json(client, namespace, &cj_kind),
        list_json(client, namespace, &job_kind),
    )?;
    let cnpg_clusters = if cnpg_served(client).await {
        list_json(client, namespace, &cnpg_resource("Cluster", "clusters"))
            .await?
            .iter()
            .map(CnpgClusterView::from_json)
            .filter(|c| c.backup_configured)
            .collect()
    } else {
        Vec::new()
    };
    Ok(BackupObjects {
        cronjobs: cronjobs.iter().map(CronJobView::from_json).collect(),
        jobs: jobs.iter().map(JobView::from_json).collect(),
        cnpg_clusters,
    })
}
