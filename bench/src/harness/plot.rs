//! One SVG per family: for each scenario, a bar per implementation, its
//! median time per message over the fastest peer's (log scale, a line at
//! 1; a bar short of it is faster than every peer).

use std::error::Error;
use std::path::Path;

use plotters::prelude::*;
use plotters::style::text_anchor::{HPos, Pos, VPos};

use super::{is_tidings, Row};

/// Colors by implementation, in order of first appearance in the family
/// (tidings' entries come first in every scenario); enough for the 10
/// names of mpmc-blocking (crossfire's three types count as three).
const COLORS: [RGBColor; 11] = [
    RGBColor(214, 39, 40),
    RGBColor(255, 127, 14),
    RGBColor(31, 119, 180),
    RGBColor(44, 160, 44),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(127, 127, 127),
    RGBColor(23, 190, 207),
    RGBColor(188, 189, 34),
    RGBColor(227, 119, 194),
    RGBColor(31, 31, 31),
];

const WIDTH: u32 = 1100;
const BAR_PX: u32 = 9;
const LABEL_PX: u32 = 270;
const LEGEND_PX: u32 = 170;

/// Draws the bars of one family's `rows` (grouped by scenario, as
/// [`run_all`](super::run_all) makes them) into `path`.
pub fn family(path: &Path, family: &str, rows: &[Row]) -> Result<(), Box<dyn Error>> {
    let scenarios: Vec<&[Row]> = rows.chunk_by(|a, b| a.scenario == b.scenario).collect();
    let mut impls: Vec<&str> = Vec::new();
    for row in rows {
        if !impls.contains(&row.implementation) {
            impls.push(row.implementation);
        }
    }
    let color =
        |imp: &str| COLORS[impls.iter().position(|&i| i == imp).unwrap_or(0) % COLORS.len()];
    // One unit per bar, and one between scenarios.
    let units = (rows.len() + scenarios.len()) as f64;
    let ratios = rows.iter().filter_map(|r| r.ratio);
    let lo = ratios.clone().fold(0.5, f64::min) * 0.8;
    let hi = ratios.fold(2.0, f64::max) * 1.25;

    let height = (units as u32) * BAR_PX + 110;
    let root = SVGBackend::new(path, (WIDTH, height)).into_drawing_area();
    root.fill(&WHITE)?;
    let mut chart = ChartBuilder::on(&root)
        .caption(
            format!("{family}: median time per message / the fastest peer's"),
            ("sans-serif", 18),
        )
        .margin(12)
        .margin_right(LEGEND_PX)
        .x_label_area_size(40)
        .y_label_area_size(LABEL_PX)
        .build_cartesian_2d((lo..hi).log_scale().base(2.0), 0.0..units)?;
    chart
        .configure_mesh()
        .disable_y_mesh()
        .y_labels(0)
        .x_label_formatter(&|x| format!("{x}"))
        .x_desc("ratio, log scale (below 1: faster than every peer)")
        .draw()?;

    let label_style =
        TextStyle::from(("sans-serif", 12).into_font()).pos(Pos::new(HPos::Right, VPos::Center));
    let value_style =
        TextStyle::from(("sans-serif", 10).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    // From the top down: `y` is the top of the next bar.
    let mut y = units;
    for scenario in &scenarios {
        let middle = y - scenario.len() as f64 / 2.0;
        let (x, py) = chart.backend_coord(&(lo, middle));
        root.draw_text(&scenario[0].scenario, &label_style, (x - 6, py))?;
        for row in *scenario {
            if let Some(ratio) = row.ratio {
                let bar = Rectangle::new(
                    [(lo, y - 0.9), (ratio, y - 0.1)],
                    color(row.implementation).filled(),
                );
                chart.draw_series(std::iter::once(bar))?;
                if is_tidings(row.implementation) {
                    let value = format!(" {ratio:.2}");
                    let (x, py) = chart.backend_coord(&(ratio, y - 0.5));
                    root.draw_text(&value, &value_style, (x, py))?;
                }
            }
            y -= 1.0;
        }
        y -= 1.0;
    }
    chart.draw_series(std::iter::once(PathElement::new(
        vec![(1.0, 0.0), (1.0, units)],
        BLACK.stroke_width(1),
    )))?;

    // The legend, right of the plot.
    let legend_x = (WIDTH - LEGEND_PX + 20) as i32;
    let legend_style =
        TextStyle::from(("sans-serif", 12).into_font()).pos(Pos::new(HPos::Left, VPos::Center));
    for (j, imp) in impls.iter().enumerate() {
        let y = 50 + 18 * j as i32;
        root.draw(&Rectangle::new(
            [(legend_x, y - 5), (legend_x + 12, y + 5)],
            color(imp).filled(),
        ))?;
        root.draw_text(imp, &legend_style, (legend_x + 18, y))?;
    }
    root.present()?;
    Ok(())
}
