//! Slim view models of the watched objects, converted from k8s-openapi types by pure
//! functions (owner: console). STUB: the console helper fills these in.

#[derive(Debug, Clone, PartialEq, Default)]
pub struct DeploymentView {}
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ReplicaSetView {}
#[derive(Debug, Clone, PartialEq, Default)]
pub struct PodView {}
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ServiceView {}
#[derive(Debug, Clone, PartialEq, Default)]
pub struct EventView {}
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RolloutView {}
