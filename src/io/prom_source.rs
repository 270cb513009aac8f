//! Where the console reaches Prometheus: `--prometheus URL` or the config's URL; the demo
//! cluster's own query API; or, like Lens, through the Kubernetes API server's service
//! proxy to the Prometheus Service, with the kube client's own credentials.

use std::time::Duration;

use anyhow::Context;
use base64::Engine;
use secrecy::ExposeSecret;

use super::prom::PromConfig;
use crate::config::PrometheusConfig;

/// Resolves the Prometheus endpoint in that order of precedence; with no URL and no
/// Kubernetes configuration, Prometheus on this machine's default port.
pub fn resolve(
    explicit_url: Option<&str>,
    demo_url: Option<String>,
    settings: &PrometheusConfig,
    kube: Option<&kube::Config>,
) -> anyhow::Result<PromConfig> {
    let timeout = Duration::from_secs(settings.timeout_seconds.max(1));
    if let Some(url) = explicit_url {
        let mut config = PromConfig::new(url.trim_end_matches('/'));
        config.timeout = timeout;
        config.ca_file = settings.ca_file.clone();
        if let Some(file) = &settings.bearer_token_file {
            let token = std::fs::read_to_string(file).with_context(|| {
                format!(
                    "{}: cannot read the Prometheus bearer token",
                    file.display()
                )
            })?;
            config.bearer_token = Some(token.trim().to_string());
        }
        if let (Some(user), Some(file)) = (&settings.username, &settings.password_file) {
            let password = std::fs::read_to_string(file).with_context(|| {
                format!("{}: cannot read the Prometheus password", file.display())
            })?;
            config.basic_auth = Some((user.clone(), password.trim().to_string()));
        }
        return Ok(config);
    }
    if let Some(url) = demo_url {
        let mut config = PromConfig::new(url);
        config.timeout = timeout;
        return Ok(config);
    }
    let Some(kube) = kube else {
        let mut config = PromConfig::new(crate::config::DEFAULT_PROMETHEUS);
        config.timeout = timeout;
        return Ok(config);
    };
    let mut config = PromConfig::new(service_proxy_url(
        &kube.cluster_url.to_string(),
        &settings.service,
    )?);
    config.timeout = timeout;
    config.bearer_token = kube
        .auth_info
        .token
        .as_ref()
        .map(|t| t.expose_secret().to_string());
    config.ca_pem = kube.root_cert.as_ref().map(|certs| {
        certs
            .iter()
            .map(|der| der_to_pem(der))
            .collect::<String>()
            .into_bytes()
    });
    config.insecure = kube.accept_invalid_certs;
    Ok(config)
}

/// `https://api:6443` + `monitoring-system/prometheus:9090` →
/// `https://api:6443/api/v1/namespaces/monitoring-system/services/prometheus:9090/proxy`.
pub fn service_proxy_url(cluster_url: &str, service: &str) -> anyhow::Result<String> {
    let (namespace, name_port) = service.split_once('/').with_context(|| {
        format!("prometheus.service {service:?} must be NAMESPACE/NAME:PORT, e.g. monitoring-system/prometheus:9090")
    })?;
    anyhow::ensure!(
        !namespace.is_empty() && !name_port.is_empty(),
        "prometheus.service {service:?} must be NAMESPACE/NAME:PORT"
    );
    Ok(format!(
        "{}/api/v1/namespaces/{namespace}/services/{name_port}/proxy",
        cluster_url.trim_end_matches('/')
    ))
}

fn der_to_pem(der: &[u8]) -> String {
    let b64 = base64::engine::general_purpose::STANDARD.encode(der);
    let body: Vec<&str> = b64
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap_or_default())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        body.join("\n")
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builds_the_service_proxy_url() {
        assert_eq!(
            service_proxy_url("https://10.0.0.1:6443/", "monitoring-system/prometheus:9090").unwrap(),
            "https://10.0.0.1:6443/api/v1/namespaces/monitoring-system/services/prometheus:9090/proxy"
        );
        assert!(service_proxy_url("https://x", "prometheus:9090").is_err());
    }

    #[test]
    fn der_becomes_pem() {
        let pem = der_to_pem(&[0u8; 100]);
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\nAAAA"));
        assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
    }
}
