//! Frames to one peer. A frame is written to the peer's pipe as soon as it is decided, in the
//! same turn of the session loop, when nothing is waiting before it; what the pipe does not
//! take at once waits, in order, for the outlet's task, which writes it when the pipe has room
//! (many frames in one `writev`) and closes the pipe at the end.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io::IoSlice;
use std::pin::Pin;
use std::rc::Rc;
use std::task::{Context, Poll, Waker};

use tokio::io::AsyncWrite;
use tokio::sync::Notify;

/// Frames an outlet holds before [`Outlet::send`] waits for the peer to read: a peer that
/// stops reading stops the relay in its direction instead of growing mcpward's memory.
const MAX_HELD_FRAMES: usize = 64;

/// Frames handed to one `writev` (two slices each: the frame and its newline).
const FRAMES_PER_WRITE: usize = 32;

struct State {
    writer: Pin<Box<dyn AsyncWrite>>,
    /// Frames not yet fully written, oldest first.
    held: VecDeque<Vec<u8>>,
    /// Bytes of the first held frame (with its newline) already written.
    written: usize,
    /// The pipe failed (the peer is gone): frames are dropped.
    failed: bool,
    /// No more frames will come: the task writes what is held, then shuts the pipe.
    closing: bool,
    /// The task, waiting for frames.
    task: Option<Waker>,
    /// A write found the pipe full: the task is (or is about to be) registered for its room,
    /// so nothing else may poll the pipe.
    blocked: bool,
}

impl State {
    /// Writes held frames until none is left (`Ready`) or the pipe is full (`Pending`, with
    /// `cx` registered for its room).
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<()> {
        while !self.held.is_empty() {
            let result = {
                let mut bufs = [IoSlice::new(&[]); 2 * FRAMES_PER_WRITE];
                let mut n = 0;
                for (i, frame) in self.held.iter().take(FRAMES_PER_WRITE).enumerate() {
                    let from = if i == 0 { self.written } else { 0 };
                    if let Some(rest) = frame.get(from..).filter(|r| !r.is_empty()) {
                        bufs[n] = IoSlice::new(rest);
                        n += 1;
                    }
                    bufs[n] = IoSlice::new(b"\n");
                    n += 1;
                }
                self.writer.as_mut().poll_write_vectored(cx, &bufs[..n])
            };
            match result {
                Poll::Pending => {
                    self.blocked = true;
                    return Poll::Pending;
                }
                Poll::Ready(Ok(0) | Err(_)) => {
                    self.failed = true;
                    self.held.clear();
                    self.written = 0;
                }
                Poll::Ready(Ok(mut n)) => {
                    while let Some(front) = self.held.front() {
                        let left = front.len() + 1 - self.written;
                        if n < left {
                            self.written += n;
                            break;
                        }
                        n -= left;
                        self.written = 0;
                        self.held.pop_front();
                    }
                }
            }
        }
        self.blocked = false;
        Poll::Ready(())
    }

    /// Writes what is held now, from the session, unless the task is waiting for the pipe's
    /// room; a pipe found full leaves the rest to the task, which registers for its room.
    fn write_now(&mut self) {
        if self.blocked {
            // The task is registered for the pipe's room: it writes this frame after the
            // ones before it.
            return;
        }
        let mut cx = Context::from_waker(Waker::noop());
        if self.poll_drain(&mut cx).is_pending()
            && let Some(task) = self.task.take()
        {
            task.wake();
        }
    }
}

/// The sending side, owned by the session. Dropping it closes the pipe once everything held
/// is written.
pub(super) struct Outlet {
    state: Rc<RefCell<State>>,
    drained: Rc<Notify>,
}

/// Starts the outlet's task on the current `LocalSet`; awaiting the handle waits until every
/// frame sent before the [`Outlet`] was dropped is written (or the pipe failed) and the pipe
/// is shut.
pub(super) fn start<W: AsyncWrite + 'static>(writer: W) -> (Outlet, tokio::task::JoinHandle<()>) {
    let state = Rc::new(RefCell::new(State {
        writer: Box::pin(writer),
        held: VecDeque::new(),
        written: 0,
        failed: false,
        closing: false,
        task: None,
        blocked: false,
    }));
    let drained = Rc::new(Notify::new());
    let task = tokio::task::spawn_local(run(state.clone(), drained.clone()));
    (Outlet { state, drained }, task)
}

async fn run(state: Rc<RefCell<State>>, drained: Rc<Notify>) {
    std::future::poll_fn(|cx| {
        let mut st = state.borrow_mut();
        let before = st.held.len();
        let done = st.poll_drain(cx);
        if st.held.len() < before && (st.failed || st.held.len() <= MAX_HELD_FRAMES) {
            drained.notify_one();
        }
        match done {
            Poll::Ready(()) if st.closing || st.failed => Poll::Ready(()),
            _ => {
                st.task = Some(cx.waker().clone());
                Poll::Pending
            }
        }
    })
    .await;
    let failed = state.borrow().failed;
    if !failed {
        let _ =
            std::future::poll_fn(|cx| state.borrow_mut().writer.as_mut().poll_shutdown(cx)).await;
    }
}

impl Outlet {
    /// Sends one frame (without its newline). Written before this returns when the pipe takes
    /// it and nothing is held; otherwise held for the task. Waits while the peer is
    /// [`MAX_HELD_FRAMES`] behind. A frame for a peer that is gone is dropped.
    pub(super) async fn send(&self, frame: Vec<u8>) {
        {
            let mut st = self.state.borrow_mut();
            if st.failed || st.closing {
                return;
            }
            st.held.push_back(frame);
            st.write_now();
        }
        loop {
            {
                let st = self.state.borrow();
                if st.failed || st.held.len() <= MAX_HELD_FRAMES {
                    return;
                }
            }
            self.drained.notified().await;
        }
    }
}

impl Drop for Outlet {
    fn drop(&mut self) {
        let mut st = self.state.borrow_mut();
        st.closing = true;
        if let Some(task) = st.task.take() {
            task.wake();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncReadExt;

    fn frames(n: usize) -> Vec<Vec<u8>> {
        (0..n)
            .map(|i| format!("{{\"frame\":{i},\"pad\":\"{}\"}}", "x".repeat(i % 37)).into_bytes())
            .collect()
    }

    fn lines(frames: &[Vec<u8>]) -> Vec<u8> {
        frames
            .iter()
            .flat_map(|f| f.iter().copied().chain(Some(b'\n')))
            .collect()
    }

    async fn local<F: std::future::Future>(f: F) -> F::Output {
        tokio::task::LocalSet::new().run_until(f).await
    }

    #[tokio::test]
    async fn frames_arrive_whole_and_in_order_through_a_pipe_smaller_than_a_frame() {
        local(async {
            let (writer, mut reader) = tokio::io::duplex(7);
            let (outlet, task) = start(writer);
            let sent = frames(200);
            let expected = lines(&sent);
            let reading = tokio::task::spawn_local(async move {
                let mut got = Vec::new();
                reader.read_to_end(&mut got).await.map(|_| got)
            });
            for frame in sent {
                outlet.send(frame).await;
            }
            drop(outlet);
            task.await.expect("outlet task");
            assert_eq!(reading.await.expect("reader").expect("read"), expected);
        })
        .await;
    }

    #[tokio::test]
    async fn a_peer_that_stops_reading_holds_the_sender_back_and_loses_nothing() {
        local(async {
            let (writer, mut reader) = tokio::io::duplex(16);
            let (outlet, task) = start(writer);
            let outlet = Rc::new(outlet);
            let sent = frames(MAX_HELD_FRAMES + 10);
            let expected = lines(&sent);
            let done = Rc::new(std::cell::Cell::new(0));
            let sender = {
                let (outlet, done) = (outlet.clone(), done.clone());
                tokio::task::spawn_local(async move {
                    for frame in sent {
                        outlet.send(frame).await;
                        done.set(done.get() + 1);
                    }
                })
            };
            for _ in 0..100 {
                tokio::task::yield_now().await;
            }
            // The first frame is partly in the pipe; 64 are held; the 65th waits for room.
            assert_eq!(done.get(), MAX_HELD_FRAMES);
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            while got.len() < expected.len() {
                let n = reader.read(&mut buf).await.expect("read");
                assert!(n > 0, "pipe closed early");
                got.extend_from_slice(&buf[..n]);
            }
            sender.await.expect("sender");
            assert_eq!(done.get(), MAX_HELD_FRAMES + 10);
            assert_eq!(got, expected);
            drop(Rc::into_inner(outlet));
            task.await.expect("outlet task");
        })
        .await;
    }

    #[tokio::test]
    async fn frames_for_a_peer_that_is_gone_are_dropped_without_waiting() {
        local(async {
            let (writer, reader) = tokio::io::duplex(16);
            drop(reader);
            let (outlet, task) = start(writer);
            for frame in frames(MAX_HELD_FRAMES * 3) {
                outlet.send(frame).await;
            }
            assert!(outlet.state.borrow().failed);
            assert!(outlet.state.borrow().held.is_empty());
            drop(outlet);
            task.await.expect("outlet task");
        })
        .await;
    }

    #[tokio::test]
    async fn closing_writes_what_is_held_before_the_peer_sees_the_end() {
        local(async {
            let (writer, mut reader) = tokio::io::duplex(8);
            let (outlet, task) = start(writer);
            let sent = frames(20);
            let expected = lines(&sent);
            for frame in sent {
                outlet.send(frame).await;
            }
            assert!(!outlet.state.borrow().held.is_empty());
            drop(outlet);
            let mut got = Vec::new();
            reader.read_to_end(&mut got).await.expect("read to the end");
            assert_eq!(got, expected);
            task.await.expect("outlet task");
        })
        .await;
    }
}
