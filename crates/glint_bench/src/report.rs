//! The results as Markdown tables (printed, and written to `results.md`) and the scale run's
//! chart (an SVG drawn with plotters).

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Result, anyhow};
use plotters::coord::types::RangedCoordf64;
use plotters::prelude::*;

use crate::compare::Comparison;
use crate::load::Outcome;
use crate::scale::ScaleRow;

/// Which way a figure is better.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Better {
    Higher,
    Lower,
}

/// One figure for both servers.
#[derive(Debug, Clone)]
pub struct Row {
    pub workload: String,
    pub figure: String,
    pub glint: String,
    pub reference: String,
    /// How many times better Glint is (above 1: better), when it means something.
    pub ratio: Option<f64>,
}

/// A figure with three significant digits or so.
pub fn num(v: f64) -> String {
    if !v.is_finite() {
        "—".into()
    } else if v.abs() >= 100.0 {
        format!("{v:.0}")
    } else if v.abs() >= 10.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.2}")
    }
}

impl Row {
    pub fn new(workload: &str, figure: &str, glint: f64, reference: f64, better: Better) -> Row {
        let ratio = match better {
            Better::Higher => glint / reference,
            Better::Lower => reference / glint,
        };
        Row {
            workload: workload.to_owned(),
            figure: figure.to_owned(),
            glint: num(glint),
            reference: num(reference),
            ratio: (ratio.is_finite() && glint > 0.0 && reference > 0.0).then_some(ratio),
        }
    }

    pub fn errors(workload: &str, glint: &Outcome, reference: &Outcome) -> Row {
        Row {
            workload: workload.to_owned(),
            figure: "non-2xx / failed".to_owned(),
            glint: glint.error_text(),
            reference: reference.error_text(),
            ratio: None,
        }
    }
}

/// A Markdown table.
pub fn table(headers: &[&str], rows: &[Vec<String>]) -> String {
    let mut out = format!("| {} |\n", headers.join(" | "));
    let rule: Vec<&str> = headers.iter().map(|_| "---").collect();
    let _ = writeln!(out, "|{}|", rule.join("|"));
    for row in rows {
        let _ = writeln!(out, "| {} |", row.join(" | "));
    }
    out
}

/// The side-by-side tables and notes.
pub fn comparison(cmp: &Comparison) -> String {
    let rows: Vec<Vec<String>> = cmp
        .rows
        .iter()
        .map(|r| {
            vec![
                r.workload.clone(),
                r.figure.clone(),
                r.glint.clone(),
                r.reference.clone(),
                r.ratio
                    .map_or_else(|| "—".into(), |x| format!("{}×", num(x))),
            ]
        })
        .collect();
    let mut out = table(
        &[
            "workload",
            "figure",
            "Glint",
            "reference",
            "Glint better by",
        ],
        &rows,
    );
    let _ = writeln!(
        out,
        "\nHashing limit of the machine (md5 + sha512 in two threads): {} MiB/s.",
        num(cmp.hash_limit_mib_s)
    );
    let _ = writeln!(
        out,
        "\n(e) Non-2xx answers and failed requests: Glint {}, reference {}.",
        cmp.total_errors[0], cmp.total_errors[1]
    );
    for (server, workload, text) in &cmp.failures {
        let _ = writeln!(out, "- {server}, {workload}: {text}");
    }
    for note in &cmp.notes {
        let _ = writeln!(out, "\n{note}");
    }
    out
}

/// The scale run's table.
pub fn scale(rows: &[ScaleRow]) -> String {
    let rows: Vec<Vec<String>> = rows
        .iter()
        .map(|r| {
            vec![
                r.engine.to_owned(),
                r.images.to_string(),
                r.members.to_string(),
                r.who.to_owned(),
                num(r.http_p50),
                num(r.http_p99),
                num(r.store_p50),
                num(r.store_p99),
            ]
        })
        .collect();
    table(
        &[
            "engine",
            "images",
            "members",
            "list of",
            "HTTP p50 ms",
            "HTTP p99 ms",
            "store p50 ms",
            "store p99 ms",
        ],
        &rows,
    )
}

/// One colour per (engine, caller) line, dark enough to read on white.
const COLORS: [RGBColor; 4] = [
    RGBColor(0x1f, 0x4e, 0x9c),
    RGBColor(0x5b, 0x9b, 0xd5),
    RGBColor(0xb2, 0x3a, 0x1e),
    RGBColor(0xe8, 0x8a, 0x2e),
];

/// The chart's plotting area: images in the store (log scale) against latency in ms.
type Chart<'a, 'b> = ChartContext<'a, SVGBackend<'b>, Cartesian2d<LogCoord<f64>, RangedCoordf64>>;

/// Draws HTTP p50 (solid) and p99 (dashed) against the store's size, one colour per engine and
/// caller, as an SVG at `path`.
pub fn chart(rows: &[ScaleRow], path: &Path) -> Result<()> {
    let max_images = rows
        .iter()
        .map(|r| r.images)
        .max()
        .unwrap_or(10_000)
        .max(10) as f64;
    let min_images = rows.iter().map(|r| r.images).min().unwrap_or(1_000).max(1) as f64;
    let top = rows.iter().map(|r| r.http_p99).fold(1.0_f64, f64::max) * 1.15;
    let (left, right) = (min_images * 0.8, max_images * 1.25);
    let root = SVGBackend::new(path, (900, 520)).into_drawing_area();
    root.fill(&WHITE).map_err(|e| anyhow!("chart: {e}"))?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            "GET /v2/images?limit=100 latency vs images in the store",
            ("sans-serif", 20),
        )
        .margin(16)
        .x_label_area_size(48)
        .y_label_area_size(56)
        .build_cartesian_2d((left..right).log_scale(), 0.0..top)
        .map_err(|e| anyhow!("chart: {e}"))?;
    draw_axes_and_target(&mut chart, left, right)?;
    let mut series: Vec<(&str, &str)> = Vec::new();
    for r in rows {
        if !series.contains(&(r.engine, r.who)) {
            series.push((r.engine, r.who));
        }
    }
    for (n, line) in series.into_iter().enumerate() {
        draw_caller(&mut chart, rows, line, COLORS[n % COLORS.len()])?;
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .position(SeriesLabelPosition::LowerRight)
        .draw()
        .map_err(|e| anyhow!("chart: {e}"))?;
    root.present().map_err(|e| anyhow!("chart: {e}"))?;
    Ok(())
}

/// The axes with their labels, and the target (p50 under 5 ms) as a grey dashed line from
/// `left` to `right`.
fn draw_axes_and_target(chart: &mut Chart<'_, '_>, left: f64, right: f64) -> Result<()> {
    chart
        .configure_mesh()
        .x_desc("images in the store (log scale)")
        .y_desc("latency, ms")
        .x_label_formatter(&|v| {
            if *v >= 1e6 {
                format!("{:.0}M", v / 1e6)
            } else {
                format!("{:.0}k", v / 1e3)
            }
        })
        .max_light_lines(1)
        .draw()
        .map_err(|e| anyhow!("chart: {e}"))?;
    chart
        .draw_series(DashedLineSeries::new(
            [(left, 5.0), (right, 5.0)],
            3,
            3,
            BLACK.mix(0.5).stroke_width(1),
        ))
        .map_err(|e| anyhow!("chart: {e}"))?
        .label("target: p50 < 5 ms")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], BLACK.mix(0.5)));
    Ok(())
}

/// One engine and caller's lines in `color`: p50 solid with dots (in the legend), p99 dashed.
fn draw_caller(
    chart: &mut Chart<'_, '_>,
    rows: &[ScaleRow],
    (engine, who): (&str, &str),
    color: RGBColor,
) -> Result<()> {
    let points = |f: fn(&ScaleRow) -> f64| -> Vec<(f64, f64)> {
        rows.iter()
            .filter(|r| r.engine == engine && r.who == who)
            .map(|r| (r.images as f64, f(r)))
            .collect()
    };
    let p50 = points(|r| r.http_p50);
    chart
        .draw_series(LineSeries::new(p50.clone(), color.stroke_width(2)))
        .map_err(|e| anyhow!("chart: {e}"))?
        .label(format!("{engine}, {who}: p50 (solid), p99 (dashed)"))
        .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], color.stroke_width(2)));
    chart
        .draw_series(p50.iter().map(|p| Circle::new(*p, 3, color.filled())))
        .map_err(|e| anyhow!("chart: {e}"))?;
    chart
        .draw_series(DashedLineSeries::new(
            points(|r| r.http_p99),
            6,
            4,
            color.stroke_width(1),
        ))
        .map_err(|e| anyhow!("chart: {e}"))?;
    Ok(())
}
