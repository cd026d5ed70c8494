//! Owning the operator's terminal: raw mode and the alternate screen go on when a [`TerminalGuard`]
//! is made and come off when it drops — on a normal exit, an error, a signal that ends the
//! run, or a panic (the hook restores first, so the panic message lands on a usable screen).

use std::io::{self, Write};
use std::sync::Once;
use std::sync::atomic::{AtomicBool, Ordering};

use crossterm::cursor::Show;
use crossterm::event::{DisableBracketedPaste, EnableBracketedPaste};
use crossterm::execute;
use crossterm::terminal::{
    EnterAlternateScreen, LeaveAlternateScreen, disable_raw_mode, enable_raw_mode,
};

/// Whether the terminal is in our hands now; restoring twice would print stray sequences.
static ENTERED: AtomicBool = AtomicBool::new(false);
/// Whether bracketed paste was turned on (and must be turned off on the way out).
static PASTE: AtomicBool = AtomicBool::new(false);
static HOOK: Once = Once::new();

/// Restores the terminal when dropped.
#[must_use = "the terminal is restored when the guard drops"]
pub struct TerminalGuard(());

impl TerminalGuard {
    /// Raw mode + alternate screen. If entering fails half-way, what was done is undone.
    pub fn enter() -> io::Result<TerminalGuard> {
        install_panic_hook();
        enable_raw_mode()?;
        ENTERED.store(true, Ordering::SeqCst);
        // Clear what is there: a run killed with -9 leaves the alternate screen full, and
        // old text beside a command on a safety screen misleads.
        let clear = crossterm::terminal::Clear(crossterm::terminal::ClearType::All);
        if let Err(e) = execute!(
            io::stdout(),
            EnterAlternateScreen,
            clear,
            crossterm::cursor::MoveTo(0, 0)
        ) {
            restore();
            return Err(e);
        }
        Ok(TerminalGuard(()))
    }

    /// Pasted text arrives as one event, not as keys, so the run screen can refuse a pasted
    /// target (the parameter form does not ask for this: a token may be pasted there).
    pub fn bracketed_paste(&self) -> io::Result<()> {
        PASTE.store(true, Ordering::SeqCst);
        execute!(io::stdout(), EnableBracketedPaste)
    }
}

impl Drop for TerminalGuard {
    fn drop(&mut self) {
        restore();
    }
}

/// Gives the terminal back: leave the alternate screen, show the cursor, cooked mode.
/// Safe to call any number of times and from the panic hook.
pub fn restore() {
    if ENTERED.swap(false, Ordering::SeqCst) {
        let mut out = io::stdout();
        if PASTE.swap(false, Ordering::SeqCst) {
            let _ = execute!(out, DisableBracketedPaste);
        }
        // Errors are ignored: the terminal may already be gone (SIGHUP), and there is no
        // one left to tell.
        let _ = execute!(out, LeaveAlternateScreen, Show);
        let _ = disable_raw_mode();
        let _ = out.flush();
    }
}

/// Restores the terminal before the previous hook prints the panic, so the message is
/// readable and the shell behind it works. Installed once, chained, never replaced.
fn install_panic_hook() {
    HOOK.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            restore();
            previous(info);
        }));
    });
}

/// Signals that must not leave the terminal in raw mode while no async loop is listening
/// (the parameter form runs before the driver exists). The flag is polled by the form.
pub mod signals {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};

    use signal_hook::SigId;
    use signal_hook::consts::{SIGHUP, SIGTERM};

    /// Catches SIGTERM and SIGHUP until the returned value drops (then the handlers are
    /// unregistered; signal-hook chains to whatever was there before).
    pub struct Caught {
        flag: Arc<AtomicBool>,
        ids: Vec<SigId>,
    }

    pub fn catch() -> Caught {
        let flag = Arc::new(AtomicBool::new(false));
        let ids = [SIGTERM, SIGHUP]
            .into_iter()
            .filter_map(|sig| signal_hook::flag::register(sig, flag.clone()).ok())
            .collect();
        Caught { flag, ids }
    }

    impl Caught {
        pub fn arrived(&self) -> bool {
            self.flag.load(Ordering::SeqCst)
        }
    }

    impl Drop for Caught {
        fn drop(&mut self) {
            for id in self.ids.drain(..) {
                signal_hook::low_level::unregister(id);
            }
        }
    }
}
