//! The share protocol's framing (described at the top of `protocol.rs`): a 4-byte
//! big-endian length, then that many bytes of JSON. Reading goes through
//! `tokio_util::codec`, whose `FramedRead` keeps a half-read frame in its buffer, so waiting
//! for the next frame inside a `select!` loses nothing when another branch wins.

use std::io::IoSlice;
use std::marker::PhantomData;

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use serde::Serialize;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio_util::codec::{Decoder, Encoder, FramedRead, LengthDelimitedCodec};

use super::protocol::{FrameError, Message};

const HEAD: usize = 4;

/// Decodes frames of at most `cap` bytes into messages of type `T`.
pub struct Frames<T> {
    inner: LengthDelimitedCodec,
    cap: usize,
    /// Whether the codec has taken a frame's length and waits for its body.
    mid: bool,
    _msg: PhantomData<fn() -> T>,
}

impl<T> Frames<T> {
    pub fn new(cap: usize) -> Frames<T> {
        Frames {
            inner: codec(cap),
            cap,
            mid: false,
            _msg: PhantomData,
        }
    }
}

fn codec(cap: usize) -> LengthDelimitedCodec {
    LengthDelimitedCodec::builder()
        .length_field_length(HEAD)
        .big_endian()
        .max_frame_length(cap)
        .new_codec()
}

impl<T: Message> Decoder for Frames<T> {
    type Item = T;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<T>, FrameError> {
        // The codec's own "frame too big" error does not say how big; the journal should.
        if !self.mid
            && let Some(&[a, b, c, d]) = src.get(..HEAD)
        {
            let len = u32::from_be_bytes([a, b, c, d]) as usize;
            if len > self.cap {
                return Err(FrameError::TooLarge(len, self.cap));
            }
            self.mid = true;
        }
        match self.inner.decode(src)? {
            Some(body) => {
                self.mid = false;
                T::from_frame(&body)
                    .map(Some)
                    .map_err(|e| FrameError::Garbage(e.to_string()))
            }
            None => Ok(None),
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<T>, FrameError> {
        match self.decode(src)? {
            Some(msg) => Ok(Some(msg)),
            None if src.is_empty() && !self.mid => Ok(None),
            // The peer went away in the middle of a frame.
            None => Err(FrameError::Closed),
        }
    }
}

/// A stream of messages read from `r`.
pub type Reader<R, T> = FramedRead<R, Frames<T>>;

pub fn reader<R: AsyncRead, T: Message>(r: R, cap: usize) -> Reader<R, T> {
    FramedRead::new(r, Frames::new(cap))
}

/// A reader that takes up to `buffer` bytes a read: a watcher gets a frame's worth of
/// records in a few reads rather than one per 8 KiB.
pub fn reader_sized<R: AsyncRead, T: Message>(r: R, cap: usize, buffer: usize) -> Reader<R, T> {
    FramedRead::with_capacity(r, Frames::new(cap), buffer)
}

/// The next message; the end of the stream is `Closed`. Cancel-safe.
pub async fn next<R: AsyncRead + Unpin, T: Message>(r: &mut Reader<R, T>) -> Result<T, FrameError> {
    r.next().await.unwrap_or(Err(FrameError::Closed))
}

/// One message as frame bytes, encoded once however many peers it goes to.
pub fn encode<T: Serialize>(msg: &T) -> Result<Bytes, FrameError> {
    let body = serde_json::to_vec(msg).map_err(|e| FrameError::Garbage(e.to_string()))?;
    let len = body.len();
    let mut out = BytesMut::with_capacity(HEAD + len);
    // The receiver enforces its own cap; the sender only needs the length to fit.
    codec(u32::MAX as usize)
        .encode(Bytes::from(body), &mut out)
        .map_err(|_| FrameError::TooLarge(len, u32::MAX as usize))?;
    Ok(out.freeze())
}

/// A journal line as its frame (protocol 2): the line's own bytes are the body.
pub fn record(line: &str) -> Result<Bytes, FrameError> {
    let len = u32::try_from(line.len())
        .map_err(|_| FrameError::TooLarge(line.len(), u32::MAX as usize))?;
    let mut out = BytesMut::with_capacity(HEAD + line.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(line.as_bytes());
    Ok(out.freeze())
}

pub async fn write<W: AsyncWrite + Unpin, T: Serialize>(
    w: &mut W,
    msg: &T,
) -> Result<(), FrameError> {
    w.write_all(&encode(msg)?).await?;
    Ok(())
}

/// Writes frames that are already encoded, as few system calls as the kernel allows and no
/// copy: the same bytes may be on their way to every watcher.
pub async fn write_all<W: AsyncWrite + Unpin>(
    w: &mut W,
    frames: &mut Vec<Bytes>,
) -> std::io::Result<()> {
    let mut first = 0;
    while first < frames.len() {
        let slices: Vec<IoSlice<'_>> = frames[first..].iter().map(|f| IoSlice::new(f)).collect();
        let mut n = w.write_vectored(&slices).await?;
        if n == 0 {
            return Err(std::io::ErrorKind::WriteZero.into());
        }
        while n > 0 {
            let f = &mut frames[first];
            let took = n.min(f.len());
            let _ = f.split_to(took);
            n -= took;
            if f.is_empty() {
                first += 1;
            }
        }
        while frames.get(first).is_some_and(Bytes::is_empty) {
            first += 1;
        }
    }
    frames.clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_frame_read_in_pieces_arrives_whole_and_bad_lengths_say_how_big() {
        let (mut a, b) = tokio::io::duplex(1 << 16);
        let mut r = reader::<_, serde_json::Value>(b, 64);
        let frame = encode(&serde_json::json!({"type": "note", "text": "hi"})).unwrap();
        // A frame trickling in byte by byte, the wait for it given up after each one.
        let (last, most) = frame.split_last().unwrap();
        for byte in most {
            a.write_all(&[*byte]).await.unwrap();
            let waited = tokio::time::timeout(std::time::Duration::from_millis(1), next(&mut r));
            assert!(waited.await.is_err(), "no frame is complete yet");
        }
        a.write_all(&[*last]).await.unwrap();
        assert_eq!(next(&mut r).await.unwrap()["text"], "hi");
        a.write_all(&[0x7f, 0xff, 0xff, 0xff]).await.unwrap();
        assert!(matches!(
            next(&mut r).await,
            Err(FrameError::TooLarge(0x7fff_ffff, 64))
        ));
    }

    #[tokio::test]
    async fn a_peer_gone_mid_frame_is_closed_and_vectored_writes_finish() {
        let (mut a, b) = tokio::io::duplex(8);
        let mut r = reader::<_, serde_json::Value>(b, 1 << 20);
        let frames: Vec<Bytes> = (0..50)
            .map(|i| encode(&serde_json::json!({ "n": i })).unwrap())
            .collect();
        let writer = tokio::spawn(async move {
            // A pipe of 8 bytes: every write is partial.
            write_all(&mut a, &mut frames.clone()).await.unwrap();
            a.write_all(&[0, 0, 0, 9, b'{']).await.unwrap();
        });
        for i in 0..50 {
            assert_eq!(next(&mut r).await.unwrap()["n"], i);
        }
        writer.await.unwrap();
        assert!(matches!(next(&mut r).await, Err(FrameError::Closed)));
    }
}
