/**
 * Cachet's HTTP origin on reactor-netty: {@link io.cachet.reactor.NettyOrigin}, for {@code http}
 * and {@code https} artifacts, usable with a caller's own {@code HttpClient}.
 */
@NullMarked
package io.cachet.reactor;

import org.jspecify.annotations.NullMarked;
