/**
 * A fleet's shared tier of verified blobs in an S3-compatible store, on the AWS SDK v2 async client.
 * Exports only {@code io.cachet.s3}; it reaches the engine through {@code io.cachet.spi} alone.
 */
@org.jspecify.annotations.NullMarked
@SuppressWarnings("module") // "cachet.s3" ends in a digit: it names the service, as the artifact does
module cachet.s3 {
    requires transitive cachet.core;
    requires software.amazon.awssdk.services.s3;
    requires software.amazon.awssdk.core;
    requires software.amazon.awssdk.awscore;
    requires software.amazon.awssdk.auth;
    requires software.amazon.awssdk.regions;
    requires software.amazon.awssdk.http.nio.netty;
    requires software.amazon.awssdk.http;
    requires software.amazon.awssdk.retries.api;
    requires software.amazon.awssdk.identity.spi;
    requires software.amazon.awssdk.utils;
    requires io.netty.common;
    requires io.netty.transport;
    requires org.slf4j;
    requires static transitive org.jspecify;

    exports io.cachet.s3;
}
