//! The performance summary in the README: sigcookie against `jsonwebtoken` and `cookie`'s
//! `SignedJar`, as one markdown table and an SVG bar chart, in well under a minute; then
//! sigcookie's Ed25519 values against `jsonwebtoken`'s EdDSA and `ed25519-dalek` alone, as a
//! second table (not in the chart).
//!
//! ```text
//! cargo run --release -p sigcookie-bench --example compare [-- --svg PATH]
//! ```
//!
//! It prints the tables and writes nothing, so that running a benchmark leaves the repository
//! clean; with `--svg PATH` it also writes the chart there (the README's is
//! `docs/performance.svg`).
//!
//! It times the same operations as `cargo bench -p sigcookie-bench --bench sigcookie` (the
//! fixtures are shared), but
//! with a plain loop: every operation is timed in short batches, the operations take turns batch
//! by batch so that a burst of load elsewhere on the machine hits them all alike, each batch
//! runs at another depth on the stack ([`common::at_depth`]), and each operation reports its
//! median batch. Ratios within one run are what to compare across machines.

#[path = "../benches/common/mod.rs"]
mod common;

use std::fmt::Write as _;
use std::hint::black_box;
use std::time::{Duration, Instant};

use common::{Bare, Contender, Depths, Family, Floor, Forged, Sigcookie};

/// Turns each operation gets; the median of these is its time.
const ROUNDS: usize = 61;
/// Target length of one timed batch: long against the clock's resolution, short against a
/// scheduler's time slice.
const BATCH: Duration = Duration::from_millis(2);
/// Verifies per thread in one run of the thread-scaling check.
const THREAD_ITERS: u64 = 200_000;

fn main() {
    let svg_path = svg_path();
    let now = common::now();
    let mut contenders = common::contenders(now);
    contenders.extend(common::ed25519_contenders(now));
    let bare = common::bare_ed25519(now);
    let forged = Forged::new();
    let mut floor = Floor::new();
    let reference = Sigcookie::reference(now);

    let ops = ops(&contenders, &bare);
    let mut samples = vec![Vec::with_capacity(ROUNDS); ops.len()];
    let mut iters: Vec<u64> = Vec::new();
    let mut depths = Depths::new();
    for round in 0..=ROUNDS {
        for (i, op) in ops.iter().enumerate() {
            let mut run = |n: u64| match *op {
                Op::Floor => time(n, || floor.run()),
                Op::FloorChained => time(n, || floor.run_chained()),
                Op::Hmac => time(n, || floor.run_hmac()),
                Op::Sign(c) => time(n, || contenders[c].sign()),
                Op::Verify(c) => time(n, || contenders[c].verify()),
                Op::BareSign(b) => time(n, || bare[b].sign()),
                Op::BareVerify(b) => time(n, || bare[b].verify()),
                Op::Forged => time(n, || forged.run()),
                Op::ForgedBare => time(n, || forged.bare().verify()),
            };
            if round == 0 {
                // Warm-up round: also sizes each operation's batch.
                iters.push(calibrate(&mut run));
            } else {
                let ns = common::at_depth(depths.next_depth(), &mut || run(iters[i]));
                samples[i].push(ns / iters[i] as f64);
            }
        }
    }
    let ns: Vec<f64> = samples.iter_mut().map(|s| median(s)).collect();
    let scaling = thread_scaling(&reference);

    let table = Table::new(&ops, &ns, &contenders, &bare, &forged);
    println!("{}", machine());
    println!();
    print!("{}", table.markdown());
    println!();
    print!("{}", table.ed25519_markdown());
    println!();
    print!("{}", table.ratios(scaling));
    if let Some(svg_path) = svg_path {
        if let Some(dir) = svg_path.parent() {
            std::fs::create_dir_all(dir).expect("create the SVG chart's folder");
        }
        std::fs::write(&svg_path, table.svg(&machine())).expect("write the SVG chart");
        eprintln!("chart written to {}", svg_path.display());
    }
}

/// Where to write the chart: only when asked with `--svg PATH`. Anything else on the command line
/// is refused, so that a mistyped flag does not silently skip (or write) the chart.
fn svg_path() -> Option<std::path::PathBuf> {
    let mut args = std::env::args_os().skip(1);
    let mut path = None;
    while let Some(arg) = args.next() {
        match (arg.to_str(), args.next()) {
            (Some("--svg"), Some(p)) if path.is_none() => path = Some(p.into()),
            _ => {
                eprintln!(
                    "usage: cargo run --release -p sigcookie-bench --example compare [-- --svg PATH]"
                );
                std::process::exit(2);
            }
        }
    }
    path
}

#[derive(Clone, Copy)]
enum Op {
    Floor,
    FloorChained,
    Hmac,
    Sign(usize),
    Verify(usize),
    /// `ed25519-dalek` alone on a sigcookie Ed25519 value's message.
    BareSign(usize),
    BareVerify(usize),
    /// A forged Ed25519 value against four keys, and `verify_strict` of it alone.
    Forged,
    ForgedBare,
}

/// Table order: the floor, its chained form and the `hmac` crate's MAC, every sign, then every
/// verify, contenders in [`common::contenders`] then [`common::ed25519_contenders`] order, each
/// group of Ed25519 rows followed by `ed25519-dalek` alone; the forged value and its
/// `verify_strict` alone last. Each table shows its own family's rows in this order.
fn ops(contenders: &[Box<dyn Contender>], bare: &[Bare]) -> Vec<Op> {
    let mut ops = vec![Op::Floor, Op::FloorChained, Op::Hmac];
    ops.extend((0..contenders.len()).map(Op::Sign));
    ops.extend((0..bare.len()).map(Op::BareSign));
    ops.extend((0..contenders.len()).map(Op::Verify));
    ops.extend((0..bare.len()).map(Op::BareVerify));
    ops.extend([Op::Forged, Op::ForgedBare]);
    ops
}

/// Nanoseconds to run `f` `iters` times.
fn time(iters: u64, mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_nanos() as f64
}

/// Iterations that take about [`BATCH`].
fn calibrate(run: &mut impl FnMut(u64) -> f64) -> u64 {
    let mut n = 1;
    loop {
        let ns = run(n);
        if ns >= BATCH.as_nanos() as f64 / 4.0 {
            return ((n as f64 * BATCH.as_nanos() as f64 / ns) as u64).max(1);
        }
        n *= 4;
    }
}

fn median(samples: &mut [f64]) -> f64 {
    samples.sort_by(f64::total_cmp);
    samples[samples.len() / 2]
}

/// Throughput of verify on two threads sharing one signer, over one thread: median of
/// alternating runs.
fn thread_scaling(reference: &Sigcookie) -> f64 {
    let mut ratios: Vec<f64> = (0..11)
        .map(|_| {
            let one = reference.verify_on_threads(1, black_box(THREAD_ITERS));
            let two = reference.verify_on_threads(2, black_box(THREAD_ITERS));
            2.0 * one.as_secs_f64() / two.as_secs_f64()
        })
        .collect();
    median(&mut ratios)
}

/// What the numbers were measured on, for the table and the chart.
fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines()
                .find(|line| line.starts_with("model name"))
                .and_then(|line| line.split(':').nth(1))
                .map(|model| model.trim().to_owned())
        })
        .unwrap_or_else(|| "unknown CPU".into());
    let sha_ni = std::fs::read_to_string("/proc/cpuinfo")
        .is_ok_and(|info| info.split_whitespace().any(|flag| flag == "sha_ni"));
    let cores = std::thread::available_parallelism().map_or(0, usize::from);
    let rustc = std::process::Command::new("rustc")
        .arg("--version")
        .output()
        .ok()
        .and_then(|out| String::from_utf8(out.stdout).ok())
        .map_or_else(|| "rustc unknown".into(), |v| v.trim().to_owned());
    let sha = if sha_ni { ", SHA-NI" } else { "" };
    format!("{cpu}, {cores} cores{sha}; {rustc}")
}

struct Row {
    operation: String,
    ns: f64,
    /// This row's `jsonwebtoken` counterpart: same operation, same id, same family.
    jwt_ns: Option<f64>,
    /// For an Ed25519 row, `ed25519-dalek` alone doing the same operation on the same message.
    bare_ns: Option<f64>,
    size: Option<usize>,
    family: Family,
}

struct Table {
    rows: Vec<Row>,
    floor: f64,
}

impl Table {
    fn new(
        ops: &[Op],
        ns: &[f64],
        contenders: &[Box<dyn Contender>],
        bare: &[Bare],
        forged: &Forged,
    ) -> Table {
        let jwt = |op: Op| {
            let (Op::Sign(c) | Op::Verify(c)) = op else {
                return None;
            };
            let id = contenders[c].verified_id();
            ops.iter()
                .zip(ns)
                .find_map(|(&other, &ns)| match (op, other) {
                    (Op::Sign(_), Op::Sign(j)) | (Op::Verify(_), Op::Verify(j))
                        if contenders[j].name().starts_with("jsonwebtoken")
                            && contenders[j].family() == contenders[c].family()
                            && contenders[j].verified_id() == id =>
                    {
                        Some(ns)
                    }
                    _ => None,
                })
        };
        let operation = |op: Op| match op {
            Op::Floor => "floor: 2 SHA-256 compressions".to_owned(),
            Op::FloorChained => "2 SHA-256 compressions, chained".to_owned(),
            Op::Hmac => "HMAC-SHA256 of id5 (hmac crate)".to_owned(),
            Op::Sign(c) => format!("sign {}", contenders[c].name()),
            Op::Verify(c) => format!("verify {}", contenders[c].name()),
            Op::BareSign(b) => format!("sign {}", bare[b].name()),
            Op::BareVerify(b) => format!("verify {}", bare[b].name()),
            Op::Forged => format!("verify {}", Forged::NAME),
            Op::ForgedBare => format!("verify {}", forged.bare().name()),
        };
        // The row of `ed25519-dalek` alone on the same message: a sigcookie Ed25519 row's
        // twin, the forged value's own, and for a bare row itself.
        let twin = |op: Op| match op {
            Op::Sign(c) | Op::Verify(c)
                if contenders[c].name().starts_with("sigcookie Ed25519") =>
            {
                Some(operation(op).replace("sigcookie Ed25519", "ed25519-dalek alone"))
            }
            Op::Forged => Some(operation(Op::ForgedBare)),
            Op::BareSign(_) | Op::BareVerify(_) | Op::ForgedBare => Some(operation(op)),
            _ => None,
        };
        let ns_of = |name: &str| {
            ops.iter()
                .zip(ns)
                .find_map(|(&other, &ns)| (operation(other) == name).then_some(ns))
        };
        let rows = ops
            .iter()
            .zip(ns)
            .map(|(&op, &ns)| {
                let (size, family) = match op {
                    Op::Floor | Op::FloorChained | Op::Hmac => (None, Family::Hmac),
                    Op::Sign(c) => (None, contenders[c].family()),
                    Op::Verify(c) => (Some(contenders[c].size()), contenders[c].family()),
                    Op::BareSign(_) | Op::BareVerify(_) | Op::Forged | Op::ForgedBare => {
                        (None, Family::Ed25519)
                    }
                };
                Row {
                    operation: operation(op),
                    ns,
                    jwt_ns: jwt(op),
                    bare_ns: twin(op).and_then(|name| ns_of(&name)),
                    size,
                    family,
                }
            })
            .collect();
        Table { rows, floor: ns[0] }
    }

    fn family(&self, family: Family) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |row| row.family == family)
    }

    fn row(&self, operation: &str) -> &Row {
        self.rows
            .iter()
            .find(|row| row.operation == operation)
            .expect("row in table")
    }

    fn markdown(&self) -> String {
        let mut out = String::from(
            "| operation | ns/op | × floor | jsonwebtoken ÷ this | bytes |\n\
             |---|---:|---:|---:|---:|\n",
        );
        for row in self.family(Family::Hmac) {
            let jwt = row
                .jwt_ns
                .map_or(String::new(), |j| format!("{:.1}", j / row.ns));
            let size = row.size.map_or(String::new(), |s| s.to_string());
            writeln!(
                out,
                "| {} | {:.0} | {:.2} | {jwt} | {size} |",
                row.operation,
                row.ns,
                row.ns / self.floor
            )
            .expect("write to String");
        }
        out
    }

    /// The Ed25519 rows: each sigcookie row over `ed25519-dalek` alone on the same message (sign
    /// over `sign`, verify over `verify_strict`), and `jsonwebtoken` EdDSA over each row.
    fn ed25519_markdown(&self) -> String {
        let mut out = String::from(
            "| Ed25519 operation | ns/op | ÷ ed25519-dalek alone | jsonwebtoken ÷ this | bytes |\n\
             |---|---:|---:|---:|---:|\n",
        );
        for row in self.family(Family::Ed25519) {
            let bare = row
                .bare_ns
                .map_or(String::new(), |b| format!("{:.3}", row.ns / b));
            let jwt = row
                .jwt_ns
                .map_or(String::new(), |j| format!("{:.2}", j / row.ns));
            let size = row.size.map_or(String::new(), |s| s.to_string());
            writeln!(
                out,
                "| {} | {:.0} | {bare} | {jwt} | {size} |",
                row.operation, row.ns
            )
            .expect("write to String");
        }
        out
    }

    /// The summary of the run for the reference value (untimed, tag 32, id5), as ratios. Sign
    /// and verify are divided by the chained floor: an HMAC's outer compression needs the inner
    /// digest, so its two compressions cannot overlap the way back-to-back runs of the plain
    /// floor do.
    fn ratios(&self, scaling: f64) -> String {
        let reference = "sigcookie untimed tag32 id5";
        let chained = self.row("2 SHA-256 compressions, chained").ns;
        let verify = self.row(&format!("verify {reference}")).ns;
        let sign = self.row(&format!("sign {reference}")).ns;
        let jwt_decode = self.row("verify jsonwebtoken HS256 id5").ns;
        let jar_get = self.row("verify cookie SignedJar id5").ns;
        let size = |name: &str| self.row(&format!("verify {name}")).size.unwrap_or(0) as f64;
        let jwt_size = size("jsonwebtoken HS256 id5");
        let ed = "sigcookie Ed25519 untimed id5";
        let ed_verify = self.row(&format!("verify {ed}"));
        let ed_sign = self.row(&format!("sign {ed}"));
        let eddsa_decode = self.row("verify jsonwebtoken EdDSA id5").ns;
        let eddsa_encode = self.row("sign jsonwebtoken EdDSA id5").ns;
        let forged = self.row(&format!("verify {}", Forged::NAME));
        let bare = |row: &Row| row.bare_ns.map_or(f64::NAN, |b| row.ns / b);
        let mut out = String::from("| ratio (id5) | measured |\n|---|---:|\n");
        for (what, ratio) in [
            ("verify ÷ chained floor", verify / chained),
            ("sign ÷ chained floor", sign / chained),
            ("jsonwebtoken decode ÷ verify", jwt_decode / verify),
            ("SignedJar get ÷ verify", jar_get / verify),
            ("2-thread ÷ 1-thread verify throughput", scaling),
            (
                "Ed25519 verify ÷ ed25519-dalek verify_strict alone",
                bare(ed_verify),
            ),
            ("Ed25519 sign ÷ ed25519-dalek sign alone", bare(ed_sign)),
            (
                "Ed25519 forged, 4 keys ÷ Ed25519 verify",
                forged.ns / ed_verify.ns,
            ),
            (
                "Ed25519 forged, 4 keys ÷ its verify_strict alone",
                bare(forged),
            ),
            (
                "jsonwebtoken EdDSA decode ÷ Ed25519 verify",
                eddsa_decode / ed_verify.ns,
            ),
            (
                "jsonwebtoken EdDSA encode ÷ Ed25519 sign",
                eddsa_encode / ed_sign.ns,
            ),
            ("Ed25519 verify ÷ HMAC verify", ed_verify.ns / verify),
            ("Ed25519 sign ÷ HMAC sign", ed_sign.ns / sign),
        ] {
            writeln!(out, "| {what} | {ratio:.2} |").expect("write to String");
        }
        for timed in ["untimed", "timed"] {
            for tag in common::TAG_LENS {
                let ratio = size(&format!("sigcookie {timed} tag{tag} id5")) / jwt_size;
                writeln!(
                    out,
                    "| {timed} tag{tag} value ÷ JWT size | {:.0} % |",
                    ratio * 100.0
                )
                .expect("write to String");
            }
        }
        let eddsa_size = size("jsonwebtoken EdDSA id5");
        for timed in ["untimed", "timed"] {
            let ratio = size(&format!("sigcookie Ed25519 {timed} id5")) / eddsa_size;
            writeln!(
                out,
                "| Ed25519 {timed} value ÷ EdDSA JWT size | {:.0} % |",
                ratio * 100.0
            )
            .expect("write to String");
        }
        out
    }

    /// A horizontal bar per row of the HMAC table, ns/op to scale, coloured by library (the
    /// Ed25519 rows, a hundred times longer, would flatten every other bar).
    fn svg(&self, machine: &str) -> String {
        const LABEL_W: f64 = 330.0;
        const BAR_W: f64 = 430.0;
        const ROW_H: f64 = 20.0;
        const TOP: f64 = 58.0;
        let rows: Vec<&Row> = self.family(Family::Hmac).collect();
        let max = rows.iter().map(|r| r.ns).fold(0.0, f64::max);
        let width = LABEL_W + BAR_W + 80.0;
        let height = TOP + ROW_H * rows.len() as f64 + 16.0;
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
             <text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">\
             sigcookie vs jsonwebtoken vs cookie SignedJar: ns per operation (shorter is faster)\
             </text>\n<text x=\"10\" y=\"40\" fill=\"#555\">{}</text>\n",
            escape(machine)
        );
        for (i, row) in rows.iter().enumerate() {
            let y = TOP + ROW_H * i as f64;
            let w = (row.ns / max * BAR_W).max(1.0);
            let colour = match row.operation.as_str() {
                op if op.contains("jsonwebtoken") => "#e07b39",
                op if op.contains("SignedJar") => "#5a9e4b",
                op if op.contains("SHA-256") => "#999999",
                _ => "#3b6fb6",
            };
            writeln!(
                svg,
                "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text>\
                 <rect x=\"{:.0}\" y=\"{:.0}\" width=\"{w:.1}\" height=\"{:.0}\" fill=\"{colour}\"/>\
                 <text x=\"{:.1}\" y=\"{:.0}\">{:.0}</text>",
                LABEL_W - 6.0,
                y + 13.0,
                escape(&row.operation),
                LABEL_W,
                y + 3.0,
                ROW_H - 6.0,
                LABEL_W + w + 4.0,
                y + 13.0,
                row.ns
            )
            .expect("write to String");
        }
        svg.push_str("</svg>\n");
        svg
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
