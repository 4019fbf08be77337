package io.cachet;

/**
 * The artifact is not in the cache, and the cache is offline ({@link Cache.Builder#offline}): no
 * origin was asked, nothing was waited for, and nothing was changed.
 */
public final class OfflineException extends CachetException {
    private static final long serialVersionUID = 1L;

    private final Key key;
    private final String url;

    /**
     * @param key the artifact's key
     * @param url its URL, already redacted (no credentials, no query)
     */
    public OfflineException(Key key, String url) {
        super(message(key, url), null);
        this.key = key;
        this.url = url;
    }

    private static String message(Key key, String url) {
        String what = key.isUri() ? url : key + " (" + url + ")";
        return what + " is not in the cache, and the cache is offline, so no origin was asked; fetch it once"
                + " while online (offline mode off: Cache.Builder.offline(false)) to use it offline later";
    }

    /** The artifact's key. */
    public Key key() {
        return key;
    }

    /** Its URL, without credentials or query. */
    public String url() {
        return url;
    }

    /** False: the same request fails the same way until the artifact is cached or the cache is online. */
    @Override
    public boolean isTransient() {
        return false;
    }
}
