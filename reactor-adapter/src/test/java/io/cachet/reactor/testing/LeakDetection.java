package io.cachet.reactor.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * Turns Netty's leak reports into test failures. The build runs tests with {@code
 * -Dio.netty.leakDetection.level=paranoid}, so every buffer is tracked; Netty notices a leak when
 * a buffer that was never released is garbage collected, and reports it on a later allocation.
 * {@link #assertNoLeaks()} provokes both (a GC, then allocations) and fails with Netty's access
 * records if anything leaked, in this test or, when the collector was late, in an earlier one.
 */
public final class LeakDetection {
  private static final ConcurrentLinkedQueue<String> LEAKS = new ConcurrentLinkedQueue<>();
  private static volatile boolean installed;

  private LeakDetection() {}

  /** Listens to the detector of every {@link ByteBuf}; idempotent. */
  public static synchronized void install() {
    if (installed) {
      return;
    }
    try {
      Class<?> type = Class.forName("io.netty.buffer.AbstractByteBuf");
      Field field = type.getDeclaredField("leakDetector");
      field.setAccessible(true);
      ResourceLeakDetector<?> detector = (ResourceLeakDetector<?>) field.get(null);
      detector.setLeakListener((resourceType, records) -> LEAKS.add(resourceType + " leaked:\n" + records));
    } catch (ReflectiveOperationException | RuntimeException e) {
      throw new IllegalStateException("cannot listen to Netty's leak detector", e);
    }
    installed = true;
  }

  /** The level the tests run with; paranoid in the build. */
  public static ResourceLeakDetector.Level level() {
    return ResourceLeakDetector.getLevel();
  }

  /**
   * Collects garbage, lets Netty report what leaked, and fails if anything did.
   *
   * @throws AssertionError naming each leak and where the buffer was last touched
   */
  public static void assertNoLeaks() {
    install();
    for (int round = 0; round < 3; round++) {
      System.gc();
      for (ByteBufAllocator allocator :
          List.of(PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT)) {
        for (int i = 0; i < 4; i++) {
          allocator.buffer(8).release();
          allocator.directBuffer(8).release();
        }
      }
    }
    List<String> leaks = new ArrayList<>();
    String leak;
    while ((leak = LEAKS.poll()) != null) {
      leaks.add(leak);
    }
    if (!leaks.isEmpty()) {
      throw new AssertionError("Netty reported " + leaks.size() + " leaked buffer(s):\n" + String.join("\n", leaks));
    }
  }
}
