package io.cachet.reactor.internal;

import java.util.Locale;

/**
 * A parsed {@code Content-Range} header (RFC 9110 §14.4), limited to what a single-range answer
 * may say:
 *
 * <pre>
 *   bytes 100-199/1000    first=100, last=199, total=1000
 *   bytes 100-199/*       total unknown (-1)
 *   bytes *&#47;1000         unsatisfied (first = last = -1): the answer to a 416
 * </pre>
 *
 * <p>Anything else is rejected rather than guessed at: another unit, signs, spaces inside numbers,
 * numbers past {@link Long#MAX_VALUE}, {@code last < first}, {@code last >= total}.
 *
 * @param first the first byte, or -1 for an unsatisfied range
 * @param last the last byte (inclusive), or -1 for an unsatisfied range
 * @param total the complete length, or -1 when the origin wrote {@code *}
 */
record ContentRange(long first, long last, long total) {
    static final long UNKNOWN = -1;

    /** Whether this is the {@code bytes *}{@code /N} form. */
    boolean unsatisfied() {
        return first == UNKNOWN;
    }

    /** How many bytes the range covers, or 0 when unsatisfied. */
    long length() {
        return unsatisfied() ? 0 : last - first + 1;
    }

    /**
     * Parses {@code value}.
     *
     * @throws IllegalArgumentException saying what is wrong with it
     */
    static ContentRange parse(String value) {
        String v = value.strip();
        if (v.length() < 6 || !v.substring(0, 6).toLowerCase(Locale.ROOT).equals("bytes ")) {
            throw new IllegalArgumentException("not a byte range");
        }
        String spec = v.substring(6).strip();
        int slash = spec.indexOf('/');
        if (slash < 0 || spec.indexOf('/', slash + 1) >= 0) {
            throw new IllegalArgumentException("expected <range>/<length>");
        }
        String range = spec.substring(0, slash);
        String complete = spec.substring(slash + 1);
        long total = complete.equals("*") ? UNKNOWN : number(complete, "length");
        if (range.equals("*")) {
            if (total == UNKNOWN) {
                throw new IllegalArgumentException("an unsatisfied range must state the length");
            }
            return new ContentRange(UNKNOWN, UNKNOWN, total);
        }
        int dash = range.indexOf('-');
        if (dash < 0) {
            throw new IllegalArgumentException("expected <first>-<last>");
        }
        long first = number(range.substring(0, dash), "first byte");
        long last = number(range.substring(dash + 1), "last byte");
        if (last < first) {
            throw new IllegalArgumentException("the last byte " + last + " is before the first " + first);
        }
        if (total != UNKNOWN && last >= total) {
            throw new IllegalArgumentException("the last byte " + last + " is not below the length " + total);
        }
        return new ContentRange(first, last, total);
    }

    /** A non-negative decimal that fits in a long; used for Content-Length too. */
    static long number(String s, String what) {
        if (s.isEmpty() || s.length() > 19) {
            throw new IllegalArgumentException("the " + what + " is not a number of at most 19 digits");
        }
        long n = 0;
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c < '0' || c > '9') {
                throw new IllegalArgumentException("the " + what + " is not a non-negative decimal number");
            }
            if (n > (Long.MAX_VALUE - (c - '0')) / 10) {
                throw new IllegalArgumentException("the " + what + " overflows a 64-bit length");
            }
            n = n * 10 + (c - '0');
        }
        return n;
    }

    @Override
    public String toString() {
        String t = total == UNKNOWN ? "*" : Long.toString(total);
        return unsatisfied() ? "bytes */" + t : "bytes " + first + "-" + last + "/" + t;
    }
}
