//! The chart's geometry in SVG user units: the drawing's width, the label column, the
//! margins, one lane's height and a bar's. Shared by the chart and its time axis.

/// The whole drawing's width.
pub const W: f64 = 1100.0;
/// The column of step titles left of the time axis.
pub const LABEL: f64 = 300.0;
/// The margin right of the time axis.
pub const RIGHT: f64 = 60.0;
/// Above the first lane: room for the axis' tick labels.
pub const TOP: f64 = 46.0;
/// One lane (a step, or the run's own).
pub const ROW: f64 = 30.0;
/// A bar's height inside its lane.
pub const BAR: f64 = 16.0;
/// Below the lanes: room for the legend.
pub const LEGEND: f64 = 72.0;
