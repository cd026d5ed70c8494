//! One `select!` idiom, written once.

/// Waits on `f` if there is one, else forever: a `select!` branch for something that may
/// not exist (a watcher's live queue, a signal that could not be installed).
pub async fn or_pending<F: Future>(f: Option<F>) -> F::Output {
    match f {
        Some(f) => f.await,
        None => std::future::pending().await,
    }
}
