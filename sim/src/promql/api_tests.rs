//! The API's own formatting; the HTTP shapes are tested through the console's Prometheus
//! client in tests/sim_promql_api.rs (the simulator does not depend on the console).

use super::*;

#[test]
fn values_are_written_as_prometheus_does() {
    assert_eq!(value_string(0.1), "0.1");
    assert_eq!(value_string(1e21), "1000000000000000000000");
    assert_eq!(value_string(f64::NAN), "NaN");
    assert_eq!(value_string(f64::NEG_INFINITY), "-Inf");
    assert_eq!(go_exp(2.5), "2.500000e+00");
    assert_eq!(go_exp(0.0123), "1.230000e-02");
}
