//! What a run was measured on, for the tables and the charts' captions: the CPU, the compiler
//! and the versions of the crates measured. Each example puts these pieces in its own machine
//! line, beside what only it knows (the SHA-256 code that ran, the cores of server and load).

/// The CPU's model, the cores this process may use, and whether the CPU has the SHA
/// instructions, as `/proc/cpuinfo` says: e.g. `AMD EPYC 7B13, 2 cores, SHA-NI`.
pub fn hardware() -> String {
    let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").unwrap_or_default();
    let cpu = cpuinfo
        .lines()
        .find(|line| line.starts_with("model name"))
        .and_then(|line| line.split(':').nth(1))
        .map_or("unknown CPU", str::trim);
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let sha_ni = cpuinfo.split_whitespace().any(|flag| flag == "sha_ni");
    let sha = if sha_ni { ", SHA-NI" } else { "" };
    format!("{cpu}, {cores} cores{sha}")
}

/// The compiler on the path, which built the example: `rustc 1.95.0` for a stable release, whose
/// number says it all, and the whole `rustc --version` (commit and date) for any other.
pub fn rustc() -> String {
    let version = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map(|v| v.trim().to_owned());
    let Some(version) = version.filter(|v| !v.is_empty()) else {
        return "rustc unknown".into();
    };
    let release: Vec<&str> = version.split_whitespace().take(2).collect();
    // A beta or nightly says so in its number (`1.96.0-nightly`).
    if release.get(1).is_some_and(|number| !number.contains('-')) {
        release.join(" ")
    } else {
        version
    }
}

/// `name version` of each crate, comma-separated, from the lock file the example was built
/// with. Where the lock holds several versions of a crate, the one this package depends on
/// (`cookie` 0.16 comes with actix-web); for a crate it does not depend on directly, all of them.
pub fn versions(names: &[&str]) -> String {
    let lock = include_str!("../../../Cargo.lock");
    let entries: Vec<&str> = lock.split("[[package]]").collect();
    let named = |name: &str| {
        let line = format!("\nname = \"{name}\"\n");
        entries
            .iter()
            .filter(move |entry| entry.contains(&line))
            .copied()
    };
    let field = |entry: &str, key: &str| {
        entry
            .lines()
            .find_map(|line| line.strip_prefix(key)?.strip_prefix(" = \""))
            .map(|v| v.trim_end_matches('"').to_owned())
    };
    // A dependency is listed as `"name"`, or as `"name version"` when the lock holds several.
    let ours: Vec<&str> = named("sigcookie-bench")
        .flat_map(|entry| entry.lines())
        .map(|line| line.trim().trim_end_matches(',').trim_matches('"'))
        .collect();
    let version = |name: &str| {
        let pinned = ours
            .iter()
            .find_map(|dep| dep.strip_prefix(name)?.strip_prefix(' '));
        pinned.map_or_else(
            || {
                let all: Vec<String> = named(name)
                    .filter_map(|entry| field(entry, "version"))
                    .collect();
                if all.is_empty() {
                    "?".to_owned()
                } else {
                    all.join(" and ")
                }
            },
            str::to_owned,
        )
    };
    names
        .iter()
        .map(|name| format!("{name} {}", version(name)))
        .collect::<Vec<_>>()
        .join(", ")
}
