/**
 * Real HTTP servers on loopback that misbehave on purpose, for this module's tests and (through the
 * test-jar) the other modules'. The door is {@link io.cachet.reactor.testing.FaultyServer}, scripted
 * with {@link io.cachet.reactor.testing.Response}s; {@link io.cachet.reactor.testing.RawServer}
 * writes byte-exact malformed HTTP. The rest are helpers for tests: client resources that end with
 * the test, bodies, the leak check, certificates.
 */
@NullMarked
package io.cachet.reactor.testing;

import org.jspecify.annotations.NullMarked;
