/**
 * Single flight: at most one piece of work per key at a time, shared by everyone who asks
 * meanwhile. Door: {@link io.cachet.internal.flight.SingleFlight}.
 */
@NullMarked
package io.cachet.internal.flight;

import org.jspecify.annotations.NullMarked;
