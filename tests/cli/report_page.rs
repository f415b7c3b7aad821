//! `report.html` in a real browser: headless Chromium lays the page out at a desktop width
//! (1200 px) and a phone's (420 px); a probe script, added to a copy of the page (never to the
//! report itself), measures it and writes what it found into the DOM, which Chromium dumps.
//! The copy is shown in a frame of the width wanted (`srcdoc`, so the probe may write into
//! the page around it): a headless window is never narrower than 500 px.
//! The page is broken when it scrolls sideways, a section is missing, a bar is not drawn or
//! not on its scale, a cell's text overflows it, axis labels collide, or text from the data
//! became markup. Screenshots of both widths are written under `target/tmp/report-page/` for
//! people to look at, and checked not to be blank.
//!
//! Needs Debian's `chromium` (`apt-get install -y chromium`); `.ci/run` installs it. Without
//! it these tests fail: they never skip.

use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use crate::support::TestWorkspace;

/// The widths the page must fit: a laptop's browser, and a phone's.
const WIDTHS: [u32; 2] = [1200, 420];

/// The sections a manager reads, by id, top to bottom.
const SECTIONS: [&str; 7] = [
    "verdict",
    "scores",
    "properties",
    "quarantine",
    "codes",
    "failures-section",
    "digitalisation",
];

/// Measures the page once it is laid out, and writes the result as JSON into
/// `<pre id="probe-result">` of the page framing it.
const PROBE: &str = r#"
window.addEventListener('load', function () {
  function shown(e) { var b = e.getBoundingClientRect(); return e.getClientRects().length > 0 && b.width > 0; }
  function text(e) { return e.tagName + ': ' + (e.textContent || '').trim().slice(0, 80); }
  function all(selector) { return [].slice.call(document.querySelectorAll(selector)).filter(shown); }
  var width = window.innerWidth;
  var r = {
    viewport: width,
    scroll_width: document.documentElement.scrollWidth,
    height: document.documentElement.scrollHeight,
    scripts: document.scripts.length,
    sections: SECTIONS.filter(function (id) { var e = document.getElementById(id); return e && shown(e); }),
    bars: all('.bar[data-score]').map(function (b) {
      return { score: parseFloat(b.dataset.score), track: b.getBoundingClientRect().width,
               fill: b.querySelector('b').getBoundingClientRect().width };
    }),
    overflowing: all('td, th, h1, h2, h3, p, li, summary, dd, dt').filter(function (e) {
      return e.scrollWidth > e.clientWidth + 1;
    }).map(text),
    outside: all('body *').filter(function (e) {
      var b = e.getBoundingClientRect(); return b.right > width + 1 || b.left < -1;
    }).map(text),
    colliding_labels: all('.axis').filter(function (axis) {
      var labels = [].slice.call(axis.children).map(function (s) { return s.getBoundingClientRect(); });
      return labels.some(function (b, i) { return i > 0 && b.left < labels[i - 1].right; });
    }).map(text)
  };
  var pre = parent.document.createElement('pre');
  pre.id = 'probe-result';
  pre.textContent = JSON.stringify(r);
  parent.document.body.appendChild(pre);
});
"#;

/// What the probe measured at one width.
#[derive(Debug, serde::Deserialize)]
struct Measured {
    viewport: f64,
    scroll_width: f64,
    height: f64,
    scripts: usize,
    sections: Vec<String>,
    bars: Vec<Bar>,
    overflowing: Vec<String>,
    outside: Vec<String>,
    colliding_labels: Vec<String>,
}

#[derive(Debug, serde::Deserialize)]
struct Bar {
    score: f64,
    track: f64,
    fill: f64,
}

/// Debian's Chromium, or a failure that says how to install it.
fn chromium() -> PathBuf {
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .flat_map(|dir| ["chromium", "chromium-browser"].map(|name| dir.join(name)))
        .find(|candidate| candidate.is_file())
        .unwrap_or_else(|| {
            panic!(
                "chromium is not installed, and the report page tests need it: \
                 `apt-get install -y chromium` (with sudo when not root), or run .ci/run"
            )
        })
}

/// Headless Chromium on `page` in a window `width` × `height`, with a fresh profile, then
/// `action` (`--dump-dom`, `--screenshot=…`); returns what it printed.
fn browse(page: &Path, width: u32, height: u32, action: &str) -> String {
    let profile = tempfile::tempdir().expect("profile folder");
    let output = Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=5000",
        ])
        .arg(format!("--user-data-dir={}", profile.path().display()))
        .arg(format!("--window-size={width},{height}"))
        .arg(action)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    assert!(
        output.status.success(),
        "chromium failed on {}\n{}",
        page.display(),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("UTF-8 DOM")
}

/// The probe's result in a dumped DOM.
fn measured(dom: &str) -> Measured {
    let start = dom
        .find("<pre id=\"probe-result\">")
        .map(|i| i + "<pre id=\"probe-result\">".len())
        .unwrap_or_else(|| panic!("the probe wrote no result: the page did not load\n{dom}"));
    let end = start
        + dom[start..]
            .find("</pre>")
            .expect("end of the probe's result");
    let json = dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&amp;", "&");
    serde_json::from_str(&json).unwrap_or_else(|e| panic!("probe result {json}: {e}"))
}

/// Renders the run's `out/report.html` at every width, asserts the page holds together, and
/// writes its screenshots as `target/tmp/report-page/NAME-WIDTH.png`.
fn check_page(ws: &TestWorkspace, name: &str) {
    let report = ws.path().join("out/report.html");
    let page = std::fs::read_to_string(&report).expect("report.html");
    let probe = PROBE.replace(
        "SECTIONS",
        &serde_json::to_string(&SECTIONS).expect("section ids"),
    );
    let with_probe = page.replace("</body>", &format!("<script>{probe}</script></body>"));
    let srcdoc = with_probe.replace('&', "&amp;").replace('"', "&quot;");
    let shots = Path::new(env!("CARGO_TARGET_TMPDIR")).join("report-page");
    std::fs::create_dir_all(&shots).expect("screenshot folder");
    for width in WIDTHS {
        let probed = ws.path().join(format!("probe-{width}.html"));
        let frame = format!(
            "<!DOCTYPE html><html><body style=\"margin:0\"><iframe style=\"border:0;width:{width}px;height:900px\" srcdoc=\"{srcdoc}\"></iframe></body></html>"
        );
        std::fs::write(&probed, frame).expect("write the probe page");
        let m = measured(&browse(&probed, width.max(800), 1000, "--dump-dom"));
        let at = format!("{name} at {width} px");
        assert_eq!(m.viewport, f64::from(width), "{at}: the window's width");
        assert!(
            m.scroll_width <= m.viewport,
            "{at}: the page scrolls sideways ({} px wide); too wide: {:?}",
            m.scroll_width,
            m.outside
        );
        assert!(
            m.outside.is_empty(),
            "{at}: beyond the page: {:?}",
            m.outside
        );
        assert!(
            m.overflowing.is_empty(),
            "{at}: text overflows its box: {:?}",
            m.overflowing
        );
        assert_eq!(m.sections, SECTIONS, "{at}: the sections shown");
        assert!(
            m.colliding_labels.is_empty(),
            "{at}: axis labels collide: {:?}",
            m.colliding_labels
        );
        assert_eq!(
            m.scripts, 2,
            "{at}: the search script and the probe, no script from the data"
        );
        bars_on_their_scale(&m.bars, &at);

        let png = shots.join(format!("{name}-{width}.png"));
        let height = (m.height.ceil() as u32).clamp(600, 12_000);
        browse(
            &report,
            width,
            height,
            &format!("--screenshot={}", png.display()),
        );
        not_blank(&png);
        eprintln!("screenshot: {}", png.display());
    }
}

/// Every bar is drawn, at least 30 px long, on the example's scale: from 90% (its lowest
/// threshold, 95%, less 5 points) to 100%, so that 95% fills half a bar and 100% all of it.
fn bars_on_their_scale(bars: &[Bar], at: &str) {
    assert!(bars.len() >= 30, "{at}: only {} bars drawn", bars.len());
    for bar in bars {
        assert!(bar.track >= 30.0, "{at}: a bar {} px long", bar.track);
        let expected = ((bar.score - 0.9) / 0.1).clamp(0.0, 1.0) * bar.track;
        assert!(
            (bar.fill - expected).abs() <= 1.5,
            "{at}: a score of {} fills {} of {} px, not {expected:.1}",
            bar.score,
            bar.fill,
            bar.track
        );
    }
    let full = bars.iter().filter(|b| b.score == 1.0).count();
    let short = bars.iter().filter(|b| b.score < 0.97).count();
    assert!(
        full > 0 && short > 0,
        "{at}: bars at 100% and below 97% to tell apart"
    );
}

/// A PNG screenshot shows a page: more than a few colours, and more than 2% of its pixels
/// differ from the background (the top left pixel).
fn not_blank(png: &Path) {
    let (width, pixels) = decode_png(png);
    let background = &pixels[..3];
    let drawn = pixels
        .chunks(3)
        .filter(|p| p.iter().zip(background).any(|(a, b)| a.abs_diff(*b) > 16))
        .count();
    let total = pixels.len() / 3;
    assert!(
        drawn * 50 > total,
        "{}: blank ({drawn} of {total} pixels drawn, {width} px wide)",
        png.display()
    );
}

/// An 8-bit RGB or RGBA PNG (as Chromium writes screenshots): its width and its pixels as
/// RGB bytes.
fn decode_png(path: &Path) -> (usize, Vec<u8>) {
    let bytes = std::fs::read(path).expect("read the screenshot");
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{}: a PNG",
        path.display()
    );
    let (mut at, mut header, mut data) = (8, Vec::new(), Vec::new());
    while at + 8 <= bytes.len() {
        let length = u32::from_be_bytes(bytes[at..at + 4].try_into().expect("length")) as usize;
        let kind = &bytes[at + 4..at + 8];
        let body = &bytes[at + 8..at + 8 + length];
        match kind {
            b"IHDR" => header = body.to_vec(),
            b"IDAT" => data.extend_from_slice(body),
            _ => {}
        }
        at += 12 + length;
    }
    let width = u32::from_be_bytes(header[0..4].try_into().expect("width")) as usize;
    let channels = match (header[8], header[9]) {
        (8, 2) => 3,
        (8, 6) => 4,
        other => panic!("{}: a PNG of depth and colour {other:?}", path.display()),
    };
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(data.as_slice())
        .read_to_end(&mut raw)
        .expect("inflate the PNG");
    let stride = width * channels;
    let mut previous = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(raw.len());
    for line in raw.chunks(stride + 1) {
        let mut row = line[1..].to_vec();
        for i in 0..stride {
            let left = if i >= channels { row[i - channels] } else { 0 };
            let up = previous[i];
            let corner = if i >= channels {
                previous[i - channels]
            } else {
                0
            };
            row[i] = row[i].wrapping_add(match line[0] {
                0 => 0,
                1 => left,
                2 => up,
                3 => ((u16::from(left) + u16::from(up)) / 2) as u8,
                4 => paeth(left, up, corner),
                filter => panic!("PNG filter {filter}"),
            });
        }
        pixels.extend(row.chunks(channels).flat_map(|p| p[..3].to_vec()));
        previous = row;
    }
    (width, pixels)
}

fn paeth(a: u8, b: u8, c: u8) -> u8 {
    let p = i16::from(a) + i16::from(b) - i16::from(c);
    let (pa, pb, pc) = (
        (p - i16::from(a)).abs(),
        (p - i16::from(b)).abs(),
        (p - i16::from(c)).abs(),
    );
    if pa <= pb && pa <= pc {
        a
    } else if pb <= pc {
        b
    } else {
        c
    }
}

#[test]
fn the_example_report_fits_a_desktop_and_a_phone_with_every_section_and_bar() {
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    check_page(&ws, "example");
}

/// The example with a slice that fails: a name and a power of 150 characters without a
/// space (that must wrap, not widen the page), markup for a power (that must stay text), and
/// 25 rows without an identifier (quarantined).
#[test]
fn a_failing_report_with_long_values_and_a_quarantine_still_fits() {
    let long = "W".repeat(150);
    let mut csv = format!(
        "id,name,kw\nP1,{long},{}\nP2,Pump two,<script>alert(1)</script>\n",
        "9".repeat(150) + "x"
    );
    for i in 0..25 {
        csv.push_str(&format!(",Pump {i},3\n"));
    }
    let ws = TestWorkspace::example_with_extra_pumps(
        &csv,
        "slice: extra-pumps\nclass: Pump\nid: \"https://x.org/pump/{id}\"\nlabel: \"{name}\"\nproperties:\n  ratedPower: { from: kw, unit: kW }\n  operationalState: { value: InService }\n",
    );
    ws.run(&["run"]).expect(1);
    let page = std::fs::read_to_string(ws.path().join("out/report.html")).expect("report");
    assert!(
        page.contains("Not conformant: 1 of 6 slices below a fail threshold"),
        "{}",
        &page[..page.len().min(3000)]
    );
    assert!(page.contains("&lt;script&gt;alert(1)&lt;/script&gt;"));
    assert!(
        page.contains("More quarantined rows"),
        "beyond the first of a reason"
    );
    check_page(&ws, "failing");
}

#[test]
fn the_page_is_the_same_bytes_on_every_run() {
    let ws = TestWorkspace::example();
    ws.run(&["run"]).expect(0);
    let first = std::fs::read(ws.path().join("out/report.html")).expect("report");
    ws.run(&["run"]).expect(0);
    let second = std::fs::read(ws.path().join("out/report.html")).expect("report");
    assert!(first == second, "report.html changed between two runs");
}
