package io.cachet.reactor.internal;

import io.cachet.spi.Text;
import java.net.URI;

/**
 * URLs as they may appear in this origin's messages and logs, which many people read: without user
 * info, query values or fragment ({@link Text#redact}), and bounded in length. Server-supplied text
 * goes through {@link Text#printable(String, int)}.
 */
final class Redact {
    private static final int MAX_URL = 300;

    private Redact() {}

    /** The URL as the engine shows it: {@code https://host:8443/path?...}, at most 300 characters. */
    static String url(URI uri) {
        return Text.printable(Text.redact(uri), MAX_URL);
    }
}
