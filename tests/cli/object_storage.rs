//! Sources and outputs on object storage, against a real S3-compatible server started on a
//! free loopback port: moto's (`pip install 'moto[server]'`; `.ci/run` installs it). Where
//! it is not installed or does not start, the tests say so and skip. The objects are put
//! and read back by the server's own Python client (boto3), not by thinslice's.

use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::support::TestWorkspace;

/// A moto S3 server on a free loopback port. Stopped when dropped.
struct S3 {
    child: Child,
    port: u16,
    python: PathBuf,
}

/// Where `moto_server` is: `$MOTO_SERVER`, the PATH, or the venv `.ci/run` makes.
fn moto_server() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("MOTO_SERVER") {
        return Some(PathBuf::from(path));
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/moto-venv/bin");
    std::env::split_paths(&path)
        .chain([venv])
        .map(|dir| dir.join("moto_server"))
        .find(|p| p.is_file())
}

impl S3 {
    /// The server, or None (said on stderr) where it cannot start.
    fn start() -> Option<Self> {
        let Some(server) = moto_server() else {
            eprintln!(
                "SKIPPED: moto_server is not installed (pip install 'moto[server]', or run .ci/run): the object-storage tests need a real S3 server"
            );
            return None;
        };
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .ok()?
            .port();
        let child = Command::new(&server)
            .args(["-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn();
        let Ok(child) = child else {
            eprintln!("SKIPPED: {} did not start", server.display());
            return None;
        };
        let python = server.with_file_name("python");
        let s3 = Self {
            child,
            port,
            python: if python.is_file() {
                python
            } else {
                PathBuf::from("python3")
            },
        };
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            if started.elapsed() > Duration::from_secs(30) {
                eprintln!("SKIPPED: moto_server did not listen on port {port}");
                return None;
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Some(s3)
    }

    fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    /// The environment a client of this server needs: the standard AWS variables.
    fn env(&self) -> Vec<(&'static str, Option<String>)> {
        vec![
            ("AWS_ACCESS_KEY_ID", Some("test".into())),
            ("AWS_SECRET_ACCESS_KEY", Some("test".into())),
            ("AWS_REGION", Some("us-east-1".into())),
            ("AWS_ENDPOINT_URL", Some(self.endpoint())),
            ("AWS_ALLOW_HTTP", Some("true".into())),
        ]
    }

    /// Runs a boto3 script against the server; its stdout.
    fn boto(&self, script: &str, args: &[&str]) -> String {
        let prelude = format!(
            "import boto3, sys\ns3 = boto3.client('s3', endpoint_url='{}', region_name='us-east-1', aws_access_key_id='test', aws_secret_access_key='test')\n",
            self.endpoint()
        );
        let out = Command::new(&self.python)
            .arg("-c")
            .arg(format!("{prelude}{script}"))
            .args(args)
            .output()
            .expect("python");
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    fn create_bucket(&self, bucket: &str) {
        self.boto("s3.create_bucket(Bucket=sys.argv[1])", &[bucket]);
    }

    fn put(&self, bucket: &str, key: &str, file: &Path) {
        let file = file.to_string_lossy();
        self.boto(
            "s3.upload_file(sys.argv[3], sys.argv[1], sys.argv[2])",
            &[bucket, key, &file],
        );
    }

    /// Every object under `prefix`, downloaded into `dir` (keys as relative paths).
    fn download(&self, bucket: &str, prefix: &str, dir: &Path) -> Vec<String> {
        let listed = self.boto(
            "import os\npages = s3.get_paginator('list_objects_v2').paginate(Bucket=sys.argv[1], Prefix=sys.argv[2])\nfor page in pages:\n    for o in page.get('Contents', []):\n        k = o['Key']\n        rel = k[len(sys.argv[2]):]\n        target = os.path.join(sys.argv[3], rel)\n        os.makedirs(os.path.dirname(target), exist_ok=True)\n        s3.download_file(sys.argv[1], k, target)\n        print(rel)\n",
            &[bucket, prefix, &dir.to_string_lossy()],
        );
        listed.lines().map(str::to_string).collect()
    }
}

impl Drop for S3 {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The files under `dir` (relative, sorted), without those that name where they were read
/// or written (the report and the manifest say `s3://...` where the local run says a path).
fn files(dir: &Path) -> Vec<String> {
    let mut all = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("folder").flatten() {
            let path = entry.path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let relative = path.strip_prefix(dir).expect("inside");
                all.push(relative.to_string_lossy().replace('\\', "/"));
            }
        }
    }
    all.sort();
    all
}

fn env_of<'a>(pairs: &'a [(&'static str, Option<String>)]) -> Vec<(&'static str, Option<&'a str>)> {
    pairs.iter().map(|(k, v)| (*k, v.as_deref())).collect()
}

#[test]
fn a_workspace_reads_its_sources_from_s3_and_writes_its_outputs_there() {
    let Some(s3) = S3::start() else { return };
    s3.create_bucket("registers");
    let local = TestWorkspace::example();
    let expected = local.run(&["run"]);
    assert!(
        expected.code == 0 || expected.code == 1,
        "{}",
        expected.stderr
    );

    // The same workspace with every source in the bucket and the outputs going there.
    let ws = TestWorkspace::example();
    let mut config = ws.text("thinslice.yaml");
    for file in [
        "examples/water/asset-register.xlsx",
        "examples/power/substations.csv",
        "examples/telecom/exchanges.parquet",
    ] {
        s3.put("registers", &format!("in/{file}"), &ws.path().join(file));
        std::fs::remove_file(ws.path().join(file)).expect("remove the local copy");
        config = config.replace(file, &format!("s3://registers/in/{file}"));
    }
    config = config.replace("output: out", "output: s3://registers/runs/latest");
    let ws = ws.with_file("thinslice.yaml", &config);
    let env = s3.env();
    let run = ws.run_with(&["--no-progress", "run"], &env_of(&env));
    assert_eq!(run.code, expected.code, "{}", run.stderr);
    assert!(
        !ws.path().join("out").exists(),
        "nothing is written to a local out/"
    );
    // Where the outputs went is said as the store's URL, not the staged local folder.
    assert!(
        run.stdout
            .contains("reports: s3://registers/runs/latest/report.html"),
        "{}",
        run.stdout
    );
    assert!(!run.stdout.contains(".thinslice/staged"), "{}", run.stdout);

    let fetched = tempfile::tempdir().expect("folder");
    let uploaded = s3.download("registers", "runs/latest/", fetched.path());
    let mut local_files = files(&local.path().join("out"));
    local_files.retain(|f| !f.starts_with(".thinslice"));
    let mut uploaded_sorted = uploaded.clone();
    uploaded_sorted.sort();
    assert_eq!(uploaded_sorted, local_files, "the same files, uploaded");
    // The things and their triples are those of the local run.
    for file in local_files.iter().filter(|f| f.ends_with(".nt")) {
        let ours = std::fs::read(fetched.path().join(file)).expect("uploaded");
        let theirs = std::fs::read(local.path().join("out").join(file)).expect("local");
        assert!(ours == theirs, "{file} differs from the local run's");
    }
    let report: serde_json::Value =
        serde_json::from_slice(&std::fs::read(fetched.path().join("report.json")).expect("report"))
            .expect("json");
    let local_report: serde_json::Value = serde_json::from_slice(
        &std::fs::read(local.path().join("out/report.json")).expect("report"),
    )
    .expect("json");
    assert_eq!(report["slices"].as_array().map(Vec::len), Some(5));
    assert_eq!(
        report["slices"].as_array().map(Vec::len),
        local_report["slices"].as_array().map(Vec::len)
    );
    let slices = |r: &serde_json::Value| r["slices"].as_array().cloned().unwrap_or_default();
    for (ours, theirs) in slices(&report).iter().zip(&slices(&local_report)) {
        // Failures and the quarantine say where each row came from: here an s3:// URL.
        for key in [
            "slice",
            "rows_read",
            "rows_in_slice",
            "things",
            "quarantined",
        ] {
            assert_eq!(ours[key], theirs[key], "{key} of {}", ours["slice"]);
        }
        for key in ["dimensions", "properties", "failures_total"] {
            assert_eq!(ours[key], theirs[key], "{key} of {}", ours["slice"]);
        }
    }

    // Run again: the fetched sources are reused; the outputs are the same objects.
    let again = ws.run_with(&["--no-progress", "run"], &env_of(&env));
    assert_eq!(again.code, expected.code, "{}", again.stderr);
    let refetched = tempfile::tempdir().expect("folder");
    let second = s3.download("registers", "runs/latest/", refetched.path());
    assert_eq!(second.len(), uploaded.len());
}

#[test]
fn a_missing_object_is_said_with_its_url_and_exit_2() {
    let Some(s3) = S3::start() else { return };
    s3.create_bucket("registers");
    let ws = TestWorkspace::example();
    let config = ws.text("thinslice.yaml").replace(
        "examples/power/substations.csv",
        "s3://registers/nowhere/substations.csv",
    );
    let ws = ws.with_file("thinslice.yaml", &config);
    let run = ws.run_with(&["--no-progress", "run"], &env_of(&s3.env()));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("s3://registers/nowhere/substations.csv: there is no such object"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_output_larger_than_a_part_goes_up_in_parts_and_comes_back_whole() {
    let Some(s3) = S3::start() else { return };
    s3.create_bucket("big");
    // 12,000 pumps with 900-character names: an N-Triples file of more than one 8 MiB part.
    let mut csv = String::from("ID,Name\n");
    let long = "x".repeat(900);
    for i in 0..12_000 {
        csv.push_str(&format!("P{i:06},Pump {i} {long}\n"));
    }
    let mapping = "slice: extra-pumps\nclass: Pump\nid: \"https://data.example.org/test/pump/{ID}\"\nlabel: \"{Name}\"\n";
    let ws = TestWorkspace::example_with_extra_pumps(&csv, mapping);
    let config = ws
        .text("thinslice.yaml")
        .replace("output: out", "output: s3://big/out");
    let ws = ws.with_file("thinslice.yaml", &config);
    let run = ws.run_with(
        &["--no-progress", "run", "--slice", "extra-pumps"],
        &env_of(&s3.env()),
    );
    assert!(run.code == 0 || run.code == 1, "{}", run.stderr);
    let fetched = tempfile::tempdir().expect("folder");
    s3.download("big", "out/", fetched.path());
    let uploaded = std::fs::read(fetched.path().join("rdf/extra-pumps.nt")).expect("uploaded");
    let staged = files(&ws.path().join(".thinslice/staged"));
    let written = staged
        .iter()
        .find(|f| f.ends_with("rdf/extra-pumps.nt"))
        .expect("written locally first");
    let local = std::fs::read(ws.path().join(".thinslice/staged").join(written)).expect("local");
    assert!(
        local.len() > 8 << 20,
        "{} bytes: more than one part",
        local.len()
    );
    assert!(uploaded == local, "the object is the file, byte for byte");
}

#[test]
fn shards_on_separate_machines_share_a_bucket_and_merge_from_it() {
    let Some(s3) = S3::start() else { return };
    s3.create_bucket("runs");
    let env = s3.env();
    let env = env_of(&env);
    let to = |ws: TestWorkspace, output: &str| {
        let config = ws.text("thinslice.yaml").replace("output: out", output);
        ws.with_file("thinslice.yaml", &config)
    };
    // One machine runs it whole; two others a shard each; a fourth merges.
    let whole = to(TestWorkspace::example(), "output: s3://runs/whole");
    let expected = whole.run_with(&["--no-progress", "run"], &env);
    for index in 1..=2 {
        let machine = to(TestWorkspace::example(), "output: s3://runs/sharded");
        let shard = format!("{index}/2");
        let run = machine.run_with(&["--no-progress", "run", "--shard", &shard], &env);
        assert!(run.code == 0 || run.code == 1, "{shard}: {}", run.stderr);
    }
    let merger = to(TestWorkspace::example(), "output: s3://runs/sharded");
    let merge = merger.run_with(&["--no-progress", "merge"], &env);
    assert_eq!(merge.code, expected.code, "{}", merge.stderr);

    let single = tempfile::tempdir().expect("folder");
    s3.download("runs", "whole/", single.path());
    let merged = tempfile::tempdir().expect("folder");
    let keys = s3.download("runs", "sharded/", merged.path());
    for name in ["report.json", "report.html", "junit.xml"] {
        let a = std::fs::read(single.path().join(name)).expect(name);
        let b = std::fs::read(merged.path().join(name)).expect(name);
        assert!(a == b, "the merged {name} is the whole run's");
    }
    assert!(
        keys.iter().any(|k| k == "shards/2/shard/shard.json"),
        "{keys:?}"
    );
    assert!(!keys.iter().any(|k| k.contains(".etag")), "{keys:?}");
}

#[test]
fn shards_side_by_side_on_one_machine_upload_their_own_parts() {
    let Some(s3) = S3::start() else { return };
    s3.create_bucket("side");
    let env = s3.env();
    let ws = TestWorkspace::example();
    let config = ws
        .text("thinslice.yaml")
        .replace("output: out", "output: s3://side/run");
    let ws = ws.with_file("thinslice.yaml", &config);
    let children: Vec<_> = (1..=4)
        .map(|index| {
            let mut command =
                ws.command(&["--no-progress", "run", "--shard", &format!("{index}/4")]);
            for (name, value) in &env {
                if let Some(value) = value {
                    command.env(name, value);
                }
            }
            command
                .stdout(Stdio::null())
                .stderr(Stdio::piped())
                .spawn()
                .expect("spawn")
        })
        .collect();
    for child in children {
        let out = child.wait_with_output().expect("wait");
        let code = out.status.code().unwrap_or(-1);
        assert!(
            code == 0 || code == 1,
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let merge = ws.run_with(&["--no-progress", "merge"], &env_of(&env));
    assert!(merge.code == 0 || merge.code == 1, "{}", merge.stderr);
    let fetched = tempfile::tempdir().expect("folder");
    let keys = s3.download("side", "run/", fetched.path());
    assert!(keys.iter().all(|k| !k.contains(".partial")), "{keys:?}");
    for index in 1..=4 {
        let state = format!("shards/{index}/shard/shard.json");
        assert!(keys.contains(&state), "{state} in {keys:?}");
    }
    assert!(keys.iter().any(|k| k == "report.json"), "{keys:?}");
}

#[test]
fn an_output_bucket_that_does_not_exist_is_said_before_the_job_runs() {
    let Some(s3) = S3::start() else { return };
    let ws = TestWorkspace::example();
    let config = ws
        .text("thinslice.yaml")
        .replace("output: out", "output: s3://nowhere-bucket/run");
    let ws = ws.with_file("thinslice.yaml", &config);
    let run = ws.run_with(&["--no-progress", "run"], &env_of(&s3.env()));
    assert_eq!(run.code, 2, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("s3://nowhere-bucket/run: the outputs cannot go there"),
        "{}",
        run.stderr
    );
    assert!(run.stdout.is_empty(), "no job ran: {}", run.stdout);
    assert!(
        !ws.path().join(".thinslice/staged").exists(),
        "nothing written"
    );
}
