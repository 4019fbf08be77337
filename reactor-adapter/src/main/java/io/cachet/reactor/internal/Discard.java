package io.cachet.reactor.internal;

import org.reactivestreams.Subscription;
import reactor.core.CoreSubscriber;

/**
 * Subscribes only to cancel: applied to a response body nobody wants, it makes reactor-netty
 * release what it queued and close the connection if the response was not complete. Signals after
 * the cancel (a late error, a rejected second subscription) are ignored on purpose.
 */
enum Discard implements CoreSubscriber<Object> {
    INSTANCE;

    @Override
    public void onSubscribe(Subscription s) {
        s.cancel();
    }

    @Override
    public void onNext(Object o) {
        // Not requested.
    }

    @Override
    public void onError(Throwable t) {
        // Nobody wants this body, nor how it ended.
    }

    @Override
    public void onComplete() {
        // Nothing to do.
    }
}
