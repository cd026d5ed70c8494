//! The one write path from the run to every watcher (ARCHITECTURE.md, "Watchers never slow
//! the run down much"). The driver appends each frame once to one shared log, whoever is
//! watching; a pacer on the share thread announces what arrived once a frame and wakes the
//! connections with one call per frame length they asked for; each connection keeps its own
//! place in the log and writes what it has not yet sent in one write. So the driver's work
//! per record is the same for one watcher or twenty: one append under a lock, and at most
//! one wake of the pacer a (shortest) frame.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{Notify, oneshot};

/// Records kept for a watcher that has not yet sent them: one further behind than this is
/// cut off, so a stuck watcher costs bounded memory and never holds the run.
pub const WATCHER_QUEUE: usize = 2048;
/// Output is best effort (the logs have all of it): a watcher behind skips the oldest
/// output rather than being cut off, and output never pushes a record out.
const OUTPUT_KEPT: usize = WATCHER_QUEUE / 2;
const OUTPUT_BYTES: usize = 8 << 20;
/// Frames written to a watcher in one system call, at most.
pub const BATCH: usize = 256;
/// A watcher is written to at most once a frame: what the run journals within one goes out
/// with one write. The first record after a quiet spell goes out at once. 50 ms is the watch
/// TUI's own drawing tick and below what a person reading along notices, and the frame of a
/// client that names none (protocol 2 and 3). A client may ask for a longer one in its
/// hello, up to [`MAX_FRAME`]: the line-mode watch prints lines, not screens, and asks for
/// 250 ms, so it is woken a fifth as often (README, Performance, has the figures).
pub const FRAME: Duration = Duration::from_millis(50);
/// The longest frame a client may ask for: a watcher half a second behind the run is still
/// reading along.
pub const MAX_FRAME: Duration = Duration::from_millis(500);

/// The frame a client asked for in its hello, in milliseconds, held to
/// [`FRAME`]`..=`[`MAX_FRAME`] and rounded to a whole number of [`FRAME`]s; [`FRAME`] when it
/// named none. Rounded, every group's boundaries fall on the 50 ms grid, so the pacer wakes
/// at most once a [`FRAME`] whatever frames the watchers ask for (twenty watchers at 53, 59,
/// 61 … 149 ms woke the share thread 404–463 times a 200-step run, as many as before
/// frames could be named).
pub fn frame_for(asked_ms: Option<u32>) -> Duration {
    let step = FRAME.as_millis() as u64;
    asked_ms.map_or(FRAME, |ms| {
        let rounded = (u64::from(ms) + step / 2) / step * step;
        Duration::from_millis(rounded).clamp(FRAME, MAX_FRAME)
    })
}

pub struct Feed {
    state: Mutex<State>,
    /// The driver wakes the pacer with it, only when the pacer waits for something to
    /// arrive: at most once a frame, however many records the frame holds.
    arrived: Notify,
    /// What the driver's side has done, for the test that holds it to one append a frame
    /// whatever the number of watchers.
    stored: AtomicU64,
    woke: AtomicU64,
}

#[derive(Default)]
struct State {
    /// Records (and the `end` frame) with their place in the log.
    records: VecDeque<(u64, Bytes)>,
    /// Output frames with their place and their step (which the note naming output a
    /// watcher missed must name: the step the missing output was of).
    output: VecDeque<(u64, Bytes, usize)>,
    output_bytes: usize,
    /// The place the next frame gets.
    next: u64,
    /// The connections, grouped by the frame they asked for.
    groups: Vec<Group>,
    /// A watcher whose place is before this missed a record, so it is cut off.
    lost: u64,
    /// Just after the newest output pushed out, and the step it was of: a watcher whose
    /// place is before it missed output, and is told so where it is missing.
    skipped: u64,
    skipped_step: usize,
    /// The place of the `end` frame, once the run has ended.
    end: Option<u64>,
    /// The pacer waits for something to arrive.
    idle: bool,
}

/// The connections that asked for one frame length: the pacer announces to them and wakes
/// them together, once each of their frames.
struct Group {
    frame: Duration,
    members: usize,
    /// Frames before this place may be written to these connections.
    announced: u64,
    /// When the pacer last announced to them: the next announcement waits for the start of
    /// the frame after that one.
    last: Option<Instant>,
    flushed: Arc<Notify>,
}

impl State {
    fn group(&mut self, frame: Duration) -> &mut Group {
        let at = match self.groups.iter().position(|g| g.frame == frame) {
            Some(at) => at,
            None => {
                // Nothing appended before now is owed to a new group's members: each comes
                // with its own place, and takes from there what the group announces next.
                self.groups.push(Group {
                    frame,
                    members: 0,
                    announced: self.next,
                    last: None,
                    flushed: Arc::new(Notify::new()),
                });
                self.groups.len() - 1
            }
        };
        &mut self.groups[at]
    }

    /// One connection of `frame` fewer; a group with none left goes.
    fn leave(&mut self, frame: Duration) {
        let g = self.group(frame);
        g.members -= 1;
        if g.members == 0 {
            self.groups.retain(|g| g.frame != frame);
        }
    }
}

/// What a connection's next wait gave.
#[derive(Debug, PartialEq, Eq)]
pub enum Next {
    Frames,
    /// The frames end with the `end` frame: write them and close.
    End,
    /// A record this watcher had not sent is gone: it fell too far behind.
    Behind,
}

/// One watcher's place in the log. Dropping it tells the driver the watcher is done.
pub struct Cursor {
    feed: Arc<Feed>,
    next: u64,
    /// Its group's frame, and the group's wake.
    frame: Duration,
    flushed: Arc<Notify>,
    /// Output skipped before this place has been said (`State::skipped`).
    told: u64,
    _gone: oneshot::Sender<()>,
}

impl Drop for Cursor {
    fn drop(&mut self) {
        self.feed.lock().leave(self.frame);
    }
}

impl Feed {
    pub fn new() -> Arc<Feed> {
        Arc::new(Feed {
            state: Mutex::default(),
            arrived: Notify::new(),
            stored: AtomicU64::new(0),
            woke: AtomicU64::new(0),
        })
    }

    /// Nothing here panics while holding the lock; a poisoned one still holds whole frames.
    fn lock(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// A watcher's place: the frame appended next is the first it gets. The driver takes it
    /// where it read the journal for the replay, so the two meet with no gap or overlap.
    /// It is paced at [`FRAME`] until its connection says otherwise ([`Cursor::pace`]).
    pub fn subscribe(self: &Arc<Feed>) -> (Cursor, oneshot::Receiver<()>) {
        let (gone, done) = oneshot::channel();
        let (next, flushed) = self.join(FRAME);
        let cursor = Cursor {
            feed: Arc::clone(self),
            next,
            frame: FRAME,
            flushed,
            told: next,
            _gone: gone,
        };
        (cursor, done)
    }

    /// Counts a connection into the group of `frame`; the pacer hears of it, since it may be
    /// sleeping until a longer frame's end.
    fn join(&self, frame: Duration) -> (u64, Arc<Notify>) {
        let joined = {
            let mut s = self.lock();
            let g = s.group(frame);
            g.members += 1;
            let flushed = Arc::clone(&g.flushed);
            (s.next, flushed)
        };
        self.arrived.notify_one();
        joined
    }

    /// Appends a journal record's frame; every watcher gets it or is cut off.
    pub fn record(&self, frame: Bytes) {
        let wake = {
            let mut s = self.lock();
            let at = s.next;
            s.next += 1;
            s.records.push_back((at, frame));
            if s.records.len() > WATCHER_QUEUE
                && let Some((gone, _)) = s.records.pop_front()
            {
                s.lost = gone + 1;
            }
            std::mem::take(&mut s.idle)
        };
        self.stored(wake);
    }

    /// Appends an output frame of step `step`; a watcher too far behind misses it, and is
    /// told so.
    pub fn output(&self, step: usize, frame: Bytes) {
        let wake = {
            let mut s = self.lock();
            let at = s.next;
            s.next += 1;
            s.output_bytes += frame.len();
            s.output.push_back((at, frame, step));
            while s.output.len() > OUTPUT_KEPT || s.output_bytes > OUTPUT_BYTES {
                let Some((at, gone, of)) = s.output.pop_front() else {
                    break;
                };
                s.output_bytes -= gone.len();
                (s.skipped, s.skipped_step) = (at + 1, of);
            }
            std::mem::take(&mut s.idle)
        };
        self.stored(wake);
    }

    fn stored(&self, wake: bool) {
        self.stored.fetch_add(1, Ordering::Relaxed);
        if wake {
            self.woke.fetch_add(1, Ordering::Relaxed);
            self.arrived.notify_one();
        }
    }

    /// Appends the `end` frame and announces everything at once, without waiting for the
    /// frame: the run's end waits for its watchers, not for the clock.
    pub fn end(&self, frame: Bytes) {
        let wake: Vec<Arc<Notify>> = {
            let mut s = self.lock();
            let at = s.next;
            s.next += 1;
            s.records.push_back((at, frame));
            s.end = Some(at);
            let next = s.next;
            for g in &mut s.groups {
                g.announced = next;
            }
            s.groups.iter().map(|g| Arc::clone(&g.flushed)).collect()
        };
        for flushed in wake {
            flushed.notify_waiters();
        }
    }

    /// Frames appended, and wakes of the pacer, by the driver's side so far.
    pub fn driver_work(&self) -> (u64, u64) {
        (
            self.stored.load(Ordering::Relaxed),
            self.woke.load(Ordering::Relaxed),
        )
    }

    /// The pacer, on the share thread: for each group of connections, waits for something
    /// to arrive, for the start of the group's next frame if it announced within this one,
    /// then announces what arrived and wakes the group's connections with one call. Frames
    /// are counted from `epoch`, one clock for all. It sleeps until the soonest group is
    /// due, and is woken by the driver only while some group has nothing left to announce
    /// (the next record would be due for it at once).
    pub async fn pace(self: Arc<Feed>) {
        let epoch = Instant::now();
        loop {
            let arrived = self.arrived.notified();
            tokio::pin!(arrived);
            // Registered before looking, so an arrival between the look and the wait counts.
            arrived.as_mut().enable();
            let (wake, due) = {
                let mut s = self.lock();
                if s.end.is_some() {
                    return;
                }
                let (now, next) = (Instant::now(), s.next);
                let mut wake = Vec::new();
                let mut due: Option<Instant> = None;
                let mut some_idle = false;
                for g in &mut s.groups {
                    if next > g.announced {
                        let at = g.last.map_or(now, |t| next_frame(epoch, t, g.frame));
                        if at > now {
                            due = Some(due.map_or(at, |d| d.min(at)));
                            continue;
                        }
                        g.announced = next;
                        g.last = Some(now);
                        wake.push(Arc::clone(&g.flushed));
                    }
                    some_idle = true;
                }
                // Without a group there is nobody to wake: the driver need not wake the
                // pacer, and a connection joining does (`join`).
                s.idle = some_idle;
                (wake, due)
            };
            for flushed in wake {
                flushed.notify_waiters();
            }
            match due {
                Some(due) => {
                    tokio::select! {
                        () = tokio::time::sleep_until(due.into()) => {}
                        () = &mut arrived => {}
                    }
                }
                None => arrived.await,
            }
        }
    }
}

impl Cursor {
    #[cfg(test)]
    pub fn feed(&self) -> Arc<Feed> {
        Arc::clone(&self.feed)
    }

    /// Paces this watcher at `frame` (see [`frame_for`]) from now on: it is woken, and
    /// written to, at most once each.
    pub fn pace(&mut self, frame: Duration) {
        if frame != self.frame {
            let (_, flushed) = self.feed.join(frame);
            self.feed.lock().leave(self.frame);
            self.frame = frame;
            self.flushed = flushed;
        }
    }

    /// Waits for the next frames announced for this watcher and puts them in `out` (at most
    /// [`BATCH`]). Cancel-safe: the place moves only when frames are taken, and nothing
    /// awaits after that.
    pub async fn next(&mut self, out: &mut Vec<Bytes>) -> Next {
        let flushed = Arc::clone(&self.flushed);
        loop {
            let flushed = flushed.notified();
            tokio::pin!(flushed);
            // Registered before looking, so a flush between the look and the wait counts.
            flushed.as_mut().enable();
            if let Some(next) = self.take(out) {
                return next;
            }
            flushed.await;
        }
    }

    /// What is announced and not yet taken, in the log's order, records and output merged.
    fn take(&mut self, out: &mut Vec<Bytes>) -> Option<Next> {
        let mut s = self.feed.lock();
        if self.next < s.lost {
            return Some(Next::Behind);
        }
        let announced = s.group(self.frame).announced;
        let from_records = s.records.partition_point(|(at, _)| *at < self.next);
        let from_output = s.output.partition_point(|(at, ..)| *at < self.next);
        let mut records = s
            .records
            .range(from_records..)
            .map(|(at, f)| (*at, f))
            .peekable();
        let mut output = s
            .output
            .range(from_output..)
            .map(|(at, f, _)| (*at, f))
            .peekable();
        let (mut took, mut end) = (0, false);
        // The newest output pushed out stood at or after this watcher's place: it missed it.
        let mut missed = self.told < s.skipped && self.next < s.skipped;
        if !missed {
            self.told = s.skipped;
        }
        let say_skipped = |out: &mut Vec<Bytes>, took: &mut usize| {
            if let Ok(note) = skipped_note(s.skipped_step) {
                out.push(note);
                *took += 1;
            }
        };
        while took < BATCH {
            let pick = match (records.peek(), output.peek()) {
                (Some(r), Some(o)) if o.0 < r.0 => output.next(),
                (Some(_), _) => records.next(),
                (None, _) => output.next(),
            };
            // Output this watcher had not been sent was pushed out: said just after where
            // it stood, never skipped silently.
            let past_skipped = pick.is_none_or(|(at, _)| at >= s.skipped);
            if missed && past_skipped && announced >= s.skipped {
                say_skipped(out, &mut took);
                (missed, self.told) = (false, s.skipped);
            }
            let Some((at, frame)) = pick.filter(|(at, _)| *at < announced) else {
                // All announced is taken; output that went before it was taken is skipped.
                self.next = self.next.max(announced);
                break;
            };
            out.push(frame.clone());
            took += 1;
            self.next = at + 1;
            if s.end == Some(at) {
                end = true;
                break;
            }
        }
        match (took, end) {
            (0, _) => None,
            (_, true) => Some(Next::End),
            (_, false) => Some(Next::Frames),
        }
    }
}

/// What a watcher that fell behind is told where output it was not sent was.
fn skipped_note(step: usize) -> Result<Bytes, super::protocol::FrameError> {
    super::tail::output_frame(
        step,
        false,
        "… output skipped here: this watcher fell behind the run (the command's log has all of it)\n"
            .as_bytes(),
    )
}

/// The start of the `frame` after the one `t` falls in, frames being counted from `epoch`.
/// One write in a frame, the next not before the frame after: at most one a frame.
fn next_frame(epoch: Instant, t: Instant, frame: Duration) -> Instant {
    let len = frame.as_nanos();
    let n = t.saturating_duration_since(epoch).as_nanos() / len + 1;
    u64::try_from(n * len)
        .ok()
        .and_then(|ns| epoch.checked_add(Duration::from_nanos(ns)))
        .unwrap_or(t + frame)
}

#[cfg(test)]
#[path = "feed_tests.rs"]
mod tests;
