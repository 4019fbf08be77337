package io.cachet.internal.write;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.AsynchronousFileChannel;
import java.nio.channels.CompletionHandler;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;
import reactor.core.Disposable;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.core.publisher.MonoSink;
import reactor.core.scheduler.Scheduler;

/**
 * Streams a body into a part file: copies each chunk into a few large direct buffers, writes each
 * full buffer positionally through an {@link AsynchronousFileChannel}, and hashes it once written.
 *
 * <p>Design:
 *
 * <ul>
 *   <li><b>One copy.</b> A chunk is copied once, into the buffer being filled, during {@code
 *       onNext}; after that the origin may recycle it (the SPI contract). Writes are a buffer at a
 *       time ({@code bufferSize}, 512 KiB by default) instead of one per 8 KiB network chunk.
 *   <li><b>Order.</b> At most one write is in flight; short writes are continued at the right
 *       offset. The digest is updated after each buffer lands, in stream order, so at any moment
 *       {@link #position()} bytes are on disk and exactly those bytes are in the digest: an
 *       interrupted attempt resumes from there without re-reading the file.
 *   <li><b>Backpressure.</b> Demand is counted in bytes: more chunks are requested only while the
 *       bytes not yet written, plus the largest chunk seen times the outstanding demand, fit in
 *       {@code maxBuffers * bufferSize}. A slow disk therefore stops the origin.
 *   <li><b>Limits.</b> A chunk that would take the artifact past {@code limit} cancels the body at
 *       once ({@link Overflow}). A watchdog on the timer fails the attempt with {@link Stalled}
 *       when no bytes arrive for {@code idleTimeout} while data is wanted, or when less than
 *       {@code minBytesPerSecond} arrives over a whole {@code window} of wanting data.
 * </ul>
 *
 * <p>Concurrency: the upstream signals {@code onNext}/{@code onComplete}/{@code onError} serially
 * on its own thread, and only that thread touches {@link #filling} and {@link #accepted}. Write
 * completions arrive on the channel's executor. Everything they share is guarded by {@code this};
 * sections only update fields, and no callback or signal runs while the monitor is held.
 */
public final class StreamingWriter {

  /** Told after every buffer that reached the file. */
  public interface Listener {
    void written(long position);
  }

  private final AsynchronousFileChannel channel;
  private final MessageDigest digest;
  private final long limit;
  private final BufferPool pool;
  private final int bufferSize;
  private final long budget;
  private final Listener listener;
  private final Scheduler timer;
  private final Duration idleTimeout;
  private final long minBytesPerSecond;
  private final Duration window;

  private volatile long position;

  /**
   * @param position where the body starts in the file; {@code digest} already holds the bytes
   *     before it
   * @param limit the largest size the file may reach
   */
  public StreamingWriter(
      AsynchronousFileChannel channel,
      long position,
      MessageDigest digest,
      long limit,
      BufferPool pool,
      int bufferSize,
      int maxBuffers,
      Listener listener,
      Scheduler timer,
      Duration idleTimeout,
      long minBytesPerSecond,
      Duration window) {
    this.channel = channel;
    this.position = position;
    this.digest = digest;
    this.limit = limit;
    this.pool = pool;
    this.bufferSize = bufferSize;
    this.budget = (long) bufferSize * maxBuffers;
    this.listener = listener;
    this.timer = timer;
    this.idleTimeout = idleTimeout;
    this.minBytesPerSecond = minBytesPerSecond;
    this.window = window;
  }

  /** Bytes on disk and in the digest: where the next attempt may resume. */
  public long position() {
    return position;
  }

  /**
   * Writes {@code body} from {@link #position()}; completes with the final position once every
   * byte is written and hashed. Fails with the body's error, {@link WriteFailed}, {@link Overflow}
   * or {@link Stalled}, always after the write in flight (if any) has finished. Call once.
   */
  public Mono<Long> write(Flux<ByteBuffer> body) {
    return Mono.create(
        sink -> {
          Run run = new Run(sink);
          sink.onCancel(() -> run.fail(new CancellationException("download cancelled")));
          body.subscribe(run);
        });
  }

  /** The disk refused a write. */
  public static final class WriteFailed extends RuntimeException {
    private static final long serialVersionUID = 1L;

    WriteFailed(IOException cause) {
      super(cause.getMessage(), cause);
    }

    public IOException io() {
      return (IOException) getCause();
    }
  }

  /** The body went past the limit and was cut off. */
  public static final class Overflow extends RuntimeException {
    private static final long serialVersionUID = 1L;
    private final long limit;
    private final long reached;

    Overflow(long limit, long reached) {
      super("body exceeds " + limit + " bytes (would reach " + reached + ")", null, false, false);
      this.limit = limit;
      this.reached = reached;
    }

    public long limit() {
      return limit;
    }

    public long reached() {
      return reached;
    }
  }

  /** The origin stopped sending, or sends too slowly; the attempt may be retried. */
  public static final class Stalled extends RuntimeException {
    private static final long serialVersionUID = 1L;

    Stalled(String reason) {
      super(reason, null, false, false);
    }
  }

  private final class Run implements CoreSubscriber<ByteBuffer>, CompletionHandler<Integer, ByteBuffer> {
    private final MonoSink<Long> result;
    private @Nullable Subscription upstream;
    private @Nullable Disposable watchdog;

    // Only the upstream's signalling thread touches these two.
    private @Nullable ByteBuffer filling;
    private long accepted = position;

    // Guarded by this.
    private final ArrayDeque<ByteBuffer> ready = new ArrayDeque<>();
    private boolean writing;
    private long buffered;
    private long outstanding;
    private long largestChunk = 16 * 1024;
    private boolean upstreamDone;
    private @Nullable Throwable failure; // Hard: what is buffered is dropped.
    private @Nullable Throwable interruption; // Soft: what arrived is written first.
    private boolean terminated;

    // Written by the upstream thread, read by the watchdog.
    private volatile long received;

    // Only the watchdog touches these.
    private long lastReceived = -1;
    private long idleSinceNanos;
    private long windowStartNanos;
    private long windowStartBytes;

    Run(MonoSink<Long> result) {
      this.result = result;
    }

    @Override
    public void onSubscribe(Subscription s) {
      upstream = s;
      startWatchdog();
      requestMore();
    }

    @Override
    public void onNext(ByteBuffer chunk) {
      int n = chunk.remaining();
      synchronized (this) {
        if (terminated || failure != null || interruption != null) {
          return;
        }
        outstanding--;
        largestChunk = Math.max(largestChunk, n);
      }
      if (accepted + n > limit) {
        fail(new Overflow(limit, accepted + n));
        return;
      }
      accepted += n;
      received += n;
      List<ByteBuffer> full = null;
      while (chunk.hasRemaining()) {
        ByteBuffer target = filling;
        if (target == null) {
          target = pool.acquire(bufferSize);
          filling = target;
        }
        int take = Math.min(target.remaining(), chunk.remaining());
        int end = chunk.limit();
        chunk.limit(chunk.position() + take);
        target.put(chunk);
        chunk.limit(end);
        if (!target.hasRemaining()) {
          if (full == null) {
            full = new ArrayList<>(2);
          }
          full.add(target.flip());
          filling = null;
        }
      }
      synchronized (this) {
        buffered += n;
        if (full != null) {
          ready.addAll(full);
        }
      }
      drain();
      requestMore();
    }

    @Override
    public void onComplete() {
      ByteBuffer last = filling;
      filling = null;
      synchronized (this) {
        if (last != null && last.position() > 0) {
          ready.add(last.flip());
          last = null;
        }
        upstreamDone = true;
      }
      if (last != null) {
        pool.release(last);
      }
      drain();
    }

    @Override
    public void onError(Throwable t) {
      interrupt(t, true);
    }

    /**
     * The transfer broke, or stalled: the bytes that did arrive are still written, so that a
     * resume loses as few as possible, and then the attempt fails with {@code t}. From the
     * watchdog, the buffer being filled belongs to the upstream thread and is left alone.
     */
    void interrupt(Throwable t, boolean fromUpstream) {
      boolean cancel;
      synchronized (this) {
        if (terminated || failure != null || interruption != null) {
          return;
        }
        interruption = t;
        cancel = !fromUpstream && !upstreamDone;
        upstreamDone = true;
      }
      if (fromUpstream) {
        ByteBuffer last = filling;
        filling = null;
        if (last != null && last.position() > 0) {
          synchronized (this) {
            ready.add(last.flip());
          }
        } else if (last != null) {
          pool.release(last);
        }
      } else if (cancel && upstream != null) {
        upstream.cancel();
      }
      drain();
    }

    void fail(Throwable t) {
      boolean cancel;
      synchronized (this) {
        if (terminated || failure != null) {
          return;
        }
        failure = t;
        cancel = !upstreamDone;
        upstreamDone = true;
      }
      if (cancel && upstream != null) {
        upstream.cancel();
      }
      drain();
    }

    /** Starts the next write, or terminates once nothing is in flight. */
    private void drain() {
      ByteBuffer next;
      List<ByteBuffer> discard = null;
      Throwable error = null;
      boolean finished = false;
      synchronized (this) {
        if (terminated || writing) {
          return;
        }
        next = null;
        if (failure != null) {
          terminated = true;
          error = failure;
          discard = new ArrayList<>(ready);
          ready.clear();
        } else if (!ready.isEmpty()) {
          next = ready.poll();
          writing = true;
        } else if (upstreamDone) {
          terminated = true;
          finished = interruption == null;
          error = interruption;
        } else {
          return;
        }
      }
      if (next != null) {
        startWrite(next, position);
        return;
      }
      stopWatchdog();
      if (discard != null) {
        discard.forEach(pool::release);
      }
      if (finished) {
        result.success(position);
      } else {
        result.error(error);
      }
    }

    private void startWrite(ByteBuffer buffer, long at) {
      try {
        channel.write(buffer, at, buffer, this);
      } catch (RuntimeException e) {
        failed(e, buffer);
      }
    }

    @Override
    public void completed(Integer written, ByteBuffer buffer) {
      if (buffer.hasRemaining()) {
        // A short write: continue where it stopped.
        startWrite(buffer, position + buffer.position());
        return;
      }
      int length = buffer.limit();
      buffer.rewind();
      digest.update(buffer);
      long now = position + length;
      position = now;
      pool.release(buffer);
      synchronized (this) {
        writing = false;
        buffered -= length;
      }
      listener.written(now);
      drain();
      requestMore();
    }

    @Override
    public void failed(Throwable t, ByteBuffer buffer) {
      pool.release(buffer);
      synchronized (this) {
        writing = false;
        buffered -= buffer.limit();
      }
      fail(t instanceof IOException io ? new WriteFailed(io) : t);
    }

    private void requestMore() {
      long n;
      synchronized (this) {
        if (terminated || failure != null || upstreamDone) {
          return;
        }
        long room = budget - buffered - outstanding * largestChunk;
        n = room / largestChunk;
        if (n <= 0 && outstanding == 0 && buffered < budget) {
          n = 1; // Buffers smaller than the chunk guess (a small artifact): one at a time, never none.
        }
        long batch = Math.max(1, budget / largestChunk / 4);
        if (n <= 0 || (outstanding > 0 && n < batch)) {
          return;
        }
        outstanding += n;
      }
      Subscription s = upstream;
      if (s != null) {
        s.request(n);
      }
    }

    // ---- the watchdog: idle and minimum-throughput checks on the timer ----

    private void startWatchdog() {
      long period = Math.max(1, Math.min(idleTimeout.toMillis(), window.toMillis()) / 4);
      long now = timer.now(TimeUnit.NANOSECONDS);
      idleSinceNanos = now;
      windowStartNanos = now;
      watchdog = timer.schedulePeriodically(this::check, period, period, TimeUnit.MILLISECONDS);
    }

    private void stopWatchdog() {
      Disposable w = watchdog;
      if (w != null) {
        w.dispose();
      }
    }

    private void check() {
      long now = timer.now(TimeUnit.NANOSECONDS);
      long bytes = received;
      boolean wanting;
      synchronized (this) {
        if (terminated) {
          return;
        }
        wanting = outstanding > 0 && !upstreamDone;
      }
      if (bytes != lastReceived || !wanting) {
        lastReceived = bytes;
        idleSinceNanos = now;
      } else if (now - idleSinceNanos >= idleTimeout.toNanos()) {
        interrupt(new Stalled("no bytes arrived for " + idleTimeout.toMillis() + " ms"), false);
        return;
      }
      if (!wanting || minBytesPerSecond == 0) {
        windowStartNanos = now;
        windowStartBytes = bytes;
      } else if (now - windowStartNanos >= window.toNanos()) {
        double seconds = (now - windowStartNanos) / 1e9;
        long rate = (long) ((bytes - windowStartBytes) / seconds);
        if (rate < minBytesPerSecond) {
          interrupt(new Stalled("only " + rate + " bytes/s arrived over " + window.toMillis()
              + " ms, below the minimum of " + minBytesPerSecond + " bytes/s"), false);
          return;
        }
        windowStartNanos = now;
        windowStartBytes = bytes;
      }
    }
  }
}
