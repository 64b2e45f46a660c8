//! The examples' charts: horizontal bars drawn by hand as SVG, so that no plotting library is
//! needed, one bar per row or a group of bars per row (one per run, told apart by colour), the
//! value written after each bar, the machine under the title.

use std::fmt::Write as _;
use std::path::Path;

/// The colours of the libraries, the same in every chart.
pub const SIGCOOKIE: &str = "#3b6fb6";
pub const JSONWEBTOKEN: &str = "#e07b39";
pub const SIGNED_JAR: &str = "#5a9e4b";
pub const TOWER_SESSIONS: &str = "#8a6bb8";
/// What nothing can beat: SHA-256 alone.
pub const FLOOR: &str = "#999999";
/// The runs of a grouped chart, in order.
pub const SERIES: [&str; 2] = [SIGCOOKIE, JSONWEBTOKEN];

const LABEL_W: f64 = 330.0;
const BAR_W: f64 = 430.0;
const BAR_H: f64 = 14.0;
/// From one bar of a group to the next: a gap of one pixel between them.
const BAR_STEP: f64 = BAR_H + 1.0;
/// Between caption lines, and from the last one to the first row.
const LINE_H: f64 = 18.0;

pub struct Chart {
    /// The heading: what the bars measure, and which way is better.
    pub title: String,
    /// Lines under the title: the machine, or one line per run with its colour.
    pub caption: Vec<Caption>,
    /// How the value after each bar is written.
    pub unit: Unit,
    pub rows: Vec<Row>,
    /// A dashed line across the rows at a value, with what it means written under it.
    pub mark: Option<(f64, String)>,
}

pub struct Caption {
    pub text: String,
    /// The colour of the run this line describes, drawn before it as a square.
    pub swatch: Option<&'static str>,
}

impl Caption {
    pub fn line(text: impl Into<String>) -> Caption {
        Caption {
            text: text.into(),
            swatch: None,
        }
    }
}

pub struct Unit {
    pub decimals: usize,
    /// Written right after the number, e.g. `×` for a ratio.
    pub suffix: &'static str,
}

pub struct Row {
    pub label: String,
    pub bars: Vec<Bar>,
}

pub struct Bar {
    pub value: f64,
    pub colour: &'static str,
}

impl Chart {
    /// The bars to scale, the longest (or the mark, if further) filling the bar area; a bar too
    /// short to see, or of a value not above zero, is one pixel wide.
    pub fn svg(&self) -> String {
        let group = self
            .rows
            .iter()
            .map(|row| row.bars.len())
            .max()
            .unwrap_or(1);
        let bars_h = BAR_STEP * group as f64 - 1.0;
        let row_h = bars_h + 6.0;
        let top = 40.0 + LINE_H * self.caption.len() as f64;
        let bottom = top + row_h * self.rows.len() as f64;
        let max = self
            .rows
            .iter()
            .flat_map(|row| &row.bars)
            .map(|bar| bar.value)
            .fold(self.mark.as_ref().map_or(0.0, |mark| mark.0), f64::max);
        let length = |value: f64| {
            if max > 0.0 {
                (value / max * BAR_W).max(1.0)
            } else {
                1.0
            }
        };
        let width = LABEL_W + BAR_W + 80.0;
        let height = bottom + if self.mark.is_some() { 24.0 } else { 16.0 };
        let mut svg = format!(
            "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" \
             viewBox=\"0 0 {width} {height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
             <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
             <text x=\"10\" y=\"20\" font-size=\"15\" font-weight=\"bold\">{}</text>\n",
            escape(&self.title)
        );
        for (i, line) in self.caption.iter().enumerate() {
            let y = 40.0 + LINE_H * i as f64;
            let x = match line.swatch {
                Some(colour) => {
                    write!(
                        svg,
                        "<rect x=\"10\" y=\"{:.0}\" width=\"12\" height=\"12\" fill=\"{colour}\"/>",
                        y - 10.0
                    )
                    .expect("write to String");
                    28
                }
                None => 10,
            };
            writeln!(
                svg,
                "<text x=\"{x}\" y=\"{y:.0}\" fill=\"#555\">{}</text>",
                escape(&line.text)
            )
            .expect("write to String");
        }
        for (r, row) in self.rows.iter().enumerate() {
            let y0 = top + row_h * r as f64 + 3.0;
            let middle = y0 + (BAR_STEP * row.bars.len() as f64 - 1.0) / 2.0;
            write!(
                svg,
                "<text x=\"{:.0}\" y=\"{:.0}\" text-anchor=\"end\">{}</text>",
                LABEL_W - 6.0,
                middle + 3.0,
                escape(&row.label)
            )
            .expect("write to String");
            for (i, bar) in row.bars.iter().enumerate() {
                let y = y0 + BAR_STEP * i as f64;
                let w = length(bar.value);
                write!(
                    svg,
                    "<rect x=\"{LABEL_W:.0}\" y=\"{y:.0}\" width=\"{w:.1}\" height=\"{BAR_H:.0}\" \
                     fill=\"{}\"/><text x=\"{:.1}\" y=\"{:.0}\">{:.*}{}</text>",
                    bar.colour,
                    LABEL_W + w + 4.0,
                    y + 10.0,
                    self.unit.decimals,
                    bar.value,
                    self.unit.suffix,
                )
                .expect("write to String");
            }
            svg.push('\n');
        }
        if let Some((value, meaning)) = &self.mark {
            writeln!(
                svg,
                "<line x1=\"{x:.1}\" y1=\"{top:.0}\" x2=\"{x:.1}\" y2=\"{bottom:.0}\" \
                 stroke=\"#333\" stroke-dasharray=\"3,3\"/>\
                 <text x=\"{x:.1}\" y=\"{:.0}\" text-anchor=\"middle\" fill=\"#555\">{}</text>",
                bottom + 14.0,
                escape(meaning),
                x = LABEL_W + value / max * BAR_W,
            )
            .expect("write to String");
        }
        svg.push_str("</svg>\n");
        svg
    }

    /// Writes the chart to `path`, making its folder if needed, and says so on stderr.
    pub fn write(&self, path: &Path) {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir).expect("create the SVG chart's folder");
        }
        std::fs::write(path, self.svg()).expect("write the SVG chart");
        eprintln!("chart written to {}", path.display());
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}
