package io.cachet.internal.fetch;

import io.cachet.internal.store.Store;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A set of byte ranges {@code [start, end)}, kept sorted, disjoint and merged. Not thread-safe:
 * its owner guards it.
 */
final class Spans {
    private final TreeMap<Long, Long> spans = new TreeMap<>();

    static Spans of(List<Store.Span> list) {
        Spans out = new Spans();
        for (Store.Span span : list) {
            out.add(span.start(), span.end());
        }
        return out;
    }

    /** Adds {@code [start, end)}, merging it with what it touches. */
    void add(long start, long end) {
        if (end <= start) {
            return;
        }
        Map.Entry<Long, Long> before = spans.floorEntry(start);
        if (before != null && before.getValue() >= start) {
            start = before.getKey();
            end = Math.max(end, before.getValue());
            spans.remove(before.getKey());
        }
        Map.Entry<Long, Long> after = spans.ceilingEntry(start);
        while (after != null && after.getKey() <= end) {
            end = Math.max(end, after.getValue());
            spans.remove(after.getKey());
            after = spans.ceilingEntry(start);
        }
        spans.put(start, end);
    }

    /** Removes {@code [start, end)}. */
    void remove(long start, long end) {
        if (end <= start) {
            return;
        }
        Map.Entry<Long, Long> before = spans.lowerEntry(start);
        if (before != null && before.getValue() > start) {
            spans.put(before.getKey(), start);
            if (before.getValue() > end) {
                spans.put(end, before.getValue());
            }
        }
        Map.Entry<Long, Long> inside = spans.ceilingEntry(start);
        while (inside != null && inside.getKey() < end) {
            spans.remove(inside.getKey());
            if (inside.getValue() > end) {
                spans.put(end, inside.getValue());
            }
            inside = spans.ceilingEntry(start);
        }
    }

    /** Bytes in the set. */
    long total() {
        long sum = 0;
        for (Map.Entry<Long, Long> e : spans.entrySet()) {
            sum += e.getValue() - e.getKey();
        }
        return sum;
    }

    boolean isEmpty() {
        return spans.isEmpty();
    }

    /** Whether {@code [start, end)} is wholly in the set. */
    boolean covers(long start, long end) {
        Map.Entry<Long, Long> e = spans.floorEntry(start);
        return e != null && e.getValue() >= end;
    }

    /** The end of the run of bytes in the set from {@code at}, or {@code at} if it is not in the set. */
    long contiguousFrom(long at) {
        Map.Entry<Long, Long> e = spans.floorEntry(at);
        return e != null && e.getValue() > at ? e.getValue() : at;
    }

    /** The first span, or null. */
    Store.@org.jspecify.annotations.Nullable Span first() {
        Map.Entry<Long, Long> e = spans.firstEntry();
        return e == null ? null : new Store.Span(e.getKey(), e.getValue());
    }

    /** The start of the first span at or after {@code at}, or -1. */
    long nextStartFrom(long at) {
        Long next = spans.ceilingKey(at);
        return next == null ? -1 : next;
    }

    /** What {@code [0, length)} lacks of this set. */
    List<Store.Span> missing(long length) {
        List<Store.Span> out = new ArrayList<>();
        long at = 0;
        for (Map.Entry<Long, Long> e : spans.entrySet()) {
            if (e.getKey() >= length) {
                break;
            }
            if (e.getKey() > at) {
                out.add(new Store.Span(at, e.getKey()));
            }
            at = Math.max(at, e.getValue());
        }
        if (at < length) {
            out.add(new Store.Span(at, length));
        }
        return out;
    }

    List<Store.Span> list() {
        List<Store.Span> out = new ArrayList<>(spans.size());
        spans.forEach((start, end) -> out.add(new Store.Span(start, end)));
        return out;
    }

    Spans copy() {
        Spans out = new Spans();
        out.spans.putAll(spans);
        return out;
    }

    @Override
    public String toString() {
        return list().toString();
    }
}
