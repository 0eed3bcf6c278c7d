//! Renders the example HTML report: `cargo run -p policy-report --example html_report [-- OUT]`
//! writes the self-contained page to OUT (stdout without one). `cargo xtask screenshot-report`
//! turns it into `docs/img/report.png`.

// An example program: it writes a file and prints.
#![allow(clippy::disallowed_methods, clippy::print_stdout)]

mod demo;

use std::collections::BTreeMap;

use policy_report::{Format, View, render};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let demo = demo::demo();
    let locations = BTreeMap::new();
    let mut view = View::new(&demo.reports, &locations);
    view.trend = &demo.trend;
    view.readiness = &demo.readiness;
    view.title = "Platform compliance: prod";
    let html = render(Format::Html, &view)?;
    match std::env::args_os().nth(1) {
        Some(out) => std::fs::write(out, html)?,
        None => print!("{html}"),
    }
    Ok(())
}
