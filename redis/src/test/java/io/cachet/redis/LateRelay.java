package io.cachet.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A TCP relay on loopback in front of a Redis server that holds back the server's first answer on
 * each connection for {@code delay}: a Redis slow to answer Lettuce's handshake. Plain sockets and
 * daemon threads; closing it closes every socket.
 */
final class LateRelay implements AutoCloseable {
    private final ServerSocket listener;
    private final URI target;
    private final Duration delay;
    private final List<Socket> sockets = new CopyOnWriteArrayList<>();
    private final AtomicInteger answered = new AtomicInteger();

    LateRelay(URI target, Duration delay) throws IOException {
        this.target = target;
        this.delay = delay;
        this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread accept = new Thread(this::accept, "late-relay-accept");
        accept.setDaemon(true);
        accept.start();
    }

    URI uri() {
        return URI.create("redis://127.0.0.1:" + listener.getLocalPort());
    }

    /** Connections whose first answer has been passed on. */
    int answered() {
        return answered.get();
    }

    private void accept() {
        try {
            while (true) {
                Socket client = listener.accept();
                Socket server = new Socket(target.getHost(), target.getPort());
                sockets.add(client);
                sockets.add(server);
                pump(client, server, Duration.ZERO, false);
                pump(server, client, delay, true);
            }
        } catch (IOException closed) {
            // The relay was closed.
        }
    }

    private void pump(Socket from, Socket to, Duration firstDelay, boolean countFirst) {
        Thread t = new Thread(
                () -> {
                    byte[] buffer = new byte[8192];
                    try (InputStream in = from.getInputStream();
                            OutputStream out = to.getOutputStream()) {
                        boolean first = true;
                        int n;
                        while ((n = in.read(buffer)) >= 0) {
                            if (first) {
                                Thread.sleep(firstDelay.toMillis()); // The fault: a late answer.
                            }
                            out.write(buffer, 0, n);
                            out.flush();
                            if (first && countFirst) {
                                answered.incrementAndGet();
                            }
                            first = false;
                        }
                    } catch (IOException | InterruptedException e) {
                        // A side closed.
                    }
                    close(from);
                    close(to);
                },
                "late-relay-pump");
        t.setDaemon(true);
        t.start();
    }

    private static void close(Socket socket) {
        try {
            socket.close();
        } catch (IOException ignored) {
            // Already closed.
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
        sockets.forEach(LateRelay::close);
    }
}
