//! Records the git commit being built as `PREBUILD_DECIDER_COMMIT` (for build info and
//! `/v1/version`). `PREBUILD_DECIDER_COMMIT` in the build environment wins (a container build
//! has no `.git`); without either it is `unknown`.

use std::process::Command;

fn main() {
    println!("cargo:rerun-if-env-changed=PREBUILD_DECIDER_COMMIT");
    println!("cargo:rerun-if-changed=.git/HEAD");
    println!("cargo:rerun-if-changed=.git/refs/heads");
    let commit = std::env::var("PREBUILD_DECIDER_COMMIT")
        .ok()
        .filter(|c| !c.is_empty())
        .or_else(|| {
            let output = Command::new("git")
                .args(["rev-parse", "--short=12", "HEAD"])
                .output()
                .ok()?;
            output
                .status
                .success()
                .then(|| String::from_utf8_lossy(&output.stdout).trim().to_owned())
        });
    println!(
        "cargo:rustc-env=PREBUILD_DECIDER_COMMIT={}",
        commit.unwrap_or_else(|| "unknown".to_owned())
    );
}
