//! Field tables of the Kubernetes protobuf messages kubectl sends (from the
//! `generated.proto` files of k8s.io/api and apimachinery), for [`super::protobuf`].
//! Checked against kubectl: `tests/sim_kubectl.rs` compares what kubectl sends as
//! protobuf with the JSON it prints for `--dry-run=client -o json`.

/// A field's wire type as JSON needs it.
pub enum Ty {
    Str,
    /// Non-pointer int (omitted when 0).
    Int,
    /// Pointer int (kept when 0).
    IntP,
    Bool,
    BoolP,
    /// base64 in JSON.
    Bytes,
    Msg(&'static [Field]),
    MapStr,
    MapQty,
    MapBytes,
    Qty,
    Time,
    IntOrStr,
}

pub struct Field {
    pub num: u32,
    pub name: &'static str,
    pub ty: Ty,
    pub repeated: bool,
    /// An embedded struct whose fields JSON flattens into the parent.
    pub inline: bool,
}

impl Field {
    pub const fn new(num: u32, name: &'static str, ty: Ty) -> Field {
        Field {
            num,
            name,
            ty,
            repeated: false,
            inline: false,
        }
    }
}

pub(super) const fn f(num: u32, name: &'static str, ty: Ty) -> Field {
    Field::new(num, name, ty)
}
pub(super) const fn rep(num: u32, name: &'static str, ty: Ty) -> Field {
    Field {
        repeated: true,
        ..Field::new(num, name, ty)
    }
}
const fn inline(num: u32, ty: Ty) -> Field {
    Field {
        inline: true,
        ..Field::new(num, "", ty)
    }
}
pub(super) use Ty::*;

pub static TYPE_META: &[Field] = &[f(1, "apiVersion", Str), f(2, "kind", Str)];
pub static UNKNOWN: &[Field] = &[
    f(1, "typeMeta", Msg(TYPE_META)),
    f(3, "contentEncoding", Str),
    f(4, "contentType", Str),
];

static OWNER_REF: &[Field] = &[
    f(1, "kind", Str),
    f(3, "name", Str),
    f(4, "uid", Str),
    f(5, "apiVersion", Str),
    f(6, "controller", BoolP),
    f(7, "blockOwnerDeletion", BoolP),
];
pub(super) static OBJECT_META: &[Field] = &[
    f(1, "name", Str),
    f(2, "generateName", Str),
    f(3, "namespace", Str),
    f(5, "uid", Str),
    f(6, "resourceVersion", Str),
    f(7, "generation", Int),
    f(8, "creationTimestamp", Time),
    f(9, "deletionTimestamp", Time),
    f(11, "labels", MapStr),
    f(12, "annotations", MapStr),
    rep(13, "ownerReferences", Msg(OWNER_REF)),
    rep(14, "finalizers", Str),
];
static SELECTOR_REQ: &[Field] = &[
    f(1, "key", Str),
    f(2, "operator", Str),
    rep(3, "values", Str),
];
pub(super) static LABEL_SELECTOR: &[Field] = &[
    f(1, "matchLabels", MapStr),
    rep(2, "matchExpressions", Msg(SELECTOR_REQ)),
];
static LOCAL_REF: &[Field] = &[f(1, "name", Str)];
static KEY_SELECTOR: &[Field] = &[
    inline(1, Msg(LOCAL_REF)),
    f(2, "key", Str),
    f(3, "optional", BoolP),
];
static FIELD_SELECTOR: &[Field] = &[f(1, "apiVersion", Str), f(2, "fieldPath", Str)];
static RESOURCE_SELECTOR: &[Field] = &[
    f(1, "containerName", Str),
    f(2, "resource", Str),
    f(3, "divisor", Qty),
];
static ENV_SOURCE: &[Field] = &[
    f(1, "fieldRef", Msg(FIELD_SELECTOR)),
    f(2, "resourceFieldRef", Msg(RESOURCE_SELECTOR)),
    f(3, "configMapKeyRef", Msg(KEY_SELECTOR)),
    f(4, "secretKeyRef", Msg(KEY_SELECTOR)),
];
static ENV_VAR: &[Field] = &[
    f(1, "name", Str),
    f(2, "value", Str),
    f(3, "valueFrom", Msg(ENV_SOURCE)),
];
static REF_OPTIONAL: &[Field] = &[inline(1, Msg(LOCAL_REF)), f(2, "optional", BoolP)];
static ENV_FROM: &[Field] = &[
    f(1, "prefix", Str),
    f(2, "configMapRef", Msg(REF_OPTIONAL)),
    f(3, "secretRef", Msg(REF_OPTIONAL)),
];
static PORT: &[Field] = &[
    f(1, "name", Str),
    f(2, "hostPort", Int),
    f(3, "containerPort", Int),
    f(4, "protocol", Str),
    f(5, "hostIP", Str),
];
static RESOURCES: &[Field] = &[f(1, "limits", MapQty), f(2, "requests", MapQty)];
static MOUNT: &[Field] = &[
    f(1, "name", Str),
    f(2, "readOnly", Bool),
    f(3, "mountPath", Str),
    f(4, "subPath", Str),
    f(5, "mountPropagation", Str),
    f(6, "subPathExpr", Str),
];
static EXEC: &[Field] = &[rep(1, "command", Str)];
static HEADER: &[Field] = &[f(1, "name", Str), f(2, "value", Str)];
static HTTP_GET: &[Field] = &[
    f(1, "path", Str),
    f(2, "port", IntOrStr),
    f(3, "host", Str),
    f(4, "scheme", Str),
    rep(5, "httpHeaders", Msg(HEADER)),
];
static TCP: &[Field] = &[f(1, "port", IntOrStr), f(2, "host", Str)];
static GRPC: &[Field] = &[f(1, "port", Int), f(2, "service", Str)];
static HANDLER: &[Field] = &[
    f(1, "exec", Msg(EXEC)),
    f(2, "httpGet", Msg(HTTP_GET)),
    f(3, "tcpSocket", Msg(TCP)),
    f(4, "grpc", Msg(GRPC)),
];
static PROBE: &[Field] = &[
    inline(1, Msg(HANDLER)),
    f(2, "initialDelaySeconds", Int),
    f(3, "timeoutSeconds", Int),
    f(4, "periodSeconds", Int),
    f(5, "successThreshold", Int),
    f(6, "failureThreshold", Int),
    f(7, "terminationGracePeriodSeconds", IntP),
];
static SLEEP: &[Field] = &[f(1, "seconds", IntP)];
static LIFECYCLE_HANDLER: &[Field] = &[
    f(1, "exec", Msg(EXEC)),
    f(2, "httpGet", Msg(HTTP_GET)),
    f(3, "tcpSocket", Msg(TCP)),
    f(4, "sleep", Msg(SLEEP)),
];
static LIFECYCLE: &[Field] = &[
    f(1, "postStart", Msg(LIFECYCLE_HANDLER)),
    f(2, "preStop", Msg(LIFECYCLE_HANDLER)),
];
static CAPABILITIES: &[Field] = &[rep(1, "add", Str), rep(2, "drop", Str)];
static SE_LINUX: &[Field] = &[
    f(1, "user", Str),
    f(2, "role", Str),
    f(3, "type", Str),
    f(4, "level", Str),
];
static SECCOMP: &[Field] = &[f(1, "type", Str), f(2, "localhostProfile", Str)];
static SECURITY_CONTEXT: &[Field] = &[
    f(1, "capabilities", Msg(CAPABILITIES)),
    f(2, "privileged", BoolP),
    f(3, "seLinuxOptions", Msg(SE_LINUX)),
    f(4, "runAsUser", IntP),
    f(5, "runAsNonRoot", BoolP),
    f(6, "readOnlyRootFilesystem", BoolP),
    f(7, "allowPrivilegeEscalation", BoolP),
    f(8, "runAsGroup", IntP),
    f(9, "procMount", Str),
    f(11, "seccompProfile", Msg(SECCOMP)),
];
static SYSCTL: &[Field] = &[f(1, "name", Str), f(2, "value", Str)];
static POD_SECURITY_CONTEXT: &[Field] = &[
    f(1, "seLinuxOptions", Msg(SE_LINUX)),
    f(2, "runAsUser", IntP),
    f(3, "runAsNonRoot", BoolP),
    rep(4, "supplementalGroups", Int),
    f(5, "fsGroup", IntP),
    f(6, "runAsGroup", IntP),
    rep(7, "sysctls", Msg(SYSCTL)),
    f(9, "fsGroupChangePolicy", Str),
    f(10, "seccompProfile", Msg(SECCOMP)),
];
static CONTAINER: &[Field] = &[
    f(1, "name", Str),
    f(2, "image", Str),
    rep(3, "command", Str),
    rep(4, "args", Str),
    f(5, "workingDir", Str),
    rep(6, "ports", Msg(PORT)),
    rep(7, "env", Msg(ENV_VAR)),
    f(8, "resources", Msg(RESOURCES)),
    rep(9, "volumeMounts", Msg(MOUNT)),
    f(10, "livenessProbe", Msg(PROBE)),
    f(11, "readinessProbe", Msg(PROBE)),
    f(12, "lifecycle", Msg(LIFECYCLE)),
    f(13, "terminationMessagePath", Str),
    f(14, "imagePullPolicy", Str),
    f(15, "securityContext", Msg(SECURITY_CONTEXT)),
    f(16, "stdin", Bool),
    f(17, "stdinOnce", Bool),
    f(18, "tty", Bool),
    rep(19, "envFrom", Msg(ENV_FROM)),
    f(20, "terminationMessagePolicy", Str),
    f(22, "startupProbe", Msg(PROBE)),
    f(24, "restartPolicy", Str),
];
static KEY_TO_PATH: &[Field] = &[f(1, "key", Str), f(2, "path", Str), f(3, "mode", IntP)];
static HOST_PATH: &[Field] = &[f(1, "path", Str), f(2, "type", Str)];
static EMPTY_DIR: &[Field] = &[f(1, "medium", Str), f(2, "sizeLimit", Qty)];
static SECRET_VOLUME: &[Field] = &[
    f(1, "secretName", Str),
    rep(2, "items", Msg(KEY_TO_PATH)),
    f(3, "defaultMode", IntP),
    f(4, "optional", BoolP),
];
static PVC_VOLUME: &[Field] = &[f(1, "claimName", Str), f(2, "readOnly", Bool)];
static CONFIG_MAP_VOLUME: &[Field] = &[
    inline(1, Msg(LOCAL_REF)),
    rep(2, "items", Msg(KEY_TO_PATH)),
    f(3, "defaultMode", IntP),
    f(4, "optional", BoolP),
];
static VOLUME_SOURCE: &[Field] = &[
    f(1, "hostPath", Msg(HOST_PATH)),
    f(2, "emptyDir", Msg(EMPTY_DIR)),
    f(6, "secret", Msg(SECRET_VOLUME)),
    f(10, "persistentVolumeClaim", Msg(PVC_VOLUME)),
    f(19, "configMap", Msg(CONFIG_MAP_VOLUME)),
];
static VOLUME: &[Field] = &[f(1, "name", Str), inline(2, Msg(VOLUME_SOURCE))];
static TOLERATION: &[Field] = &[
    f(1, "key", Str),
    f(2, "operator", Str),
    f(3, "value", Str),
    f(4, "effect", Str),
    f(5, "tolerationSeconds", IntP),
];
static POD_SPEC: &[Field] = &[
    rep(1, "volumes", Msg(VOLUME)),
    rep(2, "containers", Msg(CONTAINER)),
    f(3, "restartPolicy", Str),
    f(4, "terminationGracePeriodSeconds", IntP),
    f(5, "activeDeadlineSeconds", IntP),
    f(6, "dnsPolicy", Str),
    f(7, "nodeSelector", MapStr),
    f(8, "serviceAccountName", Str),
    f(9, "serviceAccount", Str),
    f(10, "nodeName", Str),
    f(11, "hostNetwork", Bool),
    f(12, "hostPID", Bool),
    f(13, "hostIPC", Bool),
    f(14, "securityContext", Msg(POD_SECURITY_CONTEXT)),
    rep(15, "imagePullSecrets", Msg(LOCAL_REF)),
    f(16, "hostname", Str),
    f(17, "subdomain", Str),
    f(19, "schedulerName", Str),
    rep(20, "initContainers", Msg(CONTAINER)),
    f(21, "automountServiceAccountToken", BoolP),
    rep(22, "tolerations", Msg(TOLERATION)),
    f(24, "priorityClassName", Str),
    f(25, "priority", IntP),
    f(27, "shareProcessNamespace", BoolP),
    f(29, "runtimeClassName", Str),
    f(30, "enableServiceLinks", BoolP),
    f(31, "preemptionPolicy", Str),
];
pub(super) static POD_TEMPLATE: &[Field] = &[
    f(1, "metadata", Msg(OBJECT_META)),
    f(2, "spec", Msg(POD_SPEC)),
];
