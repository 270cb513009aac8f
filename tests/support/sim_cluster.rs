//! A simulated cluster for the headless commands' tests: the simulator in-process, a
//! kubeconfig that points at it, and a temporary directory the command uses as its HOME.

#![allow(dead_code)]

use std::path::PathBuf;

use kubechat_sim::{SimHandle, SimOptions};

pub struct Cluster {
    pub sim: SimHandle,
    pub dir: tempfile::TempDir,
    pub kubeconfig: PathBuf,
}

impl Cluster {
    /// The simulator started with `options`, and its kubeconfig written.
    pub async fn with(options: SimOptions) -> Cluster {
        let sim = SimHandle::start(options)
            .await
            .expect("the simulator starts");
        let dir = tempfile::tempdir().unwrap();
        let kubeconfig = dir.path().join("kubeconfig");
        sim.write_kubeconfig(&kubeconfig).unwrap();
        Cluster {
            sim,
            dir,
            kubeconfig,
        }
    }
}
