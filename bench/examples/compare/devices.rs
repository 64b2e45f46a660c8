//! The device ratios (`devices.md`): how far ahead of `jsonwebtoken` and `SignedJar` sigcookie
//! stays without SHA instructions, from this run and, side by side, a run with the other
//! SHA-256 code read back from its saved output.

use std::fmt::Write as _;

use crate::common::Family;
use crate::common::chart::{self, Bar, Caption, Chart, Unit};
use crate::tables::Table;

/// The SHA-256 code every contender ran, as sha2 0.10 chooses it: its portable code under
/// `force-soft`; otherwise, on x86, the SHA-NI instructions when the CPU has them (the same
/// check as sha2's own), and elsewhere its portable code, since its ARMv8 backend needs its `asm`
/// feature, which nothing here enables.
pub fn sha256_backend() -> &'static str {
    if cfg!(feature = "force-soft") {
        "portable (force-soft)"
    } else if sha_ni() {
        "SHA-NI"
    } else if cfg!(any(target_arch = "x86", target_arch = "x86_64")) {
        "portable (the CPU has no SHA-NI)"
    } else {
        "portable (sha2 without asm)"
    }
}

#[cfg(any(target_arch = "x86", target_arch = "x86_64"))]
fn sha_ni() -> bool {
    std::arch::is_x86_feature_detected!("sha")
        && std::arch::is_x86_feature_detected!("sse2")
        && std::arch::is_x86_feature_detected!("ssse3")
        && std::arch::is_x86_feature_detected!("sse4.1")
}

#[cfg(not(any(target_arch = "x86", target_arch = "x86_64")))]
fn sha_ni() -> bool {
    false
}

/// One run's HMAC times by operation, with its machine line: this run's, or another's read back
/// from its printed output.
pub struct Run {
    machine: String,
    ns: Vec<(String, f64)>,
}

impl Run {
    /// This run's HMAC times by operation.
    pub fn of(table: &Table, machine: String) -> Run {
        Run {
            machine,
            ns: table
                .family(Family::Hmac)
                .map(|row| (row.operation.clone(), row.ns))
                .collect(),
        }
    }

    /// Reads the machine line and the first table (`| operation | ns/op | ...`) of a run's
    /// output, as `compare` prints them.
    pub fn parse(text: &str) -> Result<Run, String> {
        let machine = text
            .lines()
            .find(|line| line.contains("; SHA-256: "))
            .ok_or("no machine line naming the SHA-256 backend: save the output of this version")?
            .to_owned();
        let ns: Vec<(String, f64)> = text
            .lines()
            .skip_while(|line| !line.starts_with("| operation | ns/op |"))
            .skip(2)
            .take_while(|line| line.starts_with('|'))
            .filter_map(|line| {
                let mut cells = line.split('|').skip(1).map(str::trim);
                let operation = cells.next()?.to_owned();
                let ns = cells.next()?.parse().ok()?;
                Some((operation, ns))
            })
            .collect();
        let run = Run { machine, ns };
        match device_rows()
            .into_iter()
            .flat_map(|row| [row.of, row.over])
            .find(|op| run.get(op).is_none())
        {
            Some(missing) => Err(format!("no row \"{missing}\" in its first table")),
            None => Ok(run),
        }
    }

    fn get(&self, operation: &str) -> Option<f64> {
        self.ns
            .iter()
            .find_map(|(op, ns)| (op == operation).then_some(*ns))
    }

    fn ratio(&self, row: &DeviceRow) -> f64 {
        let ns = |op: &str| self.get(op).expect("an operation of the HMAC table");
        ns(&row.of) / ns(&row.over)
    }

    /// The SHA-256 code the run used, from its machine line.
    fn backend(&self) -> &str {
        self.machine
            .split_once("; SHA-256: ")
            .map_or("", |(_, backend)| backend)
    }

    /// The machine line without the backend.
    fn cpu(&self) -> &str {
        self.machine
            .split_once("; SHA-256: ")
            .map_or(&self.machine, |(cpu, _)| cpu)
    }
}

/// This run and the other, the run with the SHA instructions first, whichever of the two this
/// one is; a warning where they are not one machine's two backends.
pub fn side_by_side(this: Run, other: Option<Run>) -> Vec<Run> {
    let mut runs = vec![this];
    runs.extend(other);
    runs.sort_by_key(|run| run.backend().starts_with("portable"));
    if let [a, b] = &runs[..] {
        if a.backend() == b.backend() {
            eprintln!("compare: both runs used SHA-256 {}", a.backend());
        }
        if a.cpu() != b.cpu() {
            eprintln!("compare: the two runs are of different machines or compilers");
        }
    }
    runs
}

/// A ratio of two operations of the HMAC table: how many times longer `of` takes than `over`.
struct DeviceRow {
    what: String,
    of: String,
    over: String,
    /// Drawn in the device chart: the competitors over sigcookie.
    charted: bool,
}

/// The ratios a device is about. `jsonwebtoken` is set against a timed value, which carries what
/// its claims carry (`iat`, `exp`), and `SignedJar` against an untimed one, like its own values.
fn device_rows() -> Vec<DeviceRow> {
    let mut rows = Vec::new();
    for op in ["verify", "sign"] {
        for id in ["id5", "id36"] {
            rows.push(DeviceRow {
                what: format!("{op}: jsonwebtoken HS256 ÷ sigcookie timed, {id}"),
                of: format!("{op} jsonwebtoken HS256 {id}"),
                over: format!("{op} sigcookie timed tag32 {id}"),
                charted: true,
            });
            rows.push(DeviceRow {
                what: format!("{op}: SignedJar ÷ sigcookie untimed, {id}"),
                of: format!("{op} cookie SignedJar {id}"),
                over: format!("{op} sigcookie untimed tag32 {id}"),
                charted: true,
            });
        }
    }
    let chained = "2 SHA-256 compressions, chained";
    for op in ["verify", "sign"] {
        rows.push(DeviceRow {
            what: format!("{op} sigcookie untimed, id5 ÷ chained floor"),
            of: format!("{op} sigcookie untimed tag32 id5"),
            over: chained.to_owned(),
            charted: false,
        });
    }
    rows
}

/// The device ratios of one run, or of two side by side, with each run's chained floor in
/// nanoseconds: how much slower SHA-256 itself became.
pub fn markdown(runs: &[Run]) -> String {
    let mut out = String::from("| HMAC ratio |");
    for run in runs {
        write!(out, " SHA-256 {} |", run.backend()).expect("write to String");
    }
    out.push_str("\n|---|");
    out.push_str(&"---:|".repeat(runs.len()));
    out.push('\n');
    for row in device_rows() {
        write!(out, "| {} |", row.what).expect("write to String");
        for run in runs {
            write!(out, " {:.2} |", run.ratio(&row)).expect("write to String");
        }
        out.push('\n');
    }
    out.push_str("| 2 SHA-256 compressions, chained, ns |");
    for run in runs {
        let ns = run.get("2 SHA-256 compressions, chained");
        write!(out, " {:.0} |", ns.unwrap_or(f64::NAN)).expect("write to String");
    }
    out.push('\n');
    out
}

/// The device chart: for each competitor, operation and id, its time over sigcookie's, one bar
/// per run, so that the SHA-NI and the portable run sit side by side.
pub fn chart(runs: &[Run]) -> Chart {
    let rows = device_rows()
        .into_iter()
        .filter(|row| row.charted)
        .map(|row| {
            let bars = runs.iter().zip(chart::SERIES.iter().cycle());
            chart::Row {
                bars: bars
                    .map(|(run, &colour)| Bar {
                        value: run.ratio(&row),
                        colour,
                    })
                    .collect(),
                label: row.what,
            }
        });
    Chart {
        title: "Times longer than sigcookie, with and without SHA instructions \
                (longer: sigcookie further ahead)"
            .into(),
        caption: runs
            .iter()
            .zip(chart::SERIES.iter().cycle())
            .map(|(run, &colour)| Caption {
                text: run.machine.clone(),
                swatch: Some(colour),
            })
            .collect(),
        unit: Unit {
            decimals: 1,
            suffix: "×",
        },
        rows: rows.collect(),
        // Where a competitor would be as fast as sigcookie.
        mark: Some((1.0, "1 = as fast as sigcookie".into())),
    }
}
