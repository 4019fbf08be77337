package io.cachet.spi;

import org.jspecify.annotations.Nullable;

/**
 * What identifies one version of an artifact at its origin: an HTTP {@code ETag} and {@code
 * Last-Modified}. A resume is only asked for with the validators the first bytes came with.
 *
 * @param etag the entity tag, quotes included, or null
 * @param lastModified the {@code Last-Modified} value, or null
 */
public record Validators(@Nullable String etag, @Nullable String lastModified) {

    /** No validators: the origin said nothing about versions. */
    public static final Validators NONE = new Validators(null, null);

    /** Rejects values that could not be sent back in a header. */
    public Validators {
        checkHeaderValue("etag", etag);
        checkHeaderValue("lastModified", lastModified);
    }

    /** Whether neither validator is known. */
    public boolean isEmpty() {
        return etag == null && lastModified == null;
    }

    /**
     * The value for {@code If-Range}: a strong entity tag if there is one, else the date. A weak
     * tag ({@code W/"..."}) cannot be used for a range, so it yields the date or null.
     */
    public @Nullable String ifRange() {
        if (etag != null && !etag.startsWith("W/")) {
            return etag;
        }
        return lastModified;
    }

    private static void checkHeaderValue(String name, @Nullable String value) {
        if (value != null && (value.length() > 1024 || value.chars().anyMatch(c -> c < 0x20 || c == 0x7f))) {
            throw new IllegalArgumentException(name + " is not a usable header value");
        }
    }
}
