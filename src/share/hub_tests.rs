use std::sync::Arc;
use std::time::Instant;

use bytes::Bytes;

use super::*;
use crate::journal::record::{Actor, Role};
use crate::runbook::load_str;
use crate::runbook::params::Params;

fn welcome() -> Welcome {
    Welcome {
        protocol: PROTOCOL,
        run_id: "r".into(),
        runbook_name: "joins".into(),
        runbook_source: String::new(),
        operator: "ops1".into(),
        operator_uid: 1000,
        host: "h".into(),
        started: String::new(),
        head: String::new(),
        records: 0,
        current_step: None,
        pending: None,
        you: "w".into(),
    }
}

/// What a join costs the driver's thread: `admit` on a real run's journal, timed over many
/// joins. A measurement, not a check (it prints its figures): run it on a run of your own,
/// e.g. a runbook of 500 prechecks each `seq 1 400` (2002 records, 500 logs of 1.5 KB),
/// `SHISA_JOIN_RUN=RUN_DIR SHISA_JOIN_RUNBOOK=RUNBOOK cargo test --release --lib join_cost
/// -- --ignored --nocapture`.
#[test]
#[ignore]
fn join_cost() {
    let (Ok(run), Ok(runbook)) = (
        std::env::var("SHISA_JOIN_RUN"),
        std::env::var("SHISA_JOIN_RUNBOOK"),
    ) else {
        panic!("set SHISA_JOIN_RUN and SHISA_JOIN_RUNBOOK");
    };
    let source = std::fs::read_to_string(runbook).unwrap();
    let rb = load_str("runbook", &source).unwrap_or_else(|r| panic!("{}", r.render(false)));
    let operator = Actor {
        role: Role::Operator,
        user: "ops1".into(),
        uid: 1000,
        host: "h".into(),
    };
    let e = Engine::new(Arc::new(rb.runbook), operator, Params::default());
    let (mut hub, _tx, _live) = Hub::detached();
    hub.journal = PathBuf::from(run).join("journal.jsonl");
    let records = std::fs::read_to_string(&hub.journal)
        .unwrap()
        .lines()
        .count() as u64;
    let joins = 40u32;
    let (mut on_driver, mut off_driver, mut frames) = (Vec::new(), Vec::new(), 0);
    for id in 0..joins {
        let t = Instant::now();
        let mut at_join = welcome();
        at_join.records = records;
        let admission = hub.admit(u64::from(id) + 1, Want::Watch, at_join, "w", &e);
        on_driver.push(t.elapsed());
        let t = Instant::now();
        frames += admission.replay.map_or(0, |j| j.read().unwrap().len());
        off_driver.push(t.elapsed());
        hub.remove(u64::from(id) + 1);
    }
    on_driver.sort();
    off_driver.sort();
    let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
    println!(
        "join_cost: {joins} joins, {} frames each; the driver's thread: median {:.3} ms (min {:.3}, max {:.3}); off it: median {:.3} ms",
        frames / joins as usize,
        ms(on_driver[on_driver.len() / 2]),
        ms(on_driver[0]),
        ms(on_driver[on_driver.len() - 1]),
        ms(off_driver[off_driver.len() / 2]),
    );
}

/// The driver's thread reads no file at a join: it only takes the watcher's place, the
/// journal's record count at that moment and the running command's tail. The connection
/// reads the journal later, exactly the records before the place however many more were
/// appended meanwhile (each of those reaches the watcher through the live log).
#[test]
fn a_join_reads_the_journal_later_and_exactly_up_to_its_place() {
    let dir = tempfile::tempdir().unwrap();
    let rb = load_str(
        "runbook",
        "version: 1\nname: j\nsteps:\n  - id: p\n    kind: precheck\n    run: 'true'\n",
    )
    .unwrap_or_else(|r| panic!("{}", r.render(false)));
    let operator = Actor {
        role: Role::Operator,
        user: "ops1".into(),
        uid: 1000,
        host: "h".into(),
    };
    let e = Engine::new(Arc::new(rb.runbook), operator, Params::default());
    let (mut hub, _tx, _live) = Hub::detached();
    hub.journal = dir.path().join("journal.jsonl");
    let mut at_join = welcome();
    at_join.records = 2;
    let admission = hub.admit(1, Want::Watch, at_join, "w", &e);
    // Written after the join: the first two were durable before it, the third came after.
    let lines = [r#"{"seq":1}"#, r#"{"seq":2}"#, r#"{"seq":3}"#];
    std::fs::write(&hub.journal, lines.map(|l| format!("{l}\n")).concat()).unwrap();
    let replay = admission.replay.unwrap().read().unwrap();
    let want: Vec<Bytes> = lines[..2]
        .iter()
        .map(|l| frame::record(l).unwrap())
        .collect();
    assert_eq!(replay, want);

    // Cut under the run to fewer lines than it has written: refused, not a short replay.
    std::fs::write(&hub.journal, format!("{}\n", lines[0])).unwrap();
    let mut at_join = welcome();
    at_join.records = 2;
    let admission = hub.admit(2, Want::Watch, at_join, "w", &e);
    let short = admission.replay.unwrap().read().unwrap_err().to_string();
    assert!(
        short.contains("holds 1 lines where the run has written 2"),
        "{short}"
    );
}

/// Output the runner could not pass on (the screen's queue was full) is said where it is
/// missing, to the watchers live and in the tail a later joiner is sent.
#[tokio::test]
async fn output_the_runner_could_not_pass_on_is_said_where_it_is_missing() {
    use crate::exec::stream::Stream;
    let (mut hub, _tx, mut live) = Hub::detached();
    tokio::spawn(live.feed().pace());
    hub.command_started("output/0001-p.log");
    let chunk = |s: &str, skipped| OutputChunk {
        step: 0,
        stream: Stream::Stdout,
        skipped,
        bytes: s.as_bytes().to_vec(),
    };
    hub.output(&chunk("1\n", None));
    let skipped = crate::exec::stream::Skipped {
        lines: 3,
        bytes: 300,
        log: "/runs/r/output/0001-p.log".into(),
    };
    hub.output(&chunk("5\n", Some(skipped)));
    let text = |f: &Bytes| {
        let v: serde_json::Value = serde_json::from_slice(&f[4..]).unwrap();
        v["text"].as_str().unwrap().to_string()
    };
    // Everything announced within a few frames; a missing note fails here, not hangs.
    let mut got = Vec::new();
    let read = async {
        while got.len() < 3 {
            live.next(&mut got).await;
        }
    };
    let _ = tokio::time::timeout(std::time::Duration::from_secs(2), read).await;
    assert_eq!(got.len(), 3, "the output, the note and the output after it");
    let said = "… 3 lines (300 bytes) skipped here, the screen could not keep up; \
                the log has all of it: /runs/r/output/0001-p.log";
    let live: Vec<String> = got.iter().map(text).collect();
    assert_eq!(live[0], "1\n");
    assert!(live[1].starts_with(said), "{live:?}");
    assert_eq!(live[2], "5\n");
    let joiner: Vec<String> = hub
        .tail
        .as_ref()
        .unwrap()
        .frames()
        .unwrap()
        .iter()
        .map(text)
        .collect();
    // The tail joins small pieces of one stream, so the joiner gets the same text in
    // fewer frames.
    assert_eq!(joiner.concat(), live.concat());
}
