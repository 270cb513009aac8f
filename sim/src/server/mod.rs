//! The simulated Kubernetes API server over plain HTTP (owner: sim-api).
//!
//! [`router`] builds the axum app: discovery, the REST resources, the Prometheus query API
//! (at the root and behind the `prometheus` service proxy), the other services' proxy
//! ([`proxy`]: the gateway's health and login), `metrics.k8s.io` ([`metrics`]), `/metrics`,
//! and the admin API (`/_sim/`, see [`admin`]). [`lifecycle`] serves it, stops and restarts it, and closes it for
//! refusal windows ([`Faults`]).

pub mod admin;
pub mod cells;
pub mod column;
pub mod columns;
pub mod crds;
pub mod defaults;
pub mod discovery;
pub mod ephemeral;
pub mod lifecycle;
pub mod list;
pub mod logs;
pub mod metrics;
pub mod openapi;
pub mod patch;
pub mod podlog;
pub mod proto_kinds;
pub mod proto_schema;
pub mod protobuf;
pub mod proxy;
pub mod request;
pub mod response;
pub mod rest;
pub mod scale;
pub mod selectors;
pub mod table;
pub mod views;
pub mod watch;

mod faults;
mod routes;

pub use faults::{Faults, RefusingListener};
pub use routes::router;
