//! `kubechat-ops check` with no `--prometheus`: it reaches Prometheus the way the console
//! does, through the Kubernetes API server's service proxy (here the simulated cluster's),
//! with the kubeconfig's credentials.

use kubechat_sim::{SimHandle, SimOptions};

const BIN: &str = env!("CARGO_BIN_EXE_kubechat-ops");

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn check_goes_through_the_kube_service_proxy() {
    let sim = SimHandle::start(SimOptions::default()).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let kubeconfig = dir.path().join("kubeconfig");
    sim.write_kubeconfig(&kubeconfig).unwrap();
    // The simulator's series need a few seconds of samples before a rate has a value:
    // run the check until it has them (bounded), as a script polling a fresh cluster would.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let out = tokio::process::Command::new(BIN)
            .args([
                "check",
                "--format",
                "json",
                "--kpi",
                "error_rate",
                "--kpi",
                "p95_latency",
            ])
            .env("KUBECONFIG", &kubeconfig)
            .env("HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path().join("config"))
            .env_remove("KUBECHAT_PROMETHEUS")
            .output()
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&out.stdout).to_string();
        let stderr = String::from_utf8_lossy(&out.stderr);
        let rows: Vec<serde_json::Value> = serde_json::from_str(&stdout)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {stdout}\n{stderr}"));
        assert_eq!(rows.len(), 2, "{stdout}");
        for row in &rows {
            // Prometheus answered through the proxy: no error, at worst no data yet.
            assert_ne!(row["state"], "error", "{row}");
        }
        assert_ne!(out.status.code(), Some(2), "{stdout}\n{stderr}");
        if rows.iter().all(|r| r["value"].is_number()) {
            let error_rate = rows.iter().find(|r| r["id"] == "error_rate").unwrap();
            assert_eq!(error_rate["state"], "ok", "a healthy cluster: {error_rate}");
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "no values after 60 s: {stdout}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    }
    sim.shutdown().await;
}
