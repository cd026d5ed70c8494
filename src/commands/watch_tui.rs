//! `shisa watch` on a terminal: the operator's screen, read-only, fed by the journal stream.
//! `a` approves the step waiting for approval (typing its target), `n` adds a note; the
//! screen stays after the run ends until the reviewer leaves.

use std::io::Write;
use std::path::PathBuf;

use futures_util::{FutureExt, StreamExt};
use tokio::sync::mpsc;

use super::witness::{Ask, Witness, dropped, finish, message, open_copy};
use crate::clock::SystemClock;
use crate::exec::stream::{OutputChunk, Stream};
use crate::exit::{Error, Exit, Result};
use crate::frontend::{FrontEnd, Input, Shown};
use crate::share::client;
use crate::share::frame;
use crate::share::protocol::{FrameError, ServerMsg, Want};
use crate::term::stdout_color;
use crate::tui;

pub fn run(rt: &tokio::runtime::Runtime, socket: PathBuf, copy: Option<&PathBuf>) -> Result<Exit> {
    let conn = rt
        .block_on(client::connect(&socket, Want::Watch))
        .map_err(Error::Failed)?;
    let w = conn.welcome.clone();
    let mut witness = Witness::for_run(&w);
    if witness.engine.is_none() {
        return Err(Error::Failed(
            "the run's runbook does not load here; use `shisa watch --headless`".into(),
        ));
    }
    let mut copy_file = open_copy(copy)?;
    let clock = SystemClock::from_env().map_err(Error::Invalid)?;
    let failed = |e: std::io::Error| Error::Failed(format!("cannot set up the terminal: {e}"));
    let guard = tui::terminal::TerminalGuard::enter().map_err(failed)?;
    let terminal =
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
            .map_err(failed)?;
    let options = tui::Options {
        run_id: w.run_id.clone(),
        run_dir: format!("(watching {} on {})", w.operator, w.host),
        clock: Box::new(clock),
        color: stdout_color(),
        watcher: true,
    };
    let mut app = tui::App::new(terminal, options);
    let (input_tx, mut input_rx) = mpsc::unbounded_channel();
    let _keys = tui::Keys::spawn(rt.handle(), input_tx);
    // The run's head when it ended, or why it dropped this watcher.
    let mut end: Option<std::result::Result<String, String>> = None;
    let client::Connection {
        mut frames,
        mut writer,
        ..
    } = conn;
    let mut connected = true;
    rt.block_on(async {
        // The screen is drawn on this tick only, however fast records arrive.
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        while !app.left() && witness.newer.is_none() {
            tokio::select! {
                got = frame::next(&mut frames), if connected => {
                    // Take everything that has already arrived before drawing again.
                    let mut got = got;
                    loop {
                        connected = show(&mut app, &mut witness, copy_file.as_mut(), got, &mut end);
                        if !connected {
                            break;
                        }
                        match frames.next().now_or_never() {
                            Some(next) => got = next.unwrap_or(Err(FrameError::Closed)),
                            None => break,
                        }
                    }
                }
                key = input_rx.recv() => {
                    let key = key.unwrap_or(Input::Eof);
                    let Some(e) = witness.engine.as_ref() else { break };
                    for intent in app.input(key, e, false) {
                        let Some(ask) = Ask::from_intent(intent) else { continue };
                        if let Some(msg) = message(ask, &witness, &w.run_id) {
                            let _ = frame::write(&mut writer, &msg).await;
                        }
                    }
                }
                _ = tick.tick() => {
                    if let Some(e) = &witness.engine {
                        app.tick(e);
                    }
                }
            }
        }
    });
    drop(app);
    drop(guard);
    if let Some(why) = witness.newer.take() {
        return Err(Error::Invalid(why));
    }
    match end {
        Some(Err(said)) => {
            // What arrived until then is still said to verify or not.
            finish(&mut std::io::stdout(), &witness, None);
            Err(Error::Failed(said))
        }
        Some(Ok(head)) => Ok(finish(&mut std::io::stdout(), &witness, Some(&head))),
        None => Ok(finish(&mut std::io::stdout(), &witness, None)),
    }
}

/// Takes one message from the run into the screen's state (drawn on the next tick);
/// false when the connection is over.
fn show<B: ratatui::backend::Backend>(
    app: &mut tui::App<B>,
    witness: &mut Witness,
    copy: Option<&mut std::fs::File>,
    got: std::result::Result<ServerMsg, FrameError>,
    end: &mut Option<std::result::Result<String, String>>,
) -> bool {
    if let Ok(ServerMsg::Record { line }) = &got {
        if let Some(f) = copy {
            let _ = writeln!(f, "{line}");
        }
        if let Some(rec) = witness.take(line)
            && let Some(e) = &witness.engine
        {
            app.show(Shown::Record(&rec), e);
            let _ = app.react(e, false);
        }
        return witness.newer.is_none();
    }
    let Some(e) = &witness.engine else {
        return got.is_ok();
    };
    match got {
        Ok(ServerMsg::Output { step, stderr, text }) => {
            let stream = if stderr {
                Stream::Stderr
            } else {
                Stream::Stdout
            };
            // The text keeps the run's own line ends (a piece may end mid-line): adding one
            // here drew a blank row after every piece.
            let bytes = text.into_bytes();
            app.show(
                Shown::Output(&OutputChunk {
                    step,
                    stream,
                    skipped: None,
                    bytes,
                }),
                e,
            );
        }
        Ok(ServerMsg::Result { ok: false, message }) => app.show(Shown::Refused(&message), e),
        Ok(ServerMsg::End { head, .. }) => {
            *end = Some(Ok(head));
            return false;
        }
        // After the welcome an error frame is the run cutting this watcher off, not a
        // refusal; the reason is said again when the screen closes.
        Ok(ServerMsg::Error { message }) => {
            let said = dropped(&message, e.run_id().unwrap_or("RUN_ID"));
            app.show(Shown::Error(&said), e);
            *end = Some(Err(said));
            return false;
        }
        Ok(_) => {}
        Err(lost) => {
            app.show(Shown::Error(&super::witness::connection_lost(&lost)), e);
            return false;
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use ratatui::backend::TestBackend;

    use super::*;
    use crate::journal::record::{Actor, Body, Record, Role, RunbookRef};

    const RUNBOOK: &str =
        "version: 1\nname: w\nsteps:\n  - id: look\n    kind: precheck\n    run: ls\n";

    fn record(seq: u64, ts: &str, step: Option<&str>, body: Body) -> String {
        let rec = Record {
            seq,
            ts: ts.into(),
            body,
            step: step.map(str::to_string),
            actor: Actor {
                role: Role::Operator,
                user: "ops1".into(),
                uid: 1000,
                host: "h".into(),
            },
            prev: String::new(),
        };
        serde_json::to_string(&rec).unwrap()
    }

    /// A watcher that joins 90 seconds into a run, then receives output.
    fn joined_late() -> (tui::App<TestBackend>, Witness) {
        let operator = Actor {
            role: Role::Operator,
            user: "ops1".into(),
            uid: 1000,
            host: "h".into(),
        };
        let mut witness = Witness::new(RUNBOOK, operator);
        let mut app = tui::App::new(
            ratatui::Terminal::new(TestBackend::new(80, 24)).unwrap(),
            tui::Options {
                run_id: "r".into(),
                run_dir: "(watching)".into(),
                clock: Box::new(SystemClock::from_env().unwrap()),
                color: false,
                watcher: true,
            },
        );
        let started = Body::RunStarted {
            run_id: "r".into(),
            runbook: RunbookRef {
                path: "w.yaml".into(),
                sha256: "0".repeat(64),
                name: "w".into(),
            },
            params: Default::default(),
            tool_version: "t".into(),
            mode: "tui".into(),
            clock_faked: None,
            env: None,
            rehearsal: None,
        };
        let begun = Body::StepStarted {
            index: 0,
            title: "look".into(),
            step_kind: "precheck".into(),
            mutating: false,
        };
        let mut end = None;
        for line in [
            record(1, "2023-12-05T10:00:00.000+09:00", None, started),
            record(2, "2023-12-05T10:00:01.000+09:00", Some("look"), begun),
        ] {
            assert!(show(
                &mut app,
                &mut witness,
                None,
                Ok(ServerMsg::Record { line }),
                &mut end
            ));
        }
        (app, witness)
    }

    #[test]
    fn output_pieces_keep_their_own_line_ends() {
        let (mut app, mut witness) = joined_late();
        let mut end = None;
        for text in ["one\ntwo\n", "three\n", "par", "tial\n"] {
            let msg = ServerMsg::Output {
                step: 0,
                stderr: false,
                text: text.into(),
            };
            assert!(show(&mut app, &mut witness, None, Ok(msg), &mut end));
        }
        let lines: Vec<String> = app
            .ui
            .out
            .get(0)
            .unwrap()
            .lines
            .iter()
            .map(|l| String::from_utf8_lossy(&l.raw).into_owned())
            .collect();
        assert_eq!(lines, ["one", "two", "three", "partial"]);
    }

    #[test]
    fn elapsed_counts_from_the_runs_start_not_from_joining() {
        let (app, _) = joined_late();
        let now: chrono::DateTime<chrono::Utc> = "2023-12-05T01:01:30Z".parse().unwrap();
        assert_eq!(app.ui.elapsed(now), Duration::from_secs(90));
    }
}
