/**
 * The seams through which Cachet reaches the world: an {@link io.cachet.spi.Origin} turns a URI
 * and a byte range into a stream of bytes (the HTTP origin lives in {@code cachet-reactor}); a
 * {@link io.cachet.spi.Cluster} and a {@link io.cachet.spi.BlobTier} let the hosts of a fleet share
 * one download (Redis and S3 implementations live in {@code cachet-redis} and {@code cachet-s3}).
 * {@link io.cachet.spi.Text} holds the rules for text that crosses these seams.
 */
@NullMarked
package io.cachet.spi;

import org.jspecify.annotations.NullMarked;
