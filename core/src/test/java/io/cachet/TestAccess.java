package io.cachet;

import io.cachet.internal.Engine;

/** Lets tests turn a builder into the engine's settings, to start an engine on a faulty disk. */
public final class TestAccess {
    private TestAccess() {}

    public static Engine.Settings settings(Cache.Builder builder) {
        return builder.settings();
    }
}
