//! The threads that watch commands, kept for the next command. A run starts hundreds of
//! commands one after another; creating and tearing down a thread for each (stack mapping,
//! TLS, signal stacks) was a measurable part of a trivial step. An idle thread takes the
//! next command; only when none is idle (commands running side by side) is one created,
//! so no command ever waits for another to end.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, mpsc};

type Job = Box<dyn FnOnce() + Send>;

pub(super) struct Pool {
    /// Threads waiting for a job and not yet promised one.
    idle: Arc<AtomicUsize>,
    tx: mpsc::Sender<Job>,
    rx: Arc<Mutex<mpsc::Receiver<Job>>>,
}

impl Pool {
    pub fn new() -> Pool {
        let (tx, rx) = mpsc::channel();
        Pool {
            idle: Arc::new(AtomicUsize::new(0)),
            tx,
            rx: Arc::new(Mutex::new(rx)),
        }
    }

    /// Runs `job` on an idle thread, or on a new one when none is idle.
    pub fn run(&self, job: impl FnOnce() + Send + 'static) -> std::io::Result<()> {
        // Promise the job to one idle thread (it counted itself idle before waiting), so
        // that two jobs in a row never both go to the one thread that was idle.
        let mut first: Job = Box::new(job);
        if self
            .idle
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
        {
            match self.tx.send(first) {
                Ok(()) => return Ok(()),
                Err(mpsc::SendError(job)) => first = job,
            }
        }
        let (idle, rx) = (self.idle.clone(), self.rx.clone());
        std::thread::Builder::new()
            .name("command".into())
            .spawn(move || {
                first();
                loop {
                    idle.fetch_add(1, Ordering::SeqCst);
                    // The runner is gone when the channel closes: so is this thread.
                    let next = match rx.lock() {
                        Ok(rx) => rx.recv(),
                        Err(_) => return,
                    };
                    match next {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                }
            })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Barrier;

    #[test]
    fn jobs_side_by_side_each_get_a_thread_and_threads_are_reused() {
        let pool = Pool::new();
        // Three jobs that can only finish together: none may wait for another's thread.
        let all = Arc::new(Barrier::new(4));
        let (done_tx, done_rx) = mpsc::channel();
        for _ in 0..3 {
            let (all, done) = (all.clone(), done_tx.clone());
            pool.run(move || {
                all.wait();
                let _ = done.send(std::thread::current().id());
            })
            .unwrap();
        }
        all.wait();
        let first: Vec<_> = (0..3).map(|_| done_rx.recv().unwrap()).collect();
        // Once they are idle again, later jobs run on the same threads.
        while pool.idle.load(Ordering::SeqCst) < 3 {
            std::thread::yield_now();
        }
        for _ in 0..3 {
            let done = done_tx.clone();
            pool.run(move || {
                let _ = done.send(std::thread::current().id());
            })
            .unwrap();
            let id = done_rx.recv().unwrap();
            assert!(
                first.contains(&id),
                "a new thread for a job while three were idle"
            );
        }
    }
}
