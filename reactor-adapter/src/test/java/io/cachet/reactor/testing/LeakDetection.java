package io.cachet.reactor.testing;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.buffer.UnpooledByteBufAllocator;
import io.netty.util.ResourceLeakDetector;
import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;

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
    private static volatile long lastCollection = System.nanoTime() - TimeUnit.SECONDS.toNanos(1);

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
            // On the module path netty-buffer may not open itself to us: Netty still logs leaks.
            System.err.println(
                    "LeakDetection: cannot listen to Netty's leak detector (" + e + "); leaks are only logged");
        }
        installed = true;
    }

    /**
     * A full GC, then waits until the JVM has enqueued what that GC found unreachable (a canary of
     * our own is enqueued with them), so Netty's detector can see leaked buffers right away.
     */
    private static void collectGarbage() {
        ReferenceQueue<Object> queue = new ReferenceQueue<>();
        PhantomReference<Object> canary = new PhantomReference<>(new Object(), queue);
        System.gc();
        try {
            queue.remove(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        canary.clear();
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
        check(true);
    }

    /**
     * {@link #assertNoLeaks()} after a test; several servers stopping after one test share one
     * garbage collection.
     */
    public static void checkAfterTest() {
        check(System.nanoTime() - lastCollection > TimeUnit.MILLISECONDS.toNanos(250));
    }

    private static void check(boolean collect) {
        install();
        if (collect) {
            collectGarbage();
            lastCollection = System.nanoTime();
        }
        for (ByteBufAllocator allocator :
                List.of(PooledByteBufAllocator.DEFAULT, UnpooledByteBufAllocator.DEFAULT, ByteBufAllocator.DEFAULT)) {
            for (int i = 0; i < 4; i++) {
                allocator.buffer(8).release();
                allocator.directBuffer(8).release();
            }
        }
        List<String> leaks = new ArrayList<>();
        String leak;
        while ((leak = LEAKS.poll()) != null) {
            leaks.add(leak);
        }
        if (!leaks.isEmpty()) {
            throw new AssertionError(
                    "Netty reported " + leaks.size() + " leaked buffer(s):\n" + String.join("\n", leaks));
        }
    }
}
