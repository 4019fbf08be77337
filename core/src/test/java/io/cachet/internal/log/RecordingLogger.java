package io.cachet.internal.log;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Marker;
import org.slf4j.event.Level;
import org.slf4j.helpers.LegacyAbstractLogger;
import org.slf4j.helpers.MessageFormatter;
import reactor.core.scheduler.Schedulers;

/**
 * An SLF4J logger that keeps what it is given, at every level from {@code threshold} up, with the
 * thread that wrote each line and whether that thread was one that must not block.
 */
final class RecordingLogger extends LegacyAbstractLogger {
    private static final long serialVersionUID = 1L;

    record Line(Level level, String message, Throwable error, String thread, boolean nonBlockingThread) {
        @Override
        public String toString() {
            return level + " [" + thread + "] " + message;
        }
    }

    private final Level threshold;
    private final transient List<Line> lines = new CopyOnWriteArrayList<>();

    RecordingLogger(Level threshold) {
        this.threshold = threshold;
        this.name = "io.cachet.Cache";
    }

    List<Line> lines() {
        return List.copyOf(lines);
    }

    List<Line> lines(Level level) {
        return lines.stream().filter(l -> l.level() == level).toList();
    }

    private boolean enabled(Level level) {
        return level.toInt() >= threshold.toInt();
    }

    @Override
    public boolean isTraceEnabled() {
        return enabled(Level.TRACE);
    }

    @Override
    public boolean isDebugEnabled() {
        return enabled(Level.DEBUG);
    }

    @Override
    public boolean isInfoEnabled() {
        return enabled(Level.INFO);
    }

    @Override
    public boolean isWarnEnabled() {
        return enabled(Level.WARN);
    }

    @Override
    public boolean isErrorEnabled() {
        return enabled(Level.ERROR);
    }

    @Override
    protected String getFullyQualifiedCallerName() {
        return RecordingLogger.class.getName();
    }

    @Override
    protected void handleNormalizedLoggingCall(
            Level level, Marker marker, String pattern, Object[] arguments, Throwable error) {
        Thread thread = Thread.currentThread();
        lines.add(new Line(
                level,
                MessageFormatter.basicArrayFormat(pattern, arguments),
                error,
                thread.getName(),
                Schedulers.isNonBlockingThread(thread)));
    }
}
