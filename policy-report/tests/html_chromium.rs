//! The HTML report in a real browser: headless Chromium (Debian's `chromium`) loads the
//! example report (trend series and readiness table included), a probe script measures what
//! was laid out, and the test asserts the charts rendered, with no console error and no
//! uncaught exception. Two sabotaged copies (a script error plus a missing chart; a bar with
//! a negative width) show that the detector catches what it should.
//!
//! Without Chromium the tests skip with a message on stderr, unless
//! `POLICYCTL_REQUIRE_CHROMIUM=1` (set by `.ci/run`, which installs it): then they fail.
//! `POLICYCTL_CHROMIUM` names the binary when it is not `chromium` on `PATH`. Every browser
//! run is killed after 60 seconds.
#![allow(
    clippy::unwrap_used,
    clippy::indexing_slicing,
    clippy::panic,
    clippy::print_stderr
)]
// A browser test: it reads the environment, writes files and times a child process.
#![allow(clippy::disallowed_methods)]

#[path = "../examples/html_report/demo.rs"]
mod demo;

use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use policy_report::{Format, View, render};
use serde_json::Value;

const TIMEOUT: Duration = Duration::from_secs(60);

/// The flags the closed network and a root container need; without them Chromium hangs or
/// fails on first-run, sync, component updates and the sandbox.
const FLAGS: [&str; 10] = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--hide-scrollbars",
];

/// Runs after the page is parsed; measures the laid-out charts and writes the result as JSON
/// into `<pre id="probe">`, which `--dump-dom` then shows. It never logs, so any console
/// line comes from the page.
const PROBE: &str = r#"<script>
(function () {
  function r(n) { return Math.round(n * 10) / 10; }
  var out = { charts: {}, readinessRows: 0, tables: 0 };
  document.querySelectorAll('svg.chart').forEach(function (svg) {
    var box = svg.getBoundingClientRect();
    var line = svg.querySelector('polyline');
    out.charts[svg.id] = {
      width: r(box.width),
      height: r(box.height),
      bars: Array.prototype.map.call(svg.querySelectorAll('rect.bar'), function (b) {
        var bb = b.getBBox();
        return { cls: b.getAttribute('class'), width: r(bb.width), height: r(bb.height),
                 right: r(bb.x + bb.width), fill: getComputedStyle(b).fill,
                 title: b.querySelector('title').textContent };
      }),
      labels: Array.prototype.map.call(svg.querySelectorAll('text'), function (t) {
        return { text: t.textContent, length: r(t.getComputedTextLength()) };
      }),
      points: svg.querySelectorAll('circle.point').length,
      lineLength: line ? r(line.getTotalLength()) : 0,
      viewWidth: svg.viewBox.baseVal.width
    };
  });
  var readiness = document.getElementById('readiness');
  out.readinessRows = readiness ? readiness.querySelectorAll('tr').length - 1 : -1;
  out.tables = document.querySelectorAll('table').length;
  var pre = document.createElement('pre');
  pre.id = 'probe';
  pre.textContent = JSON.stringify(out);
  document.body.appendChild(pre);
})();
</script>"#;

/// The Chromium binary, or `None` (with a message) when the test should skip.
fn chromium() -> Option<PathBuf> {
    let found = std::env::var_os("POLICYCTL_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
                .find(|p| p.is_file())
        });
    if found.is_none() {
        if std::env::var("POLICYCTL_REQUIRE_CHROMIUM").is_ok_and(|v| v == "1") {
            panic!(
                "POLICYCTL_REQUIRE_CHROMIUM=1 but no chromium on PATH (apt-get install chromium)"
            );
        }
        // Straight to the stderr handle: libtest captures `eprintln!`, and a skip must show.
        let _ = writeln!(
            std::io::stderr(),
            "SKIPPED: headless Chromium not found (install Debian's `chromium`, or set \
             POLICYCTL_CHROMIUM); the HTML report was not checked in a browser"
        );
    }
    found
}

/// What one page load gave: the DOM after scripts ran and the console messages.
struct Load {
    dom: String,
    console: Vec<String>,
}

fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR"))
        .join(format!("html-chromium-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Loads `html` from a file in headless Chromium, killing it after [`TIMEOUT`].
fn load(chromium: &Path, name: &str, html: &str) -> Load {
    let dir = scratch(name);
    let page = dir.join("report.html");
    std::fs::write(&page, html).unwrap();
    let (out, err) = (dir.join("dom.html"), dir.join("stderr.txt"));
    let mut child = Command::new(chromium)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args([
            "--enable-logging=stderr",
            "--v=0",
            "--virtual-time-budget=5000",
            "--dump-dom",
        ])
        .arg(file_url(&page))
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&out).unwrap())
        .stderr(std::fs::File::create(&err).unwrap())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "chromium did not finish within {TIMEOUT:?}; stderr in {}",
                err.display()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let stderr = std::fs::read_to_string(&err).unwrap();
    assert!(status.success(), "chromium failed ({status}):\n{stderr}");
    let load = Load {
        dom: std::fs::read_to_string(&out).unwrap(),
        // `[pid:tid:time:INFO:CONSOLE:line] "message", source: URL (line)`; console.error,
        // uncaught exceptions and SVG attribute errors all land here.
        console: stderr
            .lines()
            .filter(|l| l.contains(":CONSOLE"))
            .map(str::to_owned)
            .collect(),
    };
    let _ = std::fs::remove_dir_all(&dir);
    load
}

/// The example report with the probe added before `</body>`.
fn with_probe(html: &str) -> String {
    let at = html.rfind("</body>").unwrap();
    format!("{}{PROBE}{}", &html[..at], &html[at..])
}

fn probe_result(dom: &str) -> Option<Value> {
    let start = dom.find("<pre id=\"probe\">")? + "<pre id=\"probe\">".len();
    let end = start + dom[start..].find("</pre>")?;
    let text = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&nbsp;", "\u{a0}")
        .replace("&amp;", "&");
    serde_json::from_str(&text).ok()
}

/// What the page should show, from the same view the HTML was rendered from.
struct Expected {
    /// Chart id → bar labels in order, with the statuses drawn for each.
    bars: BTreeMap<&'static str, Vec<(String, Vec<&'static str>)>>,
    trend_points: usize,
    readiness_rows: usize,
}

const STATUSES: [(&str, &str); 5] = [
    ("pass", "rgb(46, 125, 50)"),
    ("fail", "rgb(198, 40, 40)"),
    ("warn", "rgb(249, 168, 37)"),
    ("error", "rgb(106, 27, 154)"),
    ("skip", "rgb(158, 158, 158)"),
];

fn expected(view: &View<'_>) -> Expected {
    // The JSON format carries the metrics the HTML charts draw.
    let json: Value = serde_json::from_str(&render(Format::Json, view).unwrap()).unwrap();
    let rows = |key: &str, empty: &str| -> Vec<(String, Vec<&'static str>)> {
        json["metrics"][if key == "namespace" {
            "namespaces"
        } else {
            "policies"
        }]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            let label = row[key].as_str().unwrap();
            let label = if label.is_empty() { empty } else { label };
            let drawn = STATUSES
                .iter()
                .map(|(s, _)| *s)
                .filter(|s| row[*s].as_u64().unwrap() > 0)
                .collect();
            (label.to_owned(), drawn)
        })
        .collect()
    };
    let mut bars = BTreeMap::new();
    bars.insert("namespaces", rows("namespace", "(cluster)"));
    bars.insert("policies", rows("policy", "-"));
    Expected {
        bars,
        trend_points: view.trend.len(),
        readiness_rows: view.readiness.len(),
    }
}

/// Every way the measured page falls short of `want`; empty when it rendered as it should.
fn problems(load: &Load, want: &Expected) -> Vec<String> {
    let mut out: Vec<String> = load
        .console
        .iter()
        .map(|l| format!("console: {l}"))
        .collect();
    let Some(probe) = probe_result(&load.dom) else {
        out.push("the probe left no result (did the page's scripts stop it?)".into());
        return out;
    };
    for id in ["namespaces", "policies", "trend"] {
        let chart = &probe["charts"][id];
        if chart.is_null() {
            out.push(format!("chart {id}: missing"));
            continue;
        }
        let (w, h) = (
            chart["width"].as_f64().unwrap(),
            chart["height"].as_f64().unwrap(),
        );
        if w < 100.0 || h < 20.0 {
            out.push(format!("chart {id}: laid out at {w}x{h}"));
        }
        for label in chart["labels"].as_array().unwrap() {
            if label["length"].as_f64().unwrap() <= 0.0 {
                out.push(format!("chart {id}: label {} not drawn", label["text"]));
            }
        }
        let view_width = chart["viewWidth"].as_f64().unwrap();
        let bars = chart["bars"].as_array().unwrap();
        if let Some(rows) = want.bars.get(id) {
            let drawn: usize = rows.iter().map(|(_, s)| s.len()).sum();
            if bars.len() != drawn {
                out.push(format!("chart {id}: {} bars, want {drawn}", bars.len()));
            }
            let mut bar = bars.iter();
            for (label, statuses) in rows {
                if !chart["labels"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|l| l["text"] == label.as_str())
                {
                    out.push(format!("chart {id}: no label {label}"));
                }
                for status in statuses {
                    let Some(b) = bar.next() else { break };
                    let color = STATUSES.iter().find(|(s, _)| s == status).unwrap().1;
                    let ok = b["cls"] == format!("bar {status}")
                        && b["fill"] == color
                        && b["width"].as_f64().unwrap() >= 1.0
                        && b["height"].as_f64().unwrap() > 0.0
                        && b["right"].as_f64().unwrap() <= view_width
                        && b["title"]
                            .as_str()
                            .unwrap()
                            .starts_with(&format!("{label} {status}: "));
                    if !ok {
                        out.push(format!("chart {id}: bar for {label} {status} is {b}"));
                    }
                }
            }
        } else {
            // The trend: a point per snapshot joined by a line.
            let points = chart["points"].as_u64().unwrap() as usize;
            if points != want.trend_points {
                out.push(format!(
                    "trend: {points} points, want {}",
                    want.trend_points
                ));
            }
            if chart["lineLength"].as_f64().unwrap() < 100.0 {
                out.push(format!("trend: line length {}", chart["lineLength"]));
            }
        }
    }
    let rows = probe["readinessRows"].as_i64().unwrap();
    if rows != want.readiness_rows as i64 {
        out.push(format!(
            "readiness table: {rows} rows, want {}",
            want.readiness_rows
        ));
    }
    out
}

fn example_html() -> (String, Expected) {
    let demo = demo::demo();
    let locations = BTreeMap::new();
    let mut view = View::new(&demo.reports, &locations);
    view.trend = &demo.trend;
    view.readiness = &demo.readiness;
    view.title = "Platform compliance: prod";
    let html = render(Format::Html, &view).unwrap();
    let want = expected(&view);
    (html, want)
}

#[test]
fn example_report_renders_its_charts_in_chromium() {
    let Some(chromium) = chromium() else { return };
    let (html, want) = example_html();
    // The data is rich enough to exercise every chart: several namespaces including the
    // cluster row, every status, a trend and a readiness table.
    assert!(want.bars["namespaces"].len() >= 6);
    assert!(
        want.bars["namespaces"]
            .iter()
            .any(|(l, _)| l == "(cluster)")
    );
    for (status, _) in STATUSES {
        assert!(
            want.bars["policies"]
                .iter()
                .any(|(_, s)| s.contains(&status)),
            "{status}"
        );
    }
    assert_eq!(want.trend_points, demo::WEEKS as usize);
    assert_eq!(want.readiness_rows, 8);

    let start = Instant::now();
    let loaded = load(&chromium, "example", &with_probe(&html));
    eprintln!("chromium: page loaded and probed in {:?}", start.elapsed());
    assert_eq!(problems(&loaded, &want), Vec::<String>::new());
    let probe = probe_result(&loaded.dom).unwrap();
    let bars = |id: &str| probe["charts"][id]["bars"].as_array().unwrap().len();
    eprintln!(
        "chromium: drew {} namespace bars, {} policy bars, {} trend points, {} readiness rows",
        bars("namespaces"),
        bars("policies"),
        probe["charts"]["trend"]["points"],
        probe["readinessRows"]
    );
    // The page itself, as Chromium parsed it, still has every chart and table.
    for id in ["namespaces", "policies", "trend"] {
        assert!(
            loaded
                .dom
                .contains(&format!("<svg id=\"{id}\" class=\"chart\""))
        );
    }
    assert!(loaded.dom.contains("<table id=\"readiness\">"));
}

#[test]
fn detector_catches_script_errors_console_errors_and_missing_charts() {
    let Some(chromium) = chromium() else { return };
    let (html, want) = example_html();

    // An uncaught exception before the probe, and the trend chart gone.
    let broken = with_probe(&html)
        .replacen(
            "<h2>By namespace</h2>",
            "<script>document.getElementById('no-such-node').remove();</script><h2>By namespace</h2>",
            1,
        )
        .replacen("<svg id=\"trend\"", "<svg id=\"gone\"", 1);
    let found = problems(&load(&chromium, "script-error", &broken), &want);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("console:") && p.contains("Uncaught TypeError")),
        "{found:#?}"
    );
    assert!(
        found.contains(&"chart trend: missing".to_owned()),
        "{found:#?}"
    );

    // A bar Chromium cannot draw: it reports the attribute on the console.
    let first_bar = html.find("<rect class=\"bar ").unwrap();
    let width_at = first_bar + html[first_bar..].find("width=\"").unwrap() + "width=\"".len();
    let broken = format!("{}-{}", &html[..width_at], &html[width_at..]);
    let found = problems(&load(&chromium, "svg-error", &with_probe(&broken)), &want);
    assert!(
        found
            .iter()
            .any(|p| p.starts_with("console:") && p.contains("negative value")),
        "{found:#?}"
    );
}

/// `file://` URL of an absolute path, with the characters a URL cannot carry as they are
/// (`%`, space, `#`, `?`) percent-encoded.
fn file_url(path: &Path) -> String {
    let text = path.display().to_string();
    let mut url = String::from("file://");
    for c in text.chars() {
        match c {
            '%' => url.push_str("%25"),
            ' ' => url.push_str("%20"),
            '#' => url.push_str("%23"),
            '?' => url.push_str("%3F"),
            c => url.push(c),
        }
    }
    url
}
