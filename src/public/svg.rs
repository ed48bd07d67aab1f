//! A tiny server-side horizontal bar chart in SVG, for the statistics page. Labels and values
//! are escaped here, so the result may be inserted into a page as is.

use std::fmt::Write;

/// One bar: its label, its value (an integer in any unit, never negative when drawn) and the
/// text shown beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Bar {
    /// The label left of the bar (may be any user text; escaped).
    pub label: String,
    /// The value the bar length is proportional to.
    pub value: i64,
    /// The value as shown, e.g. `¥1,200.00` or `75.00%`.
    pub display: String,
}

/// A horizontal bar chart.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BarChart {
    /// Accessible title of the chart (`<title>` and `aria-label`).
    pub title: String,
    /// The bars, top to bottom.
    pub bars: Vec<Bar>,
    /// The value of a full-length bar; the largest value when `None`.
    pub scale_max: Option<i64>,
}

/// Width of the drawing in user units.
const WIDTH: i64 = 640;
/// Width of the label column.
const LABEL_WIDTH: i64 = 200;
/// Width of the value column right of the longest bar.
const VALUE_WIDTH: i64 = 120;
/// Height of one row.
const ROW: i64 = 28;
/// Height of a bar.
const BAR: i64 = 18;
/// Longest label drawn in full, in characters.
const MAX_LABEL_CHARS: usize = 14;

/// Escapes text for SVG/XML content and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c if c.is_control() && c != '\n' && c != '\t' => {}
            c => out.push(c),
        }
    }
    out
}

/// A label cut to [`MAX_LABEL_CHARS`] characters with an ellipsis.
fn short(label: &str) -> String {
    if label.chars().count() <= MAX_LABEL_CHARS {
        label.to_owned()
    } else {
        let mut cut: String = label.chars().take(MAX_LABEL_CHARS - 1).collect();
        cut.push('…');
        cut
    }
}

/// The length in user units of a bar of `value` on a scale whose full length is `max`.
pub fn bar_length(value: i64, max: i64) -> i64 {
    let full = WIDTH - LABEL_WIDTH - VALUE_WIDTH;
    if max <= 0 || value <= 0 {
        return 0;
    }
    let value = value.min(max);
    // i128: a sum of money in 分 times the width may exceed i64.
    let length = i128::from(value) * i128::from(full) / i128::from(max);
    i64::try_from(length).unwrap_or(full).max(1)
}

impl BarChart {
    /// The chart as an `<svg>` element that scales to its container's width.
    pub fn render(&self) -> String {
        let max = self
            .scale_max
            .unwrap_or_else(|| self.bars.iter().map(|b| b.value).max().unwrap_or(0));
        let rows = i64::try_from(self.bars.len()).unwrap_or(i64::MAX / ROW - 1);
        let height = (rows.max(1)) * ROW + 8;
        let title = escape(&self.title);
        let mut out = String::new();
        let _ = write!(
            out,
            "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" viewBox=\"0 0 {WIDTH} {height}\" \
             width=\"100%\" role=\"img\" aria-label=\"{title}\" preserveAspectRatio=\"xMinYMin meet\">\
             <title>{title}</title>"
        );
        if self.bars.is_empty() {
            let _ = write!(
                out,
                "<text x=\"0\" y=\"20\" font-size=\"14\" fill=\"#57606a\">暂无数据</text>"
            );
        }
        for (index, bar) in self.bars.iter().enumerate() {
            let row = i64::try_from(index).unwrap_or(0);
            let y = 4 + row * ROW;
            let text_y = y + BAR - 4;
            let length = bar_length(bar.value, max);
            let label = escape(&short(&bar.label));
            let full_label = escape(&bar.label);
            let display = escape(&bar.display);
            let _ = write!(
                out,
                "<g><title>{full_label}：{display}</title>\
                 <text x=\"{lx}\" y=\"{text_y}\" font-size=\"13\" text-anchor=\"end\" fill=\"#1f2328\">{label}</text>\
                 <rect x=\"{LABEL_WIDTH}\" y=\"{y}\" width=\"{length}\" height=\"{BAR}\" fill=\"#b71c1c\"></rect>\
                 <text x=\"{vx}\" y=\"{text_y}\" font-size=\"13\" fill=\"#1f2328\">{display}</text></g>",
                lx = LABEL_WIDTH - 8,
                vx = LABEL_WIDTH + length + 6,
            );
        }
        out.push_str("</svg>");
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bar(label: &str, value: i64) -> Bar {
        Bar {
            label: label.to_owned(),
            value,
            display: value.to_string(),
        }
    }

    fn widths(svg: &str) -> Vec<i64> {
        svg.split("<rect ")
            .skip(1)
            .filter_map(|part| {
                let start = part.find("width=\"")? + 7;
                let end = part[start..].find('"')? + start;
                part[start..end].parse().ok()
            })
            .collect()
    }

    #[test]
    fn bars_are_proportional_to_the_largest() {
        let svg = BarChart {
            title: "各领域资金".to_owned(),
            bars: vec![
                bar("养老服务", 400),
                bar("社会救助", 200),
                bar("儿童福利", 0),
            ],
            scale_max: None,
        }
        .render();
        assert_eq!(widths(&svg), vec![320, 160, 0]);
        assert!(svg.starts_with("<svg xmlns=\"http://www.w3.org/2000/svg\""));
        assert!(svg.ends_with("</svg>"));
        assert!(svg.contains("<title>各领域资金</title>"));
        assert!(svg.contains(">养老服务</text>"));
        assert_eq!(svg.matches("<g>").count(), 3);
    }

    #[test]
    fn a_fixed_scale_caps_and_tiny_values_stay_visible() {
        let svg = BarChart {
            title: "覆盖率".to_owned(),
            bars: vec![
                bar("甲", 10_000),
                bar("乙", 12_000),
                bar("丙", 1),
                bar("丁", -5),
            ],
            scale_max: Some(10_000),
        }
        .render();
        assert_eq!(widths(&svg), vec![320, 320, 1, 0]);
        assert_eq!(bar_length(5, 0), 0);
        assert_eq!(bar_length(i64::MAX, i64::MAX), 320);
    }

    #[test]
    fn labels_are_escaped_and_shortened() {
        let svg = BarChart {
            title: "<b>标题</b>".to_owned(),
            bars: vec![
                bar("<script>alert('x')</script>", 3),
                bar(&"很长".repeat(10), 1),
            ],
            scale_max: None,
        }
        .render();
        assert!(!svg.contains("<script>"), "{svg}");
        assert!(!svg.contains("<b>"), "{svg}");
        assert!(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"));
        assert!(svg.contains("&lt;b&gt;标题&lt;/b&gt;"));
        assert!(svg.contains(&format!(">{}…</text>", "很长很长很长很长很长很长很")));
    }

    #[test]
    fn an_empty_chart_says_so() {
        let svg = BarChart {
            title: "空".to_owned(),
            bars: vec![],
            scale_max: None,
        }
        .render();
        assert!(svg.contains("暂无数据"));
        assert!(widths(&svg).is_empty());
    }
}
