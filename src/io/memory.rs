//! Hands freed heap memory back to the system after a big list: decoding 10,000 pods
//! allocates several times what their view models keep, and glibc's malloc keeps what is
//! freed for reuse unless asked (the simulator does the same, `kubechat_sim::memory`).
//! Elsewhere (musl, macOS) this does nothing.

/// Lists smaller than this leave too little behind to be worth a trim.
pub const TRIM_AFTER_OBJECTS: usize = 1000;

/// Returns freed heap memory to the system (a few milliseconds at most).
pub fn release_free_memory() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim takes no pointers and is safe to call from any thread at any time.
    unsafe {
        libc::malloc_trim(0);
    }
}
