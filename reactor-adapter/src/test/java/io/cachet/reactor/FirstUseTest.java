package io.cachet.reactor;

import static org.assertj.core.api.Assertions.assertThat;

import io.cachet.reactor.testing.Bodies;
import io.cachet.reactor.testing.FaultyServer;
import io.cachet.spi.OriginRequest;
import io.cachet.testing.Await;
import io.netty.channel.EventLoopGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import reactor.core.publisher.Mono;
import reactor.netty.http.HttpResources;
import reactor.netty.resources.LoopResources;

/**
 * The first requests of the default origin, made by many threads at once, as a batch makes them.
 * reactor-netty creates its shared event loops on first use, and each thread that arrives while
 * they are being created makes (and then throws away) a group of its own. (A caller's client with
 * {@code runOn} has its loops created by {@code runOn} itself.)
 */
@Timeout(60)
class FirstUseTest {
    private static final byte[] BODY = Bodies.random(1_000, 1);
    private static final int CALLERS = 16;

    @RegisterExtension
    final FaultyServer server = new FaultyServer();

    private final GatedLoops loops = new GatedLoops();

    @BeforeEach
    void shareTheGatedLoops() {
        HttpResources.set(loops);
    }

    @AfterEach
    void restoreTheDefaults() {
        HttpResources.reset();
    }

    @Test
    void requestsThatArriveWhileTheEventLoopsAreBeingCreatedWaitForThem() throws Exception {
        for (int i = 0; i < CALLERS; i++) {
            server.serve("/f" + i, BODY);
        }
        NettyOrigin origin = NettyOrigin.create();
        AtomicInteger received = new AtomicInteger();
        List<Thread> callers = new ArrayList<>();
        for (int i = 0; i < CALLERS; i++) {
            OriginRequest request = OriginRequest.of(server.url("/f" + i));
            callers.add(new Thread(
                    () -> origin.open(request)
                            .flatMapMany(response -> response.body())
                            .doOnNext(chunk -> received.addAndGet(chunk.remaining()))
                            .blockLast(Duration.ofSeconds(30)),
                    "first-use-caller-" + i));
        }
        callers.forEach(Thread::start);

        assertThat(loops.creating.await(10, TimeUnit.SECONDS))
                .as("one caller creates the loops")
                .isTrue();
        Await.until(
                "every caller is creating the loops or waiting",
                () -> callers.stream()
                        .allMatch(c ->
                                c.getState() == Thread.State.WAITING || c.getState() == Thread.State.TIMED_WAITING));
        int alsoCreating = loops.askedWhileCreating.get();
        loops.created.countDown();
        for (Thread caller : callers) {
            caller.join(30_000);
        }

        assertThat(alsoCreating)
                .as("callers that asked for the loops while the first was creating them")
                .isZero();
        assertThat(received).hasValue(CALLERS * BODY.length);
    }

    /** Real loops, whose creation waits until the test lets it finish. */
    static final class GatedLoops implements LoopResources {
        private final LoopResources real = LoopResources.create("first-use", 1, 2, true);
        private final AtomicBoolean first = new AtomicBoolean(true);
        private volatile boolean ready;
        final CountDownLatch creating = new CountDownLatch(1);
        final CountDownLatch created = new CountDownLatch(1);
        final AtomicInteger askedWhileCreating = new AtomicInteger();

        @Override
        public EventLoopGroup onClient(boolean useNative) {
            if (first.compareAndSet(true, false)) {
                creating.countDown();
                try {
                    created.await();
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                EventLoopGroup group = real.onClient(useNative);
                ready = true;
                return group;
            }
            if (!ready) {
                askedWhileCreating.incrementAndGet();
            }
            return real.onClient(useNative);
        }

        @Override
        public EventLoopGroup onServer(boolean useNative) {
            return real.onServer(useNative);
        }

        @Override
        public Mono<Void> disposeLater(Duration quietPeriod, Duration timeout) {
            return real.disposeLater(quietPeriod, timeout);
        }
    }
}
