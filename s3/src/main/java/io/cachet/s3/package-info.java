/**
 * A fleet's shared tier of verified blobs in an S3-compatible object store: {@link
 * io.cachet.s3.S3Tier} implements {@link io.cachet.spi.BlobTier} on the AWS SDK v2 async client.
 */
@NullMarked
package io.cachet.s3;

import org.jspecify.annotations.NullMarked;
