//! Field tables of the top-level kinds kubectl sends as protobuf (Job, CronJob,
//! Deployment, Service, SelfSubjectAccessReview, ConfigMap, Secret, Namespace,
//! ServiceAccount), built from the shared tables in [`super::proto_schema`].

use super::proto_schema::{f, rep, Field, Ty::*, LABEL_SELECTOR, OBJECT_META, POD_TEMPLATE};

static JOB_SPEC: &[Field] = &[
    f(1, "parallelism", IntP),
    f(2, "completions", IntP),
    f(3, "activeDeadlineSeconds", IntP),
    f(4, "selector", Msg(LABEL_SELECTOR)),
    f(5, "manualSelector", BoolP),
    f(6, "template", Msg(POD_TEMPLATE)),
    f(7, "backoffLimit", IntP),
    f(8, "ttlSecondsAfterFinished", IntP),
    f(9, "completionMode", Str),
    f(10, "suspend", BoolP),
    f(12, "backoffLimitPerIndex", IntP),
    f(13, "maxFailedIndexes", IntP),
    f(14, "podReplacementPolicy", Str),
    f(15, "managedBy", Str),
];
static JOB: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(JOB_SPEC)),
];
static RESOURCE_ATTRIBUTES: &[Field] = &[
    f(1, "namespace", Str),
    f(2, "verb", Str),
    f(3, "group", Str),
    f(4, "version", Str),
    f(5, "resource", Str),
    f(6, "subresource", Str),
    f(7, "name", Str),
];
static NON_RESOURCE_ATTRIBUTES: &[Field] = &[f(1, "path", Str), f(2, "verb", Str)];
static SSAR_SPEC: &[Field] = &[
    f(1, "resourceAttributes", Msg(RESOURCE_ATTRIBUTES)),
    f(2, "nonResourceAttributes", Msg(NON_RESOURCE_ATTRIBUTES)),
];
static SSAR: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(SSAR_SPEC)),
];
static CONFIG_MAP: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "data", MapStr),
    f(3, "binaryData", MapBytes),
    f(4, "immutable", BoolP),
];
static SECRET: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "data", MapBytes),
    f(3, "type", Str),
    f(4, "stringData", MapStr),
    f(5, "immutable", BoolP),
];
static NAMESPACE_SPEC: &[Field] = &[rep(1, "finalizers", Str)];
static NAMESPACE: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(NAMESPACE_SPEC)),
];
static SERVICE_ACCOUNT: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(4, "automountServiceAccountToken", BoolP),
];

static ROLLING_UPDATE: &[Field] = &[f(1, "maxUnavailable", IntOrStr), f(2, "maxSurge", IntOrStr)];
static DEPLOYMENT_STRATEGY: &[Field] = &[
    f(1, "type", Str),
    f(2, "rollingUpdate", Msg(ROLLING_UPDATE)),
];
static DEPLOYMENT_SPEC: &[Field] = &[
    f(1, "replicas", IntP),
    f(2, "selector", Msg(LABEL_SELECTOR)),
    f(3, "template", Msg(POD_TEMPLATE)),
    f(4, "strategy", Msg(DEPLOYMENT_STRATEGY)),
    f(5, "minReadySeconds", Int),
    f(6, "revisionHistoryLimit", IntP),
    f(7, "paused", Bool),
    f(9, "progressDeadlineSeconds", IntP),
];
static DEPLOYMENT: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(DEPLOYMENT_SPEC)),
];
static JOB_TEMPLATE: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(JOB_SPEC)),
];
static CRON_JOB_SPEC: &[Field] = &[
    f(1, "schedule", Str),
    f(2, "startingDeadlineSeconds", IntP),
    f(3, "concurrencyPolicy", Str),
    f(4, "suspend", BoolP),
    f(5, "jobTemplate", Msg(JOB_TEMPLATE)),
    f(6, "successfulJobsHistoryLimit", IntP),
    f(7, "failedJobsHistoryLimit", IntP),
    f(8, "timeZone", Str),
];
static CRON_JOB: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(CRON_JOB_SPEC)),
];
static SERVICE_PORT: &[Field] = &[
    f(1, "name", Str),
    f(2, "protocol", Str),
    f(3, "port", Int),
    f(4, "targetPort", IntOrStr),
    f(5, "nodePort", Int),
    f(6, "appProtocol", Str),
];
static SERVICE_SPEC: &[Field] = &[
    rep(1, "ports", Msg(SERVICE_PORT)),
    f(2, "selector", MapStr),
    f(3, "clusterIP", Str),
    f(4, "type", Str),
    rep(5, "externalIPs", Str),
    f(7, "sessionAffinity", Str),
    f(8, "loadBalancerIP", Str),
    f(10, "externalName", Str),
    f(11, "externalTrafficPolicy", Str),
    rep(18, "clusterIPs", Str),
    rep(19, "ipFamilies", Str),
    f(20, "ipFamilyPolicy", Str),
];
static SERVICE: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(SERVICE_SPEC)),
];

/// The message table of a kind kubectl may send as protobuf.
pub fn schema_for(api_version: &str, kind: &str) -> Option<&'static [Field]> {
    Some(match (api_version, kind) {
        ("batch/v1", "Job") => JOB,
        ("batch/v1", "CronJob") => CRON_JOB,
        ("apps/v1", "Deployment") => DEPLOYMENT,
        ("v1", "Service") => SERVICE,
        ("authorization.k8s.io/v1", "SelfSubjectAccessReview") => SSAR,
        ("v1", "ConfigMap") => CONFIG_MAP,
        ("v1", "Secret") => SECRET,
        ("v1", "Namespace") => NAMESPACE,
        ("v1", "ServiceAccount") => SERVICE_ACCOUNT,
        _ => return None,
    })
}
