//! `shisa watch` on a terminal: the operator's screen, read-only, fed by the journal stream.
//! `a` approves the step waiting for approval (typing its target), `n` adds a note; the
//! screen stays after the run ends until the reviewer leaves.

use std::io::Write;
use std::path::PathBuf;

use tokio::sync::mpsc;

use super::watch::{Witness, command, finish, open_copy};
use crate::clock::Clock;
use crate::exec::runner::{OutputChunk, Stream};
use crate::exit::{Error, Exit, Result};
use crate::frontend::{FrontEnd, Input, Intent, Shown};
use crate::share::client;
use crate::share::protocol::{FrameError, spawn_reader};
use crate::share::protocol::{MAX_SERVER_FRAME, ServerMsg, Want, write_frame};
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
    let clock = Clock::from_env().map_err(Error::Invalid)?;
    let failed = |e: std::io::Error| Error::Failed(format!("cannot set up the terminal: {e}"));
    let guard = tui::terminal::Guard::enter().map_err(failed)?;
    let terminal =
        ratatui::Terminal::new(ratatui::backend::CrosstermBackend::new(std::io::stdout()))
            .map_err(failed)?;
    let options = tui::Options {
        run_id: w.run_id.clone(),
        run_dir: format!("(watching {} on {})", w.operator, w.host),
        clock,
        color: stdout_color(),
        watcher: true,
        dropped: None,
    };
    let mut app = tui::App::new(terminal, options);
    let (input_tx, mut input_rx) = mpsc::unbounded_channel();
    let _keys = tui::Keys::spawn(input_tx);
    let mut end: Option<String> = None;
    let (reader, mut writer) = conn.stream.into_split();
    let mut frames = {
        let _inside = rt.enter();
        spawn_reader::<_, ServerMsg>(reader, MAX_SERVER_FRAME)
    };
    let mut connected = true;
    rt.block_on(async {
        let mut tick = tokio::time::interval(std::time::Duration::from_millis(50));
        while !app.left() {
            tokio::select! {
                frame = frames.recv(), if connected => {
                    let engine = witness.engine.clone();
                    match frame.unwrap_or(Err(FrameError::Closed)) {
                        Ok(ServerMsg::Record { line }) => {
                            if let Some(f) = copy_file.as_mut() {
                                let _ = writeln!(f, "{line}");
                            }
                            if let Some(rec) = witness.take(&line)
                                && let Some(e) = &witness.engine {
                                    app.show(Shown::Record(&rec), e);
                                    let _ = app.react(e, false);
                                }
                        }
                        Ok(ServerMsg::Output { step, stderr, text }) => {
                            if let Some(e) = &engine {
                                let stream = if stderr { Stream::Stderr } else { Stream::Stdout };
                                let mut bytes = text.into_bytes();
                                bytes.push(b'\n');
                                app.show(Shown::Output(&OutputChunk { step, stream, bytes }), e);
                            }
                        }
                        Ok(ServerMsg::Result { ok: false, message }) => {
                            if let Some(e) = &engine {
                                app.show(Shown::Refused(&message), e);
                            }
                        }
                        Ok(ServerMsg::End { head, .. }) => {
                            end = Some(head);
                            connected = false;
                        }
                        Ok(ServerMsg::Error { message }) => {
                            if let Some(e) = &engine {
                                app.show(Shown::Error(&message), e);
                            }
                            connected = false;
                        }
                        Ok(_) => {}
                        Err(_) => {
                            if let Some(e) = &engine {
                                app.show(Shown::Error("the run's connection closed; it may have been cut off"), e);
                            }
                            connected = false;
                        }
                    }
                }
                key = input_rx.recv() => {
                    let key = key.unwrap_or(Input::Eof);
                    let Some(e) = witness.engine.clone() else { break };
                    for intent in app.input(key, &e, false) {
                        let line = match intent {
                            Intent::Approve(typed) => format!("approve {typed}"),
                            Intent::Note(text) => format!("note {text}"),
                            _ => continue,
                        };
                        if let Some(msg) = command(&line, &witness, &w.run_id) {
                            let _ = write_frame(&mut writer, &msg).await;
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
    Ok(finish(&mut std::io::stdout(), &witness, end.as_deref()))
}
