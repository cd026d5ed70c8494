//! The shared session end to end: a second OS user (`nobody`, via runuser; CI runs as
//! root) watches, notes and approves over the run's Unix socket.

mod common;

use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::process::Command;
use std::time::{Duration, Instant};

use common::{Live, Scratch, Shared, bin, is_root, runbook};

fn text(o: &std::process::Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

const QUARANTINE: [&str; 2] = ["target_id=ou-7x2q-quar2312", "policy_id=p-denyall01"];

#[test]
fn only_a_second_person_typing_the_real_target_can_approve() {
    if !is_root() {
        return;
    }
    let sh = Shared::new();
    let mut op = sh.operator(&runbook("quarantine-accounts.yaml"), &QUARANTINE);
    op.wait_for("name the target you intend", 30);
    op.send("quarantine-2023-12");
    op.wait_for("waiting for another person to run `shisa approve", 30);
    let id = sh.run_id();
    let mode = std::fs::metadata(sh.sockets.join(format!("{id}.sock"))).unwrap();
    assert_eq!(
        std::os::unix::fs::PermissionsExt::mode(&mode.permissions()) & 0o777,
        0o660
    );

    let own = sh
        .as_operator(&["approve", &id, "--typed", "quarantine-2023-12"])
        .output()
        .unwrap();
    assert_eq!(own.status.code(), Some(1), "{}", text(&own));
    assert!(
        text(&own).contains("NOT APPROVED — root is the operator"),
        "{}",
        text(&own)
    );

    let wrong = sh
        .as_nobody(&["approve", &id, "--typed", "Root"])
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1), "{}", text(&wrong));
    assert!(
        text(&wrong).contains(
            "NOT APPROVED — `Root` is not the resolved target: nothing was approved; the approval still waits"
        ),
        "{}",
        text(&wrong)
    );
    assert!(
        !op.output().contains("attach-policy --policy"),
        "nothing ran before a valid approval"
    );

    let right = sh
        .as_nobody(&["approve", &id, "--typed", "quarantine-2023-12"])
        .output()
        .unwrap();
    assert_eq!(right.status.code(), Some(0), "{}", text(&right));
    op.wait_for("nobody approved, independently typing", 30);
    op.wait_for("Tell the customer", 30);
    op.send("done posted");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let refused: Vec<_> = run.records("approval_refused", Some("attach-deny"));
    assert_eq!(refused.len(), 1);
    assert_eq!(refused[0]["actor"]["user"], "root");
    // The reviewer's wrong target is journaled as their miss, not as a refusal.
    let missed: Vec<_> = run.records("target_mismatch", Some("attach-deny"));
    assert_eq!(missed.len(), 1);
    assert_eq!(missed[0]["actor"]["user"], "nobody");
    assert_eq!(missed[0]["actor"]["role"], "reviewer");
    assert_eq!(missed[0]["data"]["typed"], "Root");
    let granted = &run.records("approval_granted", Some("attach-deny"))[0];
    assert_eq!(granted["actor"]["user"], "nobody");
    assert_eq!(granted["data"]["typed"], "quarantine-2023-12");
    assert!(
        !sh.sockets.join(format!("{id}.sock")).exists(),
        "the socket is removed at the end"
    );
}

#[test]
fn a_late_watcher_gets_the_whole_journal_then_live_records_and_its_copy_verifies() {
    if !is_root() {
        return;
    }
    let sh = Shared::new();
    let mut op = sh.operator(&runbook("quarantine-accounts.yaml"), &QUARANTINE);
    op.wait_for("name the target you intend", 30);
    op.send("quarantine-2023-12");
    op.wait_for("waiting for another person", 30);
    let id = sh.run_id();
    let copy = sh.s.path().join("copy.jsonl");
    std::fs::write(&copy, "").unwrap();
    std::fs::set_permissions(&copy, std::os::unix::fs::PermissionsExt::from_mode(0o666)).unwrap();
    let mut watcher = sh.as_nobody(&["watch", &id, "--headless", "--copy", copy.to_str().unwrap()]);
    let watcher = Live::start({
        watcher.stdin(std::process::Stdio::piped());
        watcher
    });
    watcher.wait_for("waiting for a second person to approve", 30);
    let note = sh
        .as_nobody(&["note", &id, "the OU id matches the ticket"])
        .output()
        .unwrap();
    assert_eq!(note.status.code(), Some(0), "{}", text(&note));
    let ok = sh
        .as_nobody(&["approve", &id, "--typed", "quarantine-2023-12"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    op.wait_for("Tell the customer", 30);
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let watched = watcher.finish();
    assert_eq!(watched.code, 0, "{}", watched.stdout);
    let head = run
        .stdout
        .lines()
        .find_map(|l| {
            l.split_once("chain head ")
                .map(|(_, h)| h.trim().to_string())
        })
        .unwrap();
    assert!(
        watched.stdout.contains(&format!(
            "copy verified: {} records, chain head {head}",
            run.journal().len()
        )),
        "{}",
        watched.stdout
    );
    assert!(
        watched.stdout.contains("started run `2"),
        "the replay starts at run_started: {}",
        watched.stdout
    );
    assert!(
        watched
            .stdout
            .contains("note from nobody (reviewer): “the OU id matches the ticket”")
    );
    assert!(
        watched.stdout.contains("✓ COMPLETED run finished (exit 0)"),
        "and live records follow: {}",
        watched.stdout
    );
    // The watcher's copy is byte for byte the journal.
    let journal = std::fs::read_to_string(run.dir().join("journal.jsonl")).unwrap();
    assert_eq!(std::fs::read_to_string(&copy).unwrap(), journal);
    let joined = &run.records("watcher_joined", None)[0];
    assert!(
        joined["data"]["watcher"]
            .as_str()
            .unwrap()
            .starts_with("nobody (uid 65534")
    );
}

#[test]
fn garbage_and_oversized_frames_are_cut_off_and_the_run_goes_on() {
    let s = Scratch::new();
    let (mut op, sock) = holding_run(
        &s,
        "version: 1\nname: wait\nsteps:\n  - id: hold\n    kind: manual\n    instructions: wait for the test\n",
    );
    let frame = |json: &str| [&(json.len() as u32).to_be_bytes()[..], json.as_bytes()].concat();
    let probes: Vec<Vec<u8>> = vec![
        b"GET / HTTP/1.1\r\n\r\n".to_vec(), // not a frame at all
        vec![0x7f, 0xff, 0xff, 0xff],       // a 2 GiB frame
        frame(r#"{"type":"hi"}"#),          // JSON of an unknown type
        frame(r#"{"type":"end","outcome":"x","exit":0}"#), // a server's message
    ];
    for probe in probes {
        let mut conn = UnixStream::connect(&sock).unwrap();
        conn.set_read_timeout(Some(std::time::Duration::from_secs(5)))
            .unwrap();
        conn.write_all(&probe).unwrap();
        let mut answer = Vec::new();
        let _ = conn.read_to_end(&mut answer);
        assert!(
            String::from_utf8_lossy(&answer).contains("\"type\":\"error\""),
            "{probe:?} got {answer:?}"
        );
    }
    op.send("note still here");
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let refused = run.records("client_refused", None);
    assert_eq!(refused.len(), 4, "{}", run.explain());
    assert!(
        refused[1]["data"]["reason"]
            .as_str()
            .unwrap()
            .contains("over the 16384-byte limit")
    );
}

/// `SCHED_IDLE` in `sched_setscheduler(2)`.
const SCHED_IDLE: u32 = 5;

/// Each thread of a process with its scheduling policy and niceness, from
/// `/proc/PID/task/TID/stat` (fields 41 and 19; the name in field 2 may hold spaces).
fn scheduling(pid: u32) -> Vec<(String, u32, i32)> {
    let mut threads = Vec::new();
    for t in std::fs::read_dir(format!("/proc/{pid}/task"))
        .unwrap()
        .flatten()
    {
        let stat = std::fs::read_to_string(t.path().join("stat")).unwrap();
        let after_name: Vec<&str> = stat[stat.rfind(')').unwrap() + 2..].split(' ').collect();
        threads.push((
            t.file_name().to_string_lossy().into_owned(),
            after_name[41 - 3].parse().unwrap(),
            after_name[19 - 3].parse().unwrap(),
        ));
    }
    assert!(!threads.is_empty());
    threads
}

#[test]
fn twenty_watchers_all_get_the_whole_run() {
    let s = Scratch::new();
    let sockets = s.path().join("sock");
    std::fs::create_dir(&sockets).unwrap();
    let mut yaml = String::from(
        "version: 1\nname: many\nsteps:\n  - id: hold\n    kind: manual\n    instructions: go\n",
    );
    for i in 0..30 {
        yaml.push_str(&format!(
            "  - id: p{i}\n    kind: precheck\n    run: echo step {i}\n"
        ));
    }
    let rb = s.write("many.yaml", &yaml);
    let mut c = s.shisa();
    c.env("SHISA_SOCKET_DIR", &sockets)
        .arg("run")
        .arg(&rb)
        .arg("--headless");
    let mut op = Live::start(c);
    op.wait_for("answer `done`", 30);
    let id = std::fs::read_dir(&sockets)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .trim_end_matches(".sock")
        .to_string();
    let watchers: Vec<Live> = (0..20)
        .map(|_| {
            let mut w = s.shisa();
            w.env("SHISA_SOCKET_DIR", &sockets)
                .args(["watch", &id, "--headless"])
                .stdin(std::process::Stdio::piped());
            Live::start(w)
        })
        .collect();
    for w in &watchers {
        w.wait_for("▶ hold", 30);
        // Twenty watchers must not slow the run: every thread of each yields the processor
        // to any task that wants it (SCHED_IDLE), at the lowest niceness as well.
        for (thread, policy, nice) in scheduling(w.child.id()) {
            assert_eq!(policy, SCHED_IDLE, "watcher thread {thread}");
            assert_eq!(nice, 19, "watcher thread {thread}");
        }
    }
    assert_eq!(
        scheduling(op.child.id())[0].1,
        0,
        "the run itself keeps the normal policy"
    );
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0);
    assert_eq!(run.records("watcher_joined", None).len(), 20);
    let n = run.journal().len();
    for w in watchers {
        let out = w.finish();
        assert!(
            out.stdout.contains(&format!("copy verified: {n} records")),
            "{}",
            out.stdout
        );
    }
}

/// Watchers joining one after another while the run journals records as fast as it can:
/// each gets the journal so far, then every later record exactly once — a record lost or
/// sent twice where a join meets the live records breaks the watcher's hash chain, and it
/// does not say "copy verified".
#[test]
fn watchers_joining_while_records_fly_each_get_every_record_once() {
    let s = Scratch::new();
    let sockets = s.path().join("sock");
    std::fs::create_dir(&sockets).unwrap();
    let mut yaml = String::from(
        "version: 1\nname: racing\nsteps:\n  - id: hold\n    kind: manual\n    instructions: go\n",
    );
    for i in 0..300 {
        yaml.push_str(&format!(
            "  - id: p{i}\n    kind: precheck\n    run: sleep 0.01\n"
        ));
    }
    let rb = s.write("racing.yaml", &yaml);
    let mut c = s.shisa();
    c.env("SHISA_SOCKET_DIR", &sockets)
        .arg("run")
        .arg(&rb)
        .arg("--headless");
    let mut op = Live::start(c);
    op.wait_for("answer `done`", 30);
    let id = std::fs::read_dir(&sockets)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .file_name()
        .to_string_lossy()
        .trim_end_matches(".sock")
        .to_string();
    op.send("done");
    let watchers: Vec<Live> = (0..12)
        .map(|_| {
            std::thread::sleep(std::time::Duration::from_millis(60));
            let mut w = s.shisa();
            w.env("SHISA_SOCKET_DIR", &sockets)
                .args(["watch", &id, "--headless"])
                .stdin(std::process::Stdio::piped());
            Live::start(w)
        })
        .collect();
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let journal = run.journal();
    let kinds: Vec<&str> = journal
        .iter()
        .map(|r| r["kind"].as_str().unwrap())
        .collect();
    let first_command = kinds.iter().position(|k| *k == "command_started").unwrap();
    let last_command = kinds
        .iter()
        .rposition(|k| *k == "command_finished")
        .unwrap();
    let joined: Vec<usize> = (kinds.iter().enumerate())
        .filter(|(_, k)| **k == "watcher_joined")
        .map(|(i, _)| i)
        .collect();
    assert_eq!(joined.len(), 12, "{kinds:?}");
    assert!(
        joined
            .iter()
            .all(|&i| first_command < i && i < last_command),
        "every watcher joined while commands ran: {joined:?} between {first_command} and {last_command}"
    );
    let n = journal.len();
    for w in watchers {
        let out = w.finish();
        assert!(
            out.stdout.contains(&format!("copy verified: {n} records")),
            "{}",
            out.stdout
        );
    }
}

#[test]
fn the_server_checks_identity_itself_even_when_the_kernel_would_let_a_peer_in() {
    if !is_root() {
        return;
    }
    // nobody operates; root (whom file modes do not stop) is neither the operator nor in
    // the shared group, so the server itself must turn it away.
    let sh = Shared::new();
    let runs = sh.s.path().join("nobody-runs");
    std::fs::create_dir(&runs).unwrap();
    std::fs::set_permissions(&runs, std::os::unix::fs::PermissionsExt::from_mode(0o777)).unwrap();
    let rb = sh.s.write(
        "hold.yaml",
        "version: 1\nname: hold\nsteps:\n  - id: hold\n    kind: manual\n    instructions: wait\n",
    );
    std::fs::set_permissions(&rb, std::os::unix::fs::PermissionsExt::from_mode(0o644)).unwrap();
    let mut c = Command::new("runuser");
    c.args(["-u", "nobody", "--", "env", "NO_COLOR=1"])
        .arg(format!("SHISA_SOCKET_DIR={}", sh.sockets.display()))
        .arg(format!("SHISA_JOURNAL_DIR={}", runs.display()))
        .arg(bin())
        .args([
            "run",
            rb.to_str().unwrap(),
            "--headless",
            "--share-with",
            "nogroup",
        ])
        .current_dir("/");
    let mut op = Live::start(c);
    op.wait_for("answer `done`", 30);
    let id = sh.run_id();
    let out = sh
        .as_operator(&["note", &id, "root was here"])
        .output()
        .unwrap();
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text(&out).contains("this run is not shared with you"),
        "{}",
        text(&out)
    );
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(run.records("operator_note", None).is_empty());
    let refused = &run.records("client_refused", None)[0];
    assert!(
        refused["data"]["who"]
            .as_str()
            .unwrap()
            .starts_with("root (uid 0"),
        "{refused}"
    );
}

#[test]
fn a_client_refuses_a_server_that_is_not_the_runs_operator() {
    // Anyone can create a socket in a shared directory. This one claims a run of uid 12345
    // while the kernel says uid is ours: the client must not believe it, nor print its text.
    let s = Scratch::new();
    let sockets = s.path().join("sock");
    std::fs::create_dir(&sockets).unwrap();
    let listener =
        std::os::unix::net::UnixListener::bind(sockets.join("20991231T000000Z-fake.sock")).unwrap();
    let server = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        let mut len = [0u8; 4];
        conn.read_exact(&mut len).unwrap();
        let mut hello = vec![0u8; u32::from_be_bytes(len) as usize];
        conn.read_exact(&mut hello).unwrap();
        let welcome = serde_json::json!({"type": "welcome", "protocol": 2, "run_id": "x", "runbook_name": "evil\u{1b}]0;PWNED\u{7}",
            "runbook_source": "", "operator": "alice", "operator_uid": 12345, "host": "h", "started": "", "head": "",
            "records": 0, "current_step": null, "pending": null, "you": "bob"});
        let body = serde_json::to_vec(&welcome).unwrap();
        conn.write_all(&(body.len() as u32).to_be_bytes()).unwrap();
        conn.write_all(&body).unwrap();
    });
    let out = s
        .shisa()
        .env("SHISA_SOCKET_DIR", &sockets)
        .args(["approve", "20991231T000000Z-fake", "--typed", "x"])
        .output()
        .unwrap();
    server.join().unwrap();
    let all = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(all.contains("names uid 12345 as its operator"), "{all}");
    assert!(
        !all.contains('\u{1b}'),
        "nothing from the fake server reaches the terminal: {all:?}"
    );
}

#[test]
fn connections_are_capped_and_the_run_goes_on() {
    let s = Scratch::new();
    let (mut op, sock) = holding_run(
        &s,
        "version: 1\nname: hold\nsteps:\n  - id: hold\n    kind: manual\n    instructions: wait\n",
    );
    // Connections that never say hello hold their place until they time out.
    let held: Vec<UnixStream> = (0..64)
        .map(|_| UnixStream::connect(&sock).unwrap())
        .collect();
    std::thread::sleep(std::time::Duration::from_millis(200));
    let mut extra = UnixStream::connect(&sock).unwrap();
    extra
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    let mut answer = Vec::new();
    let _ = extra.read_to_end(&mut answer);
    assert!(
        String::from_utf8_lossy(&answer).contains("already has 64 connections"),
        "{answer:?}"
    );
    drop(held);
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
}

#[test]
fn a_socket_left_by_a_dead_run_is_explained_and_cleaned_up() {
    let s = Scratch::new();
    let sockets = s.path().join("sock");
    std::fs::create_dir(&sockets).unwrap();
    let path = sockets.join("20991231T000000Z-dead.sock");
    drop(std::os::unix::net::UnixListener::bind(&path).unwrap()); // the file stays; no one listens
    let out = s
        .shisa()
        .env("SHISA_SOCKET_DIR", &sockets)
        .args(["note", "20991231T000000Z-dead", "hi"])
        .output()
        .unwrap();
    let all = text(&out);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        all.contains("is gone (its process was killed or crashed), so its socket was removed"),
        "{all}"
    );
    assert!(all.contains("shisa resume RUN_DIR"), "{all}");
    assert!(!path.exists());
}

#[test]
fn one_reviewer_cannot_hold_every_connection_and_the_operators_watch_still_gets_in() {
    if !is_root() {
        return;
    }
    let sh = Shared::new();
    let rb = sh.s.write("hold.yaml", HOLD);
    let mut op = sh.operator(&rb, &[]);
    op.wait_for("answer `done`", 30);
    let id = sh.run_id();
    // nobody opens as many watches as one user may hold, and then two more.
    let held: Vec<Live> = (0..8)
        .map(|_| {
            let w = Live::start(sh.as_nobody(&["watch", &id, "--headless"]));
            w.wait_for("watching run", 30);
            w
        })
        .collect();
    for _ in 0..2 {
        let extra = briefly(sh.as_nobody(&["watch", &id, "--headless"]), 10)
            .expect("a ninth connection of one user is refused at once");
        assert_ne!(extra.status.code(), Some(0));
        assert!(
            text(&extra).contains(
                "the run refused: you already hold 8 connections to this run, the most one user may"
            ),
            "{}",
            text(&extra)
        );
    }
    let mut mine = sh.as_operator(&["watch", &id, "--headless"]);
    mine.stdin(std::process::Stdio::piped());
    let mine = Live::start(mine);
    mine.wait_for("watching run", 30);
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.records("watcher_joined", None).len(), 9);
    let refusals = run.records("client_refused", None);
    assert_eq!(refusals.len(), 2, "{}", run.explain());
    assert!(
        refusals
            .iter()
            .all(|r| r["data"]["who"].as_str().unwrap().starts_with("nobody"))
    );
    assert!(mine.finish().stdout.contains("copy verified"));
    for w in held {
        assert!(w.finish().stdout.contains("copy verified"));
    }
}

#[test]
fn a_flood_of_notes_is_refused_past_the_rate_and_does_not_flood_the_journal() {
    let s = Scratch::new();
    let (mut op, sock) = holding_run(&s, HOLD);
    let mut conn = UnixStream::connect(&sock).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(10)))
        .unwrap();
    send(
        &mut conn,
        &serde_json::json!({"type": "hello", "protocol": 2, "want": "watch"}),
    );
    // The bucket gives one note back each second, so how many count depends on how long
    // the run took to answer the flood: on a loaded machine that can be seconds. The bound
    // is taken from the time the flood really took, not assumed.
    let began = std::time::Instant::now();
    for i in 0..50 {
        send(
            &mut conn,
            &serde_json::json!({"type": "note", "text": format!("flood {i}")}),
        );
    }
    let mut results = Vec::new();
    while results.len() < 50 {
        let msg = receive(&mut conn);
        if msg["type"] == "result" {
            results.push(msg);
        }
    }
    let seconds = began.elapsed().as_secs() as usize;
    let accepted = results.iter().filter(|r| r["ok"] == true).count();
    assert!(
        (5..=6 + seconds).contains(&accepted),
        "a burst of 5, then one a second ({seconds} s passed): {accepted}"
    );
    assert!(
        accepted < 50,
        "the flood took {seconds} s and none was refused"
    );
    let refusal = results.iter().find(|r| r["ok"] == false).unwrap();
    assert!(
        refusal["message"].as_str().unwrap().starts_with(
            "too many notes: 5 at once, then one every 1 s; this one was not recorded"
        ),
        "{refusal}"
    );
    drop(conn);
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    assert_eq!(run.records("operator_note", None).len(), accepted);
    // Refusals are journaled, but a flood of them only in part.
    // Five at once, then one every 10 s, each naming how many were not journaled.
    let refused = run.records("client_refused", None);
    assert!(
        (1..=6 + seconds / 10).contains(&refused.len()),
        "{}",
        run.explain()
    );
}

#[test]
fn a_watcher_that_stops_reading_is_dropped_and_the_journal_says_why() {
    // A client says hello as a watcher and never reads: its socket fills with the run's
    // output, the server's write waits its 5 s, and the watcher is cut off. The run goes
    // on, and the journal says the watcher was dropped, not that it simply left.
    let mut yaml = String::from(HOLD);
    for i in 0..16 {
        yaml.push_str(&format!(
            "  - id: p{i}\n    kind: precheck\n    run: seq 1 20000; sleep 0.5\n"
        ));
    }
    let s = Scratch::new();
    let (mut op, sock) = holding_run(&s, &yaml);
    let mut conn = UnixStream::connect(&sock).unwrap();
    send(
        &mut conn,
        &serde_json::json!({"type": "hello", "protocol": 2, "want": "watch"}),
    );
    op.send("done");
    let run = op.finish();
    drop(conn);
    assert_eq!(run.code, 0, "{}", run.explain());
    let left = run.records("watcher_left", None);
    assert_eq!(left.len(), 1, "{}", run.explain());
    let said = left[0]["data"]["watcher"].as_str().unwrap_or_default();
    assert!(said.ends_with("dropped: stopped reading for 5 s"), "{said}");
}

/// A replay the run cannot read (its directory moved away under it) is said to the watcher
/// as a drop with the reason, and journaled so, not passed off as the watcher leaving.
#[test]
fn a_replay_the_run_cannot_read_is_said_and_journaled() {
    let s = Scratch::new();
    let (mut op, sock) = holding_run(&s, HOLD);
    let dir = s.run_dir();
    let moved = dir.with_extension("moved");
    std::fs::rename(&dir, &moved).unwrap();
    let mut conn = UnixStream::connect(&sock).unwrap();
    conn.set_read_timeout(Some(std::time::Duration::from_secs(30)))
        .unwrap();
    send(
        &mut conn,
        &serde_json::json!({"type": "hello", "protocol": 3, "want": "watch"}),
    );
    assert_eq!(receive(&mut conn)["type"], "welcome");
    let next = receive(&mut conn);
    std::fs::rename(&moved, &dir).unwrap();
    assert_eq!(next["type"], "error", "{next}");
    let said = next["message"].as_str().unwrap_or_default();
    assert!(said.contains("could not read its journal"), "{said}");
    drop(conn);
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let left = run.records("watcher_left", None);
    assert_eq!(left.len(), 1, "{}", run.explain());
    let why = left[0]["data"]["watcher"].as_str().unwrap_or_default();
    assert!(
        why.contains("dropped: the run could not read its journal"),
        "{why}"
    );
}

const HOLD: &str =
    "version: 1\nname: hold\nsteps:\n  - id: hold\n    kind: manual\n    instructions: wait\n";

/// Runs `c` to its end, or kills it after `secs` and says so with `None`.
fn briefly(mut c: Command, secs: u64) -> Option<std::process::Output> {
    let child = c
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let pid = child.id();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || tx.send(child.wait_with_output().unwrap()));
    match rx.recv_timeout(std::time::Duration::from_secs(secs)) {
        Ok(out) => Some(out),
        Err(_) => {
            let _ = Command::new("kill").arg(pid.to_string()).status();
            None
        }
    }
}

fn send(conn: &mut UnixStream, msg: &serde_json::Value) {
    let body = serde_json::to_vec(msg).unwrap();
    conn.write_all(&(body.len() as u32).to_be_bytes()).unwrap();
    conn.write_all(&body).unwrap();
}

fn receive(conn: &mut UnixStream) -> serde_json::Value {
    let mut len = [0u8; 4];
    conn.read_exact(&mut len).unwrap();
    let mut body = vec![0u8; u32::from_be_bytes(len) as usize];
    conn.read_exact(&mut body).unwrap();
    serde_json::from_slice(&body).unwrap()
}

/// A run held open at a manual step, listening on a socket of the test's own.
fn holding_run(s: &Scratch, yaml: &str) -> (Live, std::path::PathBuf) {
    let sockets = s.path().join("sock");
    std::fs::create_dir(&sockets).unwrap();
    let rb = s.write("hold.yaml", yaml);
    let mut c = s.shisa();
    c.env("SHISA_SOCKET_DIR", &sockets)
        .arg("run")
        .arg(&rb)
        .arg("--headless");
    let op = Live::start(c);
    op.wait_for("answer `done`", 30);
    let sock = std::fs::read_dir(&sockets)
        .unwrap()
        .flatten()
        .next()
        .unwrap()
        .path();
    (op, sock)
}

/// A line-mode watcher whose standard input stays open (a terminal, a pipe) still exits
/// when the run ends: it hung until a line arrived on stdin.
#[test]
fn a_line_mode_watcher_exits_at_the_runs_end_with_its_input_still_open() {
    let s = Scratch::new();
    let (mut op, sock) = holding_run(&s, HOLD);
    let id = sock.file_stem().unwrap().to_string_lossy().into_owned();
    let mut watch = s.shisa();
    watch
        .env("SHISA_SOCKET_DIR", sock.parent().unwrap())
        .args(["watch", &id, "--headless"]);
    let mut watcher = Live::start(watch);
    watcher.wait_for("started watching", 30);
    op.send("done");
    assert_eq!(op.finish().code, 0);
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    let status = loop {
        if let Some(status) = watcher.child.try_wait().unwrap() {
            break Some(status);
        }
        if std::time::Instant::now() > deadline {
            break None;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    };
    let said = watcher.output();
    watcher.close_stdin();
    assert!(
        status.is_some(),
        "still running 10 s after the run ended:\n{said}"
    );
    assert_eq!(status.unwrap().code(), Some(0), "{said}");
    assert!(said.contains("copy verified"), "{said}");
}

/// A watcher who joins late is sent the output printed before it joined, each command's
/// before the record that ends it (issue 14, item 9): the reviewer judging a precheck sees
/// its evidence. The operator's own account always gets in, so no second user is needed.
#[test]
fn a_late_watcher_sees_the_output_printed_before_it_joined() {
    let s = Scratch::new();
    let sockets = s.path().join("sock");
    std::fs::create_dir(&sockets).unwrap();
    let rb = s.write(
        "evidence.yaml",
        "version: 1\nname: evidence\nsteps:\n  - id: lag\n    kind: precheck\n    title: Lag is low\n    \
         run: 'for i in 1 2 3; do echo \"lag sample $i = 0.2s\"; done'\n  \
         - id: tell\n    kind: manual\n    title: Tell them\n    instructions: Say it.\n",
    );
    let mut op = s.shisa();
    op.env("SHISA_SOCKET_DIR", &sockets)
        .arg("run")
        .arg(&rb)
        .arg("--headless");
    let mut op = Live::start(op);
    op.wait_for("Tell them", 30);
    let id = std::fs::read_dir(&sockets)
        .unwrap()
        .flatten()
        .find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".sock").map(str::to_string)
        })
        .unwrap();
    let mut watch = s.shisa();
    watch
        .env("SHISA_SOCKET_DIR", &sockets)
        .env("NO_COLOR", "1")
        .args(["watch", &id, "--headless"]);
    let watcher = Live::start(watch);
    watcher.wait_for("Tell them", 30);
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let watched = watcher.finish();
    let out = watched.stdout;
    let sample = out
        .find("│ lag sample 3 = 0.2s")
        .unwrap_or_else(|| panic!("the backlog reached the watcher:\n{out}"));
    // In the run's order: after the command started, before it finished.
    let started = out.find("`for i in 1 2 3").unwrap_or(0);
    let finished = out.find("Lag is low: done").unwrap_or(usize::MAX);
    assert!(started < sample && sample < finished, "{out}");
}

/// A run shared with a group whose members cannot enter the socket directory is shared
/// with no one: the operator is told at start, with the fix; a reviewer is told they may
/// not enter that directory, not that there is no live run (issue 14, item 9).
#[test]
fn a_socket_directory_the_group_cannot_reach_is_said_at_start_and_to_the_reviewer() {
    use std::os::unix::fs::PermissionsExt;
    let s = Scratch::new();
    std::fs::set_permissions(s.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let closed = s.path().join("closed");
    std::fs::create_dir(&closed).unwrap();
    std::fs::set_permissions(&closed, std::fs::Permissions::from_mode(0o700)).unwrap();
    let sockets = closed.join("sock");
    std::fs::create_dir(&sockets).unwrap();
    std::fs::set_permissions(&sockets, std::fs::Permissions::from_mode(0o1777)).unwrap();
    let group = common::my_group();
    let rb = s.write(
        "one.yaml",
        "version: 1\nname: one\nsteps:\n  - id: p\n    kind: precheck\n    run: 'true'\n  \
         - id: tell\n    kind: manual\n    title: Tell them\n    instructions: Say it.\n",
    );
    let mut c = s.shisa();
    c.env("SHISA_SOCKET_DIR", &sockets)
        .arg("run")
        .arg(&rb)
        .arg("--headless")
        .arg("--share-with")
        .arg(&group);
    let run = common::Run::from(common::feed(c, "done\n"));
    assert_eq!(run.code, 0, "{}", run.explain());
    assert!(
        run.stderr.contains(&format!(
            "members of `{group}` cannot reach this run's socket: {} (mode 0700)",
            closed.canonicalize().unwrap().display()
        )) && run.stderr.contains("Fix: `chmod o+x"),
        "{}",
        run.explain()
    );

    // The reviewer's side needs a second user.
    if !is_root() {
        return;
    }
    let mut op = s.shisa();
    op.env("SHISA_SOCKET_DIR", &sockets)
        .arg("run")
        .arg(&rb)
        .arg("--headless")
        .arg("--share-with")
        .arg("nogroup");
    let mut op = Live::start(op);
    op.wait_for("Tell them", 30);
    let id = std::fs::read_dir(&sockets)
        .unwrap()
        .flatten()
        .find_map(|e| {
            let name = e.file_name().to_string_lossy().into_owned();
            name.strip_suffix(".sock").map(str::to_string)
        })
        .unwrap();
    let out = Command::new("runuser")
        .args(["-u", "nobody", "--", "env", "NO_COLOR=1"])
        .arg(format!("SHISA_SOCKET_DIR={}", sockets.display()))
        .arg(bin())
        .args(["approve", &id, "--typed", "x"])
        .output()
        .unwrap();
    let said = text(&out);
    assert_ne!(out.status.code(), Some(0), "{said}");
    assert!(
        said.contains(&format!("you may not enter {}", closed.display())),
        "{said}"
    );
    assert!(!said.contains("no live run"), "{said}");
    op.send("done");
    assert_eq!(op.finish().code, 0);
}

/// Bursts in arrival times between `from` and `to`: a gap of more than 30 ms starts one.
fn bursts(times: &[Instant], from: Instant, to: Instant) -> usize {
    let mut last: Option<Instant> = None;
    let mut n = 0;
    for &t in times.iter().filter(|&&t| t >= from && t <= to) {
        if last.is_none_or(|l| t.duration_since(l) > Duration::from_millis(30)) {
            n += 1;
        }
        last = Some(t);
    }
    n
}

/// Line mode prints lines, not screens: `watch --headless` asks for a 250 ms frame in its
/// hello and the run paces it so, its lines arriving in at most one burst a quarter second
/// while records stream in, while a client that names no frame (protocol 3, as the TUI's
/// 50 ms) is written to beside it nearly every 50 ms. Both get the run's end.
#[test]
fn a_line_mode_watcher_is_sent_what_arrived_once_a_quarter_second() {
    let mut yaml = String::from(HOLD);
    for i in 0..40 {
        yaml.push_str(&format!(
            "  - id: p{i}\n    kind: precheck\n    run: sleep 0.03\n"
        ));
    }
    let s = Scratch::new();
    let (mut op, sock) = holding_run(&s, &yaml);
    let id = sock.file_stem().unwrap().to_string_lossy().to_string();
    let mut w = s.shisa();
    w.env("SHISA_SOCKET_DIR", sock.parent().unwrap())
        .args(["watch", &id, "--headless"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null());
    let mut watcher = w.spawn().unwrap();
    let mut stdout = watcher.stdout.take().unwrap();
    let (tx, chunks) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut buf = vec![0u8; 1 << 16];
        while let Ok(n @ 1..) = stdout.read(&mut buf) {
            let _ = tx.send((Instant::now(), buf[..n].to_vec()));
        }
    });
    let mut lines = Vec::new();
    let mut text = String::new();
    while !text.contains("▶ hold") {
        let (at, chunk) = chunks
            .recv_timeout(Duration::from_secs(30))
            .expect("the line-mode watcher shows the held step");
        lines.push(at);
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    let mut conn = UnixStream::connect(&sock).unwrap();
    conn.set_read_timeout(Some(Duration::from_secs(30)))
        .unwrap();
    send(
        &mut conn,
        &serde_json::json!({"type": "hello", "protocol": 3, "want": "watch"}),
    );
    assert_eq!(receive(&mut conn)["type"], "welcome");
    let tui_like = std::thread::spawn(move || {
        let mut times = Vec::new();
        loop {
            let msg = receive(&mut conn);
            times.push(Instant::now());
            if msg["type"] == "end" {
                return times;
            }
        }
    });
    // Let the second client's replay go by before the run goes on.
    std::thread::sleep(Duration::from_millis(300));
    let began = Instant::now();
    op.send("done");
    let run = op.finish();
    let ended = Instant::now();
    assert_eq!(run.code, 0, "{}", run.explain());
    while let Ok((at, chunk)) = chunks.recv_timeout(Duration::from_secs(30)) {
        lines.push(at);
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    assert!(watcher.wait().unwrap().success(), "{text}");
    assert!(text.contains("copy verified"), "{text}");
    let frames = tui_like.join().unwrap();

    let ms = ended.duration_since(began).as_millis() as usize;
    let (paced, unpaced) = (bursts(&lines, began, ended), bursts(&frames, began, ended));
    // One a frame, the first record after the hold at once, the end at once, and one to
    // spare for a batch whose reading the scheduler splits.
    assert!(
        paced <= ms / 250 + 4,
        "the line-mode watcher got {paced} bursts in {ms} ms"
    );
    assert!(
        unpaced > 2 * paced,
        "the 50 ms client got {unpaced} bursts in {ms} ms, the line-mode watcher {paced}"
    );
}

/// A command printing numbered lines steadily while watchers join at random moments: each
/// watcher's output of it, the backlog sent at its join and the live output after, is every
/// line once and in order. Output left out (a bound) must be said where it is left out.
#[test]
fn watchers_joining_while_a_command_prints_get_each_line_exactly_once() {
    const LINES: usize = 1200;
    let yaml = format!(
        "{HOLD}  - id: count\n    kind: precheck\n    \
         run: 'for i in $(seq 1 {LINES}); do echo $i; sleep 0.002; done'\n"
    );
    let s = Scratch::new();
    let (mut op, sock) = holding_run(&s, &yaml);
    op.send("done");
    // Random join moments over the command's few seconds, different on every run.
    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as u64
        | 1;
    let watchers: Vec<_> = (0..16)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            let after = std::time::Duration::from_millis(seed % 4000);
            let sock = sock.clone();
            std::thread::spawn(move || {
                std::thread::sleep(after);
                (after, watched_output(&sock, 1))
            })
        })
        .collect();
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    for w in watchers {
        let (after, text) = w.join().unwrap();
        if let Err(why) = every_line_once(&text, LINES) {
            panic!("the watcher joining after {after:?}: {why}");
        }
    }
}

/// The output of step `step` a watcher is sent, from its hello to the run's end.
fn watched_output(sock: &std::path::Path, step: u64) -> String {
    let mut conn = UnixStream::connect(sock).unwrap();
    send(
        &mut conn,
        &serde_json::json!({"type": "hello", "protocol": 3, "want": "watch"}),
    );
    let mut text = String::new();
    loop {
        let frame = receive(&mut conn);
        match frame["type"].as_str() {
            Some("end") => return text,
            Some("error") => panic!("cut off: {frame}"),
            Some("output") if frame["step"] == step => {
                text.push_str(frame["text"].as_str().unwrap())
            }
            _ => {}
        }
    }
}

/// `1` to `last`, a line each, none twice and none missing — unless a line of shisa's own
/// (`… `) says output was left out just there.
fn every_line_once(text: &str, last: usize) -> Result<(), String> {
    let mut want = 1;
    let mut told = false;
    for line in text.lines() {
        if line.starts_with('…') {
            told = true;
            continue;
        }
        let n: usize = line.parse().map_err(|_| format!("a line `{line}`"))?;
        if n != want && !(told && n > want) {
            return Err(format!("line {n} where {want} was due (a gap or a repeat)"));
        }
        (want, told) = (n + 1, false);
    }
    match want {
        w if w == last + 1 => Ok(()),
        w => Err(format!("the output stops before line {w}")),
    }
}

/// `kill -9` of a run with a watcher connected, then `shisa resume`: the new process has
/// no connections. The journal says the crashed process's watcher is gone (after the
/// resume, with why), so each `watcher_joined` has its `watcher_left`; a watcher of the
/// new process joins and leaves as usual, and the run's end names no one still watching.
#[test]
fn the_watcher_of_a_killed_run_is_journaled_gone_when_it_resumes() {
    let s = Scratch::new();
    let (op, sock) = holding_run(&s, HOLD);
    let id = sock
        .file_name()
        .and_then(|n| n.to_str())
        .and_then(|n| n.strip_suffix(".sock"))
        .unwrap()
        .to_string();
    let sockets = sock.parent().unwrap().to_path_buf();
    let watch = |s: &Scratch| {
        let mut c = s.shisa();
        c.env("SHISA_SOCKET_DIR", &sockets)
            .args(["watch", &id, "--headless"]);
        Live::start(c)
    };
    let first = watch(&s);
    first.wait_for("started watching", 30);
    let mut child = op.child;
    child.kill().unwrap(); // SIGKILL: no one journals the watcher's leave
    child.wait().unwrap();
    let _ = first.finish();
    let dir = s.run_dir();
    let before = common::journal(&dir);
    assert_eq!(
        before.last().unwrap()["kind"],
        "watcher_joined",
        "{before:#?}"
    );
    let _ = std::fs::remove_file(&sock);

    let mut c = s.shisa();
    c.env("SHISA_SOCKET_DIR", &sockets)
        .arg("resume")
        .arg(&dir)
        .arg("--headless");
    let op = Live::start(c);
    op.wait_for("answer `done`", 30);
    let second = watch(&s);
    second.wait_for("started watching", 30);
    // A line-mode watcher watches until the run ends: it leaves when stopped.
    let stopped = Command::new("kill")
        .args(["-TERM", &second.child.id().to_string()])
        .status()
        .unwrap();
    assert!(stopped.success());
    let _ = second.finish();
    let deadline = Instant::now() + Duration::from_secs(30);
    while !common::journal(&dir).iter().any(|r| {
        r["kind"] == "watcher_left" && !r["data"]["watcher"].as_str().unwrap().contains(" — ")
    }) {
        assert!(Instant::now() < deadline, "the second watcher's leave");
        std::thread::sleep(Duration::from_millis(50));
    }
    let mut op = op;
    op.send("done");
    let run = op.finish();
    assert_eq!(run.code, 0, "{}", run.explain());
    let journal = common::journal(&dir);
    let joined: Vec<&str> = journal
        .iter()
        .filter(|r| r["kind"] == "watcher_joined")
        .map(|r| r["data"]["watcher"].as_str().unwrap())
        .collect();
    let left: Vec<&str> = journal
        .iter()
        .filter(|r| r["kind"] == "watcher_left")
        .map(|r| r["data"]["watcher"].as_str().unwrap())
        .collect();
    assert_eq!(joined.len(), 2, "{journal:#?}");
    assert_eq!(
        left,
        [
            format!("{} — the run's process ended", joined[0]),
            joined[1].to_string()
        ],
        "{journal:#?}"
    );
    let resumed_at = journal
        .iter()
        .position(|r| r["kind"] == "run_resumed")
        .unwrap();
    let gone_at = journal
        .iter()
        .position(|r| r["kind"] == "watcher_left")
        .unwrap();
    assert!(resumed_at < gone_at, "gone with the resume");
    let export = s.shisa().arg("export").arg(&dir).output().unwrap();
    let export = String::from_utf8_lossy(&export.stdout);
    assert!(
        export.contains(&format!(
            "{} stopped watching: the run's process ended",
            joined[0]
        )),
        "{export}"
    );
}

/// A shared run stopped after its approved change, at a step that needs no approval:
/// `resume` without `--share-with` goes on (the approval was given and the change done).
/// Stopped before the change, it is refused, naming the step still to be approved: what
/// remains is what the requirement is judged on.
#[test]
fn resume_asks_for_share_with_only_while_an_approval_is_still_due() {
    if !is_root() {
        return;
    }
    let rb = runbook("quarantine-accounts.yaml");
    // Stopped at the last step, its approval given and its change done.
    let sh = Shared::new();
    let mut op = sh.operator(&rb, &QUARANTINE);
    op.wait_for("name the target you intend", 30);
    op.send("quarantine-2023-12");
    op.wait_for("waiting for another person", 30);
    let id = sh.run_id();
    let ok = sh
        .as_nobody(&["approve", &id, "--typed", "quarantine-2023-12"])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", text(&ok));
    op.wait_for("Tell the customer", 30);
    let stopped = op.finish(); // end of input at the manual step: halted, resumable
    assert_eq!(stopped.code, 3, "{}", stopped.explain());
    let dir = stopped.dir().to_path_buf();
    let mut c = sh.as_operator(&["resume", dir.to_str().unwrap(), "--headless"]);
    c.env("NO_COLOR", "1");
    let resumed = common::Run::from(common::feed(c, "done\n"));
    assert_eq!(resumed.code, 0, "{}", resumed.explain());
    assert_eq!(resumed.outcome(), "completed", "{}", resumed.explain());
    assert_eq!(
        resumed
            .records("approval_requested", Some("attach-deny"))
            .len(),
        1,
        "nothing approved again"
    );

    // Stopped before the change: its approval is still due.
    let sh = Shared::new();
    let op = sh.operator(&rb, &QUARANTINE);
    op.wait_for("name the target you intend", 30);
    let stopped = op.finish();
    assert_eq!(stopped.code, 3, "{}", stopped.explain());
    let dir = stopped.dir().to_path_buf();
    let mut c = sh.as_operator(&["resume", dir.to_str().unwrap(), "--headless"]);
    c.env("NO_COLOR", "1");
    let refused = common::Run::from(common::feed(c, "quarantine-2023-12\n"));
    assert_eq!(refused.code, 2, "{}", refused.explain());
    assert!(
        refused.stderr.contains(
            "step `attach-deny` needs a second person's approval, but without --share-with"
        ) && refused.stderr.contains("resume it with --share-with GROUP"),
        "{}",
        refused.explain()
    );
    let kinds: Vec<String> = common::journal(&dir)
        .iter()
        .map(|r| r["kind"].as_str().unwrap().to_string())
        .collect();
    assert!(!kinds.contains(&"run_resumed".to_string()), "{kinds:?}");
}
