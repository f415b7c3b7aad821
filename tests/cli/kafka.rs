//! Sharing over Kafka against a real broker: `tansu`, a Kafka-API broker, started by the
//! test on a free loopback port (`cargo install tansu --features dynostore`; .ci/run
//! installs it when missing). The messages are read back by a plain Kafka consumer and
//! their bodies parsed by rio, a parser thinslice does not use.

use std::collections::BTreeSet;
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use rdkafka::config::ClientConfig;
use rdkafka::consumer::{BaseConsumer, Consumer};
use rdkafka::error::KafkaError;
use rdkafka::message::{Headers, Message};
use sha2::{Digest, Sha256};

use crate::support::TestWorkspace;

/// A tansu broker on a free loopback port, in memory. Stopped when dropped.
///
/// Its faults are pauses (SIGSTOP, then SIGCONT): to its clients a broker that stops
/// answering mid-request, as one that crashed, with its topics still there when it is
/// back. Killing it would lose them (memory), and tansu 0.6's durable engine (SQLite,
/// feature libsql) stopped answering here after some 30,000 messages.
pub struct Broker {
    child: Option<Child>,
    port: u16,
    dir: tempfile::TempDir,
}

fn tansu() -> PathBuf {
    if let Some(path) = std::env::var_os("TANSU") {
        return PathBuf::from(path);
    }
    let home = std::env::var_os("HOME")
        .map(PathBuf::from)
        .unwrap_or_default();
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain([home.join(".cargo/bin")])
        .map(|dir| dir.join("tansu"))
        .find(|p| p.is_file())
        .unwrap_or_else(|| {
            panic!(
                "tansu is not installed, and the Kafka tests need a real broker: \
                 `cargo install tansu --version 0.6.0 --features dynostore --locked`, or run .ci/run"
            )
        })
}

impl Broker {
    pub fn start() -> Self {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let mut broker = Self {
            child: None,
            port,
            dir: tempfile::tempdir().expect("temporary folder"),
        };
        broker.spawn();
        broker
    }

    pub fn url(&self) -> String {
        format!("kafka://127.0.0.1:{}", self.port)
    }

    fn spawn(&mut self) {
        let listener = format!("tcp://127.0.0.1:{}", self.port);
        let storage = "memory://tansu/";
        let log = std::fs::File::create(self.dir.path().join("tansu.log")).expect("log");
        let child = Command::new(tansu())
            .args(["broker", "--listener-url", &listener])
            .args(["--advertised-listener-url", &listener])
            .args(["--storage-engine", storage])
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .expect("start tansu");
        self.child = Some(child);
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(Some(_)) = self.child.as_mut().map(|c| c.try_wait().ok().flatten()) {
                let log = std::fs::read_to_string(self.dir.path().join("tansu.log"));
                panic!(
                    "tansu stopped at once (its memory storage needs the dynostore feature: `cargo install tansu --version 0.6.0 --features dynostore --locked`):\n{}",
                    log.unwrap_or_default()
                );
            }
            assert!(
                started.elapsed() < Duration::from_secs(20),
                "tansu did not listen"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Kills the broker, as a crash would.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Freezes the broker for `pause`: connections stay open, nothing is answered.
    pub fn freeze(&mut self, pause: Duration) {
        let pid = self
            .child
            .as_ref()
            .expect("a running broker")
            .id()
            .to_string();
        let signal = |name: &str| {
            let status = Command::new("kill").args([name, &pid]).status();
            assert!(status.is_ok_and(|s| s.success()), "kill {name} {pid}");
        };
        signal("-STOP");
        std::thread::sleep(pause);
        signal("-CONT");
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        self.stop();
    }
}

/// A message as a plain Kafka consumer reads it.
#[derive(Debug)]
pub struct Read {
    pub key: String,
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Read {
    pub fn header(&self, name: &str) -> Option<&str> {
        (self.headers.iter())
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Every message of `topic`, from its start, by a consumer of its own group.
pub fn messages(broker: &Broker, topic: &str) -> Vec<Read> {
    let consumer: BaseConsumer = ClientConfig::new()
        .set("bootstrap.servers", format!("127.0.0.1:{}", broker.port))
        .set("group.id", format!("test-reader-{}", std::process::id()))
        .set("auto.offset.reset", "earliest")
        .set("enable.partition.eof", "true")
        .set("enable.auto.commit", "false")
        .create()
        .expect("consumer");
    consumer.subscribe(&[topic]).expect("subscribe");
    let started = Instant::now();
    let mut out = Vec::new();
    while started.elapsed() < Duration::from_secs(60) {
        match consumer.poll(Duration::from_millis(500)) {
            Some(Ok(m)) => {
                let text =
                    |b: Option<&[u8]>| String::from_utf8_lossy(b.unwrap_or_default()).into_owned();
                let headers = (m.headers().into_iter())
                    .flat_map(|h| h.iter())
                    .map(|h| (h.key.to_string(), text(h.value)))
                    .collect();
                out.push(Read {
                    key: text(m.key()),
                    headers,
                    body: text(m.payload()),
                });
            }
            Some(Err(KafkaError::PartitionEOF(_))) => return out,
            _ => {}
        }
    }
    panic!("topic {topic} was not read to its end in a minute");
}

/// The rows of an RDF Patch body, checked line by line: a transaction of `A`/`D` rows whose
/// terms an independent N-Triples parser (rio) reads. Returns (adds, deletes) as lines.
pub fn patch_rows(body: &str) -> (Vec<String>, Vec<String>) {
    use rio_api::parser::TriplesParser;
    let lines: Vec<&str> = body.lines().collect();
    assert_eq!(lines.first(), Some(&"TX ."), "{body}");
    assert_eq!(lines.last(), Some(&"TC ."), "{body}");
    let (mut adds, mut deletes) = (Vec::new(), Vec::new());
    for line in &lines[1..lines.len() - 1] {
        let (op, rest) = line.split_once(' ').expect("a row");
        let mut parsed = 0;
        rio_turtle::NTriplesParser::new(rest.as_bytes())
            .parse_all(&mut |_| {
                parsed += 1;
                Ok(()) as Result<(), rio_turtle::TurtleError>
            })
            .unwrap_or_else(|e| panic!("{line}: {e}"));
        assert_eq!(parsed, 1, "{line}");
        match op {
            "A" => adds.push(rest.to_string()),
            "D" => deletes.push(rest.to_string()),
            other => panic!("`{other}` row in {body}"),
        }
    }
    (adds, deletes)
}

fn json(stdout: &str) -> serde_json::Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// The lines of an N-Triples file, as a set.
fn triples(path: &Path) -> BTreeSet<String> {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    text.lines()
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

fn publish(ws: &TestWorkspace, broker: &Broker, topic: &str, slice: &str) -> serde_json::Value {
    let url = broker.url();
    let run = ws.run(&[
        "--format", "json", "publish", "--to", &url, "--topic", topic, "--slice", slice,
    ]);
    let run = run.expect(0);
    json(&run.stdout)[0].clone()
}

fn count(account: &serde_json::Value, what: &str) -> u64 {
    account[what]
        .as_u64()
        .unwrap_or_else(|| panic!("{what} in {account}"))
}

/// Replaces `from` by `to` in a Windows-1252 file.
fn edit_1252(path: &Path, from: &str, to: &str) {
    let bytes = std::fs::read(path).expect("read");
    let (text, _, _) = encoding_rs::WINDOWS_1252.decode(&bytes);
    assert!(text.contains(from), "{from} in {}", path.display());
    let text = text.replacen(from, to, 1);
    let (bytes, _, _) = encoding_rs::WINDOWS_1252.encode(&text);
    std::fs::write(path, bytes).expect("write");
}

#[test]
fn substations_reach_the_water_companys_feeder_table_then_only_changes_travel() {
    let broker = Broker::start();
    let power = TestWorkspace::example();
    // Where to publish is said once, in thinslice.yaml, for the later publishes.
    let config = power.text("thinslice.yaml")
        + "\nmarking: { classification: OFFICIAL-SENSITIVE, label: \"clearance=sensitive\" }\n"
        + &format!(
            "publish: {{ to: \"{}\", topic: substations, slices: [power-substations] }}\n",
            broker.url()
        );
    let power = power.with_file("thinslice.yaml", &config);
    power.run(&["run"]).expect(0);

    let first = publish(&power, &broker, "substations", "power-substations");
    assert_eq!(count(&first, "added"), 57, "{first}");
    // 57 things and the slice's own triples (its marking).
    assert_eq!(count(&first, "messages"), 58, "{first}");

    // Riverbend Water receives them and writes its own feeder table.
    let water = TestWorkspace::example();
    let url = broker.url();
    let receive = [
        "--format",
        "json",
        "receive",
        "--from",
        &url,
        "--topic",
        "substations",
        "--group",
        "riverbend",
        "--export",
        "water-feeders",
    ];
    let got = json(&water.run(&receive).expect(0).stdout);
    assert_eq!(got["receive"]["applied"], 58, "{got}");
    // The slice's own triples (its marking) are applied, and are not a thing.
    assert_eq!(got["receive"]["added"], 57, "{got}");
    assert_eq!(got["receive"]["things"]["power-substations"], 57, "{got}");
    assert_eq!(
        got["receive"]["files"][0], "received/power-substations.nt",
        "{got}"
    );
    assert_eq!(got["exports"][0]["rows"], 57, "{got}");
    let copy = water.path().join("received/power-substations.nt");
    let source = power.path().join("out/rdf/power-substations.nt");
    assert_eq!(triples(&copy), triples(&source));
    let feeders = feeder_rows(&water.path().join("out/exports/water-feeders.xlsx"));
    assert_eq!(feeders.len(), 57);
    assert!(
        feeders.contains(&vec![
            "SS-0001".into(),
            "Sainte-Hélène 1".into(),
            "6.6".into()
        ]),
        "{feeders:?}"
    );

    // Unchanged: nothing is sent.
    let configured = |ws: &TestWorkspace| {
        json(&ws.run(&["--format", "json", "publish"]).expect(0).stdout)[0].clone()
    };
    let again = configured(&power);
    assert_eq!(
        (count(&again, "unchanged"), count(&again, "messages")),
        (57, 0),
        "{again}"
    );

    // One source cell changes (SS-0001's voltage, 6,6 kV to 11 kV): exactly one patch.
    let csv = power.path().join("examples/power/substations.csv");
    edit_1252(
        &csv,
        "SS-0001;Sainte-Hélène 1;SEC;6,6;",
        "SS-0001;Sainte-Hélène 1;SEC;11;",
    );
    power.run(&["run"]).expect(0);
    let changed = configured(&power);
    assert_eq!(
        [
            &changed["changed"],
            &changed["added"],
            &changed["retracted"],
            &changed["messages"]
        ],
        [1, 0, 0, 1],
        "{changed}"
    );

    // A row is deleted (SS-0002): it arrives as a retraction.
    edit_1252(
        &csv,
        "SS-0002;Brændham 1;SEC;0,4;13,1;12/05/1966;Energised;Eastvale Power Networks\r\n",
        "",
    );
    power.run(&["run"]).expect(0);
    let retracted = configured(&power);
    assert_eq!(
        [
            &retracted["retracted"],
            &retracted["changed"],
            &retracted["messages"]
        ],
        [1, 0, 1],
        "{retracted}"
    );

    let got = json(&water.run(&receive).expect(0).stdout);
    assert_eq!(
        [
            &got["receive"]["received"],
            &got["receive"]["changed"],
            &got["receive"]["retracted"]
        ],
        [2, 1, 1],
        "{got}"
    );
    assert_eq!(triples(&copy), triples(&source));
    let feeders = feeder_rows(&water.path().join("out/exports/water-feeders.xlsx"));
    assert_eq!(feeders.len(), 56);
    assert!(
        feeders.contains(&vec![
            "SS-0001".into(),
            "Sainte-Hélène 1".into(),
            "11".into()
        ]),
        "{feeders:?}"
    );
    assert!(
        !feeders.iter().any(|row| row[0] == "SS-0002"),
        "{feeders:?}"
    );

    // The marking's label changes: every thing travels again, with the new label.
    let relabelled = power
        .text("thinslice.yaml")
        .replace("clearance=sensitive", "clearance=secret");
    let power = power.with_file("thinslice.yaml", &relabelled);
    power.run(&["run"]).expect(0);
    let again = configured(&power);
    assert_eq!([&again["changed"], &again["messages"]], [56, 57], "{again}");
    // A broker that lost its topic is sent everything again by --resend.
    let resent = power
        .run(&["--format", "json", "publish", "--resend"])
        .expect(0);
    assert_eq!(json(&resent.stdout)[0]["messages"], 57, "{}", resent.stdout);

    // A topic that is not there is said at once.
    let missing = water.run(&[
        "receive",
        "--from",
        &url,
        "--topic",
        "substation",
        "--group",
        "riverbend",
    ]);
    assert!(
        missing
            .expect(2)
            .stderr
            .contains("has no topic `substation`")
    );

    // On the wire: each body an RDF Patch transaction whose rows rio reads; the headers.
    let manifest: serde_json::Value = json(&power.text("out/manifest.json"));
    let all = messages(&broker, "substations");
    assert_eq!(all.len(), 60 + 57 + 57);
    for (index, message) in all.iter().enumerate() {
        assert_eq!(
            message.header("Content-Type"),
            Some("application/rdf-patch")
        );
        let label = match index < 60 {
            true => "clearance=sensitive",
            false => "clearance=secret",
        };
        assert_eq!(message.header("Security-Label"), Some(label));
        assert_eq!(message.header("Thinslice-Slice"), Some("power-substations"));
        let (adds, _) = patch_rows(&message.body);
        for add in &adds {
            assert!(
                add.starts_with(&format!("<{}>", message.key)),
                "{add} of {}",
                message.key
            );
        }
        if let Some(sha) = message.header("Thinslice-SHA256") {
            let text: String = adds.iter().map(|a| format!("{a}\n")).collect();
            assert_eq!(sha, hex::encode(Sha256::digest(text.as_bytes())));
        }
    }
    let last = &all[59];
    assert_eq!(
        last.key,
        "https://data.example.org/power/substation/SS-0002"
    );
    assert_eq!(last.header("Thinslice-Change"), Some("retract"));
    let newest = all.last().and_then(|m| m.header("Thinslice-Manifest"));
    assert_eq!(newest, manifest["id"].as_str());
    let (adds, deletes) = patch_rows(&last.body);
    assert!(adds.is_empty() && deletes.len() == 8, "{}", last.body);
    let change = &all[58];
    assert_eq!(
        change.key,
        "https://data.example.org/power/substation/SS-0001"
    );
    assert_eq!(
        change.header("Thinslice-Origin"),
        Some("examples/power/substations.csv:4")
    );
    let (adds, deletes) = patch_rows(&change.body);
    assert!(
        deletes.iter().any(|d| d.contains("\"6600.0\"")),
        "{}",
        change.body
    );
    assert!(
        adds.iter().any(|a| a.contains("\"11000.0\"")),
        "{}",
        change.body
    );
}

/// The feeder table's ID, name and voltage columns, as text.
fn feeder_rows(path: &Path) -> Vec<Vec<String>> {
    use calamine::{Reader, open_workbook_auto};
    let mut book = open_workbook_auto(path).expect("open workbook");
    let sheet = book.worksheet_range("Feeders").expect("Feeders sheet");
    sheet
        .rows()
        .skip(1)
        .map(|row| {
            row.iter()
                .take(4)
                .enumerate()
                .filter(|(i, _)| *i != 2)
                .map(|(_, c)| c.to_string())
                .collect()
        })
        .collect()
}

#[test]
fn no_sensitive_value_travels_in_clear() {
    let broker = Broker::start();
    let ws = crate::sharing::with_sites(
        "share:\n  personal: drop\n  security: generalise\n  generalise: { easting: { step: 1000 }, northing: { step: 1000 } }\n",
    );
    let run = ws.run(&["run"]);
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    for slice in ["water-sites", "site-contacts"] {
        let account = publish(&ws, &broker, "sites", slice);
        assert!(count(&account, "messages") > 0, "{account}");
    }
    let all = messages(&broker, "sites");
    assert!(all.len() >= 8, "{}", all.len());
    for message in &all {
        let wire = format!("{} {:?} {}", message.key, message.headers, message.body);
        for canary in crate::sharing::CANARIES {
            assert!(!wire.contains(canary), "{canary} on the wire: {wire}");
        }
    }
}

/// A slice of `rows` pumps, for faults that must land mid-way.
fn many_pumps(rows: usize) -> TestWorkspace {
    let mut csv = String::from("ID,Name\n");
    for i in 0..rows {
        csv.push_str(&format!("P{i:06},Pump number {i}\n"));
    }
    let mapping = "slice: extra-pumps\nclass: Pump\nid: \"https://data.example.org/test/pump/{ID}\"\nlabel: \"{Name}\"\nproperties:\n  assetIdentifier: { from: ID }\n";
    TestWorkspace::example_with_extra_pumps(&csv, mapping)
}

/// Waits for a child thinslice; its exit code.
fn wait(mut child: Child) -> i32 {
    child.wait().expect("wait").code().unwrap_or(-1)
}

#[test]
fn killed_clients_and_a_broker_frozen_mid_publish_and_mid_receive_lose_and_double_nothing() {
    const PUMPS: usize = 30_000;
    let mut broker = Broker::start();
    let ws = many_pumps(PUMPS);
    // The pumps lack what the RDL requires of a pump: the run says so (exit 1), and its
    // things are published all the same.
    ws.run(&["run"]).expect(1);
    let url = broker.url();
    let publish_args = [
        "--no-progress",
        "publish",
        "--to",
        &url,
        "--topic",
        "pumps",
        "--slice",
        "extra-pumps",
    ];
    let quiet = |ws: &TestWorkspace, args: &[&str]| {
        (ws.command(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn())
        .expect("spawn")
    };

    // The publisher is killed mid-way; run again, it resumes.
    let mut child = quiet(&ws, &publish_args);
    std::thread::sleep(Duration::from_millis(1500));
    let _ = child.kill();
    let _ = child.wait();
    let resumed = publish(&ws, &broker, "pumps", "extra-pumps");
    let sent_before = count(&resumed, "unchanged");
    let total = sent_before + count(&resumed, "added") + count(&resumed, "changed");
    assert_eq!(total, PUMPS as u64, "{resumed}");

    // 5,000 pumps are renamed; the broker freezes while they are published.
    let renamed: String = (ws.text("examples/extra/pumps.csv").lines())
        .map(|line| match line.split_once(',') {
            Some((id, name)) if id[1..].parse::<usize>().is_ok_and(|n| n % 6 == 0) => {
                format!("{id},{name} renamed\n")
            }
            _ => format!("{line}\n"),
        })
        .collect();
    let ws = ws.with_file("examples/extra/pumps.csv", &renamed);
    ws.run(&["run"]).expect(1);
    let child = quiet(&ws, &publish_args);
    std::thread::sleep(Duration::from_millis(300));
    broker.freeze(Duration::from_secs(3));
    assert_eq!(wait(child), 0, "the publish outlives a frozen broker");
    let settled = publish(&ws, &broker, "pumps", "extra-pumps");
    assert_eq!(
        (count(&settled, "messages"), count(&settled, "unchanged")),
        (0, PUMPS as u64),
        "{settled}"
    );

    // The receiver is killed mid-way, then runs again while the broker freezes.
    let water = TestWorkspace::example();
    let receive = [
        "--format",
        "json",
        "receive",
        "--from",
        &url,
        "--topic",
        "pumps",
        "--group",
        "riverbend",
    ];
    let mut child = quiet(&water, &receive);
    std::thread::sleep(Duration::from_millis(2500));
    let _ = child.kill();
    let _ = child.wait();
    let child = (water
        .command(&receive)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped()))
    .spawn()
    .expect("receive");
    std::thread::sleep(Duration::from_millis(300));
    broker.freeze(Duration::from_secs(3));
    let output = child.wait_with_output().expect("receive");
    let said = String::from_utf8_lossy(&output.stdout).into_owned()
        + &String::from_utf8_lossy(&output.stderr);
    assert_eq!(
        output.status.code(),
        Some(0),
        "the receive outlives a frozen broker: {said}"
    );
    // Once more: nothing new, and the copy is whole.
    let last = json(&water.run(&receive).expect(0).stdout);
    assert_eq!(last["receive"]["received"], 0, "{last}");
    assert_eq!(last["receive"]["things"]["extra-pumps"], PUMPS, "{last}");
    let path = water.path().join("received/extra-pumps.nt");
    let copy = triples(&path);
    let source = triples(&ws.path().join("out/rdf/extra-pumps.nt"));
    // Nothing lost, nothing twice: every triple of the source once, and no other.
    let lines = std::fs::read_to_string(&path).expect("copy");
    assert_eq!(lines.lines().count(), source.len());
    assert!(copy == source, "the copy differs from the source's triples");
    let things: BTreeSet<&str> = lines.lines().filter_map(|l| l.split(' ').next()).collect();
    assert_eq!(things.len(), PUMPS);
}

#[test]
fn wrong_settings_are_refused_before_anything_is_sent() {
    let ws = TestWorkspace::example()
        .with_file("kafka.properties", "linger.ms=5\nno equals sign\n")
        .with_file("unsafe.properties", "# no\nenable.idempotence=false\n");
    // No broker listens on port 9: none is needed to refuse these.
    let cases: [(&[&str], &str); 9] = [
        (
            &[
                "publish",
                "--to",
                "kafka://127.0.0.1:9",
                "--topic",
                "t",
                "--settings",
                "unsafe.properties",
            ],
            "unsafe.properties:2: `enable.idempotence` is thinslice's to set",
        ),
        (
            &[
                "publish",
                "--to",
                "kafka://me:hunter2@127.0.0.1:9",
                "--topic",
                "t",
            ],
            "credentials do not go in the address",
        ),
        (
            &[
                "receive",
                "--from",
                "kafka://127.0.0.1:9",
                "--topic",
                "t",
                "--group",
                " ",
            ],
            "no consumer group named",
        ),
        (&["publish", "--topic", "t"], "no broker to publish to"),
        (
            &["publish", "--to", "127.0.0.1:9092", "--topic", "t"],
            "write kafka://HOST:PORT",
        ),
        (
            &[
                "publish",
                "--to",
                "kafka://127.0.0.1:9",
                "--topic",
                "bad topic",
            ],
            "`bad topic` is not a Kafka topic name",
        ),
        (
            &["publish", "--to", "kafka://127.0.0.1:9", "--topic", "t"],
            "run `thinslice run` first",
        ),
        (
            &[
                "publish",
                "--to",
                "kafka://127.0.0.1:9",
                "--topic",
                "t",
                "--settings",
                "kafka.properties",
            ],
            "kafka.properties:2: a setting is written name=value",
        ),
        (
            &[
                "receive",
                "--from",
                "kafka://127.0.0.1:9",
                "--topic",
                "t",
                "--group",
                "g",
                "--export",
                "water-feeder",
            ],
            "did you mean `water-feeders`",
        ),
    ];
    for (args, said) in cases {
        let run = ws.run(args).expect(2);
        let text = run.stderr.split_whitespace().collect::<Vec<_>>().join(" ");
        assert!(text.contains(said), "{args:?}: {}", run.stderr);
    }
    assert!(!ws.path().join(".thinslice").exists());
    assert!(!ws.path().join("received").exists());

    // `publish:` in thinslice.yaml is checked where it is written, by lint as by any command.
    let original = ws.text("thinslice.yaml");
    let config = original.clone() + "publish: { to: \"localhost:9092\", topic: \"a/{slice}\" }\n";
    let lines = config.lines().count();
    let ws = ws.with_file("thinslice.yaml", &config);
    let lint = ws.run(&["lint"]).expect(2);
    assert!(
        lint.stderr.contains("does not start with kafka://"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("`a/slice` is not a Kafka topic name"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains(&format!("thinslice.yaml:{lines}:")),
        "{}",
        lint.stderr
    );

    // The slices it names are the workspace's; a marking's label is one line.
    let config = original
        + "publish: { slices: [power-substation] }\nmarking: { label: \"clearance=a\\nb\" }\n";
    let lint = ws
        .with_file("thinslice.yaml", &config)
        .run(&["lint"])
        .expect(2);
    assert!(
        lint.stderr.contains("no slice named `power-substation`"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("did you mean `power-substations`"),
        "{}",
        lint.stderr
    );
    assert!(
        lint.stderr.contains("is not one line of text"),
        "{}",
        lint.stderr
    );
}

#[test]
fn things_in_the_ies4_pattern_travel_whole_with_their_nodes() {
    let broker = Broker::start();
    let ws = TestWorkspace::example();
    let config = ws
        .text("thinslice.yaml")
        .replace("rdf: { pattern: flat }", "rdf: { pattern: ies4 }");
    let ws = ws.with_file("thinslice.yaml", &config);
    ws.run(&["run"]).expect(0);
    let account = publish(&ws, &broker, "pumps-ies4", "water-pumps");
    // The pumps, and the slice's own triples: the pattern's class declarations.
    assert_eq!(
        count(&account, "messages"),
        count(&account, "added") + 1,
        "{account}"
    );
    let all = messages(&broker, "pumps-ies4");
    let dataset = all
        .iter()
        .find(|m| m.header("Thinslice-Change") == Some("dataset"));
    let dataset = dataset.expect("the slice's own triples");
    assert!(
        dataset
            .body
            .contains("http://ies.data.gov.uk/ontology/ies4#"),
        "{}",
        dataset.body
    );
    // A pump's measures and states are in its own message.
    let pump = (all.iter())
        .find(|m| m.key.ends_with("/asset/WA-00010"))
        .expect("WA-00010");
    assert!(
        pump.body
            .contains("<https://data.example.org/water/asset/WA-00010#ratedPower-value>"),
        "{}",
        pump.body
    );
    let url = broker.url();
    let water = TestWorkspace::example();
    water
        .run(&[
            "receive",
            "--from",
            &url,
            "--topic",
            "pumps-ies4",
            "--group",
            "g",
        ])
        .expect(0);
    assert_eq!(
        triples(&water.path().join("received/water-pumps.nt")),
        triples(&ws.path().join("out/rdf/water-pumps.nt"))
    );
}
