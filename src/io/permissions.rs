//! The RBAC self-check: one SelfSubjectAccessReview (`kubectl auth can-i`) per write the
//! console can make, in its namespace, asked at start so a write the user may not make is
//! refused before its confirmation, not after it fails.

use k8s_openapi::api::authorization::v1::{
    ResourceAttributes, SelfSubjectAccessReview, SelfSubjectAccessReviewSpec,
};
use kube::api::{Api, PostParams};

use crate::effect::{Permission, CONSOLE_WRITES};

/// Asks about each of [`CONSOLE_WRITES`] in `namespace`.
pub async fn review(
    client: &kube::Client,
    namespace: &str,
) -> Vec<(Permission, Result<bool, String>)> {
    let api: Api<SelfSubjectAccessReview> = Api::all(client.clone());
    let asks = CONSOLE_WRITES.iter().map(|p| {
        let api = api.clone();
        async move {
            let review = SelfSubjectAccessReview {
                spec: SelfSubjectAccessReviewSpec {
                    resource_attributes: Some(ResourceAttributes {
                        namespace: Some(namespace.to_string()),
                        verb: Some(p.verb.to_string()),
                        group: Some(p.group.to_string()),
                        resource: Some(p.resource.to_string()),
                        subresource: (!p.subresource.is_empty()).then(|| p.subresource.to_string()),
                        ..ResourceAttributes::default()
                    }),
                    ..SelfSubjectAccessReviewSpec::default()
                },
                ..SelfSubjectAccessReview::default()
            };
            let answer = api
                .create(&PostParams::default(), &review)
                .await
                .map(|r| r.status.is_some_and(|s| s.allowed))
                .map_err(|e| e.to_string());
            (*p, answer)
        }
    });
    futures::future::join_all(asks).await
}
