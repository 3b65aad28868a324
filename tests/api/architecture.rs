//! The layering `src/lib.rs` states, held: each top-level module uses only the modules listed
//! before it, so the rules never reach for HTTP, the codec never for the router, and nothing
//! imports in a circle.

/// The modules in dependency order: each may use those before it, never those after.
const LAYERS: [&str; 7] = [
    "domain",
    "config",
    "telemetry",
    "codec",
    "http",
    "server",
    "cli",
];

/// Every `.rs` file under `dir`.
fn sources(dir: &std::path::Path, found: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, found);
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
}

#[test]
fn each_module_uses_only_the_layers_below_it() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    for (rank, layer) in LAYERS.iter().enumerate() {
        let mut files = Vec::new();
        let dir = src.join(layer);
        if dir.is_dir() {
            sources(&dir, &mut files);
        } else {
            files.push(src.join(format!("{layer}.rs")));
        }
        assert!(!files.is_empty(), "no sources for {layer}");
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            for above in &LAYERS[rank + 1..] {
                let reach = format!("crate::{above}::");
                let import = format!("crate::{{{above}");
                let found = text
                    .lines()
                    .filter(|line| !line.trim_start().starts_with("//"))
                    .find(|line| line.contains(&reach) || line.contains(&import));
                assert!(
                    found.is_none(),
                    "{} ({layer}) reaches up into {above}: {}",
                    file.display(),
                    found.unwrap_or_default().trim()
                );
            }
        }
    }
}
