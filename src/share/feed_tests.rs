use std::time::{Duration, Instant};

use bytes::Bytes;

use super::*;
use crate::share::protocol::{Message, ServerMsg};

/// Watchers written at different moments of one frame wait for the same instant, the next
/// frame's start: never sooner than that, never a frame or more later.
#[test]
fn every_watcher_waits_for_the_same_next_frame() {
    let epoch = Instant::now();
    let at = |ms: u64| epoch + Duration::from_millis(ms);
    assert_eq!(next_frame(epoch, at(120), FRAME), at(150));
    assert_eq!(next_frame(epoch, at(149), FRAME), at(150));
    assert_eq!(
        next_frame(epoch, at(150), FRAME),
        at(200),
        "a write at a frame's start waits a whole frame"
    );
    for ms in [0, 5, 49, 50, 1000, 86_400_000] {
        let due = next_frame(epoch, at(ms), FRAME);
        assert!(due > at(ms) && due <= at(ms) + FRAME, "{ms} ms");
    }
}

fn record(n: usize) -> Bytes {
    Bytes::from(format!("record {n}"))
}

fn out(n: usize) -> Bytes {
    Bytes::from(format!("output {n}"))
}

/// What one watcher's connection got: every frame in order, and how many writes it took.
#[derive(Default)]
struct Got {
    frames: Vec<Bytes>,
    writes: usize,
    last: Option<Next>,
}

async fn read_all(mut cursor: Cursor) -> Got {
    let mut got = Got::default();
    let mut batch = Vec::new();
    loop {
        let next = cursor.next(&mut batch).await;
        got.writes += 1;
        got.frames.append(&mut batch);
        if next != Next::Frames {
            got.last = Some(next);
            return got;
        }
    }
}

/// The share thread: the pacer and `n` watchers' connections, on a runtime of their own as
/// in `server::spawn_listener`; the caller is the driver.
fn share_thread(feed: &Arc<Feed>, cursors: Vec<Cursor>) -> std::thread::JoinHandle<Vec<Got>> {
    let feed = Arc::clone(feed);
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            tokio::spawn(feed.pace());
            let readers: Vec<_> = cursors
                .into_iter()
                .map(|c| tokio::spawn(read_all(c)))
                .collect();
            let mut all = Vec::new();
            for r in readers {
                all.push(r.await.unwrap());
            }
            all
        })
    })
}

/// The run's cost must not grow with its watchers: with one watcher or twenty, the driver
/// appends each record once and wakes the share thread at most once a frame, and each
/// watcher is written at most once a frame — and still gets every record, once, in order.
#[test]
fn the_drivers_work_per_record_is_the_same_for_one_watcher_or_twenty() {
    const RECORDS: usize = 400;
    for watchers in [1, 20] {
        let feed = Feed::new();
        let (cursors, gone): (Vec<_>, Vec<_>) = (0..watchers).map(|_| feed.subscribe()).unzip();
        let share = share_thread(&feed, cursors);
        let started = Instant::now();
        for n in 0..RECORDS {
            feed.record(record(n));
            if n % 2 == 0 {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        feed.end(Bytes::from_static(b"end"));
        let took = started.elapsed();
        let got = share.join().unwrap();
        for g in gone {
            assert!(
                g.blocking_recv().is_err(),
                "every watcher let go at the end"
            );
        }
        let frames = (took.as_millis() / FRAME.as_millis()) as u64 + 2;
        let (stored, woke) = feed.driver_work();
        assert_eq!(
            stored, RECORDS as u64,
            "{watchers} watchers: one append a record"
        );
        assert!(
            woke <= frames,
            "{watchers} watchers: the driver woke the share thread {woke} times in {took:?} ({frames} frames)"
        );
        let want: Vec<Bytes> = (0..RECORDS)
            .map(record)
            .chain([Bytes::from_static(b"end")])
            .collect();
        for (i, g) in got.iter().enumerate() {
            assert_eq!(g.last, Some(Next::End), "watcher {i}");
            assert!(
                g.frames == want,
                "watcher {i} of {watchers}: not every record once, in order"
            );
            // One write a frame, the end's own, and one more if a frame held over a BATCH.
            assert!(
                g.writes as u64 <= frames + 2,
                "watcher {i} of {watchers}: {} writes in {took:?} ({frames} frames)",
                g.writes
            );
        }
    }
}

/// A watcher joining while records arrive — between an append and the frame that announces
/// it, or mid-frame — gets, after the records so far (its replay, read where it joined),
/// every later record exactly once: no gap, no overlap.
#[test]
fn a_watcher_joining_while_records_arrive_misses_nothing_and_gets_nothing_twice() {
    const RECORDS: usize = 300;
    let feed = Feed::new();
    let (first, _gone) = feed.subscribe();
    let (joins_tx, joins_rx) = std::sync::mpsc::channel::<(Vec<Bytes>, Cursor)>();
    let pacer = Arc::clone(&feed);
    let share = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            tokio::spawn(pacer.pace());
            let mut readers = vec![tokio::spawn(
                async move { (Vec::new(), read_all(first).await) },
            )];
            loop {
                match joins_rx.try_recv() {
                    Ok((replay, cursor)) => {
                        readers.push(tokio::spawn(
                            async move { (replay, read_all(cursor).await) },
                        ))
                    }
                    Err(std::sync::mpsc::TryRecvError::Empty) => {
                        tokio::time::sleep(Duration::from_micros(300)).await
                    }
                    Err(std::sync::mpsc::TryRecvError::Disconnected) => break,
                }
            }
            let mut all = Vec::new();
            for r in readers {
                all.push(r.await.unwrap());
            }
            all
        })
    });
    // The driver: the journal so far is the replay a joiner gets; it joins between two
    // appends, as `Hub::admit` does in the driver's loop.
    let mut journal = Vec::new();
    let mut gone = Vec::new();
    for n in 0..RECORDS {
        feed.record(record(n));
        journal.push(record(n));
        if n % 7 == 3 {
            let (cursor, g) = feed.subscribe();
            gone.push(g);
            joins_tx.send((journal.clone(), cursor)).unwrap();
        }
        if n % 5 == 0 {
            std::thread::sleep(Duration::from_micros(700));
        }
    }
    drop(joins_tx);
    // Let the share thread take the last joiners before the end.
    std::thread::sleep(Duration::from_millis(20));
    feed.end(Bytes::from_static(b"end"));
    let all = share.join().unwrap();
    assert_eq!(all.len(), 1 + RECORDS.div_ceil(7));
    let want: Vec<Bytes> = (0..RECORDS)
        .map(record)
        .chain([Bytes::from_static(b"end")])
        .collect();
    for (i, (replay, got)) in all.into_iter().enumerate() {
        let seen: Vec<Bytes> = replay.into_iter().chain(got.frames).collect();
        assert!(seen == want, "watcher {i}: {seen:?}");
    }
}

/// Everything a watcher can take now: reads until three frames pass with nothing new.
async fn taken(c: &mut Cursor) -> (Vec<Bytes>, Option<Next>) {
    let mut frames = Vec::new();
    loop {
        match tokio::time::timeout(FRAME * 3, c.next(&mut frames)).await {
            Ok(Next::Frames) => continue,
            Ok(other) => return (frames, Some(other)),
            Err(_) => return (frames, None),
        }
    }
}

fn records(frames: &[Bytes]) -> Vec<Bytes> {
    frames
        .iter()
        .filter(|f| f.starts_with(b"record"))
        .cloned()
        .collect()
}

/// Bounded memory: a watcher that stops reading is cut off once a record it has not sent
/// would have to be kept past [`WATCHER_QUEUE`]; a flood of output never cuts anyone off
/// (output is best effort: the oldest goes) and never pushes out a record.
#[tokio::test]
async fn a_watcher_too_far_behind_is_cut_off_and_output_never_costs_a_record() {
    let feed = Feed::new();
    tokio::spawn(Arc::clone(&feed).pace());
    let (mut at_limit, _g1) = feed.subscribe();
    let (mut past_limit, _g2) = feed.subscribe();
    feed.record(record(0));
    for n in 0..10 * OUTPUT_KEPT {
        feed.output(0, out(n));
    }
    for n in 1..WATCHER_QUEUE {
        feed.record(record(n));
    }
    {
        let s = feed.lock();
        assert_eq!(s.output.len(), OUTPUT_KEPT, "the oldest output went");
        assert!(s.output_bytes <= OUTPUT_BYTES);
    }
    let (got, end) = taken(&mut at_limit).await;
    assert_eq!(end, None);
    let want: Vec<Bytes> = (0..WATCHER_QUEUE).map(record).collect();
    assert!(
        records(&got) == want,
        "every record, in order, through the flood"
    );
    // The output it could not be sent is said where it is missing, never skipped silently.
    assert_eq!(got.len(), WATCHER_QUEUE + OUTPUT_KEPT + 1);
    match ServerMsg::from_frame(&got[1][4..]) {
        Ok(ServerMsg::Output { text, .. }) => {
            assert!(
                text.starts_with("… ") && text.contains("fell behind"),
                "{text}"
            )
        }
        other => panic!("a note where output was skipped, got {other:?}"),
    }
    assert_eq!(
        got[2],
        out(9 * OUTPUT_KEPT),
        "the newest output kept, in its place"
    );
    // One record more than is kept for a watcher that has read nothing.
    feed.record(record(WATCHER_QUEUE));
    assert_eq!(taken(&mut past_limit).await.1, Some(Next::Behind));
    let (got, end) = taken(&mut at_limit).await;
    assert_eq!(
        (got, end),
        (vec![record(WATCHER_QUEUE)], None),
        "the reader is fine"
    );
    feed.end(Bytes::from_static(b"end"));
    let (got, end) = taken(&mut at_limit).await;
    assert_eq!(
        (got, end),
        (vec![Bytes::from_static(b"end")], Some(Next::End))
    );
}

/// The note where output went missing names the step whose output it was, not the step
/// whose output pushed it out: a watcher behind through step 1's flood is told step 1's
/// output was skipped, even though step 2's first line is what pushed the last of it out.
#[tokio::test]
async fn output_skipped_is_said_of_the_step_it_was_of() {
    let feed = Feed::new();
    tokio::spawn(Arc::clone(&feed).pace());
    let (mut behind, _g) = feed.subscribe();
    for n in 0..OUTPUT_KEPT + 1 {
        feed.output(1, out(n));
    }
    feed.record(record(0));
    feed.output(2, out(OUTPUT_KEPT + 1));
    let (got, _) = taken(&mut behind).await;
    let notes: Vec<usize> = got
        .iter()
        .filter_map(|f| match ServerMsg::from_frame(&f[4..]) {
            Ok(ServerMsg::Output { step, text, .. }) if text.contains("fell behind") => Some(step),
            _ => None,
        })
        .collect();
    assert_eq!(notes, vec![1], "one note, of step 1");
}

/// What a watcher's connection got, with when each write went out.
async fn read_timed(mut cursor: Cursor) -> (Vec<Bytes>, Vec<(Instant, usize)>) {
    let (mut frames, mut writes, mut batch) = (Vec::new(), Vec::new(), Vec::new());
    loop {
        let next = cursor.next(&mut batch).await;
        writes.push((Instant::now(), batch.len()));
        frames.append(&mut batch);
        if next != Next::Frames {
            return (frames, writes);
        }
    }
}

/// Frames that do not line up would each wake the pacer on their own boundaries: every frame
/// asked for falls on the 50 ms grid, so there are at most ten groups and one wake a frame.
#[test]
fn every_frame_asked_for_is_a_whole_number_of_frames() {
    let ms = |asked| frame_for(Some(asked)).as_millis();
    assert_eq!([ms(53), ms(59), ms(61), ms(74)], [50, 50, 50, 50]);
    assert_eq!([ms(76), ms(124), ms(149), ms(251)], [100, 100, 150, 250]);
    let groups: std::collections::BTreeSet<_> = (0..=u32::from(u16::MAX)).map(ms).collect();
    assert_eq!(groups.len(), 10, "{groups:?}");
    assert!(groups.iter().all(|g| g % 50 == 0));
}

/// Each connection is paced at the frame it asked for: a line-mode watcher at 250 ms is
/// written to at most once each 250 ms while records stream in, and a 50 ms one beside it
/// still gets its frames; the first record after a quiet spell and the end reach both at
/// once. Both get every record, once, in order.
#[test]
fn a_250_ms_watcher_is_written_to_once_its_frame_beside_a_50_ms_one() {
    let slow_frame = frame_for(Some(250));
    assert_eq!(slow_frame, Duration::from_millis(250));
    assert_eq!(frame_for(None), FRAME);
    assert_eq!(frame_for(Some(1)), FRAME, "held to the shortest frame");
    assert_eq!(frame_for(Some(u32::MAX)), MAX_FRAME, "held to the longest");
    let feed = Feed::new();
    let (mut slow, _g1) = feed.subscribe();
    let (fast, _g2) = feed.subscribe();
    slow.pace(slow_frame);
    let pacer = Arc::clone(&feed);
    let share = std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            tokio::spawn(pacer.pace());
            let slow = tokio::spawn(read_timed(slow));
            let fast = tokio::spawn(read_timed(fast));
            (slow.await.unwrap(), fast.await.unwrap())
        })
    });
    // The driver: a record every ~5 ms for 1.5 s, as a busy run journals.
    const BUSY: usize = 300;
    let started = Instant::now();
    for n in 0..BUSY {
        feed.record(record(n));
        std::thread::sleep(Duration::from_millis(5));
    }
    let busy = started.elapsed();
    // A quiet spell longer than either frame, then one record and the end.
    std::thread::sleep(MAX_FRAME + Duration::from_millis(200));
    let late = Instant::now();
    feed.record(record(BUSY));
    std::thread::sleep(Duration::from_millis(20));
    let ended = Instant::now();
    feed.end(Bytes::from_static(b"end"));
    let ((slow_got, slow_writes), (fast_got, fast_writes)) = share.join().unwrap();

    let want: Vec<Bytes> = (0..=BUSY)
        .map(record)
        .chain([Bytes::from_static(b"end")])
        .collect();
    assert!(
        slow_got == want,
        "the 250 ms watcher: every record once, in order"
    );
    assert!(
        fast_got == want,
        "the 50 ms watcher: every record once, in order"
    );

    let during = |writes: &[(Instant, usize)]| {
        writes
            .iter()
            .filter(|(at, _)| *at < started + busy + Duration::from_millis(5))
            .count() as u128
    };
    let (slow_busy, fast_busy) = (during(&slow_writes), during(&fast_writes));
    // One write a frame, and the first one at once.
    let slow_frames = busy.as_millis() / slow_frame.as_millis() + 2;
    assert!(
        slow_busy <= slow_frames,
        "the 250 ms watcher was written to {slow_busy} times in {busy:?} ({slow_frames} of its frames)"
    );
    let fast_frames = busy.as_millis() / FRAME.as_millis();
    assert!(
        fast_busy >= fast_frames / 3 && fast_busy > 2 * slow_busy,
        "the 50 ms watcher was written to {fast_busy} times in {busy:?} ({fast_frames} frames), the 250 ms one {slow_busy}"
    );

    // After the quiet spell: the late record, then the end, each at once to both.
    for (who, writes) in [("250 ms", &slow_writes), ("50 ms", &fast_writes)] {
        let [.., (got_late, 1), (got_end, 1)] = writes.as_slice() else {
            panic!("{who}: the late record and the end, one write each: {writes:?}");
        };
        assert!(
            got_late.duration_since(late) < Duration::from_millis(150),
            "{who}: the first record after a quiet spell waited {:?}",
            got_late.duration_since(late)
        );
        assert!(
            got_end.duration_since(ended) < Duration::from_millis(150),
            "{who}: the end waited {:?}",
            got_end.duration_since(ended)
        );
    }
}
