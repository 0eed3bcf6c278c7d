//! `cargo xtask screenshot-report [--out PATH]`: renders the example HTML report
//! (`cargo run -p policy-report --example html_report`) and has headless Chromium write a PNG
//! of it, by default `docs/img/report.png`, the picture in docs/guide.md.
//!
//! Needs Debian's `chromium` on `PATH` (or `POLICYCTL_CHROMIUM`); `.ci/run` installs it.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};

use crate::conformance::workspace_root;

/// The browser is killed after this long.
const TIMEOUT: Duration = Duration::from_secs(60);

/// What the closed network and a root container need; without them Chromium hangs or fails
/// (first-run, sync, component updates, the sandbox, QUIC).
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

const WINDOW: &str = "--window-size=1280,1800";

pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let root = workspace_root()
        .canonicalize()
        .context("finding the workspace root")?;
    let mut out = root.join("docs/img/report.png");
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--out" => out = it.next().context("--out needs a path")?.into(),
            other => bail!("unknown screenshot-report option `{other}`; usage: [--out PATH]"),
        }
    }
    let chromium = chromium().context(
        "headless Chromium not found: install Debian's `chromium` (apt-get install chromium) \
         or set POLICYCTL_CHROMIUM",
    )?;
    let work = root.join("target/screenshot-report");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let page = work.join("report.html");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    eprintln!(
        "$ cargo run -p policy-report --example html_report -- {}",
        page.display()
    );
    let status = Command::new(cargo)
        .current_dir(&root)
        .args([
            "run",
            "-q",
            "-p",
            "policy-report",
            "--example",
            "html_report",
            "--",
        ])
        .arg(&page)
        .status()
        .context("running the html_report example")?;
    if !status.success() {
        bail!("the html_report example failed ({status})");
    }
    if let Some(dir) = out.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let out = std::path::absolute(&out)?;
    let shot = work.join("report.png");
    screenshot(&chromium, &page, &shot, &work.join("profile"))?;
    let png = std::fs::read(&shot).context("reading the screenshot")?;
    if !png.starts_with(b"\x89PNG\r\n\x1a\n") {
        bail!(
            "chromium wrote something that is not a PNG: {}",
            shot.display()
        );
    }
    std::fs::write(&out, &png).with_context(|| format!("writing {}", out.display()))?;
    let _ = std::fs::remove_dir_all(&work);
    eprintln!("wrote {} ({} bytes)", out.display(), png.len());
    Ok(())
}

/// `POLICYCTL_CHROMIUM`, else `chromium` or `chromium-browser` on `PATH`.
fn chromium() -> Option<PathBuf> {
    std::env::var_os("POLICYCTL_CHROMIUM")
        .map(PathBuf::from)
        .or_else(|| {
            let path = std::env::var_os("PATH")?;
            std::env::split_paths(&path)
                .flat_map(|dir| [dir.join("chromium"), dir.join("chromium-browser")])
                .find(|p| p.is_file())
        })
}

fn screenshot(chromium: &Path, page: &Path, png: &Path, profile: &Path) -> anyhow::Result<()> {
    let log = png.with_extension("log");
    eprintln!(
        "$ chromium --headless --screenshot {} {WINDOW} …",
        png.display()
    );
    let mut child = Command::new(chromium)
        .args(FLAGS)
        .arg(format!("--user-data-dir={}", profile.display()))
        .arg(format!("--screenshot={}", png.display()))
        .arg(WINDOW)
        .arg(file_url(page))
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(std::fs::File::create(&log)?)
        .spawn()
        .context("starting chromium")?;
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if start.elapsed() > TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            bail!(
                "chromium did not finish within {TIMEOUT:?}; its log: {}",
                log.display()
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    if !status.success() {
        bail!("chromium failed ({status}); its log: {}", log.display());
    }
    Ok(())
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
