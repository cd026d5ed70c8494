//! The operator's TUI: ratatui over crossterm, driven by the same driver and
//! engine as headless mode. `app` is the front end, `keymap` the one table of keys, `view`
//! the drawing, `terminal` the guard that always gives the terminal back, `form` the
//! parameter form asked before anything runs.
//!
//! `shisa watch` uses the same [`App`] with `Options { watcher: true, .. }`: feed it each
//! record of the journal stream (`show(Shown::Record)` then `react`, with an engine rebuilt
//! by applying the records), call `tick` every 50 ms, and pass keys to `input`; it returns
//! only `Intent::Approve(typed)` and `Intent::Note(text)`, for the share client to send.
//! Stop when `left()` is true.

pub mod ansi;
pub mod app;
pub mod form;
mod input;
pub mod keymap;
pub mod output;
pub mod state;
pub mod terminal;
pub mod view;

#[cfg(test)]
mod tests;

#[cfg(test)]
mod flow_tests;

#[cfg(test)]
mod blind_tests;
#[cfg(test)]
mod env_tests;
#[cfg(test)]
mod gates_tests;
#[cfg(test)]
mod quit_tests;

#[cfg(test)]
mod layout_tests;

#[cfg(test)]
mod approvers_tests;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use crossterm::event::{Event, EventStream, KeyEventKind};
use futures_util::StreamExt;
use ratatui::backend::Backend;
use tokio::signal::unix::{SignalKind, signal};
use tokio::sync::mpsc;

use crate::frontend::Input;
use crate::pending::or_pending;

pub use app::{App, Options};

/// Reads the terminal as a task on the run's runtime (crossterm's `EventStream`: woken by
/// the terminal, no polling) and hands keys and resizes to whoever holds the receiving end
/// now: the driver while the run lasts, then the screen that stays after it.
pub struct Keys {
    tx: Arc<Mutex<mpsc::UnboundedSender<Input>>>,
}

impl Keys {
    pub fn spawn(rt: &tokio::runtime::Handle, tx: mpsc::UnboundedSender<Input>) -> Keys {
        let tx = Arc::new(Mutex::new(tx));
        let shared = tx.clone();
        rt.spawn(async move {
            let mut events = EventStream::new();
            loop {
                let input = match events.next().await {
                    Some(Ok(Event::Key(k))) if k.kind != KeyEventKind::Release => Input::Key(k),
                    Some(Ok(Event::Resize(..))) => Input::Resize,
                    Some(Ok(Event::Paste(text))) => Input::Paste(text),
                    Some(Ok(_)) => continue,
                    Some(Err(_)) | None => Input::Eof,
                };
                let eof = matches!(input, Input::Eof);
                let sent = shared
                    .lock()
                    .map(|tx| tx.send(input).is_ok())
                    .unwrap_or(false);
                if eof || !sent && Arc::strong_count(&shared) == 1 {
                    return;
                }
            }
        });
        Keys { tx }
    }

    /// Sends from now on to a new receiver.
    pub fn redirect(&self, tx: mpsc::UnboundedSender<Input>) {
        if let Ok(mut cur) = self.tx.lock() {
            *cur = tx;
        }
    }
}

/// After the run: the final screen stays until the operator leaves (Enter, q, Esc), so the
/// outcome is read before the terminal goes back to the shell. A signal leaves at once.
pub async fn linger<B: Backend>(app: &mut App<B>, mut rx: mpsc::UnboundedReceiver<Input>) {
    if !app.lingers() {
        return;
    }
    let mut sigterm = signal(SignalKind::terminate()).ok();
    let mut sighup = signal(SignalKind::hangup()).ok();
    let mut tick = tokio::time::interval(Duration::from_millis(50));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    while !app.left() {
        tokio::select! {
            got = rx.recv() => match got {
                Some(input) => app.after_input(input),
                None => return,
            },
            Some(_) = or_pending(sigterm.as_mut().map(|s| s.recv())) => return,
            Some(_) = or_pending(sighup.as_mut().map(|s| s.recv())) => return,
            _ = tick.tick() => app.after_tick(),
        }
    }
}
