//! The tables of one run: the HMAC rows against the floor and `jsonwebtoken`, the Ed25519 rows
//! against `ed25519-dalek` alone, the summary ratios, and the chart of the HMAC rows.

use std::fmt::Write as _;

use crate::Op;
use crate::common::chart::{self, Bar, Caption, Chart, Unit};
use crate::common::{self, Bare, Contender, Family, Forged};

pub struct Row {
    pub operation: String,
    pub ns: f64,
    /// This row's `jsonwebtoken` counterpart: same operation, same id, same family.
    jwt_ns: Option<f64>,
    /// For an Ed25519 row, `ed25519-dalek` alone doing the same operation on the same message.
    bare_ns: Option<f64>,
    size: Option<usize>,
    family: Family,
}

pub struct Table {
    rows: Vec<Row>,
    floor: f64,
}

impl Table {
    pub fn new(
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

    pub fn family(&self, family: Family) -> impl Iterator<Item = &Row> {
        self.rows.iter().filter(move |row| row.family == family)
    }

    fn row(&self, operation: &str) -> &Row {
        self.rows
            .iter()
            .find(|row| row.operation == operation)
            .expect("row in table")
    }

    pub fn markdown(&self) -> String {
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
    pub fn ed25519_markdown(&self) -> String {
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
    pub fn ratios(&self, scaling: f64) -> String {
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
    pub fn chart(&self, machine: &str) -> Chart {
        let rows = self.family(Family::Hmac).map(|row| {
            let colour = match row.operation.as_str() {
                op if op.contains("jsonwebtoken") => chart::JSONWEBTOKEN,
                op if op.contains("SignedJar") => chart::SIGNED_JAR,
                op if op.contains("SHA-256") => chart::FLOOR,
                _ => chart::SIGCOOKIE,
            };
            chart::Row {
                label: row.operation.clone(),
                bars: vec![Bar {
                    value: row.ns,
                    colour,
                }],
            }
        });
        Chart {
            title: "sigcookie vs jsonwebtoken vs cookie SignedJar: ns per operation \
                    (shorter is faster)"
                .into(),
            caption: vec![Caption::line(machine)],
            unit: Unit {
                decimals: 0,
                suffix: "",
            },
            rows: rows.collect(),
            mark: None,
        }
    }
}
