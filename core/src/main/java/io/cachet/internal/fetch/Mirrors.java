package io.cachet.internal.fetch;

import io.cachet.FetchRequest;
import io.cachet.Sha256;
import io.cachet.spi.Text;
import io.cachet.spi.Validators;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The sources of one download: the request's own URI first, then its mirrors, and which of them
 * are still used (docs/architecture.md, "Mirrors").
 *
 * <ul>
 *   <li>A source that fails, stalls, ignores ranges or serves bytes that do not verify is dropped
 *       for this download, as long as another one is left; the last one is retried as one source
 *       always is.
 *   <li>One stream uses the first source still in use; parallel ranges go to the source with the
 *       fewest connections, so that they spread over every source that answers.
 *   <li>Each source has its own validators (mirrors are other servers: their ETags differ); a
 *       range is asked of a source with the validators it gave, or none before its first answer
 *       (mirrors need a pinned digest, which is what makes that safe).
 *   <li>Which sources wrote bytes into the part since it was last started over, so that bytes that
 *       do not verify can be blamed: on the source if it alone wrote them, else the download starts
 *       over with one source at a time ("solo") until one verifies.
 * </ul>
 *
 * <p>Thread-safe: every method is synchronized; none does I/O.
 */
final class Mirrors {
    /** One source and what this download knows of it. */
    static final class Mirror {
        final Download.Source source;
        final String url;
        final Failures failures;
        final boolean primary;
        // Guarded by the Mirrors.
        Validators validators = Validators.NONE;
        boolean dropped;
        int connections;

        Mirror(Download.Source source, boolean primary, Failures failures) {
            this.source = source;
            this.url = Text.redact(source.uri());
            this.failures = failures;
            this.primary = primary;
        }

        @Override
        public String toString() {
            return url;
        }
    }

    private final List<Mirror> all = new ArrayList<>();
    private final Set<Mirror> wrote = new LinkedHashSet<>();
    private @Nullable Mirror solo;

    Mirrors(List<Download.Source> sources, FetchRequest request, Duration idleTimeout) {
        if (sources.isEmpty()) {
            throw new IllegalArgumentException("a download needs at least one source");
        }
        Sha256 pinned = request.sha256();
        for (int i = 0; i < sources.size(); i++) {
            Download.Source s = sources.get(i);
            all.add(new Mirror(s, i == 0, new Failures(request.key(), Text.redact(s.uri()), pinned, idleTimeout)));
        }
    }

    synchronized Mirror primary() {
        return all.get(0);
    }

    /** How many sources this download has in all. */
    int size() {
        return all.size();
    }

    /** The source one stream uses: the first still in use. */
    synchronized Mirror current() {
        Mirror first = solo != null ? solo : firstInUse();
        return first != null ? first : all.get(all.size() - 1); // The last source is never dropped.
    }

    /** The source for a new connection: the one in use with the fewest connections (the first of those). */
    synchronized Mirror pick() {
        if (solo != null) {
            return solo;
        }
        Mirror best = null;
        for (Mirror m : all) {
            if (!m.dropped && (best == null || m.connections < best.connections)) {
                best = m;
            }
        }
        return best == null ? current() : best;
    }

    /** Whether another source than {@code m} is still in use (so that {@code m} can be dropped). */
    synchronized boolean hasOtherThan(Mirror m) {
        for (Mirror other : all) {
            if (other != m && !other.dropped) {
                return true;
            }
        }
        return false;
    }

    /**
     * Drops {@code m} for this download, if another source is left (one alone takes over from it);
     * returns whether it did.
     */
    synchronized boolean drop(Mirror m) {
        if (!hasOtherThan(m)) {
            return false;
        }
        m.dropped = true;
        if (solo == m) {
            solo = firstInUse();
        }
        return true;
    }

    private @Nullable Mirror firstInUse() {
        for (Mirror m : all) {
            if (!m.dropped) {
                return m;
            }
        }
        return null;
    }

    synchronized boolean isDropped(Mirror m) {
        return m.dropped;
    }

    synchronized Validators validators(Mirror m) {
        return m.validators;
    }

    /**
     * Notes the validators {@code m} answered with.
     *
     * @return false if they differ from those it answered with before (the artifact changed there)
     */
    synchronized boolean answered(Mirror m, Validators validators) {
        if (m.validators.isEmpty()) {
            m.validators = validators;
            return true;
        }
        return m.validators.equals(validators);
    }

    synchronized void connected(Mirror m, int delta) {
        m.connections += delta;
    }

    /** The redacted URLs of the sources with open connections, in order. */
    synchronized List<String> inUse() {
        List<String> out = new ArrayList<>();
        for (Mirror m : all) {
            if (m.connections > 0) {
                out.add(m.url);
            }
        }
        return out;
    }

    /** {@code m} wrote bytes into the part. */
    synchronized void wrote(Mirror m) {
        wrote.add(m);
    }

    /** The part starts over: nobody wrote into it yet. */
    synchronized void startOver() {
        wrote.clear();
    }

    /**
     * Bytes this download wrote did not verify: drops the source to blame if one source alone wrote
     * them, else goes on with one source at a time ("solo"), in order.
     *
     * @return whether a fresh start with the sources left is worth it; false to fail
     */
    synchronized boolean blame() {
        if (all.size() == 1 || wrote.isEmpty()) {
            return false;
        }
        if (wrote.size() == 1) {
            return drop(wrote.iterator().next()); // Not if it is the last: then the pin is the likely problem.
        }
        if (solo == null) {
            solo = firstInUse();
            return solo != null;
        }
        return false;
    }
}
